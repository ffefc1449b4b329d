// Package sqlite is Parley's default Store: an embedded SQLite database file
// in WAL mode, written by one goroutine that batches concurrent Updates into
// one transaction (group commit) and read through a small pool of read-only
// connections. Two goroutines work beside the writer: the checkpointer
// (checkpoint, on its own connection) and the search indexer, which moves
// acknowledged messages into the full-text index through the writer
// (searchqueue.go).
//
// Driver choice. Both pure-Go drivers in go.mod were measured on the send
// path through database/sql: batches of 64 sends, each a SAVEPOINT, an
// UPDATE ... RETURNING of the conversation's seq, the INSERT of the message,
// two event appends and a RELEASE, one COMMIT per batch, WAL and
// synchronous=FULL on a temporary file (ext4), 20,000 sends per run, ten
// runs each, interleaved, on 2 shared vCPUs:
//
//	modernc.org/sqlite v1.62.0            median 75 µs/send (68-82), 3448 B, 97 allocs
//	github.com/ncruces/go-sqlite3 v0.37.0 median 77 µs/send (72-80), 2944 B, 71 allocs
//	with synchronous=OFF: 51-54 µs against 53-55 µs: CPU, not fsync, dominates
//
// The command was go test -bench Send -benchtime 20000x -count 6 on a
// throw-away benchmark that imported both drivers; it is gone, so that only
// one driver is linked. The two are equal within the noise of a shared
// machine; modernc is ahead by a hair and is the more widely deployed
// translation of SQLite's C code, so Parley uses it. This package's own
// benchmarks (bench_test.go) measure the whole Update path.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"modernc.org/sqlite"
)

var _ dm.Store = (*DB)(nil)

const (
	// maxBatch bounds one group commit: enough to amortise the fsync, small
	// enough that the first caller of a batch does not wait long.
	maxBatch = 256
	// maxBackgroundWith bounds the background Updates (dm.Background: a
	// campaign's deliveries) in a batch that has others, and such a batch
	// takes them only when no batch took any for backgroundStarved (a
	// stream of others holds the writer; a long background queue alone is
	// no reason): a person's send does not wait for a campaign's, and a
	// stream of sends never starves a campaign. A batch of background
	// Updates alone takes up to maxBatch (a large group commit is the
	// cheapest per Update), and stops taking more as soon as another
	// Update arrives (see commit).
	maxBackgroundWith = 4
	backgroundStarved = 100 * time.Millisecond
	// readConns is the size of the read pool. Reads in WAL mode never wait
	// for the writer, so a few connections keep every core busy.
	readConns = 4
	// busyTimeout is how long a connection waits for a lock (only the
	// in-memory database, which has no WAL, ever waits).
	busyTimeout = 10 * time.Second
	// restartWait bounds how long that pause waits for readers of older
	// snapshots; if they are not done, the WAL grows until the next try,
	// as it would with SQLite's own automatic checkpoint.
	restartWait = 40 * time.Millisecond
	// minFreeBytes is the free space under the database below which Ping
	// fails (and /readyz says not ready): sends are about to be refused.
	minFreeBytes = 1 << 20
	// restartBackoff is how long the checkpointer waits before it holds
	// the writer again after a RESTART found a reader in the way; it
	// doubles while readers stay, up to maxRestartBackoff.
	restartBackoff    = time.Second
	maxRestartBackoff = 30 * time.Second
	// ckptInterval spaces the checkpoints: each costs two fsyncs, and a
	// hot page rewritten by many batches is copied once per checkpoint.
	ckptInterval = 100 * time.Millisecond
)

// walRestartFrames is the WAL size (in 4 KiB pages) past which the
// checkpointer stops the writer between two batches to copy the last
// frames and let the next batch start the WAL file over (see checkpoint).
// A variable only so that tests can reach it with less writing.
var walRestartFrames = 4000

// DB is a Parley database on SQLite. It implements dm.Store.
type DB struct {
	dsn     string
	dir     string // the database's folder ("" in memory)
	memory  bool
	writeDB *sql.DB
	readDB  *sql.DB

	// mu guards closed; Update holds it for reading while it enqueues so
	// that Close never closes requests under a sender.
	mu       sync.RWMutex
	closed   bool
	requests chan *request
	writer   *conn
	stopped  chan struct{} // closed when the writer goroutine has ended

	// batches counts committed batches (for tests of group commit).
	batches atomic.Int64
	// full is set when a batch failed because the disk is full and cleared
	// by the next batch that commits; while it is set, Ping fails (so
	// /readyz says not ready) unless a probe write now succeeds.
	full atomic.Bool
	// restartsBusy counts RESTART checkpoints that held the writer for
	// restartWait in vain because a reader kept an old snapshot.
	restartsBusy atomic.Int64
	// peek is the newest committed event seq of recent users (seqpeek.go).
	peek peekSeqs
	// bigCache is set once the writer has its large page cache, cacheFit
	// is when fitWriterCache last looked; only the writer's goroutine
	// touches them.
	bigCache bool
	cacheFit time.Time

	// Checkpoints run on their own connection and goroutine, not on the
	// writer (file databases only; kick is nil in memory). The writer
	// kicks after each commit and holds walMu while it runs a batch.
	ckpt     *conn
	kick     chan struct{}
	ckptDone chan struct{}
	walMu    sync.Mutex

	readers  chan *conn
	lock     *os.File // held for the life of a file database (see lockFile)
	closeErr error
	once     sync.Once
	closing  chan struct{}

	// The search indexer (searchqueue.go).
	search searchIndex
}

// The writer's page cache (KiB). SQLite walks the writer's whole page cache
// at the commit of every transaction that split a b-tree page, for as long
// as the database is smaller than 1 GiB: balance_nonroot renumbers the new
// pages through the number of the lock-byte page (1 GiB / page size + 1),
// which raises the cache's highest key above the database's size, and the
// commit's truncation of the cache to that size then scans every bucket
// (pcache1TruncateUnsafe). With a 64 MiB cache that walk was 8.7% of the
// server's CPU under sends (profile of `parley bench send-brand`). So the
// writer keeps 8 MiB, where the walk is cheap, until the database passes
// the lock-byte page, where it stops for good, and 64 MiB after, for the
// hot ends of the indexes of a big database. A send's working set in a
// small database fits 8 MiB: the writer read no more pages with it.
const (
	writerCacheSmallKiB = 8 << 10
	writerCacheLargeKiB = 64 << 10
	// fitCacheEvery: the writer looks at the database's size at most this
	// often (two pragmas, no I/O).
	fitCacheEvery = time.Second
)

// pastLockPage reports whether a database of pages pages of size bytes
// extends past the lock-byte page (the page holding byte 1 GiB), the number
// balance_nonroot renumbers through.
func pastLockPage(pages, size int64) bool {
	return size > 0 && pages > (1<<30)/size+1
}

// fitWriterCache gives the writer its large page cache once the database
// has passed the lock-byte page (see writerCacheSmallKiB). It runs on the
// writer's goroutine (or before it starts), between transactions.
func (db *DB) fitWriterCache(ctx context.Context) error {
	db.cacheFit = time.Now()
	if db.bigCache || db.memory {
		return nil
	}
	var pages, size int64
	if err := db.writer.c.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		return err
	}
	if err := db.writer.c.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
		return err
	}
	if !pastLockPage(pages, size) {
		return nil
	}
	if _, err := db.writer.c.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", writerCacheLargeKiB)); err != nil {
		return err
	}
	db.bigCache = true
	return nil
}

// request is one Update waiting for the writer.
type request struct {
	ctx  context.Context
	fn   func(dm.Tx) error
	done chan error
	// alone runs fn in a transaction of its own, without a savepoint (a
	// bulk load: see updateAlone).
	alone bool
	// background is dm.IsBackground(ctx): others go first.
	background bool
}

// conn is one pinned connection with its prepared statements. A conn is used
// by one goroutine at a time (the writer, or the View that took it from the
// pool), so the statement cache needs no lock.
type conn struct {
	c     *sql.Conn
	stmts map[string]*sql.Stmt
	// The writer's caches for AppendEvent (see events.go).
	seqs seqCache
	enc  lastEncoding
	// search is the writer's list of messages inserted in this batch
	// whose text the batch indexes for search when its savepoints are
	// released (flushSearch).
	search []searchRow
	// events are the writer's appended events not inserted yet (see
	// AppendEvent); dataID is the last event_data id it handed out (0:
	// not read yet).
	events eventQueue
	dataID int64
	// ran counts the statements run on c (every one goes through stmt);
	// prep is what the writer's last PrepareSend read, good while ran has
	// not moved since (send.go).
	ran  uint64
	prep *sendPrep
}

// rollback rolls the writer's transaction back (exec runs a statement on
// it; an error is SQLite having rolled back already) and forgets what the
// writer kept in memory for it: the seqs it handed out, the events and
// search rows not inserted yet.
func (c *conn) rollback(exec func(string) error) {
	exec("ROLLBACK")
	c.seqs.reset()
	c.events.reset()
	c.search = c.search[:0]
}

// Open opens (creating it if needed) the database at path, or a private
// in-memory database when path is ":memory:", and applies the migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		// SQLite would give each connection its own temporary database.
		return nil, errors.New("sqlite: no database path")
	}
	var dsn, writePragmas, readPragmas string
	// temp_store=MEMORY keeps the savepoint sub-journals of a batch in
	// memory: as files they cost more syscalls than the rest of a send.
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)", busyTimeout.Milliseconds())
	if path == ":memory:" {
		// The memdb VFS shares one in-memory database between the
		// connections that open the same name (starting with "/"), and frees
		// it when the last one closes: each Open gets its own. It has no
		// WAL, so readers and the writer take turns through busy_timeout.
		dsn = "file:/parley-" + dm.NewID() + "?vfs=memdb&" + common
	} else {
		// synchronous=FULL: a commit is on disk before Update returns, even
		// across a power loss; group commit pays that fsync once per batch.
		dsn = "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + common
		// journal_size_limit truncates the WAL file back to 64 MiB after a
		// checkpoint, so that one huge transaction (a prune, an import)
		// does not leave a huge file behind.
		// wal_autocheckpoint=0: SQLite would otherwise checkpoint on the
		// writer after a commit that leaves the WAL past 1,000 pages, and
		// that was 9% of the server's CPU under sends, all of it on the
		// one goroutine that every send waits for; DB.checkpoint does it
		// on the other core.
		writePragmas = "&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=journal_size_limit(67108864)&_pragma=wal_autocheckpoint(0)"
		// The writer's WAL writes go out a batch at a time (walvfs.go),
		// which relies on synchronous=FULL above.
		if err := registerWALVFS(); err != nil {
			return nil, err
		}
		writePragmas += "&vfs=" + walVFSName
	}
	// Page caches (negative: KiB). The writer's starts small and grows
	// once the database passes 1 GiB (see fitWriterCache).
	writePragmas += fmt.Sprintf("&_pragma=cache_size(-%d)", writerCacheSmallKiB)
	readPragmas = "&_pragma=query_only(1)&_pragma=cache_size(-16384)"

	var lock *os.File
	if path != ":memory:" {
		var err error
		if lock, err = lockFile(path); err != nil {
			return nil, err
		}
	}
	db := &DB{
		lock:     lock,
		dsn:      dsn,
		memory:   path == ":memory:",
		dir:      dirOf(path),
		requests: make(chan *request, maxBatch),
		stopped:  make(chan struct{}),
		readers:  make(chan *conn, readConns),
		closing:  make(chan struct{}),
	}
	var err error
	if db.writeDB, err = openDB(dsn + writePragmas); err != nil {
		db.unlock()
		return nil, err
	}
	if db.readDB, err = openDB(dsn + readPragmas); err != nil {
		db.writeDB.Close()
		db.unlock()
		return nil, err
	}
	fail := func(err error) (*DB, error) {
		db.readDB.Close()
		db.writeDB.Close()
		db.unlock()
		return nil, err
	}
	// The writer's connection is pinned first: it creates the file and
	// switches it to WAL before any reader opens it.
	if db.writer, err = pin(ctx, db.writeDB); err != nil {
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	if err := migrate(ctx, db.writer.c); err != nil {
		db.writer.c.Close()
		return fail(err)
	}
	if err := db.fitWriterCache(ctx); err != nil {
		db.writer.c.Close()
		return fail(err)
	}
	if !db.memory {
		// The WAL buffer (walvfs.go) is safe only while every commit syncs
		// the WAL before it publishes its frames: refuse to run otherwise.
		if err := checkFullSync(ctx, db.writer.c); err != nil {
			db.writer.c.Close()
			return fail(err)
		}
	}
	for range readConns {
		r, err := pin(ctx, db.readDB)
		if err != nil {
			db.writer.c.Close()
			close(db.readers)
			for r := range db.readers {
				r.c.Close()
			}
			return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
		}
		db.readers <- r
	}
	// Where the search queue stands: a crash may have left rows in it.
	if err := db.search.load(ctx, db.writer.c); err != nil {
		db.writer.c.Close()
		close(db.readers)
		for r := range db.readers {
			r.c.Close()
		}
		return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
	}
	if !db.memory {
		// The checkpointer's connection comes from the writer's pool: it
		// writes the database file, with the same synchronous=FULL.
		if db.ckpt, err = pin(ctx, db.writeDB); err == nil {
			_, err = db.ckpt.c.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", restartWait.Milliseconds()))
		}
		if err != nil {
			if db.ckpt != nil {
				db.ckpt.c.Close()
			}
			db.writer.c.Close()
			close(db.readers)
			for r := range db.readers {
				r.c.Close()
			}
			return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
		}
		db.kick = make(chan struct{}, 1)
		db.ckptDone = make(chan struct{})
		go db.checkpoint()
	}
	go db.write()
	go db.indexSearch()
	return db, nil
}

// checkFullSync returns an error unless c commits with synchronous=FULL
// (2) or EXTRA (3).
func checkFullSync(ctx context.Context, c *sql.Conn) error {
	var mode int
	if err := c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&mode); err != nil {
		return err
	}
	if mode < 2 {
		return fmt.Errorf("sqlite: the writer runs with synchronous=%d; the WAL buffer needs FULL (2) or EXTRA (3)", mode)
	}
	return nil
}

// checkpoint is the checkpointer goroutine: after a kick, at most every
// ckptInterval, it copies the
// WAL into the database file with a PASSIVE checkpoint, which runs beside
// the writer and readers. The WAL file starts over only when a batch begins
// with every frame copied, which a writer that is never idle rarely
// allows; so once the WAL passes walRestartFrames, the checkpointer holds
// the writer between two batches and runs a RESTART checkpoint, which copies
// what the PASSIVE one left (little) and waits up to restartWait for readers
// of older snapshots. That bounds the WAL under sustained writes.
func (db *DB) checkpoint() {
	defer close(db.ckptDone)
	ctx := context.Background()
	run := func(mode string) (frames int, err error) {
		var busy, done int
		err = db.ckpt.c.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &done)
		return frames, err
	}
	var last, nextRestart time.Time
	backoff, vain := restartBackoff, 0
	for range db.kick {
		if time.Since(last) < ckptInterval {
			continue
		}
		last = time.Now()
		// An error (an I/O error, a busy lock) leaves the frames in the
		// WAL, where readers still find them: the next kick tries again.
		frames, err := run("PASSIVE")
		if err != nil || frames < walRestartFrames || last.Before(nextRestart) {
			continue
		}
		db.walMu.Lock()
		var busy, logFrames, done int
		err = db.ckpt.c.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &logFrames, &done)
		db.walMu.Unlock()
		if err == nil && busy == 0 {
			backoff, vain = restartBackoff, 0
			continue
		}
		// A reader of an old snapshot outlived restartWait. Once is a
		// short read on a busy machine: try again at the next kick. Twice
		// in a row is a long read such as `parley backup` (VACUUM INTO),
		// which holds one for minutes: holding the writer again at every
		// kick would stall every send by restartWait each time, so let the
		// WAL grow instead and try again later, less and less often while
		// the reader stays.
		db.restartsBusy.Add(1)
		if vain++; vain >= 2 {
			nextRestart = time.Now().Add(backoff)
			backoff = min(2*backoff, maxRestartBackoff)
		}
	}
}

// unlock releases the file lock that Open took.
func (db *DB) unlock() {
	if db.lock != nil {
		db.lock.Close()
	}
}

func dirOf(path string) string {
	if path == ":memory:" {
		return ""
	}
	return filepath.Dir(path)
}

func openDB(dsn string) (*sql.DB, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return sql.OpenDB(c), nil
}

// pin takes one connection out of d for the life of the DB.
func pin(ctx context.Context, d *sql.DB) (*conn, error) {
	c, err := d.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.PingContext(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return &conn{c: c, stmts: make(map[string]*sql.Stmt)}, nil
}

// stmt returns the prepared statement of query on c, preparing it on first use.
func (c *conn) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c.ran++
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.c.PrepareContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	c.stmts[query] = s
	return s, nil
}

func (c *conn) close() error {
	for _, s := range c.stmts {
		s.Close()
	}
	return c.c.Close()
}

// Update runs fn on the writer goroutine, in a savepoint of the next batch,
// and returns once that batch is committed (or fn failed).
func (db *DB) Update(ctx context.Context, fn func(tx dm.Tx) error) error {
	return db.update(ctx, fn, false)
}

// updateAlone is Update for one large write (a bulk load's batch): fn runs
// in a transaction of its own, with no savepoint. A savepoint journals
// every page the transaction changes into memory, which for thousands of
// rows cost more (allocation and freeing of the journal) than the inserts.
func (db *DB) updateAlone(ctx context.Context, fn func(tx dm.Tx) error) error {
	return db.update(ctx, fn, true)
}

func (db *DB) update(ctx context.Context, fn func(tx dm.Tx) error, alone bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan error, 1), alone: alone, background: dm.IsBackground(ctx)}
	db.mu.RLock()
	if db.closed {
		db.mu.RUnlock()
		return errClosed
	}
	select {
	case db.requests <- r:
	case <-ctx.Done():
		db.mu.RUnlock()
		return ctx.Err()
	}
	db.mu.RUnlock()
	// Once queued, the writer decides: returning early on ctx.Done would
	// tell the caller "failed" about writes that may still commit.
	err := <-r.done
	var p panicError
	if errors.As(err, &p) {
		panic(p.v)
	}
	return err
}

// Batches is how many batches (group commits) have committed since Open:
// the benchmarks report sends per batch with it.
func (db *DB) Batches() int64 { return db.batches.Load() }

var errClosed = errors.New("sqlite: database is closed")

// panicError carries a panic of fn from the writer goroutine back to the
// caller of Update, so that the writer survives it and the caller sees it.
type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("sqlite: panic in Update: %v", p.v) }

// write is the writer goroutine: it owns db.writer and ends when Close has
// closed db.requests and every queued request is answered.
//
// It keeps what it has received in three queues: Updates a caller is
// waiting for (fg), background ones (bg: dm.Background) and bulk loads
// (alone). A batch takes the waiting fg Updates first, then at most
// maxBackgroundWith bg ones if no batch took any for backgroundStarved,
// or up to maxBatch bg ones when no other is
// waiting; while such a background batch runs, an Update that arrives
// stops it: the Updates received are run next in the same transaction, the
// background ones not yet run wait for the next batch, and the batch
// commits. So a person's send waits for at most one background Update and
// a commit, while a campaign alone still gets large group commits. Nobody
// is answered before the batch holding their Update has committed.
func (db *DB) write() {
	defer close(db.stopped)
	var fg, bg, alone []*request
	open := true
	// bgRan is when a batch last took background Updates, or found none
	// waiting.
	bgRan := time.Now()
	take := func(r *request) {
		switch {
		case r.alone:
			alone = append(alone, r)
		case r.background:
			bg = append(bg, r)
		default:
			fg = append(fg, r)
		}
	}
	// drain takes what is queued now, without waiting.
	drain := func() {
		for n := 0; open && n < maxBatch; n++ {
			select {
			case r, ok := <-db.requests:
				if !ok {
					open = false
					return
				}
				take(r)
			default:
				return
			}
		}
	}
	// arrived gives a running background batch the fg Updates received
	// since it started.
	arrived := func() []*request {
		drain()
		n := min(len(fg), maxBatch)
		out := fg[:n:n]
		fg = fg[n:]
		return out
	}
	run := func(batch []*request, preempt func() []*request) (carried []*request) {
		db.walMu.Lock()
		if len(batch) == 1 && batch[0].alone {
			db.commitAlone(batch[0])
		} else {
			carried = db.commit(batch, preempt)
		}
		db.walMu.Unlock()
		if time.Since(db.cacheFit) >= fitCacheEvery {
			// A failure only leaves the small cache until the next look.
			_ = db.fitWriterCache(context.Background())
		}
		select {
		case db.kick <- struct{}{}:
		default: // a checkpoint is pending already (or there is no WAL)
		}
		return carried
	}
	batch := make([]*request, 0, maxBatch)
	for {
		if len(fg)+len(bg)+len(alone) == 0 {
			if !open {
				return
			}
			r, ok := <-db.requests
			if !ok {
				open = false
				continue
			}
			take(r)
		}
		drain()
		n := min(len(fg), maxBatch)
		batch = append(batch[:0], fg[:n]...)
		fg = fg[n:]
		var preempt func() []*request
		if n == 0 {
			n = min(len(bg), maxBatch)
			preempt = arrived
		} else if len(bg) > 0 && time.Since(bgRan) >= backgroundStarved {
			n = min(len(bg), maxBackgroundWith, maxBatch-n)
		} else {
			n = 0
		}
		batch = append(batch, bg[:n]...)
		bg = bg[n:]
		if n > 0 || len(bg) == 0 {
			bgRan = time.Now()
		}
		if len(batch) > 0 {
			if carried := run(batch, preempt); len(carried) > 0 {
				bg = append(carried, bg...)
			}
		}
		if len(alone) > 0 {
			r := alone[0]
			alone = alone[1:]
			run([]*request{r}, nil)
		}
	}
}

// commitAlone runs one request in a transaction of its own, without a
// savepoint: if fn fails, the whole transaction rolls back.
func (db *DB) commitAlone(r *request) {
	if err := r.ctx.Err(); err != nil {
		r.done <- err
		return
	}
	ctx := context.Background()
	w := db.writer
	exec := func(q string) error {
		s, err := w.stmt(ctx, q)
		if err == nil {
			_, err = s.ExecContext(ctx)
		}
		return err
	}
	fail := func(err error) {
		if isFull(err) || dm.IsCode(err, dm.ESTORAGEFULL) {
			db.full.Store(true)
			err = dm.ErrStorageFull(err)
		}
		w.rollback(exec)
		r.done <- err
	}
	// A bulk batch's references were checked by its caller (dm.Bulk), so
	// SQLite's foreign-key lookups (two index seeks per message) are
	// skipped for it; the pragma only takes effect outside a transaction.
	if err := exec("PRAGMA foreign_keys = OFF"); err != nil {
		fail(fmt.Errorf("sqlite: foreign keys off: %w", err))
		return
	}
	defer func() {
		if err := exec("PRAGMA foreign_keys = ON"); err != nil {
			panic(fmt.Sprintf("sqlite: foreign keys back on: %v", err))
		}
	}()
	// A bulk batch writes thousands of rows into random places of the
	// indexes: it gets the large page cache whatever the database's size,
	// lest pages it will touch again be evicted, or spilled to the WAL
	// mid-transaction (see writerCacheSmallKiB).
	if !db.bigCache && !db.memory {
		if err := exec(fmt.Sprintf("PRAGMA cache_size = -%d", writerCacheLargeKiB)); err != nil {
			fail(fmt.Errorf("sqlite: cache size: %w", err))
			return
		}
		defer func() {
			if !db.bigCache {
				exec(fmt.Sprintf("PRAGMA cache_size = -%d", writerCacheSmallKiB))
			}
		}()
	}
	if err := exec("BEGIN IMMEDIATE"); err != nil {
		fail(fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	w.seqs.begin()
	t := &tx{c: w, write: true}
	if err := call(r.fn, t); err != nil {
		fail(err)
		return
	}
	if err := t.flushEvents(ctx); err != nil {
		fail(fmt.Errorf("sqlite: events: %w", err))
		return
	}
	queued, err := w.flushSearch(ctx)
	if err != nil {
		fail(fmt.Errorf("sqlite: search queue: %w", err))
		return
	}
	if err := exec("COMMIT"); err != nil {
		fail(fmt.Errorf("sqlite: commit: %w", err))
		return
	}
	db.peek.publish(w.seqs.touched, w.seqs.last)
	db.searchQueuedTo(queued)
	db.batches.Add(1)
	db.full.Store(false)
	r.done <- nil
}

// commit runs one batch in one transaction. Nobody is answered nil before
// COMMIT succeeded.
//
// preempt, when set (a batch of background Updates), is asked before each
// background Update after the first for Updates that arrived meanwhile; when
// it returns some, they run next and the batch ends with them: the
// background Updates not yet run are returned, unanswered, for a later batch.
func (db *DB) commit(batch []*request, preempt func() []*request) (carried []*request) {
	// The statements of a batch belong to all its callers, so none of their
	// contexts may interrupt them: an interrupted write can roll back the
	// whole transaction. A caller's ctx only decides whether its fn starts.
	ctx := context.Background()
	live := batch[:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return nil
	}
	w := db.writer
	exec := func(q string) error {
		s, err := w.stmt(ctx, q)
		if err == nil {
			_, err = s.ExecContext(ctx)
		}
		return err
	}
	failAll := func(err error) {
		if isFull(err) || dm.IsCode(err, dm.ESTORAGEFULL) {
			db.full.Store(true)
			err = dm.ErrStorageFull(err)
		}
		w.rollback(exec)
		for _, r := range live {
			r.done <- err
		}
	}
	if err := exec("BEGIN IMMEDIATE"); err != nil {
		failAll(fmt.Errorf("sqlite: begin: %w", err))
		return nil
	}
	w.seqs.begin()
	errs := make([]error, len(live))
	t := &tx{c: w, write: true}
	for i := 0; i < len(live); i++ {
		if preempt != nil && i > 0 && live[i].background {
			if more := preempt(); len(more) > 0 {
				// Those waiting go now, and the batch ends with them.
				carried = append(carried, live[i:]...)
				live = live[:i:i]
				for _, r := range more {
					if err := r.ctx.Err(); err != nil {
						r.done <- err
						continue
					}
					live = append(live, r)
				}
				errs = append(errs[:i:i], make([]error, len(live)-i)...)
				preempt = nil
				if i == len(live) {
					break
				}
			}
		}
		r := live[i]
		if len(live) == 1 && preempt == nil {
			// A batch of one (every send on a quiet server) needs no
			// savepoint: if fn fails, the whole transaction rolls back,
			// which undoes nothing but fn. It saves two statements and
			// the sub-journal copy of every page fn writes.
			if errs[i] = call(r.fn, t); errs[i] != nil {
				if dm.IsCode(errs[i], dm.ESTORAGEFULL) {
					db.full.Store(true)
				}
				w.rollback(exec)
				r.done <- errs[i]
				return carried
			}
			break
		}
		if err := exec("SAVEPOINT u"); err != nil {
			failAll(fmt.Errorf("sqlite: savepoint: %w", err))
			return carried
		}
		w.seqs.savepoint()
		w.events.savepoint()
		indexed := len(w.search)
		errs[i] = call(r.fn, t)
		if errs[i] != nil {
			// A failed ROLLBACK TO means SQLite already rolled back the
			// whole transaction (I/O error, disk full): the batch is lost.
			if err := exec("ROLLBACK TO u"); err != nil {
				failAll(fmt.Errorf("sqlite: transaction lost after %w", errs[i]))
				return
			}
			w.seqs.rollback()
			w.events.rollback()
			w.search = w.search[:indexed]
		}
		if err := exec("RELEASE u"); err != nil {
			failAll(fmt.Errorf("sqlite: release: %w", err))
			return
		}
	}
	if err := t.flushEvents(ctx); err != nil {
		failAll(fmt.Errorf("sqlite: events: %w", err))
		return
	}
	queued, err := w.flushSearch(ctx)
	if err != nil {
		failAll(fmt.Errorf("sqlite: search queue: %w", err))
		return
	}
	if err := exec("COMMIT"); err != nil {
		if isFull(err) {
			db.full.Store(true)
			err = dm.ErrStorageFull(err)
		}
		err = fmt.Errorf("sqlite: commit: %w", err)
		w.rollback(exec)
		for i, r := range live {
			if errs[i] == nil {
				errs[i] = err
			}
			r.done <- errs[i]
		}
		return
	}
	// Before anyone is answered: a reader that peeks after an
	// acknowledged send must see its seqs.
	db.peek.publish(w.seqs.touched, w.seqs.last)
	db.searchQueuedTo(queued)
	db.batches.Add(1)
	// A batch that committed with no write refused for want of space
	// means there is room again.
	full := false
	for _, err := range errs {
		full = full || dm.IsCode(err, dm.ESTORAGEFULL)
	}
	db.full.Store(full)
	for i, r := range live {
		r.done <- errs[i]
	}
	return carried
}

// call runs fn, turning a panic into a panicError for its caller.
func call(fn func(dm.Tx) error, t dm.Tx) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError{v}
		}
	}()
	return fn(t)
}

// View runs fn in a read transaction on a pooled read-only connection.
func (db *DB) View(ctx context.Context, fn func(tx dm.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var c *conn
	select {
	case c = <-db.readers:
	case <-db.closing:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { db.readers <- c }()
	// BEGIN and the final ROLLBACK run without the caller's ctx: a
	// connection must never go back to the pool inside a transaction.
	bg := context.WithoutCancel(ctx)
	begin, err := c.stmt(bg, "BEGIN")
	if err != nil {
		return err
	}
	end, err := c.stmt(bg, "ROLLBACK")
	if err != nil {
		return err
	}
	// The generation is read before the snapshot begins (at the first
	// read after BEGIN): see peekSeqs.
	gen := db.peek.generation()
	if _, err := begin.ExecContext(bg); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	// A read transaction has nothing to commit: ROLLBACK ends it.
	defer end.ExecContext(bg)
	return fn(&tx{c: c, db: db, peekGen: gen})
}

// Ping checks that a read connection answers and, after a write failed for
// want of space, that a small write commits again.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.View(ctx, func(dm.Tx) error { return nil }); err != nil {
		return err
	}
	if db.dir != "" {
		if free := freeBytes(db.dir); free >= 0 && free < minFreeBytes {
			return fmt.Errorf("sqlite: the disk is full: %d bytes free under %s", free, db.dir)
		}
	}
	if !db.full.Load() {
		return nil
	}
	// The probe rewrites one row in place: it needs a little room in the
	// WAL, as any send does, and changes nothing.
	err := db.Update(ctx, func(t dm.Tx) error {
		_, err := t.(*tx).exec(ctx, "UPDATE schema_migrations SET version = version WHERE version = (SELECT max(version) FROM schema_migrations)")
		return wrap(err, "probe")
	})
	if err != nil {
		return fmt.Errorf("sqlite: the disk is full: %w", err)
	}
	return nil
}

// Backup writes a consistent copy of the database to the new file dst
// with SQLite's online backup API, paced so that the writer keeps
// serving meanwhile (see copyPaced).
func (db *DB) Backup(ctx context.Context, dst string) error {
	// A separate connection, because the pool's are busy serving and the
	// writer must keep serving sends meanwhile.
	d, err := openDB(db.dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	c, err := d.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	// The in-memory database has no WAL: its read snapshot would hold the
	// writer back for the whole copy, so it is copied in one step.
	p := defaultPace
	if db.memory {
		p = pace{pages: -1}
	}
	return copyPaced(ctx, c, dst, p)
}

// BackupFile copies the database file at path to dst (which must not
// exist) without opening it as a store: no migrations, no writer, no
// checkpointer, a read-only connection only. It is safe while a server runs
// on the file (`parley backup`): the copy is one consistent snapshot,
// written at a pace that keeps the server's sends within their budget
// (see copyPaced).
func BackupFile(ctx context.Context, path, dst string) error {
	common := fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	d, err := openDB("file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&" + common)
	if err != nil {
		return err
	}
	defer d.Close()
	c, err := d.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return copyPaced(ctx, c, dst, defaultPace)
}

// Close lets the writer finish every queued Update, then closes the
// connections. Views still running finish first.
func (db *DB) Close() error {
	db.once.Do(func() {
		// The indexer first: it writes through Update. What it had not
		// indexed stays queued for the next start.
		db.search.stop()
		db.mu.Lock()
		db.closed = true
		close(db.requests)
		db.mu.Unlock()
		<-db.stopped
		close(db.closing)
		var errs []error
		if db.kick != nil {
			close(db.kick)
			<-db.ckptDone
			// Leave the database file complete and the WAL empty.
			_, err := db.ckpt.c.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
			errs = append(errs, err, db.ckpt.close())
		}
		errs = append(errs, db.writer.close())
		for range readConns {
			errs = append(errs, (<-db.readers).close())
		}
		errs = append(errs, db.readDB.Close(), db.writeDB.Close())
		db.unlock()
		db.closeErr = errors.Join(errs...)
	})
	return db.closeErr
}
