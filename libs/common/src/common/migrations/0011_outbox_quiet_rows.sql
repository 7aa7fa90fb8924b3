-- An outbox row may be quiet: inserted with wake = false it fires no NOTIFY, and the
-- process that wrote it wakes its own relay directly once it has committed
-- (common.db.outbox.wake_relays). A NOTIFY is dear for what it does here: every one
-- wakes every listening backend of the database (each service's relay holds a LISTEN
-- connection), each of which runs a transaction to read the queue, and notifying
-- commits serialise on one database-wide lock. Per order, about 18
-- PostgreSQL transactions ran for 6.4 statements the services issued; one NOTIFY with
-- three listeners cost about 0.12 ms of PostgreSQL CPU on top of its statement.
-- Rows are loud by default, so every other writer (the CLI, the scheduler, rarer
-- paths) keeps waking relays as before, and every relay still polls the whole table,
-- so a quiet row whose writer's relay is gone waits at most one poll.
-- The trigger becomes a row trigger to look at NEW.wake; the notifications of one
-- transaction are identical (channel and application name), and PostgreSQL delivers
-- them as one.
ALTER TABLE outbox ADD COLUMN wake boolean NOT NULL DEFAULT true;

DROP TRIGGER outbox_notify ON outbox;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH ROW WHEN (NEW.wake) EXECUTE FUNCTION outbox_notify();
