package chat

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

func TestPageCache(t *testing.T) {
	var c pageCache[pageKey, dm.Conversation]
	t0 := time.Unix(1000, 0)
	k := pageKey{userID: "u1", folder: dm.FolderInbox, limit: 50}
	c.put(k, cachedPage[dm.Conversation]{seq: 7, at: t0, items: []dm.Conversation{{ID: "c1"}}})
	if p, ok := c.get(k, 7, t0.Add(time.Second)); !ok || p.items[0].ID != "c1" {
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
	// A full cache starts over.
	h := pageCache[historyKey, dm.Message]{max: 2}
	for i, before := range []string{"", "m1", "m2"} {
		h.put(historyKey{userID: "u1", convID: "c1", before: before, limit: 50}, cachedPage[dm.Message]{seq: int64(i), at: t0})
	}
	if len(h.m) != 1 {
		t.Fatalf("a cache of at most 2 holds %d pages after 3", len(h.m))
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
