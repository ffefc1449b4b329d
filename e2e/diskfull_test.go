package e2e

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/server"
)

// TestDiskFull runs a server whose data folder is a small tmpfs, fills the
// disk under it, and checks what a person and an operator see: sends are
// refused with 507 storage_full (never a generic 500), /readyz says not
// ready, nothing acknowledged is lost, and once space is freed the server
// is ready and takes sends again without a restart.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("needs to mount a small tmpfs (root and the mount command) to fill a disk; mount said: %v %s", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })

	e := startWith(t, limitsOff, func(c *server.Config) { c.DataDir = filepath.Join(dir, "data") })
	alice, bob := e.user("alice"), e.user("bob")
	conv := e.direct(alice, "bob")
	e.send(alice, conv.ID, "before the disk fills")

	// Ballast: all but 200 KiB of what is left.
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	ballast := filepath.Join(dir, "ballast")
	if err := os.WriteFile(ballast, make([]byte, max(free-200<<10, 0)), 0o600); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("ballast: %v", err)
	}

	text := strings.Repeat("A message long enough to fill pages quickly. ", 80)
	var acked []string
	var full *client.Error
	for i := 0; i < 2000 && full == nil; i++ {
		m, _, err := alice.Send(e.ctx, conv.ID, client.SendParams{Text: text, ClientID: "fill-" + strconv.Itoa(i)})
		if err == nil {
			acked = append(acked, m.ID)
			continue
		}
		var ce *client.Error
		if !errors.As(err, &ce) {
			t.Fatalf("send %d: %v", i, err)
		}
		if ce.Status != http.StatusInsufficientStorage || ce.Code != "storage_full" {
			t.Fatalf("send %d on a full disk: got %d %s (%s), want 507 storage_full", i, ce.Status, ce.Code, ce.Message)
		}
		full = ce
	}
	if full == nil {
		t.Fatalf("2000 sends of %d bytes fit in 200 KiB: the disk never filled", len(text))
	}
	t.Logf("disk full after %d acknowledged sends: %q", len(acked), full.Message)

	if code := readyz(t, e); code != http.StatusServiceUnavailable {
		t.Fatalf("/readyz on a full disk: %d, want 503", code)
	}

	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	if code := readyz(t, e); code != http.StatusOK {
		t.Fatalf("/readyz after space was freed: %d, want 200", code)
	}
	after, _, err := alice.Send(e.ctx, conv.ID, client.SendParams{Text: "after space was freed", ClientID: "after"})
	must(t, err, "send after space was freed")

	// Every acknowledged message is there, for both members, in order.
	msgs, err := allMessages(e.ctx, bob, conv.ID)
	must(t, err, "bob's history")
	have := make(map[string]bool, len(msgs))
	for _, m := range msgs {
		have[m.ID] = true
	}
	for _, id := range append(acked, after.ID) {
		if !have[id] {
			t.Fatalf("acknowledged message %s is missing after the disk filled", id)
		}
	}
	if want := len(acked) + 2; len(msgs) != want {
		t.Fatalf("bob sees %d messages, want %d (refused sends must store nothing)", len(msgs), want)
	}
}

func readyz(t *testing.T, e *env) int {
	t.Helper()
	resp, err := http.Get(e.url + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
