package chat_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/sqlite"
)

// rules is a chat service on an in-memory SQLite store with a clock the test sets.
type rules struct {
	t     *testing.T
	ctx   context.Context
	store dm.Store
	svc   *chat.Service
	mu    sync.Mutex
	now   time.Time
}

func newRules(t *testing.T, cfg chat.Config) *rules {
	t.Helper()
	db, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	bus := inmem.New()
	t.Cleanup(func() { bus.Close(); db.Close() })
	r := &rules{t: t, ctx: context.Background(), store: db, now: time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)}
	cfg.Now = r.clock
	r.svc = chat.New(db, bus, cfg)
	return r
}

func (r *rules) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *rules) advance(d time.Duration) {
	r.mu.Lock()
	r.now = r.now.Add(d)
	r.mu.Unlock()
}

// friends returns ada and ben, who follow each other, and their direct
// conversation.
func (r *rules) friends(t *testing.T) (ada, ben *dm.Account, conv *dm.Conversation) {
	t.Helper()
	ada = r.account("ada", dm.AllowEveryone)
	ben = r.account("ben", dm.AllowEveryone)
	mustOK(t, r.svc.Follow(r.ctx, ben, "ada", true))
	mustOK(t, r.svc.Follow(r.ctx, ada, "ben", true))
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	return ada, ben, conv
}

// account creates an account straight in the store (sign-up is not what
// these tests are about), with its who-may-message-me setting.
func (r *rules) account(handle, allow string) *dm.Account {
	r.t.Helper()
	a := &dm.Account{ID: dm.NewID(), Handle: handle, DisplayName: handle, Kind: dm.KindPerson, CreatedAt: r.clock()}
	set := dm.DefaultSettings()
	set.AllowIncoming = allow
	if err := r.store.Update(r.ctx, func(tx dm.Tx) error { return tx.CreateAccount(r.ctx, a, set, "not-a-real-hash") }); err != nil {
		r.t.Fatal(err)
	}
	return a
}

// TestWhoMayMessage is the who-may-message matrix: the recipient's
// allow_incoming setting, whether the recipient follows the sender, and a
// block either way decide whether a stranger may open a direct
// conversation, and in which of the recipient's folders it lands.
func TestWhoMayMessage(t *testing.T) {
	type want struct {
		code   string // "" when allowed
		status string // the recipient's status when allowed
	}
	refused := want{code: dm.EFORBIDDEN}
	tests := []struct {
		allow    string
		follows  bool   // the recipient follows the sender
		block    string // "", "sender" (blocks the recipient) or "recipient" (blocks the sender)
		expected want
	}{
		{dm.AllowEveryone, false, "", want{status: dm.StatusRequest}},
		{dm.AllowEveryone, true, "", want{status: dm.StatusAccepted}},
		{dm.AllowFollowing, false, "", refused},
		{dm.AllowFollowing, true, "", want{status: dm.StatusAccepted}},
		{dm.AllowNobody, false, "", refused},
		{dm.AllowNobody, true, "", refused},
		{dm.AllowEveryone, false, "sender", refused},
		{dm.AllowEveryone, false, "recipient", refused},
		{dm.AllowFollowing, true, "recipient", refused},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%s/follows=%v/block=%s", tc.allow, tc.follows, tc.block), func(t *testing.T) {
			r := newRules(t, chat.Config{})
			from := r.account(fmt.Sprintf("sender%d", i), dm.AllowEveryone)
			to := r.account(fmt.Sprintf("recipient%d", i), tc.allow)
			if tc.follows {
				mustOK(t, r.svc.Follow(r.ctx, to, from.Handle, true))
			}
			switch tc.block {
			case "sender":
				mustOK(t, r.svc.Block(r.ctx, from, to.Handle, true))
			case "recipient":
				mustOK(t, r.svc.Block(r.ctx, to, from.Handle, true))
			}
			conv, _, err := r.svc.CreateConversation(r.ctx, from, []string{to.Handle}, "")
			if tc.expected.code != "" {
				if !dm.IsCode(err, tc.expected.code) {
					t.Fatalf("open: %v, want %s", err, tc.expected.code)
				}
				return
			}
			mustOK(t, err)
			if _, _, err := r.svc.Send(r.ctx, from, conv.ID, chat.SendParams{Text: "hi"}); err != nil {
				t.Fatalf("first message: %v", err)
			}
			var m *dm.Membership
			mustOK(t, r.store.View(r.ctx, func(tx dm.Tx) error {
				var err error
				m, err = tx.Membership(r.ctx, conv.ID, to.ID)
				return err
			}))
			if m.Status != tc.expected.status {
				t.Fatalf("recipient's status %q, want %q", m.Status, tc.expected.status)
			}
		})
	}
}

// TestAcceptedConversationStaysOpen: once the recipient has replied, a
// stricter allow_incoming does not close the conversation, but a block does.
func TestAcceptedConversationStaysOpen(t *testing.T) {
	r := newRules(t, chat.Config{})
	ada := r.account("ada", dm.AllowEveryone)
	bo := r.account("ben", dm.AllowEveryone)
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	_, _, err = r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "hello"})
	mustOK(t, err)
	_, _, err = r.svc.Send(r.ctx, bo, conv.ID, chat.SendParams{Text: "hi, ada"})
	mustOK(t, err)
	nobody := dm.DefaultSettings()
	nobody.AllowIncoming = dm.AllowNobody
	mustOK(t, r.store.Update(r.ctx, func(tx dm.Tx) error { return tx.UpdateAccount(r.ctx, bo, nobody) }))
	if _, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "still here"}); err != nil {
		t.Fatalf("send after ben chose nobody: %v, want it allowed in an accepted conversation", err)
	}
	mustOK(t, r.svc.Block(r.ctx, bo, "ada", true))
	if _, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "hello?"}); !dm.IsCode(err, dm.EFORBIDDEN) {
		t.Fatalf("send after ben blocked ada: %v, want forbidden", err)
	}
}

// TestPendingConversationFollowsSettings: while the recipient has not
// accepted, each send is checked against their allow_incoming setting as it
// is now, and a refusal names them and says why.
func TestPendingConversationFollowsSettings(t *testing.T) {
	r := newRules(t, chat.Config{})
	ada := r.account("ada", dm.AllowEveryone)
	bo := r.account("ben", dm.AllowEveryone)
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	_, _, err = r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "hello"})
	mustOK(t, err)
	set := dm.DefaultSettings()
	for _, tc := range []struct {
		allow, reason, text string
	}{
		{dm.AllowNobody, dm.ReasonNotAccepting, "@ben doesn't accept new messages."},
		{dm.AllowFollowing, dm.ReasonNotFollowed, "@ben only accepts messages from people they follow."},
	} {
		set.AllowIncoming = tc.allow
		mustOK(t, r.store.Update(r.ctx, func(tx dm.Tx) error { return tx.UpdateAccount(r.ctx, bo, set) }))
		_, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "still there?"})
		if !dm.IsCode(err, dm.EFORBIDDEN) || dm.ErrorReason(err) != tc.reason || err.Error() != "forbidden: "+tc.text {
			t.Fatalf("send to a pending conversation, ben allowing %s: %v (reason %q), want %q (%s)", tc.allow, err, dm.ErrorReason(err), tc.text, tc.reason)
		}
	}
	mustOK(t, r.svc.Follow(r.ctx, bo, "ada", true))
	if _, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "now?"}); err != nil {
		t.Fatalf("send once ben follows ada: %v", err)
	}
	mustOK(t, r.svc.Block(r.ctx, ada, "ben", true))
	if _, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "blocked"}); dm.ErrorReason(err) != dm.ReasonBlockedByYou {
		t.Fatalf("send after ada blocked ben: %v, want %s", err, dm.ReasonBlockedByYou)
	}
}

// TestEditWindowOnTheClock: a message can be edited for dm.EditWindow after
// it was sent, and not a millisecond longer.
func TestEditWindowOnTheClock(t *testing.T) {
	r := newRules(t, chat.Config{})
	ada := r.account("ada", dm.AllowEveryone)
	r.account("ben", dm.AllowEveryone)
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	msg, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "typo"})
	mustOK(t, err)
	r.advance(dm.EditWindow)
	if _, err := r.svc.Edit(r.ctx, ada, msg.ID, "fixed"); err != nil {
		t.Fatalf("edit at the end of the window: %v", err)
	}
	r.advance(time.Millisecond)
	if _, err := r.svc.Edit(r.ctx, ada, msg.ID, "too late"); !dm.IsCode(err, dm.EFORBIDDEN) {
		t.Fatalf("edit after the window: %v, want forbidden", err)
	}
}

// TestSendLimitOnTheClock: the send limit refills on the service's clock:
// a burst, then nothing until time passes, then the rate.
func TestSendLimitOnTheClock(t *testing.T) {
	r := newRules(t, chat.Config{SendPerSecond: 2, SendBurst: 5})
	ada := r.account("ada", dm.AllowEveryone)
	ben := r.account("ben", dm.AllowEveryone)
	// Ben follows ada: her messages are not a stranger's request, which
	// holds only a few (TestRequestMessages).
	mustOK(t, r.svc.Follow(r.ctx, ben, "ada", true))
	conv, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	send := func() error {
		_, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "x"})
		return err
	}
	for i := range 5 {
		if err := send(); err != nil {
			t.Fatalf("send %d of the burst: %v", i+1, err)
		}
	}
	if err := send(); !dm.IsCode(err, dm.ERATELIMITED) {
		t.Fatalf("send past the burst: %v, want rate_limited", err)
	}
	r.advance(time.Second) // two more at 2/s
	for i := range 2 {
		if err := send(); err != nil {
			t.Fatalf("send %d after a second: %v", i+1, err)
		}
	}
	if err := send(); !dm.IsCode(err, dm.ERATELIMITED) {
		t.Fatalf("third send after a second: %v, want rate_limited", err)
	}
}

func mustOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSendBatchAllOrNothing: SendBatch stores every message of a batch or
// none, and spends the send limit for the whole batch up front: a batch
// the bucket cannot pay for is refused before anything is written, one
// over the burst could never be paid for and is invalid.
func TestSendBatchAllOrNothing(t *testing.T) {
	r := newRules(t, chat.Config{SendPerSecond: 2, SendBurst: 5})
	ada := r.account("ada", dm.AllowEveryone)
	ben := r.account("ben", dm.AllowEveryone)
	r.account("cyd", dm.AllowEveryone)
	mustOK(t, r.svc.Follow(r.ctx, ben, "ada", true))
	toBen, _, err := r.svc.CreateConversation(r.ctx, ada, []string{"ben"}, "")
	mustOK(t, err)
	theirs, _, err := r.svc.CreateConversation(r.ctx, ben, []string{"cyd"}, "")
	mustOK(t, err)
	items := func(n int, convID string) []chat.SendItem {
		out := make([]chat.SendItem, n)
		for i := range out {
			out[i] = chat.SendItem{ConvID: convID, Params: chat.SendParams{Text: fmt.Sprint("m", i)}}
		}
		return out
	}
	stored := func() int {
		msgs, _, err := r.svc.Messages(r.ctx, ben, toBen.ID, "", 100)
		mustOK(t, err)
		return len(msgs)
	}
	if _, err := r.svc.SendBatch(r.ctx, ada, items(6, toBen.ID)); !dm.IsCode(err, dm.EINVALID) {
		t.Fatalf("a batch over the burst: %v, want invalid", err)
	}
	// The third message names a conversation ada is not in: the first
	// two are not stored either.
	bad := append(items(2, toBen.ID), chat.SendItem{ConvID: theirs.ID, Params: chat.SendParams{Text: "x"}})
	if _, err := r.svc.SendBatch(r.ctx, ada, bad); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Fatalf("a batch with another's conversation: %v, want not_found", err)
	}
	if n := stored(); n != 0 {
		t.Fatalf("a refused batch stored %d messages", n)
	}
	// That batch spent 3 of the 5 tokens: a batch of 3 waits, and
	// writes nothing.
	if _, err := r.svc.SendBatch(r.ctx, ada, items(3, toBen.ID)); !dm.IsCode(err, dm.ERATELIMITED) {
		t.Fatalf("a batch past the tokens left: %v, want rate_limited", err)
	}
	if n := stored(); n != 0 {
		t.Fatalf("a rate-limited batch stored %d messages", n)
	}
	r.advance(time.Second)
	msgs, err := r.svc.SendBatch(r.ctx, ada, items(3, toBen.ID))
	mustOK(t, err)
	if len(msgs) != 3 || stored() != 3 || msgs[2].Seq != 3 {
		t.Fatalf("a batch of 3: %d messages returned, %d stored", len(msgs), stored())
	}
}

// TestBlockFreezesDirect: a block hides and refuses in both directions,
// so once one of two people in a direct conversation blocks the other,
// neither can change what the other sees there: no edit, no new reaction
// (a send is refused the same way). Taking a reaction back stays allowed,
// and unblocking opens it all again.
func TestBlockFreezesDirect(t *testing.T) {
	r := newRules(t, chat.Config{})
	ada, ben, conv := r.friends(t)
	fromAda, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "hi ben"})
	mustOK(t, err)
	fromBen, _, err := r.svc.Send(r.ctx, ben, conv.ID, chat.SendParams{Text: "hi ada"})
	mustOK(t, err)
	mustOK(t, r.svc.React(r.ctx, ben, fromAda.ID, "👍", true))
	mustOK(t, r.svc.Block(r.ctx, ada, "ben", true))
	for _, c := range []struct {
		who  *dm.Account
		mine *dm.Message
		its  *dm.Message
	}{{ben, fromBen, fromAda}, {ada, fromAda, fromBen}} {
		if _, err := r.svc.Edit(r.ctx, c.who, c.mine.ID, "edited after the block"); !dm.IsCode(err, dm.EFORBIDDEN) {
			t.Errorf("@%s edits after the block: %v, want forbidden", c.who.Handle, err)
		}
		if err := r.svc.React(r.ctx, c.who, c.its.ID, "🔥", true); !dm.IsCode(err, dm.EFORBIDDEN) {
			t.Errorf("@%s reacts after the block: %v, want forbidden", c.who.Handle, err)
		}
	}
	msgs, _, err := r.svc.Messages(r.ctx, ada, conv.ID, "", 10)
	mustOK(t, err)
	for _, m := range msgs {
		if m.EditedAt != nil || len(m.Reactions) > 1 {
			t.Errorf("ada sees %q edited %v with reactions %+v", m.Text, m.EditedAt, m.Reactions)
		}
	}
	mustOK(t, r.svc.React(r.ctx, ben, fromAda.ID, "👍", false))
	mustOK(t, r.svc.Block(r.ctx, ada, "ben", false))
	_, err = r.svc.Edit(r.ctx, ben, fromBen.ID, "edited after the unblock")
	mustOK(t, err)
	mustOK(t, r.svc.React(r.ctx, ada, fromBen.ID, "🔥", true))
}

// TestBlockHidesReadReceipts: a block hides read receipts both ways, as it
// hides typing: neither person learns when the other reads.
func TestBlockHidesReadReceipts(t *testing.T) {
	r := newRules(t, chat.Config{})
	ada, ben, conv := r.friends(t)
	_, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: "hi ben"})
	mustOK(t, err)
	_, _, err = r.svc.Send(r.ctx, ben, conv.ID, chat.SendParams{Text: "hi ada"})
	mustOK(t, err)
	cursors := map[string]string{}
	for _, a := range []*dm.Account{ada, ben} {
		_, cur, err := r.svc.Events(r.ctx, a, "", 0)
		mustOK(t, err)
		cursors[a.ID] = cur
	}
	mustOK(t, r.svc.Block(r.ctx, ada, "ben", true))
	// Ada has ben's message to read (ben has read everything: he wrote last).
	mustOK(t, r.svc.MarkRead(r.ctx, ada, conv.ID, ""))
	for _, a := range []*dm.Account{ada, ben} {
		evs, _, err := r.svc.Events(r.ctx, a, cursors[a.ID], 100)
		mustOK(t, err)
		for _, ev := range evs {
			if ev.Type == dm.EventReadUpdated && ev.Actor != nil && ev.Actor.ID != a.ID {
				t.Errorf("@%s hears that @%s read, across a block", a.Handle, ev.Actor.Handle)
			}
		}
	}
}
