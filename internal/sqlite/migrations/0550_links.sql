-- Tracked links (dm.LinkTx): a brand's URL behind /l/{token}, keyed by the
-- token's SHA-256 (the token itself is never stored), with what it is
-- attributed to, and its clicks. Times are Unix milliseconds (UTC).

CREATE TABLE tracked_links (
    id             TEXT PRIMARY KEY,
    brand_id       TEXT NOT NULL,
    url            TEXT NOT NULL,
    recipient_id   TEXT NOT NULL,
    campaign_id    TEXT NOT NULL,
    step           INTEGER NOT NULL,
    variant        TEXT NOT NULL,
    product_id     TEXT NOT NULL,
    creator_id     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    clicks         INTEGER NOT NULL,
    first_click_at INTEGER
) WITHOUT ROWID;

-- LinkStats by campaign, product or creator.
CREATE INDEX tracked_links_campaign ON tracked_links (campaign_id) WHERE campaign_id <> '';
CREATE INDEX tracked_links_product ON tracked_links (brand_id, product_id) WHERE product_id <> '';
CREATE INDEX tracked_links_creator ON tracked_links (brand_id, creator_id) WHERE creator_id <> '';

CREATE TABLE link_clicks (
    link_id TEXT NOT NULL,
    id      TEXT NOT NULL,
    at      INTEGER NOT NULL,
    first   INTEGER NOT NULL,
    PRIMARY KEY (link_id, id)
) WITHOUT ROWID;
