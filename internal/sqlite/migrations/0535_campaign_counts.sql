-- A campaign's deliveries counted by state and reason, kept by triggers in
-- the transaction that changes a delivery, so the progress (told to the
-- team every second while a campaign sends) reads a few rows instead of
-- grouping all of the campaign's deliveries, and is exact whoever writes
-- them and whatever rolls back.

CREATE TABLE campaign_counts (
    campaign_id TEXT NOT NULL,
    state       TEXT NOT NULL,
    reason      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, state, reason)
) WITHOUT ROWID;

INSERT INTO campaign_counts (campaign_id, state, reason, n)
    SELECT campaign_id, state, reason, count(*) FROM campaign_deliveries WHERE true GROUP BY campaign_id, state, reason;

CREATE TRIGGER campaign_counts_insert AFTER INSERT ON campaign_deliveries BEGIN
    INSERT INTO campaign_counts (campaign_id, state, reason, n) VALUES (new.campaign_id, new.state, new.reason, 1)
        ON CONFLICT (campaign_id, state, reason) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER campaign_counts_update AFTER UPDATE OF campaign_id, state, reason ON campaign_deliveries
    WHEN old.campaign_id IS NOT new.campaign_id OR old.state IS NOT new.state OR old.reason IS NOT new.reason BEGIN
    UPDATE campaign_counts SET n = n - 1 WHERE campaign_id = old.campaign_id AND state = old.state AND reason = old.reason;
    INSERT INTO campaign_counts (campaign_id, state, reason, n) VALUES (new.campaign_id, new.state, new.reason, 1)
        ON CONFLICT (campaign_id, state, reason) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER campaign_counts_delete AFTER DELETE ON campaign_deliveries BEGIN
    UPDATE campaign_counts SET n = n - 1 WHERE campaign_id = old.campaign_id AND state = old.state AND reason = old.reason;
END;
