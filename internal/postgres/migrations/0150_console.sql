-- The brand console's support-desk features (internal/brand/console.go):
-- service-level targets and the per-agent cap, agent teams with their own
-- round-robin, macros, notes on a customer, the audit trail of a
-- conversation, and canned replies an agent keeps for themself.

CREATE TABLE brand_service_levels (
    brand_id           text PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    first_response_min integer NOT NULL,
    next_response_min  integer NOT NULL,
    max_open_per_agent integer NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- members is a JSON array of user ids.
CREATE TABLE brand_agent_teams (
    id          text PRIMARY KEY,
    brand_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        text NOT NULL,
    members     text NOT NULL,
    round_robin text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE UNIQUE INDEX brand_agent_teams_name ON brand_agent_teams (brand_id, name);

-- add_labels is a JSON array; owner_id '' is a macro shared by the team.
CREATE TABLE brand_macros (
    id         text PRIMARY KEY,
    brand_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    owner_id   text NOT NULL,
    title      text NOT NULL,
    text       text NOT NULL,
    add_labels text NOT NULL,
    status     text NOT NULL,
    priority   text NOT NULL,
    assign     text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE UNIQUE INDEX brand_macros_title ON brand_macros (brand_id, owner_id, title);

CREATE TABLE brand_customer_notes (
    id          text PRIMARY KEY,
    brand_id    text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    customer_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    author_id   text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    text        text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE INDEX brand_customer_notes_customer ON brand_customer_notes (brand_id, customer_id, created_at);

-- actor_id '' is the brand's automation.
CREATE TABLE brand_audit (
    id              text PRIMARY KEY,
    brand_id        text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    actor_id        text NOT NULL,
    field           text NOT NULL,
    old_value       text NOT NULL,
    new_value       text NOT NULL,
    after_seq       bigint NOT NULL,
    at              timestamptz NOT NULL
);

CREATE INDEX brand_audit_conversation ON brand_audit (conversation_id, after_seq, at);

CREATE INDEX brand_threads_conversation ON brand_threads (conversation_id, opened_at);

-- An agent's own canned replies: titles are unique per owner, so two
-- agents may each keep a "Hello".
ALTER TABLE brand_canned ADD COLUMN owner_id text NOT NULL DEFAULT '';
DROP INDEX brand_canned_title;
CREATE UNIQUE INDEX brand_canned_title ON brand_canned (brand_id, owner_id, title);

-- OpenAssigned counts by (brand, assignee, status).
CREATE INDEX brand_inbox_assignee_status ON brand_inbox (brand_id, assignee_id, status);
