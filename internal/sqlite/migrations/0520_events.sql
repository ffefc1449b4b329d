-- Event invitations (dm.CampaignTx): the campaign's event, and each
-- person's RSVP with their place (going, or waiting in order of answer).

ALTER TABLE campaigns ADD COLUMN event TEXT NOT NULL DEFAULT '';

CREATE TABLE campaign_rsvps (
    campaign_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    answer      TEXT NOT NULL,
    status      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
) WITHOUT ROWID;

CREATE INDEX campaign_rsvps_status ON campaign_rsvps (campaign_id, status, at);
