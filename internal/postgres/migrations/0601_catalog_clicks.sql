-- Clicks on product links (tracked links with a product) as interactions:
-- the click's id, unique per brand, so that the click job, which runs at
-- least once, stores each click once.

ALTER TABLE catalog_interactions ADD COLUMN click_id text NOT NULL DEFAULT '';

CREATE UNIQUE INDEX catalog_interactions_click ON catalog_interactions (brand_id, click_id) WHERE click_id <> '';
