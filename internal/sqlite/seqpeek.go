package sqlite

import (
	"sync"

	"github.com/parleyhq/parley/internal/dm"
)

var _ dm.EventSeqPeeker = (*DB)(nil)

// maxPeekSeqs bounds the published seqs (about 100 bytes an entry); past
// it the table starts over, and users are learnt again from reads.
const maxPeekSeqs = 1 << 17

// peekSeqs is the newest committed event seq of recently active users,
// for PeekLastEventSeq: the first inbox page is cached by the log's seq
// (internal/chat), so with this a cache hit needs no read transaction.
//
// It is exact because the writer goroutine assigns every seq: after each
// COMMIT, before any caller of the batch is answered, the writer publishes
// the seq of every user the batch appended to (publish). A reader that read
// LastEventSeq in a View may add a user the table does not hold yet (learn),
// but only if the table has not started over since before that View began
// (gen): otherwise the reader's snapshot might predate a seq published and
// then dropped, and it would put an older seq back.
type peekSeqs struct {
	mu  sync.RWMutex
	m   map[string]int64
	gen uint64
}

func (p *peekSeqs) get(user string) (int64, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	seq, ok := p.m[user]
	return seq, ok
}

// generation is read before a View begins its snapshot.
func (p *peekSeqs) generation() uint64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.gen
}

// learn adds what a reader saw in a snapshot that began after gen was read.
// A seq already present is never replaced: it was published by the writer
// after a commit, which is at least as new as any snapshot's.
func (p *peekSeqs) learn(user string, seq int64, gen uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gen != gen || len(p.m) >= maxPeekSeqs {
		return
	}
	if p.m == nil {
		p.m = make(map[string]int64)
	}
	if _, ok := p.m[user]; !ok {
		p.m[user] = seq
	}
}

// publish records committed seqs (writer only, after COMMIT).
func (p *peekSeqs) publish(users []string, last map[string]int64) {
	if len(users) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil || len(p.m)+len(users) > maxPeekSeqs {
		p.m = make(map[string]int64, len(users))
		p.gen++
	}
	for _, u := range users {
		if seq, ok := last[u]; ok {
			p.m[u] = seq
		}
	}
}

// PeekLastEventSeq returns userID's newest committed event seq when the
// store knows it without a query (dm.EventSeqPeeker).
func (db *DB) PeekLastEventSeq(userID string) (int64, bool) {
	return db.peek.get(userID)
}
