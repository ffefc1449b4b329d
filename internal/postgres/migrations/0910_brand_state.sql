-- (Numbered in the send path's range: it needs the tables of 0400-0750.)
-- A version of each brand's slowly changing state: what a customer's message
-- to the brand reads besides its conversation (the brand's account, its
-- settings, its team, its bot settings, its webhook endpoints, its consent
-- settings). Triggers give the brand a new version whenever one of them
-- changes, whoever writes it, so the brand layer keeps that state in memory
-- and a send reads one integer instead of six rows (internal/brand,
-- state.go). From a sequence, which never gives a number twice even when a
-- transaction rolls back. The round-robin cursor and the follower counters
-- move often and are not part of it.

CREATE SEQUENCE brand_state_seq;

CREATE TABLE brand_state_versions (
    brand_id text PRIMARY KEY,
    version  bigint NOT NULL
);

CREATE FUNCTION brand_state_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    id text;
BEGIN
    IF TG_TABLE_NAME = 'accounts' THEN
        IF TG_OP = 'DELETE' THEN id := OLD.id; ELSE id := NEW.id; END IF;
    ELSE
        IF TG_OP = 'DELETE' THEN id := OLD.brand_id; ELSE id := NEW.brand_id; END IF;
    END IF;
    INSERT INTO brand_state_versions (brand_id, version) VALUES (id, nextval('brand_state_seq'))
        ON CONFLICT (brand_id) DO UPDATE SET version = excluded.version;
    RETURN NULL;
END
$$;

CREATE TRIGGER brand_state_settings_insert AFTER INSERT OR DELETE ON brand_settings
    FOR EACH ROW EXECUTE FUNCTION brand_state_bump();
CREATE TRIGGER brand_state_settings_update AFTER UPDATE ON brand_settings FOR EACH ROW
    WHEN (old.time_zone IS DISTINCT FROM new.time_zone OR old.hours_enabled IS DISTINCT FROM new.hours_enabled
        OR old.hours IS DISTINCT FROM new.hours OR old.away_message IS DISTINCT FROM new.away_message
        OR old.show_agent_name IS DISTINCT FROM new.show_agent_name OR old.auto_assign IS DISTINCT FROM new.auto_assign)
    EXECUTE FUNCTION brand_state_bump();
CREATE TRIGGER brand_state_team AFTER INSERT OR UPDATE OR DELETE ON brand_team
    FOR EACH ROW EXECUTE FUNCTION brand_state_bump();
CREATE TRIGGER brand_state_automation AFTER INSERT OR UPDATE OR DELETE ON automation_settings
    FOR EACH ROW EXECUTE FUNCTION brand_state_bump();
CREATE TRIGGER brand_state_endpoints AFTER INSERT OR UPDATE OR DELETE ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION brand_state_bump();
CREATE TRIGGER brand_state_consent AFTER INSERT OR UPDATE OR DELETE ON consent_settings
    FOR EACH ROW EXECUTE FUNCTION brand_state_bump();
-- A brand's account as messages and events show it (not its counters).
CREATE TRIGGER brand_state_account_update AFTER UPDATE OF handle, display_name, bio, kind, role, suspended_at, verified, time_zone
    ON accounts FOR EACH ROW WHEN (old.kind = 'brand' OR new.kind = 'brand') EXECUTE FUNCTION brand_state_bump();
CREATE TRIGGER brand_state_account_delete AFTER DELETE ON accounts FOR EACH ROW WHEN (old.kind = 'brand')
    EXECUTE FUNCTION brand_state_bump();
