package chat_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// aged makes an account old enough not to count as new.
func (r *rules) aged(handle string) *dm.Account {
	r.t.Helper()
	a := r.account(handle, dm.AllowEveryone)
	a.CreatedAt = a.CreatedAt.Add(-48 * time.Hour)
	return a
}

func wantLimited(t *testing.T, err error, what string) *dm.Error {
	t.Helper()
	e, ok := err.(*dm.Error)
	if !ok || e.Code != dm.ERATELIMITED || e.RetryAfter <= 0 {
		t.Fatalf("%s: %v, want rate_limited with a Retry-After", what, err)
	}
	return e
}

// TestRequestMessages: a stranger's request holds RequestMessages messages
// until the recipient accepts or replies; the next is refused and not
// stored; clearing the conversation on the sender's side does not reset
// the count; a brand recipient is not protected this way.
func TestRequestMessages(t *testing.T) {
	r := newRules(t, chat.Config{})
	ada, ben := r.aged("ada"), r.aged("ben")
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	for i := range 3 {
		_, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: fmt.Sprint("hi ", i)})
		mustOK(t, err)
	}
	wantLimited(t, sendErr(r, ada, conv.ID, "fourth"), "4th message into an unaccepted request")
	mustOK(t, r.svc.DeleteConversation(r.ctx, ada, conv.ID))
	wantLimited(t, sendErr(r, ada, conv.ID, "after clearing"), "a message after the sender cleared the request")
	msgs, _, err := r.svc.Messages(r.ctx, ben, conv.ID, "", 50)
	mustOK(t, err)
	if len(msgs) != 3 {
		t.Fatalf("the recipient has %d messages, want 3", len(msgs))
	}
	// Ben answers: the conversation is open.
	mustOK(t, sendErr(r, ben, conv.ID, "hello ada"))
	for i := range 5 {
		mustOK(t, sendErr(r, ada, conv.ID, fmt.Sprint("now we talk ", i)))
	}

	// A brand's inbox takes what customers write.
	brand := &dm.Account{ID: dm.NewID(), Handle: "shop", DisplayName: "Shop", Kind: dm.KindBrand, CreatedAt: r.clock()}
	mustOK(t, r.store.Update(r.ctx, func(tx dm.Tx) error { return tx.CreateAccount(r.ctx, brand, dm.DefaultSettings(), "x") }))
	cc, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"shop"}, "")
	mustOK(t, err)
	for i := range 6 {
		mustOK(t, sendErr(r, ada, cc.ID, fmt.Sprint("my order ", i)))
	}
}

func sendErr(r *rules, from *dm.Account, convID, text string) error {
	_, _, err := r.svc.Send(r.ctx, from, convID, chat.SendParams{Text: text})
	return err
}

// TestGroupLimitsOnTheClock: group creation and the strangers a group puts
// in Requests are bounded; new accounts are bounded Penalty times harder;
// time on the service's clock refills them; a refused group stores nothing.
func TestGroupLimitsOnTheClock(t *testing.T) {
	reg := metrics.New()
	r := newRules(t, chat.Config{Metrics: reg, Limits: chat.Limits{
		GroupCreate:       ratelimit.Rate{Burst: 4, Count: 4, Per: time.Hour},
		Requests:          ratelimit.Rate{Burst: 100, Count: 100, Per: time.Hour},
		RequestsPerTarget: ratelimit.Rate{Burst: 100, Count: 100, Per: time.Hour},
	}})
	old, fresh := r.aged("oldie"), r.account("newbie", dm.AllowEveryone)
	for i := range 4 {
		r.account(fmt.Sprintf("str%d", i), dm.AllowEveryone)
	}
	group := func(a *dm.Account) error {
		_, _, err := r.svc.CreateConversation(r.ctx, a, []string{"str0", "str1"}, "")
		return err
	}
	for i := range 4 {
		if err := group(old); err != nil {
			t.Fatalf("group %d of an old account: %v", i+1, err)
		}
	}
	wantLimited(t, group(old), "5th group of an old account")
	// A new account's group costs Penalty (4): one fits the burst of 4.
	mustOK(t, group(fresh))
	wantLimited(t, group(fresh), "2nd group of a new account")
	r.advance(15 * time.Minute) // one token back at 4/h
	mustOK(t, group(old))
	wantLimited(t, group(fresh), "a new account a quarter of an hour later (needs 4 tokens)")
	r.advance(45 * time.Minute)
	mustOK(t, group(fresh))
	// After 24 h the new account pays like anyone.
	r.advance(24 * time.Hour)
	for i := range 4 {
		if err := group(fresh); err != nil {
			t.Fatalf("group %d of the account a day later: %v", i+1, err)
		}
	}
	var convs []dm.Conversation
	mustOK(t, r.store.View(r.ctx, func(tx dm.Tx) (err error) {
		convs, _, err = tx.Conversations(r.ctx, fresh.ID, dm.FolderInbox, "", 200)
		return err
	}))
	if len(convs) != 6 {
		t.Errorf("the new account has %d groups, want 6 (1 + 1 + 4): a refused one must store nothing", len(convs))
	}
	var b strings.Builder
	reg.WriteTo(&b)
	if !strings.Contains(b.String(), `parley_abuse_limited_total{limit="group_create"} 3`) {
		t.Errorf("/metrics does not count 3 group_create refusals:\n%s", b.String())
	}
}

// TestRequestsAndStrikes: the strangers put in Requests are bounded per
// account and per target (an add, remove, add loop), and strikes (people
// who blocked or declined) make an account pay Penalty times more.
func TestRequestsAndStrikes(t *testing.T) {
	r := newRules(t, chat.Config{Limits: chat.Limits{
		Requests:          ratelimit.Rate{Burst: 8, Count: 8, Per: time.Hour},
		RequestsPerTarget: ratelimit.Rate{Burst: 2, Count: 2, Per: time.Hour},
	}})
	ada := r.aged("ada")
	var strangers []string
	for i := range 12 {
		strangers = append(strangers, r.aged(fmt.Sprintf("xxx%d", i)).Handle)
	}
	friend := r.aged("friend")
	mustOK(t, r.svc.Follow(r.ctx, friend, "ada", true))
	// More strangers at once than the burst: refused outright, nothing stored.
	_, _, err := r.svc.CreateConversation(r.ctx, ada, strangers[:9], "")
	wantLimited(t, err, "a group of 9 strangers with a burst of 8")
	g, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"friend", strangers[0]}, "")
	mustOK(t, err)
	// Add, remove, add the same stranger: the per-target limit stops it.
	for i := range 2 {
		_, err := r.svc.AddMembers(r.ctx, ada, g.ID, []string{strangers[1]})
		if err != nil {
			t.Fatalf("add %d of the same stranger: %v", i+1, err)
		}
		mustOK(t, r.svc.RemoveMember(r.ctx, ada, g.ID, strangers[1]))
	}
	_, err = r.svc.AddMembers(r.ctx, ada, g.ID, []string{strangers[1]})
	wantLimited(t, err, "3rd add of the same stranger")
	c, err := r.svc.Conversation(r.ctx, ada, g.ID)
	mustOK(t, err)
	if len(c.Members) != 3 {
		t.Errorf("the group has %d members after the refused add, want 3", len(c.Members))
	}
	// A friend (who follows ada) is no stranger: no request is spent.
	for range 5 {
		mustOK(t, r.svc.RemoveMember(r.ctx, ada, g.ID, "friend"))
		_, err := r.svc.AddMembers(r.ctx, ada, g.ID, []string{"friend"})
		mustOK(t, err)
	}

	// Three people decline or block: ada pays Penalty (4) per stranger.
	r.advance(2 * time.Hour) // a full bucket of 8
	bob, cy, di := r.aged("bob"), r.aged("cyd"), r.aged("dia")
	for _, x := range []*dm.Account{bob, cy} {
		conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{x.Handle}, "")
		mustOK(t, err)
		mustOK(t, sendErr(r, ada, conv.ID, "buy my stuff"))
		mustOK(t, r.svc.DeleteConversation(r.ctx, x, conv.ID))
	}
	mustOK(t, r.svc.Block(r.ctx, di, "ada", true))
	for range 3 { // one person blocking again counts once
		mustOK(t, r.svc.Block(r.ctx, di, "ada", false))
		mustOK(t, r.svc.Block(r.ctx, di, "ada", true))
	}
	var n int
	mustOK(t, r.store.View(r.ctx, func(tx dm.Tx) (err error) { n, err = tx.Strikes(r.ctx, ada.ID, time.Time{}); return err }))
	if n != 3 {
		t.Fatalf("ada has %d strikes, want 3 (two declines, one block)", n)
	}
	r.advance(2 * time.Hour)
	// Full bucket of 8 at a cost of 4: two strangers, not three.
	for i := 2; i < 4; i++ {
		_, _, err := r.svc.CreateConversation(r.ctx, ada, []string{strangers[i]}, "")
		mustOK(t, err)
	}
	_, _, err = r.svc.CreateConversation(r.ctx, ada, []string{strangers[4]}, "")
	wantLimited(t, err, "a third stranger for an account with 3 strikes")
	// Strikes age out of the window.
	r.advance(31 * 24 * time.Hour)
	for i := 4; i < 12; i++ {
		_, _, err := r.svc.CreateConversation(r.ctx, ada, []string{strangers[i]}, "")
		if err != nil {
			t.Fatalf("stranger %d after the strikes aged out: %v", i, err)
		}
	}
}

// TestEditReactionTypingLimits: edits and reactions are bounded per
// account and per target; typing per account; all on the clock.
func TestEditReactionTypingLimits(t *testing.T) {
	r := newRules(t, chat.Config{Limits: chat.Limits{
		Edit:              ratelimit.Rate{Burst: 6, Count: 6, Per: time.Minute},
		EditPerTarget:     ratelimit.Rate{Burst: 3, Count: 3, Per: time.Minute},
		Reaction:          ratelimit.Rate{Burst: 6, Count: 6, Per: time.Minute},
		ReactionPerTarget: ratelimit.Rate{Burst: 4, Count: 4, Per: time.Minute},
		Typing:            ratelimit.Rate{Burst: 2, Count: 60, Per: time.Minute},
	}})
	ada, ben := r.aged("ada"), r.aged("ben")
	mustOK(t, r.svc.Follow(r.ctx, ben, "ada", true))
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	var ids []string
	for i := range 3 {
		m, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: fmt.Sprint("m", i)})
		mustOK(t, err)
		ids = append(ids, m.ID)
	}
	for i := range 3 {
		_, err := r.svc.Edit(r.ctx, ada, ids[0], fmt.Sprint("edit ", i))
		mustOK(t, err)
	}
	_, err = r.svc.Edit(r.ctx, ada, ids[0], "edit 4")
	wantLimited(t, err, "4th edit of one message")
	m, err := r.svc.Message(r.ctx, ben, ids[0])
	mustOK(t, err)
	if m.Text != "edit 2" {
		t.Errorf("the message reads %q after a refused edit, want %q", m.Text, "edit 2")
	}
	for i := range 3 {
		_, err := r.svc.Edit(r.ctx, ada, ids[1], fmt.Sprint("other ", i))
		mustOK(t, err)
	}
	_, err = r.svc.Edit(r.ctx, ada, ids[2], "third message")
	wantLimited(t, err, "7th edit of the account")
	r.advance(10 * time.Second) // one token back at 6/min
	_, err = r.svc.Edit(r.ctx, ada, ids[2], "third message")
	mustOK(t, err)

	for i := range 4 {
		mustOK(t, r.svc.React(r.ctx, ben, ids[0], "👍", i%2 == 0))
	}
	wantLimited(t, r.svc.React(r.ctx, ben, ids[0], "👍", true), "5th reaction toggle on one message")
	mustOK(t, r.svc.React(r.ctx, ben, ids[1], "👍", true))
	mustOK(t, r.svc.React(r.ctx, ben, ids[2], "👍", true))
	wantLimited(t, r.svc.React(r.ctx, ben, ids[2], "🎉", true), "7th reaction of the account")

	typing := 0
	for range 5 {
		if r.svc.Typing(r.ctx, ada, conv.ID) == nil {
			typing++
		}
		// Another conversation each time would pass the per-conversation
		// thinning; the clock moves past it instead.
		r.advance(1100 * time.Millisecond)
	}
	if typing != 5 {
		t.Errorf("%d of 5 typing notices a second apart went through, want 5", typing)
	}
	r.account("cyd", dm.AllowEveryone)
	g1, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben", "cyd"}, "one")
	mustOK(t, err)
	g2, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben", "cyd"}, "two")
	mustOK(t, err)
	r.advance(10 * time.Second)
	mustOK(t, r.svc.Typing(r.ctx, ada, conv.ID))
	mustOK(t, r.svc.Typing(r.ctx, ada, g1.ID))
	wantLimited(t, r.svc.Typing(r.ctx, ada, g2.ID), "a 3rd typing notice in one instant across conversations (burst 2)")
}

// TestLimitsOff: with RateLimitOff nothing here limits.
func TestLimitsOff(t *testing.T) {
	r := newRules(t, chat.Config{RateLimitOff: true})
	ada := r.account("ada", dm.AllowEveryone)
	r.account("ben", dm.AllowEveryone)
	r.account("cyd", dm.AllowEveryone)
	for i := range 30 {
		if _, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben", "cyd"}, ""); err != nil {
			t.Fatalf("group %d with limits off: %v", i, err)
		}
	}
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	for i := range 10 {
		mustOK(t, sendErr(r, ada, conv.ID, fmt.Sprint(i)))
	}
}
