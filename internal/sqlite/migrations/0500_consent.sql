-- The consent engine (internal/consent, dm.ConsentTx): what each person
-- allowed each brand, and the counts the gate decides on. Times are Unix
-- milliseconds (UTC). Consent and campaigns own the numbers 0500-0599.

CREATE TABLE consent (
    brand_id     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    opted_in     INTEGER NOT NULL,
    opted_out    INTEGER NOT NULL,
    last_inbound INTEGER,
    unanswered   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (brand_id, user_id)
) WITHOUT ROWID;
