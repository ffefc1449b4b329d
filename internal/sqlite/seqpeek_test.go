package sqlite

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// PeekLastEventSeq knows a user's seq once the writer committed an append
// (before Update returns) or a View read it; a failed Update publishes
// nothing; a reopened store knows nobody until it learns again.
func TestPeekLastEventSeq(t *testing.T) {
	db, path := openFile(t)
	ctx := context.Background()
	appendTo := func(users ...string) func(dm.Tx) error {
		return func(tx dm.Tx) error {
			for _, u := range users {
				if err := tx.AppendEvent(ctx, u, &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c"}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	peek := func(db *DB, user string, want int64, known bool) {
		t.Helper()
		if got, ok := db.PeekLastEventSeq(user); got != want || ok != known {
			t.Errorf("PeekLastEventSeq(%s) = %d, %v; want %d, %v", user, got, ok, want, known)
		}
	}
	peek(db, "u1", 0, false)
	if err := db.Update(ctx, appendTo("u1", "u1", "u2")); err != nil {
		t.Fatal(err)
	}
	peek(db, "u1", 2, true)
	peek(db, "u2", 1, true)

	boom := errors.New("boom")
	if err := db.Update(ctx, func(tx dm.Tx) error {
		if err := appendTo("u1", "u3")(tx); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	peek(db, "u1", 2, true)
	peek(db, "u3", 0, false)

	// Concurrent Updates share a batch: each sees its seqs on return.
	done := make(chan error)
	for range 20 {
		go func() { done <- db.Update(ctx, appendTo("u4")) }()
	}
	for range 20 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	peek(db, "u4", 20, true)

	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	peek(db2, "u1", 0, false)
	if err := db2.View(ctx, func(tx dm.Tx) error {
		_, err := tx.LastEventSeq(ctx, "u1")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	peek(db2, "u1", 2, true)
	if err := db2.Update(ctx, appendTo("u1")); err != nil {
		t.Fatal(err)
	}
	peek(db2, "u1", 3, true)
}

// A reader's seq is never put back over a newer published one, nor into a
// table that started over after the reader's View began.
func TestPeekSeqsLearn(t *testing.T) {
	var p peekSeqs
	gen := p.generation()
	p.learn("a", 5, gen)
	p.publish([]string{"a"}, map[string]int64{"a": 6})
	p.learn("a", 5, gen)
	if seq, _ := p.get("a"); seq != 6 {
		t.Errorf("a = %d after a stale learn, want 6", seq)
	}
	old := p.generation()
	users := make([]string, maxPeekSeqs)
	last := make(map[string]int64, maxPeekSeqs)
	for i := range users {
		users[i] = strconv.Itoa(i)
		last[users[i]] = 1
	}
	p.publish(users, last) // past the bound: starts over
	if p.generation() == old {
		t.Fatal("the table did not start over past its bound")
	}
	p.learn("b", 1, old)
	if _, ok := p.get("b"); ok {
		t.Error("a reader from before the restart was learnt")
	}
}
