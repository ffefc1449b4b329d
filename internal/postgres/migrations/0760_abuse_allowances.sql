-- Abuse limits counted in the store (dm.AbuseTx.TakeAllowance), so that
-- they hold across nodes: one token bucket per limit and account ("key",
-- such as "group_create/ID"), holding tokens at the time at. full_at is
-- when it is full again: a row past it says nothing a missing row does
-- not, and is pruned.

CREATE TABLE allowances (
    key     text PRIMARY KEY,
    tokens  double precision NOT NULL,
    at      timestamptz NOT NULL,
    full_at timestamptz NOT NULL
);

CREATE INDEX allowances_full_at ON allowances (full_at);
