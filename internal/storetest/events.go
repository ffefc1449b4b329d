package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// eventTests check dm.EventTx: the per-user event log and its pruning.
var eventTests = []test{
	{"Events", testEvents},
	{"PruneEvents", testPruneEvents},
	{"AppendEncodedEvent", testAppendEncodedEvent},
}

func appendEvent(t *testing.T, s dm.Store, u *dm.Account, e dm.Event) dm.Event {
	t.Helper()
	update(t, s, func(tx dm.Tx) error { return tx.AppendEvent(context.Background(), u.ID, &e) })
	return e
}

func events(t *testing.T, s dm.Store, u *dm.Account, after int64, limit int) ([]dm.Event, error) {
	t.Helper()
	var es []dm.Event
	err := s.View(context.Background(), func(tx dm.Tx) (err error) {
		es, err = tx.Events(context.Background(), u.ID, after, limit)
		return err
	})
	return es, err
}

func eventSeqs(t *testing.T, s dm.Store, u *dm.Account, after int64, limit int) []int64 {
	t.Helper()
	es, err := events(t, s, u, after, limit)
	if err != nil {
		t.Fatalf("Events(%s, %d, %d): %v", u.Handle, after, limit, err)
	}
	out := []int64{}
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func lastEventSeq(t *testing.T, s dm.Store, u *dm.Account) int64 {
	t.Helper()
	var seq int64
	view(t, s, func(tx dm.Tx) (err error) {
		seq, err = tx.LastEventSeq(context.Background(), u.ID)
		return err
	})
	return seq
}

func testEvents(t *testing.T, s dm.Store) {
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	m := send(t, s, c.ID, a, "hello", at(1))
	if got := lastEventSeq(t, s, a); got != 0 {
		t.Errorf("LastEventSeq of an empty log = %d", got)
	}
	actor := b.Profile()
	in := []dm.Event{
		{Type: dm.EventMessageCreated, ConversationID: c.ID, At: at(1), Message: m},
		{Type: dm.EventReactionAdded, ConversationID: c.ID, At: at(2), Actor: &actor, Emoji: "👍"},
		{Type: dm.EventReadUpdated, ConversationID: c.ID, At: at(3), Actor: &actor, ReadSeq: 1},
		{Type: dm.EventConversationCreated, ConversationID: c.ID, At: at(4), Conversation: getConversation(t, s, c.ID, a)},
	}
	for i, e := range in {
		got := appendEvent(t, s, a, e)
		if got.Seq != int64(i+1) {
			t.Errorf("event %d of a has seq %d", i+1, got.Seq)
		}
	}
	if got := appendEvent(t, s, b, in[0]); got.Seq != 1 {
		t.Errorf("b's first event has seq %d: logs are per user", got.Seq)
	}
	es, err := events(t, s, a, 0, 10)
	if err != nil || len(es) != 4 {
		t.Fatalf("Events(a, 0) = %+v, %v", es, err)
	}
	for i, e := range es {
		w := in[i]
		if e.Seq != int64(i+1) || e.Type != w.Type || e.ConversationID != c.ID || e.Emoji != w.Emoji || e.ReadSeq != w.ReadSeq {
			t.Errorf("event %d = %+v, want %+v", i+1, e, w)
		}
		wantUTC(t, "Event.At", e.At, w.At)
		if (e.Actor == nil) != (w.Actor == nil) || e.Actor != nil && *e.Actor != *w.Actor {
			t.Errorf("event %d actor = %+v, want %+v", i+1, e.Actor, w.Actor)
		}
	}
	if es[0].Message == nil || es[0].Message.ID != m.ID || es[0].Message.Text != "hello" || es[0].Message.Seq != 1 ||
		es[0].Message.Sender != a.Profile() {
		t.Errorf("event message = %+v, want %+v", es[0].Message, m)
	}
	if cv := es[3].Conversation; cv == nil || cv.ID != c.ID || len(cv.Members) != 2 {
		t.Errorf("event conversation = %+v", cv)
	}
	if got := eventSeqs(t, s, a, 1, 10); !slices.Equal(got, []int64{2, 3, 4}) {
		t.Errorf("Events(a, after 1) = %v", got)
	}
	if got := eventSeqs(t, s, a, 1, 2); !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("Events(a, after 1, limit 2) = %v", got)
	}
	if got := eventSeqs(t, s, a, 4, 10); len(got) != 0 {
		t.Errorf("Events(a, after 4) = %v, want none", got)
	}
	if la, lb := lastEventSeq(t, s, a), lastEventSeq(t, s, b); la != 4 || lb != 1 {
		t.Errorf("LastEventSeq a, b = %d, %d; want 4, 1", la, lb)
	}
}

func testPruneEvents(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol")
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(a), accepted(b), accepted(c))
	for i := range 5 {
		appendEvent(t, s, a, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(i), ReadSeq: int64(i)})
	}
	appendEvent(t, s, b, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(10)})
	pruneN := func(before time.Time, limit int) int64 {
		var n int64
		update(t, s, func(tx dm.Tx) (err error) { n, err = tx.PruneEvents(ctx, before, limit); return err })
		return n
	}
	prune := func(before time.Time) int64 { return pruneN(before, 1000) }
	// A slice: the two oldest only.
	if n := pruneN(at(3), 2); n != 2 {
		t.Errorf("PruneEvents(before event 4, limit 2) = %d, want 2", n)
	}
	_, err := events(t, s, a, 1, 10)
	wantCode(t, "Events(a, after 1) once 1-2 are pruned", err, dm.EGONE)
	if got := eventSeqs(t, s, a, 2, 10); !slices.Equal(got, []int64{3, 4, 5}) {
		t.Errorf("Events(a, after 2) after a slice of 2 = %v, want [3 4 5]", got)
	}
	if n := prune(at(3)); n != 1 {
		t.Errorf("PruneEvents(before event 4) after the slice = %d, want 1", n)
	}
	for _, after := range []int64{0, 1, 2} {
		_, err := events(t, s, a, after, 10)
		wantCode(t, fmt.Sprintf("Events(a, after %d) once 1-3 are pruned", after), err, dm.EGONE)
	}
	if got := eventSeqs(t, s, a, 3, 10); !slices.Equal(got, []int64{4, 5}) {
		t.Errorf("Events(a, after 3) = %v, want [4 5]", got)
	}
	if got := eventSeqs(t, s, a, 5, 10); len(got) != 0 {
		t.Errorf("Events(a, after 5) = %v, want none", got)
	}
	if got := eventSeqs(t, s, b, 0, 10); !slices.Equal(got, []int64{1}) {
		t.Errorf("b's log = %v: pruning a's old events touched it", got)
	}
	if got := eventSeqs(t, s, c, 0, 10); len(got) != 0 {
		t.Errorf("c's empty log = %v", got)
	}
	// Pruning everything keeps the seqs going.
	if n := prune(at(100)); n != 3 {
		t.Errorf("PruneEvents(everything) = %d, want 3", n)
	}
	if got := lastEventSeq(t, s, a); got != 5 {
		t.Errorf("LastEventSeq after pruning everything = %d, want 5", got)
	}
	if got := eventSeqs(t, s, a, 5, 10); len(got) != 0 {
		t.Errorf("Events(a, current cursor) = %v, want none and no error", got)
	}
	if e := appendEvent(t, s, a, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(200)}); e.Seq != 6 {
		t.Errorf("seq after pruning everything = %d, want 6", e.Seq)
	}
	if got := eventSeqs(t, s, a, 5, 10); !slices.Equal(got, []int64{6}) {
		t.Errorf("Events(a, after 5) = %v, want [6]", got)
	}
	_, err = events(t, s, a, 4, 10)
	wantCode(t, "Events(a, after 4)", err, dm.EGONE)
	if got := lastEventSeq(t, s, b); got != 1 {
		t.Errorf("LastEventSeq(b) after pruning = %d, want 1", got)
	}

	// After a clock step back, the newest event can be the oldest by time:
	// pruning it must not let its seq be given out again.
	appendEvent(t, s, c, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(500)})
	appendEvent(t, s, c, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(300)})
	if n := prune(at(400)); n != 2 {
		t.Errorf("PruneEvents(between c's two events) = %d, want 2 (a's at 200, c's at 300)", n)
	}
	if got := lastEventSeq(t, s, c); got != 2 {
		t.Errorf("LastEventSeq(c) after its newest event was pruned = %d, want 2", got)
	}
	if e := appendEvent(t, s, c, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(600)}); e.Seq != 3 {
		t.Errorf("c's next seq = %d, want 3", e.Seq)
	}
	_, err = events(t, s, c, 1, 10)
	wantCode(t, "Events(c, after 1) once seq 2 is pruned", err, dm.EGONE)
	if got := eventSeqs(t, s, c, 2, 10); !slices.Equal(got, []int64{3}) {
		t.Errorf("Events(c, after 2) = %v, want [3]", got)
	}
}

// testAppendEncodedEvent checks that an event appended in its stored form
// (one encoding for several users) reads back as AppendEvent's, numbered in
// each user's log after what it holds.
func testAppendEncodedEvent(t *testing.T, s dm.Store) {
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	m := send(t, s, c.ID, a, "hello", at(1))
	actor := b.Profile()
	appendEvent(t, s, a, dm.Event{Type: dm.EventReadUpdated, ConversationID: c.ID, At: at(1), Actor: &actor, ReadSeq: 1})
	e := dm.Event{Type: dm.EventMessageCreated, ConversationID: c.ID, At: at(2), Message: m, Brand: "acme",
		Inbox: &dm.InboxView{ConversationID: c.ID, Brand: "acme", Customer: a.Profile(), Status: dm.InboxOpen, Labels: []string{"vip"},
			Priority: dm.PriorityNone, LastMessage: m, LastMessageAt: at(2), CreatedAt: at(0), UpdatedAt: at(2)}}
	data, err := dm.EncodeEvent(&e)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	update(t, s, func(tx dm.Tx) error {
		for _, u := range []*dm.Account{a, b, a} {
			ev := e
			if err := tx.AppendEncodedEvent(context.Background(), u.ID, &ev, string(data)); err != nil {
				return err
			}
			seqs = append(seqs, ev.Seq)
		}
		return nil
	})
	if !slices.Equal(seqs, []int64{2, 1, 3}) {
		t.Errorf("seqs of a, b, a = %v, want [2 1 3]", seqs)
	}
	for _, u := range []*dm.Account{a, b} {
		es, err := events(t, s, u, 0, 10)
		if err != nil {
			t.Fatalf("Events(%s): %v", u.Handle, err)
		}
		for _, got := range es {
			if got.Type != dm.EventMessageCreated {
				continue
			}
			wantUTC(t, "Event.At", got.At, e.At)
			if got.ConversationID != c.ID || got.Brand != "acme" || got.Message == nil || got.Message.ID != m.ID || got.Message.Text != "hello" ||
				got.Inbox == nil || got.Inbox.LastMessage == nil || got.Inbox.LastMessage.ID != m.ID || !slices.Equal(got.Inbox.Labels, []string{"vip"}) ||
				got.Inbox.Customer != a.Profile() {
				t.Errorf("%s's event %d = %+v", u.Handle, got.Seq, got)
			}
		}
		if want := map[*dm.Account]int{a: 3, b: 1}[u]; len(es) != want {
			t.Errorf("%s has %d events, want %d", u.Handle, len(es), want)
		}
	}
}
