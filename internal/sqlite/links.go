package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

// Tracked links and their clicks (dm.LinkTx).

const linkColumns = `id, brand_id, url, recipient_id, campaign_id, step, variant, product_id, creator_id, created_at, clicks, first_click_at`

func (t *tx) PutTrackedLinks(ctx context.Context, ls []dm.TrackedLink) error {
	const per = 50
	for len(ls) > 0 {
		n := min(per, len(ls))
		q := `INSERT INTO tracked_links (` + linkColumns + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?),", n), ",")
		args := make([]any, 0, n*12)
		for _, l := range ls[:n] {
			args = append(args, l.ID, l.BrandID, l.URL, l.RecipientID, l.CampaignID, l.Step, l.Variant, l.ProductID, l.CreatorID,
				ms(l.CreatedAt), l.Clicks, nullMS(l.FirstClickAt))
		}
		if _, err := t.exec(ctx, q, args...); err != nil {
			return wrap(err, "tracked link")
		}
		ls = ls[n:]
	}
	return nil
}

func (t *tx) TrackedLink(ctx context.Context, id string) (*dm.TrackedLink, error) {
	var l dm.TrackedLink
	var created int64
	var first sql.NullInt64
	err := t.queryRow(ctx, `SELECT `+linkColumns+` FROM tracked_links WHERE id = ?`, id).Scan(&l.ID, &l.BrandID, &l.URL,
		&l.RecipientID, &l.CampaignID, &l.Step, &l.Variant, &l.ProductID, &l.CreatorID, &created, &l.Clicks, &first)
	if err != nil {
		return nil, wrap(err, "tracked link")
	}
	l.CreatedAt, l.FirstClickAt = utc(created), nullUTC(first)
	return &l, nil
}

func (t *tx) RecordClick(ctx context.Context, c *dm.LinkClick) error {
	// One statement counts the click and tells whether it was the first:
	// the writer is single, so no other click of the link comes between.
	var clicks int
	err := t.queryRow(ctx, `UPDATE tracked_links SET clicks = clicks + 1, first_click_at = coalesce(first_click_at, ?)
		WHERE id = ? RETURNING clicks`, ms(c.At), c.LinkID).Scan(&clicks)
	if err != nil {
		return wrap(err, "tracked link")
	}
	c.First = clicks == 1
	_, err = t.exec(ctx, `INSERT INTO link_clicks (link_id, id, at, first) VALUES (?, ?, ?, ?)`, c.LinkID, c.ID, ms(c.At), c.First)
	return wrap(err, "link click")
}

func (t *tx) LinkClicks(ctx context.Context, linkID string, limit int) ([]dm.LinkClick, error) {
	rows, err := t.query(ctx, `SELECT link_id, id, at, first FROM link_clicks WHERE link_id = ? ORDER BY at, id LIMIT ?`, linkID, limitOr(limit, 50))
	if err != nil {
		return nil, wrap(err, "link clicks")
	}
	defer rows.Close()
	out := []dm.LinkClick{}
	for rows.Next() {
		var c dm.LinkClick
		var at int64
		if err := rows.Scan(&c.LinkID, &c.ID, &at, &c.First); err != nil {
			return nil, wrap(err, "link clicks")
		}
		c.At = utc(at)
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "link clicks")
}

func (t *tx) LinkStats(ctx context.Context, brandID string, f dm.LinkFilter) (*dm.LinkStats, error) {
	q := `SELECT count(*), count(first_click_at), coalesce(sum(clicks), 0),
		count(DISTINCT CASE WHEN first_click_at IS NOT NULL AND recipient_id <> '' THEN recipient_id END)
		FROM tracked_links WHERE brand_id = ?`
	args := []any{brandID}
	if f.CampaignID != "" {
		q += ` AND campaign_id = ? AND campaign_id <> ''`
		args = append(args, f.CampaignID)
	}
	if f.ProductID != "" {
		q += ` AND product_id = ? AND product_id <> ''`
		args = append(args, f.ProductID)
	}
	if f.CreatorID != "" {
		q += ` AND creator_id = ? AND creator_id <> ''`
		args = append(args, f.CreatorID)
	}
	var s dm.LinkStats
	if err := t.queryRow(ctx, q, args...).Scan(&s.Links, &s.Clicked, &s.Clicks, &s.Recipients); err != nil {
		return nil, wrap(err, "link stats")
	}
	return &s, nil
}
