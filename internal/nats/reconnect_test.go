package nats

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/bustest"
	"github.com/parleyhq/parley/internal/dm"
)

// startServer runs a private nats-server on port, so that the test may stop
// it without disturbing anyone else's.
func startServer(t *testing.T, bin string, port int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", strconv.Itoa(port))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// eventually polls cond until it holds; the deadline only catches a hang.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReconnect stops the NATS server under two connected buses and starts it
// again: Ping reports the outage, and once the buses are back the
// subscriptions made before the outage deliver again.
func TestReconnect(t *testing.T) {
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skip("nats-server not installed: this test runs its own server to stop and restart it")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	url := fmt.Sprintf("nats://127.0.0.1:%d", port)

	server := startServer(t, bin, port)
	var sub, pub *Bus
	eventually(t, "the private NATS server to accept connections", func() bool {
		var err error
		sub, err = New(url, WithSubjectPrefix(uniquePrefix()))
		return err == nil
	})
	t.Cleanup(func() { sub.Close() })
	pub = newTestBus(t, url, sub.prefix)
	in := bustest.NewInbox()
	cancel, err := sub.Subscribe("bob", in.Fn)
	if err != nil {
		t.Fatal(err)
	}
	defer cancel()
	ctx := context.Background()
	note := func(seq int64) dm.Notification {
		return dm.Notification{UserID: "bob", Events: []dm.Event{{Seq: seq, Type: dm.EventMessageCreated}}}
	}
	if err := pub.Publish(ctx, note(1)); err != nil {
		t.Fatal(err)
	}
	in.WaitFor(t, 1)

	server.Process.Kill()
	server.Wait()
	eventually(t, "Ping to report the outage", func() bool { return sub.Ping(ctx) != nil })
	// A socket opened during the outage subscribes all the same.
	carol := bustest.NewInbox()
	cancelCarol, err := sub.Subscribe("carol", carol.Fn)
	if err != nil {
		t.Fatalf("Subscribe during the outage: %v", err)
	}
	defer cancelCarol()

	startServer(t, bin, port)
	eventually(t, "both buses to reconnect", func() bool { return sub.Ping(ctx) == nil && pub.Ping(ctx) == nil })
	toCarol := note(7)
	toCarol.UserID = "carol"
	if err := pub.Publish(ctx, note(2), toCarol); err != nil {
		t.Fatal(err)
	}
	got := in.WaitFor(t, 2)
	if last := got[len(got)-1].Events[0].Seq; last != 2 {
		t.Fatalf("after the reconnect bob received seq %d, want 2", last)
	}
	if got := carol.WaitFor(t, 1); got[0].Events[0].Seq != 7 {
		t.Fatalf("carol received %+v", got)
	}
}
