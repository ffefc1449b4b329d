-- The automation layer (internal/automation): a brand's rules, flows and bot
-- settings (definitions kept as JSON: they are read whole and compiled), the
-- bot's state per conversation, customer attributes, quick replies of bot
-- messages, and the audit log. Times are Unix milliseconds (UTC). The
-- automation subsystem owns the numbers 0400-0449.

CREATE TABLE automation_settings (
    brand_id   TEXT PRIMARY KEY,
    body       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE automation_rules (
    brand_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    position   INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (brand_id, id)
) WITHOUT ROWID;

CREATE TABLE automation_flows (
    brand_id   TEXT NOT NULL,
    id         TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (brand_id, id)
) WITHOUT ROWID;

CREATE TABLE bot_state (
    conversation_id TEXT PRIMARY KEY,
    brand_id        TEXT NOT NULL,
    silent          INTEGER NOT NULL,
    handed_off      INTEGER NOT NULL,
    streak          INTEGER NOT NULL,
    flow_id         TEXT NOT NULL,
    flow_step       TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE customer_attributes (
    brand_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (brand_id, customer_id, key)
) WITHOUT ROWID;

CREATE TABLE message_quick_replies (
    message_id TEXT PRIMARY KEY,
    body       TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE automation_log (
    brand_id        TEXT NOT NULL,
    at              INTEGER NOT NULL,
    id              TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    rule_id         TEXT NOT NULL,
    event           TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    detail          TEXT NOT NULL,
    PRIMARY KEY (brand_id, at, id)
) WITHOUT ROWID;
CREATE INDEX automation_log_conversation ON automation_log (conversation_id, at);
