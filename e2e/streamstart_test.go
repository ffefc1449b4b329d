package e2e

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// TestStreamFromNowNeverReplays opens streams without a cursor ("from now")
// while messages keep arriving, and checks that none of them replays the
// log: every event a stream delivers is newer than the log was just before
// the stream opened. A socket whose first notification raced its start once
// sent the whole history from seq 1.
func TestStreamFromNowNeverReplays(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ivy, jon := e.user("ivy"), e.user("jon")
	must(t, jon.Follow(ctx, "ivy"), "jon follows ivy")
	conv := e.direct(ivy, "jon")
	for i := 0; i < 30; i++ {
		e.send(ivy, conv.ID, "history "+strconv.Itoa(i))
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() { // a steady stream of new messages to jon
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ivy.Send(ctx, conv.ID, client.SendParams{Text: "live " + strconv.Itoa(i)})
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	for round := 0; round < 200; round++ {
		_, before, err := jon.Events(ctx, "", 1)
		must(t, err, "jon's current cursor")
		floor, _ := strconv.ParseInt(before, 10, 64)
		s, err := jon.Stream(ctx, "")
		must(t, err, "jon's stream from now")
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		for _, ev := range readUntilReady(rctx, t, s) {
			if ev.Seq != 0 && ev.Seq <= floor {
				t.Fatalf("round %d: a stream from now replayed event %d (the log stood at %d before it opened)", round, ev.Seq, floor)
			}
		}
		cancel()
		s.Close()
	}
}
