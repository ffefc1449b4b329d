package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The writer queues a batch's new messages for search after its
// savepoints (flushSearch), and the indexer indexes them: what a savepoint
// rolled back, or edited or deleted after the insert in the same batch, must
// be indexed as it ends up.
func TestSearchIndexedPerBatch(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	ann, bo, conv := annAndBo(t, db)
	msg := func(text string) *dm.Message {
		return &dm.Message{ID: dm.NewID(), ConversationID: conv.ID, Sender: ann.Profile(), Text: text, CreatedAt: time.Now()}
	}
	// Many concurrent sends share batches; one of every four edits its
	// message in the same Update, one deletes it, one fails after the insert.
	const n = 64
	var wg sync.WaitGroup
	oops := errors.New("oops")
	for i := range n {
		wg.Go(func() {
			m := msg(fmt.Sprintf("plain%d common", i))
			err := db.Update(ctx, func(tx dm.Tx) error {
				if err := tx.InsertMessage(ctx, m, ""); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					m.Text = fmt.Sprintf("edited%d common", i)
					return tx.UpdateMessage(ctx, m)
				case 2:
					m.Text, m.Deleted = "", true
					return tx.UpdateMessage(ctx, m)
				case 3:
					return oops
				}
				return nil
			})
			if (i%4 == 3) != (err == oops) {
				t.Errorf("send %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	err := db.CatchUpSearch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count := func(word string) int {
		var hits []dm.SearchHit
		err := db.View(ctx, func(tx dm.Tx) (err error) {
			hits, err = tx.SearchMessages(ctx, dm.SearchQuery{UserID: bo.ID, Words: []string{word}, Limit: 100})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits)
	}
	if got := count("common"); got != n/2 {
		t.Errorf("common: %d hits, want %d (kept and edited messages, once each)", got, n/2)
	}
	for i := range n {
		plain, edited := count(fmt.Sprintf("plain%d", i)), count(fmt.Sprintf("edited%d", i))
		wantPlain, wantEdited := 0, 0
		switch i % 4 {
		case 0:
			wantPlain = 1
		case 1:
			wantEdited = 1
		}
		if plain != wantPlain || edited != wantEdited {
			t.Errorf("message %d: plain %d edited %d, want %d %d", i, plain, edited, wantPlain, wantEdited)
		}
	}
	// One FTS row per searchable message, none for the deleted ones.
	err = db.View(ctx, func(d dm.Tx) error {
		var fts int
		if err := d.(*tx).queryRow(ctx, `SELECT count(*) FROM message_fts`).Scan(&fts); err != nil {
			return err
		}
		if fts != n/2 {
			t.Errorf("message_fts has %d rows, want %d", fts, n/2)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Messages queued for search and not indexed yet: an edit or a delete
// before the indexer reaches them is indexed as it ends up, a search's
// catch-up indexes them, and what a stop left queued is indexed after the
// next start by the indexer on its own.
func TestSearchQueue(t *testing.T) {
	db, path := openFile(t)
	ctx := context.Background()
	// The indexer is stopped, so the rows stay queued until caught up.
	db.search.stop()
	ann, bo, conv := annAndBo(t, db)
	send := func(db *DB, text string) *dm.Message {
		m := &dm.Message{ID: dm.NewID(), ConversationID: conv.ID, Sender: ann.Profile(), Text: text, CreatedAt: time.Now()}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.InsertMessage(ctx, m, "") }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	counts := func(db *DB) (queued, indexed int) {
		t.Helper()
		err := db.View(ctx, func(d dm.Tx) error {
			return d.(*tx).queryRow(ctx, `SELECT (SELECT count(*) FROM search_queue), (SELECT count(*) FROM message_fts)`).Scan(&queued, &indexed)
		})
		if err != nil {
			t.Fatal(err)
		}
		return queued, indexed
	}
	hits := func(db *DB, word string) []string {
		t.Helper()
		if err := db.CatchUpSearch(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []string
		err := db.View(ctx, func(tx dm.Tx) error {
			hs, err := tx.SearchMessages(ctx, dm.SearchQuery{UserID: bo.ID, Words: []string{word}, Limit: 10})
			for _, h := range hs {
				ids = append(ids, h.Message.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	var err error
	one := send(db, "alpha one")
	two := send(db, "alpha two")
	three := send(db, "alpha three")
	if q, i := counts(db); q != 3 || i != 0 {
		t.Fatalf("after three sends: %d queued, %d indexed; want 3, 0", q, i)
	}
	err = db.Update(ctx, func(tx dm.Tx) error {
		two.Text = "beta two"
		if err := tx.UpdateMessage(ctx, two); err != nil {
			return err
		}
		three.Text, three.Deleted = "", true
		return tx.UpdateMessage(ctx, three)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := hits(db, "alpha"); len(got) != 1 || got[0] != one.ID {
		t.Errorf("alpha: %v, want only %s", got, one.ID)
	}
	if got := hits(db, "beta"); len(got) != 1 || got[0] != two.ID {
		t.Errorf("beta: %v, want only %s", got, two.ID)
	}
	if q, i := counts(db); q != 0 || i != 2 {
		t.Errorf("after the catch-up: %d queued, %d indexed; want 0, 2", q, i)
	}
	// A message queued when the store stops is indexed after the next
	// start, by the indexer without a search asking.
	send(db, "gamma four")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q, i := counts(db2)
		if q == 0 && i == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the restart: %d queued, %d indexed; want 0, 3", q, i)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := hits(db2, "gamma"); len(got) != 1 {
		t.Errorf("gamma after the restart: %v, want one hit", got)
	}
	// Ids go on from where they were, so the catch-up's comparison holds.
	send(db2, "delta five")
	if got := hits(db2, "delta"); len(got) != 1 {
		t.Errorf("delta: %v, want one hit", got)
	}
}

// annAndBo creates two accounts and their accepted direct conversation.
func annAndBo(t *testing.T, db *DB) (ann, bo *dm.Account, conv *dm.Conversation) {
	t.Helper()
	ctx := context.Background()
	ann, bo = account("ann"), account("bo")
	createAccount(t, db, ann)
	createAccount(t, db, bo)
	conv = &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	err := db.Update(ctx, func(tx dm.Tx) error {
		return tx.CreateConversation(ctx, conv, []dm.Membership{
			{ConversationID: conv.ID, UserID: ann.ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: conv.CreatedAt},
			{ConversationID: conv.ID, UserID: bo.ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: conv.CreatedAt},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return ann, bo, conv
}

// The indexer wakes for rows after an empty queue, twice over: a send is
// indexed without a search asking, and so is one after the queue emptied.
func TestSearchIndexerWakes(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	ann, _, conv := annAndBo(t, db)
	for i := range 2 {
		m := &dm.Message{ID: dm.NewID(), ConversationID: conv.ID, Sender: ann.Profile(), Text: fmt.Sprintf("wake %d", i), CreatedAt: time.Now()}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.InsertMessage(ctx, m, "") }); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for db.search.backlog() > 0 {
			if time.Now().After(deadline) {
				t.Fatalf("send %d: %d rows still queued 10 s after it", i, db.search.backlog())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	var indexed int
	err := db.View(ctx, func(d dm.Tx) error {
		return d.(*tx).queryRow(ctx, `SELECT count(*) FROM message_fts`).Scan(&indexed)
	})
	if err != nil || indexed != 2 {
		t.Errorf("message_fts has %d rows (%v), want 2", indexed, err)
	}
}
