package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// This file keeps creator collaborations (dm.CreatorTx); the tables are in
// migrations/0650_creators.sql.

var _ dm.CreatorTx = (*tx)(nil)

const dealCols = `brand_id, creator_id, stage, notes, deliverables, fee_minor, fee_currency, due_date, conversation_id,
	outreach_id, outreach_state, outreach_sent, outreach_at, created_at, updated_at`

func (t *tx) PutCreatorDeal(ctx context.Context, d *dm.CreatorDeal) error {
	dl := d.Deliverables
	if dl == nil {
		dl = []dm.Deliverable{}
	}
	body, err := json.Marshal(dl)
	if err != nil {
		return err
	}
	_, err = t.tx.Exec(ctx, `INSERT INTO creator_deals (`+dealCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (brand_id, creator_id) DO UPDATE SET stage = excluded.stage, notes = excluded.notes,
			deliverables = excluded.deliverables, fee_minor = excluded.fee_minor, fee_currency = excluded.fee_currency,
			due_date = excluded.due_date, conversation_id = excluded.conversation_id, outreach_id = excluded.outreach_id,
			outreach_state = excluded.outreach_state, outreach_sent = excluded.outreach_sent, outreach_at = excluded.outreach_at,
			updated_at = excluded.updated_at`,
		d.BrandID, d.CreatorID, d.Stage, d.Notes, string(body), d.FeeMinor, d.FeeCurrency, d.DueDate, d.ConversationID,
		d.OutreachID, d.OutreachState, d.OutreachSent, utcPtr(d.OutreachAt), d.CreatedAt, d.UpdatedAt)
	return wrap(err, "creator")
}

func scanDeal(r pgx.Row) (*dm.CreatorDeal, error) {
	var d dm.CreatorDeal
	var body string
	if err := r.Scan(&d.BrandID, &d.CreatorID, &d.Stage, &d.Notes, &body, &d.FeeMinor, &d.FeeCurrency, &d.DueDate, &d.ConversationID,
		&d.OutreachID, &d.OutreachState, &d.OutreachSent, &d.OutreachAt, &d.CreatedAt, &d.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &d.Deliverables); err != nil {
		return nil, err
	}
	d.OutreachAt, d.CreatedAt, d.UpdatedAt = utcPtr(d.OutreachAt), d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

func (t *tx) CreatorDeal(ctx context.Context, brandID, creatorID string) (*dm.CreatorDeal, error) {
	d, err := scanDeal(t.tx.QueryRow(ctx, `SELECT `+dealCols+` FROM creator_deals WHERE brand_id = $1 AND creator_id = $2`, brandID, creatorID))
	return d, wrap(err, "creator")
}

func (t *tx) CreatorDeals(ctx context.Context, brandID string) ([]dm.CreatorDeal, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+dealCols+` FROM creator_deals WHERE brand_id = $1 ORDER BY updated_at DESC, creator_id`, brandID)
	if err != nil {
		return nil, wrap(err, "creators")
	}
	defer rows.Close()
	out := []dm.CreatorDeal{}
	for rows.Next() {
		d, err := scanDeal(rows)
		if err != nil {
			return nil, wrap(err, "creators")
		}
		out = append(out, *d)
	}
	return out, wrap(rows.Err(), "creators")
}

func (t *tx) CountCreatorDeals(ctx context.Context, brandID string) (int, error) {
	var n int
	err := t.tx.QueryRow(ctx, `SELECT count(*) FROM creator_deals WHERE brand_id = $1`, brandID).Scan(&n)
	return n, wrap(err, "creators")
}

func (t *tx) DeleteCreatorDeal(ctx context.Context, brandID, creatorID string) error {
	tag, err := t.tx.Exec(ctx, `DELETE FROM creator_deals WHERE brand_id = $1 AND creator_id = $2`, brandID, creatorID)
	if err != nil {
		return wrap(err, "creator")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "creator not found")
	}
	_, err = t.tx.Exec(ctx, `DELETE FROM creator_stage_history WHERE brand_id = $1 AND creator_id = $2`, brandID, creatorID)
	return wrap(err, "creator history")
}

func (t *tx) AddStageChange(ctx context.Context, c *dm.StageChange) error {
	if c.ID == "" {
		c.ID = dm.NewID()
	}
	_, err := t.tx.Exec(ctx, `INSERT INTO creator_stage_history (id, brand_id, creator_id, from_stage, to_stage, by_id, reason, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, c.ID, c.BrandID, c.CreatorID, c.From, c.To, c.ByID, c.Reason, c.At)
	return wrap(err, "stage change")
}

func (t *tx) StageHistory(ctx context.Context, brandID, creatorID string) ([]dm.StageChange, error) {
	rows, err := t.tx.Query(ctx, `SELECT id, brand_id, creator_id, from_stage, to_stage, by_id, reason, at FROM creator_stage_history
		WHERE brand_id = $1 AND creator_id = $2 ORDER BY at, id`, brandID, creatorID)
	if err != nil {
		return nil, wrap(err, "stage history")
	}
	defer rows.Close()
	out := []dm.StageChange{}
	for rows.Next() {
		var c dm.StageChange
		if err := rows.Scan(&c.ID, &c.BrandID, &c.CreatorID, &c.From, &c.To, &c.ByID, &c.Reason, &c.At); err != nil {
			return nil, wrap(err, "stage history")
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "stage history")
}

func (t *tx) PutCollabMessage(ctx context.Context, messageID, brandID, creatorID string) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO creator_messages (message_id, brand_id, creator_id) VALUES ($1, $2, $3)
		ON CONFLICT (message_id) DO NOTHING`, messageID, brandID, creatorID)
	return wrap(err, "collaboration message")
}

func (t *tx) CollabMessages(ctx context.Context, messageIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT message_id, brand_id FROM creator_messages WHERE message_id = ANY($1)`, messageIDs)
	if err != nil {
		return nil, wrap(err, "collaboration messages")
	}
	defer rows.Close()
	for rows.Next() {
		var id, b string
		if err := rows.Scan(&id, &b); err != nil {
			return nil, wrap(err, "collaboration messages")
		}
		out[id] = b
	}
	return out, wrap(rows.Err(), "collaboration messages")
}

func (t *tx) GiveCode(ctx context.Context, campaignID, userID, code string, now time.Time) (string, error) {
	if code == "" {
		var got string
		// SKIP LOCKED: two requests take two different free codes.
		err := t.tx.QueryRow(ctx, `UPDATE campaign_codes SET user_id = $1, assigned_at = $2 WHERE campaign_id = $3 AND code =
			(SELECT code FROM campaign_codes WHERE campaign_id = $3 AND user_id = '' ORDER BY code LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING code`,
			userID, now, campaignID).Scan(&got)
		return got, wrap(err, "free code")
	}
	var owner string
	err := t.tx.QueryRow(ctx, `SELECT user_id FROM campaign_codes WHERE campaign_id = $1 AND code = $2 FOR UPDATE`, campaignID, code).Scan(&owner)
	if err != nil {
		return "", wrap(err, "code")
	}
	switch owner {
	case userID:
		return code, nil
	case "":
		_, err := t.tx.Exec(ctx, `UPDATE campaign_codes SET user_id = $1, assigned_at = $2 WHERE campaign_id = $3 AND code = $4`, userID, now, campaignID, code)
		return code, wrap(err, "code")
	}
	return "", dm.Errorf(dm.ECONFLICT, "code given to someone else")
}

func (t *tx) PutCreatorCode(ctx context.Context, c *dm.CreatorCode) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO creator_codes (campaign_id, code, brand_id, creator_id, assigned_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (campaign_id, code) DO NOTHING`, c.CampaignID, c.Code, c.BrandID, c.CreatorID, c.AssignedAt)
	return wrap(err, "creator code")
}

func (t *tx) CreatorCodes(ctx context.Context, brandID, creatorID string) ([]dm.CreatorCode, error) {
	rows, err := t.tx.Query(ctx, `SELECT k.campaign_id, k.code, k.assigned_at, c.redeemed_at FROM creator_codes k
		LEFT JOIN campaign_codes c ON c.campaign_id = k.campaign_id AND c.code = k.code
		WHERE k.brand_id = $1 AND k.creator_id = $2 ORDER BY k.campaign_id, k.code`, brandID, creatorID)
	if err != nil {
		return nil, wrap(err, "creator codes")
	}
	defer rows.Close()
	out := []dm.CreatorCode{}
	for rows.Next() {
		c := dm.CreatorCode{BrandID: brandID, CreatorID: creatorID}
		if err := rows.Scan(&c.CampaignID, &c.Code, &c.AssignedAt, &c.RedeemedAt); err != nil {
			return nil, wrap(err, "creator codes")
		}
		c.AssignedAt, c.RedeemedAt = c.AssignedAt.UTC(), utcPtr(c.RedeemedAt)
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "creator codes")
}
