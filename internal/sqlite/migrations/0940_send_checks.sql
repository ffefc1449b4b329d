-- PostgreSQL's 0940 adds parley_expect, the check of a write queued by the
-- PostgreSQL send path (internal/postgres/send.go). SQLite's writer runs
-- every statement in process and needs no such function: nothing to do.
SELECT 1;
