// Package bustest is the conformance suite of dm.Bus: the in-process bus and
// the NATS bus both pass it.
package bustest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// wait bounds how long a test waits for a notification that must come. It is
// a deadline for a hung bus, not a timing assertion.
const wait = 10 * time.Second

// Run runs the suite. newBus returns a fresh, empty bus for one test and
// arranges for it to be closed when the test ends (Close may then run a
// second time, after a test closed the bus itself). Buses from two calls
// must not see each other's notifications.
func Run(t *testing.T, newBus func(t *testing.T) dm.Bus) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b dm.Bus)
	}{
		{"DeliversToTheRightUserOnly", testRightUser},
		{"SeveralSubscribersPerUser", testSeveralSubscribers},
		{"CancelStopsDelivery", testCancel},
		{"PerUserOrderFromOnePublisher", testOrder},
		{"EphemeralEvents", testEphemeral},
		{"NotificationContent", testContent},
		{"Revocations", testRevocations},
		{"ManyUsers", testManyUsers},
		{"Ping", testPing},
		{"PublishAfterCloseFails", testClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newBus(t))
		})
	}
}

// Inbox collects the notifications one subscriber receives. Its fn never
// blocks, as dm.Bus requires.
type Inbox struct {
	mu     sync.Mutex
	got    []dm.Notification
	signal chan struct{}
}

// NewInbox returns an empty inbox.
func NewInbox() *Inbox { return &Inbox{signal: make(chan struct{}, 1)} }

// Fn is the subscriber function to pass to Subscribe.
func (in *Inbox) Fn(n dm.Notification) {
	in.mu.Lock()
	in.got = append(in.got, n)
	in.mu.Unlock()
	select {
	case in.signal <- struct{}{}:
	default:
	}
}

// Got returns a copy of what arrived so far.
func (in *Inbox) Got() []dm.Notification {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]dm.Notification(nil), in.got...)
}

// WaitFor waits until at least n notifications arrived and returns them all;
// it fails the test if they do not come.
func (in *Inbox) WaitFor(t *testing.T, n int) []dm.Notification {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		if got := in.Got(); len(got) >= n {
			return got
		}
		select {
		case <-in.signal:
		case <-deadline.C:
			t.Fatalf("received %d notifications, waited for %d", len(in.Got()), n)
		}
	}
}

func subscribe(t *testing.T, b dm.Bus, userID string) (*Inbox, func()) {
	t.Helper()
	in := NewInbox()
	cancel, err := b.Subscribe(userID, in.Fn)
	if err != nil {
		t.Fatalf("Subscribe(%s): %v", userID, err)
	}
	t.Cleanup(cancel)
	return in, cancel
}

// note is a notification carrying one logged event with the given seq.
func note(userID string, seq int64) dm.Notification {
	return dm.Notification{UserID: userID, Events: []dm.Event{{
		Seq: seq, Type: dm.EventMessageCreated, ConversationID: "c1", At: time.Unix(1700000000, 0).UTC(),
	}}}
}

func publish(t *testing.T, b dm.Bus, ns ...dm.Notification) {
	t.Helper()
	if err := b.Publish(context.Background(), ns...); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

func seqs(ns []dm.Notification) []int64 {
	var out []int64
	for _, n := range ns {
		for _, e := range n.Events {
			out = append(out, e.Seq)
		}
	}
	return out
}

func checkSeqs(t *testing.T, who string, ns []dm.Notification, want ...int64) {
	t.Helper()
	got := seqs(ns)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s received seqs %v, want %v", who, got, want)
	}
}

func testRightUser(t *testing.T, b dm.Bus) {
	alice, _ := subscribe(t, b, "alice")
	bob, _ := subscribe(t, b, "bob")
	publish(t, b, note("alice", 1), note("bob", 2), note("carol", 3))
	// A second round to each: once it arrives, anything misdirected from the
	// first round would have arrived too (per-user order).
	publish(t, b, note("alice", 4), note("bob", 5))
	got := alice.WaitFor(t, 2)
	checkSeqs(t, "alice", got, 1, 4)
	for _, n := range got {
		if n.UserID != "alice" {
			t.Fatalf("alice received a notification for %s", n.UserID)
		}
	}
	checkSeqs(t, "bob", bob.WaitFor(t, 2), 2, 5)
}

func testSeveralSubscribers(t *testing.T, b dm.Bus) {
	a1, _ := subscribe(t, b, "alice")
	a2, _ := subscribe(t, b, "alice")
	a3, _ := subscribe(t, b, "alice")
	publish(t, b, note("alice", 1))
	publish(t, b, note("alice", 2))
	for i, in := range []*Inbox{a1, a2, a3} {
		checkSeqs(t, fmt.Sprintf("subscriber %d", i+1), in.WaitFor(t, 2), 1, 2)
	}
}

func testCancel(t *testing.T, b dm.Bus) {
	a1, cancel1 := subscribe(t, b, "alice")
	a2, cancel2 := subscribe(t, b, "alice")
	publish(t, b, note("alice", 1))
	a1.WaitFor(t, 1)
	a2.WaitFor(t, 1)

	cancel1()
	cancel1() // a second call is harmless
	publish(t, b, note("alice", 2))
	checkSeqs(t, "the remaining subscriber", a2.WaitFor(t, 2), 1, 2)
	checkSeqs(t, "the canceled subscriber", a1.Got(), 1)

	// The user's last subscriber leaves, then a new one arrives: it gets
	// what is published from then on, and the old ones get nothing more.
	cancel2()
	a3, _ := subscribe(t, b, "alice")
	publish(t, b, note("alice", 3))
	checkSeqs(t, "the new subscriber", a3.WaitFor(t, 1), 3)
	checkSeqs(t, "the first canceled subscriber", a1.Got(), 1)
	checkSeqs(t, "the second canceled subscriber", a2.Got(), 1, 2)
}

func testOrder(t *testing.T, b dm.Bus) {
	in, _ := subscribe(t, b, "alice")
	const n = 300
	var want []int64
	for i := int64(1); i <= n; i++ {
		want = append(want, i)
	}
	// One notification per call, then a batch in one call.
	for i := int64(1); i <= n/2; i++ {
		publish(t, b, note("alice", i))
	}
	var batch []dm.Notification
	for i := int64(n/2 + 1); i <= n; i++ {
		batch = append(batch, note("alice", i))
	}
	publish(t, b, batch...)
	checkSeqs(t, "alice", in.WaitFor(t, n), want...)
}

func testEphemeral(t *testing.T, b dm.Bus) {
	in, _ := subscribe(t, b, "bob")
	typing := dm.Notification{UserID: "bob", Events: []dm.Event{{
		Type: dm.EventTyping, ConversationID: "c9", At: time.Unix(1700000000, 0).UTC(),
		Actor: &dm.Profile{ID: "alice", Handle: "alice", DisplayName: "Alice"},
	}}}
	publish(t, b, typing)
	got := in.WaitFor(t, 1)
	if len(got) != 1 || len(got[0].Events) != 1 {
		t.Fatalf("received %+v", got)
	}
	e := got[0].Events[0]
	if e.Seq != 0 || e.Type != dm.EventTyping || e.ConversationID != "c9" || e.Actor == nil || e.Actor.Handle != "alice" {
		t.Fatalf("typing event arrived as %+v", e)
	}
}

func testContent(t *testing.T, b dm.Bus) {
	in, _ := subscribe(t, b, "bob")
	at := time.Date(2026, 11, 26, 12, 0, 0, 123000000, time.UTC)
	msg := &dm.Message{
		ID: "m1", ConversationID: "c1", Seq: 7, Sender: dm.Profile{ID: "alice", Handle: "alice"},
		Text: "héllo 👋", Reactions: []dm.Reaction{{Emoji: "👍", Count: 2, Me: true}}, CreatedAt: at,
	}
	n := dm.Notification{UserID: "bob", Events: []dm.Event{
		{Seq: 41, Type: dm.EventMessageCreated, ConversationID: "c1", At: at, Message: msg},
		{Seq: 42, Type: dm.EventReadUpdated, ConversationID: "c1", At: at, ReadSeq: 7,
			Actor: &dm.Profile{ID: "alice", Handle: "alice"}},
	}}
	publish(t, b, n)
	got := in.WaitFor(t, 1)
	if len(got) != 1 || got[0].UserID != "bob" || len(got[0].Events) != 2 {
		t.Fatalf("received %+v", got)
	}
	e1, e2 := got[0].Events[0], got[0].Events[1]
	if e1.Seq != 41 || e1.Message == nil || e1.Message.Text != msg.Text || e1.Message.Seq != 7 ||
		!e1.At.Equal(at) || len(e1.Message.Reactions) != 1 || e1.Message.Reactions[0].Count != 2 {
		t.Fatalf("first event arrived as %+v (message %+v)", e1, e1.Message)
	}
	if e2.Seq != 42 || e2.Type != dm.EventReadUpdated || e2.ReadSeq != 7 || e2.Actor == nil {
		t.Fatalf("second event arrived as %+v", e2)
	}
}

// testRevocations: a revocation on dm.RevocationChannel (an id no account
// has, with a character NATS subjects cannot carry as is) reaches its
// subscribers whole, and no user's subscriber.
func testRevocations(t *testing.T, b dm.Bus) {
	in, _ := subscribe(t, b, dm.RevocationChannel)
	user, _ := subscribe(t, b, "alice")
	publish(t, b, dm.Notification{UserID: dm.RevocationChannel, Revoked: &dm.Revocation{UserID: "alice", TokenHashes: []string{"h1", "h2"}}})
	publish(t, b, note("alice", 1))
	got := in.WaitFor(t, 1)
	if len(got) != 1 || got[0].Revoked == nil || got[0].Revoked.UserID != "alice" || len(got[0].Revoked.TokenHashes) != 2 ||
		got[0].Revoked.TokenHashes[1] != "h2" {
		t.Fatalf("revocation arrived as %+v", got)
	}
	if u := user.WaitFor(t, 1); len(u) != 1 || u[0].Revoked != nil {
		t.Fatalf("alice's subscriber got %+v, want her notification only", u)
	}
}

func testManyUsers(t *testing.T, b dm.Bus) {
	const users = 200
	inboxes := make([]*Inbox, users)
	var ns []dm.Notification
	for i := range inboxes {
		id := fmt.Sprintf("user%03d", i)
		inboxes[i], _ = subscribe(t, b, id)
		ns = append(ns, note(id, int64(i+1)))
	}
	publish(t, b, ns...)
	for i, in := range inboxes {
		got := in.WaitFor(t, 1)
		if len(got) != 1 || got[0].UserID != fmt.Sprintf("user%03d", i) {
			t.Fatalf("user %d received %+v", i, got)
		}
		checkSeqs(t, got[0].UserID, got, int64(i+1))
	}
}

func testPing(t *testing.T, b dm.Bus) {
	if err := b.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

func testClose(t *testing.T, b dm.Bus) {
	in, _ := subscribe(t, b, "alice")
	publish(t, b, note("alice", 1))
	in.WaitFor(t, 1)
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := b.Publish(context.Background(), note("alice", 2)); err == nil {
		t.Fatal("Publish after Close succeeded")
	}
	if _, err := b.Subscribe("alice", func(dm.Notification) {}); err == nil {
		t.Fatal("Subscribe after Close succeeded")
	}
	checkSeqs(t, "alice", in.Got(), 1)
}
