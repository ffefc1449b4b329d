-- Strikes against accounts (dm.AbuseTx): who blocked or declined whom,
-- later who reported whom. internal/chat counts recent ones to make its
-- abuse limits stricter. Times are Unix milliseconds (UTC). Trust and
-- safety own the numbers 0700-0799 (abuse limits 0700-0749).

CREATE TABLE strikes (
    account_id TEXT NOT NULL,
    by_id      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (account_id, by_id, kind)
) WITHOUT ROWID;

CREATE INDEX strikes_account_at ON strikes (account_id, at);
