-- Operations: the nightly re-check of Open orders.

-- Ingest lists an installation's Open orders from its own copy of the shop's orders
-- (status not processable, not cancelled): its data, no reach into the processor's
-- tables. An order Open for longer than the limit is flagged to the merchant once.
ALTER TABLE shop_orders ADD COLUMN open_flagged_at timestamptz;
CREATE INDEX shop_orders_status ON shop_orders (installation_id, status);

-- The dashboard's copy of that flag, set from the OrderLongOpen event.
ALTER TABLE order_views ADD COLUMN open_flagged_at timestamptz;
