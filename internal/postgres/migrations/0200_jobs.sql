-- The durable job queue (internal/jobs, dm.JobTx): work that runs after a
-- commit, enqueued in the transaction of the change that causes it. The jobs
-- subsystem owns the numbers 0200-0299.
--
-- run_at is when a queued job is due and, while a job runs, when its lease
-- ends: one partial index then finds every claimable job, whether new or
-- abandoned by a dead worker. Nodes claim with FOR UPDATE SKIP LOCKED, so
-- two nodes never take the same job.

CREATE TABLE jobs (
    id         text PRIMARY KEY,
    kind       text NOT NULL,
    key        text,
    payload    text NOT NULL,
    state      text NOT NULL,
    run_at     timestamptz NOT NULL,
    attempts   integer NOT NULL,
    leased_by  text NOT NULL,
    last_error text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('queued', 'running');
CREATE UNIQUE INDEX jobs_key ON jobs (kind, key) WHERE key IS NOT NULL;
CREATE INDEX jobs_open ON jobs (state, kind) WHERE state <> 'done';
CREATE INDEX jobs_done ON jobs (run_at) WHERE state = 'done';
