package identity

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

func TestSessionCache(t *testing.T) {
	var c sessionCache
	t0 := time.Unix(1000, 0)
	a := &dm.Account{ID: "u1", Handle: "amy"}
	c.put("h1", a, t0)
	c.put("h2", a, t0)
	c.put("h3", &dm.Account{ID: "u2"}, t0)
	if c.get("h1", t0.Add(sessionTTL)) != a {
		t.Fatal("a fresh entry must be served")
	}
	if c.get("h1", t0.Add(sessionTTL+time.Millisecond)) != nil {
		t.Fatal("an entry older than sessionTTL must not be served")
	}
	c.drop("h1")
	if c.get("h1", t0) != nil {
		t.Fatal("a dropped session (logout) must not be served")
	}
	c.dropUser("u1")
	if c.get("h2", t0) != nil || c.get("h3", t0) == nil {
		t.Fatal("dropUser must forget exactly that user's sessions")
	}
}
