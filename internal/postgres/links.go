package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

// Tracked links and their clicks (dm.LinkTx).

const linkColumns = `id, brand_id, url, recipient_id, campaign_id, step, variant, product_id, creator_id, created_at, clicks, first_click_at`

func (t *tx) PutTrackedLinks(ctx context.Context, ls []dm.TrackedLink) error {
	const per = 50
	for len(ls) > 0 {
		n := min(per, len(ls))
		var b strings.Builder
		args := make([]any, 0, n*12)
		for i, l := range ls[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			k := i * 12
			fmt.Fprintf(&b, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8, k+9, k+10, k+11, k+12)
			args = append(args, l.ID, l.BrandID, l.URL, l.RecipientID, l.CampaignID, l.Step, l.Variant, l.ProductID, l.CreatorID,
				l.CreatedAt, l.Clicks, l.FirstClickAt)
		}
		if _, err := t.tx.Exec(ctx, `INSERT INTO tracked_links (`+linkColumns+`) VALUES `+b.String(), args...); err != nil {
			return wrap(err, "tracked link")
		}
		ls = ls[n:]
	}
	return nil
}

func (t *tx) TrackedLink(ctx context.Context, id string) (*dm.TrackedLink, error) {
	var l dm.TrackedLink
	err := t.tx.QueryRow(ctx, `SELECT `+linkColumns+` FROM tracked_links WHERE id = $1`, id).Scan(&l.ID, &l.BrandID, &l.URL,
		&l.RecipientID, &l.CampaignID, &l.Step, &l.Variant, &l.ProductID, &l.CreatorID, &l.CreatedAt, &l.Clicks, &l.FirstClickAt)
	if err != nil {
		return nil, wrap(err, "tracked link")
	}
	l.CreatedAt, l.FirstClickAt = l.CreatedAt.UTC(), utcPtr(l.FirstClickAt)
	return &l, nil
}

func (t *tx) RecordClick(ctx context.Context, c *dm.LinkClick) error {
	// The UPDATE locks the link's row until commit, so concurrent clicks of
	// one link count one after the other and exactly one sees clicks = 1.
	var clicks int
	err := t.tx.QueryRow(ctx, `UPDATE tracked_links SET clicks = clicks + 1, first_click_at = coalesce(first_click_at, $1)
		WHERE id = $2 RETURNING clicks`, c.At, c.LinkID).Scan(&clicks)
	if err != nil {
		return wrap(err, "tracked link")
	}
	c.First = clicks == 1
	_, err = t.tx.Exec(ctx, `INSERT INTO link_clicks (link_id, id, at, first) VALUES ($1, $2, $3, $4)`, c.LinkID, c.ID, c.At, c.First)
	return wrap(err, "link click")
}

func (t *tx) LinkClicks(ctx context.Context, linkID string, limit int) ([]dm.LinkClick, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := t.tx.Query(ctx, `SELECT link_id, id, at, first FROM link_clicks WHERE link_id = $1 ORDER BY at, id LIMIT $2`, linkID, limit)
	if err != nil {
		return nil, wrap(err, "link clicks")
	}
	defer rows.Close()
	out := []dm.LinkClick{}
	for rows.Next() {
		var c dm.LinkClick
		if err := rows.Scan(&c.LinkID, &c.ID, &c.At, &c.First); err != nil {
			return nil, wrap(err, "link clicks")
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "link clicks")
}

func (t *tx) LinkStats(ctx context.Context, brandID string, f dm.LinkFilter) (*dm.LinkStats, error) {
	q := `SELECT count(*), count(first_click_at), coalesce(sum(clicks), 0),
		count(DISTINCT CASE WHEN first_click_at IS NOT NULL AND recipient_id <> '' THEN recipient_id END)
		FROM tracked_links WHERE brand_id = $1`
	args := []any{brandID}
	if f.CampaignID != "" {
		args = append(args, f.CampaignID)
		q += fmt.Sprintf(` AND campaign_id = $%d AND campaign_id <> ''`, len(args))
	}
	if f.ProductID != "" {
		args = append(args, f.ProductID)
		q += fmt.Sprintf(` AND product_id = $%d AND product_id <> ''`, len(args))
	}
	if f.CreatorID != "" {
		args = append(args, f.CreatorID)
		q += fmt.Sprintf(` AND creator_id = $%d AND creator_id <> ''`, len(args))
	}
	var s dm.LinkStats
	if err := t.tx.QueryRow(ctx, q, args...).Scan(&s.Links, &s.Clicked, &s.Clicks, &s.Recipients); err != nil {
		return nil, wrap(err, "link stats")
	}
	return &s, nil
}
