package chat

import (
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
const (
	pageMaxAge     = 30 * time.Second
	maxCachedPages = 2000 // at ~20 KB a page, ~40 MB at most; then it starts over
)

type pageKey struct {
	userID, folder string
	limit          int
}

type cachedPage struct {
	seq   int64
	at    time.Time
	convs []dm.Conversation // shared by readers: never modified
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

type pageCache struct {
	mu sync.Mutex
	m  map[pageKey]cachedPage
}

func (c *pageCache) get(k pageKey, seq int64, now time.Time) (cachedPage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.m[k]
	if !ok || p.seq != seq || now.Sub(p.at) > pageMaxAge {
		return cachedPage{}, false
	}
	return p, true
}

func (c *pageCache) put(k pageKey, p cachedPage) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedPages {
		c.m = make(map[pageKey]cachedPage)
	}
	c.m[k] = p
}
