-- The processor's write side: one row per order it is responsible for, the e-mail
-- index of Informer relations, relation creations in progress, and the Informer call
-- budget shared by every processor replica.

-- A stable, non-secret key per Informer administration: sha256 of the API key. Two
-- installations on one administration share one budget.
ALTER TABLE installations ADD COLUMN budget_key text;

CREATE TABLE order_states (
    installation_id  uuid NOT NULL REFERENCES installations (id),
    order_id         bigint NOT NULL,
    number           text NOT NULL,
    -- waiting: status not processable (Open); queued: to be processed; claimed: a
    -- worker holds it, nothing sent yet; posting: the invoice POST may have been sent;
    -- invoiced; failed: a pre-check or Informer refused it (Errors); ignored:
    -- cancelled; needs_review: parked for a human, never posted again by itself.
    state            text NOT NULL CHECK (state IN ('waiting', 'queued', 'claimed', 'posting',
                         'invoiced', 'failed', 'ignored', 'needs_review')),
    -- A POST of this order's invoice may have reached Informer without us learning the
    -- answer: look the invoice up by reference before any new POST.
    in_doubt         boolean NOT NULL DEFAULT false,
    order_status     text NOT NULL,
    order_updated_at timestamptz NOT NULL,
    payload          jsonb NOT NULL,
    priority_at      timestamptz NOT NULL DEFAULT now(),
    not_before       timestamptz NOT NULL DEFAULT now(),
    claim_id         uuid,
    claimed_version  timestamptz,
    lease_until      timestamptz,
    attempts         integer NOT NULL DEFAULT 0,
    relation_id      bigint,
    invoice_id       bigint,
    invoice_url      text,
    invoice_number   text,
    error_code       text,
    error_message    text,
    error_detail     jsonb,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, order_id)
);
CREATE INDEX order_states_runnable ON order_states (priority_at) WHERE state = 'queued';
CREATE INDEX order_states_installation_queue ON order_states (installation_id, priority_at)
    WHERE state = 'queued';
CREATE INDEX order_states_leases ON order_states (lease_until)
    WHERE state IN ('claimed', 'posting');

CREATE TABLE relation_index (
    installation_id uuid NOT NULL REFERENCES installations (id),
    email           text NOT NULL,
    relation_id     bigint NOT NULL,
    relation_number bigint,
    PRIMARY KEY (installation_id, email)
);

CREATE TABLE relation_index_state (
    installation_id uuid PRIMARY KEY REFERENCES installations (id),
    built_at        timestamptz,
    refreshed_at    timestamptz,
    relations       integer NOT NULL DEFAULT 0,
    max_relation_number bigint NOT NULL DEFAULT 0,
    -- The last relation number handed out for a new customer: one atomic increment
    -- per allocation, always above every number seen in Informer.
    last_allocated_number bigint NOT NULL DEFAULT 0
);

-- One row per new customer being created in Informer: the first order of that
-- customer takes it, the others wait. The relation number is chosen before the POST,
-- which makes creating the relation idempotent: after a crash the number is searched
-- for, and only posted again when it is not there.
CREATE TABLE relation_creations (
    installation_id uuid NOT NULL REFERENCES installations (id),
    email           text NOT NULL,
    relation_number bigint NOT NULL,
    claim_id        uuid NOT NULL,
    lease_until     timestamptz NOT NULL,
    relation_id     bigint,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (installation_id, email),
    UNIQUE (installation_id, relation_number)
);

-- The shared Informer budget per administration (see processor.budget).
CREATE TABLE informer_budgets (
    budget_key   text PRIMARY KEY,
    tat          timestamptz NOT NULL,
    paused_until timestamptz
);

CREATE TABLE informer_budget_usage (
    budget_key   text NOT NULL REFERENCES informer_budgets (budget_key),
    bucket_start timestamptz NOT NULL,
    calls        integer NOT NULL,
    PRIMARY KEY (budget_key, bucket_start)
);

-- Take one call from a budget, or say how long to wait.
--
-- The per-window limit is a GCRA (generic cell rate algorithm): one call every
-- p_interval with a burst tolerance p_tolerance; the caller picks them so that no
-- rolling window holds more calls than the limit. The daily limit counts calls in
-- buckets; every bucket that may overlap the last p_day counts, which is slightly
-- stricter than a rolling day. Returns 0 when the call may go now, else the seconds
-- to wait. One row lock per administration makes replicas take turns.
CREATE FUNCTION informer_acquire(p_key text, p_interval interval, p_tolerance interval,
                                 p_day interval, p_day_limit integer, p_bucket interval)
RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
    v_now    timestamptz := clock_timestamp();
    v_budget informer_budgets%ROWTYPE;
    v_tat    timestamptz;
    v_used   integer;
    v_oldest timestamptz;
    v_bucket timestamptz;
    v_width  double precision := extract(epoch FROM p_bucket);
BEGIN
    INSERT INTO informer_budgets (budget_key, tat) VALUES (p_key, v_now)
        ON CONFLICT (budget_key) DO NOTHING;
    SELECT * INTO v_budget FROM informer_budgets WHERE budget_key = p_key FOR UPDATE;
    IF v_budget.paused_until IS NOT NULL AND v_budget.paused_until > v_now THEN
        RETURN extract(epoch FROM v_budget.paused_until - v_now);
    END IF;
    v_tat := greatest(v_budget.tat, v_now);
    IF v_tat - p_tolerance > v_now THEN
        RETURN extract(epoch FROM v_tat - p_tolerance - v_now);
    END IF;
    SELECT coalesce(sum(calls), 0), min(bucket_start) INTO v_used, v_oldest
      FROM informer_budget_usage
     WHERE budget_key = p_key AND bucket_start > v_now - p_day - p_bucket;
    IF v_used >= p_day_limit THEN
        RETURN greatest(extract(epoch FROM v_oldest + p_day + p_bucket - v_now), 0.001);
    END IF;
    v_bucket := to_timestamp(floor(extract(epoch FROM v_now) / v_width) * v_width);
    INSERT INTO informer_budget_usage (budget_key, bucket_start, calls)
         VALUES (p_key, v_bucket, 1)
    ON CONFLICT (budget_key, bucket_start)
      DO UPDATE SET calls = informer_budget_usage.calls + 1;
    UPDATE informer_budgets SET tat = v_tat + p_interval WHERE budget_key = p_key;
    IF random() < 0.01 THEN
        DELETE FROM informer_budget_usage
         WHERE budget_key = p_key AND bucket_start < v_now - p_day - 2 * p_bucket;
    END IF;
    RETURN 0;
END $$;
