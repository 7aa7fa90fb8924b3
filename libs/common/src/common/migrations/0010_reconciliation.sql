-- The daily completeness check (ingest.reconcile): per installation and shop day, KMO
-- Shops' processable orders against the invoices booked, by count and total per
-- currency (decimal strings), and every difference. Checking a day again replaces it.
CREATE TABLE reconciliations (
    installation_id uuid NOT NULL REFERENCES installations (id),
    day             date NOT NULL,
    shop_count      integer NOT NULL,
    shop_totals     jsonb NOT NULL,
    invoiced_count  integer NOT NULL,
    invoiced_totals jsonb NOT NULL,
    differences     jsonb NOT NULL,
    checked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, day)
);
