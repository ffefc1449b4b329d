-- A campaign's deliveries counted by state and reason, kept by statement
-- triggers in the transaction that changes deliveries, so the progress
-- (told to the team every second while a campaign sends) reads a few rows
-- instead of grouping all of the campaign's deliveries, and is exact
-- whoever writes them and whatever rolls back. Each count is split over
-- slots by the writing connection, so concurrent sends of one campaign do
-- not queue on one row's lock; a slot's n may be negative, the sum over the
-- slots is the count. A statement locks its rows in key order.

CREATE TABLE campaign_counts (
    campaign_id text NOT NULL,
    state       text NOT NULL,
    reason      text NOT NULL,
    slot        integer NOT NULL,
    n           bigint NOT NULL,
    PRIMARY KEY (campaign_id, state, reason, slot)
);

INSERT INTO campaign_counts (campaign_id, state, reason, slot, n)
    SELECT campaign_id, state, reason, 0, count(*) FROM campaign_deliveries GROUP BY campaign_id, state, reason;

CREATE FUNCTION campaign_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO campaign_counts (campaign_id, state, reason, slot, n)
            SELECT campaign_id, state, reason, pg_backend_pid() % 16, count(*) FROM new_rows
            GROUP BY campaign_id, state, reason ORDER BY campaign_id, state, reason
            ON CONFLICT (campaign_id, state, reason, slot) DO UPDATE SET n = campaign_counts.n + excluded.n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO campaign_counts (campaign_id, state, reason, slot, n)
            SELECT campaign_id, state, reason, pg_backend_pid() % 16, sum(d) FROM (
                SELECT campaign_id, state, reason, -1 AS d FROM old_rows
                UNION ALL SELECT campaign_id, state, reason, 1 FROM new_rows) x
            GROUP BY campaign_id, state, reason HAVING sum(d) <> 0 ORDER BY campaign_id, state, reason
            ON CONFLICT (campaign_id, state, reason, slot) DO UPDATE SET n = campaign_counts.n + excluded.n;
    ELSE
        INSERT INTO campaign_counts (campaign_id, state, reason, slot, n)
            SELECT campaign_id, state, reason, pg_backend_pid() % 16, -count(*) FROM old_rows
            GROUP BY campaign_id, state, reason ORDER BY campaign_id, state, reason
            ON CONFLICT (campaign_id, state, reason, slot) DO UPDATE SET n = campaign_counts.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER campaign_counts_insert AFTER INSERT ON campaign_deliveries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_change();
CREATE TRIGGER campaign_counts_update AFTER UPDATE ON campaign_deliveries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_change();
CREATE TRIGGER campaign_counts_delete AFTER DELETE ON campaign_deliveries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION campaign_counts_change();
