-- External bots (internal/webhooks, internal/brand, dm.WebhookTx): a brand's
-- webhook endpoints, the deliveries made to them and each attempt (the
-- console's delivery log), and bot tokens. Times are Unix milliseconds (UTC).
-- External bots own the numbers 0450-0499.
--
-- A delivery's attempts run from the job queue (a job per attempt series,
-- enqueued in the transaction of the change); these tables are the log the
-- console shows, not the queue.

CREATE TABLE webhook_endpoints (
    id          TEXT PRIMARY KEY,
    brand_id    TEXT NOT NULL REFERENCES accounts (id),
    url         TEXT NOT NULL,
    description TEXT NOT NULL,
    events      TEXT NOT NULL, -- JSON array of event types
    secret      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX webhook_endpoints_brand ON webhook_endpoints (brand_id, created_at);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    brand_id         TEXT NOT NULL,
    endpoint_id      TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    last_status_code INTEGER NOT NULL,
    last_error       TEXT NOT NULL,
    redelivery_of    TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    delivered_at     INTEGER
) WITHOUT ROWID;

-- The console's log, newest first, of a brand or one endpoint; pruning by age.
CREATE INDEX webhook_deliveries_brand ON webhook_deliveries (brand_id, created_at, id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_age ON webhook_deliveries (created_at);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL,
    n           INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, n)
) WITHOUT ROWID;

CREATE TABLE bot_tokens (
    id         TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX bot_tokens_name ON bot_tokens (brand_id, name);
