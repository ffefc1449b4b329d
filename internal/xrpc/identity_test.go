package xrpc

import (
	"slices"
	"strings"
	"testing"
)

// validHandle is the atproto handle syntax (atproto.com/specs/handle).
func validHandle(h string) bool {
	return len(h) <= 253 && validDomain(h)
}

func TestHandlesMapBothWays(t *testing.T) {
	ids, err := newIdentities("chat.example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, native := range []string{"alice", "bob_b", "a__b", "_bob", "bob_", "_bob_", "___", "x_y", "123", "xxx", "x_x"} {
		h := ids.handle(native)
		if !validHandle(h) || strings.Contains(h, "_") {
			t.Errorf("%s maps to %q, not a valid atproto handle", native, h)
		}
		back, ok := ids.native(h)
		if !ok || back != native {
			t.Errorf("%s -> %s -> %q, %v", native, h, back, ok)
		}
		if back, ok := ids.native(strings.ToUpper(h)); !ok || back != native {
			t.Errorf("upper-case %s -> %q, %v", h, back, ok)
		}
	}
	// Two natives never share a handle.
	seen := map[string]string{}
	for _, native := range []string{"_bob_", "xbobx", "x_bob_x", "xbob_x", "x_bobx"} {
		h := ids.handle(native)
		if prev, dup := seen[h]; dup {
			t.Errorf("%s and %s both map to %s", prev, native, h)
		}
		seen[h] = native
	}
	for _, bad := range []string{"alice.other.com", "alice", "-bob.chat.example.com", "a.b.chat.example.com",
		"xbobx.x.chat.example.com", "x.x.chat.example.com", "al_ice.chat.example.com", ".chat.example.com"} {
		if n, ok := ids.native(bad); ok {
			t.Errorf("%q maps back to %q", bad, n)
		}
	}
	if _, err := newIdentities("localhost:8080"); err == nil {
		t.Error("a host with a port was accepted")
	}
}

func TestDIDs(t *testing.T) {
	ids, _ := newIdentities("parley.test")
	d := ids.did("01abc")
	if d != "did:web:parley.test:u:01abc" {
		t.Errorf("did = %s", d)
	}
	if id, ok := ids.accountID(d); !ok || id != "01abc" {
		t.Errorf("accountID(%s) = %q %v", d, id, ok)
	}
	for _, bad := range []string{"did:web:other.test:u:01abc", "did:plc:abc", "did:web:parley.test:u:"} {
		if _, ok := ids.accountID(bad); ok {
			t.Errorf("%s was accepted", bad)
		}
	}
}

func TestRevsSortInCommitOrder(t *testing.T) {
	var revs []string
	for _, n := range []int64{0, 1, 9, 10, 15, 16, 99, 100, 255, 256, 1 << 40, 1<<63 - 1} {
		r := rev(n)
		if back, ok := parseRev(r); !ok || back != n {
			t.Errorf("rev(%d) = %s reads back as %d %v", n, r, back, ok)
		}
		revs = append(revs, r)
	}
	if !slices.IsSorted(revs) {
		t.Errorf("revs do not sort as strings: %v", revs)
	}
	for _, bad := range []string{"", "10", "000000000000000g", "-000000000000001", "ffffffffffffffff"} {
		if _, ok := parseRev(bad); ok {
			t.Errorf("parseRev(%q) accepted", bad)
		}
	}
}
