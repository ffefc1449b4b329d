// Command parley runs the Parley direct-message server.
//
//	parley serve   run a server (SQLite by default; --postgres/--nats to scale out)
//	parley demo    run a server with demo people, a brand and conversations
//	parley backup  copy a SQLite database to a file, safely while it runs
//	parley restore put a backup in place of a (stopped) server's database
//	parley import  load a JSON-lines export into a (stopped) server's database
//	parley export  write the database as JSON lines (docs/import.md)
//	parley bench   drive a running server and measure it
//	parley recs    evaluate the product recommender on an interaction log
//	parley version print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/sqlite"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

const usage = `Usage: parley <command> [flags]

Commands:
  serve    run a server
  demo     run a server with demo data and print how to log in
  backup   copy the SQLite database to a file and the attachments beside it (safe while serving)
  restore  put a backup (and its attachments) in place of a stopped server's data
  import   load a JSON-lines export (docs/import.md) into a stopped server's database, SQLite or PostgreSQL
  export   write the database as JSON lines, in a stable order, for import into either store
  bench    measure a running server (see "parley bench -h")
  recs     evaluate the product recommender on an interaction log (see "parley recs")
  operator grant/revoke the operator role, or print a password reset link (see "parley operator -h")
  version  print the version

Run "parley <command> -h" for a command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr, false)
	case "demo":
		return serve(ctx, args[1:], stdout, stderr, true)
	case "backup":
		return backup(ctx, args[1:], stdout, stderr)
	case "restore":
		return restore(ctx, args[1:], stdout, stderr)
	case "import":
		return importCmd(ctx, args[1:], stdout, stderr)
	case "export":
		return exportCmd(ctx, args[1:], stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], stdout, stderr)
	case "recs":
		return recsCmd(ctx, args[1:], stdout, stderr)
	case "operator":
		return operator(ctx, args[1:], stdout, stderr)
	case "version", "-v", "--version":
		fmt.Fprintln(stdout, "parley", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// env returns the PARLEY_* variable or a default.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// envInt returns the PARLEY_* variable as a whole number, or a default when
// it is unset or not a number (the flag's own parsing then reports nothing:
// a bad variable is caught by the flag set when given as a flag).
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

func serverFlags(fs *flag.FlagSet, demo bool) (*server.Config, *string, *string) {
	cfg := &server.Config{}
	defData := "./parley-data"
	if demo {
		defData = "./parley-demo-data"
	}
	fs.StringVar(&cfg.Addr, "addr", env("PARLEY_ADDR", "127.0.0.1:8080"), "listen address (PARLEY_ADDR)")
	fs.StringVar(&cfg.DataDir, "data", env("PARLEY_DATA", defData), "data folder for the SQLite database (PARLEY_DATA)")
	fs.StringVar(&cfg.PostgresURL, "postgres", env("PARLEY_POSTGRES", ""), "PostgreSQL URL: store data there instead of SQLite (PARLEY_POSTGRES)")
	fs.StringVar(&cfg.NATSURL, "nats", env("PARLEY_NATS", ""), "NATS URL: fan out events between nodes (PARLEY_NATS)")
	fs.StringVar(&cfg.DebugAddr, "debug-addr", env("PARLEY_DEBUG_ADDR", ""), "serve net/http/pprof on this address (PARLEY_DEBUG_ADDR; off by default)")
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", env("PARLEY_SECURE_COOKIES", "") == "true", "mark session cookies Secure, behind HTTPS (PARLEY_SECURE_COOKIES=true)")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", env("PARLEY_TRUST_PROXY", "") == "true", "behind a reverse proxy: take client addresses from X-Forwarded-For (PARLEY_TRUST_PROXY=true)")
	fs.StringVar(&cfg.PublicHost, "public-host", env("PARLEY_PUBLIC_HOST", "parley.test"), "public host name: XRPC DIDs are did:web:<host>:u:<id>, handles <handle>.<host> (PARLEY_PUBLIC_HOST)")
	fs.StringVar(&cfg.PublicURL, "public-url", env("PARLEY_PUBLIC_URL", ""), "the address people reach this server at, such as https://chat.example.com: links in messages start with it; default http:// and --addr (PARLEY_PUBLIC_URL)")
	rate := fs.String("rate-limit", env("PARLEY_RATE_LIMIT", "on"), "on, or off for benchmarks and load tests only (PARLEY_RATE_LIMIT)")
	fs.IntVar(&cfg.JobWorkers, "job-workers", envInt("PARLEY_JOB_WORKERS", 4), "durable jobs (away messages, webhooks, campaigns) run at once on this node; -1 runs none, for nodes that only serve requests (PARLEY_JOB_WORKERS)")
	fs.IntVar(&cfg.ConsentLimits.MaxFrequencyCap, "max-frequency-cap", envInt("PARLEY_MAX_FREQUENCY_CAP", 2), "the most promotional messages a brand may send one person in 7 days; brands may only set less (PARLEY_MAX_FREQUENCY_CAP)")
	fs.IntVar(&cfg.ConsentLimits.BrandDailyCap, "brand-daily-cap", envInt("PARLEY_BRAND_DAILY_CAP", 0), "the most promotional messages and follow-ups one brand sends per UTC day; 0 for no cap (PARLEY_BRAND_DAILY_CAP)")
	defLease, _ := time.ParseDuration(env("PARLEY_JOB_LEASE", "1m"))
	fs.DurationVar(&cfg.JobLease, "job-lease", defLease, "how long a node holds a claimed job or campaign delivery before another may take it over after a crash (PARLEY_JOB_LEASE)")
	fs.StringVar(&cfg.S3.Endpoint, "s3-endpoint", env("PARLEY_S3_ENDPOINT", ""), "S3-compatible endpoint URL: keep attachments there instead of under --data (PARLEY_S3_ENDPOINT; keys in PARLEY_S3_ACCESS_KEY and PARLEY_S3_SECRET_KEY)")
	fs.StringVar(&cfg.S3.Bucket, "s3-bucket", env("PARLEY_S3_BUCKET", "parley"), "S3 bucket for attachments (PARLEY_S3_BUCKET)")
	fs.StringVar(&cfg.S3.Region, "s3-region", env("PARLEY_S3_REGION", "us-east-1"), "S3 region (PARLEY_S3_REGION)")
	fs.StringVar(&cfg.S3.Prefix, "s3-prefix", env("PARLEY_S3_PREFIX", ""), "prefix of attachment object names in the bucket (PARLEY_S3_PREFIX)")
	cfg.S3.AccessKey, cfg.S3.SecretKey = os.Getenv("PARLEY_S3_ACCESS_KEY"), os.Getenv("PARLEY_S3_SECRET_KEY")
	fs.Int64Var(&cfg.Uploads.Image, "max-image-bytes", int64(envInt("PARLEY_MAX_IMAGE_BYTES", 8<<20)), "largest image upload (PARLEY_MAX_IMAGE_BYTES)")
	fs.Int64Var(&cfg.Uploads.Video, "max-media-bytes", int64(envInt("PARLEY_MAX_MEDIA_BYTES", 25<<20)), "largest audio or video upload (PARLEY_MAX_MEDIA_BYTES)")
	fs.Int64Var(&cfg.Uploads.File, "max-file-bytes", int64(envInt("PARLEY_MAX_FILE_BYTES", 25<<20)), "largest file upload (PARLEY_MAX_FILE_BYTES)")
	fs.IntVar(&cfg.UploadSessions.PerAccount, "upload-sessions-per-account", envInt("PARLEY_UPLOAD_SESSIONS_PER_ACCOUNT", 8), "resumable uploads one account may have in progress (PARLEY_UPLOAD_SESSIONS_PER_ACCOUNT)")
	fs.Int64Var(&cfg.UploadSessions.Chunk, "upload-chunk-bytes", int64(envInt("PARLEY_UPLOAD_CHUNK_BYTES", 8<<20)), "largest chunk of a resumable upload (PARLEY_UPLOAD_CHUNK_BYTES)")
	fs.Int64Var(&cfg.UploadQuota, "upload-quota-bytes", int64(envInt("PARLEY_UPLOAD_QUOTA_BYTES", 0)), "bytes of files one account may keep, 0 for no quota (PARLEY_UPLOAD_QUOTA_BYTES)")
	fs.Func("webhook-allow", "an address range (CIDR) webhook endpoints may reach although it is not public, such as 10.0.0.0/8; repeat for several (PARLEY_WEBHOOK_ALLOW, comma-separated)", func(v string) error {
		p, err := netip.ParsePrefix(strings.TrimSpace(v))
		if err != nil {
			return fmt.Errorf("not a CIDR range: %q", v)
		}
		cfg.WebhookAllow = append(cfg.WebhookAllow, p)
		return nil
	})
	for _, v := range strings.Split(env("PARLEY_WEBHOOK_ALLOW", ""), ",") {
		if p, err := netip.ParsePrefix(strings.TrimSpace(v)); err == nil {
			cfg.WebhookAllow = append(cfg.WebhookAllow, p)
		}
	}
	limitFlags(fs, cfg)
	level := fs.String("log-level", env("PARLEY_LOG_LEVEL", "info"), "debug, info, warn or error (PARLEY_LOG_LEVEL)")
	return cfg, rate, level
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer, demo bool) error {
	name := "serve"
	if demo {
		name = "demo"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, rate, level := serverFlags(fs, demo)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLimitEnv(); err != nil {
		return err
	}
	switch *rate {
	case "on":
	case "off":
		cfg.RateLimitOff = true
	default:
		return fmt.Errorf("--rate-limit is on or off, not %q", *rate)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	paceGC(ctx, gcPacerEvery)
	srv, err := server.New(ctx, *cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		srv.Shutdown(context.Background())
		return err
	}
	if demo {
		if err := seedDemo(ctx, srv.Identity(), srv.Chat(), srv.Brand()); err != nil {
			srv.Shutdown(context.Background())
			return fmt.Errorf("demo data: %w", err)
		}
		// alice moderates the demo (the Moderation page); acme is a verified brand.
		if err := seedModeration(ctx, srv.Identity(), srv.Moderation()); err != nil {
			srv.Shutdown(context.Background())
			return fmt.Errorf("demo data: %w", err)
		}
		fmt.Fprintf(stdout, demoBanner, srv.URL(), srv.URL(), srv.URL(), srv.URL())
	} else {
		fmt.Fprintf(stdout, "Parley %s on %s (Ctrl-C stops it)\n", version, srv.URL())
	}
	<-ctx.Done()
	cfg.Logger.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

const demoBanner = `
Parley demo is running at %s

Open it in a browser and log in as one of these (password: parley-demo):
  alice   bob   carol   dan          people who already talk to each other
  acme    a brand; bob and carol answer for it at %s/brands/acme
alice is also an operator: she moderates reports at /moderation.
Two browsers (or a private window) let you chat with yourself.

API:  curl -s -X POST %s/api/v1/sessions -d '{"handle":"alice","password":"parley-demo"}'
Docs: %s/api/openapi.json
Ctrl-C stops it.
`

func backup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("PARLEY_DATA", "./parley-data"), "data folder of the server (PARLEY_DATA)")
	out := fs.String("out", "", "file to write the copy to (must not exist)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("backup needs --out FILE")
	}
	path := server.DatabasePath(*data)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s", path)
	}
	// Attachments go to FILE.blobs/, around the snapshot (see copyBlobs).
	blobsSrc, blobsDst := server.BlobsPath(*data), *out+".blobs"
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s already exists", *out)
	}
	if _, err := copyBlobs(blobsSrc, blobsDst); err != nil {
		return fmt.Errorf("backing up attachments: %w", err)
	}
	// Read-only: a running server keeps the database; an older or newer
	// binary must not migrate it.
	if err := sqlite.BackupFile(ctx, path, *out); err != nil {
		return err
	}
	if _, err := copyBlobs(blobsSrc, blobsDst); err != nil {
		return fmt.Errorf("backing up attachments: %w", err)
	}
	fmt.Fprintf(stdout, "Backed up %s to %s and its attachments to %s\n", path, *out, blobsDst)
	return nil
}

func restore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", env("PARLEY_DATA", "./parley-data"), "data folder to restore into (PARLEY_DATA); its server must be stopped")
	from := fs.String("from", "", "backup file written by parley backup (its attachments are read from FILE.blobs/)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore needs --from FILE")
	}
	path := server.DatabasePath(*data)
	// The database first: Restore checks the backup and refuses while a
	// server has the data folder open. Blobs are only added (they are
	// named by their hash), so copying them second is safe to repeat.
	aside, err := sqlite.Restore(ctx, *from, path)
	if err != nil {
		return err
	}
	blobs := 0
	if _, err := os.Stat(*from + ".blobs"); err == nil {
		if blobs, err = copyBlobs(*from+".blobs", server.BlobsPath(*data)); err != nil {
			return fmt.Errorf("restoring attachments: %w", err)
		}
	}
	fmt.Fprintf(stdout, "Restored %s from %s (%d attachment files copied).\n", path, *from, blobs)
	if aside != "" {
		fmt.Fprintf(stdout, "The database that was there is kept as %s; delete it when the restored server looks right.\n", aside)
	}
	return nil
}
