-- Search indexing after the acknowledgement (issue 15). A send's messages
-- used to enter message_fts in the send's own transaction: the FTS5 insert
-- and FTS5's flush at COMMIT were about 70 of a lone send's ~260 CPU-µs, and
-- FTS pages a quarter of a busy writer's WAL frames. Now the send's batch
-- appends one row per message here (an append to a small rowid table), and
-- the indexer (searchqueue.go) moves the rows into message_fts later, many
-- sends at a time, deleting them in the same transaction. A crash leaves
-- the rows here, and the indexer resumes from them at the next start; a
-- search first catches up with the rows queued before it (read your writes).
-- AUTOINCREMENT: ids never go back when the queue empties, so the writer's
-- "queued up to id N" and the indexer's "indexed up to id N" compare.
CREATE TABLE search_queue (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL
);
