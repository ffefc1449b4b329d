-- Event invitations (dm.CampaignTx): the campaign's event, and each
-- person's RSVP with their place (going, or waiting in order of answer).

ALTER TABLE campaigns ADD COLUMN event text NOT NULL DEFAULT '';

CREATE TABLE campaign_rsvps (
    campaign_id text NOT NULL,
    user_id     text NOT NULL,
    answer      text NOT NULL,
    status      text NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);

CREATE INDEX campaign_rsvps_status ON campaign_rsvps (campaign_id, status, at);
