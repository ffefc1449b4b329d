package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// These tests run several DB instances on one schema, as several nodes do,
// and check the properties the single-process conformance suite cannot:
// gap-free, commit-ordered seqs under concurrent writers, one direct
// conversation per pair, and migrations that race safely.

func openNodes(t *testing.T, n int) []*DB {
	t.Helper()
	url := testSchema(t)
	nodes := make([]*DB, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := Open(context.Background(), url)
			if err != nil {
				errs <- err
				return
			}
			nodes[i] = db
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, db := range nodes {
			db.Close()
		}
	})
	return nodes
}

func TestMigrationsRaceAcrossNodes(t *testing.T) {
	nodes := openNodes(t, 3) // three nodes migrate one empty schema at once
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := nodes[0].pool.QueryRow(context.Background(), `SELECT count(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d", applied, len(ms))
	}
	// Opening again applies nothing and succeeds.
	db, err := Open(context.Background(), nodes[0].pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
}

func mkAccount(t *testing.T, db *DB, handle string) *dm.Account {
	t.Helper()
	a := &dm.Account{ID: dm.NewID(), Handle: handle, Kind: dm.KindPerson, CreatedAt: time.Now().UTC()}
	err := db.Update(context.Background(), func(tx dm.Tx) error {
		return tx.CreateAccount(context.Background(), a, dm.DefaultSettings(), "x")
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func mkConversation(t *testing.T, db *DB, kind string, users ...*dm.Account) string {
	t.Helper()
	now := time.Now().UTC()
	c := &dm.Conversation{ID: dm.NewID(), Kind: kind, CreatedAt: now, UpdatedAt: now}
	var ms []dm.Membership
	for i, u := range users {
		role := dm.RoleMember
		if i == 0 {
			role = dm.RoleOwner
		}
		ms = append(ms, dm.Membership{ConversationID: c.ID, UserID: u.ID, Role: role, Status: dm.StatusAccepted, JoinedAt: now})
	}
	err := db.Update(context.Background(), func(tx dm.Tx) error {
		return tx.CreateConversation(context.Background(), c, ms)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// send does what the chat service does on the send path: insert the
// message, then append one event per member, in join order.
func send(ctx context.Context, db *DB, convID, senderID, text string) error {
	return db.Update(ctx, func(tx dm.Tx) error {
		m := &dm.Message{ID: dm.NewID(), ConversationID: convID, Sender: dm.Profile{ID: senderID}, Text: text, CreatedAt: time.Now().UTC()}
		if err := tx.InsertMessage(ctx, m, ""); err != nil {
			return err
		}
		members, err := tx.Memberships(ctx, convID)
		if err != nil {
			return err
		}
		for _, mb := range members {
			e := &dm.Event{Type: dm.EventMessageCreated, ConversationID: convID, At: m.CreatedAt, Message: m}
			if err := tx.AppendEvent(ctx, mb.UserID, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestSeqsGapFreeAndOrderedAcrossNodes(t *testing.T) {
	ctx := context.Background()
	nodes := openNodes(t, 3)
	alice := mkAccount(t, nodes[0], "alice")
	bob := mkAccount(t, nodes[0], "bob")
	carol := mkAccount(t, nodes[0], "carol")
	// Members in opposite join orders: alice's and bob's logs are locked in
	// different orders by the two conversations' senders, the case that
	// deadlocks without lockConversation's ordering.
	direct := mkConversation(t, nodes[0], dm.ConversationDirect, alice, bob)
	group := mkConversation(t, nodes[0], dm.ConversationGroup, bob, carol, alice)

	const writers, perWriter = 12, 6
	// A reader follows alice's log by cursor while the writers run: it must
	// see every seq in order, none skipped, because seqs commit in order.
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		var cursor int64
		for {
			var evs []dm.Event
			err := nodes[2].View(ctx, func(tx dm.Tx) error {
				var err error
				evs, err = tx.Events(ctx, alice.ID, cursor, 100)
				return err
			})
			if err != nil {
				readerDone <- err
				return
			}
			for _, e := range evs {
				if e.Seq != cursor+1 {
					readerDone <- fmt.Errorf("reader after %d got seq %d", cursor, e.Seq)
					return
				}
				cursor = e.Seq
			}
			select {
			case <-stop:
				if len(evs) == 0 {
					readerDone <- nil
					return
				}
			default:
			}
		}
	}()

	var wg sync.WaitGroup
	var failed atomic.Int32
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := nodes[w%len(nodes)]
			conv, sender := direct, alice.ID
			if w%2 == 1 {
				conv, sender = group, bob.ID
			}
			for i := range perWriter {
				if err := send(ctx, db, conv, sender, fmt.Sprintf("w%d m%d", w, i)); err != nil {
					failed.Add(1)
					t.Errorf("writer %d: %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	if failed.Load() > 0 {
		t.FailNow()
	}

	perConv := writers / 2 * perWriter
	for _, conv := range []string{direct, group} {
		var msgs []dm.Message
		err := nodes[1].View(ctx, func(tx dm.Tx) error {
			var err error
			msgs, err = tx.Messages(ctx, conv, alice.ID, 0, 1000)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != perConv {
			t.Fatalf("conversation has %d messages, want %d", len(msgs), perConv)
		}
		for i, m := range msgs { // newest first
			if want := int64(perConv - i); m.Seq != want {
				t.Fatalf("message %d has seq %d, want %d", i, m.Seq, want)
			}
		}
	}
	for u, want := range map[*dm.Account]int{alice: 2 * perConv, bob: 2 * perConv, carol: perConv} {
		var evs []dm.Event
		var last int64
		err := nodes[1].View(ctx, func(tx dm.Tx) error {
			var err error
			if evs, err = tx.Events(ctx, u.ID, 0, 1000); err != nil {
				return err
			}
			last, err = tx.LastEventSeq(ctx, u.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != want || last != int64(want) {
			t.Fatalf("%s: %d events, last seq %d; want %d", u.Handle, len(evs), last, want)
		}
		for i, e := range evs {
			if e.Seq != int64(i+1) {
				t.Fatalf("%s: event %d has seq %d", u.Handle, i, e.Seq)
			}
		}
	}
}

func TestRollbackLeavesNoGap(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mkAccount(t, db, "alice")
	bob := mkAccount(t, db, "bob")
	conv := mkConversation(t, db, dm.ConversationDirect, alice, bob)
	if err := send(ctx, db, conv, alice.ID, "one"); err != nil {
		t.Fatal(err)
	}
	errAbort := dm.Errorf(dm.EINVALID, "abort")
	err := db.Update(ctx, func(tx dm.Tx) error {
		m := &dm.Message{ConversationID: conv, Sender: dm.Profile{ID: alice.ID}, Text: "lost"}
		if err := tx.InsertMessage(ctx, m, ""); err != nil {
			return err
		}
		if err := tx.AppendEvent(ctx, bob.ID, &dm.Event{Type: dm.EventMessageCreated, ConversationID: conv, At: time.Now()}); err != nil {
			return err
		}
		return errAbort
	})
	if err != errAbort {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if err := send(ctx, db, conv, alice.ID, "two"); err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx dm.Tx) error {
		msgs, err := tx.Messages(ctx, conv, bob.ID, 0, 10)
		if err != nil {
			return err
		}
		if len(msgs) != 2 || msgs[0].Seq != 2 || msgs[0].Text != "two" || msgs[1].Seq != 1 {
			t.Errorf("messages after a rollback: %+v", msgs)
		}
		last, err := tx.LastEventSeq(ctx, bob.ID)
		if err != nil {
			return err
		}
		if last != 2 {
			t.Errorf("bob's last event seq is %d, want 2", last)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDirectConversationRaceAcrossNodes(t *testing.T) {
	ctx := context.Background()
	nodes := openNodes(t, 2)
	alice := mkAccount(t, nodes[0], "alice")
	bob := mkAccount(t, nodes[0], "bob")
	const racers = 8
	var wg sync.WaitGroup
	var created, conflicts atomic.Int32
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			now := time.Now().UTC()
			c := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: now, UpdatedAt: now}
			a, b := alice, bob
			if i%2 == 1 {
				a, b = bob, alice // either member may start it
			}
			ms := []dm.Membership{
				{ConversationID: c.ID, UserID: a.ID, Role: dm.RoleMember, Status: dm.StatusAccepted},
				{ConversationID: c.ID, UserID: b.ID, Role: dm.RoleMember, Status: dm.StatusRequest},
			}
			err := nodes[i%2].Update(ctx, func(tx dm.Tx) error { return tx.CreateConversation(ctx, c, ms) })
			switch {
			case err == nil:
				created.Add(1)
			case dm.IsCode(err, dm.ECONFLICT):
				conflicts.Add(1)
			default:
				t.Errorf("racer %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if created.Load() != 1 || conflicts.Load() != racers-1 {
		t.Fatalf("%d created, %d conflicts; want 1 and %d", created.Load(), conflicts.Load(), racers-1)
	}
	err := nodes[1].View(ctx, func(tx dm.Tx) error {
		id1, err := tx.DirectConversationID(ctx, alice.ID, bob.ID)
		if err != nil {
			return err
		}
		id2, err := tx.DirectConversationID(ctx, bob.ID, alice.ID)
		if err != nil {
			return err
		}
		if id1 != id2 {
			t.Errorf("DirectConversationID depends on the order: %s vs %s", id1, id2)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An ECONFLICT must leave the transaction usable, as the SQLite store's
// savepoints do: get-or-create reads the winner in the same transaction.
func TestConflictKeepsTransactionUsable(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mkAccount(t, db, "alice")
	bob := mkAccount(t, db, "bob")
	first := mkConversation(t, db, dm.ConversationDirect, alice, bob)
	err := db.Update(ctx, func(tx dm.Tx) error {
		now := time.Now().UTC()
		c := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: now, UpdatedAt: now}
		err := tx.CreateConversation(ctx, c, []dm.Membership{
			{ConversationID: c.ID, UserID: bob.ID, Role: dm.RoleMember, Status: dm.StatusAccepted},
			{ConversationID: c.ID, UserID: alice.ID, Role: dm.RoleMember, Status: dm.StatusAccepted},
		})
		if !dm.IsCode(err, dm.ECONFLICT) {
			t.Errorf("second direct conversation: %v, want ECONFLICT", err)
		}
		if err := tx.CreateAccount(ctx, &dm.Account{ID: dm.NewID(), Handle: "alice", Kind: dm.KindPerson, CreatedAt: now}, dm.DefaultSettings(), "x"); !dm.IsCode(err, dm.ECONFLICT) {
			t.Errorf("taken handle: %v, want ECONFLICT", err)
		}
		m := &dm.Message{ConversationID: first, Sender: dm.Profile{ID: alice.ID}, Text: "hi", CreatedAt: now}
		if err := tx.InsertMessage(ctx, m, "c1"); err != nil {
			return err
		}
		m2 := &dm.Message{ConversationID: first, Sender: dm.Profile{ID: alice.ID}, Text: "hi again", CreatedAt: now}
		if err := tx.InsertMessage(ctx, m2, "c1"); !dm.IsCode(err, dm.ECONFLICT) {
			t.Errorf("repeated client_id: %v, want ECONFLICT", err)
		}
		id, err := tx.DirectConversationID(ctx, alice.ID, bob.ID)
		if err != nil {
			return err
		}
		if id != first {
			t.Errorf("DirectConversationID = %s, want %s", id, first)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx dm.Tx) error {
		c, err := tx.Conversation(ctx, first, bob.ID)
		if err != nil {
			return err
		}
		if c.LastMessage == nil || c.LastMessage.Seq != 1 || c.LastMessage.Text != "hi" || c.UnreadCount != 1 {
			t.Errorf("after a client_id conflict: last %+v, unread %d", c.LastMessage, c.UnreadCount)
		}
		m, err := tx.MessageByClientID(ctx, alice.ID, "c1")
		if err != nil {
			return err
		}
		if m.Seq != 1 {
			t.Errorf("MessageByClientID seq %d, want 1", m.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The service's get-or-create patterns (look up, create if missing) racing
// on two nodes must all succeed with one result, as they do on SQLite's
// single writer: DirectConversationID and MessageByClientID serialise them.
func TestGetOrCreateRaceAcrossNodes(t *testing.T) {
	ctx := context.Background()
	nodes := openNodes(t, 2)
	alice := mkAccount(t, nodes[0], "alice")
	bob := mkAccount(t, nodes[0], "bob")
	const racers = 8

	convIDs := make([]string, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := nodes[i%2].Update(ctx, func(tx dm.Tx) error {
				id, err := tx.DirectConversationID(ctx, alice.ID, bob.ID)
				if err == nil {
					convIDs[i] = id
					return nil
				}
				if !dm.IsCode(err, dm.ENOTFOUND) {
					return err
				}
				now := time.Now().UTC()
				c := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: now, UpdatedAt: now}
				convIDs[i] = c.ID
				return tx.CreateConversation(ctx, c, []dm.Membership{
					{ConversationID: c.ID, UserID: alice.ID, Role: dm.RoleMember, Status: dm.StatusAccepted},
					{ConversationID: c.ID, UserID: bob.ID, Role: dm.RoleMember, Status: dm.StatusAccepted},
				})
			})
			if err != nil {
				t.Errorf("get-or-create %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for i := range convIDs {
		if convIDs[i] != convIDs[0] {
			t.Fatalf("get-or-create returned two conversations: %v", convIDs)
		}
	}

	msgIDs := make([]string, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := nodes[i%2].Update(ctx, func(tx dm.Tx) error {
				prev, err := tx.MessageByClientID(ctx, alice.ID, "retry-1")
				if err == nil {
					msgIDs[i] = prev.ID
					return nil
				}
				if !dm.IsCode(err, dm.ENOTFOUND) {
					return err
				}
				m := &dm.Message{ID: dm.NewID(), ConversationID: convIDs[0], Sender: dm.Profile{ID: alice.ID}, Text: "once", CreatedAt: time.Now().UTC()}
				msgIDs[i] = m.ID
				return tx.InsertMessage(ctx, m, "retry-1")
			})
			if err != nil {
				t.Errorf("send %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for i := range msgIDs {
		if msgIDs[i] != msgIDs[0] {
			t.Fatalf("one client_id stored several messages: %v", msgIDs)
		}
	}
	err := nodes[1].View(ctx, func(tx dm.Tx) error {
		msgs, err := tx.Messages(ctx, convIDs[0], bob.ID, 0, 10)
		if err == nil && len(msgs) != 1 {
			t.Errorf("the conversation has %d messages, want 1", len(msgs))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestNoEditOrReactionAfterADelete: chat's edit and reaction decide on a
// read of the message taken before the store locks its conversation. A
// delete for everyone that commits in between must still win: the edit
// does not bring the message back and the reaction does not land on it
// (the hostile probe saw both, 2 and 6 times in 30 concurrent tries).
func TestNoEditOrReactionAfterADelete(t *testing.T) {
	db := openNodes(t, 1)[0]
	ctx := context.Background()
	a, b := mkAccount(t, db, "ann"), mkAccount(t, db, "bo")
	conv := mkConversation(t, db, dm.ConversationDirect, a, b)
	for _, change := range []struct {
		name string
		do   func(tx dm.Tx, m *dm.Message) error
	}{
		{"edit", func(tx dm.Tx, m *dm.Message) error {
			now := time.Now().UTC()
			m.Text, m.EditedAt = "edited", &now
			return tx.UpdateMessage(ctx, m)
		}},
		{"reaction", func(tx dm.Tx, m *dm.Message) error {
			_, err := tx.SetReaction(ctx, m.ID, b.ID, "👍", true)
			return err
		}},
	} {
		m := &dm.Message{ID: dm.NewID(), ConversationID: conv, Sender: a.Profile(), Text: "soon gone", CreatedAt: time.Now().UTC()}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.InsertMessage(ctx, m, "") }); err != nil {
			t.Fatal(err)
		}
		read, deleted := make(chan struct{}), make(chan error, 1)
		go func() {
			<-read
			deleted <- db.Update(ctx, func(tx dm.Tx) error {
				gone := *m
				gone.Text, gone.Deleted = "", true
				return tx.UpdateMessage(ctx, &gone)
			})
		}()
		err := db.Update(ctx, func(tx dm.Tx) error {
			cur, err := tx.Message(ctx, m.ID, a.ID) // the caller's read: not deleted yet
			if err != nil || cur.Deleted {
				t.Fatalf("%s: read %+v, %v", change.name, cur, err)
			}
			close(read)
			if err := <-deleted; err != nil { // the delete commits in between
				t.Fatalf("%s: delete: %v", change.name, err)
			}
			return change.do(tx, cur)
		})
		if !dm.IsCode(err, dm.ECONFLICT) {
			t.Errorf("%s after a delete that committed since its read: %v, want ECONFLICT", change.name, err)
		}
		db.View(ctx, func(tx dm.Tx) error {
			got, err := tx.Message(ctx, m.ID, b.ID)
			if err != nil || !got.Deleted || got.Text != "" || len(got.Reactions) != 0 {
				t.Errorf("%s: the message after both: %+v, %v; want deleted, no text, no reactions", change.name, got, err)
			}
			return nil
		})
	}
}

// TestDailyCapUnderConcurrentSends: a brand's daily cap holds when many
// transactions (several nodes' campaign lanes) count against it at once:
// each read the day's count before any committed, so only the counting
// statement can stop the ones past the cap.
func TestDailyCapUnderConcurrentSends(t *testing.T) {
	nodes := openNodes(t, 2)
	ctx := context.Background()
	acme := mkAccount(t, nodes[0], "acme")
	const senders, limit = 12, 5
	var wg sync.WaitGroup
	var allowed atomic.Int32
	errs := make(chan error, senders)
	start := make(chan struct{})
	for i := range senders {
		wg.Go(func() {
			<-start
			errs <- nodes[i%2].Update(ctx, func(tx dm.Tx) error {
				if _, err := tx.DailySent(ctx, acme.ID, "2026-11-30"); err != nil {
					return err
				}
				ok, err := tx.AddDailySent(ctx, acme.ID, "2026-11-30", limit)
				if ok {
					allowed.Add(1)
				}
				return err
			})
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !dm.IsCode(err, dm.EUNAVAILABLE) {
			t.Fatal(err)
		}
	}
	var n int
	if err := nodes[0].View(ctx, func(tx dm.Tx) error {
		var err error
		n, err = tx.DailySent(ctx, acme.ID, "2026-11-30")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if allowed.Load() != limit || n != limit {
		t.Errorf("%d of %d concurrent sends counted, the day's count is %d; want %d (the cap)", allowed.Load(), senders, n, limit)
	}
}
