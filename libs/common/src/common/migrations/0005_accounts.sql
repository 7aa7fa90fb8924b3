-- The merchant's side: accounts, their sessions, login throttling, support tickets, and
-- the installation lifecycle (sign-up creates an installation in 'setup'; the wizard
-- connects it and makes it 'active'; the merchant may stop it: 'disabled').

CREATE TABLE accounts (
    id                uuid PRIMARY KEY,
    name              text NOT NULL CHECK (name <> ''),
    email             text NOT NULL CHECK (email LIKE '%_@_%'),
    -- argon2id, in the PHC string format (algorithm, parameters, salt and hash).
    password_hash     text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    shop_country      char(2) NOT NULL,
    terms_accepted_at timestamptz NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
-- One account per address, however it is capitalised.
CREATE UNIQUE INDEX accounts_email ON accounts (lower(email));

-- Server-side sessions. The cookie holds a random id; only its sha256 is stored, so a
-- leaked copy of this table opens no session.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    account_id   uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed log-ins per account (lower-cased e-mail) and per client address, in a window.
CREATE TABLE login_failures (
    scope        text NOT NULL CHECK (scope IN ('account', 'address')),
    key          text NOT NULL,
    failures     integer NOT NULL,
    window_start timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);

-- Installation lifecycle. Operator-created installations have no account.
ALTER TABLE installations
    ADD COLUMN account_id           uuid REFERENCES accounts (id),
    ADD COLUMN license_key          text UNIQUE,
    ADD COLUMN trial_ends_at        timestamptz,
    ADD COLUMN subscription_ends_at timestamptz,
    ADD COLUMN notification_email   text,
    ADD COLUMN stopped_at           timestamptz;
CREATE INDEX installations_account ON installations (account_id, created_at);

ALTER TABLE installations DROP CONSTRAINT installations_status_check;
ALTER TABLE installations ADD CONSTRAINT installations_status_check
    CHECK (status IN ('setup', 'active', 'disabled'));
-- In 'setup' the shop and Informer are not connected yet; every other state needs them.
ALTER TABLE installations
    ALTER COLUMN kmo_base_url DROP NOT NULL,
    ALTER COLUMN kmo_token DROP NOT NULL,
    ALTER COLUMN informer_api_key DROP NOT NULL,
    ALTER COLUMN informer_security_code DROP NOT NULL,
    ALTER COLUMN config DROP NOT NULL;
ALTER TABLE installations ADD CONSTRAINT installations_connected CHECK (
    status = 'setup'
    OR (kmo_base_url IS NOT NULL AND kmo_token IS NOT NULL AND informer_api_key IS NOT NULL
        AND informer_security_code IS NOT NULL AND config IS NOT NULL)
);

-- The read side learns two more outcomes: an order resubmitted from Errors is queued
-- again ("processing"), and an order the merchant ignored from Open is 'ignored'.
ALTER TABLE order_views DROP CONSTRAINT order_views_outcome_check;
ALTER TABLE order_views ADD CONSTRAINT order_views_outcome_check
    CHECK (outcome IN ('processed', 'failed', 'waiting', 'cancelled', 'queued', 'ignored'));

-- A problem a merchant reported, with a snapshot of everything support needs (the
-- order, its error and detail, the installation) as it was at that moment.
CREATE TABLE support_tickets (
    id              uuid PRIMARY KEY,
    account_id      uuid NOT NULL REFERENCES accounts (id),
    installation_id uuid NOT NULL REFERENCES installations (id),
    order_id        bigint,
    note            text NOT NULL,
    snapshot        jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_tickets_installation ON support_tickets (installation_id, created_at DESC);
