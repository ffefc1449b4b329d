-- The brand layer (internal/brand): teams, the shared inbox, notes, canned
-- replies, business hours, message attribution and response threads.
-- Numbered 0100 so that the spine's migrations keep the low numbers.

CREATE TABLE brand_team (
    brand_id  text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role      text NOT NULL,
    available boolean NOT NULL,
    added_at  timestamptz NOT NULL,
    PRIMARY KEY (brand_id, user_id)
);
-- MemberBrands: the teams of one user.
CREATE INDEX brand_team_user ON brand_team (user_id);

CREATE TABLE brand_settings (
    brand_id        text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    time_zone       text NOT NULL,
    hours_enabled   boolean NOT NULL,
    hours           text NOT NULL,
    away_message    text NOT NULL,
    show_agent_name boolean NOT NULL,
    auto_assign     boolean NOT NULL,
    round_robin     text NOT NULL,
    updated_at      timestamptz NOT NULL
);

-- One row per brand conversation. Labels are kept twice: as JSON for
-- reading the row, and in brand_inbox_labels for the label filter.
CREATE TABLE brand_inbox (
    conversation_id   text PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    brand_id          text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id       text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status            text NOT NULL,
    snoozed_until     timestamptz,
    assignee_id       text NOT NULL,
    labels            text NOT NULL,
    priority          text NOT NULL,
    waiting_since     timestamptz,
    first_response_at timestamptz,
    last_agent_id     text NOT NULL,
    away_sent_at      timestamptz,
    thread_id         text NOT NULL,
    last_message_at   timestamptz NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
-- Inbox pages, newest first, for all and for one assignee.
CREATE INDEX brand_inbox_recent ON brand_inbox (brand_id, last_message_at DESC, conversation_id DESC);
CREATE INDEX brand_inbox_assignee ON brand_inbox (brand_id, assignee_id, last_message_at DESC);

CREATE TABLE brand_inbox_labels (
    conversation_id text NOT NULL REFERENCES brand_inbox (conversation_id) ON DELETE CASCADE,
    label           text NOT NULL,
    brand_id        text NOT NULL,
    PRIMARY KEY (conversation_id, label)
);
CREATE INDEX brand_inbox_labels_brand ON brand_inbox_labels (brand_id, label);

CREATE TABLE brand_threads (
    id                 text PRIMARY KEY,
    brand_id           text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id    text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    opened_at          timestamptz NOT NULL,
    first_response_at  timestamptz,
    first_responder_id text NOT NULL,
    assignee_id        text NOT NULL,
    resolved_at        timestamptz,
    resolver_id        text NOT NULL
);
-- Analytics read a period's threads by opening and by resolution.
CREATE INDEX brand_threads_opened ON brand_threads (brand_id, opened_at);
CREATE INDEX brand_threads_resolved ON brand_threads (brand_id, resolved_at);

CREATE TABLE brand_notes (
    id              text PRIMARY KEY,
    brand_id        text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    author_id       text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    text            text NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX brand_notes_conversation ON brand_notes (conversation_id, created_at);

CREATE TABLE brand_canned (
    id         text PRIMARY KEY,
    brand_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title      text NOT NULL,
    text       text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX brand_canned_title ON brand_canned (brand_id, title);

-- Every message of a brand conversation: its direction and, for outbound
-- ones, who wrote it. Analytics read it by (brand_id, at).
CREATE TABLE brand_messages (
    message_id      text PRIMARY KEY,
    brand_id        text NOT NULL,
    conversation_id text NOT NULL,
    direction       text NOT NULL,
    agent_id        text NOT NULL,
    automated       boolean NOT NULL,
    agent_name      text NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX brand_messages_at ON brand_messages (brand_id, at);
