-- The scheduler's memory: the last fire time each periodic job has run for. A job
-- run and its commands commit in one transaction with this row, so a crash halfway
-- re-runs the whole fire time and a second scheduler finds it done.
CREATE TABLE scheduler_runs (
    job          text PRIMARY KEY,
    last_fire_at timestamptz NOT NULL,
    ran_at       timestamptz NOT NULL DEFAULT now(),
    commands     integer NOT NULL DEFAULT 0
);
