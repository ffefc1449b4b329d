-- Parley's PostgreSQL schema. Every table that grows with the number of
-- users, conversations or messages is read through an index that matches the
-- query that reads it (see the comments on each index).

CREATE TABLE accounts (
    id             text PRIMARY KEY,
    handle         text NOT NULL UNIQUE,
    display_name   text NOT NULL DEFAULT '',
    bio            text NOT NULL DEFAULT '',
    kind           text NOT NULL,
    created_at     timestamptz NOT NULL,
    password_hash  text NOT NULL,
    allow_incoming text NOT NULL,
    read_receipts  boolean NOT NULL,
    -- Kept by SetFollow, so that a profile view of a brand with a million
    -- followers does not count them.
    followers_count bigint NOT NULL DEFAULT 0,
    following_count bigint NOT NULL DEFAULT 0
);
-- SearchAccounts: prefix search on the handle and the lower-cased display name.
CREATE INDEX accounts_handle_prefix ON accounts (handle text_pattern_ops);
CREATE INDEX accounts_display_name_prefix ON accounts (lower(display_name) text_pattern_ops);

CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    user_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- follows.id orders the follower lists (newest first) and is their cursor.
CREATE TABLE follows (
    id          bigserial NOT NULL UNIQUE,
    follower_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    followee_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followers ON follows (followee_id, id);
CREATE INDEX follows_following ON follows (follower_id, id);

CREATE TABLE blocks (
    blocker_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    blocked_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    PRIMARY KEY (blocker_id, blocked_id)
);

-- last_seq is the per-conversation message counter: InsertMessage increments
-- it under the row lock (see InsertMessage in messages.go for why that keeps
-- seqs gap-free and committed in order). direct_key ("a:b" with a < b) makes
-- a second direct conversation for one pair a unique violation.
CREATE TABLE conversations (
    id              text PRIMARY KEY,
    kind            text NOT NULL,
    title           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    last_seq        bigint NOT NULL DEFAULT 0,
    last_message_id text,
    direct_key      text UNIQUE
);

-- One row per member, ord giving the join order. sort_at copies the conversation's updated_at so that a
-- folder page is one range scan of a partial index, however many
-- conversations the user has. hidden is true while the member has cleared
-- the conversation and no newer message arrived.
CREATE TABLE members (
    conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ord             bigserial NOT NULL,
    role            text NOT NULL,
    status          text NOT NULL,
    muted           boolean NOT NULL DEFAULT false,
    archived        boolean NOT NULL DEFAULT false,
    last_read_seq   bigint NOT NULL DEFAULT 0,
    cleared_seq     bigint NOT NULL DEFAULT 0,
    hidden          boolean NOT NULL DEFAULT false,
    joined_at       timestamptz NOT NULL,
    sort_at         timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_inbox ON members (user_id, sort_at DESC, conversation_id DESC)
    WHERE status = 'accepted' AND NOT archived AND NOT hidden;
CREATE INDEX members_requests ON members (user_id, sort_at DESC, conversation_id DESC)
    WHERE status = 'request' AND NOT hidden;
CREATE INDEX members_archived ON members (user_id, sort_at DESC, conversation_id DESC)
    WHERE status = 'accepted' AND archived AND NOT hidden;

CREATE TABLE messages (
    id              text PRIMARY KEY,
    conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             bigint NOT NULL,
    sender_id       text NOT NULL REFERENCES accounts (id),
    text            text NOT NULL,
    reply_to        text NOT NULL DEFAULT '',
    client_id       text,
    created_at      timestamptz NOT NULL,
    edited_at       timestamptz,
    deleted         boolean NOT NULL DEFAULT false
);
-- A page of a conversation is one range of this index. It carries sender_id
-- and deleted so that an unread count (others' messages after the read
-- marker, not deleted) is an index-only scan, even over a long backlog.
CREATE UNIQUE INDEX messages_seq ON messages (conversation_id, seq) INCLUDE (sender_id, deleted);
CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;

-- Messages a member deleted for themself only, keyed so that a member's
-- hidden messages of one conversation are one range (unread counts subtract
-- them).
CREATE TABLE hidden_messages (
    user_id         text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id text NOT NULL,
    message_id      text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, conversation_id, message_id)
);

-- reactions.id orders a message's emoji by first use.
CREATE TABLE reactions (
    id         bigserial NOT NULL,
    message_id text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    user_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    emoji      text NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);

-- One counter row per user: last_seq is the newest event's seq (see
-- AppendEvent).
CREATE TABLE event_logs (
    user_id  text PRIMARY KEY,
    last_seq bigint NOT NULL DEFAULT 0
);

-- The newest seq PruneEvents deleted, per user. It is kept apart from
-- event_logs so that pruning never waits for (or blocks) the writers that
-- hold a counter row.
CREATE TABLE event_prunes (
    user_id    text PRIMARY KEY,
    pruned_seq bigint NOT NULL
);

-- body is the event as JSON without its seq.
CREATE TABLE events (
    user_id text NOT NULL,
    seq     bigint NOT NULL,
    at      timestamptz NOT NULL,
    body    json NOT NULL,
    PRIMARY KEY (user_id, seq)
);
CREATE INDEX events_at ON events (at);
