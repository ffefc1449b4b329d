package chat

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestTypingFloodOfMadeUpIDs: typing notices are thinned to one a second
// per conversation with a bucket per conversation id named, and the
// account's own typing allowance was checked only after that bucket was
// made. A WebSocket client sending notices for made-up conversation ids
// (a few bytes a frame) grew the thinning limiter by one bucket each, for
// as long as it kept sending: memory without bound from one account. Now
// an id gets a bucket only while the account may still type, so the
// buckets stay within the account's allowance.
func TestTypingFloodOfMadeUpIDs(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	bus := inmem.New()
	t.Cleanup(func() { bus.Close(); db.Close() })
	s := New(db, bus, Config{})
	me := &dm.Account{ID: dm.NewID(), Handle: "mal"}
	for i := range 5000 {
		err := s.Typing(ctx, me, fmt.Sprintf("made-up-%d", i))
		if err != nil && !dm.IsCode(err, dm.ERATELIMITED) && !dm.IsCode(err, dm.ENOTFOUND) {
			t.Fatalf("notice %d: %v", i, err)
		}
	}
	if n, burst := s.typing.Len(), DefaultLimits().Typing.Burst; n > 2*burst {
		t.Errorf("5000 typing notices for made-up conversations left %d buckets in the thinning limiter; want at most about the account's burst (%d)", n, burst)
	}
}
