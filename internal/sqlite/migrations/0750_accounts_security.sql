-- Trust and safety, accounts part: what a session was opened from and when it
-- was last used (the "Sessions" list), operator-issued password reset links,
-- the operator role, suspension and verified brands, reports with the
-- reported messages copied in, and the log of moderator actions.

ALTER TABLE sessions ADD COLUMN created_at   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN user_agent   TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address      TEXT NOT NULL DEFAULT '';

-- role: '' or 'operator'. suspended_at: NULL unless suspended.
ALTER TABLE accounts ADD COLUMN role         TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN suspended_at INTEGER;
ALTER TABLE accounts ADD COLUMN verified     INTEGER NOT NULL DEFAULT 0;

-- Only a hash of a reset token is stored; using one deletes it.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES accounts (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX password_resets_user ON password_resets (user_id);

-- messages is the JSON of the reported messages as they were when reported
-- (later edits and unsends do not change the evidence).
CREATE TABLE reports (
    id              TEXT PRIMARY KEY,
    reporter_id     TEXT NOT NULL REFERENCES accounts (id),
    subject_id      TEXT NOT NULL REFERENCES accounts (id),
    conversation_id TEXT NOT NULL,
    reason          TEXT NOT NULL,
    messages        TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    resolved_by     TEXT NOT NULL DEFAULT '',
    resolved_at     INTEGER,
    resolution      TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE INDEX reports_queue ON reports (status, created_at, id);
CREATE INDEX reports_subject ON reports (subject_id, created_at);

CREATE TABLE moderation_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    operator_id TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    report_id   TEXT NOT NULL,
    note        TEXT NOT NULL
);
