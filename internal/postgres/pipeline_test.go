package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Appends whose seq the transaction knows wait in its queue; every later
// statement of the transaction (a read, an Exec, COMMIT) sends them first,
// and a failed transaction leaves none of them.
func TestQueuedEvents(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	ev := func() *dm.Event { return &dm.Event{Type: dm.EventTyping, At: time.Now().UTC()} }
	err := db.Update(ctx, func(d dm.Tx) error {
		tx, queue := d, d.(*tx).pipe
		a, b, c := ev(), ev(), ev()
		// The first append locks the counter row; the next two are queued.
		for _, e := range []*dm.Event{a, b, c} {
			if err := tx.AppendEvent(ctx, "u1", e); err != nil {
				return err
			}
		}
		if len(queue.events) != 2 {
			t.Errorf("%d events queued, want 2", len(queue.events))
		}
		if a.Seq != 1 || b.Seq != 2 || c.Seq != 3 {
			t.Errorf("seqs %d %d %d, want 1 2 3", a.Seq, b.Seq, c.Seq)
		}
		// A read sees the queue (QueryRow carries it).
		last, err := tx.LastEventSeq(ctx, "u1")
		if err != nil || last != 3 {
			t.Errorf("LastEventSeq in the transaction = %d, %v; want 3", last, err)
		}
		evs, err := tx.Events(ctx, "u1", 0, 10)
		if err != nil || len(evs) != 3 {
			t.Errorf("Events in the transaction: %d, %v; want 3", len(evs), err)
		}
		// An Exec carries the queue too, and COMMIT what is left.
		if err := tx.AppendEvent(ctx, "u1", ev()); err != nil {
			return err
		}
		if err := tx.SetBlock(ctx, "u1", "u2", false); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, "u1", ev())
	})
	if err != nil {
		t.Fatal(err)
	}
	oops := errors.New("oops")
	err = db.Update(ctx, func(tx dm.Tx) error {
		for range 3 {
			if err := tx.AppendEvent(ctx, "u1", ev()); err != nil {
				return err
			}
		}
		return oops
	})
	if err != oops {
		t.Fatalf("Update: %v, want oops", err)
	}
	err = db.View(ctx, func(tx dm.Tx) error {
		evs, err := tx.Events(ctx, "u1", 0, 10)
		if err != nil {
			return err
		}
		if len(evs) != 5 || evs[4].Seq != 5 {
			t.Errorf("after commit and a rollback: %d events, want seqs 1-5", len(evs))
		}
		last, err := tx.LastEventSeq(ctx, "u1")
		if err != nil || last != 5 {
			t.Errorf("LastEventSeq = %d, %v; want 5", last, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
