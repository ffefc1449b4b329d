-- Voice notes keep the waveform the browser measured (peaks 0-255, comma
-- separated); a user's stored bytes are summed for the upload quota.
ALTER TABLE uploads ADD COLUMN waveform text NOT NULL DEFAULT '';
CREATE INDEX uploads_owner ON uploads (owner_id) INCLUDE (size);

-- Search, member first. A search restricts to one user's conversations and
-- membership windows before it ranks, so the index must answer "these
-- words in this conversation" without reading the words' matches in every
-- other conversation. The tsvector therefore carries one more lexeme, '#'
-- and the conversation id (a lexeme no query a user types can contain:
-- queries are made of letters and digits only), and a search ANDs it with
-- the words, per conversation of the user: GIN then intersects a short
-- posting list with the words' lists instead of reading them whole.
DROP INDEX messages_search;
ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    CASE WHEN deleted THEN NULL
    ELSE array_to_tsvector(ARRAY['#' || conversation_id]) || to_tsvector('simple', text) END) STORED;
CREATE INDEX messages_search ON messages USING gin (search);
