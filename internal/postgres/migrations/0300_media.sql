-- Attachments: an upload belongs to its owner until a message carries it
-- (message_id set), then to the message's conversation.
CREATE TABLE uploads (
    id              text PRIMARY KEY,
    owner_id        text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    client_id       text,
    kind            text NOT NULL,
    content_type    text NOT NULL,
    name            text NOT NULL,
    size            bigint NOT NULL,
    width           integer NOT NULL,
    height          integer NOT NULL,
    duration_ms     bigint NOT NULL,
    blob_key        text NOT NULL,
    thumb_key       text NOT NULL,
    message_id      text,
    conversation_id text,
    position        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX uploads_client_id ON uploads (owner_id, client_id) WHERE client_id IS NOT NULL;
CREATE INDEX uploads_message ON uploads (message_id, position) WHERE message_id IS NOT NULL;
CREATE INDEX uploads_stale ON uploads (created_at) WHERE message_id IS NULL;
CREATE INDEX uploads_blob ON uploads (blob_key);
CREATE INDEX uploads_thumb ON uploads (thumb_key) WHERE thumb_key <> '';

CREATE TABLE link_previews (
    url         text PRIMARY KEY,
    title       text NOT NULL,
    description text NOT NULL,
    site_name   text NOT NULL,
    image       text NOT NULL,
    fetched_at  timestamptz NOT NULL
);

CREATE TABLE message_previews (
    message_id text PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    url        text NOT NULL
);

-- Search: the current words of every message that is not deleted, written
-- by PostgreSQL itself with the row, so an edit or a delete can never leave
-- the old words findable. 'simple' folds case and nothing else: messages
-- come in every language, and no one stemmer fits them all.
ALTER TABLE messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (CASE WHEN deleted THEN NULL ELSE to_tsvector('simple', text) END) STORED;
CREATE INDEX messages_search ON messages USING gin (search);
