-- The foundation: installations, the ingest side (inbox, shop orders, refunds, poll
-- cursors) and the transactional outbox every service publishes through.

CREATE TABLE installations (
    id                     uuid PRIMARY KEY,
    name                   text NOT NULL CHECK (name <> ''),
    status                 text NOT NULL DEFAULT 'active'
                           CHECK (status IN ('active', 'disabled')),
    shop_country           char(2) NOT NULL,
    shop_timezone          text NOT NULL,
    kmo_base_url           text NOT NULL,
    -- Fernet tokens (common.crypto), never plaintext.
    kmo_token              bytea NOT NULL,
    informer_api_key       bytea NOT NULL,
    informer_security_code bytea NOT NULL,
    webhook_secret         bytea NOT NULL,
    config                 jsonb NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- The inbox: one row per KMO Shops webhook delivery id, so a retried delivery is
-- answered 200 and stored once.
CREATE TABLE webhook_deliveries (
    installation_id uuid NOT NULL REFERENCES installations (id),
    delivery_id     text NOT NULL,
    topic           text NOT NULL,
    order_id        bigint,
    -- 'stored': the order was new or newer; 'stale': an older or equal version was
    -- already stored; 'ignored': a refund, recorded and not booked.
    effect          text NOT NULL CHECK (effect IN ('stored', 'stale', 'ignored')),
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, delivery_id)
);

-- What KMO Shops sent that broke the contract: a signed webhook body (answered 400)
-- or an order in a poll page. Kept, so nothing the shop sent is lost and support can
-- see why.
CREATE TABLE rejected_payloads (
    id              bigserial PRIMARY KEY,
    installation_id uuid NOT NULL REFERENCES installations (id),
    source          text NOT NULL CHECK (source IN ('webhook', 'poll')),
    delivery_id     text,
    topic           text,
    reason          text NOT NULL,
    body            bytea NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rejected_payloads_installation ON rejected_payloads (installation_id, received_at);

-- The newest version of every order seen, by webhook or poll.
CREATE TABLE shop_orders (
    installation_id uuid NOT NULL REFERENCES installations (id),
    order_id        bigint NOT NULL,
    number          text NOT NULL,
    status          text NOT NULL,
    updated_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL,
    total           numeric(14, 2) NOT NULL,
    currency        char(3) NOT NULL,
    source          text NOT NULL CHECK (source IN ('webhook', 'poll')),
    payload         jsonb NOT NULL,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, order_id)
);

CREATE TABLE shop_refunds (
    installation_id uuid NOT NULL REFERENCES installations (id),
    refund_id       bigint NOT NULL,
    order_id        bigint NOT NULL,
    amount          numeric(14, 2) NOT NULL,
    created_at      timestamptz NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, refund_id)
);

CREATE TABLE poll_cursors (
    installation_id uuid PRIMARY KEY REFERENCES installations (id),
    updated_since   timestamptz NOT NULL,
    last_poll_at    timestamptz,
    last_error      text,
    last_error_at   timestamptz
);

-- The transactional outbox. A row is written in the same transaction as the state
-- change it announces; the relay publishes it with confirms and deletes it.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    message_id   uuid NOT NULL,
    exchange     text NOT NULL,
    routing_key  text NOT NULL,
    body         bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', '');
    RETURN NULL;
END $$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Consumers' record of handled message ids, written in the handler's transaction.
CREATE TABLE processed_messages (
    consumer     text NOT NULL,
    message_id   uuid NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);
