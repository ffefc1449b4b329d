-- The event log's data moves out of line on SQLite (issue 15), where large
-- rows in the middle of the (user_id, seq) tree split a leaf every few
-- appends. PostgreSQL keeps rows in a heap and needs no change here.
SELECT 1;
