-- Product catalogs and interactions (dm.CatalogTx, issue 12): each brand's
-- products, a per-brand counter row that versions the catalog and numbers
-- interactions in commit order, the interactions the recommender learns
-- from, the orders of the conversion API (idempotent by order id), and the
-- product cards sent in messages.

CREATE TABLE catalog_counters (
    brand_id        TEXT PRIMARY KEY,
    version         INTEGER NOT NULL DEFAULT 0,
    interaction_seq INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE products (
    brand_id    TEXT NOT NULL,
    id          TEXT NOT NULL,
    title       TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    image_url   TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL,
    tags        TEXT NOT NULL DEFAULT '[]',
    in_stock    INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (brand_id, id)
) WITHOUT ROWID;

CREATE INDEX products_version ON products (brand_id, version, id);

CREATE TABLE catalog_interactions (
    brand_id        TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    customer_id     TEXT NOT NULL,
    product_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    at              INTEGER NOT NULL,
    message_id      TEXT NOT NULL DEFAULT '',
    order_id        TEXT NOT NULL DEFAULT '',
    via             TEXT NOT NULL DEFAULT '',
    via_message_id  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (brand_id, seq)
) WITHOUT ROWID;

CREATE INDEX catalog_interactions_customer ON catalog_interactions (brand_id, customer_id, product_id, seq);
CREATE INDEX catalog_interactions_order ON catalog_interactions (brand_id, order_id) WHERE order_id <> '';

CREATE TABLE catalog_orders (
    brand_id    TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (brand_id, order_id)
) WITHOUT ROWID;

CREATE TABLE message_products (
    message_id  TEXT PRIMARY KEY,
    brand_id    TEXT NOT NULL,
    product_id  TEXT NOT NULL,
    title       TEXT NOT NULL,
    price_minor INTEGER NOT NULL,
    currency    TEXT NOT NULL,
    image_url   TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL
) WITHOUT ROWID;
