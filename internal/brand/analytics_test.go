package brand_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
)

// TestAnalytics computes a report over a seeded week whose answers are
// worked out by hand below.
func TestAnalytics(t *testing.T) { stores(t, testAnalytics) }

func testAnalytics(t *testing.T, open func(t *testing.T) dm.Store) {
	// Monday 2 November 2026 to Monday 9 November, UTC.
	from := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	to := from.Add(7 * 24 * time.Hour)
	w := newWorld(t, to, open)
	ctx := context.Background()
	acme := w.account("acme", "Acme", dm.KindBrand)
	bob := w.account("bob", "Bob", dm.KindPerson)
	carol := w.account("carol", "Carol", dm.KindPerson)
	must(w.brand.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent))
	must(w.brand.AddMember(ctx, acme, "acme", "carol", dm.TeamAgent))
	// Monday to Friday, 09:00-17:00 UTC.
	var spans []dm.OpenSpan
	for d := 1; d <= 5; d++ {
		spans = append(spans, dm.OpenSpan{Day: d, Open: 9 * 60, Close: 17 * 60})
	}
	must(w.brand.PutSettings(ctx, acme, "acme", dm.BrandSettings{TimeZone: "UTC", HoursEnabled: true, Hours: spans}))

	at := func(day, hour, minute int) time.Time {
		return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC)
	}
	tp := func(v time.Time) *time.Time { return &v }
	// The threads, with first responses after 5, 20, 10 and 60 minutes
	// (business hours: 5, 10, 10, 60) and one unanswered:
	//   t1 Mon 10:00 bob answers +5m, resolves Mon 11:00
	//   t2 Mon 16:50 bob answers +20m (17:10; 10m in hours)
	//   t3 Tue 09:00 carol answers +10m, resolves Wed 10:00
	//   t4 Tue 12:00 carol answers +60m
	//   t5 Wed 08:00 assigned to bob, unanswered (an automated reply only)
	//   t6 opened before the period, resolved by bob Tue 10:00
	type seed struct {
		th   dm.Thread
		resp time.Duration
	}
	seeds := []seed{
		{dm.Thread{OpenedAt: at(2, 10, 0), AssigneeID: bob.ID, FirstResponderID: bob.ID, ResolvedAt: tp(at(2, 11, 0)), ResolverID: bob.ID}, 5 * time.Minute},
		{dm.Thread{OpenedAt: at(2, 16, 50), AssigneeID: bob.ID, FirstResponderID: bob.ID}, 20 * time.Minute},
		{dm.Thread{OpenedAt: at(3, 9, 0), AssigneeID: carol.ID, FirstResponderID: carol.ID, ResolvedAt: tp(at(4, 10, 0)), ResolverID: carol.ID}, 10 * time.Minute},
		{dm.Thread{OpenedAt: at(3, 12, 0), AssigneeID: carol.ID, FirstResponderID: carol.ID}, 60 * time.Minute},
		{dm.Thread{OpenedAt: at(4, 8, 0), AssigneeID: bob.ID}, 0},
		{dm.Thread{OpenedAt: at(1, 8, 0).AddDate(0, 0, -3), AssigneeID: bob.ID, ResolvedAt: tp(at(3, 10, 0)), ResolverID: bob.ID}, 0},
	}
	convIDs := make([]string, len(seeds))
	for i := range seeds {
		cust := w.account("cust"+string(rune('a'+i)), "Customer", dm.KindPerson)
		conv, _ := must2(w.chat.CreateConversation(ctx, cust, []string{"acme"}, ""))
		convIDs[i] = conv.ID
	}
	err := w.store.Update(ctx, func(tx dm.Tx) error {
		for i, s := range seeds {
			conv := &dm.Conversation{ID: convIDs[i]}
			th := s.th
			th.ID, th.BrandID, th.ConversationID = dm.NewID(), acme.ID, conv.ID
			if i < 5 {
				in := dm.BrandMessage{MessageID: dm.NewID(), BrandID: acme.ID, ConversationID: conv.ID, Direction: dm.DirectionIn, At: th.OpenedAt}
				if err := tx.PutBrandMessage(ctx, &in); err != nil {
					return err
				}
			}
			if s.resp > 0 {
				th.FirstResponseAt = tp(th.OpenedAt.Add(s.resp))
				out := dm.BrandMessage{MessageID: dm.NewID(), BrandID: acme.ID, ConversationID: conv.ID, Direction: dm.DirectionOut,
					AgentID: th.FirstResponderID, At: *th.FirstResponseAt}
				if err := tx.PutBrandMessage(ctx, &out); err != nil {
					return err
				}
			}
			if i == 4 {
				auto := dm.BrandMessage{MessageID: dm.NewID(), BrandID: acme.ID, ConversationID: conv.ID, Direction: dm.DirectionOut,
					Automated: true, At: th.OpenedAt.Add(time.Second)}
				if err := tx.PutBrandMessage(ctx, &auto); err != nil {
					return err
				}
			}
			if err := tx.PutThread(ctx, &th); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	r, err := w.brand.Analytics(ctx, bob, "acme", from, to)
	if err != nil {
		t.Fatal(err)
	}
	f := func(v float64) *float64 { return &v }
	want := brand.Stats{
		Conversations: 5, Responded: 4, ResponseRate: f(0.8),
		// Sorted 5, 10, 20, 60 minutes: median (10+20)/2 = 15 min; p90 = 4th = 60 min.
		FirstResponse: brand.Durations{Median: f(900), P90: f(3600)},
		// In business hours 5, 10, 10, 60: median 10 min.
		FirstResponseBusiness: brand.Durations{Median: f(600), P90: f(3600)},
		Resolved:              3, MessagesIn: 5, MessagesOut: 5, MessagesAutomated: 1,
	}
	checkStats(t, "brand", r.Summary, want)
	if len(r.Agents) != 2 || r.Agents[0].Agent.Handle != "bob" || r.Agents[1].Agent.Handle != "carol" {
		t.Fatalf("agents = %+v", r.Agents)
	}
	// Bob: assigned t1, t2, t5 (2 answered); answered first after 5 and 20 min.
	checkStats(t, "bob", r.Agents[0].AnalyticsStats, brand.Stats{
		Conversations: 3, Responded: 2, ResponseRate: f(2.0 / 3),
		FirstResponse:         brand.Durations{Median: f(750), P90: f(1200)},
		FirstResponseBusiness: brand.Durations{Median: f(450), P90: f(600)},
		Resolved:              2, MessagesOut: 2,
	})
	// Carol: t3 and t4, both answered, after 10 and 60 min.
	checkStats(t, "carol", r.Agents[1].AnalyticsStats, brand.Stats{
		Conversations: 2, Responded: 2, ResponseRate: f(1),
		FirstResponse:         brand.Durations{Median: f(2100), P90: f(3600)},
		FirstResponseBusiness: brand.Durations{Median: f(2100), P90: f(3600)},
		Resolved:              1, MessagesOut: 2,
	})
	wantDays := []brand.Day{
		{Date: "2026-11-02", Opened: 2, Resolved: 1, MessagesIn: 2, MessagesOut: 2},
		{Date: "2026-11-03", Opened: 2, Resolved: 1, MessagesIn: 2, MessagesOut: 2},
		{Date: "2026-11-04", Opened: 1, Resolved: 1, MessagesIn: 1, MessagesOut: 1},
		{Date: "2026-11-05"}, {Date: "2026-11-06"}, {Date: "2026-11-07"}, {Date: "2026-11-08"},
	}
	if len(r.Days) != len(wantDays) {
		t.Fatalf("days = %+v", r.Days)
	}
	for i := range wantDays {
		if r.Days[i] != wantDays[i] {
			t.Errorf("day %d = %+v, want %+v", i, r.Days[i], wantDays[i])
		}
	}

	var buf bytes.Buffer
	if err := brand.WriteCSV(&buf, r, "summary"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 || lines[1] != "brand,acme,5,4,0.8,900,3600,600,3600,3,5,5,1" {
		t.Errorf("csv:\n%s", buf.String())
	}
	buf.Reset()
	brand.WriteCSV(&buf, r, "days")
	if !strings.Contains(buf.String(), "2026-11-03,2,1,2,2\n") {
		t.Errorf("days csv:\n%s", buf.String())
	}

	// Not very responsive: 80% answered, median 15 minutes.
	if on, err := w.brand.VeryResponsive(ctx, acme); err != nil || on {
		t.Errorf("very responsive = %v, %v", on, err)
	}
	// Only the team sees analytics.
	stranger := w.account("zed", "Zed", dm.KindPerson)
	if _, err := w.brand.Analytics(ctx, stranger, "acme", from, to); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("stranger's analytics: %v", err)
	}
}

func checkStats(t *testing.T, who string, got, want brand.Stats) {
	t.Helper()
	num := func(p *float64) float64 {
		if p == nil {
			return -1
		}
		return *p
	}
	near := func(a, b *float64) bool { d := num(a) - num(b); return d < 1e-9 && d > -1e-9 }
	if got.Conversations != want.Conversations || got.Responded != want.Responded || !near(got.ResponseRate, want.ResponseRate) ||
		!near(got.FirstResponse.Median, want.FirstResponse.Median) || !near(got.FirstResponse.P90, want.FirstResponse.P90) ||
		!near(got.FirstResponseBusiness.Median, want.FirstResponseBusiness.Median) || !near(got.FirstResponseBusiness.P90, want.FirstResponseBusiness.P90) ||
		got.Resolved != want.Resolved || got.MessagesIn != want.MessagesIn || got.MessagesOut != want.MessagesOut || got.MessagesAutomated != want.MessagesAutomated {
		t.Errorf("%s: got conv %d resp %d rate %v frt %v/%v biz %v/%v resolved %d in %d out %d auto %d; want %+v",
			who, got.Conversations, got.Responded, num(got.ResponseRate), num(got.FirstResponse.Median), num(got.FirstResponse.P90),
			num(got.FirstResponseBusiness.Median), num(got.FirstResponseBusiness.P90), got.Resolved, got.MessagesIn, got.MessagesOut, got.MessagesAutomated, want)
	}
}
