-- Voice notes keep the waveform the browser measured (peaks 0-255, comma
-- separated); a user's stored bytes are summed for the upload quota.
ALTER TABLE uploads ADD COLUMN waveform TEXT NOT NULL DEFAULT '';
CREATE INDEX uploads_owner ON uploads (owner_id, size);

-- Search, member first. A search restricts to one user's conversations and
-- membership windows before it ranks, so it must read only those parts of
-- the index. FTS5 reads a term's matches in rowid order and seeks to a
-- rowid cheaply, so a message's rowid is its conversation's search ordinal
-- (ord) in the high 32 bits and its seq in the low 32: one conversation,
-- and the part of it after what a member cleared, is one rowid range.
-- search_conversations gives each conversation its ordinal when it is
-- created; the triggers keep message_fts in step with every insert, edit
-- and delete inside the writing transaction (a deleted message leaves the
-- index, an edited one is found by its new words only). This replaces
-- message_search, whose rowids were in insertion order.
CREATE TABLE search_conversations (
    ord             INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL UNIQUE
);

DROP TRIGGER messages_search_insert;
DROP TRIGGER messages_search_update;
DROP TABLE message_fts;
DROP TABLE message_search;

CREATE VIRTUAL TABLE message_fts USING fts5 (text, tokenize = 'unicode61 remove_diacritics 0');

CREATE TRIGGER conversations_search_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO search_conversations (conversation_id) VALUES (new.id);
END;

CREATE TRIGGER messages_search_insert AFTER INSERT ON messages WHEN NOT new.deleted AND new.text <> '' BEGIN
    INSERT INTO message_fts (rowid, text)
        SELECT ord << 32 | new.seq, new.text FROM search_conversations WHERE conversation_id = new.conversation_id;
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF text, deleted ON messages BEGIN
    DELETE FROM message_fts WHERE rowid =
        (SELECT ord << 32 | old.seq FROM search_conversations WHERE conversation_id = old.conversation_id);
    INSERT INTO message_fts (rowid, text)
        SELECT ord << 32 | new.seq, new.text FROM search_conversations
        WHERE conversation_id = new.conversation_id AND NOT new.deleted AND new.text <> '';
END;

INSERT INTO search_conversations (conversation_id) SELECT id FROM conversations ORDER BY created_at, id;
INSERT INTO message_fts (rowid, text)
    SELECT sc.ord << 32 | m.seq, m.text FROM messages m JOIN search_conversations sc ON sc.conversation_id = m.conversation_id
    WHERE NOT m.deleted AND m.text <> '';
