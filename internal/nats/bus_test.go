package nats

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/parleyhq/parley/internal/bustest"
	"github.com/parleyhq/parley/internal/dm"
)

// testURL returns PARLEY_TEST_NATS or skips the test.
func testURL(t *testing.T) string {
	t.Helper()
	url := os.Getenv("PARLEY_TEST_NATS")
	if url == "" {
		t.Skip("NATS not reachable: set PARLEY_TEST_NATS (e.g. nats://127.0.0.1:4222)")
	}
	return url
}

// uniquePrefix keeps this test's subjects apart from every other test and run
// on the same NATS server.
func uniquePrefix() string {
	var b [6]byte
	rand.Read(b[:])
	return "parleytest." + hex.EncodeToString(b[:]) + ".user."
}

func newTestBus(t *testing.T, url, prefix string) *Bus {
	t.Helper()
	b, err := New(url, WithSubjectPrefix(prefix), WithName("parley-test"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestBusConformance(t *testing.T) {
	url := testURL(t)
	bustest.Run(t, func(t *testing.T) dm.Bus { return newTestBus(t, url, uniquePrefix()) })
}

// Two buses on one prefix are two nodes: each sees what the other publishes,
// only for the users it subscribed to.
func TestTwoNodes(t *testing.T) {
	url := testURL(t)
	prefix := uniquePrefix()
	nodeA := newTestBus(t, url, prefix)
	nodeB := newTestBus(t, url, prefix)

	bobOnB := bustest.NewInbox()
	cancel, err := nodeB.Subscribe("bob", bobOnB.Fn)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	aliceOnA := bustest.NewInbox()
	cancel, err = nodeA.Subscribe("alice", aliceOnA.Fn)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	aliceOnB := bustest.NewInbox() // alice has a second device, on node B
	cancel, err = nodeB.Subscribe("alice", aliceOnB.Fn)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()

	ctx := context.Background()
	mk := func(user string, seq int64) dm.Notification {
		return dm.Notification{UserID: user, Events: []dm.Event{{Seq: seq, Type: dm.EventMessageCreated, ConversationID: "c"}}}
	}
	if err := nodeA.Publish(ctx, mk("bob", 1), mk("bob", 2)); err != nil {
		t.Fatal(err)
	}
	if err := nodeB.Publish(ctx, mk("alice", 1)); err != nil {
		t.Fatal(err)
	}
	if got := bobOnB.WaitFor(t, 2); len(got) != 2 || got[0].Events[0].Seq != 1 || got[1].Events[0].Seq != 2 {
		t.Fatalf("bob on node B received %+v", got)
	}
	for name, in := range map[string]*bustest.Inbox{"alice on A": aliceOnA, "alice on B": aliceOnB} {
		if got := in.WaitFor(t, 1); len(got) != 1 || got[0].UserID != "alice" {
			t.Fatalf("%s received %+v", name, got)
		}
	}
	// Node A holds no socket of bob's, so it has no subscription for him.
	nodeA.mu.Lock()
	_, subscribed := nodeA.users["bob"]
	nodeA.mu.Unlock()
	if subscribed {
		t.Fatal("node A subscribed for bob without a local subscriber")
	}
}

func TestSubjectsAreSafeTokens(t *testing.T) {
	b := &Bus{prefix: "p."}
	for id, want := range map[string]string{
		"01jdxyz0abcdefghjkmnpqrstv": "p.01jdxyz0abcdefghjkmnpqrstv",
		"user_1-a":                   "p.user_1-a",
		"a.b":                        "p.x612e62",
		"*":                          "p.x2a",
		"":                           "p.x",
	} {
		if got := b.subject(id); got != want {
			t.Errorf("subject(%q) = %q, want %q", id, got, want)
		}
	}
}
