package brand_test

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// TestBrandStateFollowsChanges: the brand's settings, team and bot are
// kept in memory between sends (state.go); each change made since, through
// the service or straight in the store (another node), is seen by the very
// next customer message.
func TestBrandStateFollowsChanges(t *testing.T) { stores(t, testBrandStateFollowsChanges) }

func testBrandStateFollowsChanges(t *testing.T, open func(t *testing.T) dm.Store) {
	w := newWorld(t, time.Date(2026, 6, 1, 22, 0, 0, 0, time.UTC), open)
	ctx := w.ctx
	acme := w.account("acme", "Acme", dm.KindBrand)
	bob := w.account("bob", "Bob", dm.KindPerson)
	dan := w.account("dan", "Dan", dm.KindPerson)
	conv, _ := must2(w.chat.CreateConversation(ctx, dan, []string{"acme"}, ""))
	awayJobs := func() int {
		t.Helper()
		n := 0
		must0(w.store.View(ctx, func(tx dm.Tx) error {
			cs, err := tx.JobCounts(ctx)
			for _, c := range cs {
				if c.Kind == brand.JobAwayMessage {
					n += int(c.Count)
				}
			}
			return err
		}))
		return n
	}
	// Warm the state: no settings, no away message.
	must2(w.chat.Send(ctx, dan, conv.ID, chat.SendParams{Text: "hello?"}))
	if n := awayJobs(); n != 0 {
		t.Fatalf("%d away jobs without an away message", n)
	}
	// Closed with an away message, through the service: the next message calls for it.
	must(w.brand.PutSettings(ctx, acme, "acme", dm.BrandSettings{TimeZone: "UTC", HoursEnabled: true, Hours: []dm.OpenSpan{}, AwayMessage: "Closed."}))
	must2(w.chat.Send(ctx, dan, conv.ID, chat.SendParams{Text: "anyone?"}))
	if n := awayJobs(); n != 1 {
		t.Fatalf("%d away jobs after the away message was set, want 1", n)
	}
	// A team member added straight in the store (as another node would)
	// hears of the next message.
	must0(w.store.Update(ctx, func(tx dm.Tx) error {
		return tx.PutTeamMember(ctx, &dm.TeamMember{BrandID: acme.ID, UserID: bob.ID, Role: dm.TeamAgent, AddedAt: w.clock()})
	}))
	must2(w.chat.Send(ctx, dan, conv.ID, chat.SendParams{Text: "still there?"}))
	got := false
	for _, e := range w.events(bob) {
		if e.Type == dm.EventInboxMessage && e.Message != nil && e.Message.Text == "still there?" {
			got = true
		}
	}
	if !got {
		t.Fatal("a member added in the store did not get the next inbox.message")
	}
}
