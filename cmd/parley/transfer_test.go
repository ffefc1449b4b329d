package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestImportExport is the documented round trip through the commands:
// export a folder, import it into another one (twice: nothing new the
// second time), export that, same bytes; and the refusals (a running
// server, a bad line).
func TestImportExport(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	db, err := sqlite.Open(ctx, server.DatabasePath(src))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx dm.Tx) error {
		a := &dm.Account{ID: dm.NewID(), Handle: "ann", DisplayName: "Ann", Kind: dm.KindPerson, CreatedAt: time.Now()}
		b := &dm.Account{ID: dm.NewID(), Handle: "ben", DisplayName: "Ben", Kind: dm.KindPerson, CreatedAt: time.Now()}
		for _, x := range []*dm.Account{a, b} {
			if err := tx.CreateAccount(ctx, x, dm.DefaultSettings(), "hash"); err != nil {
				return err
			}
		}
		c := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: time.Now()}
		if err := tx.CreateConversation(ctx, c, []dm.Membership{{UserID: a.ID, Role: dm.RoleMember, Status: dm.StatusAccepted},
			{UserID: b.ID, Role: dm.RoleMember, Status: dm.StatusAccepted}}); err != nil {
			return err
		}
		return tx.InsertMessage(ctx, &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: dm.Profile{ID: a.ID}, Text: "hi", CreatedAt: time.Now()}, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "x.jsonl")
	var out bytes.Buffer
	// The store is open, as a server's would be.
	if err := run(ctx, []string{"export", "--data", src, "--out", file}, &out, &out); !errors.Is(err, sqlite.ErrInUse) {
		t.Fatalf("export beside an open store: %v, want ErrInUse", err)
	}
	if _, err := os.Stat(file); err == nil {
		t.Error("a refused export left its file behind")
	}
	if err := run(ctx, []string{"import", "--data", src, file}, &out, &out); err == nil {
		t.Fatal("import beside an open store succeeded")
	}
	db.Close()
	if err := run(ctx, []string{"export", "--data", src, "--out", file}, &out, &out); err != nil {
		t.Fatalf("export: %v\n%s", err, out.String())
	}
	dst := t.TempDir()
	for i, want := range []string{"2 accounts", "0 accounts"} {
		out.Reset()
		if err := run(ctx, []string{"import", "--data", dst, file}, &out, &out); err != nil {
			t.Fatalf("import %d: %v\n%s", i, err, out.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("import %d said %q, want %q", i, out.String(), want)
		}
	}
	again := filepath.Join(t.TempDir(), "y.jsonl")
	if err := run(ctx, []string{"export", "--data", dst, "--out", again}, &out, &out); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(file)
	b, _ := os.ReadFile(again)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("exports differ:\n%s\n%s", a, b)
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(`{"format":"parley-export","version":1}`+"\n"+`{"type":"message"}`+"\n"), 0o600)
	err = run(ctx, []string{"import", "--data", t.TempDir(), bad}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "line 2: ") || !strings.Contains(err.Error(), "run the import again") {
		t.Errorf("bad line: %v", err)
	}
}
