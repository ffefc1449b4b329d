package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
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

func (t *tx) ConsentSettings(ctx context.Context, brandID string) (*dm.ConsentSettings, error) {
	var body string
	var updated time.Time
	if err := t.tx.QueryRow(ctx, `SELECT body, updated_at FROM consent_settings WHERE brand_id = $1`, brandID).Scan(&body, &updated); err != nil {
		return nil, wrap(err, "consent settings")
	}
	s := &dm.ConsentSettings{}
	if err := json.Unmarshal([]byte(body), s); err != nil {
		return nil, err
	}
	s.BrandID, s.UpdatedAt = brandID, updated.UTC()
	return s, nil
}

func (t *tx) PutConsentSettings(ctx context.Context, s *dm.ConsentSettings) error {
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO consent_settings (brand_id, body, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (brand_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, s.BrandID, string(body), s.UpdatedAt)
	return wrap(err, "consent settings")
}

func (t *tx) DailySent(ctx context.Context, brandID, day string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT sent FROM consent_daily WHERE brand_id = $1 AND day = $2`, brandID, day).Scan(&n)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	return n, wrap(err, "daily count")
}

func (t *tx) AddDailySent(ctx context.Context, brandID, day string, limit int) (bool, error) {
	// The conflict's update waits for the row's lock and then sees its
	// newest count, so two sends cannot both take the last place.
	tag, err := t.tx.Exec(ctx, `INSERT INTO consent_daily (brand_id, day, sent) SELECT $1, $2, 1 WHERE $3 > 0
		ON CONFLICT (brand_id, day) DO UPDATE SET sent = consent_daily.sent + 1 WHERE consent_daily.sent < $3`, brandID, day, limit)
	if err != nil {
		return false, wrap(err, "daily count")
	}
	return tag.RowsAffected() == 1, nil
}
