package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/parleyhq/parley/client"
)

// E2ELoad measures delivery latency under load: o.Conns sockets are open
// (a probe recipient, one recipient per load sender, and idle sockets shared
// by o.Accounts accounts for the rest) while o.Senders senders together post
// about o.Rate messages per second. A probe pair sends one message every
// 5 ms and times it from its POST to the recipient's frame, as E2E does.
//
// Only the load recipients receive the load: giving each of 5,000 sockets
// its own account would cost 10,000 argon2id hashes (about 4 minutes of
// CPU here) before measuring anything. The server's work per message is the
// same: one commit, one frame to the recipient's socket.
func E2ELoad(ctx context.Context, o Options) (*Result, error) {
	hc := httpClient(o.Senders + 4)
	defer hc.CloseIdleConnections()
	p, recv, err := probePair(ctx, o.URL, hc)
	if err != nil {
		return nil, err
	}
	defer recv.Close()
	bar := newBar(o.Progress, "e2e-load: accounts", int64(2*o.Senders), 0)
	pairs, err := makePairs(ctx, o.URL, hc, "b"+runID()+"l", o.Senders, bar)
	bar.Done()
	if err != nil {
		return nil, err
	}
	var streams []*client.Stream
	defer func() { closeStreams(streams) }()
	for _, lp := range pairs {
		s, err := openStream(ctx, lp.to.c)
		if err != nil {
			return nil, fmt.Errorf("stream: %w", err)
		}
		streams = append(streams, s)
		go drain(s)
	}
	if fill := o.Conns - 1 - len(pairs); fill > 0 {
		accs, err := idleAccounts(ctx, o, hc)
		if err != nil {
			return nil, err
		}
		bar := newBar(o.Progress, "e2e-load: sockets", int64(fill), 0)
		idle, err := openStreams(ctx, accs, fill, bar)
		bar.Done()
		streams = append(streams, idle...)
		if err != nil {
			return nil, err
		}
	}

	bar = newBar(o.Progress, "e2e-load: running", 0, o.Duration)
	type loadResult struct {
		lat     latencies
		errs    int64
		elapsed time.Duration
	}
	loadDone := make(chan loadResult, 1)
	go func() {
		lat, errs, el := sendLoop(ctx, pairs, o.Duration, o.Rate, bar, 0)
		loadDone <- loadResult{lat, errs, el}
	}()
	e2e, post, perrs, err := probe(ctx, p, recv, o.Duration, 5*time.Millisecond, nil)
	load := <-loadDone
	bar.Done()
	if err != nil {
		return nil, err
	}
	r := &Result{
		Params: map[string]any{"conns": o.Conns, "senders": o.Senders, "rate": o.Rate, "duration": o.Duration.String()},
		Errors: perrs + load.errs,
	}
	r.add("load_rate", float64(len(load.lat))/load.elapsed.Seconds(), "msgs/s")
	r.add("load_post_p99", load.lat.pct(99), "ms")
	r.add("e2e_p50", e2e.pct(50), "ms")
	r.budget("e2e_p99", e2e.pct(99), "ms", "<=", 20)
	r.add("e2e_max", e2e.pct(100), "ms")
	r.add("probe_post_p99", post.pct(99), "ms")
	r.add("probes", float64(len(e2e)), "msgs")
	return r, nil
}

// drain reads a stream until it ends, as a live client does.
func drain(s *client.Stream) {
	for {
		if _, err := s.Next(context.Background()); err != nil {
			return
		}
	}
}
