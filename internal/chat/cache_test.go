package chat

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

func TestLimiter(t *testing.T) {
	l := newLimiter(1, 3) // 1 a second, bursts of 3
	t0 := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if d := l.take("k", t0); d != 0 {
			t.Fatalf("take %d within the burst: wait %v", i, d)
		}
	}
	if d := l.take("k", t0); d < time.Second {
		t.Fatalf("4th take: want a wait of at least 1s, got %v", d)
	}
	if d := l.take("other", t0); d != 0 {
		t.Fatalf("keys must not share buckets: %v", d)
	}
	if d := l.wait("k", t0.Add(1500*time.Millisecond)); d != 0 {
		t.Fatalf("after 1.5s a token is back: wait %v", d)
	}
	var off *limiter // limits off
	if off.take("k", t0) != 0 {
		t.Fatal("a nil limiter never limits")
	}
}

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

func TestPageCache(t *testing.T) {
	var c pageCache
	t0 := time.Unix(1000, 0)
	k := pageKey{userID: "u1", folder: dm.FolderInbox, limit: 50}
	c.put(k, cachedPage{seq: 7, at: t0, convs: []dm.Conversation{{ID: "c1"}}})
	if p, ok := c.get(k, 7, t0.Add(time.Second)); !ok || p.convs[0].ID != "c1" {
		t.Fatal("a page at the current seq must be served")
	}
	if _, ok := c.get(k, 8, t0); ok {
		t.Fatal("a page must not outlive a new event")
	}
	if _, ok := c.get(k, 7, t0.Add(pageMaxAge+time.Millisecond)); ok {
		t.Fatal("a page must not outlive pageMaxAge")
	}
	if _, ok := c.get(pageKey{userID: "u1", folder: dm.FolderInbox, limit: 20}, 7, t0); ok {
		t.Fatal("pages of another size are other pages")
	}
}

func TestIsDirect(t *testing.T) {
	m := func(role string) dm.Membership { return dm.Membership{Role: role} }
	for _, tc := range []struct {
		ms   []dm.Membership
		want bool
	}{
		{[]dm.Membership{m(dm.RoleMember), m(dm.RoleMember)}, true},
		{[]dm.Membership{m(dm.RoleOwner), m(dm.RoleMember)}, false}, // a group down to two
		{[]dm.Membership{m(dm.RoleOwner), m(dm.RoleMember), m(dm.RoleMember)}, false},
		{[]dm.Membership{m(dm.RoleOwner)}, false},
	} {
		if got := isDirect(tc.ms); got != tc.want {
			t.Errorf("isDirect(%v) = %v, want %v", tc.ms, got, tc.want)
		}
	}
}
