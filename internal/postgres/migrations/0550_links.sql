-- Tracked links (dm.LinkTx): a brand's URL behind /l/{token}, keyed by the
-- token's SHA-256 (the token itself is never stored), with what it is
-- attributed to, and its clicks.

CREATE TABLE tracked_links (
    id             text PRIMARY KEY,
    brand_id       text NOT NULL,
    url            text NOT NULL,
    recipient_id   text NOT NULL,
    campaign_id    text NOT NULL,
    step           integer NOT NULL,
    variant        text NOT NULL,
    product_id     text NOT NULL,
    creator_id     text NOT NULL,
    created_at     timestamptz NOT NULL,
    clicks         integer NOT NULL,
    first_click_at timestamptz
);

-- LinkStats by campaign, product or creator.
CREATE INDEX tracked_links_campaign ON tracked_links (campaign_id) WHERE campaign_id <> '';
CREATE INDEX tracked_links_product ON tracked_links (brand_id, product_id) WHERE product_id <> '';
CREATE INDEX tracked_links_creator ON tracked_links (brand_id, creator_id) WHERE creator_id <> '';

CREATE TABLE link_clicks (
    link_id text NOT NULL,
    id      text NOT NULL,
    at      timestamptz NOT NULL,
    first   boolean NOT NULL,
    PRIMARY KEY (link_id, id)
);
