-- Trust and safety, accounts part: what a session was opened from and when it
-- was last used (the "Sessions" list), operator-issued password reset links,
-- the operator role, suspension and verified brands, reports with the
-- reported messages copied in, and the log of moderator actions.

ALTER TABLE sessions ADD COLUMN created_at   timestamptz NOT NULL DEFAULT 'epoch';
ALTER TABLE sessions ADD COLUMN last_seen_at timestamptz NOT NULL DEFAULT 'epoch';
ALTER TABLE sessions ADD COLUMN user_agent   text NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN address      text NOT NULL DEFAULT '';

-- role: '' or 'operator'. suspended_at: NULL unless suspended.
ALTER TABLE accounts ADD COLUMN role         text NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN suspended_at timestamptz;
ALTER TABLE accounts ADD COLUMN verified     boolean NOT NULL DEFAULT false;

-- Only a hash of a reset token is stored; using one deletes it.
CREATE TABLE password_resets (
    token_hash text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- messages is the JSON of the reported messages as they were when reported
-- (later edits and unsends do not change the evidence).
CREATE TABLE reports (
    id              text PRIMARY KEY,
    reporter_id     text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    subject_id      text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id text NOT NULL,
    reason          text NOT NULL,
    messages        text NOT NULL,
    status          text NOT NULL,
    created_at      timestamptz NOT NULL,
    resolved_by     text NOT NULL DEFAULT '',
    resolved_at     timestamptz,
    resolution      text NOT NULL DEFAULT ''
);
CREATE INDEX reports_queue ON reports (status, created_at, id);
CREATE INDEX reports_subject ON reports (subject_id, created_at);

CREATE TABLE moderation_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    operator_id text NOT NULL,
    action      text NOT NULL,
    subject_id  text NOT NULL,
    report_id   text NOT NULL,
    note        text NOT NULL
);
