package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// brandStateTests check dm.BrandTx.BrandStateVersion: the brand layer keeps
// a brand's slowly changing state in memory as long as this version stays.
var brandStateTests = []test{
	{"BrandStateVersion", testBrandStateVersion},
	{"UpdateInboxItem", testUpdateInboxItem},
	{"BrandConversation", testBrandConversation},
}

func testBrandStateVersion(t *testing.T, s dm.Store) {
	ctx := context.Background()
	brand := &dm.Account{ID: dm.NewID(), Handle: "statebrand", DisplayName: "State", Kind: dm.KindBrand, CreatedAt: t0}
	update(t, s, func(tx dm.Tx) error { return tx.CreateAccount(ctx, brand, dm.DefaultSettings(), "hash") })
	bob := newAccount(t, s, "statebob")
	version := func() int64 {
		t.Helper()
		var v int64
		view(t, s, func(tx dm.Tx) error {
			var err error
			v, err = tx.BrandStateVersion(ctx, brand.ID)
			return err
		})
		return v
	}
	last := version()
	if last != 0 {
		t.Fatalf("a brand never changed: version %d, want 0", last)
	}
	// changes must give a version never seen; same keeps it.
	seen := map[int64]bool{0: true}
	changes := func(what string, fn func(tx dm.Tx) error) {
		t.Helper()
		update(t, s, fn)
		v := version()
		if seen[v] {
			t.Fatalf("%s: version %d was seen before", what, v)
		}
		seen[v], last = true, v
	}
	same := func(what string, fn func(tx dm.Tx) error) {
		t.Helper()
		update(t, s, fn)
		if v := version(); v != last {
			t.Fatalf("%s: version moved from %d to %d", what, last, v)
		}
	}
	set := &dm.BrandSettings{BrandID: brand.ID, TimeZone: "UTC", Hours: []dm.OpenSpan{}, AwayMessage: "away", UpdatedAt: at(1)}
	changes("settings created", func(tx dm.Tx) error { return tx.PutBrandSettings(ctx, set) })
	set.RoundRobinLast = bob.ID
	same("round-robin cursor", func(tx dm.Tx) error { return tx.PutBrandSettings(ctx, set) })
	set.AwayMessage = "away again"
	changes("away message", func(tx dm.Tx) error { return tx.PutBrandSettings(ctx, set) })
	m := &dm.TeamMember{BrandID: brand.ID, UserID: bob.ID, Role: dm.TeamAgent, AddedAt: at(2)}
	changes("member added", func(tx dm.Tx) error { return tx.PutTeamMember(ctx, m) })
	m.Available = true
	changes("member available", func(tx dm.Tx) error { return tx.PutTeamMember(ctx, m) })
	changes("member removed", func(tx dm.Tx) error { return tx.DeleteTeamMember(ctx, brand.ID, bob.ID) })
	changes("bot settings", func(tx dm.Tx) error {
		return tx.PutAutomationSettings(ctx, &dm.AutomationSettings{BrandID: brand.ID, Enabled: true, HandoffWords: []string{}, Version: 1, UpdatedAt: at(3)})
	})
	e := &dm.WebhookEndpoint{ID: dm.NewID(), BrandID: brand.ID, URL: "https://example.com/hook", Events: []string{"message.received"},
		Secret: "whsec_x", CreatedAt: at(4), UpdatedAt: at(4)}
	changes("endpoint added", func(tx dm.Tx) error { return tx.PutWebhookEndpoint(ctx, e) })
	changes("endpoint deleted", func(tx dm.Tx) error { return tx.DeleteWebhookEndpoint(ctx, brand.ID, e.ID) })
	changes("consent settings", func(tx dm.Tx) error {
		return tx.PutConsentSettings(ctx, &dm.ConsentSettings{BrandID: brand.ID, StopWords: []string{"HALT"}, StartWords: []string{}, UpdatedAt: at(5)})
	})
	brand.DisplayName = "State Renamed"
	changes("display name", func(tx dm.Tx) error { return tx.UpdateAccount(ctx, brand, dm.DefaultSettings()) })
	changes("suspended", func(tx dm.Tx) error { return tx.SetSuspended(ctx, brand.ID, ptrTime(at(6))) })
	same("a follower", func(tx dm.Tx) error { return tx.SetFollow(ctx, bob.ID, brand.ID, true) })
	// Another brand's change leaves this one's alone.
	other := &dm.Account{ID: dm.NewID(), Handle: "statebrand2", DisplayName: "Other", Kind: dm.KindBrand, CreatedAt: t0}
	same("another brand", func(tx dm.Tx) error {
		if err := tx.CreateAccount(ctx, other, dm.DefaultSettings(), "hash"); err != nil {
			return err
		}
		return tx.PutBrandSettings(ctx, &dm.BrandSettings{BrandID: other.ID, TimeZone: "UTC", Hours: []dm.OpenSpan{}, UpdatedAt: at(7)})
	})
}

// testUpdateInboxItem checks UpdateInboxItem: what changed is written, the
// rest stays, and the label filter follows the labels.
func testUpdateInboxItem(t *testing.T, s dm.Store) {
	ctx := context.Background()
	brand := newAccount(t, s, "updbrand")
	cust := newAccount(t, s, "updcust")
	bob := newAccount(t, s, "updbob")
	conv := newConversation(t, s, dm.ConversationDirect, at(0), accepted(brand), accepted(cust))
	w := at(2)
	it := &dm.InboxItem{ConversationID: conv.ID, BrandID: brand.ID, CustomerID: cust.ID, Status: dm.InboxOpen, Labels: []string{"vip"},
		Priority: dm.PriorityNone, WaitingSince: &w, LastMessageAt: at(2), CreatedAt: at(1), UpdatedAt: at(2)}
	update(t, s, func(tx dm.Tx) error { return tx.PutInboxItem(ctx, it) })
	read := func() *dm.InboxItem {
		t.Helper()
		var got *dm.InboxItem
		view(t, s, func(tx dm.Tx) error {
			var err error
			got, err = tx.InboxItem(ctx, conv.ID)
			return err
		})
		return got
	}
	labelled := func(l string) int {
		t.Helper()
		var n int
		view(t, s, func(tx dm.Tx) error {
			items, _, err := tx.Inbox(ctx, brand.ID, dm.InboxFilter{Label: l, Limit: 10})
			n = len(items)
			return err
		})
		return n
	}
	// A message: last_message_at and updated_at move.
	before := *it
	before.Labels = []string{"vip"}
	it.LastMessageAt, it.UpdatedAt = at(3), at(3)
	update(t, s, func(tx dm.Tx) error { return tx.UpdateInboxItem(ctx, &before, it) })
	got := read()
	if !got.LastMessageAt.Equal(at(3)) || !got.UpdatedAt.Equal(at(3)) || got.WaitingSince == nil || !got.WaitingSince.Equal(w) ||
		len(got.Labels) != 1 || got.Labels[0] != "vip" || got.Status != dm.InboxOpen {
		t.Fatalf("after a message: %+v", got)
	}
	// An answer: the wait ends, the assignee and labels change.
	before = *got
	it = got
	it.Labels = []string{"returns"}
	it.WaitingSince, it.AssigneeID, it.LastAgentID, it.UpdatedAt = nil, bob.ID, bob.ID, at(4)
	update(t, s, func(tx dm.Tx) error { return tx.UpdateInboxItem(ctx, &before, it) })
	got = read()
	if got.WaitingSince != nil || got.AssigneeID != bob.ID || got.LastAgentID != bob.ID || !got.UpdatedAt.Equal(at(4)) ||
		len(got.Labels) != 1 || got.Labels[0] != "returns" || !got.LastMessageAt.Equal(at(3)) {
		t.Fatalf("after an answer: %+v", got)
	}
	if labelled("vip") != 0 || labelled("returns") != 1 {
		t.Fatalf("label filter: vip %d, returns %d; want 0, 1", labelled("vip"), labelled("returns"))
	}
	// Nothing changed: nothing to write, no error.
	before = *got
	update(t, s, func(tx dm.Tx) error { return tx.UpdateInboxItem(ctx, &before, got) })
}

// testBrandConversation checks BrandConversation against the reads it
// stands for (InboxItem, BotState, Consent, OpenTextSurvey), in a read and
// in a write transaction, with every part missing and with every part there,
// and its FunnelOpen against the campaign delivery's marks.
func testBrandConversation(t *testing.T, s dm.Store) {
	ctx := context.Background()
	brand := newAccount(t, s, "bcbrand")
	cust := newAccount(t, s, "bccust")
	conv := newConversation(t, s, dm.ConversationDirect, at(0), accepted(brand), accepted(cust))
	both := func(fn func(tx dm.Tx) error) {
		t.Helper()
		view(t, s, fn)
		update(t, s, fn)
	}
	both(func(tx dm.Tx) error {
		got, err := tx.BrandConversation(ctx, conv.ID, brand.ID, cust.ID, at(0))
		if err != nil {
			return err
		}
		if got.Item != nil || got.Bot != nil || got.Consent != nil || got.TextSurvey != nil || got.StateVersion != 0 {
			t.Errorf("empty conversation: %+v", got)
		}
		return nil
	})
	w, away := at(2), at(3)
	it := &dm.InboxItem{ConversationID: conv.ID, BrandID: brand.ID, CustomerID: cust.ID, Status: dm.InboxSnoozed, SnoozedUntil: ptrTime(at(9)),
		AssigneeID: cust.ID, Labels: []string{"vip", "late"}, Priority: dm.PriorityHigh, WaitingSince: &w, FirstResponseAt: ptrTime(at(4)),
		LastAgentID: brand.ID, AwaySentAt: &away, ThreadID: "th1", LastMessageAt: at(5), CreatedAt: at(1), UpdatedAt: at(6)}
	bot := &dm.BotState{ConversationID: conv.ID, BrandID: brand.ID, Silent: true, HandedOff: true, Streak: 2, FlowID: "f1", FlowStep: "s2", UpdatedAt: at(7)}
	c := &dm.Consent{BrandID: brand.ID, UserID: cust.ID, OptedIn: true, LastInbound: ptrTime(at(8)), Unanswered: 3,
		Promos: []time.Time{at(1), at(2)}, UpdatedAt: at(8)}
	text := &dm.Survey{ID: dm.NewID(), BrandID: brand.ID, Name: "t", Kind: dm.SurveyText, Question: "?", CreatedBy: brand.ID, CreatedAt: at(1), UpdatedAt: at(1)}
	old := &dm.SurveySend{ID: "bc-old", SurveyID: text.ID, BrandID: brand.ID, UserID: cust.ID, ConversationID: conv.ID, MessageID: "m1", SentAt: at(10)}
	open := &dm.SurveySend{ID: "bc-new", SurveyID: text.ID, BrandID: brand.ID, UserID: cust.ID, ConversationID: conv.ID, MessageID: "m2",
		AgentID: "a", CampaignID: "c", SentAt: at(11)}
	update(t, s, func(tx dm.Tx) error {
		// Settings give the brand a state version, which is read with the rest.
		if err := tx.PutBrandSettings(ctx, &dm.BrandSettings{BrandID: brand.ID, TimeZone: "UTC", Hours: []dm.OpenSpan{}, UpdatedAt: at(1)}); err != nil {
			return err
		}
		if err := tx.PutInboxItem(ctx, it); err != nil {
			return err
		}
		if err := tx.PutBotState(ctx, bot); err != nil {
			return err
		}
		if err := tx.PutConsent(ctx, c); err != nil {
			return err
		}
		if err := tx.CreateSurvey(ctx, text); err != nil {
			return err
		}
		if err := tx.InsertSurveySend(ctx, old); err != nil {
			return err
		}
		return tx.InsertSurveySend(ctx, open)
	})
	both(func(tx dm.Tx) error {
		got, err := tx.BrandConversation(ctx, conv.ID, brand.ID, cust.ID, at(10))
		if err != nil {
			return err
		}
		wantIt, err := tx.InboxItem(ctx, conv.ID)
		if err != nil {
			return err
		}
		wantBot, err := tx.BotState(ctx, conv.ID)
		if err != nil {
			return err
		}
		wantC, err := tx.Consent(ctx, brand.ID, cust.ID)
		if err != nil {
			return err
		}
		wantS, err := tx.OpenTextSurvey(ctx, conv.ID, at(10))
		if err != nil {
			return err
		}
		wantV, err := tx.BrandStateVersion(ctx, brand.ID)
		if err != nil {
			return err
		}
		if wantV == 0 || got.StateVersion != wantV {
			t.Errorf("state version = %d, want %d (not 0)", got.StateVersion, wantV)
		}
		if !reflect.DeepEqual(got.Item, wantIt) || !reflect.DeepEqual(got.Item, it) {
			t.Errorf("item = %+v\nwant %+v", got.Item, it)
		}
		if !reflect.DeepEqual(got.Bot, wantBot) || !reflect.DeepEqual(got.Bot, bot) {
			t.Errorf("bot = %+v\nwant %+v", got.Bot, bot)
		}
		if !reflect.DeepEqual(got.Consent, wantC) || !reflect.DeepEqual(got.Consent, c) {
			t.Errorf("consent = %+v\nwant %+v", got.Consent, c)
		}
		if !reflect.DeepEqual(got.TextSurvey, wantS) || !reflect.DeepEqual(got.TextSurvey, open) {
			t.Errorf("survey = %+v\nwant %+v", got.TextSurvey, open)
		}
		// Past the window, or answered: no open survey; the rest stays.
		later, err := tx.BrandConversation(ctx, conv.ID, brand.ID, cust.ID, at(12))
		if err != nil {
			return err
		}
		if later.TextSurvey != nil || later.Item == nil || later.Bot == nil || later.Consent == nil {
			t.Errorf("after the window: %+v", later)
		}
		// Another customer of the brand: no consent row of theirs.
		other, err := tx.BrandConversation(ctx, conv.ID, brand.ID, brand.ID, at(10))
		if err != nil {
			return err
		}
		if other.Consent != nil || other.Item == nil {
			t.Errorf("another user's consent: %+v", other)
		}
		if got.FunnelOpen {
			t.Error("funnel open without a delivery")
		}
		return nil
	})
	// The funnel: open while a sent delivery lacks read or replied; not
	// while it is pending, nor once marked both.
	funnelOpen := func(want bool, when string) {
		t.Helper()
		both(func(tx dm.Tx) error {
			got, err := tx.BrandConversation(ctx, conv.ID, brand.ID, cust.ID, at(10))
			if err != nil {
				return err
			}
			if got.FunnelOpen != want {
				t.Errorf("%s: funnel open = %v, want %v", when, got.FunnelOpen, want)
			}
			return nil
		})
	}
	camp := newCampaign(t, s, brand.ID, at(1))
	update(t, s, func(tx dm.Tx) error {
		_, err := tx.InsertDeliveries(ctx, []dm.CampaignSend{{ID: dm.NewID(), CampaignID: camp.ID, BrandID: brand.ID, UserID: cust.ID,
			Variant: "A", State: dm.SendPending, RunAt: at(3), UpdatedAt: at(3)}})
		return err
	})
	funnelOpen(false, "pending")
	m := send(t, s, conv.ID, brand, "offer", at(4))
	update(t, s, func(tx dm.Tx) error { return tx.MarkDeliverySent(ctx, camp.ID, 0, cust.ID, m.ID, conv.ID, at(5)) })
	funnelOpen(true, "sent")
	update(t, s, func(tx dm.Tx) error {
		_, err := tx.MarkBrandFunnel(ctx, brand.ID, cust.ID, dm.FunnelRead, at(6))
		return err
	})
	funnelOpen(true, "read, not replied")
	update(t, s, func(tx dm.Tx) error {
		_, err := tx.MarkBrandReplied(ctx, brand.ID, cust.ID, at(7))
		return err
	})
	funnelOpen(false, "read and replied")
}
