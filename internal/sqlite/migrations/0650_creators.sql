-- Creator collaborations (issue 12; dm.CreatorTx, internal/brand/creators.go):
-- a team member's permissions (the "partnerships" permission opens the
-- pipeline to an agent), a brand's pipeline of creators with its stage
-- history, the messages of an outreach (marked as collaboration messages),
-- and the offer codes given to a creator. Times are Unix milliseconds (UTC).

ALTER TABLE brand_team ADD COLUMN permissions TEXT NOT NULL DEFAULT '';

CREATE TABLE creator_deals (
    brand_id        TEXT NOT NULL REFERENCES accounts (id),
    creator_id      TEXT NOT NULL REFERENCES accounts (id),
    stage           TEXT NOT NULL,
    notes           TEXT NOT NULL,
    deliverables    TEXT NOT NULL,
    fee_minor       INTEGER NOT NULL,
    fee_currency    TEXT NOT NULL,
    due_date        TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    outreach_id     TEXT NOT NULL,
    outreach_state  TEXT NOT NULL,
    outreach_sent   INTEGER NOT NULL,
    outreach_at     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (brand_id, creator_id)
) WITHOUT ROWID;

-- The deals a creator is in, for their Accept and Decline buttons.
CREATE INDEX creator_deals_creator ON creator_deals (creator_id);

CREATE TABLE creator_stage_history (
    id         TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL,
    creator_id TEXT NOT NULL,
    from_stage TEXT NOT NULL,
    to_stage   TEXT NOT NULL,
    by_id      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    at         INTEGER NOT NULL
);

CREATE INDEX creator_stage_history_deal ON creator_stage_history (brand_id, creator_id, at);

CREATE TABLE creator_messages (
    message_id TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL,
    creator_id TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE creator_codes (
    campaign_id TEXT NOT NULL,
    code        TEXT NOT NULL,
    brand_id    TEXT NOT NULL,
    creator_id  TEXT NOT NULL,
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, code)
) WITHOUT ROWID;

CREATE INDEX creator_codes_creator ON creator_codes (brand_id, creator_id);
