-- Exclusive offers (dm.CampaignTx): the offer's settings, and its codes,
-- each given to at most one recipient and redeemed at most once.

ALTER TABLE campaigns ADD COLUMN offer text NOT NULL DEFAULT '';

CREATE TABLE campaign_codes (
    campaign_id text NOT NULL,
    code        text NOT NULL,
    user_id     text NOT NULL,
    assigned_at timestamptz,
    redeemed_at timestamptz,
    PRIMARY KEY (campaign_id, code)
);

CREATE INDEX campaign_codes_user ON campaign_codes (campaign_id, user_id);
