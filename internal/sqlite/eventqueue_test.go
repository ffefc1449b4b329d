package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The writer queues appended events and inserts them after the batch's
// savepoints. A read of the events table on the writer inserts the queue
// early, inside the savepoint that reads; if that savepoint then rolls
// back, the events of the savepoints released before it must still commit.
func TestEventQueueSurvivesLaterRollback(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	ann, bo := account("ann"), account("bo")
	createAccount(t, db, ann)
	createAccount(t, db, bo)
	ev := func() *dm.Event { return &dm.Event{Type: dm.EventTyping, At: time.Now()} }
	if err := db.Update(ctx, func(tx dm.Tx) error { return tx.AppendEvent(ctx, ann.ID, ev()) }); err != nil {
		t.Fatal(err)
	}
	// Hold the writer in one Update so that the next three queue up and
	// share the following batch.
	hold, held := make(chan struct{}), make(chan struct{})
	go db.Update(ctx, func(dm.Tx) error { close(held); <-hold; return nil })
	<-held
	oops := errors.New("oops")
	res := make(chan error, 3)
	var kept, lost, after dm.Event
	go func() {
		res <- db.Update(ctx, func(tx dm.Tx) error { kept = *ev(); return tx.AppendEvent(ctx, ann.ID, &kept) })
	}()
	waitQueued(t, db, 1)
	go func() {
		res <- db.Update(ctx, func(tx dm.Tx) error {
			lost = *ev()
			if err := tx.AppendEvent(ctx, ann.ID, &lost); err != nil {
				return err
			}
			if _, err := tx.LastEventSeq(ctx, bo.ID); err != nil { // inserts the queue
				return err
			}
			return oops
		})
	}()
	waitQueued(t, db, 2)
	go func() {
		res <- db.Update(ctx, func(tx dm.Tx) error { after = *ev(); return tx.AppendEvent(ctx, ann.ID, &after) })
	}()
	waitQueued(t, db, 3)
	close(hold)
	for range 3 {
		if err := <-res; err != nil && err != oops {
			t.Fatal(err)
		}
	}
	if kept.Seq != 2 || lost.Seq != 3 || after.Seq != 3 {
		t.Errorf("seqs: kept %d, rolled back %d, after %d; want 2, 3, 3", kept.Seq, lost.Seq, after.Seq)
	}
	var got []dm.Event
	err := db.View(ctx, func(tx dm.Tx) (err error) {
		got, err = tx.Events(ctx, ann.ID, 0, 10)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Seq != 1 || got[1].Seq != 2 || got[2].Seq != 3 {
		t.Errorf("ann's log: %+v, want seqs 1, 2, 3", got)
	}
}

// waitQueued waits until n Updates wait for the writer.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(db.requests) < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d Updates queued, want %d", len(db.requests), n)
		}
		time.Sleep(time.Millisecond)
	}
}
