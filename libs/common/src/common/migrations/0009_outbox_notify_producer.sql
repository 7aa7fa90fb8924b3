-- The outbox notification names the application of the session that inserted the rows
-- (each service's pool connects as 'k2i-<service>'), so a service's relay wakes for
-- its own service's messages only. Every relay used to wake for every insert anywhere
-- and race the others for the same rows: per order, four relays ran a transaction
-- each and all but one found nothing. Rows from any other session (the CLI, tests)
-- still wake every relay, and every relay still polls the whole table as before, so
-- no row waits for a relay that is down.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox', current_setting('application_name'));
    RETURN NULL;
END $$;
