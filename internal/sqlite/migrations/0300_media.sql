-- Attachments: an upload belongs to its owner until a message carries it
-- (message_id set), then to the message's conversation.
CREATE TABLE uploads (
    id              TEXT PRIMARY KEY,
    owner_id        TEXT NOT NULL REFERENCES accounts (id),
    client_id       TEXT,
    kind            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    name            TEXT NOT NULL,
    size            INTEGER NOT NULL,
    width           INTEGER NOT NULL,
    height          INTEGER NOT NULL,
    duration_ms     INTEGER NOT NULL,
    blob_key        TEXT NOT NULL,
    thumb_key       TEXT NOT NULL,
    message_id      TEXT,
    conversation_id TEXT,
    position        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX uploads_client_id ON uploads (owner_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX uploads_message ON uploads (message_id, position) WHERE message_id IS NOT NULL;
-- The garbage collector's range: uploads never attached, oldest first.
CREATE INDEX uploads_stale ON uploads (created_at) WHERE message_id IS NULL;
CREATE INDEX uploads_blob ON uploads (blob_key);
CREATE INDEX uploads_thumb ON uploads (thumb_key) WHERE thumb_key <> '';

-- Link previews, cached by URL, and the message that shows each.
CREATE TABLE link_previews (
    url         TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    description TEXT NOT NULL,
    site_name   TEXT NOT NULL,
    image       TEXT NOT NULL,
    fetched_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE message_previews (
    message_id TEXT PRIMARY KEY,
    url        TEXT NOT NULL
) WITHOUT ROWID;

-- Search. Words fold case but keep their accents, as PostgreSQL's simple
-- configuration does, so both stores find the same messages.
-- messages has no rowid (it is clustered by conversation and seq),
-- and FTS5 rows are keyed by one, so message_search gives every searchable
-- message a rowid, and message_fts indexes its current text under it. The
-- triggers keep both in step with every insert, edit and delete, inside
-- the writing transaction: a deleted message leaves the index, an edited
-- one is found by its new words only.
CREATE TABLE message_search (
    rowid           INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL
);
CREATE UNIQUE INDEX message_search_key ON message_search (conversation_id, seq);

CREATE VIRTUAL TABLE message_fts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 0');

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN NOT new.deleted AND new.text <> '' BEGIN
    INSERT INTO message_search (conversation_id, seq) VALUES (new.conversation_id, new.seq);
    INSERT INTO message_fts (rowid, text)
        SELECT rowid, new.text FROM message_search WHERE conversation_id = new.conversation_id AND seq = new.seq;
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF text, deleted ON messages BEGIN
    DELETE FROM message_fts WHERE rowid =
        (SELECT rowid FROM message_search WHERE conversation_id = old.conversation_id AND seq = old.seq);
    DELETE FROM message_search WHERE conversation_id = old.conversation_id AND seq = old.seq;
    INSERT INTO message_search (conversation_id, seq)
        SELECT new.conversation_id, new.seq WHERE NOT new.deleted AND new.text <> '';
    INSERT INTO message_fts (rowid, text)
        SELECT rowid, new.text FROM message_search
        WHERE conversation_id = new.conversation_id AND seq = new.seq AND NOT new.deleted AND new.text <> '';
END;

-- Messages that existed before search: indexed once, here.
INSERT INTO message_search (conversation_id, seq)
    SELECT conversation_id, seq FROM messages WHERE NOT deleted AND text <> '';
INSERT INTO message_fts (rowid, text)
    SELECT s.rowid, m.text FROM message_search s JOIN messages m ON m.conversation_id = s.conversation_id AND m.seq = s.seq;
