package identity

import (
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// sessionTTL is how long a node trusts a session it has checked. Every API
// request authenticates, so the cache spares the store a read per request
// (about 65 µs on SQLite, the biggest read on the send path). A logout or a
// profile change takes effect at once on the node that made it, and within
// sessionTTL on the others.
const sessionTTL = 10 * time.Second

// maxCachedSessions bounds the cache; when full it starts over.
const maxCachedSessions = 100_000

// sessionCache maps token hashes to the accounts they authenticate. The
// cached accounts are shared: nobody may modify them.
type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
	// touched is when this node last recorded each session's use.
	touched map[string]time.Time
}

type cachedSession struct {
	acc   *dm.Account
	until time.Time
}

func (c *sessionCache) get(hash string, now time.Time) *dm.Account {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || now.After(e.until) {
		return nil
	}
	return e.acc
}

func (c *sessionCache) put(hash string, acc *dm.Account, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedSessions {
		c.m = make(map[string]cachedSession)
	}
	c.m[hash] = cachedSession{acc: acc, until: now.Add(sessionTTL)}
}

func (c *sessionCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, hash)
}

// dropUser forgets every session of a user (their profile changed). It walks
// the cache, which is fine for a rare operation.
func (c *sessionCache) dropUser(userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, e := range c.m {
		if e.acc.ID == userID {
			delete(c.m, h)
		}
	}
}

// touchEvery is how often a node records that a session was used (its "last
// seen" in the owner's list of sessions): a small write per session per node
// every five minutes at most, which 15,000 idle sockets turn into 50 a second.
const touchEvery = 5 * time.Minute

// touchDue reports whether this node should record a use of a session now,
// and if so notes that it did.
func (c *sessionCache) touchDue(hash string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.touched == nil || len(c.touched) >= maxCachedSessions {
		c.touched = make(map[string]time.Time)
	}
	if t, ok := c.touched[hash]; ok && now.Sub(t) < touchEvery {
		return false
	}
	c.touched[hash] = now
	return true
}
