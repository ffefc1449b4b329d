-- (Numbered in the send path's range: it needs the tables of 0400-0750.)
-- A version of each brand's slowly changing state: what a customer's message
-- to the brand reads besides its conversation (the brand's account, its
-- settings, its team, its bot settings, its webhook endpoints, its consent
-- settings). Triggers give the brand a new random version whenever one of
-- them changes, whoever writes it, so the brand layer keeps that state in
-- memory and a send reads one integer instead of six rows (internal/brand,
-- state.go). Random, not a counter: a version seen inside a transaction that
-- then rolled back is never given again. (An UPDATE, then an INSERT when
-- there was no row: an OR REPLACE in a trigger would take the conflict policy of
-- the statement that fired it.) The round-robin cursor and the
-- follower counters move often and are not part of it.

CREATE TABLE brand_state_versions (
    brand_id TEXT PRIMARY KEY,
    version  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER brand_state_settings_insert AFTER INSERT ON brand_settings BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_settings_update AFTER UPDATE ON brand_settings
    WHEN old.time_zone IS NOT new.time_zone OR old.hours_enabled IS NOT new.hours_enabled OR old.hours IS NOT new.hours
        OR old.away_message IS NOT new.away_message OR old.show_agent_name IS NOT new.show_agent_name
        OR old.auto_assign IS NOT new.auto_assign OR old.brand_id IS NOT new.brand_id BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_settings_delete AFTER DELETE ON brand_settings BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = old.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT old.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = old.brand_id);
END;

CREATE TRIGGER brand_state_team_insert AFTER INSERT ON brand_team BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_team_update AFTER UPDATE ON brand_team BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_team_delete AFTER DELETE ON brand_team BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = old.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT old.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = old.brand_id);
END;

CREATE TRIGGER brand_state_automation_insert AFTER INSERT ON automation_settings BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_automation_update AFTER UPDATE ON automation_settings BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_automation_delete AFTER DELETE ON automation_settings BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = old.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT old.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = old.brand_id);
END;

CREATE TRIGGER brand_state_endpoints_insert AFTER INSERT ON webhook_endpoints BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_endpoints_update AFTER UPDATE ON webhook_endpoints BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_endpoints_delete AFTER DELETE ON webhook_endpoints BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = old.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT old.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = old.brand_id);
END;

CREATE TRIGGER brand_state_consent_insert AFTER INSERT ON consent_settings BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_consent_update AFTER UPDATE ON consent_settings BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.brand_id);
END;
CREATE TRIGGER brand_state_consent_delete AFTER DELETE ON consent_settings BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = old.brand_id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT old.brand_id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = old.brand_id);
END;

-- A brand's account as messages and events show it (not its counters).
CREATE TRIGGER brand_state_account_update AFTER UPDATE OF handle, display_name, bio, kind, role, suspended_at, verified, time_zone
    ON accounts WHEN old.kind = 'brand' OR new.kind = 'brand' BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = new.id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT new.id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = new.id);
END;
CREATE TRIGGER brand_state_account_delete AFTER DELETE ON accounts WHEN old.kind = 'brand' BEGIN
    UPDATE brand_state_versions SET version = random() WHERE brand_id = old.id;
    INSERT INTO brand_state_versions (brand_id, version) SELECT old.id, random()
        WHERE NOT EXISTS (SELECT 1 FROM brand_state_versions WHERE brand_id = old.id);
END;
