package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The campaign funnel's marks on delivery rows (dm.FunnelTx).

// funnelColumn is the column of a funnel mark (never a caller's string in SQL).
func funnelColumn(mark string) (string, error) {
	switch mark {
	case dm.FunnelRead:
		return "read_at", nil
	case dm.FunnelReplied:
		return "replied_at", nil
	case dm.FunnelClicked:
		return "clicked_at", nil
	case dm.FunnelActed:
		return "acted_at", nil
	case dm.FunnelOptedOut:
		return "opted_out_at", nil
	}
	return "", fmt.Errorf("sqlite: no funnel mark %q", mark)
}

func (t *tx) MarkFunnel(ctx context.Context, campaignID string, step int, userID, mark string, at time.Time) (int, error) {
	col, err := funnelColumn(mark)
	if err != nil {
		return 0, err
	}
	q := `UPDATE campaign_deliveries SET ` + col + ` = ? WHERE campaign_id = ? AND user_id = ? AND state = 'sent' AND ` + col + ` IS NULL`
	args := []any{ms(at), campaignID, userID}
	if step >= 0 {
		q += ` AND step IN (0, ?)`
		args = append(args, step)
	}
	n, err := t.affected(ctx, q, args...)
	return int(n), wrap(err, "funnel")
}

func (t *tx) MarkBrandFunnel(ctx context.Context, brandID, userID, mark string, at time.Time) (int, error) {
	col, err := funnelColumn(mark)
	if err != nil {
		return 0, err
	}
	n, err := t.affected(ctx, `UPDATE campaign_deliveries SET `+col+` = ?
		WHERE user_id = ? AND brand_id = ? AND state = 'sent' AND `+col+` IS NULL`, ms(at), userID, brandID)
	return int(n), wrap(err, "funnel")
}

func (t *tx) MarkBrandReplied(ctx context.Context, brandID, userID string, at time.Time) (int, error) {
	n, err := t.affected(ctx, `UPDATE campaign_deliveries SET read_at = COALESCE(read_at, ?1), replied_at = COALESCE(replied_at, ?1)
		WHERE user_id = ?2 AND brand_id = ?3 AND state = 'sent' AND (read_at IS NULL OR replied_at IS NULL)`, ms(at), userID, brandID)
	return int(n), wrap(err, "funnel")
}

func (t *tx) MarkFunnelRead(ctx context.Context, brandID, userID, conversationID string, seq int64, at time.Time) (int, error) {
	n, err := t.affected(ctx, `UPDATE campaign_deliveries SET read_at = ?
		WHERE user_id = ? AND brand_id = ? AND state = 'sent' AND read_at IS NULL AND conversation_id = ?
			AND EXISTS (SELECT 1 FROM messages m WHERE m.id = campaign_deliveries.message_id AND m.seq <= ?)`,
		ms(at), userID, brandID, conversationID, seq)
	return int(n), wrap(err, "funnel")
}

func (t *tx) FunnelCounts(ctx context.Context, campaignID string) ([]dm.FunnelCount, error) {
	rows, err := t.query(ctx, `SELECT step, variant, state, reason, count(*), count(read_at), count(replied_at), count(clicked_at),
		count(acted_at), count(opted_out_at)
		FROM campaign_deliveries WHERE campaign_id = ? GROUP BY step, variant, state, reason ORDER BY step, variant, state, reason`, campaignID)
	if err != nil {
		return nil, wrap(err, "funnel")
	}
	defer rows.Close()
	out := []dm.FunnelCount{}
	for rows.Next() {
		var c dm.FunnelCount
		if err := rows.Scan(&c.Step, &c.Variant, &c.State, &c.Reason, &c.Count, &c.Read, &c.Replied, &c.Clicked, &c.Acted, &c.OptedOut); err != nil {
			return nil, wrap(err, "funnel")
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "funnel")
}
