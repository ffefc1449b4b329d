-- Parley's schema on SQLite. Times are Unix milliseconds (UTC). Every query
-- the service runs is served by an index so that a user with 100,000
-- conversations or a conversation with 1,000,000 messages stays fast.

CREATE TABLE accounts (
    id              TEXT PRIMARY KEY,
    -- Handles are stored lower case; NOCASE lets LIKE 'prefix%' use the index.
    handle          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name    TEXT NOT NULL COLLATE NOCASE,
    bio             TEXT NOT NULL,
    kind            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    password_hash   TEXT NOT NULL,
    allow_incoming  TEXT NOT NULL,
    read_receipts   INTEGER NOT NULL,
    -- Counters kept by SetFollow, so that a brand with a million followers
    -- does not count them on every profile view.
    followers_count INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX accounts_display_name ON accounts (display_name);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES accounts (id),
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions (user_id);

-- The rowid orders the follower lists (newest first) and is their cursor.
CREATE TABLE follows (
    id          INTEGER PRIMARY KEY,
    follower_id TEXT NOT NULL REFERENCES accounts (id),
    followee_id TEXT NOT NULL REFERENCES accounts (id)
);

CREATE UNIQUE INDEX follows_pair ON follows (follower_id, followee_id);
CREATE INDEX follows_followee ON follows (followee_id, id);
CREATE INDEX follows_follower ON follows (follower_id, id);

CREATE TABLE blocks (
    blocker_id TEXT NOT NULL REFERENCES accounts (id),
    blocked_id TEXT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (blocker_id, blocked_id)
) WITHOUT ROWID;

CREATE TABLE conversations (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    -- "a:b" (a < b) for a direct conversation, NULL for a group: the unique
    -- index makes a second direct conversation for a pair impossible.
    direct_key TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    -- The seq of the newest message; InsertMessage takes the next one.
    last_seq   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The rowid is the join order.
CREATE TABLE members (
    ord             INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    user_id         TEXT NOT NULL REFERENCES accounts (id),
    role            TEXT NOT NULL,
    status          TEXT NOT NULL,
    muted           INTEGER NOT NULL,
    archived        INTEGER NOT NULL,
    last_read_seq   INTEGER NOT NULL,
    cleared_seq     INTEGER NOT NULL,
    joined_at       INTEGER NOT NULL,
    -- Copies of the conversation's last_seq and updated_at, written with
    -- them, so that a folder page is one range of members_folder.
    last_seq        INTEGER NOT NULL,
    active_at       INTEGER NOT NULL,
    -- 0: in no folder (cleared, no newer message), 1: inbox, 2: requests,
    -- 3: archived.
    folder          INTEGER GENERATED ALWAYS AS (
        CASE
            WHEN cleared_seq > 0 AND cleared_seq >= last_seq THEN 0
            WHEN status = 'request' THEN 2
            WHEN archived THEN 3
            ELSE 1
        END) STORED
);

CREATE UNIQUE INDEX members_conversation ON members (conversation_id, user_id);
CREATE INDEX members_folder ON members (user_id, folder, active_at DESC, conversation_id DESC);

-- Messages are clustered by (conversation_id, seq): a page of a conversation
-- is one contiguous range, however long the conversation.
CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq             INTEGER NOT NULL,
    id              TEXT NOT NULL,
    sender_id       TEXT NOT NULL REFERENCES accounts (id),
    text            TEXT NOT NULL,
    reply_to        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    deleted         INTEGER NOT NULL DEFAULT 0,
    client_id       TEXT,
    PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;

CREATE UNIQUE INDEX messages_id ON messages (id);
CREATE UNIQUE INDEX messages_client_id ON messages (sender_id, client_id) WHERE client_id IS NOT NULL;

-- Messages a member deleted for themself only.
CREATE TABLE hidden_messages (
    user_id         TEXT NOT NULL REFERENCES accounts (id),
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    PRIMARY KEY (user_id, conversation_id, seq),
    FOREIGN KEY (conversation_id, seq) REFERENCES messages (conversation_id, seq)
) WITHOUT ROWID;

-- The rowid orders a message's emojis by first use.
CREATE TABLE reactions (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    emoji           TEXT NOT NULL,
    user_id         TEXT NOT NULL REFERENCES accounts (id),
    FOREIGN KEY (conversation_id, seq) REFERENCES messages (conversation_id, seq)
);

CREATE UNIQUE INDEX reactions_message ON reactions (conversation_id, seq, emoji, user_id);

-- The per-user event log. A new event's seq is one more than the larger of
-- the newest seq in the user's range of the primary key and the user's
-- pruned seq, so appending costs one statement and no counter row. No
-- foreign key: this is the hottest table and only the service writes it.
CREATE TABLE events (
    user_id TEXT NOT NULL,
    seq     INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (user_id, seq)
) WITHOUT ROWID;

CREATE INDEX events_at ON events (at);

-- The newest pruned seq of each user whose log was pruned.
CREATE TABLE event_logs (
    user_id    TEXT PRIMARY KEY,
    pruned_seq INTEGER NOT NULL
) WITHOUT ROWID;
