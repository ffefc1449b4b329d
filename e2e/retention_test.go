package e2e

import (
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/server"
)

// TestCursorBeyondRetention checks the resync contract: once events after a
// cursor have been pruned, the poll and the stream answer 410, a client that
// starts again from "now" gets everything new, and a cursor the log never
// reached is 410 as well.
func TestCursorBeyondRetention(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, err := server.New(ctx, server.Config{
		Addr: "127.0.0.1:0", DataDir: t.TempDir(), RateLimitOff: true,
		EventRetention: 50 * time.Millisecond, PasswordCost: identity.CheapPasswordCost(),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	})
	e := &env{t: t, ctx: ctx, url: srv.URL()}
	amy, ben := e.user("amy"), e.user("ben")
	must(t, amy.Follow(ctx, "ben"), "amy follows ben")
	conv := e.direct(amy, "ben")
	for _, text := range []string{"one", "two", "three"} {
		e.send(amy, conv.ID, text)
	}
	evs, _, err := ben.Events(ctx, "0", 50)
	// ben hears of the conversation through its first message: an empty
	// direct conversation is no news to its recipient.
	if ok(t, err, "ben polls from 0 before pruning") && len(evs) < 3 {
		t.Fatalf("want three messages, got %d events", len(evs))
	}

	time.Sleep(100 * time.Millisecond)
	n, err := srv.Chat().PruneEvents(ctx)
	if err != nil || n == 0 {
		t.Fatalf("prune: %d events, %v", n, err)
	}
	_, _, err = ben.Events(ctx, "0", 50)
	wantStatus(t, err, http.StatusGone, "poll from a pruned cursor")
	_, err = ben.Stream(ctx, "0")
	wantStatus(t, err, http.StatusGone, "stream from a pruned cursor")
	_, _, err = ben.Events(ctx, "1000000", 50)
	wantStatus(t, err, http.StatusGone, "poll from a cursor beyond the log")

	// Resync: start from now, and nothing new is missed.
	_, cursor, err := ben.Events(ctx, "", 50)
	must(t, err, "ben starts from now")
	m := e.send(amy, conv.ID, "after the resync")
	evs, _, err = ben.Events(ctx, cursor, 50)
	must(t, err, "ben polls from the new cursor")
	if len(evs) != 1 || evs[0].Message == nil || evs[0].Message.ID != m.ID {
		t.Fatalf("after resync: want exactly the new message, got %+v", evs)
	}
}
