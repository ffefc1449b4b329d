package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestBackupRestore is the documented round trip: back up a data folder
// while its store is open, restore it into a fresh folder and over an
// existing one, and check the refusals (a running server, a file that is
// not a Parley database).
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	db, err := sqlite.Open(ctx, server.DatabasePath(src))
	if err != nil {
		t.Fatal(err)
	}
	createAccount := func(db *sqlite.DB, handle string) {
		t.Helper()
		a := &dm.Account{ID: dm.NewID(), Handle: handle, DisplayName: handle, Kind: dm.KindPerson}
		if err := db.Update(ctx, func(tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x") }); err != nil {
			t.Fatal(err)
		}
	}
	createAccount(db, "kept")
	// An attachment blob, as the disk blob store lays them out.
	blob := filepath.Join(server.BlobsPath(src), "ab", "abcdef")
	if err := os.MkdirAll(filepath.Dir(blob), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blob, []byte("photo bytes"), 0o600); err != nil {
		t.Fatal(err)
	}

	backupFile := filepath.Join(t.TempDir(), "parley.backup")
	var out bytes.Buffer
	if err := run(ctx, []string{"backup", "--data", src, "--out", backupFile}, &out, &out); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}

	// A running server (the open store) keeps its data folder.
	err = run(ctx, []string{"restore", "--data", src, "--from", backupFile}, &out, &out)
	if !errors.Is(err, sqlite.ErrInUse) {
		t.Fatalf("restore under a running server: %v, want ErrInUse", err)
	}
	createAccount(db, "after_backup")
	db.Close()

	// Not a database: refused, nothing moved.
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte(strings.Repeat("not sqlite ", 100)), 0o600)
	if err := run(ctx, []string{"restore", "--data", src, "--from", junk}, &out, &out); err == nil {
		t.Fatal("restoring a file that is not a database succeeded")
	}

	// Into a fresh folder, and over the existing one.
	fresh := t.TempDir()
	for _, dir := range []string{fresh, src} {
		out.Reset()
		if err := run(ctx, []string{"restore", "--data", dir, "--from", backupFile}, &out, &out); err != nil {
			t.Fatalf("restore into %s: %v\n%s", dir, err, out.String())
		}
		got, err := os.ReadFile(filepath.Join(server.BlobsPath(dir), "ab", "abcdef"))
		if err != nil || string(got) != "photo bytes" {
			t.Fatalf("restored attachment: %q, %v", got, err)
		}
		db, err := sqlite.Open(ctx, server.DatabasePath(dir))
		if err != nil {
			t.Fatalf("open the restored database: %v", err)
		}
		err = db.View(ctx, func(tx dm.Tx) error {
			if _, err := tx.AccountByHandle(ctx, "kept"); err != nil {
				t.Errorf("restored database lacks the account from before the backup: %v", err)
			}
			if _, err := tx.AccountByHandle(ctx, "after_backup"); !dm.IsCode(err, dm.ENOTFOUND) {
				t.Errorf("restored database has the account made after the backup: %v", err)
			}
			return nil
		})
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(out.String(), ".before-restore-") {
		t.Errorf("restore over a database did not say where the old one went:\n%s", out.String())
	}
	asides, _ := filepath.Glob(server.DatabasePath(src) + ".before-restore-*")
	if len(asides) == 0 {
		t.Fatal("the database that was there was not kept aside")
	}
}
