-- The installation wizard: when each connection was last verified live, when the
-- configuration was saved (all three make a new installation active), the shop's
-- currency from GET /shop, and the progress of the e-mail index's build, which the
-- dashboard shows while the processor reads Informer's relations.
ALTER TABLE installations
    ADD COLUMN kmo_verified_at      timestamptz,
    ADD COLUMN informer_verified_at timestamptz,
    ADD COLUMN config_saved_at      timestamptz,
    ADD COLUMN shop_currency        char(3);

ALTER TABLE relation_index_state
    -- the dashboard asked for a (re)build: shown as waiting until the processor starts
    ADD COLUMN build_requested_at timestamptz,
    ADD COLUMN build_started_at   timestamptz,
    ADD COLUMN build_finished_at  timestamptz,
    ADD COLUMN build_relations    integer NOT NULL DEFAULT 0,
    ADD COLUMN build_pages        integer NOT NULL DEFAULT 0,
    -- as Informer announces it; NULL until the first page came
    ADD COLUMN build_total_pages  integer,
    ADD COLUMN build_error        text;
