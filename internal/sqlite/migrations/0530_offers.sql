-- Exclusive offers (dm.CampaignTx): the offer's settings, and its codes,
-- each given to at most one recipient and redeemed at most once.

ALTER TABLE campaigns ADD COLUMN offer TEXT NOT NULL DEFAULT '';

CREATE TABLE campaign_codes (
    campaign_id TEXT NOT NULL,
    code        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    assigned_at INTEGER,
    redeemed_at INTEGER,
    PRIMARY KEY (campaign_id, code)
) WITHOUT ROWID;

CREATE INDEX campaign_codes_user ON campaign_codes (campaign_id, user_id);
