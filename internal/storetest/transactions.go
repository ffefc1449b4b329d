package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// transactionTests check dm.Store itself: concurrent, failing and canceled transactions.
var transactionTests = []test{
	{"ConcurrentSends", testConcurrentSends},
	{"FailedUpdates", testFailedUpdates},
	{"CanceledUpdate", testCanceledUpdate},
}

func testConcurrentSends(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	gotSeqs := make(chan int64, n)
	for i := range n {
		wg.Go(func() {
			m := &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: a.Profile(), Text: fmt.Sprint(i), CreatedAt: at(i)}
			errs <- s.Update(ctx, func(tx dm.Tx) error {
				if err := tx.InsertMessage(ctx, m, fmt.Sprintf("c%d", i)); err != nil {
					return err
				}
				for _, u := range []*dm.Account{a, b} {
					e := dm.Event{Type: dm.EventMessageCreated, ConversationID: c.ID, At: m.CreatedAt, Message: m}
					if err := tx.AppendEvent(ctx, u.ID, &e); err != nil {
						return err
					}
				}
				return nil
			})
			gotSeqs <- m.Seq
		})
	}
	wg.Wait()
	close(errs)
	close(gotSeqs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent send: %v", err)
		}
	}
	var returned []int64
	for s := range gotSeqs {
		returned = append(returned, s)
	}
	slices.Sort(returned)
	if !slices.Equal(returned, seqRange(1, n)) {
		t.Errorf("seqs given to the senders = %v, want 1..%d once each", returned, n)
	}
	if got := seqs(listMessages(t, s, c.ID, a, 0, 2*n)); !slices.Equal(got, seqRange(n, 1)) {
		t.Errorf("stored message seqs = %v, want %d..1", got, n)
	}
	for _, u := range []*dm.Account{a, b} {
		if got := eventSeqs(t, s, u, 0, 2*n); !slices.Equal(got, seqRange(1, n)) {
			t.Errorf("%s's event seqs = %v, want 1..%d", u.Handle, got, n)
		}
	}
}

func testFailedUpdates(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	const n = 60
	var wg sync.WaitGroup
	type result struct {
		fail bool
		id   string
		err  error
	}
	// send inserts message i and its event in one Update that fails (with
	// boom) after both when fail is set.
	send := func(i int, fail bool, boom error) (string, error) {
		m := &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: b.Profile(), Text: fmt.Sprint(i), CreatedAt: at(i)}
		return m.ID, s.Update(ctx, func(tx dm.Tx) error {
			if err := tx.InsertMessage(ctx, m, ""); err != nil {
				return err
			}
			e := dm.Event{Type: dm.EventMessageCreated, ConversationID: c.ID, At: m.CreatedAt, Message: m}
			if err := tx.AppendEvent(ctx, a.ID, &e); err != nil {
				return err
			}
			if fail {
				return boom
			}
			return nil
		})
	}
	results := make(chan result, n)
	for i := range n {
		wg.Go(func() {
			fail := i%3 == 1
			boom := fmt.Errorf("boom %d", i)
			id, err := send(i, fail, boom)
			if fail && !errors.Is(err, boom) {
				t.Errorf("failing Update returned %v, want its own error", err)
			}
			results <- result{fail, id, err}
		})
	}
	wg.Wait()
	close(results)
	ok := 0
	for r := range results {
		if !r.fail && r.err != nil {
			t.Fatalf("Update next to failing ones: %v", r.err)
		}
		err := s.View(ctx, func(tx dm.Tx) error { _, err := tx.Message(ctx, r.id, a.ID); return err })
		switch {
		case r.fail:
			wantCode(t, "message of a failed Update", err, dm.ENOTFOUND)
		case err != nil:
			t.Errorf("message of a committed Update: %v", err)
		default:
			ok++
		}
	}
	if got := seqs(listMessages(t, s, c.ID, a, 0, 2*n)); !slices.Equal(got, seqRange(int64(ok), 1)) {
		t.Errorf("message seqs = %v, want %d..1 without gaps", got, ok)
	}
	if got := eventSeqs(t, s, a, 0, 2*n); !slices.Equal(got, seqRange(1, int64(ok))) {
		t.Errorf("event seqs = %v, want 1..%d without gaps", got, ok)
	}

	// One at a time, each Update alone in its transaction (the SQLite
	// writer runs a batch of one without a savepoint): a failure leaves
	// nothing, and the counters go on without a gap.
	for i := range 6 {
		fail := i%2 == 0
		boom := fmt.Errorf("serial boom %d", i)
		_, err := send(n+i, fail, boom)
		if fail && !errors.Is(err, boom) || !fail && err != nil {
			t.Fatalf("serial Update %d (fail %v): %v", i, fail, err)
		}
		if !fail {
			ok++
		}
	}
	if got := seqs(listMessages(t, s, c.ID, a, 0, 2*n)); !slices.Equal(got, seqRange(int64(ok), 1)) {
		t.Errorf("after the serial Updates, message seqs = %v, want %d..1 without gaps", got, ok)
	}
	if got := eventSeqs(t, s, a, 0, 2*n); !slices.Equal(got, seqRange(1, int64(ok))) {
		t.Errorf("after the serial Updates, event seqs = %v, want 1..%d without gaps", got, ok)
	}
}

func testCanceledUpdate(t *testing.T, s dm.Store) {
	a := newAccount(t, s, "alice")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Update(ctx, func(tx dm.Tx) error {
		return tx.UpdateAccount(ctx, &dm.Account{ID: a.ID, DisplayName: "Changed"}, dm.DefaultSettings())
	})
	if err == nil {
		t.Errorf("Update with a canceled context succeeded")
	}
	if err := s.View(ctx, func(dm.Tx) error { return nil }); err == nil {
		t.Errorf("View with a canceled context succeeded")
	}
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Account(context.Background(), a.ID)
		if err == nil && got.DisplayName != a.DisplayName {
			t.Errorf("the write of a canceled Update happened: %+v", got)
		}
		return err
	})
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
