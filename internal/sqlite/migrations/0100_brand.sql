-- The brand layer (internal/brand): teams, the shared inbox, notes, canned
-- replies, business hours, message attribution and response threads. Times
-- are Unix milliseconds (UTC). Numbered 0100 so that the spine's migrations
-- keep the low numbers.

CREATE TABLE brand_team (
    brand_id  TEXT NOT NULL REFERENCES accounts (id),
    user_id   TEXT NOT NULL REFERENCES accounts (id),
    role      TEXT NOT NULL,
    available INTEGER NOT NULL,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (brand_id, user_id)
) WITHOUT ROWID;

CREATE INDEX brand_team_user ON brand_team (user_id);

CREATE TABLE brand_settings (
    brand_id        TEXT PRIMARY KEY REFERENCES accounts (id),
    time_zone       TEXT NOT NULL,
    hours_enabled   INTEGER NOT NULL,
    hours           TEXT NOT NULL,
    away_message    TEXT NOT NULL,
    show_agent_name INTEGER NOT NULL,
    auto_assign     INTEGER NOT NULL,
    round_robin     TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per brand conversation. Labels are kept twice: as JSON for
-- reading the row, and in brand_inbox_labels for the label filter.
CREATE TABLE brand_inbox (
    conversation_id   TEXT PRIMARY KEY REFERENCES conversations (id),
    brand_id          TEXT NOT NULL REFERENCES accounts (id),
    customer_id       TEXT NOT NULL REFERENCES accounts (id),
    status            TEXT NOT NULL,
    snoozed_until     INTEGER,
    assignee_id       TEXT NOT NULL,
    labels            TEXT NOT NULL,
    priority          TEXT NOT NULL,
    waiting_since     INTEGER,
    first_response_at INTEGER,
    last_agent_id     TEXT NOT NULL,
    away_sent_at      INTEGER,
    thread_id         TEXT NOT NULL,
    last_message_at   INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX brand_inbox_recent ON brand_inbox (brand_id, last_message_at DESC, conversation_id DESC);
CREATE INDEX brand_inbox_assignee ON brand_inbox (brand_id, assignee_id, last_message_at DESC);

CREATE TABLE brand_inbox_labels (
    conversation_id TEXT NOT NULL REFERENCES brand_inbox (conversation_id),
    label           TEXT NOT NULL,
    brand_id        TEXT NOT NULL,
    PRIMARY KEY (conversation_id, label)
) WITHOUT ROWID;

CREATE INDEX brand_inbox_labels_brand ON brand_inbox_labels (brand_id, label);

CREATE TABLE brand_threads (
    id                 TEXT PRIMARY KEY,
    brand_id           TEXT NOT NULL REFERENCES accounts (id),
    conversation_id    TEXT NOT NULL REFERENCES conversations (id),
    opened_at          INTEGER NOT NULL,
    first_response_at  INTEGER,
    first_responder_id TEXT NOT NULL,
    assignee_id        TEXT NOT NULL,
    resolved_at        INTEGER,
    resolver_id        TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX brand_threads_opened ON brand_threads (brand_id, opened_at);
CREATE INDEX brand_threads_resolved ON brand_threads (brand_id, resolved_at);

CREATE TABLE brand_notes (
    id              TEXT PRIMARY KEY,
    brand_id        TEXT NOT NULL REFERENCES accounts (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    author_id       TEXT NOT NULL REFERENCES accounts (id),
    text            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX brand_notes_conversation ON brand_notes (conversation_id, created_at);

CREATE TABLE brand_canned (
    id         TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL REFERENCES accounts (id),
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX brand_canned_title ON brand_canned (brand_id, title);

-- Every message of a brand conversation: its direction and, for outbound
-- ones, who wrote it. No foreign key to messages: the send path inserts it
-- right after the message, and analytics read it by (brand_id, at).
CREATE TABLE brand_messages (
    message_id      TEXT PRIMARY KEY,
    brand_id        TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    direction       TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    automated       INTEGER NOT NULL,
    agent_name      TEXT NOT NULL,
    at              INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX brand_messages_at ON brand_messages (brand_id, at);
