-- The campaign funnel (dm.CampaignTx): each delivery row is marked, at the
-- event, with when its recipient read the message, wrote to the brand after
-- it, clicked one of its tracked links, acted on it (an RSVP, a code
-- redeemed) and opted out after it; the funnel counts the marks of a
-- campaign's rows instead of reading its messages.

ALTER TABLE campaign_deliveries ADD COLUMN read_at timestamptz;
ALTER TABLE campaign_deliveries ADD COLUMN replied_at timestamptz;
ALTER TABLE campaign_deliveries ADD COLUMN clicked_at timestamptz;
ALTER TABLE campaign_deliveries ADD COLUMN acted_at timestamptz;
ALTER TABLE campaign_deliveries ADD COLUMN opted_out_at timestamptz;

-- The marks of a person's events (a message to the brand, a read marker,
-- STOP) find that person's sent deliveries from the brand.
CREATE INDEX campaign_deliveries_sent_user ON campaign_deliveries (user_id, brand_id) WHERE state = 'sent';
