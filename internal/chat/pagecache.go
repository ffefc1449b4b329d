package chat

import (
	"context"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The first page of a folder is what every app asks for on open and after
// every reconnect; building it is the heaviest read Parley does (member
// lists, last messages, exact unread counts for 50 conversations). Every
// change that can alter a user's folders appends an event to that user's
// log, so a page built when the log stood at seq N is exact for as long as
// the log still stands at N: one cheap LastEventSeq read decides. The only
// changes that append nothing are other people editing their own profile
// (a name in the member list), so a page is also rebuilt after pageMaxAge.
//
// A page of a conversation's history is kept the same way, for the same
// reason: the newest page is read on every open of a chat, and a page
// before a message by everyone who scrolls back. Every change to what a
// member sees of a message (an edit, an unsend, a reaction, a deletion for
// them, a link's preview) and every loss of membership (removed, left,
// deleted by a moderator) appends an event to the member's log. What
// appends nothing (a profile's name, a product card's price, a campaign's
// details) is at most pageMaxAge old.
const (
	pageMaxAge     = 30 * time.Second
	maxCachedPages = 2000 // at ~20 KB a page, ~40 MB at most; then it starts over
	// maxHistoryPages bounds the history pages kept (~60 KB each with
	// their encoding: ~60 MB at most).
	maxHistoryPages = 1000
)

type pageKey struct {
	userID, folder string
	limit          int
}

// historyKey names a page of a conversation's history as one member reads
// it (before: the message it ends before, "" for the newest).
type historyKey struct {
	userID, convID, before string
	limit                  int
}

// cachedPage is a page of items (conversations or messages) read when the
// reader's log stood at seq.
type cachedPage[T any] struct {
	seq   int64
	at    time.Time
	items []T // shared by readers: never modified
	next  string
	enc   *Encoded
}

// Encoded keeps the encoded form of one cached first page for the layer
// that answers with it (the API's JSON body), so that readers of an
// unchanged page share one encoding instead of building it again: encoding
// 50 conversations cost about half of a cache hit's CPU. It lives and dies
// with its page; a page read past the cache has none (nil), and Bytes then
// encodes every time.
type Encoded struct {
	once sync.Once
	b    []byte
}

// Bytes returns the page's encoding, made by encode on first use. encode
// must depend only on the page (the caller's own view of it): every reader
// of the page gets the same bytes.
func (e *Encoded) Bytes(encode func() []byte) []byte {
	if e == nil {
		return encode()
	}
	e.once.Do(func() { e.b = encode() })
	return e.b
}

// pageCache keeps pages by key, at most max of them (maxCachedPages when
// 0); when full it starts over.
type pageCache[K comparable, T any] struct {
	mu  sync.Mutex
	max int
	m   map[K]cachedPage[T]
}

func (c *pageCache[K, T]) get(k K, seq int64, now time.Time) (cachedPage[T], bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[k]
	if !ok || p.seq != seq || now.Sub(p.at) > pageMaxAge {
		return cachedPage[T]{}, false
	}
	return p, true
}

func (c *pageCache[K, T]) put(k K, p cachedPage[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	max := c.max
	if max == 0 {
		max = maxCachedPages
	}
	if c.m == nil || len(c.m) >= max {
		c.m = make(map[K]cachedPage[T])
	}
	c.m[k] = p
}

// peekKept returns the page kept in c under k for userID when the store
// knows the log's seq without a query (dm.EventSeqPeeker: SQLite) and the
// log stands where it stood when the page was read: no transaction at
// all. Callers ask it before keptRead, so that a kept page costs no
// closure either.
func peekKept[K comparable, T any](s *Service, c *pageCache[K, T], userID string, k K) (cachedPage[T], bool) {
	if pk, ok := s.store.(dm.EventSeqPeeker); ok {
		if seq, ok := pk.PeekLastEventSeq(userID); ok {
			return c.get(k, seq, s.cfg.Now())
		}
	}
	return cachedPage[T]{}, false
}

// keptRead returns the page kept in c under k for userID, while userID's
// event log stands where it stood when the page was read, or reads it with
// read in a read transaction and keeps it. The page returned is shared:
// never modify it.
func keptRead[K comparable, T any](ctx context.Context, s *Service, c *pageCache[K, T], userID string, k K,
	read func(tx dm.Tx) ([]T, string, error)) ([]T, string, *Encoded, error) {
	var p cachedPage[T]
	err := s.store.View(ctx, func(tx dm.Tx) error {
		seq, err := tx.LastEventSeq(ctx, userID)
		if err != nil {
			return err
		}
		var ok bool
		if p, ok = c.get(k, seq, s.cfg.Now()); ok {
			return nil
		}
		items, next, err := read(tx)
		if err != nil {
			return err
		}
		if items == nil {
			items = []T{}
		}
		// The snapshot's seq and page belong together: both came from this View.
		p = cachedPage[T]{seq: seq, at: s.cfg.Now(), items: items, next: next, enc: &Encoded{}}
		c.put(k, p)
		return nil
	})
	if err != nil {
		return nil, "", nil, err
	}
	return p.items, p.next, p.enc, nil
}
