-- Campaigns (dm.CampaignTx): a brand's campaign, one delivery row per
-- (campaign step, recipient) whose primary key makes each message exactly
-- one, and the campaign of each message a campaign sent. The consent rows
-- gain the times of the promotional messages of the last 7 days (the
-- frequency cap).

CREATE TABLE campaigns (
    id              text PRIMARY KEY,
    brand_id        text NOT NULL,
    name            text NOT NULL,
    type            text NOT NULL,
    status          text NOT NULL,
    audience        text NOT NULL,
    steps           text NOT NULL,
    rate_per_minute integer NOT NULL,
    start_at        timestamptz,
    generation      integer NOT NULL,
    targeted        integer NOT NULL,
    planned_at      timestamptz,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE INDEX campaigns_brand ON campaigns (brand_id, created_at DESC);

CREATE TABLE campaign_deliveries (
    campaign_id     text NOT NULL,
    step            integer NOT NULL,
    user_id         text NOT NULL,
    id              text NOT NULL,
    brand_id        text NOT NULL,
    variant         text NOT NULL,
    state           text NOT NULL,
    reason          text NOT NULL,
    run_at          timestamptz NOT NULL,
    leased_by       text NOT NULL,
    attempts        integer NOT NULL,
    message_id      text NOT NULL,
    conversation_id text NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (campaign_id, step, user_id)
);

CREATE INDEX campaign_deliveries_due ON campaign_deliveries (campaign_id, run_at) WHERE state IN ('pending', 'sending');

CREATE TABLE campaign_messages (
    message_id  text PRIMARY KEY,
    campaign_id text NOT NULL
);

CREATE INDEX blocks_blocked ON blocks (blocked_id);

ALTER TABLE consent ADD COLUMN promos text NOT NULL DEFAULT '[]';

-- A person's own time zone, for the quiet hours of brands' automated messages.
ALTER TABLE accounts ADD COLUMN time_zone text NOT NULL DEFAULT '';

CREATE TABLE consent_settings (
    brand_id   text PRIMARY KEY,
    body       text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE consent_daily (
    brand_id text NOT NULL,
    day      text NOT NULL,
    sent     integer NOT NULL,
    PRIMARY KEY (brand_id, day)
);
