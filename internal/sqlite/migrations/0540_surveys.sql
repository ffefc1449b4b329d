-- Feedback surveys (dm.SurveyTx): a brand's question, and one row per
-- message that asked it, carrying the recipient's answer. A campaign of
-- type "survey" names its survey.

ALTER TABLE campaigns ADD COLUMN survey_id TEXT NOT NULL DEFAULT '';

CREATE TABLE surveys (
    id         TEXT PRIMARY KEY,
    brand_id   TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    question   TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE INDEX surveys_brand ON surveys (brand_id, created_at);

CREATE TABLE survey_sends (
    id              TEXT PRIMARY KEY,
    survey_id       TEXT NOT NULL,
    brand_id        TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    message_id      TEXT NOT NULL,
    agent_id        TEXT NOT NULL,
    campaign_id     TEXT NOT NULL,
    sent_at         INTEGER NOT NULL,
    score           INTEGER,
    text            TEXT NOT NULL DEFAULT '',
    answered_at     INTEGER
);

CREATE INDEX survey_sends_survey ON survey_sends (survey_id, sent_at);
CREATE INDEX survey_sends_conversation ON survey_sends (conversation_id, sent_at);
CREATE INDEX survey_sends_score ON survey_sends (survey_id, score, user_id);
