package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/sqlite"
)

// sendScript runs the sends of a direct conversation and a group through
// chat.Service on store, with retries, conflicts, refusals and replies, and
// returns what each step answered and what each person's event log and the
// conversations' history hold, with ids replaced by names, so that two
// stores' transcripts compare equal.
func sendScript(t *testing.T, store dm.Store) []string {
	t.Helper()
	ctx := context.Background()
	bus := inmem.New()
	t.Cleanup(func() { bus.Close() })
	svc := chat.New(store, bus, chat.Config{})
	names := map[string]string{}
	acct := func(handle string) *dm.Account {
		a := &dm.Account{ID: dm.NewID(), Handle: handle, DisplayName: handle, Kind: dm.KindPerson}
		if err := store.Update(ctx, func(tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x") }); err != nil {
			t.Fatal(err)
		}
		names[a.ID] = handle
		return a
	}
	alice, bob, carol := acct("alice"), acct("bob"), acct("carol")
	direct, _, err := svc.CreateConversation(ctx, alice, []string{"bob"}, "")
	if err != nil {
		t.Fatal(err)
	}
	group, _, err := svc.CreateConversation(ctx, carol, []string{"alice", "bob"}, "g")
	if err != nil {
		t.Fatal(err)
	}
	nowhere := dm.NewID()
	names[direct.ID], names[group.ID], names[nowhere] = "direct", "group", "nowhere"
	var out []string
	var msgs []*dm.Message
	send := func(step string, me *dm.Account, conv string, p chat.SendParams) {
		m, created, err := svc.Send(ctx, me, conv, p)
		line := step + ": "
		if err != nil {
			line += dm.ErrorCode(err) + " " + err.Error()
		} else {
			names[m.ID] = fmt.Sprintf("m%d", len(msgs))
			msgs = append(msgs, m)
			line += fmt.Sprintf("%s seq %d created %v %q", names[m.ID], m.Seq, created, m.Text)
		}
		for id, n := range names {
			line = strings.ReplaceAll(line, id, n)
		}
		out = append(out, line)
	}
	send("first", alice, direct.ID, chat.SendParams{Text: "hi", ClientID: "c1"})
	send("retry", alice, direct.ID, chat.SendParams{Text: "hi", ClientID: "c1"})
	send("client_id elsewhere", alice, group.ID, chat.SendParams{Text: "hi", ClientID: "c1"})
	send("no client_id", alice, direct.ID, chat.SendParams{Text: "again"})
	send("not a member", carol, direct.ID, chat.SendParams{Text: "psst", ClientID: "c2"})
	send("no conversation", alice, nowhere, chat.SendParams{Text: "void", ClientID: "c3"})
	send("bad reply_to", alice, direct.ID, chat.SendParams{Text: "re", ReplyTo: dm.NewID(), ClientID: "c4"})
	send("reply accepts", bob, direct.ID, chat.SendParams{Text: "hello", ClientID: "c1", ReplyTo: msgs[0].ID})
	send("after a reply", alice, direct.ID, chat.SendParams{Text: "seen", ClientID: "c5"})
	if err := svc.Block(ctx, bob, "alice", true); err != nil {
		t.Fatal(err)
	}
	send("blocked", alice, direct.ID, chat.SendParams{Text: "?", ClientID: "c6"})
	send("blocked retry", alice, direct.ID, chat.SendParams{Text: "seen", ClientID: "c5"})
	if err := svc.Block(ctx, bob, "alice", false); err != nil {
		t.Fatal(err)
	}
	send("unblocked", alice, direct.ID, chat.SendParams{Text: "ok?", ClientID: "c6"})
	send("group", carol, group.ID, chat.SendParams{Text: "all", ClientID: "c1"})
	send("group 2", alice, group.ID, chat.SendParams{Text: "yes", ClientID: "c7"})
	send("group 3", bob, group.ID, chat.SendParams{Text: "me too"})
	send("group retry", carol, group.ID, chat.SendParams{Text: "all", ClientID: "c1"})
	// Turns: each send follows someone else's, with and without read
	// receipts (the read.updated events go to the sender only, then).
	send("turn", bob, direct.ID, chat.SendParams{Text: "your turn", ClientID: "c8"})
	send("turn 2", alice, direct.ID, chat.SendParams{Text: "mine", ClientID: "c8"})
	if err := store.Update(ctx, func(tx dm.Tx) error {
		return tx.UpdateAccount(ctx, bob, dm.Settings{AllowIncoming: dm.AllowEveryone})
	}); err != nil {
		t.Fatal(err)
	}
	send("no receipts", bob, direct.ID, chat.SendParams{Text: "quiet", ClientID: "c9"})
	send("no receipts 2", alice, direct.ID, chat.SendParams{Text: "loud", ClientID: "c9"})
	send("no receipts group", bob, group.ID, chat.SendParams{Text: "quiet all"})
	send("no receipts group 2", carol, group.ID, chat.SendParams{Text: "loud all"})
	for _, who := range []*dm.Account{alice, bob, carol} {
		// From the log's start ("" would start from now).
		evs, _, err := svc.Events(ctx, who, "0", 500)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) < 10 {
			t.Errorf("%s has only %d events", who.Handle, len(evs))
		}
		for _, e := range evs {
			line := fmt.Sprintf("%s event %d %s %s", who.Handle, e.Seq, e.Type, names[e.ConversationID])
			if e.Message != nil {
				line += fmt.Sprintf(" %s seq %d", names[e.Message.ID], e.Message.Seq)
			}
			if e.Type == dm.EventReadUpdated {
				line += fmt.Sprintf(" read %d by %s", e.ReadSeq, names[e.Actor.ID])
			}
			out = append(out, line)
		}
		for _, c := range []*dm.Conversation{direct, group} {
			ms, _, err := svc.Messages(ctx, who, c.ID, "", 50)
			if err != nil {
				out = append(out, fmt.Sprintf("%s history %s: %s", who.Handle, names[c.ID], dm.ErrorCode(err)))
				continue
			}
			for _, m := range ms {
				out = append(out, fmt.Sprintf("%s history %s %s seq %d %q", who.Handle, names[c.ID], names[m.ID], m.Seq, m.Text))
			}
			conv, err := svc.Conversation(ctx, who, c.ID)
			if err == nil {
				out = append(out, fmt.Sprintf("%s conversation %s unread %d", who.Handle, names[c.ID], conv.UnreadCount))
			}
		}
	}
	return out
}

// A send on PostgreSQL (PrepareSend and its queued writes) answers as the
// same send on SQLite, step by step, in every event log and in history.
func TestSendMatchesSQLite(t *testing.T) {
	db := openTest(t)
	lite, err := sqlite.Open(context.Background(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lite.Close() })
	got, want := sendScript(t, db), sendScript(t, lite)
	if len(got) != len(want) {
		t.Errorf("%d lines on PostgreSQL, %d on SQLite", len(got), len(want))
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("line %d:\n postgres %s\n   sqlite %s", i, g, w)
		}
	}
	if len(want) < 30 {
		t.Errorf("only %d lines: the script did not run", len(want))
	}
}

// roundTrips counts what reaches the server: a statement on its own or a
// batch is one round trip.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// A send with a client_id in an accepted direct conversation is two round
// trips: BEGIN with the reads and locks, then the writes with COMMIT;
// whether the sender's last message is the newest (what `bench send`
// measures) or the other person wrote since (turns: the send also moves
// the sender's read marker and tells both of them).
func TestSendRoundTrips(t *testing.T) {
	rt := &roundTrips{}
	testTracer = rt
	db := openTest(t)
	testTracer = nil
	ctx := context.Background()
	bus := inmem.New()
	t.Cleanup(func() { bus.Close() })
	svc := chat.New(db, bus, chat.Config{})
	var as []*dm.Account
	for _, h := range []string{"ann", "ben"} {
		a := &dm.Account{ID: dm.NewID(), Handle: h, DisplayName: h, Kind: dm.KindPerson}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x") }); err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	conv, _, err := svc.CreateConversation(ctx, as[0], []string{"ben"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Accept(ctx, as[1], conv.ID); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		before := rt.n.Load()
		m, created, err := svc.Send(ctx, as[0], conv.ID, chat.SendParams{Text: "hi", ClientID: fmt.Sprint("c", i)})
		if err != nil || !created || m.Seq != int64(i+1) {
			t.Fatalf("send %d: %v, created %v, seq %d", i, err, created, m.Seq)
		}
		if n := rt.n.Load() - before; n != 2 {
			t.Errorf("send %d took %d round trips, want 2", i, n)
		}
	}
	for i := range 4 {
		me := as[1-i%2]
		before := rt.n.Load()
		m, created, err := svc.Send(ctx, me, conv.ID, chat.SendParams{Text: "turn", ClientID: fmt.Sprint("t", i)})
		if err != nil || !created || m.Seq != int64(i+4) {
			t.Fatalf("turn %d: %v, created %v, seq %d", i, err, created, m.Seq)
		}
		if n := rt.n.Load() - before; n != 2 {
			t.Errorf("turn %d (%s) took %d round trips, want 2", i, me.Handle, n)
		}
	}
	// Both were told of each turn's read marker.
	for _, a := range as {
		evs, _, err := svc.Events(ctx, a, "0", 500)
		if err != nil {
			t.Fatal(err)
		}
		var reads int
		for _, e := range evs {
			if e.Type == dm.EventReadUpdated {
				reads++
			}
		}
		if reads < 4 {
			t.Errorf("%s has %d read.updated events, want at least 4", a.Handle, reads)
		}
	}
}

// A prepared send's queued insert checks its own conflict: the error comes
// at COMMIT with InsertMessage's code and message, and nothing commits.
func TestPreparedInsertConflict(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	conv, alice := seedConversation(t, db)
	first := &dm.Message{ConversationID: conv, Sender: dm.Profile{ID: alice}, Text: "one"}
	if err := db.Update(ctx, func(tx dm.Tx) error { return tx.InsertMessage(ctx, first, "") }); err != nil {
		t.Fatal(err)
	}
	again := &dm.Message{ID: first.ID, ConversationID: conv, Sender: dm.Profile{ID: alice}, Text: "two"}
	err := db.Update(ctx, func(d dm.Tx) error {
		if err := d.(dm.SendPreparer).PrepareSend(ctx, alice, conv, ""); err != nil {
			return err
		}
		if err := d.InsertMessage(ctx, again, ""); err != nil {
			t.Errorf("InsertMessage answered %v: it should have been queued", err)
		}
		if again.Seq != 2 {
			t.Errorf("queued seq %d, want 2", again.Seq)
		}
		if n := len(d.(*tx).pipe.stmts); n != 1 {
			t.Errorf("%d statements queued, want 1", n)
		}
		return nil
	})
	want := fmt.Sprintf("message %s or its client_id already exists", first.ID)
	var de *dm.Error
	if !dm.IsCode(err, dm.ECONFLICT) || !errors.As(err, &de) || de.Message != want {
		t.Fatalf("commit: %v, want %s %q", err, dm.ECONFLICT, want)
	}
	err = db.View(ctx, func(tx dm.Tx) error {
		ms, err := tx.Messages(ctx, conv, alice, 0, 10)
		if err != nil {
			return err
		}
		if len(ms) != 1 || ms[0].Text != "one" {
			t.Errorf("history after the failed send: %d messages, want only the first", len(ms))
		}
		c, err := tx.Conversation(ctx, conv, alice)
		if err != nil {
			return err
		}
		if c.LastMessage == nil || c.LastMessage.ID != first.ID {
			t.Errorf("last message moved by a failed send")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A member removed between the read and the queued update: the
	// update's own check fails the send with UpdateMembership's answer.
	err = db.Update(ctx, func(d dm.Tx) error {
		if err := d.(dm.SendPreparer).PrepareSend(ctx, alice, conv, ""); err != nil {
			return err
		}
		ms, err := d.Memberships(ctx, conv)
		if err != nil {
			return err
		}
		if _, err := d.(*tx).tx.Exec(ctx, `DELETE FROM members WHERE conversation_id = $1 AND user_id = $2`, conv, alice); err != nil {
			return err
		}
		m := ms[0]
		for _, x := range ms {
			if x.UserID == alice {
				m = x
			}
		}
		return d.UpdateMembership(ctx, &m)
	})
	if !dm.IsCode(err, dm.ENOTFOUND) || !strings.Contains(err.Error(), "is not a member of") {
		t.Fatalf("queued membership update of a removed member: %v, want %s", err, dm.ENOTFOUND)
	}
}

// seedConversation creates two accounts and a direct conversation of both.
func seedConversation(t *testing.T, db *DB) (conv, alice string) {
	t.Helper()
	ctx := context.Background()
	svc := chat.New(db, inmem.New(), chat.Config{})
	var as []*dm.Account
	for _, h := range []string{"alder", "bower"} {
		a := &dm.Account{ID: dm.NewID(), Handle: h, DisplayName: h, Kind: dm.KindPerson}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x") }); err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	c, _, err := svc.CreateConversation(ctx, as[0], []string{"bower"}, "")
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, as[0].ID
}

// Concurrent prepared sends to one conversation, each sent twice with the
// same client_id from two goroutines: every send lands once, the seqs are
// 1..n without a gap, and every member's event log numbers its events
// 1..m without a gap.
func TestPreparedSendsConcurrent(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	bus := inmem.New()
	t.Cleanup(func() { bus.Close() })
	svc := chat.New(db, bus, chat.Config{RateLimitOff: true})
	var as []*dm.Account
	for _, h := range []string{"owner", "first", "second"} {
		a := &dm.Account{ID: dm.NewID(), Handle: h, DisplayName: h, Kind: dm.KindPerson}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x") }); err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	conv, _, err := svc.CreateConversation(ctx, as[0], []string{"first", "second"}, "g")
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 6, 10
	ids := make([][]string, workers*2)
	errs := make(chan error, workers*2)
	for w := range workers * 2 {
		go func() {
			me := as[(w/2)%3]
			for i := range each {
				// Workers 2k and 2k+1 send the same client_ids.
				m, _, err := svc.Send(ctx, me, conv.ID, chat.SendParams{Text: "x", ClientID: fmt.Sprintf("w%d-%d", w/2, i)})
				if err != nil {
					errs <- err
					return
				}
				ids[w] = append(ids[w], m.ID)
			}
			errs <- nil
		}()
	}
	for range workers * 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for w := 0; w < workers*2; w += 2 {
		for i := range each {
			if ids[w][i] != ids[w+1][i] {
				t.Errorf("client_id w%d-%d made two messages", w/2, i)
			}
		}
	}
	err = db.View(ctx, func(tx dm.Tx) error {
		ms, err := tx.Messages(ctx, conv.ID, as[0].ID, 0, 1000)
		if err != nil {
			return err
		}
		if len(ms) != workers*each {
			t.Errorf("%d messages, want %d", len(ms), workers*each)
		}
		for i, m := range ms {
			if want := int64(len(ms) - i); m.Seq != want {
				t.Fatalf("message %d has seq %d, want %d", i, m.Seq, want)
			}
		}
		for _, a := range as {
			evs, err := tx.Events(ctx, a.ID, 0, 1000)
			if err != nil {
				return err
			}
			created := 0
			for i, e := range evs {
				if e.Seq != int64(i+1) {
					t.Fatalf("%s: event %d has seq %d", a.Handle, i, e.Seq)
				}
				if e.Type == dm.EventMessageCreated {
					created++
				}
			}
			if created != workers*each {
				t.Errorf("%s: %d message.created events, want %d", a.Handle, created, workers*each)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
