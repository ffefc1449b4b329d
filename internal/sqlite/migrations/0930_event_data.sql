-- An event's data moves out of the per-user log (issue 15). events is keyed
-- by (user_id, seq), so each append lands at the end of its user's range,
-- somewhere in the middle of the tree; with the data inline (about 500
-- bytes) a leaf held a handful of rows, and every few appends split one:
-- a batch of 32 sends wrote about 190 pages of events for its 64 rows,
-- 43% of the batch's WAL frames. New events keep their data in event_data,
-- whose ids the writer hands out in order, so data rows are appended at
-- the end of one tree and the log's rows are small (data_id, data '').
-- Existing rows keep their data inline (data_id NULL): readers take
-- either.
CREATE TABLE event_data (
    id   INTEGER PRIMARY KEY,
    data TEXT NOT NULL
);
ALTER TABLE events ADD COLUMN data_id INTEGER;
