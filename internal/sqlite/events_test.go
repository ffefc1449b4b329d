package sqlite

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The writer caches each user's newest event seq; an Update that fails (or
// panics) after appending must not leave the cache ahead of the table.
func TestEventSeqAfterFailedUpdate(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	appendFor := func(users ...string) func(dm.Tx) error {
		return func(tx dm.Tx) error {
			for _, u := range users {
				if err := tx.AppendEvent(ctx, u, &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c"}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if err := db.Update(ctx, appendFor("u1", "u1")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx dm.Tx) error {
		if err := appendFor("u1", "u2")(tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	func() {
		defer func() { recover() }()
		db.Update(ctx, func(tx dm.Tx) error {
			appendFor("u1", "u2")(tx)
			panic("boom")
		})
	}()
	var seqs []int64
	err = db.Update(ctx, func(tx dm.Tx) error {
		for _, u := range []string{"u1", "u2"} {
			e := &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c"}
			if err := tx.AppendEvent(ctx, u, e); err != nil {
				return err
			}
			seqs = append(seqs, e.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seqs[0] != 3 || seqs[1] != 1 {
		t.Errorf("seqs after failed Updates = %v, want [3 1]", seqs)
	}
}

// One encoding serves identical events, but never an event whose message
// changed behind the same pointer.
func TestEventEncodingReuse(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	m := &dm.Message{ID: "m1", ConversationID: "c", Seq: 1, Text: "first", Reactions: []dm.Reaction{}, CreatedAt: at}
	err := db.Update(ctx, func(tx dm.Tx) error {
		for _, u := range []string{"u1", "u2", "u3"} {
			if u == "u3" {
				m.Text = "edited"
				m.Reactions = append(m.Reactions, dm.Reaction{Emoji: "👍", Count: 1})
			}
			if err := tx.AppendEvent(ctx, u, &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c", At: at, Message: m}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"u1": "first", "u2": "first", "u3": "edited"}
	err = db.View(ctx, func(tx dm.Tx) error {
		for u, text := range want {
			evs, err := tx.Events(ctx, u, 0, 10)
			if err != nil {
				return err
			}
			if len(evs) != 1 || evs[0].Seq != 1 || evs[0].Message == nil || evs[0].Message.Text != text {
				t.Errorf("events of %s = %+v, want one with text %q", u, evs, text)
				continue
			}
			if n := len(evs[0].Message.Reactions); (u == "u3") != (n == 1) {
				t.Errorf("events of %s: %d reactions", u, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
