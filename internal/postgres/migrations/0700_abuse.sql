-- Strikes against accounts (dm.AbuseTx): who blocked or declined whom,
-- later who reported whom. internal/chat counts recent ones to make its
-- abuse limits stricter. Trust and safety own the numbers 0700-0799
-- (abuse limits 0700-0749).

CREATE TABLE strikes (
    account_id text NOT NULL,
    by_id      text NOT NULL,
    kind       text NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (account_id, by_id, kind)
);

CREATE INDEX strikes_account_at ON strikes (account_id, at);
