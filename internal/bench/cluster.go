package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parleyhq/parley/client"
)

// Cluster measures several nodes sharing one PostgreSQL and one NATS, the
// scale-out deployment: o.Conns sockets spread evenly over the nodes
// (o.Nodes; o.URL is the first), o.Senders load senders posting about
// o.Rate messages per second in total, each sender on one node and its
// recipient's socket on the next, so that every message crosses the bus;
// and a probe whose sender is on the first node and whose recipient listens
// on the second, timed from the POST to the frame. It checks the per-node
// assumptions of docs/capacity.md: sockets and messages per node, and the
// cross-node delivery latency.
func Cluster(ctx context.Context, o Options) (*Result, error) {
	nodes := o.Nodes
	if len(nodes) < 2 {
		return nil, errors.New("cluster needs at least two nodes (parley bench cluster --nodes N --postgres URL --nats URL)")
	}
	hc := httpClient(o.Senders + 4*len(nodes))
	defer hc.CloseIdleConnections()
	// on returns a client for node k with the session of c.
	on := func(c *client.Client, k int) *client.Client {
		return client.New(nodes[k%len(nodes)], client.WithHTTPClient(hc), client.WithToken(c.Token()))
	}

	bar := newBar(o.Progress, "cluster: accounts", int64(2*o.Senders+2), 0)
	all, err := makePairs(ctx, nodes[0], hc, "b"+runID()+"n", o.Senders+1, bar)
	bar.Done()
	if err != nil {
		return nil, err
	}
	p, pairs := all[0], all[1:]
	recv, err := openStream(ctx, on(p.to.c, 1))
	if err != nil {
		return nil, fmt.Errorf("probe stream on node 2: %w", err)
	}
	defer recv.Close()
	var streams []*client.Stream
	defer func() { closeStreams(streams) }()
	for i := range pairs {
		pairs[i].from.c = on(pairs[i].from.c, i)
		s, err := openStream(ctx, on(pairs[i].to.c, i+1))
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
		// Round robin over the nodes: account j's sessions on node j%N.
		spread := make([]account, 0, len(accs)*len(nodes))
		for k := range nodes {
			for _, a := range accs {
				spread = append(spread, account{handle: a.handle, c: on(a.c, k)})
			}
		}
		bar := newBar(o.Progress, "cluster: sockets", int64(fill), 0)
		idle, err := openStreams(ctx, spread, fill, bar)
		bar.Done()
		streams = append(streams, idle...)
		if err != nil {
			return nil, err
		}
	}
	var before []int64
	for _, pid := range o.NodePIDs {
		rss, _ := RSS(pid)
		before = append(before, rss)
	}

	bar = newBar(o.Progress, "cluster: running", 0, o.Duration)
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
	p.from.c = on(p.from.c, 0)
	e2e, post, perrs, err := probe(ctx, p, recv, o.Duration, 5*time.Millisecond, nil)
	load := <-loadDone
	bar.Done()
	if err != nil {
		return nil, err
	}
	r := &Result{
		Params: map[string]any{"nodes": len(nodes), "conns": o.Conns, "senders": o.Senders, "rate": o.Rate, "duration": o.Duration.String()},
		Errors: perrs + load.errs,
	}
	r.add("load_rate", float64(len(load.lat))/load.elapsed.Seconds(), "msgs/s")
	r.add("load_post_p99", load.lat.pct(99), "ms")
	r.add("cross_node_e2e_p50", e2e.pct(50), "ms")
	r.add("cross_node_e2e_p99", e2e.pct(99), "ms")
	r.add("probe_post_p99", post.pct(99), "ms")
	r.add("probes", float64(len(e2e)), "msgs")
	r.add("sockets_per_node", float64(o.Conns)/float64(len(nodes)), "")
	for i, pid := range o.NodePIDs {
		if rss, err := RSS(pid); err == nil {
			r.add(fmt.Sprintf("node%d_rss", i+1), float64(rss)/(1<<20), "MiB")
			if i < len(before) && before[i] > 0 {
				r.add(fmt.Sprintf("node%d_rss_growth_during_run", i+1), float64(rss-before[i])/(1<<20), "MiB")
			}
		}
	}
	return r, nil
}
