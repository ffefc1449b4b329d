package brand

import (
	"context"
	"encoding/csv"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Analytics definitions (the API documents the same):
//
//   - A thread is a stretch of a conversation from the customer message that
//     opened (or reopened, after resolution) it. A period's conversations are
//     the threads opened in it.
//   - First response time is from the opening customer message to the first
//     brand message written by a person (automated messages do not count);
//     "business" counts only the time within business hours.
//   - Response rate is responded threads / threads opened in the period.
//   - Median: the middle value, or the mean of the two middle values; p90:
//     the nearest-rank 90th percentile (the ceil(0.9 n)-th smallest).
//   - Days are calendar days in the brand's time zone.

// The report's types are the wire types of internal/dm.
type (
	Durations  = dm.Durations
	Stats      = dm.AnalyticsStats
	AgentStats = dm.AgentAnalytics
	Day        = dm.AnalyticsDay
	Report     = dm.AnalyticsReport
)

// maxPeriod bounds an analytics period.
const maxPeriod = 366 * 24 * time.Hour

// Analytics computes a brand's report over [from, to) for a team member.
// Zero times default to the seven days up to now.
func (s *Service) Analytics(ctx context.Context, me *dm.Account, handle string, from, to time.Time) (*Report, error) {
	if to.IsZero() {
		to = s.now()
	}
	if from.IsZero() {
		from = to.Add(-7 * 24 * time.Hour)
	}
	if !from.Before(to) || to.Sub(from) > maxPeriod {
		return nil, dm.Errorf(dm.EINVALID, "from must be before to, at most 366 days apart.")
	}
	var r *Report
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		r, err = s.report(ctx, tx, a.brand, from.UTC(), to.UTC(), true)
		return err
	})
	return r, err
}

// report computes the figures; perAgent adds the messages, the agents and
// the days (without it, only the thread figures the badge needs).
func (s *Service) report(ctx context.Context, tx dm.Tx, b *dm.Account, from, to time.Time, perAgent bool) (*Report, error) {
	set, err := loadSettings(ctx, tx, b.ID)
	if err != nil {
		return nil, err
	}
	sc := newSchedule(set)
	ths, err := tx.Threads(ctx, b.ID, from, to)
	if err != nil {
		return nil, err
	}
	// The badge needs threads only; messages are read for the full report.
	var msgs []dm.BrandMessage
	if perAgent {
		if msgs, err = tx.BrandMessages(ctx, b.ID, from, to); err != nil {
			return nil, err
		}
	}
	in := func(t *time.Time) bool { return t != nil && !t.Before(from) && t.Before(to) }
	r := &Report{Brand: b.Handle, From: from, To: to, TimeZone: sc.loc.String(), Agents: []AgentStats{}, Days: []Day{}}

	// The brand's figures.
	var frt, frtBiz []time.Duration
	for _, th := range ths {
		if in(th.ResolvedAt) {
			r.Summary.Resolved++
		}
		if !in(&th.OpenedAt) {
			continue
		}
		r.Summary.Conversations++
		if th.FirstResponseAt != nil {
			r.Summary.Responded++
			frt = append(frt, th.FirstResponseAt.Sub(th.OpenedAt))
			frtBiz = append(frtBiz, sc.businessDuration(th.OpenedAt, *th.FirstResponseAt))
		}
	}
	countMessages(&r.Summary, msgs, "")
	finish(&r.Summary, frt, frtBiz)
	if !perAgent {
		return r, nil
	}
	if err := botAnalytics(ctx, tx, b.ID, &r.Bot, ths, msgs, from, to, in); err != nil {
		return nil, err
	}

	// Each agent: the current team, then anyone else found in the data.
	var ids []string
	team, err := tx.TeamMembers(ctx, b.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range team {
		ids = append(ids, m.UserID)
	}
	seen := func(id string) {
		if id != "" && id != b.ID && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, th := range ths {
		seen(th.AssigneeID)
		seen(th.FirstResponderID)
		seen(th.ResolverID)
	}
	for _, m := range msgs {
		seen(m.AgentID)
	}
	for _, id := range ids {
		acc, err := tx.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		as := AgentStats{Agent: acc.Profile()}
		var frt, frtBiz []time.Duration
		for _, th := range ths {
			if in(th.ResolvedAt) && th.ResolverID == id {
				as.Resolved++
			}
			if !in(&th.OpenedAt) {
				continue
			}
			if th.AssigneeID == id {
				as.Conversations++
				if th.FirstResponseAt != nil {
					as.Responded++
				}
			}
			if th.FirstResponseAt != nil && th.FirstResponderID == id {
				frt = append(frt, th.FirstResponseAt.Sub(th.OpenedAt))
				frtBiz = append(frtBiz, sc.businessDuration(th.OpenedAt, *th.FirstResponseAt))
			}
		}
		countMessages(&as.AnalyticsStats, msgs, id)
		finish(&as.AnalyticsStats, frt, frtBiz)
		r.Agents = append(r.Agents, as)
	}

	// Each calendar day of the period, in the brand's time zone.
	index := map[string]int{}
	for d := from.In(sc.loc); d.Before(to); {
		key := d.Format(time.DateOnly)
		index[key] = len(r.Days)
		r.Days = append(r.Days, Day{Date: key})
		y, m, dd := d.Date()
		d = time.Date(y, m, dd+1, 0, 0, 0, 0, sc.loc)
	}
	bump := func(t time.Time, f func(*Day)) {
		if i, ok := index[sc.day(t)]; ok {
			f(&r.Days[i])
		}
	}
	for _, th := range ths {
		if in(&th.OpenedAt) {
			bump(th.OpenedAt, func(d *Day) { d.Opened++ })
		}
		if in(th.ResolvedAt) {
			bump(*th.ResolvedAt, func(d *Day) { d.Resolved++ })
		}
	}
	for _, m := range msgs {
		if m.Direction == dm.DirectionIn {
			bump(m.At, func(d *Day) { d.MessagesIn++ })
		} else {
			bump(m.At, func(d *Day) { d.MessagesOut++ })
		}
	}
	return r, nil
}

// countMessages counts messages in and out; for an agent (agentID not "")
// only the messages they wrote.
func countMessages(st *Stats, msgs []dm.BrandMessage, agentID string) {
	for _, m := range msgs {
		if agentID != "" && m.AgentID != agentID {
			continue
		}
		switch {
		case m.Direction == dm.DirectionIn:
			st.MessagesIn++
		case m.Automated:
			st.MessagesOut++
			st.MessagesAutomated++
		default:
			st.MessagesOut++
		}
	}
}

func finish(st *Stats, frt, frtBiz []time.Duration) {
	if st.Conversations > 0 {
		st.ResponseRate = ptr(float64(st.Responded) / float64(st.Conversations))
	}
	st.FirstResponse = summarize(frt)
	st.FirstResponseBusiness = summarize(frtBiz)
}

func summarize(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	slices.Sort(ds)
	n := len(ds)
	med := ds[n/2].Seconds()
	if n%2 == 0 {
		med = (ds[n/2-1].Seconds() + ds[n/2].Seconds()) / 2
	}
	rank := int(math.Ceil(0.9 * float64(n)))
	return Durations{Median: ptr(med), P90: ptr(ds[rank-1].Seconds())}
}

// Very responsive: the badge rule the big platforms use.
const (
	badgeWindow   = 7 * 24 * time.Hour
	badgeRate     = 0.9
	badgeResponse = 15 * time.Minute
)

// VeryResponsive reports whether a brand earned the badge: over the last
// seven days, a response rate of at least 90% and a median first response
// of at most 15 minutes (and at least one conversation). Anyone may ask:
// the badge is public. Verdicts are cached for badgeTTL.
func (s *Service) VeryResponsive(ctx context.Context, b *dm.Account) (bool, error) {
	if b.Kind != dm.KindBrand {
		return false, nil
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.badges[b.ID]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.on, nil
	}
	var on bool
	err := s.store.View(ctx, func(tx dm.Tx) error {
		r, err := s.report(ctx, tx, b, now.Add(-badgeWindow), now, false)
		if err != nil {
			return err
		}
		st := r.Summary
		on = st.ResponseRate != nil && *st.ResponseRate >= badgeRate &&
			st.FirstResponse.Median != nil && *st.FirstResponse.Median <= badgeResponse.Seconds()
		return nil
	})
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	s.badges[b.ID] = badge{on: on, expires: now.Add(badgeTTL)}
	s.mu.Unlock()
	return on, nil
}

// WriteCSV writes the report as CSV: table "summary" (the brand, then one
// row per agent) or "days" (one row per day).
func WriteCSV(w io.Writer, r *Report, table string) error {
	cw := csv.NewWriter(w)
	num := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	switch table {
	case "days":
		cw.Write([]string{"date", "opened", "resolved", "messages_in", "messages_out"})
		for _, d := range r.Days {
			cw.Write([]string{d.Date, strconv.Itoa(d.Opened), strconv.Itoa(d.Resolved), strconv.Itoa(d.MessagesIn), strconv.Itoa(d.MessagesOut)})
		}
	default:
		cw.Write([]string{"scope", "handle", "conversations", "responded", "response_rate",
			"first_response_median_s", "first_response_p90_s", "first_response_business_median_s", "first_response_business_p90_s",
			"resolved", "messages_in", "messages_out", "messages_automated"})
		row := func(scope, handle string, st Stats) {
			cw.Write([]string{scope, handle, strconv.Itoa(st.Conversations), strconv.Itoa(st.Responded), num(st.ResponseRate),
				num(st.FirstResponse.Median), num(st.FirstResponse.P90), num(st.FirstResponseBusiness.Median), num(st.FirstResponseBusiness.P90),
				strconv.Itoa(st.Resolved), strconv.Itoa(st.MessagesIn), strconv.Itoa(st.MessagesOut), strconv.Itoa(st.MessagesAutomated)})
		}
		row("brand", r.Brand, r.Summary)
		for _, a := range r.Agents {
			row("agent", a.Agent.Handle, a.AnalyticsStats)
		}
	}
	cw.Flush()
	return cw.Error()
}

// botAnalytics counts what the bot did: threads it answered, hand-offs, and
// threads resolved with no person of the team writing.
func botAnalytics(ctx context.Context, tx dm.Tx, brandID string, out *dm.BotAnalytics, ths []dm.Thread, msgs []dm.BrandMessage,
	from, to time.Time, in func(*time.Time) bool) error {
	bot := map[string][]time.Time{} // conversation -> times of automated answers
	for _, m := range msgs {
		if m.Direction == dm.DirectionOut && m.Automated {
			bot[m.ConversationID] = append(bot[m.ConversationID], m.At)
		}
	}
	for _, th := range ths {
		end := to
		if th.ResolvedAt != nil {
			end = *th.ResolvedAt
		}
		answered := slices.ContainsFunc(bot[th.ConversationID], func(t time.Time) bool { return !t.Before(th.OpenedAt) && !t.After(end) })
		if answered && in(&th.OpenedAt) {
			out.AnsweredByBot++
		}
		if answered && in(th.ResolvedAt) && th.FirstResponseAt == nil {
			out.ResolvedWithoutHuman++
		}
	}
	var err error
	out.HandedOff, err = tx.CountAutomationLog(ctx, brandID, "handoff", from, to)
	return err
}
