-- The send path's block (issue 15). SQLite's 0900 moves search indexing
-- out of a trigger; PostgreSQL indexes search with a generated column and
-- needs no change here.
SELECT 1;
