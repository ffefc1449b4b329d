-- A private note's place in the thread is the seq of the last message stored
-- before it, not its time: clocks of two nodes differ, and times written at
-- millisecond precision tie. Existing notes take the newest message that is
-- not newer than they are.
ALTER TABLE brand_notes ADD COLUMN after_seq INTEGER NOT NULL DEFAULT 0;
UPDATE brand_notes SET after_seq = coalesce((SELECT max(m.seq) FROM messages m
    WHERE m.conversation_id = brand_notes.conversation_id AND m.created_at <= brand_notes.created_at), 0);
