-- Search text is indexed by the writer once per batch (internal/sqlite,
-- DB.commit → flushSearch), after the batch's savepoints are released and
-- in the same transaction, instead of by a trigger in each send's savepoint:
-- FTS5 writes its pending index segment at every savepoint, which cost
-- about an eighth of a send. Edits and deletes keep their trigger
-- (messages_search_update): they are rare, and it sees the rows of a
-- message indexed earlier in the batch or not yet indexed alike.
DROP TRIGGER messages_search_insert;
