-- Product catalogs and interactions (dm.CatalogTx, issue 12): each brand's
-- products, a per-brand counter row that versions the catalog and numbers
-- interactions in commit order, the interactions the recommender learns
-- from, the orders of the conversion API (idempotent by order id), and the
-- product cards sent in messages.

CREATE TABLE catalog_counters (
    brand_id        text PRIMARY KEY,
    version         bigint NOT NULL DEFAULT 0,
    interaction_seq bigint NOT NULL DEFAULT 0
);

CREATE TABLE products (
    brand_id    text NOT NULL,
    id          text NOT NULL,
    title       text NOT NULL,
    price_minor bigint NOT NULL,
    currency    text NOT NULL,
    image_url   text NOT NULL DEFAULT '',
    url         text NOT NULL,
    tags        text NOT NULL DEFAULT '[]',
    in_stock    boolean NOT NULL,
    deleted     boolean NOT NULL DEFAULT false,
    version     bigint NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (brand_id, id)
);

CREATE INDEX products_version ON products (brand_id, version, id);

CREATE TABLE catalog_interactions (
    brand_id        text NOT NULL,
    seq             bigint NOT NULL,
    customer_id     text NOT NULL,
    product_id      text NOT NULL,
    kind            text NOT NULL,
    at              timestamptz NOT NULL,
    message_id      text NOT NULL DEFAULT '',
    order_id        text NOT NULL DEFAULT '',
    via             text NOT NULL DEFAULT '',
    via_message_id  text NOT NULL DEFAULT '',
    PRIMARY KEY (brand_id, seq)
);

CREATE INDEX catalog_interactions_customer ON catalog_interactions (brand_id, customer_id, product_id, seq);
CREATE INDEX catalog_interactions_order ON catalog_interactions (brand_id, order_id) WHERE order_id <> '';

CREATE TABLE catalog_orders (
    brand_id    text NOT NULL,
    order_id    text NOT NULL,
    customer_id text NOT NULL,
    at          timestamptz NOT NULL,
    PRIMARY KEY (brand_id, order_id)
);

CREATE TABLE message_products (
    message_id  text PRIMARY KEY,
    brand_id    text NOT NULL,
    product_id  text NOT NULL,
    title       text NOT NULL,
    price_minor bigint NOT NULL,
    currency    text NOT NULL,
    image_url   text NOT NULL DEFAULT '',
    url         text NOT NULL
);
