package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// External bots (dm.WebhookTx): webhook endpoints, the delivery log and bot
// tokens.

const endpointColumns = `id, brand_id, url, description, events, secret, created_at, updated_at`

func (t *tx) PutWebhookEndpoint(ctx context.Context, e *dm.WebhookEndpoint) error {
	events, err := json.Marshal(e.Events)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET url = excluded.url, description = excluded.description, events = excluded.events,
			secret = excluded.secret, updated_at = excluded.updated_at`,
		e.ID, e.BrandID, e.URL, e.Description, string(events), e.Secret, ms(e.CreatedAt), ms(e.UpdatedAt))
	return wrap(err, "webhook endpoint")
}

func scanEndpoint(s interface{ Scan(...any) error }) (*dm.WebhookEndpoint, error) {
	var e dm.WebhookEndpoint
	var events string
	var created, updated int64
	if err := s.Scan(&e.ID, &e.BrandID, &e.URL, &e.Description, &events, &e.Secret, &created, &updated); err != nil {
		return nil, wrap(err, "webhook endpoint")
	}
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return nil, wrap(err, "webhook endpoint")
	}
	e.CreatedAt, e.UpdatedAt = utc(created), utc(updated)
	return &e, nil
}

func (t *tx) WebhookEndpoint(ctx context.Context, brandID, id string) (*dm.WebhookEndpoint, error) {
	return scanEndpoint(t.queryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE brand_id = ? AND id = ?`, brandID, id))
}

func (t *tx) WebhookEndpoints(ctx context.Context, brandID string) ([]dm.WebhookEndpoint, error) {
	rows, err := t.query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE brand_id = ? ORDER BY created_at, id`, brandID)
	if err != nil {
		return nil, wrap(err, "webhook endpoints")
	}
	defer rows.Close()
	out := []dm.WebhookEndpoint{}
	for rows.Next() {
		e, err := scanEndpoint(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, wrap(rows.Err(), "webhook endpoints")
}

func (t *tx) DeleteWebhookEndpoint(ctx context.Context, brandID, id string) error {
	res, err := t.exec(ctx, `DELETE FROM webhook_endpoints WHERE brand_id = ? AND id = ?`, brandID, id)
	if err != nil {
		return wrap(err, "webhook endpoint")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "webhook endpoint not found")
	}
	if _, err := t.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = ?)`, id); err != nil {
		return wrap(err, "webhook attempts")
	}
	_, err = t.exec(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id)
	return wrap(err, "webhook deliveries")
}

const deliveryColumns = `id, brand_id, endpoint_id, event_id, event_type, body, status, attempts, last_status_code, last_error,
	redelivery_of, created_at, updated_at, delivered_at`

func (t *tx) PutWebhookDelivery(ctx context.Context, d *dm.WebhookDelivery) error {
	_, err := t.exec(ctx, `INSERT INTO webhook_deliveries (`+deliveryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
			last_status_code = excluded.last_status_code, last_error = excluded.last_error,
			updated_at = excluded.updated_at, delivered_at = excluded.delivered_at`,
		d.ID, d.BrandID, d.EndpointID, d.EventID, d.EventType, d.Body, d.Status, d.Attempts, d.LastStatusCode,
		dm.CleanJobError(d.LastError), d.RedeliveryOf, ms(d.CreatedAt), ms(d.UpdatedAt), nullMS(d.DeliveredAt))
	return wrap(err, "webhook delivery")
}

func (t *tx) RecordWebhookAttempt(ctx context.Context, id, status string, code int, lastError string, at time.Time, deliveredAt *time.Time) (int, error) {
	var n int
	err := t.queryRow(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = ?, last_error = ?, updated_at = ?,
			status = CASE WHEN ? = '' THEN status ELSE ? END, delivered_at = COALESCE(?, delivered_at)
		WHERE id = ? RETURNING attempts`,
		code, dm.CleanJobError(lastError), ms(at), status, status, nullMS(deliveredAt), id).Scan(&n)
	return n, wrap(err, "webhook delivery")
}

func scanDelivery(s interface{ Scan(...any) error }) (*dm.WebhookDelivery, error) {
	var d dm.WebhookDelivery
	var created, updated int64
	var delivered sql.NullInt64
	if err := s.Scan(&d.ID, &d.BrandID, &d.EndpointID, &d.EventID, &d.EventType, &d.Body, &d.Status, &d.Attempts,
		&d.LastStatusCode, &d.LastError, &d.RedeliveryOf, &created, &updated, &delivered); err != nil {
		return nil, wrap(err, "webhook delivery")
	}
	d.CreatedAt, d.UpdatedAt, d.DeliveredAt = utc(created), utc(updated), nullUTC(delivered)
	return &d, nil
}

func (t *tx) WebhookDelivery(ctx context.Context, id string) (*dm.WebhookDelivery, error) {
	return scanDelivery(t.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
}

func (t *tx) WebhookDeliveries(ctx context.Context, brandID, endpointID, cursor string, limit int) ([]dm.WebhookDelivery, string, error) {
	limit = limitOr(limit, 50)
	q := `SELECT ` + deliveryColumns + ` FROM webhook_deliveries WHERE brand_id = ?`
	args := []any{brandID}
	if endpointID != "" {
		q += ` AND endpoint_id = ?`
		args = append(args, endpointID)
	}
	if cursor != "" {
		// The cursor names the last delivery shown; an unknown one ends the list.
		q += ` AND (created_at, id) < (SELECT created_at, id FROM webhook_deliveries WHERE id = ? AND brand_id = ?)`
		args = append(args, cursor, brandID)
	}
	q += ` ORDER BY created_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, "", wrap(err, "webhook deliveries")
	}
	defer rows.Close()
	out := []dm.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, "", err
		}
		out = append(out, *d)
	}
	if err := rows.Err(); err != nil {
		return nil, "", wrap(err, "webhook deliveries")
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

func (t *tx) AddWebhookAttempt(ctx context.Context, a *dm.WebhookAttempt) error {
	_, err := t.exec(ctx, `INSERT INTO webhook_attempts (delivery_id, n, at, status_code, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)`,
		a.DeliveryID, a.N, ms(a.At), a.StatusCode, dm.CleanJobError(a.Error), a.DurationMS)
	return wrap(err, "webhook attempt")
}

func (t *tx) WebhookAttempts(ctx context.Context, deliveryID string) ([]dm.WebhookAttempt, error) {
	rows, err := t.query(ctx, `SELECT delivery_id, n, at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY n`, deliveryID)
	if err != nil {
		return nil, wrap(err, "webhook attempts")
	}
	defer rows.Close()
	out := []dm.WebhookAttempt{}
	for rows.Next() {
		var a dm.WebhookAttempt
		var at int64
		if err := rows.Scan(&a.DeliveryID, &a.N, &at, &a.StatusCode, &a.Error, &a.DurationMS); err != nil {
			return nil, wrap(err, "webhook attempts")
		}
		a.At = utc(at)
		out = append(out, a)
	}
	return out, wrap(rows.Err(), "webhook attempts")
}

func (t *tx) PruneWebhookDeliveries(ctx context.Context, before time.Time, limit int) (int64, error) {
	if _, err := t.exec(ctx, `DELETE FROM webhook_attempts WHERE delivery_id IN
		(SELECT id FROM webhook_deliveries WHERE created_at < ? ORDER BY created_at LIMIT ?)`, ms(before), limit); err != nil {
		return 0, wrap(err, "webhook attempts")
	}
	res, err := t.exec(ctx, `DELETE FROM webhook_deliveries WHERE id IN
		(SELECT id FROM webhook_deliveries WHERE created_at < ? ORDER BY created_at LIMIT ?)`, ms(before), limit)
	if err != nil {
		return 0, wrap(err, "webhook deliveries")
	}
	n, err := res.RowsAffected()
	return n, wrap(err, "webhook deliveries")
}

func (t *tx) CreateBotToken(ctx context.Context, b *dm.BotToken) error {
	_, err := t.exec(ctx, `INSERT INTO bot_tokens (id, brand_id, name, token_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		b.ID, b.BrandID, b.Name, b.TokenHash, b.CreatedBy, ms(b.CreatedAt))
	return wrap(err, "bot token")
}

const botColumns = `id, brand_id, name, token_hash, created_by, created_at`

func scanBot(s interface{ Scan(...any) error }) (*dm.BotToken, error) {
	var b dm.BotToken
	var created int64
	if err := s.Scan(&b.ID, &b.BrandID, &b.Name, &b.TokenHash, &b.CreatedBy, &created); err != nil {
		return nil, wrap(err, "bot token")
	}
	b.CreatedAt = utc(created)
	return &b, nil
}

func (t *tx) BotTokenByHash(ctx context.Context, hash string) (*dm.BotToken, error) {
	return scanBot(t.queryRow(ctx, `SELECT `+botColumns+` FROM bot_tokens WHERE token_hash = ?`, hash))
}

func (t *tx) BotTokens(ctx context.Context, brandID string) ([]dm.BotToken, error) {
	rows, err := t.query(ctx, `SELECT `+botColumns+` FROM bot_tokens WHERE brand_id = ? ORDER BY created_at, id`, brandID)
	if err != nil {
		return nil, wrap(err, "bot tokens")
	}
	defer rows.Close()
	out := []dm.BotToken{}
	for rows.Next() {
		b, err := scanBot(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *b)
	}
	return out, wrap(rows.Err(), "bot tokens")
}

func (t *tx) DeleteBotToken(ctx context.Context, brandID, id string) error {
	res, err := t.exec(ctx, `DELETE FROM bot_tokens WHERE brand_id = ? AND id = ?`, brandID, id)
	if err != nil {
		return wrap(err, "bot token")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "bot token not found")
	}
	return nil
}
