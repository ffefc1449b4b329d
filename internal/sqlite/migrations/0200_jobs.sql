-- The durable job queue (internal/jobs, dm.JobTx): work that runs after a
-- commit, enqueued in the transaction of the change that causes it. Times are
-- Unix milliseconds (UTC). The jobs subsystem owns the numbers 0200-0299.
--
-- run_at is when a queued job is due and, while a job runs, when its lease
-- ends: one partial index then finds every claimable job, whether new or
-- abandoned by a dead worker.

CREATE TABLE jobs (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    key        TEXT,
    payload    TEXT NOT NULL,
    state      TEXT NOT NULL,
    run_at     INTEGER NOT NULL,
    attempts   INTEGER NOT NULL,
    leased_by  TEXT NOT NULL,
    last_error TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Claims: due jobs, oldest first.
CREATE INDEX jobs_due ON jobs (run_at) WHERE state IN ('queued', 'running');
-- Idempotent enqueue by (kind, key).
CREATE UNIQUE INDEX jobs_key ON jobs (kind, key) WHERE key IS NOT NULL;
-- Counts for /metrics, and pruning of finished jobs.
CREATE INDEX jobs_open ON jobs (state, kind) WHERE state <> 'done';
CREATE INDEX jobs_done ON jobs (run_at) WHERE state = 'done';
