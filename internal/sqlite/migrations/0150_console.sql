-- The brand console's support-desk features (internal/brand/console.go):
-- service-level targets and the per-agent cap, agent teams with their own
-- round-robin, macros, notes on a customer, the audit trail of a
-- conversation, and canned replies an agent keeps for themself. Times are
-- Unix milliseconds (UTC).

CREATE TABLE brand_service_levels (
    brand_id           TEXT PRIMARY KEY REFERENCES accounts (id),
    first_response_min INTEGER NOT NULL,
    next_response_min  INTEGER NOT NULL,
    max_open_per_agent INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) WITHOUT ROWID;

-- members is a JSON array of user ids.
CREATE TABLE brand_agent_teams (
    id          TEXT PRIMARY KEY,
    brand_id    TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    members     TEXT NOT NULL,
    round_robin TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX brand_agent_teams_name ON brand_agent_teams (brand_id, name);

-- add_labels is a JSON array; owner_id '' is a macro shared by the team.
CREATE TABLE brand_macros (
    id         TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL REFERENCES accounts (id),
    owner_id   TEXT NOT NULL,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    add_labels TEXT NOT NULL,
    status     TEXT NOT NULL,
    priority   TEXT NOT NULL,
    assign     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX brand_macros_title ON brand_macros (brand_id, owner_id, title);

CREATE TABLE brand_customer_notes (
    id          TEXT PRIMARY KEY,
    brand_id    TEXT NOT NULL REFERENCES accounts (id),
    customer_id TEXT NOT NULL REFERENCES accounts (id),
    author_id   TEXT NOT NULL REFERENCES accounts (id),
    text        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX brand_customer_notes_customer ON brand_customer_notes (brand_id, customer_id, created_at);

-- actor_id '' is the brand's automation.
CREATE TABLE brand_audit (
    id              TEXT PRIMARY KEY,
    brand_id        TEXT NOT NULL REFERENCES accounts (id),
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    actor_id        TEXT NOT NULL,
    field           TEXT NOT NULL,
    old_value       TEXT NOT NULL,
    new_value       TEXT NOT NULL,
    after_seq       INTEGER NOT NULL,
    at              INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX brand_audit_conversation ON brand_audit (conversation_id, after_seq, at);

CREATE INDEX brand_threads_conversation ON brand_threads (conversation_id, opened_at);

-- An agent's own canned replies: titles are unique per owner, so two
-- agents may each keep a "Hello".
ALTER TABLE brand_canned ADD COLUMN owner_id TEXT NOT NULL DEFAULT '';
DROP INDEX brand_canned_title;
CREATE UNIQUE INDEX brand_canned_title ON brand_canned (brand_id, owner_id, title);

-- OpenAssigned counts by (brand, assignee, status).
CREATE INDEX brand_inbox_assignee_status ON brand_inbox (brand_id, assignee_id, status);
