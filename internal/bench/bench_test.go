package bench

import (
	"context"
	"log/slog"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/postgres/pgtest"
	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestSmoke runs every scenario in a tiny configuration against a real
// server on loopback and checks that the figures are sane. It asserts no
// timing: CI machines are slow and shared.
func TestSmoke(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	// Seed first, through the store, as "parley bench seed" does.
	db, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Seed(ctx, db, SeedOptions{Conversations: 120, Messages: 600, InboxConversations: 60, HistoryMessages: 300, Workers: 4})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	if m.Conversations != 120 || m.Messages != 600 || len(m.DeepMessages) == 0 {
		t.Fatalf("seed manifest: %+v", m)
	}
	mpath := filepath.Join(dir, "bench-seed.json")
	if err := WriteManifest(mpath, m); err != nil {
		t.Fatal(err)
	}
	if m, err = ReadManifest(mpath); err != nil {
		t.Fatal(err)
	}

	// The server's warnings and errors go to the test log, so that a failed
	// request in a scenario shows its cause.
	lw := &testLog{t: t}
	t.Cleanup(lw.stop) // registered before the server's, so it runs after its shutdown
	logger := slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: dir, RateLimitOff: true, Logger: logger,
		// The webhooks scenario's receiver runs in this process, on loopback.
		WebhookAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	o := Options{
		URL: srv.URL(),
		// Long enough that a loaded machine under the race detector
		// still finishes requests in every measured phase.
		Duration: time.Second,
		Senders:  2,
		Rate:     200,
		Conns:    8,
		Accounts: 1,
		Workers:  2,
		Rules:    20,
		// The server runs in this process: the memory figure is only
		// checked for being computed.
		ServerPID: os.Getpid(),
		Settle:    100 * time.Millisecond,
		Seed:      m,
	}
	// What each scenario must report, with a positive value.
	positive := map[string][]string{
		"send":       {"throughput", "messages"},
		"send-brand": {"person_throughput", "brand_throughput", "brand_vs_person"},
		"xrpc-send":  {"native_throughput", "xrpc_throughput", "messages"},
		"e2e":        {"messages"},
		"e2e-load":   {"load_rate", "probes"},
		"idle":       {"rss_after"},
		"inbox":      {"throughput"},
		"history":    {"throughput"},
		"media":      {"upload_5mb_p50", "send_text_p50", "send_attachment_p50"},
		"search":     {"p50", "queries"},
		"webhooks":   {"deliveries_per_s", "delivered", "server_cpu_per_send_and_delivery"},
		"soak":       {"load_rate", "goroutines_end", "reconnects", "login_logout_cycles", "mixed_ops"},
	}
	// Latency pairs that must be ordered: p50 <= p99.
	ordered := map[string][2]string{
		"send":     {"post_p50", "post_p99"},
		"e2e":      {"e2e_p50", "e2e_p99"},
		"e2e-load": {"e2e_p50", "e2e_p99"},
		"inbox":    {"p50", "p99"},
		"history":  {"p50", "p99"},
		"search":   {"p50", "p99"},
		"webhooks": {"delay_p50", "delay_p99"},
		"soak":     {"e2e_p50", "e2e_p99"},
	}
	for _, s := range Scenarios {
		t.Run(s, func(t *testing.T) {
			r, err := Run(ctx, s, o)
			if err != nil {
				t.Fatal(err)
			}
			if r.Scenario != s || r.Errors != 0 {
				t.Fatalf("scenario %q, %d errors (first: %s)", r.Scenario, r.Errors, r.FirstError)
			}
			for _, name := range positive[s] {
				if v := r.Figure(name); !(v > 0) {
					t.Errorf("%s = %v, want > 0", name, v)
				}
			}
			if pair, ok := ordered[s]; ok {
				p50, p99 := r.Figure(pair[0]), r.Figure(pair[1])
				if math.IsNaN(p50) || !(p50 > 0) || p50 > p99 {
					t.Errorf("%s = %v, %s = %v: want 0 < p50 <= p99", pair[0], p50, pair[1], p99)
				}
			}
			for _, f := range r.Figures {
				if math.IsNaN(f.Value) || math.IsInf(f.Value, 0) {
					t.Errorf("%s is %v", f.Name, f.Value)
				}
			}
			var table, js stringsBuilder
			if err := r.WriteTable(&table); err != nil || table.n == 0 {
				t.Errorf("table: %v", err)
			}
			if err := r.WriteJSON(&js); err != nil || js.n == 0 {
				t.Errorf("json: %v", err)
			}
		})
	}
	// send --turns: both people of each conversation send, without errors
	// (a refused send, e.g. of a recipient who had not accepted, counts).
	t.Run("send_turns", func(t *testing.T) {
		ot := o
		ot.Turns = true
		r, err := Run(ctx, "send", ot)
		if err != nil {
			t.Fatal(err)
		}
		if r.Errors != 0 || !(r.Figure("messages") > 1) || r.Params["turns"] != true {
			t.Fatalf("%d errors (first: %s), %v messages, params %v", r.Errors, r.FirstError, r.Figure("messages"), r.Params)
		}
	})
}

// stringsBuilder counts what is written.
type stringsBuilder struct{ n int }

func (b *stringsBuilder) Write(p []byte) (int, error) {
	b.n += len(p)
	return len(p), nil
}

// testLog writes log lines to the test's log until the test ends (t.Log
// after that would panic).
type testLog struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (w *testLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLog) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}

// TestClusterSmoke runs the cluster scenario on two in-process nodes that
// share a fresh PostgreSQL schema and NATS: every load message and probe
// crosses from one node to the other through the bus.
func TestClusterSmoke(t *testing.T) {
	pg, nats := os.Getenv("PARLEY_TEST_POSTGRES"), os.Getenv("PARLEY_TEST_NATS")
	if pg == "" || nats == "" {
		t.Skip("the cluster scenario needs PostgreSQL and NATS: set PARLEY_TEST_POSTGRES (postgres://postgres@127.0.0.1:5432/test) and PARLEY_TEST_NATS (nats://127.0.0.1:4222)")
	}
	ctx := context.Background()
	pgURL := pgtest.Schema(t, pg, "parley_bench_")
	var nodes []string
	for range 2 {
		srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", PostgresURL: pgURL, NATSURL: nats, RateLimitOff: true, DataDir: t.TempDir(),
			Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Shutdown(context.Background()) })
		nodes = append(nodes, srv.URL())
	}
	r, err := Run(ctx, "cluster", Options{URL: nodes[0], Nodes: nodes, Duration: time.Second, Senders: 2, Rate: 100, Conns: 8, Accounts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 {
		t.Fatalf("%d errors (first: %s)", r.Errors, r.FirstError)
	}
	for _, name := range []string{"load_rate", "probes", "cross_node_e2e_p50"} {
		if v := r.Figure(name); !(v > 0) {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
	if p50, p99 := r.Figure("cross_node_e2e_p50"), r.Figure("cross_node_e2e_p99"); p50 > p99 {
		t.Errorf("cross-node p50 %v > p99 %v", p50, p99)
	}
}
