-- Operations: the nightly re-check of Open orders, and back-fills of historical orders.

-- Ingest lists an installation's Open orders from its own copy of the shop's orders
-- (status not processable, not cancelled): its data, no reach into the processor's
-- tables. An order Open for longer than the limit is flagged to the merchant once.
ALTER TABLE shop_orders ADD COLUMN open_flagged_at timestamptz;
CREATE INDEX shop_orders_status ON shop_orders (installation_id, status);

-- The dashboard's copy of that flag, set from the OrderLongOpen event.
ALTER TABLE order_views ADD COLUMN open_flagged_at timestamptz;

-- Back-fills (common.backfills): one row per run, its range, progress and the keyset
-- cursor of the next KMO Shops page; one running back-fill per installation.
CREATE TABLE backfills (
    id              uuid PRIMARY KEY,
    installation_id uuid NOT NULL REFERENCES installations (id),
    created_from    timestamptz NOT NULL,
    created_to      timestamptz NOT NULL CHECK (created_to > created_from),
    status          text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'done', 'failed')),
    step            integer NOT NULL DEFAULT 0,
    cursor_since    timestamptz NOT NULL,
    cursor_page     integer NOT NULL DEFAULT 1,
    seen            integer NOT NULL DEFAULT 0,
    queued          integer NOT NULL DEFAULT 0,
    error           text,
    requested_by    text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE UNIQUE INDEX backfills_one_running ON backfills (installation_id)
    WHERE status = 'running';

-- A historical order arrives by back-fill; which back-fill brought it (its progress).
ALTER TABLE shop_orders DROP CONSTRAINT shop_orders_source_check;
ALTER TABLE shop_orders ADD CONSTRAINT shop_orders_source_check
    CHECK (source IN ('webhook', 'poll', 'backfill'));
ALTER TABLE shop_orders ADD COLUMN backfill_id uuid REFERENCES backfills (id);
CREATE INDEX shop_orders_backfill ON shop_orders (backfill_id) WHERE backfill_id IS NOT NULL;
