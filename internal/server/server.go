// Package server wires Parley together: it opens the store and the bus,
// builds the services (identity, chat, brand), the API, the WebSocket stream and the web app, and runs
// the HTTP server. cmd/parley and the end-to-end tests both start Parley
// through it, so the tests run exactly what users run.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/api"
	"github.com/parleyhq/parley/internal/blobs"
	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/inmem"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/media"
	"github.com/parleyhq/parley/internal/metrics"
	"github.com/parleyhq/parley/internal/moderation"
	"github.com/parleyhq/parley/internal/nats"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/safehttp"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/web"
	"github.com/parleyhq/parley/internal/webhooks"
	"github.com/parleyhq/parley/internal/ws"
	"github.com/parleyhq/parley/internal/xrpc"
)

// Config is everything a server needs; cmd/parley builds it from flags and
// PARLEY_* variables.
type Config struct {
	// Addr is the listen address ("127.0.0.1:0" picks a free port).
	Addr string
	// DataDir holds the SQLite database (created if missing). Unused with Postgres.
	DataDir string
	// PostgresURL switches storage to PostgreSQL; NATSURL switches the bus to NATS.
	PostgresURL string
	NATSURL     string
	// RateLimitOff turns off every per-account and per-address limit
	// (benchmarks and load tests only).
	RateLimitOff bool
	// DebugAddr serves net/http/pprof when set (off by default).
	DebugAddr string
	// SecureCookies marks session cookies Secure (serve behind HTTPS).
	SecureCookies bool
	// TrustProxy reads client addresses from X-Forwarded-For, for per-address
	// limits behind a reverse proxy; never set it without one.
	TrustProxy bool
	// PublicHost is this server's public host name: the XRPC surface names
	// accounts did:web:<PublicHost>:u:<id> with handles <handle>.<PublicHost>
	// (default "parley.test").
	PublicHost string
	// PublicURL is the address people reach this server at, such as
	// https://chat.example.com: links in messages (tracked links, calendar
	// links) start with it. Default: http:// and the listening address.
	PublicURL string
	// XRPCAccessTTL is how long an XRPC access token lasts (default 2 hours).
	XRPCAccessTTL time.Duration
	// EventRetention is how long the event log keeps events (default 30
	// days); a client with an older cursor must resync (410).
	EventRetention time.Duration
	// JobWorkers is how many durable jobs run at once on this node
	// (default 4); negative runs none (a node that only serves requests,
	// or a test that needs jobs to wait).
	JobWorkers int
	// WebhookAllow lists private address ranges webhook endpoints may
	// reach (none by default: only public addresses).
	WebhookAllow []netip.Prefix
	// WebhookBackoff replaces the webhook retry schedule (tests only).
	WebhookBackoff func(attempt int) time.Duration
	// Now is the clock of every time-based rule (default time.Now); only
	// tests set it, to move time on instead of waiting for it.
	Now func() time.Time
	// JobPoll is how often the job runner looks for due jobs (default 1 s).
	JobPoll time.Duration
	// ConsentLimits are the operator's bounds on brands' automated
	// messages: the highest frequency cap, a daily cap per brand.
	ConsentLimits brand.Limits
	// JobLease is how long a worker holds a claimed job or campaign
	// delivery before another node may take it over (default 1 min).
	JobLease time.Duration
	// PasswordCost is for tests only (identity.CheapPasswordCost()); the
	// zero value, which cmd/parley always passes, is the production cost.
	PasswordCost identity.PasswordCost
	// S3 keeps attachment blobs in S3-compatible storage when its Endpoint
	// is set (several nodes); otherwise they are files under DataDir/blobs.
	S3 blobs.S3Config
	// Uploads bounds attachments by kind (zero: 8 MB images, 25 MB the rest).
	Uploads media.Limits
	// UploadQuota is how many bytes of files one account may keep (0: no quota).
	UploadQuota int64
	// UploadSessions bounds resumable uploads, whose bytes wait under
	// DataDir/upload-sessions (none without a DataDir).
	UploadSessions media.SessionLimits
	// PreviewAllow lets link previews reach these non-public ranges (tests
	// and intranets only; nothing by default).
	PreviewAllow []netip.Prefix
	Logger       *slog.Logger

	// Limits are the abuse limits on writes that reach other people
	// (internal/chat/abuse.go); zero fields take chat.DefaultLimits.
	Limits chat.Limits
	// HeaderTimeout bounds the reading of a request's headers (default
	// 10 s), BodyTimeout of its body (default 30 s, plus a second per
	// 64 KiB received), IdleTimeout an idle keep-alive connection
	// (default 2 min). See transport.go.
	HeaderTimeout time.Duration
	BodyTimeout   time.Duration
	IdleTimeout   time.Duration
	// MaxConnsPerAddr bounds the open connections of one client address
	// (default 500; behind TrustProxy, the requests in flight per forwarded
	// address); MaxStreamsPerAccount the WebSocket streams of one account
	// on this node (default 32). Negative: no bound. RateLimitOff lifts both.
	MaxConnsPerAddr      int
	MaxStreamsPerAccount int
}

// Server is a running Parley node.
type Server struct {
	cfg        Config
	log        *slog.Logger
	store      dm.Store
	bus        dm.Bus
	identity   *identity.Service
	chat       *chat.Service
	brand      *brand.Service
	media      *media.Service
	blobs      dm.Blobs
	hooks      *webhooks.Service
	jobs       *jobs.Runner
	streams    *ws.Server
	handler    http.Handler
	metrics    *metrics.Registry
	moderation *moderation.Service

	http     *http.Server
	debug    *http.Server
	ln       net.Listener
	stopCtx  context.Context // ends when Shutdown starts
	stop     context.CancelFunc
	wg       sync.WaitGroup
	shutOnce sync.Once
}

// New opens the store and bus and builds the handlers; Start begins serving.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("public URL %q: an http or https address such as https://chat.example.com", cfg.PublicURL)
		}
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	s.stopCtx, s.stop = context.WithCancel(context.Background())
	var err error
	if s.store, err = openStore(ctx, cfg); err != nil {
		return nil, err
	}
	if s.bus, err = openBus(cfg); err != nil {
		s.store.Close()
		return nil, err
	}
	if s.blobs, err = openBlobs(ctx, cfg); err != nil {
		s.bus.Close()
		s.store.Close()
		return nil, err
	}
	reg := metrics.New()
	s.metrics = reg
	cfg = withTransportDefaults(cfg)
	s.cfg = cfg
	s.identity = identity.New(s.store, identity.Config{RateLimitOff: cfg.RateLimitOff, PasswordCost: cfg.PasswordCost,
		Bus: s.bus, Now: cfg.Now, Log: cfg.Logger})
	// The send pipeline is wired here, once: the brand layer's stage runs
	// inside every send's transaction, and the work it leaves for after
	// the commit runs from the durable job queue.
	s.jobs = jobs.New(s.store, jobs.Config{Workers: cfg.JobWorkers, Poll: cfg.JobPoll, Lease: cfg.JobLease, Now: cfg.Now, Logger: cfg.Logger, Metrics: reg})
	brandStep := brand.NewStep(brand.Config{Logger: cfg.Logger, Now: cfg.Now, SendLease: cfg.JobLease, Limits: cfg.ConsentLimits,
		PublicURL: s.PublicURL, RateLimitOff: cfg.RateLimitOff})
	mediaStep := media.NewStep()
	// Webhooks follow the brand layer: its stage tells them which sends
	// are a brand's, and its inbox changes reach them through Watch.
	hookCfg := webhooks.Config{Allow: cfg.WebhookAllow, Backoff: cfg.WebhookBackoff, Logger: cfg.Logger, Now: cfg.Now, RateLimitOff: cfg.RateLimitOff}
	hookStep := webhooks.NewStep(brandStep, hookCfg)
	brandStep.Watch(hookStep)
	s.chat = chat.New(s.store, s.bus, chat.Config{
		RateLimitOff:   cfg.RateLimitOff,
		Limits:         cfg.Limits,
		Metrics:        reg,
		EventRetention: cfg.EventRetention,
		Logger:         cfg.Logger,
		Now:            cfg.Now,
		Steps:          []chat.Step{mediaStep, brandStep, hookStep},
		JobsEnqueued:   s.jobs.Kick,
		LeaseJob:       s.jobs.Lease,
		JobsLeased:     s.jobs.Offer,
	})
	s.brand = brand.New(s.chat, brandStep)
	s.brand.RegisterJobs(s.jobs)
	s.media = media.New(s.chat, mediaStep, media.Config{
		Blobs:        s.blobs,
		Limits:       cfg.Uploads,
		Quota:        cfg.UploadQuota,
		SessionDir:   UploadSessionsPath(cfg.DataDir),
		Sessions:     cfg.UploadSessions,
		RateLimitOff: cfg.RateLimitOff,
		Fetch:        safehttp.NewClient(safehttp.Config{Allow: cfg.PreviewAllow, Timeout: 5 * time.Second, UserAgent: api.LinkPreviewAgent}),
		Logger:       cfg.Logger,
		Now:          cfg.Now,
	})
	s.media.RegisterJobs(s.jobs)
	s.hooks = webhooks.New(s.chat, s.brand, hookStep, hookCfg)
	s.hooks.RegisterJobs(s.jobs)
	s.streams = ws.New(ws.Config{Chat: s.chat, Identity: s.identity, Metrics: reg, Logger: cfg.Logger, MaxPerAccount: max(cfg.MaxStreamsPerAccount, 0)})
	// Sessions ended on any node end here too, at once (dm.Revocation).
	ids, streams := s.identity, s.streams
	if _, err := s.bus.Subscribe(dm.RevocationChannel, func(n dm.Notification) {
		if n.Revoked != nil {
			ids.Revoked(*n.Revoked)
			go streams.Revoked(*n.Revoked) // closing sockets may block; the bus callback must not
		}
	}); err != nil {
		s.bus.Close()
		s.store.Close()
		return nil, err
	}
	s.moderation = moderation.New(s.chat, s.identity, moderation.Config{Now: cfg.Now, RateLimitOff: cfg.RateLimitOff})
	if cfg.PublicHost == "" {
		cfg.PublicHost = "parley.test"
	}
	bsky, err := xrpc.New(xrpc.Config{
		Chat:       s.chat,
		Identity:   s.identity,
		Host:       cfg.PublicHost,
		AccessTTL:  cfg.XRPCAccessTTL,
		Now:        cfg.Now,
		RemoteAddr: func(r *http.Request) string { return api.ClientAddr(r, cfg.TrustProxy) },
		Logger:     cfg.Logger,
	})
	if err != nil {
		s.bus.Close()
		s.store.Close()
		return nil, err
	}
	s.handler = api.New(api.Config{
		Identity:      s.identity,
		Chat:          s.chat,
		Brand:         s.brand,
		Media:         s.media,
		Webhooks:      s.hooks,
		Stream:        s.streams.Serve,
		Metrics:       reg,
		Logger:        cfg.Logger,
		Ready:         s.ready,
		Web:           web.Handler(),
		SecureCookies: cfg.SecureCookies,
		EndSession:    s.streams.EndSession,
		TrustProxy:    cfg.TrustProxy,
		XRPC:          bsky,
		Moderation:    s.moderation,
	})
	// The transport limits wrap everything (transport.go).
	tr := &transport{next: s.handler, bodyTimeout: cfg.BodyTimeout, trustProxy: cfg.TrustProxy, metrics: reg, inFlight: map[string]int{}}
	if cfg.TrustProxy && cfg.MaxConnsPerAddr > 0 {
		tr.maxInFlight = cfg.MaxConnsPerAddr
	}
	s.handler = tr
	return s, nil
}

func openStore(ctx context.Context, cfg Config) (dm.Store, error) {
	if cfg.PostgresURL != "" {
		return postgres.Open(ctx, cfg.PostgresURL)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("no data folder: set --data (PARLEY_DATA) or --postgres")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	return sqlite.Open(ctx, DatabasePath(cfg.DataDir))
}

// openBlobs opens where attachment bytes live: the S3 bucket when one is
// configured, else the blobs folder beside the database.
func openBlobs(ctx context.Context, cfg Config) (dm.Blobs, error) {
	if cfg.S3.Endpoint != "" {
		return blobs.NewS3(cfg.S3)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("no place for attachments: set --data (PARLEY_DATA) or --s3-endpoint")
	}
	return blobs.NewDisk(BlobsPath(cfg.DataDir))
}

// UploadSessionsPath is where a data folder keeps resumable uploads in
// progress ("" for none).
func UploadSessionsPath(dataDir string) string {
	if dataDir == "" {
		return ""
	}
	return filepath.Join(dataDir, "upload-sessions")
}

// BlobsPath is where a data folder keeps attachment blobs.
func BlobsPath(dataDir string) string { return filepath.Join(dataDir, "blobs") }

// DatabasePath is where a data folder keeps its SQLite database.
func DatabasePath(dataDir string) string { return filepath.Join(dataDir, "parley.db") }

func openBus(cfg Config) (dm.Bus, error) {
	if cfg.NATSURL != "" {
		return nats.New(cfg.NATSURL, nats.WithLogger(cfg.Logger))
	}
	return inmem.New(), nil
}

func (s *Server) ready(r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := s.bus.Ping(ctx); err != nil {
		return fmt.Errorf("bus: %w", err)
	}
	return nil
}

// Start listens and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	if s.cfg.DebugAddr != "" {
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		dln, err := net.Listen("tcp", s.cfg.DebugAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("debug address: %w", err)
		}
		s.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go s.debug.Serve(dln)
	}
	// Behind a trusted proxy every connection comes from the proxy: the
	// cap per address then counts requests by forwarded address instead.
	if s.cfg.MaxConnsPerAddr > 0 && !s.cfg.TrustProxy {
		ln = newLimitListener(ln, s.cfg.MaxConnsPerAddr, s.metrics)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.HeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server stopped", "err", err)
		}
	}()
	go s.maintain()
	s.jobs.Start()
	// The busiest brands' recommender models are built in the background
	// (served by popularity until ready), not on the first agent's request.
	go s.brand.WarmRecs(s.stopCtx)
	s.log.Info("parley listening", "url", s.URL())
	return nil
}

// maintain prunes the event log and the webhook delivery log, and collects
// uploads never sent, once an hour.
func (s *Server) maintain() {
	defer s.wg.Done()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.chat.PruneEvents(s.stopCtx); err != nil {
			s.log.Warn("pruning events failed", "err", err)
		} else if n > 0 {
			s.log.Info("pruned events", "count", n)
		}
		if _, err := s.chat.PruneAllowances(s.stopCtx); err != nil {
			s.log.Warn("pruning the abuse limits' buckets failed", "err", err)
		}
		if n, err := s.media.CollectGarbage(s.stopCtx); err != nil {
			s.log.Warn("collecting uploads failed", "err", err)
		} else if n > 0 {
			s.log.Info("collected uploads never sent", "count", n)
		}
		if n, err := s.hooks.Prune(s.stopCtx); err != nil {
			s.log.Warn("pruning the webhook delivery log failed", "err", err)
		} else if n > 0 {
			s.log.Info("pruned webhook deliveries", "count", n)
		}
		select {
		case <-s.stopCtx.Done():
			return
		case <-t.C:
		}
	}
}

// URL is the base URL of the listening server, e.g. http://127.0.0.1:8080.
func (s *Server) URL() string {
	if s.ln == nil {
		return ""
	}
	return "http://" + s.ln.Addr().String()
}

// PublicURL is the address links in messages start with: Config.PublicURL,
// else http:// and the listening address (the configured one before Start).
func (s *Server) PublicURL() string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	if u := s.URL(); u != "" {
		return u
	}
	return "http://" + s.cfg.Addr
}

// Addr is the listening address.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Identity returns the account service (for seeding demo data).
func (s *Server) Identity() *identity.Service { return s.identity }

// Moderation returns the moderation service (the operator commands use it).
func (s *Server) Moderation() *moderation.Service { return s.moderation }

// Chat returns the messaging service (for seeding demo data).
func (s *Server) Chat() *chat.Service { return s.chat }

// Brand returns the brand layer (for seeding demo data).
func (s *Server) Brand() *brand.Service { return s.brand }

// Shutdown stops accepting requests, lets in-flight ones (sends included)
// finish, closes the sockets, then closes the bus and the store, whose
// writer commits everything already queued before it returns. If ctx ends
// first, the remaining requests and sockets are cut off, and the store is
// still closed so that everything acknowledged is on disk.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.shutOnce.Do(func() {
		s.stop()
		if s.http != nil {
			if err = s.http.Shutdown(ctx); err != nil {
				s.http.Close()
			}
		}
		if s.debug != nil {
			s.debug.Close()
		}
		done := make(chan struct{})
		go func() {
			s.streams.Close()
			s.wg.Wait()
			close(done)
		}()
		// Running jobs finish (sends included) before the store closes; a
		// job cut off by ctx keeps its lease and runs again after restart.
		if jerr := s.jobs.Close(ctx); jerr != nil {
			s.log.Warn("shutdown: jobs did not finish in time", "err", jerr)
		}
		select {
		case <-done:
		case <-ctx.Done():
			s.log.Warn("shutdown: sockets did not close in time")
			if err == nil {
				err = ctx.Err()
			}
		}
		s.bus.Close()
		if cerr := s.store.Close(); err == nil {
			err = cerr
		}
	})
	return err
}
