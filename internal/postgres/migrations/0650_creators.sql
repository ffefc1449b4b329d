-- Creator collaborations (issue 12; dm.CreatorTx, internal/brand/creators.go):
-- a team member's permissions (the "partnerships" permission opens the
-- pipeline to an agent), a brand's pipeline of creators with its stage
-- history, the messages of an outreach (marked as collaboration messages),
-- and the offer codes given to a creator.

ALTER TABLE brand_team ADD COLUMN permissions text NOT NULL DEFAULT '';

CREATE TABLE creator_deals (
    brand_id        text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    creator_id      text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    stage           text NOT NULL,
    notes           text NOT NULL,
    deliverables    text NOT NULL,
    fee_minor       bigint NOT NULL,
    fee_currency    text NOT NULL,
    due_date        text NOT NULL,
    conversation_id text NOT NULL,
    outreach_id     text NOT NULL,
    outreach_state  text NOT NULL,
    outreach_sent   integer NOT NULL,
    outreach_at     timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (brand_id, creator_id)
);

-- The deals a creator is in, for their Accept and Decline buttons.
CREATE INDEX creator_deals_creator ON creator_deals (creator_id);

CREATE TABLE creator_stage_history (
    id         text PRIMARY KEY,
    brand_id   text NOT NULL,
    creator_id text NOT NULL,
    from_stage text NOT NULL,
    to_stage   text NOT NULL,
    by_id      text NOT NULL,
    reason     text NOT NULL,
    at         timestamptz NOT NULL
);

CREATE INDEX creator_stage_history_deal ON creator_stage_history (brand_id, creator_id, at);

CREATE TABLE creator_messages (
    message_id text PRIMARY KEY,
    brand_id   text NOT NULL,
    creator_id text NOT NULL
);

CREATE TABLE creator_codes (
    campaign_id text NOT NULL,
    code        text NOT NULL,
    brand_id    text NOT NULL,
    creator_id  text NOT NULL,
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, code)
);

CREATE INDEX creator_codes_creator ON creator_codes (brand_id, creator_id);
