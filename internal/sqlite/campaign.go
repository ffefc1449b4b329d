package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Campaigns and their deliveries (dm.CampaignTx). Claims go through the
// single writer, so two workers never take the same delivery.

const campaignColumns = `id, brand_id, name, type, status, audience, steps, rate_per_minute, start_at, generation, targeted, planned_at, created_by, created_at, updated_at, event, offer, survey_id`

func (t *tx) CreateCampaign(ctx context.Context, c *dm.Campaign) error {
	_, err := t.exec(ctx, `INSERT INTO campaigns (`+campaignColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.BrandID, c.Name, c.Type, c.Status, string(c.Audience), string(c.Steps), c.RatePerMinute, nullMS(c.StartAt),
		c.Generation, c.Targeted, nullMS(c.PlannedAt), c.CreatedBy, ms(c.CreatedAt), ms(c.UpdatedAt), string(c.Event), string(c.Offer), c.SurveyID)
	return wrap(err, "campaign")
}

func (t *tx) PutCampaign(ctx context.Context, c *dm.Campaign) error {
	n, err := t.affected(ctx, `UPDATE campaigns SET name = ?, type = ?, status = ?, audience = ?, steps = ?, rate_per_minute = ?,
		start_at = ?, generation = ?, targeted = ?, planned_at = ?, updated_at = ?, event = ?, offer = ?, survey_id = ? WHERE id = ?`,
		c.Name, c.Type, c.Status, string(c.Audience), string(c.Steps), c.RatePerMinute, nullMS(c.StartAt),
		c.Generation, c.Targeted, nullMS(c.PlannedAt), ms(c.UpdatedAt), string(c.Event), string(c.Offer), c.SurveyID, c.ID)
	if err != nil {
		return wrap(err, "campaign")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "campaign %s", c.ID)
	}
	return nil
}

func scanCampaign(s interface{ Scan(...any) error }) (*dm.Campaign, error) {
	var c dm.Campaign
	var aud, steps, event, offer string
	var start, planned sql.NullInt64
	var created, updated int64
	if err := s.Scan(&c.ID, &c.BrandID, &c.Name, &c.Type, &c.Status, &aud, &steps, &c.RatePerMinute, &start,
		&c.Generation, &c.Targeted, &planned, &c.CreatedBy, &created, &updated, &event, &offer, &c.SurveyID); err != nil {
		return nil, wrap(err, "campaign")
	}
	c.Audience, c.Steps = json.RawMessage(aud), json.RawMessage(steps)
	if event != "" {
		c.Event = json.RawMessage(event)
	}
	if offer != "" {
		c.Offer = json.RawMessage(offer)
	}
	c.StartAt, c.PlannedAt = nullUTC(start), nullUTC(planned)
	c.CreatedAt, c.UpdatedAt = utc(created), utc(updated)
	return &c, nil
}

func (t *tx) Campaign(ctx context.Context, id string) (*dm.Campaign, error) {
	return scanCampaign(t.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE id = ?`, id))
}

func (t *tx) Campaigns(ctx context.Context, brandID string, limit int) ([]dm.Campaign, error) {
	rows, err := t.query(ctx, `SELECT `+campaignColumns+` FROM campaigns WHERE brand_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
		brandID, limitOr(limit, 50))
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
	total := 0
	// Many rows per statement: a plan writes 100,000 of them.
	const per = 60
	for len(ds) > 0 {
		n := min(per, len(ds))
		q := `INSERT INTO campaign_deliveries (` + sendColumns + `) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0, '', '', ?),", n), ",") +
			` ON CONFLICT (campaign_id, step, user_id) DO NOTHING`
		args := make([]any, 0, n*10)
		for _, d := range ds[:n] {
			args = append(args, d.CampaignID, d.Step, d.UserID, d.ID, d.BrandID, d.Variant, d.State, d.Reason, ms(d.RunAt), ms(d.UpdatedAt))
		}
		k, err := t.affected(ctx, q, args...)
		if err != nil {
			return total, wrap(err, "deliveries")
		}
		total += int(k)
		ds = ds[n:]
	}
	return total, nil
}

func scanSend(s interface{ Scan(...any) error }) (*dm.CampaignSend, error) {
	var d dm.CampaignSend
	var runAt, updated int64
	if err := s.Scan(&d.CampaignID, &d.Step, &d.UserID, &d.ID, &d.BrandID, &d.Variant, &d.State, &d.Reason, &runAt,
		&d.LeasedBy, &d.Attempts, &d.MessageID, &d.ConversationID, &updated); err != nil {
		return nil, wrap(err, "delivery")
	}
	d.RunAt, d.UpdatedAt = utc(runAt), utc(updated)
	return &d, nil
}

func (t *tx) ClaimDeliveries(ctx context.Context, campaignID, worker string, now time.Time, lease time.Duration, limit int) ([]dm.CampaignSend, error) {
	rows, err := t.query(ctx, `UPDATE campaign_deliveries SET state = 'sending', leased_by = ?, run_at = ?, attempts = attempts + 1, updated_at = ?
		WHERE campaign_id = ? AND (step, user_id) IN (SELECT step, user_id FROM campaign_deliveries
			WHERE campaign_id = ? AND state IN ('pending', 'sending') AND run_at <= ? ORDER BY run_at LIMIT ?)
		RETURNING `+sendColumns, worker, ms(now.Add(lease)), ms(now), campaignID, campaignID, ms(now), limit)
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
	n, err := t.affected(ctx, `UPDATE campaign_deliveries SET state = ?, reason = ?, run_at = ?, leased_by = ?, updated_at = ?
		WHERE campaign_id = ? AND step = ? AND user_id = ? AND state = 'sending' AND leased_by = ?`,
		d.State, d.Reason, ms(d.RunAt), leasedBy, ms(now), d.CampaignID, d.Step, d.UserID, worker)
	if err != nil {
		return wrap(err, "delivery")
	}
	if n == 0 {
		return dm.Errorf(dm.ENOTFOUND, "delivery %s is not held by this worker", d.ID)
	}
	return nil
}

func (t *tx) MarkDeliverySent(ctx context.Context, campaignID string, step int, userID, messageID, conversationID string, now time.Time) error {
	_, err := t.exec(ctx, `UPDATE campaign_deliveries SET state = 'sent', reason = '', leased_by = '', message_id = ?, conversation_id = ?, updated_at = ?
		WHERE campaign_id = ? AND step = ? AND user_id = ?`, messageID, conversationID, ms(now), campaignID, step, userID)
	return wrap(err, "delivery")
}

func (t *tx) CampaignSend(ctx context.Context, campaignID string, step int, userID string) (*dm.CampaignSend, error) {
	return scanSend(t.queryRow(ctx, `SELECT `+sendColumns+` FROM campaign_deliveries WHERE campaign_id = ? AND step = ? AND user_id = ?`,
		campaignID, step, userID))
}

func (t *tx) CancelDeliveries(ctx context.Context, campaignID string, now time.Time) (int, error) {
	n, err := t.affected(ctx, `UPDATE campaign_deliveries SET state = 'cancelled', updated_at = ? WHERE campaign_id = ? AND state = 'pending'`,
		ms(now), campaignID)
	return int(n), wrap(err, "deliveries")
}

func (t *tx) DeliveryCounts(ctx context.Context, campaignID string) ([]dm.DeliveryCount, error) {
	rows, err := t.query(ctx, `SELECT state, reason, count(*) FROM campaign_deliveries WHERE campaign_id = ? GROUP BY state, reason ORDER BY state, reason`, campaignID)
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
	var at sql.NullInt64
	err := t.queryRow(ctx, `SELECT min(run_at) FROM campaign_deliveries WHERE campaign_id = ? AND state IN ('pending', 'sending')`, campaignID).Scan(&at)
	if err != nil {
		return nil, wrap(err, "deliveries")
	}
	return nullUTC(at), nil
}

func (t *tx) CampaignOfMessages(ctx context.Context, messageIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(messageIDs))
	for i, id := range messageIDs {
		args[i] = id
	}
	rows, err := t.query(ctx, `SELECT message_id, campaign_id FROM campaign_messages WHERE message_id IN (?`+strings.Repeat(", ?", len(messageIDs)-1)+`)`, args...)
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
	_, err := t.exec(ctx, `INSERT INTO campaign_messages (message_id, campaign_id) VALUES (?, ?) ON CONFLICT (message_id) DO NOTHING`, messageID, campaignID)
	return wrap(err, "campaign message")
}

// ids runs a query of one text column.
// AudienceFollowers sorts in Go, not with ORDER BY: the index walked is
// (followee_id, id), so SQLite would sort in a temporary B-tree, which
// costs more than the read itself at 100,000 followers. Go's string order
// is SQLite's BINARY collation: bytes compared.
func (t *tx) AudienceFollowers(ctx context.Context, brandID string) ([]string, error) {
	// Only people: a brand never runs a campaign at another brand.
	ids, err := t.ids(ctx, `SELECT f.follower_id FROM follows f JOIN accounts a ON a.id = f.follower_id
		WHERE f.followee_id = ? AND a.kind <> 'brand'`, brandID)
	slices.Sort(ids)
	return ids, err
}

func (t *tx) AudienceLabel(ctx context.Context, brandID, label string) ([]string, error) {
	return t.ids(ctx, `SELECT DISTINCT i.customer_id FROM brand_inbox_labels l JOIN brand_inbox i ON i.conversation_id = l.conversation_id
		WHERE l.brand_id = ? AND l.label = ? ORDER BY i.customer_id`, brandID, label)
}

func (t *tx) AudienceAttribute(ctx context.Context, brandID, key, value string) ([]string, error) {
	return t.ids(ctx, `SELECT customer_id FROM customer_attributes WHERE brand_id = ? AND key = ? AND value = ? ORDER BY customer_id`, brandID, key, value)
}

func (t *tx) AudienceWroteSince(ctx context.Context, brandID string, since time.Time) ([]string, error) {
	return t.ids(ctx, `SELECT user_id FROM consent WHERE brand_id = ? AND last_inbound >= ? ORDER BY user_id`, brandID, ms(since))
}

func (t *tx) AudienceFacts(ctx context.Context, brandID string) (*dm.AudienceFacts, error) {
	f := &dm.AudienceFacts{Consents: map[string]*dm.Consent{}, Blocked: map[string]bool{}, Follows: map[string]bool{}, Followers: []string{},
		TimeZones: map[string]string{}}
	rows, err := t.query(ctx, `SELECT user_id, opted_in, opted_out, last_inbound, unanswered, promos, updated_at FROM consent WHERE brand_id = ?`, brandID)
	if err != nil {
		return nil, wrap(err, "audience")
	}
	for rows.Next() {
		c := dm.Consent{BrandID: brandID}
		var last sql.NullInt64
		var promos string
		var updated int64
		if err := rows.Scan(&c.UserID, &c.OptedIn, &c.OptedOut, &last, &c.Unanswered, &promos, &updated); err != nil {
			rows.Close()
			return nil, wrap(err, "audience")
		}
		c.LastInbound, c.UpdatedAt, c.Promos = nullUTC(last), utc(updated), parsePromos(promos)
		f.Consents[c.UserID] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "audience")
	}
	blocked, err := t.ids(ctx, `SELECT blocked_id FROM blocks WHERE blocker_id = ? UNION SELECT blocker_id FROM blocks WHERE blocked_id = ?`, brandID, brandID)
	if err != nil {
		return nil, err
	}
	for _, id := range blocked {
		f.Blocked[id] = true
	}
	// The followers (AudienceFollowers: people only) and the time zones of
	// all of them in one pass over the brand's follows.
	rows, err = t.query(ctx, `SELECT f.follower_id, a.kind <> 'brand', a.time_zone FROM follows f JOIN accounts a ON a.id = f.follower_id
		WHERE f.followee_id = ?`, brandID)
	if err != nil {
		return nil, wrap(err, "audience")
	}
	for rows.Next() {
		var id, tz string
		var person bool
		if err := rows.Scan(&id, &person, &tz); err != nil {
			rows.Close()
			return nil, wrap(err, "audience")
		}
		if person {
			f.Follows[id] = true
			f.Followers = append(f.Followers, id)
		}
		if tz != "" {
			f.TimeZones[id] = tz
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "audience")
	}
	slices.Sort(f.Followers)
	rows, err = t.query(ctx, `SELECT a.id, a.time_zone FROM consent c JOIN accounts a ON a.id = c.user_id WHERE c.brand_id = ? AND a.time_zone <> ''`, brandID)
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

// DeliveryFacts is Account, Settings, Relationship (recipient to brand) and
// Consent of a batch of recipients in one statement.
func (t *tx) DeliveryFacts(ctx context.Context, brandID string, userIDs []string) (map[string]*dm.DeliveryFact, error) {
	out := make(map[string]*dm.DeliveryFact, len(userIDs))
	if len(userIDs) == 0 {
		return out, nil
	}
	ids, err := json.Marshal(userIDs)
	if err != nil {
		return nil, err
	}
	rows, err := t.query(ctx, `SELECT `+accountFlagColumns+`, a.allow_incoming, a.read_receipts, a.time_zone,
			EXISTS (SELECT 1 FROM follows WHERE follower_id = a.id AND followee_id = ?1),
			EXISTS (SELECT 1 FROM follows WHERE follower_id = ?1 AND followee_id = a.id),
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = a.id AND blocked_id = ?1),
			EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ?1 AND blocked_id = a.id),
			c.user_id IS NOT NULL, coalesce(c.opted_in, 0), coalesce(c.opted_out, 0), c.last_inbound, coalesce(c.unanswered, 0),
			coalesce(c.promos, ''), coalesce(c.updated_at, 0)
		FROM accounts a LEFT JOIN consent c ON c.brand_id = ?1 AND c.user_id = a.id
		WHERE a.id IN (SELECT value FROM json_each(?2))`, brandID, string(ids))
	if err != nil {
		return nil, wrap(err, "delivery facts")
	}
	defer rows.Close()
	for rows.Next() {
		f := &dm.DeliveryFact{}
		r := &f.Relationship
		var hasConsent bool
		c := dm.Consent{BrandID: brandID}
		var last sql.NullInt64
		var promos string
		var updated int64
		f.Account, err = scanFlaggedAccount(rows, &f.Settings.AllowIncoming, &f.Settings.ReadReceipts, &f.Settings.TimeZone,
			&r.AFollowsB, &r.BFollowsA, &r.ABlocksB, &r.BBlocksA,
			&hasConsent, &c.OptedIn, &c.OptedOut, &last, &c.Unanswered, &promos, &updated)
		if err != nil {
			return nil, wrap(err, "delivery facts")
		}
		if hasConsent {
			c.UserID = f.Account.ID
			c.LastInbound, c.UpdatedAt, c.Promos = nullUTC(last), utc(updated), parsePromos(promos)
			f.Consent = &c
		}
		out[f.Account.ID] = f
	}
	return out, wrap(rows.Err(), "delivery facts")
}

// parsePromos reads the stored promotional times (Unix ms, JSON).
func parsePromos(s string) []time.Time {
	var v []int64
	if json.Unmarshal([]byte(s), &v) != nil || len(v) == 0 {
		return nil
	}
	out := make([]time.Time, len(v))
	for i, x := range v {
		out[i] = utc(x)
	}
	return out
}

func formatPromos(ts []time.Time) string {
	v := make([]int64, len(ts))
	for i, t := range ts {
		v[i] = ms(t)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (t *tx) PutRSVP(ctx context.Context, r *dm.RSVP) error {
	_, err := t.exec(ctx, `INSERT INTO campaign_rsvps (campaign_id, user_id, answer, status, at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (campaign_id, user_id) DO UPDATE SET answer = excluded.answer, status = excluded.status, at = excluded.at`,
		r.CampaignID, r.UserID, r.Answer, r.Status, ms(r.At))
	return wrap(err, "rsvp")
}

func scanRSVP(s interface{ Scan(...any) error }, campaignID string) (*dm.RSVP, error) {
	r := dm.RSVP{CampaignID: campaignID}
	var at int64
	if err := s.Scan(&r.UserID, &r.Answer, &r.Status, &at); err != nil {
		return nil, wrap(err, "rsvp")
	}
	r.At = utc(at)
	return &r, nil
}

func (t *tx) RSVP(ctx context.Context, campaignID, userID string) (*dm.RSVP, error) {
	return scanRSVP(t.queryRow(ctx, `SELECT user_id, answer, status, at FROM campaign_rsvps WHERE campaign_id = ? AND user_id = ?`, campaignID, userID), campaignID)
}

func (t *tx) RSVPTally(ctx context.Context, campaignID string) (*dm.RSVPTally, error) {
	rows, err := t.query(ctx, `SELECT answer, status, count(*) FROM campaign_rsvps WHERE campaign_id = ? GROUP BY answer, status`, campaignID)
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
		tallyAdd(out, answer, status, n)
	}
	return out, wrap(rows.Err(), "rsvps")
}

// tallyAdd counts n answers of one kind.
func tallyAdd(t *dm.RSVPTally, answer, status string, n int) {
	switch {
	case answer == "yes" && status == "waitlist":
		t.Waitlist += n
	case answer == "yes":
		t.Yes += n
	case answer == "no":
		t.No += n
	case answer == "maybe":
		t.Maybe += n
	}
}

func (t *tx) FirstWaitlisted(ctx context.Context, campaignID string) (*dm.RSVP, error) {
	return scanRSVP(t.queryRow(ctx, `SELECT user_id, answer, status, at FROM campaign_rsvps WHERE campaign_id = ? AND status = 'waitlist'
		ORDER BY at, user_id LIMIT 1`, campaignID), campaignID)
}

func (t *tx) Going(ctx context.Context, campaignID string) ([]string, error) {
	return t.ids(ctx, `SELECT user_id FROM campaign_rsvps WHERE campaign_id = ? AND status = 'going' ORDER BY at, user_id`, campaignID)
}

func (t *tx) AddCodes(ctx context.Context, campaignID string, codes []string) (int, error) {
	total := 0
	const per = 200
	for len(codes) > 0 {
		n := min(per, len(codes))
		args := make([]any, 0, 2*n)
		for _, c := range codes[:n] {
			args = append(args, campaignID, c)
		}
		k, err := t.affected(ctx, `INSERT INTO campaign_codes (campaign_id, code, user_id) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ''),", n), ",")+` ON CONFLICT (campaign_id, code) DO NOTHING`, args...)
		if err != nil {
			return total, wrap(err, "codes")
		}
		total += int(k)
		codes = codes[n:]
	}
	return total, nil
}

func (t *tx) AssignCode(ctx context.Context, campaignID, userID string, now time.Time) (string, error) {
	var code string
	err := t.queryRow(ctx, `SELECT code FROM campaign_codes WHERE campaign_id = ? AND user_id = ?`, campaignID, userID).Scan(&code)
	if err == nil {
		return code, nil
	}
	if !dm.IsCode(err, dm.ENOTFOUND) && err != sql.ErrNoRows {
		return "", wrap(err, "code")
	}
	err = t.queryRow(ctx, `UPDATE campaign_codes SET user_id = ?, assigned_at = ? WHERE campaign_id = ? AND code =
		(SELECT code FROM campaign_codes WHERE campaign_id = ? AND user_id = '' ORDER BY code LIMIT 1) RETURNING code`,
		userID, ms(now), campaignID, campaignID).Scan(&code)
	return code, wrap(err, "free code")
}

func (t *tx) PutCode(ctx context.Context, c *dm.CampaignCode) error {
	_, err := t.exec(ctx, `INSERT INTO campaign_codes (campaign_id, code, user_id, assigned_at) VALUES (?, ?, ?, ?)`,
		c.CampaignID, c.Code, c.UserID, nullMS(c.AssignedAt))
	return wrap(err, "code")
}

func (t *tx) RedeemCode(ctx context.Context, campaignID, code string, now time.Time) (*dm.CampaignCode, error) {
	c := &dm.CampaignCode{CampaignID: campaignID, Code: code}
	var assigned, redeemed sql.NullInt64
	err := t.queryRow(ctx, `SELECT user_id, assigned_at, redeemed_at FROM campaign_codes WHERE campaign_id = ? AND code = ?`, campaignID, code).
		Scan(&c.UserID, &assigned, &redeemed)
	if err != nil {
		return nil, wrap(err, "code")
	}
	if c.UserID == "" {
		return nil, dm.Errorf(dm.ENOTFOUND, "code not given to anyone")
	}
	if redeemed.Valid {
		return nil, dm.Errorf(dm.ECONFLICT, "code redeemed at %s", utc(redeemed.Int64).Format(time.RFC3339))
	}
	if _, err := t.exec(ctx, `UPDATE campaign_codes SET redeemed_at = ? WHERE campaign_id = ? AND code = ?`, ms(now), campaignID, code); err != nil {
		return nil, wrap(err, "code")
	}
	c.AssignedAt, c.RedeemedAt = nullUTC(assigned), &now
	return c, nil
}

func (t *tx) CodeTally(ctx context.Context, campaignID string) (*dm.OfferTally, error) {
	o := &dm.OfferTally{}
	err := t.queryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE user_id <> ''), count(redeemed_at) FROM campaign_codes WHERE campaign_id = ?`, campaignID).
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
	rows, err := t.query(ctx, `SELECT `+sendColumns+` FROM campaign_deliveries WHERE campaign_id = ? AND step = ? AND `+cond+` ORDER BY user_id`, campaignID, step)
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
	err := t.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM campaign_deliveries WHERE campaign_id = ? AND step = ?)`, campaignID, step).Scan(&ok)
	return ok, wrap(err, "deliveries")
}
