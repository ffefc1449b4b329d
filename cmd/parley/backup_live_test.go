package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/server"
)

// TestBackupLiveServer backs up the data folder of a running server while
// senders keep writing (the copy takes several paced steps, the server
// commits between them), restores it into a fresh folder, and checks the
// copy: intact, every message acknowledged before the backup began is in
// it, nothing in it was never sent, and every conversation's messages run
// gap-free up to its last seq (one snapshot, not pages of several).
func TestBackupLiveServer(t *testing.T) {
	if testing.Short() {
		t.Skip("-short is set and this test needs about 10 MB of writes through a live server: run it without -short")
	}
	ctx := t.Context()
	data := t.TempDir()
	srv, err := server.New(ctx, server.Config{
		Addr: "127.0.0.1:0", DataDir: data, RateLimitOff: true,
		PasswordCost: identity.CheapPasswordCost(), Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	login := func(h string) *client.Client {
		t.Helper()
		if _, err := srv.Identity().Signup(ctx, identity.SignupParams{Handle: h, Password: "password-" + h}); err != nil {
			t.Fatal(err)
		}
		c := client.New(srv.URL())
		if _, _, err := c.Login(ctx, h, "password-"+h); err != nil {
			t.Fatal(err)
		}
		return c
	}
	const senders = 4
	type pair struct {
		c    *client.Client
		conv string
	}
	pairs := make([]pair, senders)
	for i := range senders {
		c := login(fmt.Sprint("sender", i))
		login(fmt.Sprint("reader", i))
		conv, _, err := c.CreateConversation(ctx, []string{fmt.Sprint("reader", i)}, "")
		if err != nil {
			t.Fatal(err)
		}
		pairs[i] = pair{c, conv.ID}
	}

	// Senders write 3 KB messages until stopped, noting each
	// acknowledged message with the time of its acknowledgement.
	text := strings.Repeat("backup ", 430)
	var mu sync.Mutex
	acked := map[string]time.Time{}
	attempted := 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				attempted++
				mu.Unlock()
				m, _, err := pairs[i].c.Send(ctx, pairs[i].conv, client.SendParams{Text: text, ClientID: fmt.Sprint(i, "-", n)})
				if err != nil {
					t.Errorf("send: %v", err)
					return
				}
				mu.Lock()
				acked[m.ID] = time.Now()
				mu.Unlock()
			}
		}()
	}
	// Past 2,500 pages (10 MiB): the copy takes at least three steps.
	live, err := sql.Open("sqlite", "file:"+(&url.URL{Path: server.DatabasePath(data)}).EscapedPath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	for pages := 0; pages < 2500; time.Sleep(50 * time.Millisecond) {
		if err := live.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
			t.Fatal(err)
		}
	}
	live.Close()
	began := time.Now()
	backupFile := filepath.Join(t.TempDir(), "live.backup")
	var out bytes.Buffer
	err = run(ctx, []string{"backup", "--data", data, "--out", backupFile}, &out, &out)
	took := time.Since(began)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup of a live server: %v\n%s", err, out.String())
	}

	fresh := t.TempDir()
	if err := run(ctx, []string{"restore", "--data", fresh, "--from", backupFile}, &out, &out); err != nil {
		t.Fatalf("restore: %v\n%s", err, out.String())
	}
	d, err := sql.Open("sqlite", "file:"+(&url.URL{Path: server.DatabasePath(fresh)}).EscapedPath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var check string
	if err := d.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check of the restored copy: %q, %v", check, err)
	}
	rows, err := d.QueryContext(ctx, "SELECT id FROM messages")
	if err != nil {
		t.Fatal(err)
	}
	inCopy := map[string]bool{}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		inCopy[id] = true
	}
	rows.Close()
	mu.Lock()
	defer mu.Unlock()
	before := 0
	for id, at := range acked {
		if at.Before(began) {
			before++
			if !inCopy[id] {
				t.Errorf("message %s, acknowledged before the backup began, is not in the copy", id)
			}
		}
	}
	if len(inCopy) > attempted {
		t.Errorf("the copy holds %d messages, more than the %d ever sent", len(inCopy), attempted)
	}
	for id := range inCopy {
		if _, ok := acked[id]; !ok {
			t.Errorf("the copy holds message %s, which was never acknowledged", id)
		}
	}
	var gaps int
	if err := d.QueryRowContext(ctx, `SELECT count(*) FROM conversations c
		WHERE c.last_seq != (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)
		   OR c.last_seq != coalesce((SELECT max(seq) FROM messages m WHERE m.conversation_id = c.id), 0)`).Scan(&gaps); err != nil {
		t.Fatal(err)
	}
	if gaps != 0 {
		t.Errorf("%d conversations' messages do not run 1..last_seq in the copy: not one snapshot", gaps)
	}
	t.Logf("backup took %v; %d messages acknowledged before it, %d in the copy, %d acknowledged in all", took.Round(time.Millisecond), before, len(inCopy), len(acked))
}
