-- Campaigns (dm.CampaignTx): a brand's campaign, one delivery row per
-- (campaign step, recipient) whose primary key makes each message exactly
-- one, and the campaign of each message a campaign sent. The consent rows
-- gain the times of the promotional messages of the last 7 days (the
-- frequency cap). Times are Unix milliseconds (UTC).

CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,
    brand_id        TEXT NOT NULL,
    name            TEXT NOT NULL,
    type            TEXT NOT NULL,
    status          TEXT NOT NULL,
    audience        TEXT NOT NULL,
    steps           TEXT NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    start_at        INTEGER,
    generation      INTEGER NOT NULL,
    targeted        INTEGER NOT NULL,
    planned_at      INTEGER,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX campaigns_brand ON campaigns (brand_id, created_at DESC);

CREATE TABLE campaign_deliveries (
    campaign_id     TEXT NOT NULL,
    step            INTEGER NOT NULL,
    user_id         TEXT NOT NULL,
    id              TEXT NOT NULL,
    brand_id        TEXT NOT NULL,
    variant         TEXT NOT NULL,
    state           TEXT NOT NULL,
    reason          TEXT NOT NULL,
    run_at          INTEGER NOT NULL,
    leased_by       TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    message_id      TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, step, user_id)
) WITHOUT ROWID;

-- The claim's scan: a campaign's due deliveries in order.
CREATE INDEX campaign_deliveries_due ON campaign_deliveries (campaign_id, run_at) WHERE state IN ('pending', 'sending');

CREATE TABLE campaign_messages (
    message_id  TEXT PRIMARY KEY,
    campaign_id TEXT NOT NULL
) WITHOUT ROWID;

-- The audience's blocks "either way" read the blocked side too.
CREATE INDEX blocks_blocked ON blocks (blocked_id);

ALTER TABLE consent ADD COLUMN promos TEXT NOT NULL DEFAULT '[]';

-- A person's own time zone, for the quiet hours of brands' automated messages.
ALTER TABLE accounts ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';

-- A brand's consent settings (JSON: stop and start words, frequency cap,
-- 24-hour window) and its promotional messages per UTC day (the operator's
-- daily cap).
CREATE TABLE consent_settings (
    brand_id   TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE consent_daily (
    brand_id TEXT NOT NULL,
    day      TEXT NOT NULL,
    sent     INTEGER NOT NULL,
    PRIMARY KEY (brand_id, day)
) WITHOUT ROWID;
