package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/parleyhq/parley/client"
)

// E2E measures delivery latency: one sender posts messages one after
// another, and each is timed from the start of its POST to the moment the
// recipient's WebSocket frame carrying it is read.
func E2E(ctx context.Context, o Options) (*Result, error) {
	hc := httpClient(4)
	defer hc.CloseIdleConnections()
	p, recv, err := probePair(ctx, o.URL, hc)
	if err != nil {
		return nil, err
	}
	defer recv.Close()
	bar := newBar(o.Progress, "e2e: sending", 0, o.Duration)
	c0, cpuErr := processCPU(o.ServerPID)
	e2e, post, errs, err := probe(ctx, p, recv, o.Duration, 0, bar)
	// Work a server does shortly after the acknowledgement (a store that
	// indexes for search in batches) belongs to the messages too.
	time.Sleep(500 * time.Millisecond)
	c1, cpuErr1 := processCPU(o.ServerPID)
	bar.Done()
	if err != nil {
		return nil, err
	}
	r := &Result{Params: map[string]any{"duration": o.Duration.String()}, Errors: errs}
	r.budget("e2e_p50", e2e.pct(50), "ms", "<=", 0.5)
	r.budget("e2e_p99", e2e.pct(99), "ms", "<=", 2)
	r.add("e2e_max", e2e.pct(100), "ms")
	r.add("post_p50", post.pct(50), "ms")
	r.add("post_p99", post.pct(99), "ms")
	r.add("messages", float64(len(e2e)), "msgs")
	if n := float64(len(e2e)); n > 0 && cpuErr == nil && cpuErr1 == nil {
		// The steadier figure where the disk's fsync sets the latency: the
		// server's CPU time per message, sent and delivered.
		r.add("server_cpu_per_msg", float64((c1-c0).Microseconds())/n, "µs")
	}
	return r, nil
}

// probePair makes a sender and a recipient with an open stream.
func probePair(ctx context.Context, base string, hc *http.Client) (pair, *client.Stream, error) {
	pairs, err := makePairs(ctx, base, hc, "b"+runID()+"p", 1, nil)
	if err != nil {
		return pair{}, nil, err
	}
	recv, err := openStream(ctx, pairs[0].to.c)
	if err != nil {
		return pair{}, nil, fmt.Errorf("stream: %w", err)
	}
	return pairs[0], recv, nil
}

// arrival is a message.created frame and when it was read.
type arrival struct {
	id string
	at time.Time
}

// probe sends sequentially for d and times each message until it arrives
// on recv, starting a send at most every gap. A message that has not arrived
// within 10 seconds is an error.
func probe(ctx context.Context, p pair, recv *client.Stream, d, gap time.Duration, bar *Bar) (e2e, post latencies, errs int64, err error) {
	arrivals := make(chan arrival, 64)
	readCtx, stopReading := context.WithCancel(ctx)
	readDone := make(chan error, 1)
	go func() {
		// Reading in its own goroutine timestamps a frame as soon as the
		// client has decoded it, whether or not the POST has returned.
		for {
			ev, err := recv.Next(readCtx)
			if err != nil {
				readDone <- err
				return
			}
			if ev.Type == "message.created" && ev.Message != nil {
				select {
				case arrivals <- arrival{ev.Message.ID, time.Now()}:
				case <-readCtx.Done():
				}
			}
		}
	}()
	defer func() {
		stopReading()
		<-readDone
	}()
	// Client ids unique per call: a second probe on the same pair (soak's
	// windows) must send new messages, not replay the first call's, which
	// the server answers with the old message (that never arrives again).
	run := runID()
	end := time.Now().Add(d)
	for n := 0; time.Now().Before(end); n++ {
		t0 := time.Now()
		if gap > 0 && n > 0 {
			time.Sleep(gap)
			t0 = time.Now()
		}
		msg, _, err := p.from.c.Send(ctx, p.conv, client.SendParams{Text: fmt.Sprintf("probe %d", n), ClientID: fmt.Sprintf("p%s-%d", run, n)})
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, errs, ctx.Err()
			}
			errs++
			continue
		}
		post = append(post, time.Since(t0))
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case a := <-arrivals:
				if a.id == msg.ID {
					e2e = append(e2e, a.at.Sub(t0))
					break wait
				}
			case err := <-readDone:
				readDone <- err
				return nil, nil, errs, fmt.Errorf("receiver's stream ended: %w", err)
			case <-timeout:
				return nil, nil, errs, errors.New("a message did not reach the receiver's stream within 10s")
			}
		}
		bar.Add(1)
	}
	e2e, post = merge([]latencies{e2e}), merge([]latencies{post})
	return e2e, post, errs, nil
}
