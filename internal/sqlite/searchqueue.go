package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

var _ dm.SearchCatcher = (*DB)(nil)

// Search indexing after the acknowledgement (migration 0960). A batch of
// sends queues its messages in search_queue (flushSearch), and the indexer
// goroutine moves them into message_fts a chunk at a time, in background
// Updates that sends go ahead of (unless it falls behind: see
// searchIndexBehind). A search calls CatchUpSearch first, which
// indexes what was queued before it, so nobody misses their own message.
//
// The writer goroutine alone queues rows, and publishes the id of the last
// one after each COMMIT; the indexer publishes the id it indexed up to
// after its Update returns. Both only grow (AUTOINCREMENT), so "indexed >=
// queued" means nothing acknowledged is missing from the index.
const (
	// searchIndexDelay is how long the indexer lets a trickle of sends
	// gather before it indexes them, unless searchIndexFull rows are
	// waiting: FTS5 costs less per row in larger transactions, and a quiet
	// server's sends do not each find the writer busy with an index write.
	searchIndexDelay = 250 * time.Millisecond
	searchIndexFull  = 512
	// searchIndexChunk bounds one index write, so that a send arriving
	// behind it waits about a millisecond at most: between two chunks,
	// the sends that arrived go first.
	searchIndexChunk = 64
	// searchIndexBehind: with this many rows waiting, the indexer's
	// writes stop giving way to sends, and take searchIndexBehindChunk
	// rows each. A background Update runs when the writer has nothing
	// else, or once per backgroundStarved under a stream of sends, which
	// indexes fewer rows a second than a busy server sends; in arrival
	// order, its chunks keep pace.
	searchIndexBehind      = 4096
	searchIndexBehindChunk = 256
)

// searchIndex is the indexer's state.
type searchIndex struct {
	queued  atomic.Int64 // the newest search_queue id committed
	indexed atomic.Int64 // every id up to it is indexed, or its message gone
	kick    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// load reads where the queue stands, before the writer starts: rows left
// by a crash or a Close are indexed by the indexer's first run.
func (s *searchIndex) load(ctx context.Context, c *sql.Conn) error {
	s.kick = make(chan struct{}, 1)
	s.quit = make(chan struct{})
	s.done = make(chan struct{})
	var last, first sql.NullInt64
	if err := c.QueryRowContext(ctx, `SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'search_queue'),
		(SELECT min(id) FROM search_queue)`).Scan(&last, &first); err != nil {
		return err
	}
	s.queued.Store(last.Int64)
	s.indexed.Store(last.Int64)
	if first.Valid {
		s.indexed.Store(first.Int64 - 1)
		s.kick <- struct{}{}
	}
	return nil
}

// backlog is how many queued rows (at most) are not indexed yet.
func (s *searchIndex) backlog() int64 {
	return s.queued.Load() - s.indexed.Load()
}

// stop ends the indexer and waits for it.
func (s *searchIndex) stop() {
	s.once.Do(func() { close(s.quit) })
	<-s.done
}

// searchQueuedTo is called by the writer after a COMMIT whose batch queued
// rows up to id last (0: none).
//
// The indexer is woken only when it has something new to do: rows after an
// empty queue (it starts its wait), or the queue reaching searchIndexFull
// (it stops waiting). Waking it after every commit cost a goroutine switch
// per lone send (0.9% of the server's CPU under bench e2e). queued is
// stored before indexed is read: an indexer that saw the queue empty
// published indexed == the old queued first, so this sees it and wakes it.
func (db *DB) searchQueuedTo(last int64) {
	if last == 0 {
		return
	}
	s := &db.search
	prev := s.queued.Swap(last)
	indexed := s.indexed.Load()
	if before, after := prev-indexed, last-indexed; before > 0 && (before >= searchIndexFull || after < searchIndexFull) {
		return // the indexer is at work or waiting already
	}
	s.wake()
}

// wake tells the indexer to look at the queue.
func (s *searchIndex) wake() {
	select {
	case s.kick <- struct{}{}:
	default: // it has been told already
	}
}

// indexSearch is the indexer goroutine.
func (db *DB) indexSearch() {
	s := &db.search
	defer close(s.done)
	fg := context.Background()
	bg := dm.Background(fg)
	for {
		select {
		case <-s.kick:
		case <-s.quit:
			return
		}
		if s.backlog() < searchIndexFull {
			t := time.NewTimer(searchIndexDelay)
		gather:
			for s.backlog() < searchIndexFull {
				select {
				case <-t.C:
					break gather
				case <-s.kick:
				case <-s.quit:
					t.Stop()
					return
				}
			}
			t.Stop()
		}
		for s.backlog() > 0 {
			select {
			case <-s.quit:
				return
			default:
			}
			ctx, chunk := bg, searchIndexChunk
			if s.backlog() >= searchIndexBehind {
				ctx, chunk = fg, searchIndexBehindChunk
			}
			// A failed chunk (a full disk) stays queued: the indexer
			// tries again after its wait (or a search's catch-up does).
			if err := db.indexQueued(ctx, chunk); err != nil {
				s.wake()
				break
			}
		}
	}
}

// indexQueued indexes the oldest chunk (at most) queued rows and deletes
// them from the queue, in one Update, and publishes how far the index
// reaches.
func (db *DB) indexQueued(ctx context.Context, chunk int) error {
	var upto int64
	err := db.Update(ctx, func(dt dm.Tx) error {
		t := dt.(*tx)
		var last sql.NullInt64
		if err := t.queryRow(ctx, `SELECT max(id) FROM (SELECT id FROM search_queue ORDER BY id LIMIT ?)`, chunk).Scan(&last); err != nil {
			return wrap(err, "search queue")
		}
		if !last.Valid {
			// Nothing queued: everything the writer published (it runs
			// this, after every commit it published) is indexed.
			upto = db.search.queued.Load()
			return nil
		}
		upto = last.Int64
		if _, err := t.exec(ctx, qIndexQueued, upto); err != nil {
			return wrap(err, "search index")
		}
		_, err := t.exec(ctx, `DELETE FROM search_queue WHERE id <= ?`, upto)
		return wrap(err, "search queue")
	})
	if err != nil {
		return err
	}
	for {
		now := db.search.indexed.Load()
		if now >= upto || db.search.indexed.CompareAndSwap(now, upto) {
			return nil
		}
	}
}

// CatchUpSearch indexes every message queued before the call (see
// dm.SearchCatcher), in Updates of the caller's priority.
func (db *DB) CatchUpSearch(ctx context.Context) error {
	target := db.search.queued.Load()
	for db.search.indexed.Load() < target {
		if err := db.indexQueued(ctx, searchIndexBehindChunk); err != nil {
			return err
		}
	}
	return nil
}
