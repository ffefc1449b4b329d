// Package bench measures a running Parley server the way real clients use
// it: over loopback HTTP and WebSocket through the Go client, never by calling
// the service in-process. Each scenario (send, send-brand, xrpc-send, e2e, e2e-load, idle,
// inbox, history) returns a Result that prints as a table or as one JSON object;
// seed fills a database for inbox and history through the store.
//
// A benchmark is not a test: the figures are compared with the performance
// budget of issue 5 in the printed table, and the package's own test only
// checks that every scenario still runs and produces sane numbers.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/parleyhq/parley/client"
)

// Options are the knobs of every scenario; each uses the ones it needs and
// Defaults fills the others.
type Options struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// Duration is how long the measured phase runs.
	Duration time.Duration
	// Senders is the number of concurrent senders (send, e2e-load).
	Senders int
	// Slow, when set, makes send print every POST slower than it to
	// stderr with its start time, relative to the sending phase: the
	// timeline to set against an event in the server, such as a backup.
	Slow time.Duration
	// Turns makes send's two people of each conversation take turns, as
	// in a conversation: every send then follows the other's message, and
	// moves the sender's read marker too (a read.updated for both).
	Turns bool
	// Rate is the background message rate of e2e-load, in messages per second.
	Rate int
	// Conns is the number of open WebSockets (idle, e2e-load).
	Conns int
	// Accounts is how many accounts share the idle sockets: every login
	// costs an argon2id hash (about 47 ms here), so 15,000 distinct
	// accounts would take minutes to create.
	Accounts int
	// Workers is the number of concurrent readers of the throughput phase
	// of inbox and history.
	Workers int
	// ServerPID is the server process whose RSS idle measures.
	ServerPID int
	// Settle is how long idle waits for the server's RSS to stop falling
	// before reading it (default 2s).
	Settle time.Duration
	// DebugURL is the server's pprof address (http://host:port), when it
	// serves one: idle asks it for a garbage collection before its baseline.
	DebugURL string
	// Seed describes the seeded database (inbox, history).
	Seed *Manifest
	// SearchSeed describes a database seeded for search (seed-search);
	// without it search makes its own small one through the API.
	SearchSeed *SearchManifest
	// Progress, when not nil, draws a progress bar.
	Progress io.Writer
	// Rules is how many bot rules send-brand gives its brand (default 200).
	Rules int
	// Endpoints is how many webhook endpoints the webhooks scenario gives
	// its brand (default 4, at most 10): each message is delivered to
	// each, so the deliveries' rate is Endpoints times the messages'.
	Endpoints int
	// PostgresURL is the database of the measured server, when it runs on
	// PostgreSQL on this machine: send adds its backends' CPU time.
	PostgresURL string
	// Nodes are the base URLs of every node of a cluster (cluster), the
	// first one being URL; NodePIDs their processes, for memory figures.
	Nodes    []string
	NodePIDs []int
}

// Defaults returns the full-size options of the budget of issue 5.
func Defaults() Options {
	return Options{
		Duration: 10 * time.Second,
		Senders:  64,
		Rate:     10000,
		Conns:    15000,
		Accounts: 100,
		Workers:  8,
	}
}

// Scenarios lists the scenarios Run knows, in the order `make bench` runs them.
var Scenarios = []string{"send", "send-brand", "xrpc-send", "e2e", "e2e-load", "idle", "inbox", "history", "media", "search", "webhooks", "soak"}

// campaign-plan is run by name only (parley bench campaign-plan): it needs
// a database seeded with SeedFollowers, which cmd/parley makes for it.

// Run runs one scenario against the server at o.URL.
func Run(ctx context.Context, scenario string, o Options) (*Result, error) {
	var r *Result
	var err error
	start := time.Now()
	switch scenario {
	case "send":
		r, err = Send(ctx, o)
	case "send-brand":
		r, err = SendBrand(ctx, o)
	case "xrpc-send":
		r, err = XRPCSend(ctx, o)
	case "e2e":
		r, err = E2E(ctx, o)
	case "e2e-load":
		r, err = E2ELoad(ctx, o)
	case "idle":
		r, err = Idle(ctx, o)
	case "inbox":
		r, err = Inbox(ctx, o)
	case "history":
		r, err = History(ctx, o)
	case "media":
		r, err = Media(ctx, o)
	case "search":
		r, err = Search(ctx, o)
	case "webhooks":
		r, err = Webhooks(ctx, o)
	case "campaign-plan":
		r, err = CampaignPlan(ctx, o)
	case "campaign-send":
		r, err = CampaignSend(ctx, o)
	case "soak":
		r, err = Soak(ctx, o)
	case "cluster":
		r, err = Cluster(ctx, o)
	default:
		return nil, fmt.Errorf("unknown scenario %q (one of %s, cluster, campaign-plan, campaign-send, seed)", scenario, strings.Join(Scenarios, ", "))
	}
	if r != nil {
		r.Scenario = scenario
		r.Elapsed = time.Since(start).Round(time.Millisecond).String()
	}
	return r, err
}

// Result is what a scenario measured.
type Result struct {
	Scenario string `json:"scenario"`
	// Params are the settings the figures were measured with.
	Params map[string]any `json:"params"`
	// Figures are the measurements, budgeted or not.
	Figures []Figure `json:"figures"`
	// Errors counts failed requests during the measured phase; FirstError
	// is the text of the first, where the scenario keeps it.
	Errors     int64  `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
	// Elapsed is the wall time of the whole scenario, setup included.
	Elapsed string `json:"elapsed"`
	// Server describes the measured server, when the caller knows it.
	Server map[string]string `json:"server,omitempty"`
	// Series is the curve of a long scenario (soak), one point a window.
	Series []SeriesPoint `json:"series,omitempty"`
}

// Figure is one measurement with, when issue 5 sets one, its budget.
type Figure struct {
	Name  string  `json:"name"`
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
	// Budget is ">= N" or "<= N" in Unit; empty when there is none.
	Budget string `json:"budget,omitempty"`
	// Met tells whether Value is within Budget (absent without a budget).
	Met *bool `json:"met,omitempty"`
}

func (r *Result) add(name string, v float64, unit string) {
	r.Figures = append(r.Figures, Figure{Name: name, Value: v, Unit: unit})
}

// budget adds a figure with its budget: op is ">=" or "<=".
func (r *Result) budget(name string, v float64, unit, op string, limit float64) {
	met := v <= limit
	if op == ">=" {
		met = v >= limit
	}
	r.Figures = append(r.Figures, Figure{Name: name, Value: v, Unit: unit,
		Budget: op + " " + strconv.FormatFloat(limit, 'f', -1, 64), Met: &met})
}

// Figure returns the named figure's value, or NaN.
func (r *Result) Figure(name string) float64 {
	for _, f := range r.Figures {
		if f.Name == name {
			return f.Value
		}
	}
	return math.NaN()
}

// WriteTable prints r for people.
func (r *Result) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "%s (%s", r.Scenario, r.Elapsed)
	keys := make([]string, 0, len(r.Params))
	for k := range r.Params {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, ", %s=%v", k, r.Params[k])
	}
	fmt.Fprintf(w, ", errors=%d)\n", r.Errors)
	if r.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", r.FirstError)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "figure\tmeasured\tunit\tbudget\t\t")
	for _, f := range r.Figures {
		verdict := ""
		if f.Met != nil {
			verdict = "ok"
			if !*f.Met {
				verdict = "MISSED"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", f.Name, formatValue(f.Value), f.Unit, f.Budget, verdict)
	}
	if err := tw.Flush(); err != nil || len(r.Series) == 0 {
		return err
	}
	fmt.Fprintln(w, "curve:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "t (s)\te2e p99 (ms)\tRSS (MiB)\tgoroutines\t")
	for _, p := range r.Series {
		fmt.Fprintf(tw, "%.0f\t%s\t%s\t%.0f\t\n", p.T, formatValue(p.P99), formatValue(p.RSSMiB), p.Goroutines)
	}
	return tw.Flush()
}

func formatValue(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// WriteJSON prints r as one JSON object.
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// latencies collects durations; each worker owns one and they are merged at
// the end, so recording costs an append and no lock.
type latencies []time.Duration

func merge(ls []latencies) latencies {
	var all latencies
	for _, l := range ls {
		all = append(all, l...)
	}
	slices.Sort(all)
	return all
}

// pct returns the p-th percentile (0-100) of sorted l in milliseconds.
func (l latencies) pct(p float64) float64 {
	if len(l) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p/100*float64(len(l)))) - 1
	i = max(0, min(i, len(l)-1))
	return float64(l[i]) / float64(time.Millisecond)
}

// httpClient returns an HTTP client whose pool keeps a connection per
// concurrent caller: the default keeps two, so 64 senders would open and
// close a connection per request and measure the TCP handshake.
func httpClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			MaxIdleConns:        conns + 16,
			MaxIdleConnsPerHost: conns + 16,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
		Timeout: 60 * time.Second,
	}
}

// runID makes the handles of one run unique, so that runs against the same
// long-lived server never collide.
func runID() string {
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

// benchPassword is the password of every account the benchmark creates.
const benchPassword = "bench-password"

// account is a logged-in client.
type account struct {
	handle string
	c      *client.Client
}

// makeAccounts signs up and logs in the given handles, a few at a time: each
// costs two argon2id hashes on the server.
func makeAccounts(ctx context.Context, base string, hc *http.Client, handles []string, bar *Bar) ([]account, error) {
	out := make([]account, len(handles))
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, h := range handles {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c := client.New(base, client.WithHTTPClient(hc))
			_, err := c.Signup(ctx, client.SignupParams{Handle: h, Password: benchPassword})
			if err == nil || client.ErrorStatus(err) == http.StatusConflict {
				_, _, err = c.Login(ctx, h, benchPassword)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("account %s: %w", h, err)
			}
			out[i] = account{handle: h, c: c}
			bar.Add(1)
		}()
	}
	wg.Wait()
	return out, firstErr
}

// pair is a sender and a recipient who accepted their direct conversation,
// so sends take the path of an established conversation.
type pair struct {
	from, to account
	conv     string
	// turns: the recipient sends every other message (Options.Turns).
	turns bool
}

func makePairs(ctx context.Context, base string, hc *http.Client, prefix string, n int, bar *Bar) ([]pair, error) {
	handles := make([]string, 0, 2*n)
	for i := range n {
		handles = append(handles, fmt.Sprintf("%ss%d", prefix, i), fmt.Sprintf("%sr%d", prefix, i))
	}
	accs, err := makeAccounts(ctx, base, hc, handles, bar)
	if err != nil {
		return nil, err
	}
	pairs := make([]pair, n)
	for i := range n {
		p := pair{from: accs[2*i], to: accs[2*i+1]}
		conv, _, err := p.from.c.CreateConversation(ctx, []string{p.to.handle}, "")
		if err != nil {
			return nil, fmt.Errorf("conversation: %w", err)
		}
		if _, err := p.to.c.Accept(ctx, conv.ID); err != nil {
			return nil, fmt.Errorf("accept: %w", err)
		}
		p.conv = conv.ID
		pairs[i] = p
	}
	return pairs, nil
}

// openStream opens a stream from now and waits for its ready frame, so that
// the server has subscribed it before anything is measured.
func openStream(ctx context.Context, c *client.Client) (*client.Stream, error) {
	s, err := c.Stream(ctx, "")
	if err != nil {
		return nil, err
	}
	for {
		ev, err := s.Next(ctx)
		if err != nil {
			s.Close()
			return nil, err
		}
		if ev.Type == client.EventReady {
			return s, nil
		}
	}
}

// RSS returns the resident set size of process pid in bytes, from
// /proc/<pid>/status.
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
}
