package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

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
	_, err = t.exec(ctx, `INSERT INTO creator_deals (`+dealCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (brand_id, creator_id) DO UPDATE SET stage = excluded.stage, notes = excluded.notes,
			deliverables = excluded.deliverables, fee_minor = excluded.fee_minor, fee_currency = excluded.fee_currency,
			due_date = excluded.due_date, conversation_id = excluded.conversation_id, outreach_id = excluded.outreach_id,
			outreach_state = excluded.outreach_state, outreach_sent = excluded.outreach_sent, outreach_at = excluded.outreach_at,
			updated_at = excluded.updated_at`,
		d.BrandID, d.CreatorID, d.Stage, d.Notes, string(body), d.FeeMinor, d.FeeCurrency, d.DueDate, d.ConversationID,
		d.OutreachID, d.OutreachState, d.OutreachSent, nullMS(d.OutreachAt), ms(d.CreatedAt), ms(d.UpdatedAt))
	return wrap(err, "creator")
}

func scanDeal(r interface{ Scan(...any) error }) (*dm.CreatorDeal, error) {
	var d dm.CreatorDeal
	var body string
	var at sql.NullInt64
	var created, updated int64
	if err := r.Scan(&d.BrandID, &d.CreatorID, &d.Stage, &d.Notes, &body, &d.FeeMinor, &d.FeeCurrency, &d.DueDate, &d.ConversationID,
		&d.OutreachID, &d.OutreachState, &d.OutreachSent, &at, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(body), &d.Deliverables); err != nil {
		return nil, err
	}
	d.OutreachAt, d.CreatedAt, d.UpdatedAt = nullUTC(at), utc(created), utc(updated)
	return &d, nil
}

func (t *tx) CreatorDeal(ctx context.Context, brandID, creatorID string) (*dm.CreatorDeal, error) {
	d, err := scanDeal(t.queryRow(ctx, `SELECT `+dealCols+` FROM creator_deals WHERE brand_id = ? AND creator_id = ?`, brandID, creatorID))
	return d, wrap(err, "creator")
}

func (t *tx) CreatorDeals(ctx context.Context, brandID string) ([]dm.CreatorDeal, error) {
	rows, err := t.query(ctx, `SELECT `+dealCols+` FROM creator_deals WHERE brand_id = ? ORDER BY updated_at DESC, creator_id`, brandID)
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
	err := t.queryRow(ctx, `SELECT count(*) FROM creator_deals WHERE brand_id = ?`, brandID).Scan(&n)
	return n, wrap(err, "creators")
}

func (t *tx) DeleteCreatorDeal(ctx context.Context, brandID, creatorID string) error {
	n, err := t.affected(ctx, `DELETE FROM creator_deals WHERE brand_id = ? AND creator_id = ?`, brandID, creatorID)
	if err != nil {
		return wrap(err, "creator")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "creator not found")
	}
	_, err = t.exec(ctx, `DELETE FROM creator_stage_history WHERE brand_id = ? AND creator_id = ?`, brandID, creatorID)
	return wrap(err, "creator history")
}

func (t *tx) AddStageChange(ctx context.Context, c *dm.StageChange) error {
	if c.ID == "" {
		c.ID = dm.NewID()
	}
	_, err := t.exec(ctx, `INSERT INTO creator_stage_history (id, brand_id, creator_id, from_stage, to_stage, by_id, reason, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.BrandID, c.CreatorID, c.From, c.To, c.ByID, c.Reason, ms(c.At))
	return wrap(err, "stage change")
}

func (t *tx) StageHistory(ctx context.Context, brandID, creatorID string) ([]dm.StageChange, error) {
	rows, err := t.query(ctx, `SELECT id, brand_id, creator_id, from_stage, to_stage, by_id, reason, at FROM creator_stage_history
		WHERE brand_id = ? AND creator_id = ? ORDER BY at, id`, brandID, creatorID)
	if err != nil {
		return nil, wrap(err, "stage history")
	}
	defer rows.Close()
	out := []dm.StageChange{}
	for rows.Next() {
		var c dm.StageChange
		var at int64
		if err := rows.Scan(&c.ID, &c.BrandID, &c.CreatorID, &c.From, &c.To, &c.ByID, &c.Reason, &at); err != nil {
			return nil, wrap(err, "stage history")
		}
		c.At = utc(at)
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "stage history")
}

func (t *tx) PutCollabMessage(ctx context.Context, messageID, brandID, creatorID string) error {
	_, err := t.exec(ctx, `INSERT INTO creator_messages (message_id, brand_id, creator_id) VALUES (?, ?, ?)
		ON CONFLICT (message_id) DO NOTHING`, messageID, brandID, creatorID)
	return wrap(err, "collaboration message")
}

func (t *tx) CollabMessages(ctx context.Context, messageIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	ids, err := json.Marshal(messageIDs)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT message_id, brand_id FROM creator_messages WHERE message_id IN (SELECT value FROM json_each(?))`, string(ids))
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
		err := t.queryRow(ctx, `UPDATE campaign_codes SET user_id = ?, assigned_at = ? WHERE campaign_id = ? AND code =
			(SELECT code FROM campaign_codes WHERE campaign_id = ? AND user_id = '' ORDER BY code LIMIT 1) RETURNING code`,
			userID, ms(now), campaignID, campaignID).Scan(&got)
		return got, wrap(err, "free code")
	}
	var owner string
	err := t.queryRow(ctx, `SELECT user_id FROM campaign_codes WHERE campaign_id = ? AND code = ?`, campaignID, code).Scan(&owner)
	if err != nil {
		return "", wrap(err, "code")
	}
	switch owner {
	case userID:
		return code, nil
	case "":
		_, err := t.exec(ctx, `UPDATE campaign_codes SET user_id = ?, assigned_at = ? WHERE campaign_id = ? AND code = ?`, userID, ms(now), campaignID, code)
		return code, wrap(err, "code")
	}
	return "", dm.Errorf(dm.ECONFLICT, "code given to someone else")
}

func (t *tx) PutCreatorCode(ctx context.Context, c *dm.CreatorCode) error {
	_, err := t.exec(ctx, `INSERT INTO creator_codes (campaign_id, code, brand_id, creator_id, assigned_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (campaign_id, code) DO NOTHING`, c.CampaignID, c.Code, c.BrandID, c.CreatorID, ms(c.AssignedAt))
	return wrap(err, "creator code")
}

func (t *tx) CreatorCodes(ctx context.Context, brandID, creatorID string) ([]dm.CreatorCode, error) {
	rows, err := t.query(ctx, `SELECT k.campaign_id, k.code, k.assigned_at, c.redeemed_at FROM creator_codes k
		LEFT JOIN campaign_codes c ON c.campaign_id = k.campaign_id AND c.code = k.code
		WHERE k.brand_id = ? AND k.creator_id = ? ORDER BY k.campaign_id, k.code`, brandID, creatorID)
	if err != nil {
		return nil, wrap(err, "creator codes")
	}
	defer rows.Close()
	out := []dm.CreatorCode{}
	for rows.Next() {
		c := dm.CreatorCode{BrandID: brandID, CreatorID: creatorID}
		var at int64
		var red sql.NullInt64
		if err := rows.Scan(&c.CampaignID, &c.Code, &at, &red); err != nil {
			return nil, wrap(err, "creator codes")
		}
		c.AssignedAt, c.RedeemedAt = utc(at), nullUTC(red)
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "creator codes")
}
