package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	benchmark "github.com/parleyhq/parley/internal/bench"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/sqlite"
)

const benchUsage = `Usage: parley bench <scenario> [flags]

Scenarios (see docs/benchmarks.md):
  send      acknowledged sends/s, --senders concurrent senders; p50/p99 of the POST
  send-brand  sends to a brand with 200 bot rules vs person-to-person, alternating rounds
  xrpc-send   XRPC sendMessage vs native sends, alternating: msgs/s and server CPU per message
  e2e       one sender, sequential sends: POST to the receiver's WebSocket frame
  e2e-load  e2e latency while --conns sockets are open and --rate msgs/s flow
  idle      server memory per idle authenticated WebSocket (--conns sockets)
  inbox     first inbox page of an account with many conversations (seeded)
  history   a 50-message page deep in a long conversation (seeded)
  webhooks  customers write to a brand with --endpoints endpoints (4) at --rate deliveries/s (2200 unless set; budget >= 2000): signed deliveries/s
            to a loopback receiver, commit-to-delivery p50/p99, server CPU per delivery
  campaign-plan  plan a campaign to 100,000 followers (seeded on SQLite; --accounts
            sets the count): server time from start to planned
  campaign-send  a campaign to seeded followers at --rate msgs/s (5000) beside --senders (16)
            person-to-person senders at 10 msgs/s each, phases of --duration: campaign msgs/s,
            p2p p99 with and without it, server CPU per campaign message
  soak      a long run (--duration 10m) at --rate with --conns sockets (5000), socket churn,
            login/logout cycles and mixed traffic: e2e p99, RSS and goroutines per window
  cluster   --nodes N (3) servers on --postgres and --nats, --conns sockets (15000) spread over
            them, load at --rate with every message crossing nodes: cross-node e2e p50/p99
  seed      fill a database for inbox and history (--data DIR, or --postgres) through the
            loader of parley import; prints records/s and CPU per record
  seed-search  fill a database for search: --messages in all, --searcher-messages of them
            the searcher's (10,000,000 and 100,000); then "search --data DIR" measures it
  recs      the product recommender in this process: a 100,000-item catalog, a model of
            --interactions (1,000,000; the budget is at 10,000,000), an update of 1M more,
            p50/p99 CPU time of 5 picks for a customer
  all       every scenario but seed, in order (seeding a database for inbox/history)

Without --url the bench starts "parley serve" itself (SQLite in a temporary
folder, or --postgres/--nats), so that the measured memory is the server's.

Flags:
`

// bench runs "parley bench".
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, benchUsage)
		benchFlagSet(stderr).PrintDefaults()
		return errors.New("bench needs a scenario")
	}
	scenario := args[0]
	fs := benchFlagSet(stderr)
	f := newBenchFlags(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	f.applyQuick(fs)
	raiseOpenFiles()
	defer func() {
		if f.tempSeed != "" {
			os.RemoveAll(f.tempSeed)
		}
	}()

	var progress io.Writer
	if f.progress || isTerminal(os.Stderr) {
		progress = stderr
	}
	switch scenario {
	case "seed-search":
		m, err := f.seedSearch(ctx, progress)
		if err != nil {
			return err
		}
		if f.json {
			return json.NewEncoder(stdout).Encode(m)
		}
		fmt.Fprintf(stdout, "seeded %d messages (the searcher's: %d in %d conversations) in %.1f s\n",
			m.Messages, m.SearcherMessages, m.Conversations, m.Seconds)
		return nil
	case "seed":
		m, err := f.seed(ctx, progress)
		if err != nil {
			return err
		}
		if f.json {
			return json.NewEncoder(stdout).Encode(m)
		}
		fmt.Fprintf(stdout, "seeded %d conversations and %d messages in %.1f s (inbox account: %d conversations; long conversation: %d messages)\n",
			m.Conversations, m.Messages, m.Seconds, m.InboxConversations, m.HistoryMessages)
		fmt.Fprintf(stdout, "%d records, %.0f records/s; CPU: seed process %.1f s (%.1f µs/record), database backends %.1f s (%.1f µs/record)\n",
			m.Records, float64(m.Records)/m.Seconds, m.CPUSeconds, 1e6*m.CPUSeconds/float64(m.Records), m.DBCPUSeconds,
			1e6*m.DBCPUSeconds/float64(m.Records))
		return nil
	case "recs":
		r, err := benchmark.Recs(ctx, benchmark.RecsOptions{Interactions: f.interactions})
		if err != nil {
			return err
		}
		r.Scenario = "recs"
		if f.json {
			return r.WriteJSON(stdout)
		}
		return r.WriteTable(stdout)
	case "all":
		var results []*benchmark.Result
		for _, s := range benchmark.Scenarios {
			r, err := f.runOne(ctx, s, progress, stderr)
			if err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
			results = append(results, r)
			if !f.json {
				r.WriteTable(stdout)
				fmt.Fprintln(stdout)
			}
		}
		if f.json {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{"results": results})
		}
		return nil
	}
	r, err := f.runOne(ctx, scenario, progress, stderr)
	if err != nil {
		return err
	}
	if f.json {
		return r.WriteJSON(stdout)
	}
	return r.WriteTable(stdout)
}

func benchFlagSet(stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

type benchFlags struct {
	url, data, manifest, postgres, nats, debugAddr string
	cpuProfile                                     string
	json, progress, quick                          bool
	pid, jobWorkers, nodes                         int
	rateSet, sendersSet                            bool
	accountsSet                                    bool // campaign-plan's follower count
	interactions                                   int  // recs: the model's log
	opts                                           benchmark.Options
	seedOpts                                       benchmark.SeedOptions
	searchSeed                                     benchmark.SearchSeedOptions
	seeded                                         *seededDB // made once for inbox and history
	tempSeed                                       string    // a temporary seeded folder to remove
}

func newBenchFlags(fs *flag.FlagSet) *benchFlags {
	f := &benchFlags{opts: benchmark.Defaults(), seedOpts: benchmark.FullSeed(), searchSeed: benchmark.FullSearchSeed()}
	fs.StringVar(&f.url, "url", "", "measure the server at this URL (default: start one)")
	fs.IntVar(&f.interactions, "interactions", 1_000_000, "recs: interactions of the model before the 1M update (the budget is at 10,000,000)")
	fs.BoolVar(&f.json, "json", false, "print one JSON object instead of a table")
	fs.BoolVar(&f.progress, "progress", false, "draw the progress bar even when stderr is not a terminal")
	fs.BoolVar(&f.quick, "quick", false, "small sizes and short phases (make bench); explicit flags still win")
	fs.DurationVar(&f.opts.Duration, "duration", f.opts.Duration, "length of the measured phase")
	fs.IntVar(&f.opts.Senders, "senders", f.opts.Senders, "concurrent senders (send, e2e-load)")
	fs.BoolVar(&f.opts.Turns, "turns", false, "send: the two people of each conversation take turns (each send follows the other's message)")
	fs.DurationVar(&f.opts.Slow, "slow", 0, "send: print each POST slower than this to stderr, with its start time in the sending phase")
	fs.IntVar(&f.opts.Rate, "rate", f.opts.Rate, "background messages per second (e2e-load)")
	fs.IntVar(&f.opts.Endpoints, "endpoints", 4, "webhook endpoints of the brand (webhooks; at most 10): --rate is deliveries/s, messages/s are --rate / --endpoints")
	fs.IntVar(&f.opts.Conns, "conns", f.opts.Conns, "open WebSockets (idle; e2e-load uses 5000 unless set)")
	fs.IntVar(&f.opts.Accounts, "accounts", f.opts.Accounts, "accounts sharing the idle sockets")
	fs.IntVar(&f.opts.Workers, "workers", f.opts.Workers, "concurrent readers (inbox, history)")
	fs.IntVar(&f.jobWorkers, "job-workers", 256, "job workers of the started server (webhooks: each waits for two commits per delivery)")
	fs.IntVar(&f.nodes, "nodes", 3, "cluster: nodes started on --postgres and --nats")
	fs.IntVar(&f.pid, "pid", 0, "process id of the server at --url (idle reads its memory)")
	fs.StringVar(&f.data, "data", "", "data folder of a seeded SQLite database (seed writes it; inbox and history serve it)")
	fs.StringVar(&f.manifest, "manifest", "", "seed manifest (default: bench-seed.json in --data)")
	fs.StringVar(&f.postgres, "postgres", "", "PostgreSQL URL for the started server (and for seed)")
	fs.StringVar(&f.nats, "nats", "", "NATS URL for the started server")
	fs.StringVar(&f.debugAddr, "debug-addr", "", "pprof address of the started server (or of the server at --url)")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "seed: write a CPU profile of the seeding process (the SQLite store runs in it) to this file")
	fs.IntVar(&f.seedOpts.Conversations, "conversations", f.seedOpts.Conversations, "seed: conversations in all")
	fs.IntVar(&f.seedOpts.Messages, "messages", f.seedOpts.Messages, "seed: messages in all")
	fs.IntVar(&f.seedOpts.InboxConversations, "inbox-conversations", f.seedOpts.InboxConversations, "seed: conversations of the inbox account")
	fs.IntVar(&f.seedOpts.HistoryMessages, "history-messages", f.seedOpts.HistoryMessages, "seed: messages of the long conversation")
	fs.IntVar(&f.seedOpts.Workers, "seed-workers", f.seedOpts.Workers, "seed: concurrent batched Updates")
	fs.IntVar(&f.searchSeed.SearcherMessages, "searcher-messages", f.searchSeed.SearcherMessages, "seed-search: messages of the searcher")
	fs.IntVar(&f.searchSeed.SearcherConversations, "searcher-conversations", f.searchSeed.SearcherConversations, "seed-search: conversations of the searcher")
	return f
}

// applyQuick shrinks what the command line did not set.
func (f *benchFlags) applyQuick(fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if !set["conns"] {
		f.opts.Conns = 0 // per scenario below
	}
	f.rateSet = set["rate"]
	f.sendersSet = set["senders"]
	f.accountsSet = set["accounts"]
	if !f.quick {
		return
	}
	quick := map[string]func(){
		"duration":            func() { f.opts.Duration = 3 * time.Second },
		"senders":             func() { f.opts.Senders = 16 },
		"rate":                func() { f.opts.Rate = 2000 },
		"accounts":            func() { f.opts.Accounts = 10 },
		"workers":             func() { f.opts.Workers = 4 },
		"conversations":       func() { f.seedOpts.Conversations = 20_000 },
		"messages":            func() { f.seedOpts.Messages = 100_000 },
		"inbox-conversations": func() { f.seedOpts.InboxConversations = 2_000 },
		"history-messages":    func() { f.seedOpts.HistoryMessages = 20_000 },
	}
	for name, apply := range quick {
		if !set[name] {
			apply()
		}
	}
}

// conns is the number of sockets of a scenario when --conns is not given.
func (f *benchFlags) conns(scenario string) int {
	if f.opts.Conns > 0 {
		return f.opts.Conns
	}
	n := map[string]int{"idle": 15000, "e2e-load": 5000, "soak": 5000, "cluster": 15000}[scenario]
	if f.quick {
		n /= 10
	}
	return n
}

// runOne runs a scenario against --url or against a server it starts.
func (f *benchFlags) runOne(ctx context.Context, scenario string, progress, stderr io.Writer) (*benchmark.Result, error) {
	o := f.opts
	o.Progress = progress
	o.Conns = f.conns(scenario)
	o.ServerPID = f.pid
	o.PostgresURL = f.postgres
	if scenario == "webhooks" && !f.rateSet {
		// 10% above the budget's 2,000/s: a server that keeps up delivers
		// what is offered, so offering exactly 2,000 could only show
		// 1,99x and never capacity (docs/benchmarks.md).
		o.Rate = 2200
	}
	if scenario == "campaign-send" {
		if !f.rateSet {
			o.Rate = 5000 // the budget's rate
		}
		if !f.sendersSet {
			o.Senders = 16
		}
	}
	data := ""
	if (scenario == "campaign-plan" || scenario == "campaign-send") && f.url == "" {
		if f.postgres != "" {
			return nil, fmt.Errorf("%s seeds SQLite; against PostgreSQL seed it with --url", scenario)
		}
		dir, err := os.MkdirTemp("", "parley-bench-campaign-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		store, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
		if err != nil {
			return nil, err
		}
		n := benchmark.DefaultFollowers
		if scenario == "campaign-send" {
			n = benchmark.CampaignSendFollowers(o.Rate, o.Duration)
		}
		switch {
		case f.accountsSet:
			n = o.Accounts
		case f.quick:
			n = 2000
		}
		o.Accounts = n
		err = benchmark.SeedFollowers(ctx, store, n)
		store.Close()
		if err != nil {
			return nil, err
		}
		data = dir
	}
	if scenario == "inbox" || scenario == "history" {
		db, err := f.seededDB(ctx, progress)
		if err != nil {
			return nil, err
		}
		o.Seed, data = db.manifest, db.dir
	}
	if scenario == "search" && (f.data != "" || f.manifest != "") {
		path := cmp.Or(f.manifest, filepath.Join(f.data, "search-seed.json"))
		m, err := benchmark.ReadSearchManifest(path)
		if err != nil {
			return nil, err
		}
		o.SearchSeed, data = m, f.data
	}
	info := map[string]string{"store": "sqlite", "bus": "inmem"}
	if f.postgres != "" {
		info["store"] = "postgres"
	}
	if f.nats != "" {
		info["bus"] = "nats"
	}
	if scenario == "cluster" {
		if f.postgres == "" || f.nats == "" {
			return nil, errors.New("cluster needs --postgres and --nats: its nodes share one store and one bus")
		}
		nf := *f
		nf.debugAddr = "" // one free port per node
		for range f.nodes {
			srv, err := startServer(ctx, &nf, "")
			if err != nil {
				return nil, err
			}
			defer srv.stop()
			o.Nodes, o.NodePIDs = append(o.Nodes, srv.url), append(o.NodePIDs, srv.pid)
		}
		o.URL = o.Nodes[0]
		r, err := benchmark.Run(ctx, scenario, o)
		if r != nil {
			r.Server = info
		}
		return r, err
	}
	if f.url != "" {
		o.URL = f.url
		info["url"] = f.url
		if f.debugAddr != "" {
			o.DebugURL = "http://" + f.debugAddr
		}
	} else {
		srv, err := startServer(ctx, f, data)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		o.URL, o.ServerPID, o.DebugURL = srv.url, srv.pid, srv.debugURL
	}
	r, err := benchmark.Run(ctx, scenario, o)
	if r != nil {
		r.Server = info
	}
	return r, err
}

// seededDB is a seeded database and its manifest.
type seededDB struct {
	dir      string // SQLite data folder; "" on PostgreSQL
	manifest *benchmark.Manifest
}

// seededDB finds the seeded database of --data/--manifest, or seeds a
// temporary one (SQLite) or --postgres with the seed sizes.
func (f *benchFlags) seededDB(ctx context.Context, progress io.Writer) (*seededDB, error) {
	if f.seeded != nil {
		return f.seeded, nil
	}
	path := f.manifest
	if path == "" && f.data != "" {
		path = filepath.Join(f.data, "bench-seed.json")
	}
	if path != "" {
		m, err := benchmark.ReadManifest(path)
		if err != nil {
			return nil, err
		}
		f.seeded = &seededDB{dir: f.data, manifest: m}
		return f.seeded, nil
	}
	if f.url != "" {
		return nil, errors.New("inbox and history against --url need the --manifest that seed wrote")
	}
	if f.postgres == "" {
		dir, err := os.MkdirTemp("", "parley-bench-seed-")
		if err != nil {
			return nil, err
		}
		f.data, f.tempSeed = dir, dir
	}
	m, err := f.seed(ctx, progress)
	if err != nil {
		return nil, err
	}
	f.seeded = &seededDB{dir: f.data, manifest: m}
	return f.seeded, nil
}

// seed fills --data (SQLite) or --postgres through the store and writes the manifest.
func (f *benchFlags) seed(ctx context.Context, progress io.Writer) (*benchmark.Manifest, error) {
	var store dm.BulkStore
	var err error
	manifest := f.manifest
	switch {
	case f.postgres != "":
		store, err = postgres.Open(ctx, f.postgres)
		if manifest == "" {
			manifest = "bench-seed.json"
		}
	case f.data != "":
		if err := os.MkdirAll(f.data, 0o700); err != nil {
			return nil, err
		}
		store, err = sqlite.Open(ctx, filepath.Join(f.data, "parley.db"))
		if manifest == "" {
			manifest = filepath.Join(f.data, "bench-seed.json")
		}
	default:
		return nil, errors.New("seed needs --data DIR (SQLite) or --postgres URL")
	}
	if err != nil {
		return nil, err
	}
	o := f.seedOpts
	o.Progress = progress
	start := time.Now()
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	cpu0, _ := benchmark.CPUTime(os.Getpid())
	dbcpu := benchmark.MeasureDBCPU(ctx, f.postgres)
	m, err := benchmark.Seed(ctx, store, o)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	db := dbcpu.Stop()
	if err != nil {
		return nil, err
	}
	// Close waited for the last commit and checkpoint: count them too.
	m.Seconds = time.Since(start).Seconds()
	cpu1, _ := benchmark.CPUTime(os.Getpid())
	m.CPUSeconds, m.DBCPUSeconds = (cpu1 - cpu0).Seconds(), db.Seconds()
	return m, benchmark.WriteManifest(manifest, m)
}

// seedSearch fills --data (SQLite) or --postgres for the search scenario
// and writes search-seed.json beside the database (or at --manifest).
func (f *benchFlags) seedSearch(ctx context.Context, progress io.Writer) (*benchmark.SearchManifest, error) {
	var store dm.Store
	var err error
	manifest := f.manifest
	switch {
	case f.postgres != "":
		store, err = postgres.Open(ctx, f.postgres)
		manifest = cmp.Or(manifest, "search-seed.json")
	case f.data != "":
		if err := os.MkdirAll(f.data, 0o700); err != nil {
			return nil, err
		}
		store, err = sqlite.Open(ctx, filepath.Join(f.data, "parley.db"))
		manifest = cmp.Or(manifest, filepath.Join(f.data, "search-seed.json"))
	default:
		return nil, errors.New("seed-search needs --data DIR (SQLite) or --postgres URL")
	}
	if err != nil {
		return nil, err
	}
	o := f.searchSeed
	o.Messages, o.Workers, o.Progress = f.seedOpts.Messages, f.seedOpts.Workers, progress
	// About 200 messages in each of the other conversations.
	o.OtherConversations = min(o.OtherConversations, max(1, (o.Messages-o.SearcherMessages)/200))
	start := time.Now()
	m, err := benchmark.SeedSearch(ctx, store, o)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	m.Seconds = time.Since(start).Seconds()
	return m, benchmark.WriteSearchManifest(manifest, m)
}

// child is a "parley serve" the bench started.
type child struct {
	url, debugURL string
	pid           int
	stop          func()
}

// startServer runs this binary's "serve" on a free loopback port, with rate
// limits off, on data (or a new temporary folder), and waits until it is ready.
func startServer(ctx context.Context, f *benchFlags, data string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	tmp := ""
	if data == "" {
		if tmp, err = os.MkdirTemp("", "parley-bench-"); err != nil {
			return nil, err
		}
		data = tmp
	}
	// Loopback webhook endpoints are allowed: the webhooks scenario's
	// receiver runs in the bench.
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--rate-limit", "off", "--log-level", "warn",
		"--webhook-allow", "127.0.0.0/8", "--job-workers", strconv.Itoa(f.jobWorkers)}
	if f.postgres != "" {
		args = append(args, "--postgres", f.postgres)
	}
	if f.nats != "" {
		args = append(args, "--nats", f.nats)
	}
	// pprof is always on, on a free port unless --debug-addr names one: idle
	// asks it for a garbage collection before it reads the memory.
	debugAddr := f.debugAddr
	if debugAddr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		debugAddr = ln.Addr().String()
		ln.Close()
	}
	args = append(args, "--debug-addr", debugAddr)
	logPath := filepath.Join(data, "bench-server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = logFile
	out, err := cmd.StdoutPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}
	// "Parley <version> on http://127.0.0.1:PORT (Ctrl-C stops it)"
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), " on http://"); ok {
				urls <- "http://" + strings.Fields(rest)[0]
				break
			}
		}
		close(urls)
		io.Copy(io.Discard, out)
	}()
	var url string
	select {
	case url = <-urls:
	case <-time.After(60 * time.Second):
	case <-ctx.Done():
	}
	if url == "" {
		stop()
		return nil, fmt.Errorf("the server did not start; its log is %s", logPath)
	}
	for range 100 {
		resp, err := http.Get(url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return &child{url: url, debugURL: "http://" + debugAddr, pid: cmd.Process.Pid, stop: stop}, nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("the server at %s never became ready", url)
}

// raiseOpenFiles lifts the soft limit on open files to the hard one: idle
// opens 15,000 sockets. (The server started as a child inherits it.)
func raiseOpenFiles() {
	var lim syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim) == nil && lim.Cur < lim.Max {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
