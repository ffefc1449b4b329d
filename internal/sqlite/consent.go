package sqlite

import (
	"context"
	"database/sql"

	"github.com/parleyhq/parley/internal/dm"
)

// The consent engine's records (dm.ConsentTx).

func (t *tx) Consent(ctx context.Context, brandID, userID string) (*dm.Consent, error) {
	c := dm.Consent{BrandID: brandID, UserID: userID}
	var last sql.NullInt64
	var updated int64
	var promos string
	err := t.queryRow(ctx, `SELECT opted_in, opted_out, last_inbound, unanswered, promos, updated_at FROM consent WHERE brand_id = ? AND user_id = ?`,
		brandID, userID).Scan(&c.OptedIn, &c.OptedOut, &last, &c.Unanswered, &promos, &updated)
	if err != nil {
		return nil, wrap(err, "consent")
	}
	c.LastInbound, c.UpdatedAt, c.Promos = nullUTC(last), utc(updated), parsePromos(promos)
	return &c, nil
}

func (t *tx) PutConsent(ctx context.Context, c *dm.Consent) error {
	_, err := t.exec(ctx, `INSERT INTO consent (brand_id, user_id, opted_in, opted_out, last_inbound, unanswered, promos, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (brand_id, user_id) DO UPDATE SET opted_in = excluded.opted_in, opted_out = excluded.opted_out,
			last_inbound = excluded.last_inbound, unanswered = excluded.unanswered, promos = excluded.promos, updated_at = excluded.updated_at`,
		c.BrandID, c.UserID, c.OptedIn, c.OptedOut, nullMS(c.LastInbound), c.Unanswered, formatPromos(c.Promos), ms(c.UpdatedAt))
	return wrap(err, "consent")
}
