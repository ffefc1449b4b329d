package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// Product catalogs and interactions (dm.CatalogTx; migration 0600).

// bumpCatalog adds to a brand's counters and returns the new values. The
// counter row stays locked until commit, so two transactions writing one
// brand's interactions commit in the order of their seqs: a reader that
// applied seqs up to N never misses a smaller one committed later.
func (t *tx) bumpCatalog(ctx context.Context, brandID string, dv, di int64) (version, seq int64, err error) {
	err = t.tx.QueryRow(ctx, `INSERT INTO catalog_counters AS c (brand_id, version, interaction_seq) VALUES ($1, $2, $3)
		ON CONFLICT (brand_id) DO UPDATE SET version = c.version + excluded.version, interaction_seq = c.interaction_seq + excluded.interaction_seq
		RETURNING version, interaction_seq`, brandID, dv, di).Scan(&version, &seq)
	return version, seq, wrap(err, "catalog counters")
}

func limitDefault(limit, def int) int {
	if limit <= 0 {
		return def
	}
	return limit
}

func (t *tx) PutProducts(ctx context.Context, brandID string, ps []dm.Product, now time.Time) error {
	if len(ps) == 0 {
		return nil
	}
	v, _, err := t.bumpCatalog(ctx, brandID, 1, 0)
	if err != nil {
		return err
	}
	n := len(ps)
	ids, titles, curs, imgs, urls, tags := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	prices, stock := make([]int64, n), make([]bool, n)
	for i, p := range ps {
		b, _ := json.Marshal(nonNil(p.Tags))
		ids[i], titles[i], curs[i], imgs[i], urls[i], tags[i], prices[i], stock[i] = p.ID, p.Title, p.Currency, p.ImageURL, p.URL, string(b), p.PriceMinor, p.InStock
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO products AS p (brand_id, id, title, price_minor, currency, image_url, url, tags, in_stock, deleted, version, created_at, updated_at)
		SELECT $1, u.id, u.title, u.price, u.cur, u.img, u.url, u.tags, u.stock, false, $2, $3, $3
		FROM unnest($4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::bool[]) AS u(id, title, price, cur, img, url, tags, stock)
		ON CONFLICT (brand_id, id) DO UPDATE SET title = excluded.title, price_minor = excluded.price_minor, currency = excluded.currency,
		image_url = excluded.image_url, url = excluded.url, tags = excluded.tags, in_stock = excluded.in_stock, deleted = false,
		version = excluded.version, updated_at = excluded.updated_at,
		created_at = CASE WHEN p.deleted THEN excluded.created_at ELSE p.created_at END`,
		brandID, v, now, ids, titles, prices, curs, imgs, urls, tags, stock)
	return wrap(err, "products")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const productCols = `brand_id, id, title, price_minor, currency, image_url, url, tags, in_stock, deleted, version, created_at, updated_at`

func scanProduct(r pgx.Row) (*dm.Product, error) {
	var p dm.Product
	var tags string
	if err := r.Scan(&p.BrandID, &p.ID, &p.Title, &p.PriceMinor, &p.Currency, &p.ImageURL, &p.URL, &tags, &p.InStock, &p.Deleted, &p.Version, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return &p, nil
}

func (t *tx) products(ctx context.Context, query string, args ...any) ([]dm.Product, error) {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err, "products")
	}
	defer rows.Close()
	var out []dm.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, wrap(err, "product")
		}
		out = append(out, *p)
	}
	return out, wrap(rows.Err(), "products")
}

func (t *tx) Product(ctx context.Context, brandID, id string) (*dm.Product, error) {
	p, err := scanProduct(t.tx.QueryRow(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = $1 AND id = $2 AND NOT deleted`, brandID, id))
	if err != nil {
		return nil, wrap(err, "product")
	}
	return p, nil
}

func (t *tx) Products(ctx context.Context, brandID, after string, limit int) ([]dm.Product, error) {
	return t.products(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = $1 AND id > $2 AND NOT deleted ORDER BY id COLLATE "C" LIMIT $3`,
		brandID, after, limitDefault(limit, 50))
}

func (t *tx) ProductsByID(ctx context.Context, brandID string, ids []string) (map[string]*dm.Product, error) {
	out := make(map[string]*dm.Product, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ps, err := t.products(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = $1 AND NOT deleted AND id = ANY($2)`, brandID, ids)
	if err != nil {
		return nil, err
	}
	for i := range ps {
		out[ps[i].ID] = &ps[i]
	}
	return out, nil
}

func (t *tx) ProductsChanged(ctx context.Context, brandID string, afterVersion int64, afterID string, limit int) ([]dm.Product, error) {
	return t.products(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = $1 AND (version > $2 OR (version = $2 AND id COLLATE "C" > $3))
		ORDER BY version, id COLLATE "C" LIMIT $4`, brandID, afterVersion, afterID, limitDefault(limit, 1000))
}

func (t *tx) DeleteProduct(ctx context.Context, brandID, id string, now time.Time) error {
	var one int
	if err := t.tx.QueryRow(ctx, `SELECT 1 FROM products WHERE brand_id = $1 AND id = $2 AND NOT deleted FOR UPDATE`, brandID, id).Scan(&one); err != nil {
		return wrap(err, "product")
	}
	v, _, err := t.bumpCatalog(ctx, brandID, 1, 0)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `UPDATE products SET deleted = true, version = $1, updated_at = $2 WHERE brand_id = $3 AND id = $4`, v, now, brandID, id)
	return wrap(err, "product")
}

func (t *tx) CountProducts(ctx context.Context, brandID string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT count(*) FROM products WHERE brand_id = $1 AND NOT deleted`, brandID).Scan(&n)
	return n, wrap(err, "products")
}

func (t *tx) CatalogState(ctx context.Context, brandID string) (dm.CatalogState, error) {
	var s dm.CatalogState
	err := t.tx.QueryRow(ctx, `SELECT version, interaction_seq FROM catalog_counters WHERE brand_id = $1`, brandID).Scan(&s.Version, &s.InteractionSeq)
	if err == pgx.ErrNoRows {
		return s, nil
	}
	return s, wrap(err, "catalog counters")
}

func (t *tx) BusiestCatalogs(ctx context.Context, limit int) ([]string, error) {
	rows, err := t.tx.Query(ctx, `SELECT brand_id FROM catalog_counters WHERE interaction_seq > 0
		ORDER BY interaction_seq DESC, brand_id LIMIT $1`, limit)
	if err != nil {
		return nil, wrap(err, "catalog counters")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err, "catalog counters")
		}
		out = append(out, id)
	}
	return out, wrap(rows.Err(), "catalog counters")
}

func (t *tx) AddInteractions(ctx context.Context, brandID string, ins []dm.Interaction) error {
	if len(ins) == 0 {
		return nil
	}
	_, last, err := t.bumpCatalog(ctx, brandID, 0, int64(len(ins)))
	if err != nil {
		return err
	}
	n := len(ins)
	seqs, ats := make([]int64, n), make([]time.Time, n)
	custs, prods, kinds, msgs, orders, vias, viaMsgs, clicks := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	seq := last - int64(n)
	for i := range ins {
		seq++
		in := &ins[i]
		in.Seq, in.BrandID = seq, brandID
		seqs[i], ats[i], custs[i], prods[i], kinds[i], msgs[i], orders[i], vias[i], viaMsgs[i], clicks[i] = seq, in.At, in.CustomerID, in.ProductID, in.Kind, in.MessageID, in.OrderID, in.Via, in.ViaMessageID, in.ClickID
	}
	// A click stored already is skipped (its seq stays unused).
	_, err = t.tx.Exec(ctx, `INSERT INTO catalog_interactions (brand_id, seq, customer_id, product_id, kind, at, message_id, order_id, via, via_message_id, click_id)
		SELECT $1, u.* FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) AS u
		ON CONFLICT DO NOTHING`,
		brandID, seqs, custs, prods, kinds, ats, msgs, orders, vias, viaMsgs, clicks)
	return wrap(err, "interactions")
}

const interactionCols = `brand_id, seq, customer_id, product_id, kind, at, message_id, order_id, via, via_message_id`

func (t *tx) interactions(ctx context.Context, query string, args ...any) ([]dm.Interaction, error) {
	rows, err := t.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err, "interactions")
	}
	defer rows.Close()
	var out []dm.Interaction
	for rows.Next() {
		var in dm.Interaction
		if err := rows.Scan(&in.BrandID, &in.Seq, &in.CustomerID, &in.ProductID, &in.Kind, &in.At, &in.MessageID, &in.OrderID, &in.Via, &in.ViaMessageID); err != nil {
			return nil, wrap(err, "interaction")
		}
		in.At = in.At.UTC()
		out = append(out, in)
	}
	return out, wrap(rows.Err(), "interactions")
}

func (t *tx) Interactions(ctx context.Context, brandID string, afterSeq int64, limit int) ([]dm.Interaction, error) {
	return t.interactions(ctx, `SELECT `+interactionCols+` FROM catalog_interactions WHERE brand_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
		brandID, afterSeq, limitDefault(limit, 1000))
}

func (t *tx) CustomerInteractions(ctx context.Context, brandID, customerID string, limit int) ([]dm.Interaction, error) {
	return t.interactions(ctx, `SELECT `+interactionCols+` FROM catalog_interactions WHERE brand_id = $1 AND customer_id = $2
		ORDER BY seq DESC LIMIT $3`, brandID, customerID, limitDefault(limit, 50))
}

func (t *tx) LastTouch(ctx context.Context, brandID, customerID, productID string, since time.Time) (*dm.Interaction, error) {
	ins, err := t.interactions(ctx, `SELECT `+interactionCols+` FROM catalog_interactions WHERE brand_id = $1 AND customer_id = $2 AND product_id = $3
		AND kind IN ('click', 'mention') AND at >= $4 ORDER BY seq DESC LIMIT 1`, brandID, customerID, productID, since)
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, dm.Errorf(dm.ENOTFOUND, "no touch")
	}
	return &ins[0], nil
}

func (t *tx) PutOrder(ctx context.Context, brandID, orderID, customerID string, at time.Time) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO catalog_orders (brand_id, order_id, customer_id, at) VALUES ($1, $2, $3, $4)`, brandID, orderID, customerID, at)
	return wrap(err, "order")
}

func (t *tx) OrderInteractions(ctx context.Context, brandID, orderID string) (string, []dm.Interaction, error) {
	var cust string
	if err := t.tx.QueryRow(ctx, `SELECT customer_id FROM catalog_orders WHERE brand_id = $1 AND order_id = $2`, brandID, orderID).Scan(&cust); err != nil {
		return "", nil, wrap(err, "order")
	}
	ins, err := t.interactions(ctx, `SELECT `+interactionCols+` FROM catalog_interactions WHERE brand_id = $1 AND order_id = $2 ORDER BY seq`, brandID, orderID)
	return cust, ins, err
}

func (t *tx) PutProductCard(ctx context.Context, messageID, brandID string, c *dm.ProductCard) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO message_products (message_id, brand_id, product_id, title, price_minor, currency, image_url, url) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		messageID, brandID, c.ProductID, c.Title, c.PriceMinor, c.Currency, c.ImageURL, c.URL)
	return wrap(err, "product card")
}

func (t *tx) ProductCards(ctx context.Context, messageIDs []string) (map[string]*dm.ProductCard, error) {
	out := map[string]*dm.ProductCard{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT message_id, product_id, title, price_minor, currency, image_url, url FROM message_products WHERE message_id = ANY($1)`, messageIDs)
	if err != nil {
		return nil, wrap(err, "product cards")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c dm.ProductCard
		if err := rows.Scan(&id, &c.ProductID, &c.Title, &c.PriceMinor, &c.Currency, &c.ImageURL, &c.URL); err != nil {
			return nil, wrap(err, "product card")
		}
		out[id] = &c
	}
	return out, wrap(rows.Err(), "product cards")
}
