-- The dashboard's read side: one row per order as the merchant sees it, kept up to
-- date from the processor's outcome events. Lists page on the indexes below.
CREATE TABLE order_views (
    installation_id  uuid NOT NULL REFERENCES installations (id),
    order_id         bigint NOT NULL,
    number           text NOT NULL,
    outcome          text NOT NULL CHECK (outcome IN ('processed', 'failed', 'waiting',
                                                      'cancelled')),
    shop_status      text NOT NULL,
    order_created_at timestamptz NOT NULL,
    total            numeric(14, 2) NOT NULL,
    currency         char(3) NOT NULL,
    customer_name    text NOT NULL,
    customer_email   text NOT NULL,
    invoice_id       bigint,
    invoice_number   text,
    invoice_url      text,
    invoice_date     date,
    error_code       text,
    error_message    text,
    error_detail     jsonb,
    last_event_at    timestamptz NOT NULL,
    PRIMARY KEY (installation_id, order_id)
);
CREATE INDEX order_views_list ON order_views (installation_id, outcome, order_created_at DESC, order_id DESC);
CREATE INDEX order_views_number ON order_views (installation_id, number);
