-- SQLite's 0960 adds search_queue, the messages waiting to be indexed for
-- search after their send was acknowledged (internal/sqlite/searchqueue.go).
-- PostgreSQL indexes a message in the send's own transaction: nothing to do.
SELECT 1;
