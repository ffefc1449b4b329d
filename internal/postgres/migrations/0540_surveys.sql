-- Feedback surveys (dm.SurveyTx): a brand's question, and one row per
-- message that asked it, carrying the recipient's answer. A campaign of
-- type "survey" names its survey.

ALTER TABLE campaigns ADD COLUMN survey_id text NOT NULL DEFAULT '';

CREATE TABLE surveys (
    id         text PRIMARY KEY,
    brand_id   text NOT NULL,
    name       text NOT NULL,
    kind       text NOT NULL,
    question   text NOT NULL,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX surveys_brand ON surveys (brand_id, created_at);

CREATE TABLE survey_sends (
    id              text PRIMARY KEY,
    survey_id       text NOT NULL,
    brand_id        text NOT NULL,
    user_id         text NOT NULL,
    conversation_id text NOT NULL,
    message_id      text NOT NULL,
    agent_id        text NOT NULL,
    campaign_id     text NOT NULL,
    sent_at         timestamptz NOT NULL,
    score           integer,
    text            text NOT NULL DEFAULT '',
    answered_at     timestamptz
);

CREATE INDEX survey_sends_survey ON survey_sends (survey_id, sent_at);
CREATE INDEX survey_sends_conversation ON survey_sends (conversation_id, sent_at);
CREATE INDEX survey_sends_score ON survey_sends (survey_id, score, user_id);
