package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Product catalogs and interactions (dm.CatalogTx; migration 0600).

// bumpCatalog adds to a brand's counters and returns the new values: dv to
// the catalog version, di to the interaction seq. On SQLite the single
// writer already orders every transaction, so the counter row is only a
// number.
func (t *tx) bumpCatalog(ctx context.Context, brandID string, dv, di int64) (version, seq int64, err error) {
	err = t.queryRow(ctx, `INSERT INTO catalog_counters (brand_id, version, interaction_seq) VALUES (?, ?, ?)
		ON CONFLICT (brand_id) DO UPDATE SET version = version + excluded.version, interaction_seq = interaction_seq + excluded.interaction_seq
		RETURNING version, interaction_seq`, brandID, dv, di).Scan(&version, &seq)
	return version, seq, wrap(err, "catalog counters")
}

func (t *tx) PutProducts(ctx context.Context, brandID string, ps []dm.Product, now time.Time) error {
	if len(ps) == 0 {
		return nil
	}
	v, _, err := t.bumpCatalog(ctx, brandID, 1, 0)
	if err != nil {
		return err
	}
	const per = 100
	for len(ps) > 0 {
		n := min(per, len(ps))
		args := make([]any, 0, 12*n)
		for _, p := range ps[:n] {
			tags, _ := json.Marshal(nonNil(p.Tags))
			args = append(args, brandID, p.ID, p.Title, p.PriceMinor, p.Currency, p.ImageURL, p.URL, string(tags), p.InStock, v, ms(now), ms(now))
		}
		_, err := t.exec(ctx, `INSERT INTO products (brand_id, id, title, price_minor, currency, image_url, url, tags, in_stock, deleted, version, created_at, updated_at) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?),", n), ",")+`
			ON CONFLICT (brand_id, id) DO UPDATE SET title = excluded.title, price_minor = excluded.price_minor, currency = excluded.currency,
			image_url = excluded.image_url, url = excluded.url, tags = excluded.tags, in_stock = excluded.in_stock, deleted = 0,
			version = excluded.version, updated_at = excluded.updated_at,
			created_at = CASE WHEN products.deleted THEN excluded.created_at ELSE products.created_at END`, args...)
		if err != nil {
			return wrap(err, "products")
		}
		ps = ps[n:]
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

const productCols = `brand_id, id, title, price_minor, currency, image_url, url, tags, in_stock, deleted, version, created_at, updated_at`

func scanProduct(r scanner) (*dm.Product, error) {
	var p dm.Product
	var tags string
	var created, updated int64
	if err := r.Scan(&p.BrandID, &p.ID, &p.Title, &p.PriceMinor, &p.Currency, &p.ImageURL, &p.URL, &tags, &p.InStock, &p.Deleted, &p.Version, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &p.Tags); err != nil {
		return nil, err
	}
	p.CreatedAt, p.UpdatedAt = utc(created), utc(updated)
	return &p, nil
}

func (t *tx) products(ctx context.Context, query string, args ...any) ([]dm.Product, error) {
	rows, err := t.query(ctx, query, args...)
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
	p, err := scanProduct(t.queryRow(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = ? AND id = ? AND NOT deleted`, brandID, id))
	if err != nil {
		return nil, wrap(err, "product")
	}
	return p, nil
}

func (t *tx) Products(ctx context.Context, brandID, after string, limit int) ([]dm.Product, error) {
	return t.products(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = ? AND id > ? AND NOT deleted ORDER BY id LIMIT ?`,
		brandID, after, limitOr(limit, 50))
}

func (t *tx) ProductsByID(ctx context.Context, brandID string, ids []string) (map[string]*dm.Product, error) {
	out := make(map[string]*dm.Product, len(ids))
	const per = 200
	for len(ids) > 0 {
		n := min(per, len(ids))
		args := make([]any, 0, n+1)
		args = append(args, brandID)
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		ps, err := t.products(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = ? AND NOT deleted AND id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", n), ",")+`)`, args...)
		if err != nil {
			return nil, err
		}
		for i := range ps {
			out[ps[i].ID] = &ps[i]
		}
		ids = ids[n:]
	}
	return out, nil
}

func (t *tx) ProductsChanged(ctx context.Context, brandID string, afterVersion int64, afterID string, limit int) ([]dm.Product, error) {
	return t.products(ctx, `SELECT `+productCols+` FROM products WHERE brand_id = ? AND (version > ? OR (version = ? AND id > ?))
		ORDER BY version, id LIMIT ?`, brandID, afterVersion, afterVersion, afterID, limitOr(limit, 1000))
}

func (t *tx) DeleteProduct(ctx context.Context, brandID, id string, now time.Time) error {
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM products WHERE brand_id = ? AND id = ? AND NOT deleted`, brandID, id).Scan(&one)
	if err != nil {
		return wrap(err, "product")
	}
	v, _, err := t.bumpCatalog(ctx, brandID, 1, 0)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `UPDATE products SET deleted = 1, version = ?, updated_at = ? WHERE brand_id = ? AND id = ?`, v, ms(now), brandID, id)
	return wrap(err, "product")
}

func (t *tx) CountProducts(ctx context.Context, brandID string) (int, error) {
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM products WHERE brand_id = ? AND NOT deleted`, brandID).Scan(&n)
	return n, wrap(err, "products")
}

func (t *tx) CatalogState(ctx context.Context, brandID string) (dm.CatalogState, error) {
	var s dm.CatalogState
	err := t.queryRow(ctx, `SELECT version, interaction_seq FROM catalog_counters WHERE brand_id = ?`, brandID).Scan(&s.Version, &s.InteractionSeq)
	if err == sql.ErrNoRows {
		return s, nil
	}
	return s, wrap(err, "catalog counters")
}

func (t *tx) BusiestCatalogs(ctx context.Context, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT brand_id FROM catalog_counters WHERE interaction_seq > 0
		ORDER BY interaction_seq DESC, brand_id LIMIT ?`, limit)
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
	seq := last - int64(len(ins))
	const per = 100
	for i := 0; i < len(ins); i += per {
		n := min(per, len(ins)-i)
		args := make([]any, 0, 11*n)
		for k := i; k < i+n; k++ {
			seq++
			in := &ins[k]
			in.Seq, in.BrandID = seq, brandID
			args = append(args, brandID, in.Seq, in.CustomerID, in.ProductID, in.Kind, ms(in.At), in.MessageID, in.OrderID, in.Via, in.ViaMessageID, in.ClickID)
		}
		// A click stored already is skipped (its seq stays unused).
		_, err := t.exec(ctx, `INSERT INTO catalog_interactions (brand_id, seq, customer_id, product_id, kind, at, message_id, order_id, via, via_message_id, click_id) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?),", n), ",")+` ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return wrap(err, "interactions")
		}
	}
	return nil
}

const interactionCols = `brand_id, seq, customer_id, product_id, kind, at, message_id, order_id, via, via_message_id`

func (t *tx) interactions(ctx context.Context, query string, args ...any) ([]dm.Interaction, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err, "interactions")
	}
	defer rows.Close()
	var out []dm.Interaction
	for rows.Next() {
		var in dm.Interaction
		var at int64
		if err := rows.Scan(&in.BrandID, &in.Seq, &in.CustomerID, &in.ProductID, &in.Kind, &at, &in.MessageID, &in.OrderID, &in.Via, &in.ViaMessageID); err != nil {
			return nil, wrap(err, "interaction")
		}
		in.At = utc(at)
		out = append(out, in)
	}
	return out, wrap(rows.Err(), "interactions")
}

func (t *tx) Interactions(ctx context.Context, brandID string, afterSeq int64, limit int) ([]dm.Interaction, error) {
	return t.interactions(ctx, `SELECT `+interactionCols+` FROM catalog_interactions WHERE brand_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		brandID, afterSeq, limitOr(limit, 1000))
}

func (t *tx) CustomerInteractions(ctx context.Context, brandID, customerID string, limit int) ([]dm.Interaction, error) {
	return t.interactions(ctx, `SELECT `+interactionCols+` FROM catalog_interactions WHERE brand_id = ? AND customer_id = ?
		ORDER BY seq DESC LIMIT ?`, brandID, customerID, limitOr(limit, 50))
}

func (t *tx) LastTouch(ctx context.Context, brandID, customerID, productID string, since time.Time) (*dm.Interaction, error) {
	ins, err := t.interactions(ctx, `SELECT `+interactionCols+` FROM catalog_interactions WHERE brand_id = ? AND customer_id = ? AND product_id = ?
		AND kind IN ('click', 'mention') AND at >= ? ORDER BY seq DESC LIMIT 1`, brandID, customerID, productID, ms(since))
	if err != nil {
		return nil, err
	}
	if len(ins) == 0 {
		return nil, dm.Errorf(dm.ENOTFOUND, "no touch")
	}
	return &ins[0], nil
}

func (t *tx) PutOrder(ctx context.Context, brandID, orderID, customerID string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO catalog_orders (brand_id, order_id, customer_id, at) VALUES (?, ?, ?, ?)`, brandID, orderID, customerID, ms(at))
	return wrap(err, "order")
}

func (t *tx) OrderInteractions(ctx context.Context, brandID, orderID string) (string, []dm.Interaction, error) {
	var cust string
	if err := t.queryRow(ctx, `SELECT customer_id FROM catalog_orders WHERE brand_id = ? AND order_id = ?`, brandID, orderID).Scan(&cust); err != nil {
		return "", nil, wrap(err, "order")
	}
	ins, err := t.interactions(ctx, `SELECT `+interactionCols+` FROM catalog_interactions WHERE brand_id = ? AND order_id = ? ORDER BY seq`, brandID, orderID)
	return cust, ins, err
}

func (t *tx) PutProductCard(ctx context.Context, messageID, brandID string, c *dm.ProductCard) error {
	_, err := t.exec(ctx, `INSERT INTO message_products (message_id, brand_id, product_id, title, price_minor, currency, image_url, url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		messageID, brandID, c.ProductID, c.Title, c.PriceMinor, c.Currency, c.ImageURL, c.URL)
	return wrap(err, "product card")
}

func (t *tx) ProductCards(ctx context.Context, messageIDs []string) (map[string]*dm.ProductCard, error) {
	out := map[string]*dm.ProductCard{}
	for len(messageIDs) > 0 {
		n := min(200, len(messageIDs))
		args := make([]any, n)
		for i, id := range messageIDs[:n] {
			args[i] = id
		}
		rows, err := t.query(ctx, `SELECT message_id, product_id, title, price_minor, currency, image_url, url FROM message_products WHERE message_id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", n), ",")+`)`, args...)
		if err != nil {
			return nil, wrap(err, "product cards")
		}
		for rows.Next() {
			var id string
			var c dm.ProductCard
			if err := rows.Scan(&id, &c.ProductID, &c.Title, &c.PriceMinor, &c.Currency, &c.ImageURL, &c.URL); err != nil {
				rows.Close()
				return nil, wrap(err, "product card")
			}
			out[id] = &c
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap(err, "product cards")
		}
		messageIDs = messageIDs[n:]
	}
	return out, nil
}
