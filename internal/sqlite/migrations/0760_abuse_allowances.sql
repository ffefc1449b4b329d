-- Abuse limits counted in the store (dm.AbuseTx.TakeAllowance), so that
-- they hold across nodes: one token bucket per limit and account ("key",
-- such as "group_create/ID"), holding tokens at the time at. full_at is
-- when it is full again: a row past it says nothing a missing row does
-- not, and is pruned. Times are Unix milliseconds (UTC).

CREATE TABLE allowances (
    key     TEXT PRIMARY KEY,
    tokens  REAL NOT NULL,
    at      INTEGER NOT NULL,
    full_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX allowances_full_at ON allowances (full_at);
