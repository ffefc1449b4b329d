-- The automation layer (internal/automation): a brand's rules, flows and bot
-- settings (definitions kept as JSON: they are read whole and compiled), the
-- bot's state per conversation, customer attributes, quick replies of bot
-- messages, and the audit log. The
-- automation subsystem owns the numbers 0400-0449.

CREATE TABLE automation_settings (
    brand_id   text PRIMARY KEY,
    body       text NOT NULL,
    version    bigint NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE automation_rules (
    brand_id   text NOT NULL,
    id         text NOT NULL,
    position   bigint NOT NULL,
    body       text NOT NULL,
    PRIMARY KEY (brand_id, id)
);

CREATE TABLE automation_flows (
    brand_id   text NOT NULL,
    id         text NOT NULL,
    body       text NOT NULL,
    PRIMARY KEY (brand_id, id)
);

CREATE TABLE bot_state (
    conversation_id text PRIMARY KEY,
    brand_id        text NOT NULL,
    silent          boolean NOT NULL,
    handed_off      boolean NOT NULL,
    streak          bigint NOT NULL,
    flow_id         text NOT NULL,
    flow_step       text NOT NULL,
    updated_at      timestamptz NOT NULL
);

CREATE TABLE customer_attributes (
    brand_id    text NOT NULL,
    customer_id text NOT NULL,
    key         text NOT NULL,
    value       text NOT NULL,
    PRIMARY KEY (brand_id, customer_id, key)
);

CREATE TABLE message_quick_replies (
    message_id text PRIMARY KEY,
    body       text NOT NULL
);

CREATE TABLE automation_log (
    brand_id        text NOT NULL,
    at              timestamptz NOT NULL,
    id              text NOT NULL,
    conversation_id text NOT NULL,
    rule_id         text NOT NULL,
    event           text NOT NULL,
    outcome         text NOT NULL,
    detail          text NOT NULL,
    PRIMARY KEY (brand_id, at, id)
);
CREATE INDEX automation_log_conversation ON automation_log (conversation_id, at);
