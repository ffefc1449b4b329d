package postgres

import (
	"context"

	"github.com/parleyhq/parley/internal/dm"
)

// The consent engine's records (dm.ConsentTx).

func (t *tx) Consent(ctx context.Context, brandID, userID string) (*dm.Consent, error) {
	c := dm.Consent{BrandID: brandID, UserID: userID}
	var promos string
	err := t.tx.QueryRow(ctx, `SELECT opted_in, opted_out, last_inbound, unanswered, promos, updated_at FROM consent WHERE brand_id = $1 AND user_id = $2`,
		brandID, userID).Scan(&c.OptedIn, &c.OptedOut, &c.LastInbound, &c.Unanswered, &promos, &c.UpdatedAt)
	if err != nil {
		return nil, wrap(err, "consent")
	}
	c.Promos = parsePromos(promos)
	if c.LastInbound != nil {
		u := c.LastInbound.UTC()
		c.LastInbound = &u
	}
	c.UpdatedAt = c.UpdatedAt.UTC()
	return &c, nil
}

func (t *tx) PutConsent(ctx context.Context, c *dm.Consent) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO consent (brand_id, user_id, opted_in, opted_out, last_inbound, unanswered, promos, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (brand_id, user_id) DO UPDATE SET opted_in = excluded.opted_in, opted_out = excluded.opted_out,
			last_inbound = excluded.last_inbound, unanswered = excluded.unanswered, promos = excluded.promos, updated_at = excluded.updated_at`,
		c.BrandID, c.UserID, c.OptedIn, c.OptedOut, c.LastInbound, c.Unanswered, formatPromos(c.Promos), c.UpdatedAt)
	return wrap(err, "consent")
}
