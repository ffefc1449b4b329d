-- The consent engine (internal/consent, dm.ConsentTx): what each person
-- allowed each brand, and the counts the gate decides on. Consent and
-- campaigns own the numbers 0500-0599.

CREATE TABLE consent (
    brand_id     text NOT NULL,
    user_id      text NOT NULL,
    opted_in     boolean NOT NULL,
    opted_out    boolean NOT NULL,
    last_inbound timestamptz,
    unanswered   integer NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (brand_id, user_id)
);
