package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parleyhq/parley/internal/dm"
)

// Campaigns and their deliveries (dm.CampaignTx). Several nodes claim one
// campaign's deliveries: the claim locks the rows it picks with FOR UPDATE
// SKIP LOCKED, so a concurrent claim passes over them and never takes one
// twice.

const campaignColumns = `id, brand_id, name, type, status, audience, steps, rate_per_minute, start_at, generation, targeted, planned_at, created_by, created_at, updated_at, event, offer, survey_id`

func (t *tx) CreateCampaign(ctx context.Context, c *dm.Campaign) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO campaigns (`+campaignColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		c.ID, c.BrandID, c.Name, c.Type, c.Status, string(c.Audience), string(c.Steps), c.RatePerMinute, c.StartAt,
		c.Generation, c.Targeted, c.PlannedAt, c.CreatedBy, c.CreatedAt, c.UpdatedAt, string(c.Event), string(c.Offer), c.SurveyID)
	return wrap(err, "campaign")
}

func (t *tx) PutCampaign(ctx context.Context, c *dm.Campaign) error {
	tag, err := t.tx.Exec(ctx, `UPDATE campaigns SET name = $1, type = $2, status = $3, audience = $4, steps = $5, rate_per_minute = $6,
		start_at = $7, generation = $8, targeted = $9, planned_at = $10, updated_at = $11, event = $13, offer = $14, survey_id = $15 WHERE id = $12`,
		c.Name, c.Type, c.Status, string(c.Audience), string(c.Steps), c.RatePerMinute, c.StartAt,
		c.Generation, c.Targeted, c.PlannedAt, c.UpdatedAt, c.ID, string(c.Event), string(c.Offer), c.SurveyID)
	if err != nil {
		return wrap(err, "campaign")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "campaign %s", c.ID)
	}
	return nil
}

func scanCampaign(s pgx.Row) (*dm.Campaign, error) {
	var c dm.Campaign
	var aud, steps, event, offer string
	if err := s.Scan(&c.ID, &c.BrandID, &c.Name, &c.Type, &c.Status, &aud, &steps, &c.RatePerMinute, &c.StartAt,
		&c.Generation, &c.Targeted, &c.PlannedAt, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &event, &offer, &c.SurveyID); err != nil {
		return nil, wrap(err, "campaign")
	}
	c.Audience, c.Steps = json.RawMessage(aud), json.RawMessage(steps)
	if event != "" {
		c.Event = json.RawMessage(event)
	}
	if offer != "" {
		c.Offer = json.RawMessage(offer)
	}
	c.StartAt, c.PlannedAt = utcPtr(c.StartAt), utcPtr(c.PlannedAt)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

func (t *tx) Campaign(ctx context.Context, id string) (*dm.Campaign, error) {
	return scanCampaign(t.tx.QueryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = $1`, id))
}

func (t *tx) Campaigns(ctx context.Context, brandID string, limit int) ([]dm.Campaign, error) {
	if limit <= 0 {
		limit = 50
	}
	rows, err := t.tx.Query(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE brand_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, brandID, limit)
	if err != nil {
		return nil, wrap(err, "campaigns")
	}
	defer rows.Close()
	out := []dm.Campaign{}
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, wrap(rows.Err(), "campaigns")
}

const sendColumns = `campaign_id, step, user_id, id, brand_id, variant, state, reason, run_at, leased_by, attempts, message_id, conversation_id, updated_at`

func (t *tx) InsertDeliveries(ctx context.Context, ds []dm.CampaignSend) (int, error) {
	if len(ds) == 0 {
		return 0, nil
	}
	// One statement over arrays: a plan writes 100,000 rows.
	n := len(ds)
	cs, steps, us, ids, bs, vs, sts, rs := make([]string, n), make([]int32, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	runs, ups := make([]time.Time, n), make([]time.Time, n)
	for i, d := range ds {
		cs[i], steps[i], us[i], ids[i], bs[i], vs[i], sts[i], rs[i] = d.CampaignID, int32(d.Step), d.UserID, d.ID, d.BrandID, d.Variant, d.State, d.Reason
		runs[i], ups[i] = d.RunAt, d.UpdatedAt
	}
	tag, err := t.tx.Exec(ctx, `INSERT INTO campaign_deliveries (`+sendColumns+`)
		SELECT c, s, u, i, b, v, st, r, ra, '', 0, '', '', up
		FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[])
			AS x(c, s, u, i, b, v, st, r, ra, up)
		ON CONFLICT (campaign_id, step, user_id) DO NOTHING`, cs, steps, us, ids, bs, vs, sts, rs, runs, ups)
	if err != nil {
		return 0, wrap(err, "deliveries")
	}
	return int(tag.RowsAffected()), nil
}

func scanSend(s pgx.Row) (*dm.CampaignSend, error) {
	var d dm.CampaignSend
	if err := s.Scan(&d.CampaignID, &d.Step, &d.UserID, &d.ID, &d.BrandID, &d.Variant, &d.State, &d.Reason, &d.RunAt,
		&d.LeasedBy, &d.Attempts, &d.MessageID, &d.ConversationID, &d.UpdatedAt); err != nil {
		return nil, wrap(err, "delivery")
	}
	d.RunAt, d.UpdatedAt = d.RunAt.UTC(), d.UpdatedAt.UTC()
	return &d, nil
}

func (t *tx) ClaimDeliveries(ctx context.Context, campaignID, worker string, now time.Time, lease time.Duration, limit int) ([]dm.CampaignSend, error) {
	rows, err := t.tx.Query(ctx, `UPDATE campaign_deliveries d SET state = 'sending', leased_by = $1, run_at = $2, attempts = d.attempts + 1, updated_at = $3
		FROM (SELECT step, user_id FROM campaign_deliveries
			WHERE campaign_id = $4 AND state IN ('pending', 'sending') AND run_at <= $3 ORDER BY run_at LIMIT $5 FOR UPDATE SKIP LOCKED) AS due
		WHERE d.campaign_id = $4 AND d.step = due.step AND d.user_id = due.user_id
		RETURNING d.campaign_id, d.step, d.user_id, d.id, d.brand_id, d.variant, d.state, d.reason, d.run_at, d.leased_by, d.attempts,
			d.message_id, d.conversation_id, d.updated_at`, worker, now.Add(lease), now, campaignID, limit)
	if err != nil {
		return nil, wrap(err, "deliveries")
	}
	defer rows.Close()
	var out []dm.CampaignSend
	for rows.Next() {
		d, err := scanSend(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, wrap(rows.Err(), "deliveries")
}

func (t *tx) SettleDelivery(ctx context.Context, d *dm.CampaignSend, worker string, now time.Time) error {
	leasedBy := ""
	if d.State == dm.SendSending {
		leasedBy = worker
	}
	tag, err := t.tx.Exec(ctx, `UPDATE campaign_deliveries SET state = $1, reason = $2, run_at = $3, leased_by = $4, updated_at = $5
		WHERE campaign_id = $6 AND step = $7 AND user_id = $8 AND state = 'sending' AND leased_by = $9`,
		d.State, d.Reason, d.RunAt, leasedBy, now, d.CampaignID, d.Step, d.UserID, worker)
	if err != nil {
		return wrap(err, "delivery")
	}
	if tag.RowsAffected() == 0 {
		return dm.Errorf(dm.ENOTFOUND, "delivery %s is not held by this worker", d.ID)
	}
	return nil
}

func (t *tx) MarkDeliverySent(ctx context.Context, campaignID string, step int, userID, messageID, conversationID string, now time.Time) error {
	_, err := t.tx.Exec(ctx, `UPDATE campaign_deliveries SET state = 'sent', reason = '', leased_by = '', message_id = $1, conversation_id = $2, updated_at = $3
		WHERE campaign_id = $4 AND step = $5 AND user_id = $6`, messageID, conversationID, now, campaignID, step, userID)
	return wrap(err, "delivery")
}

func (t *tx) CampaignSend(ctx context.Context, campaignID string, step int, userID string) (*dm.CampaignSend, error) {
	return scanSend(t.tx.QueryRow(ctx, `SELECT `+sendColumns+` FROM campaign_deliveries WHERE campaign_id = $1 AND step = $2 AND user_id = $3`,
		campaignID, step, userID))
}

func (t *tx) CancelDeliveries(ctx context.Context, campaignID string, now time.Time) (int, error) {
	tag, err := t.tx.Exec(ctx, `UPDATE campaign_deliveries SET state = 'cancelled', updated_at = $1 WHERE campaign_id = $2 AND state = 'pending'`, now, campaignID)
	if err != nil {
		return 0, wrap(err, "deliveries")
	}
	return int(tag.RowsAffected()), nil
}

func (t *tx) DeliveryCounts(ctx context.Context, campaignID string) ([]dm.DeliveryCount, error) {
	rows, err := t.tx.Query(ctx, `SELECT state, reason, count(*) FROM campaign_deliveries WHERE campaign_id = $1 GROUP BY state, reason ORDER BY state, reason`, campaignID)
	if err != nil {
		return nil, wrap(err, "deliveries")
	}
	defer rows.Close()
	out := []dm.DeliveryCount{}
	for rows.Next() {
		var c dm.DeliveryCount
		if err := rows.Scan(&c.State, &c.Reason, &c.Count); err != nil {
			return nil, wrap(err, "deliveries")
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "deliveries")
}

func (t *tx) NextDelivery(ctx context.Context, campaignID string) (*time.Time, error) {
	var at *time.Time
	err := t.tx.QueryRow(ctx, `SELECT min(run_at) FROM campaign_deliveries WHERE campaign_id = $1 AND state IN ('pending', 'sending')`, campaignID).Scan(&at)
	if err != nil {
		return nil, wrap(err, "deliveries")
	}
	return utcPtr(at), nil
}

func (t *tx) CampaignOfMessages(ctx context.Context, messageIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT message_id, campaign_id FROM campaign_messages WHERE message_id = ANY($1)`, messageIDs)
	if err != nil {
		return nil, wrap(err, "campaign messages")
	}
	defer rows.Close()
	for rows.Next() {
		var m, c string
		if err := rows.Scan(&m, &c); err != nil {
			return nil, wrap(err, "campaign messages")
		}
		out[m] = c
	}
	return out, wrap(rows.Err(), "campaign messages")
}

func (t *tx) PutCampaignMessage(ctx context.Context, messageID, campaignID string) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO campaign_messages (message_id, campaign_id) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING`, messageID, campaignID)
	return wrap(err, "campaign message")
}

// The audience lists sort with COLLATE "C", byte order, as Go compares.

func (t *tx) AudienceFollowers(ctx context.Context, brandID string) ([]string, error) {
	// Only people: a brand never runs a campaign at another brand.
	return t.ids(ctx, `SELECT f.follower_id FROM follows f JOIN accounts a ON a.id = f.follower_id
		WHERE f.followee_id = $1 AND a.kind <> 'brand' ORDER BY f.follower_id COLLATE "C"`, brandID)
}

func (t *tx) AudienceLabel(ctx context.Context, brandID, label string) ([]string, error) {
	return t.ids(ctx, `SELECT DISTINCT i.customer_id COLLATE "C" FROM brand_inbox_labels l JOIN brand_inbox i ON i.conversation_id = l.conversation_id
		WHERE l.brand_id = $1 AND l.label = $2 ORDER BY 1`, brandID, label)
}

func (t *tx) AudienceAttribute(ctx context.Context, brandID, key, value string) ([]string, error) {
	return t.ids(ctx, `SELECT customer_id FROM customer_attributes WHERE brand_id = $1 AND key = $2 AND value = $3 ORDER BY customer_id COLLATE "C"`, brandID, key, value)
}

func (t *tx) AudienceWroteSince(ctx context.Context, brandID string, since time.Time) ([]string, error) {
	return t.ids(ctx, `SELECT user_id FROM consent WHERE brand_id = $1 AND last_inbound >= $2 ORDER BY user_id COLLATE "C"`, brandID, since)
}

// DeliveryFacts is Account, Settings, Relationship (recipient to brand) and
// Consent of a batch of recipients in one round trip.
func (t *tx) DeliveryFacts(ctx context.Context, brandID string, userIDs []string) (map[string]*dm.DeliveryFact, error) {
	out := make(map[string]*dm.DeliveryFact, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx, `SELECT `+accountFlagCols+`, a.allow_incoming, a.read_receipts, a.time_zone,
			EXISTS (SELECT 1 FROM follows WHERE follower_id = a.id AND followee_id = $1),
			EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND followee_id = a.id),
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = a.id AND blocked_id = $1),
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = $1 AND blocked_id = a.id),
			c.user_id IS NOT NULL, coalesce(c.opted_in, false), coalesce(c.opted_out, false), c.last_inbound, coalesce(c.unanswered, 0),
			coalesce(c.promos, ''), coalesce(c.updated_at, 'epoch'::timestamptz)
		FROM accounts a LEFT JOIN consent c ON c.brand_id = $1 AND c.user_id = a.id
		WHERE a.id = ANY($2)`, brandID, userIDs)
	if err != nil {
		return nil, wrap(err, "delivery facts")
	}
	defer rows.Close()
	for rows.Next() {
		f := &dm.DeliveryFact{}
		r := &f.Relationship
		var hasConsent bool
		c := dm.Consent{BrandID: brandID}
		var promos string
		f.Account, err = scanFlaggedAccount(rows, &f.Settings.AllowIncoming, &f.Settings.ReadReceipts, &f.Settings.TimeZone,
			&r.AFollowsB, &r.BFollowsA, &r.ABlocksB, &r.BBlocksA,
			&hasConsent, &c.OptedIn, &c.OptedOut, &c.LastInbound, &c.Unanswered, &promos, &c.UpdatedAt)
		if err != nil {
			return nil, wrap(err, "delivery facts")
		}
		if hasConsent {
			c.UserID = f.Account.ID
			c.Promos = parsePromos(promos)
			if c.LastInbound != nil {
				u := c.LastInbound.UTC()
				c.LastInbound = &u
			}
			c.UpdatedAt = c.UpdatedAt.UTC()
			f.Consent = &c
		}
		out[f.Account.ID] = f
	}
	return out, wrap(rows.Err(), "delivery facts")
}

func (t *tx) AudienceFacts(ctx context.Context, brandID string) (*dm.AudienceFacts, error) {
	f := &dm.AudienceFacts{Consents: map[string]*dm.Consent{}, Blocked: map[string]bool{}, Follows: map[string]bool{}, TimeZones: map[string]string{}}
	rows, err := t.tx.Query(ctx, `SELECT user_id, opted_in, opted_out, last_inbound, unanswered, promos, updated_at FROM consent WHERE brand_id = $1`, brandID)
	if err != nil {
		return nil, wrap(err, "audience")
	}
	for rows.Next() {
		c := dm.Consent{BrandID: brandID}
		var promos string
		if err := rows.Scan(&c.UserID, &c.OptedIn, &c.OptedOut, &c.LastInbound, &c.Unanswered, &promos, &c.UpdatedAt); err != nil {
			rows.Close()
			return nil, wrap(err, "audience")
		}
		c.LastInbound, c.UpdatedAt, c.Promos = utcPtr(c.LastInbound), c.UpdatedAt.UTC(), parsePromos(promos)
		f.Consents[c.UserID] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "audience")
	}
	blocked, err := t.ids(ctx, `SELECT blocked_id FROM blocks WHERE blocker_id = $1 UNION SELECT blocker_id FROM blocks WHERE blocked_id = $1`, brandID)
	if err != nil {
		return nil, err
	}
	for _, id := range blocked {
		f.Blocked[id] = true
	}
	fs, err := t.AudienceFollowers(ctx, brandID)
	if err != nil {
		return nil, err
	}
	f.Followers = fs
	for _, id := range fs {
		f.Follows[id] = true
	}
	rows, err = t.tx.Query(ctx, `SELECT a.id, a.time_zone FROM follows x JOIN accounts a ON a.id = x.follower_id WHERE x.followee_id = $1 AND a.time_zone <> ''
		UNION SELECT a.id, a.time_zone FROM consent c JOIN accounts a ON a.id = c.user_id WHERE c.brand_id = $1 AND a.time_zone <> ''`, brandID)
	if err != nil {
		return nil, wrap(err, "audience")
	}
	defer rows.Close()
	for rows.Next() {
		var id, tz string
		if err := rows.Scan(&id, &tz); err != nil {
			return nil, wrap(err, "audience")
		}
		f.TimeZones[id] = tz
	}
	return f, wrap(rows.Err(), "audience")
}

func parsePromos(s string) []time.Time {
	var v []int64
	if json.Unmarshal([]byte(s), &v) != nil || len(v) == 0 {
		return nil
	}
	out := make([]time.Time, len(v))
	for i, x := range v {
		out[i] = time.UnixMilli(x).UTC()
	}
	return out
}

func formatPromos(ts []time.Time) string {
	v := make([]int64, len(ts))
	for i, t := range ts {
		v[i] = t.UnixMilli()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (t *tx) PutRSVP(ctx context.Context, r *dm.RSVP) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO campaign_rsvps (campaign_id, user_id, answer, status, at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (campaign_id, user_id) DO UPDATE SET answer = excluded.answer, status = excluded.status, at = excluded.at`,
		r.CampaignID, r.UserID, r.Answer, r.Status, r.At)
	return wrap(err, "rsvp")
}

func scanRSVP(s pgx.Row, campaignID string) (*dm.RSVP, error) {
	r := dm.RSVP{CampaignID: campaignID}
	if err := s.Scan(&r.UserID, &r.Answer, &r.Status, &r.At); err != nil {
		return nil, wrap(err, "rsvp")
	}
	r.At = r.At.UTC()
	return &r, nil
}

func (t *tx) RSVP(ctx context.Context, campaignID, userID string) (*dm.RSVP, error) {
	return scanRSVP(t.tx.QueryRow(ctx, `SELECT user_id, answer, status, at FROM campaign_rsvps WHERE campaign_id = $1 AND user_id = $2`, campaignID, userID), campaignID)
}

func (t *tx) RSVPTally(ctx context.Context, campaignID string) (*dm.RSVPTally, error) {
	rows, err := t.tx.Query(ctx, `SELECT answer, status, count(*) FROM campaign_rsvps WHERE campaign_id = $1 GROUP BY answer, status`, campaignID)
	if err != nil {
		return nil, wrap(err, "rsvps")
	}
	defer rows.Close()
	out := &dm.RSVPTally{}
	for rows.Next() {
		var answer, status string
		var n int
		if err := rows.Scan(&answer, &status, &n); err != nil {
			return nil, wrap(err, "rsvps")
		}
		switch {
		case answer == "yes" && status == "waitlist":
			out.Waitlist += n
		case answer == "yes":
			out.Yes += n
		case answer == "no":
			out.No += n
		case answer == "maybe":
			out.Maybe += n
		}
	}
	return out, wrap(rows.Err(), "rsvps")
}

func (t *tx) FirstWaitlisted(ctx context.Context, campaignID string) (*dm.RSVP, error) {
	return scanRSVP(t.tx.QueryRow(ctx, `SELECT user_id, answer, status, at FROM campaign_rsvps WHERE campaign_id = $1 AND status = 'waitlist'
		ORDER BY at, user_id COLLATE "C" LIMIT 1`, campaignID), campaignID)
}

func (t *tx) Going(ctx context.Context, campaignID string) ([]string, error) {
	return t.ids(ctx, `SELECT user_id FROM campaign_rsvps WHERE campaign_id = $1 AND status = 'going' ORDER BY at, user_id COLLATE "C"`, campaignID)
}

func (t *tx) AddCodes(ctx context.Context, campaignID string, codes []string) (int, error) {
	tag, err := t.tx.Exec(ctx, `INSERT INTO campaign_codes (campaign_id, code, user_id)
		SELECT $1, c, '' FROM unnest($2::text[]) AS c ON CONFLICT (campaign_id, code) DO NOTHING`, campaignID, codes)
	if err != nil {
		return 0, wrap(err, "codes")
	}
	return int(tag.RowsAffected()), nil
}

func (t *tx) AssignCode(ctx context.Context, campaignID, userID string, now time.Time) (string, error) {
	var code string
	err := t.tx.QueryRow(ctx, `SELECT code FROM campaign_codes WHERE campaign_id = $1 AND user_id = $2`, campaignID, userID).Scan(&code)
	if err == nil {
		return code, nil
	}
	if err != pgx.ErrNoRows {
		return "", wrap(err, "code")
	}
	// SKIP LOCKED: two lanes take two different free codes.
	err = t.tx.QueryRow(ctx, `UPDATE campaign_codes SET user_id = $1, assigned_at = $2 WHERE campaign_id = $3 AND code =
		(SELECT code FROM campaign_codes WHERE campaign_id = $3 AND user_id = '' ORDER BY code LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING code`,
		userID, now, campaignID).Scan(&code)
	return code, wrap(err, "free code")
}

func (t *tx) PutCode(ctx context.Context, c *dm.CampaignCode) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO campaign_codes (campaign_id, code, user_id, assigned_at) VALUES ($1, $2, $3, $4)`,
		c.CampaignID, c.Code, c.UserID, c.AssignedAt)
	return wrap(err, "code")
}

func (t *tx) RedeemCode(ctx context.Context, campaignID, code string, now time.Time) (*dm.CampaignCode, error) {
	c := &dm.CampaignCode{CampaignID: campaignID, Code: code}
	err := t.tx.QueryRow(ctx, `SELECT user_id, assigned_at, redeemed_at FROM campaign_codes WHERE campaign_id = $1 AND code = $2 FOR UPDATE`, campaignID, code).
		Scan(&c.UserID, &c.AssignedAt, &c.RedeemedAt)
	if err != nil {
		return nil, wrap(err, "code")
	}
	if c.UserID == "" {
		return nil, dm.Errorf(dm.ENOTFOUND, "code not given to anyone")
	}
	if c.RedeemedAt != nil {
		return nil, dm.Errorf(dm.ECONFLICT, "code redeemed at %s", c.RedeemedAt.UTC().Format(time.RFC3339))
	}
	if _, err := t.tx.Exec(ctx, `UPDATE campaign_codes SET redeemed_at = $1 WHERE campaign_id = $2 AND code = $3`, now, campaignID, code); err != nil {
		return nil, wrap(err, "code")
	}
	c.AssignedAt, c.RedeemedAt = utcPtr(c.AssignedAt), &now
	return c, nil
}

func (t *tx) CodeTally(ctx context.Context, campaignID string) (*dm.OfferTally, error) {
	o := &dm.OfferTally{}
	err := t.tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE user_id <> ''), count(redeemed_at) FROM campaign_codes WHERE campaign_id = $1`, campaignID).
		Scan(&o.Pool, &o.Assigned, &o.Redeemed)
	return o, wrap(err, "codes")
}

func (t *tx) SentDeliveries(ctx context.Context, campaignID string, step int) ([]dm.CampaignSend, error) {
	return t.deliveriesIn(ctx, campaignID, step, `state = 'sent'`)
}

func (t *tx) UnsentDeliveries(ctx context.Context, campaignID string, step int) ([]dm.CampaignSend, error) {
	return t.deliveriesIn(ctx, campaignID, step, `state IN ('pending', 'sending')`)
}

// deliveriesIn lists a step's deliveries in the states cond names.
func (t *tx) deliveriesIn(ctx context.Context, campaignID string, step int, cond string) ([]dm.CampaignSend, error) {
	rows, err := t.tx.Query(ctx, `SELECT `+sendColumns+` FROM campaign_deliveries WHERE campaign_id = $1 AND step = $2 AND `+cond+` ORDER BY user_id COLLATE "C"`, campaignID, step)
	if err != nil {
		return nil, wrap(err, "deliveries")
	}
	defer rows.Close()
	var out []dm.CampaignSend
	for rows.Next() {
		d, err := scanSend(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, wrap(rows.Err(), "deliveries")
}

func (t *tx) StepPlanned(ctx context.Context, campaignID string, step int) (bool, error) {
	var ok bool
	err := t.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaign_deliveries WHERE campaign_id = $1 AND step = $2)`, campaignID, step).Scan(&ok)
	return ok, wrap(err, "deliveries")
}
