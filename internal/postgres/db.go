// Package postgres is the PostgreSQL Store: the scale-out backend that several
// stateless Parley nodes share. It passes the same conformance suite
// (internal/storetest) as the default SQLite store.
//
// Backups are PostgreSQL's own: pg_dump for a logical copy, or base backups
// with WAL archiving for point-in-time recovery (docs/deployment.md).
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleyhq/parley/internal/dm"
)

var _ dm.Store = (*DB)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a pool of connections to one PostgreSQL database (or schema: a
// search_path parameter in the URL is honoured).
type DB struct {
	pool *pgxpool.Pool
	// lock is a connection of its own holding this store's advisory lock
	// (see takeLock) for the life of the DB.
	lock *pgx.Conn
	// replica: 1 if this role may set session_replication_role (the bulk
	// load's batches skip their foreign-key checks), -1 if not, 0 not
	// asked yet.
	replica atomic.Int32
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string) and applies the migrations it has not applied yet.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns(runtime.GOMAXPROCS(0))
	}
	if _, ok := cfg.ConnConfig.RuntimeParams["jit"]; !ok {
		// Parley runs only short index lookups. When the planner
		// overestimates one (fresh tables without statistics), JIT compiles
		// it for hundreds of milliseconds to save microseconds.
		cfg.ConnConfig.RuntimeParams["jit"] = "off"
	}
	if testTracer != nil {
		cfg.ConnConfig.Tracer = testTracer
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{pool: pool}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	if err := db.takeLock(ctx, cfg.ConnConfig); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// defaultMaxConns is the pool's size when the URL does not set
// pool_max_conns: four connections per CPU, at least 16.
//
// A transaction spends most of its time waiting for round trips and the
// commit's WAL flush, not on a CPU: pgxpool's default (the number of CPUs,
// at least 4) leaves concurrent sends queueing for a connection while
// PostgreSQL idles. On two cores, 64 concurrent senders (parley bench send)
// sent about 20% more messages per second through 16 connections than
// through 8, at the same CPU per message (the server's less, the
// database's more; docs/benchmarks.md, f-pg3); 2 and 4 were worse than 8,
// and 32 no better than 16.
func defaultMaxConns(procs int) int32 { return int32(max(16, 4*procs)) }

// testTracer, set by tests only, sees every statement and batch of the
// stores opened after it is set (TestSendRoundTrips counts round trips).
var testTracer pgx.QueryTracer

// ErrInUse is LockExclusive's answer while another process has the store
// open, and Open's while an import holds it.
var ErrInUse = errors.New("postgres: the database is in use by a running server or another import; stop it first")

// lockSQL names the advisory lock of the store in the current schema:
// every open store holds it shared, parley import exclusively.
const lockSQL = `hashtext('parley.store.' || current_schema())::bigint`

// takeLock holds the store's advisory lock shared on a connection of its
// own, as the SQLite store holds a file lock: several servers share a
// database, but an import (LockExclusive) refuses to start beside them,
// and they refuse to start during one. A session lock ends with its
// connection, so a crashed process never leaves it behind.
func (db *DB) takeLock(ctx context.Context, cfg *pgx.ConnConfig) error {
	c, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	var ok bool
	if err := c.QueryRow(ctx, `SELECT pg_try_advisory_lock_shared(`+lockSQL+`)`).Scan(&ok); err != nil {
		c.Close(ctx)
		return fmt.Errorf("postgres: lock: %w", err)
	}
	if !ok {
		c.Close(ctx)
		return fmt.Errorf("postgres: an import (parley import) is loading this database; start the server when it is done")
	}
	db.lock = c
	return nil
}

// LockExclusive makes this process the store's only user until Close: it
// fails with ErrInUse while any other process (a server, a command) has it
// open. PostgreSQL lets a session take a lock it holds shared exclusively
// when no other session holds it.
//
// A process that just closed its store may still hold the lock for a
// moment (its backend ends after the connection closes), so it tries for
// up to lockPatience.
func (db *DB) LockExclusive(ctx context.Context) error {
	deadline := time.Now().Add(lockPatience)
	for {
		var ok bool
		if err := db.lock.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+lockSQL+`)`).Scan(&ok); err != nil {
			return fmt.Errorf("postgres: lock: %w", err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return ErrInUse
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lockPatience is how long LockExclusive waits for other sessions to let go.
const lockPatience = 3 * time.Second

// migration is one numbered file of migrations/.
type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) {
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("postgres: migration %s: name must start with a number and _", base)
		}
		b, err := migrations.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("postgres: two migrations numbered %d", ms[i].version)
		}
	}
	return ms, nil
}

// migrate applies each pending migration in its own transaction. Several
// nodes may start at the same moment on one database: each migration
// transaction first takes a transaction-scoped advisory lock (keyed by the
// schema, so that schemas of one database do not wait for each other), then
// checks whether the migration is already recorded. The second node therefore
// waits for the first to commit and then skips what it applied.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	for _, m := range ms {
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('parley.migrate.' || current_schema()))`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version    integer PRIMARY KEY,
				name       text NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
				return err
			}
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.version).Scan(&done); err != nil {
				return err
			}
			if done {
				return nil
			}
			// No arguments: pgx sends the file with the simple protocol,
			// which accepts several statements.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("postgres: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// Update runs fn in one READ COMMITTED transaction. PostgreSQL takes
// concurrent writers, so there is no batching: each call commits on its own.
// The counters that must stay gap-free and ordered (message seq, event seq)
// are safe at this isolation level because they are taken under row locks
// (see InsertMessage and AppendEvent).
func (db *DB) Update(ctx context.Context, fn func(tx dm.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, true, fn)
}

// View runs fn in a REPEATABLE READ, read-only transaction: every query of fn
// sees the same snapshot.
func (db *DB) View(ctx context.Context, fn func(tx dm.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
}

// run runs fn in a transaction that begins with its first statement (see
// pipeTx), which saves a round trip on every Update and View.
func (db *DB) run(ctx context.Context, opts pgx.TxOptions, write bool, fn func(tx dm.Tx) error) error {
	c, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer c.Release()
	p := &pipeTx{conn: c, opts: opts}
	// Rollback after Commit is a no-op; it matters when fn fails or panics.
	defer p.Rollback(context.WithoutCancel(ctx))
	if err := fn(&tx{tx: p, write: write, pipe: p}); err != nil {
		return busy(err)
	}
	// Once fn has run, the commit must not depend on the caller staying: a
	// client that hangs up mid-commit would otherwise get an error for a
	// write that may have landed, and its events would not be announced.
	if err := p.Commit(context.WithoutCancel(ctx)); err != nil {
		var de *dm.Error
		if errors.As(err, &de) {
			return err // a queued statement sent with COMMIT (wrap)
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == codeDiskFull {
			return dm.ErrStorageFull(err)
		}
		return busy(fmt.Errorf("postgres: commit: %w", err))
	}
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.pool.Ping(ctx) }

// Close closes every connection of the pool.
func (db *DB) Close() error {
	db.pool.Close()
	if db.lock != nil {
		db.lock.Close(context.Background())
	}
	return nil
}

// PostgreSQL error codes (SQLSTATE) that have a domain meaning.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeDiskFull            = "53100"
	codeRaised              = "P0001" // raise_exception (PL/pgSQL RAISE)

	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeLockNotAvailable     = "55P03"
)

// busy turns the error of a transaction that PostgreSQL aborted for a clash
// with another one (deadlock, serialization failure, a lock it could not
// take) into dm.ErrBusy, whichever statement met it (or COMMIT) and however
// the store wrapped it on the way out; any other error is returned as is.
// run applies it to everything a transaction returns. Nothing of the
// transaction was written. The store does not run the caller's function
// again itself (dm.Store.Update runs fn once; fn may keep state outside the
// transaction): the answer is a 503 with Retry-After and the client repeats
// the request; a send carries its client_id, so a repeat is never stored
// twice.
func busy(err error) error {
	var pe *pgconn.PgError
	var de *dm.Error
	if errors.As(err, &pe) && !errors.As(err, &de) {
		switch pe.Code {
		case codeSerializationFailure, codeDeadlockDetected, codeLockNotAvailable:
			return dm.ErrBusy(err)
		}
	}
	return err
}

// wrap turns a driver error into a domain error where one applies: no row is
// ENOTFOUND, a unique violation ECONFLICT, a missing referenced row
// ENOTFOUND. Everything else stays internal, with what failed in front.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return dm.Errorf(dm.ENOTFOUND, "%s not found", what)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case codeUniqueViolation:
			return dm.Errorf(dm.ECONFLICT, "%s already exists", what)
		case codeForeignKeyViolation:
			return dm.Errorf(dm.ENOTFOUND, "%s refers to a row that does not exist", what)
		case codeDiskFull:
			return dm.ErrStorageFull(err)
		case codeRaised:
			// parley_expect (migration 0940): a queued statement's check.
			if code, ok := strings.CutPrefix(pe.Hint, "parley:"); ok {
				return dm.Errorf(code, "%s", pe.Message)
			}
		}
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}
