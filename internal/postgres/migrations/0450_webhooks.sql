-- External bots (internal/webhooks, internal/brand, dm.WebhookTx): a brand's
-- webhook endpoints, the deliveries made to them and each attempt (the
-- console's delivery log), and bot tokens. External bots own the numbers
-- 0450-0499.
--
-- A delivery's attempts run from the job queue (enqueued in the transaction
-- of the change, claimed with FOR UPDATE SKIP LOCKED); these tables are the
-- log the console shows, not the queue.

CREATE TABLE webhook_endpoints (
    id          text PRIMARY KEY,
    brand_id    text NOT NULL REFERENCES accounts (id),
    url         text NOT NULL,
    description text NOT NULL,
    events      text NOT NULL, -- JSON array of event types
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE INDEX webhook_endpoints_brand ON webhook_endpoints (brand_id, created_at);

CREATE TABLE webhook_deliveries (
    id               text PRIMARY KEY,
    brand_id         text NOT NULL,
    endpoint_id      text NOT NULL,
    event_id         text NOT NULL,
    event_type       text NOT NULL,
    body             text NOT NULL,
    status           text NOT NULL,
    attempts         integer NOT NULL,
    last_status_code integer NOT NULL,
    last_error       text NOT NULL,
    redelivery_of    text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    delivered_at     timestamptz
);

CREATE INDEX webhook_deliveries_brand ON webhook_deliveries (brand_id, created_at, id);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_age ON webhook_deliveries (created_at);

CREATE TABLE webhook_attempts (
    delivery_id text NOT NULL,
    n           integer NOT NULL,
    at          timestamptz NOT NULL,
    status_code integer NOT NULL,
    error       text NOT NULL,
    duration_ms bigint NOT NULL,
    PRIMARY KEY (delivery_id, n)
);

CREATE TABLE bot_tokens (
    id         text PRIMARY KEY,
    brand_id   text NOT NULL REFERENCES accounts (id),
    name       text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE UNIQUE INDEX bot_tokens_name ON bot_tokens (brand_id, name);
