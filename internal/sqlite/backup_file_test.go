package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// TestBackupFileWhileOpen copies a database that a store has open and is
// writing, read-only, and checks the copy holds what was committed.
func TestBackupFileWhileOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "parley.db")
	db, err := Open(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := &dm.Account{ID: dm.NewID(), Handle: "backup_me", DisplayName: "B", Kind: dm.KindPerson}
	if err := db.Update(ctx, func(tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), "x") }); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "copy.db")
	if err := BackupFile(ctx, src, dst); err != nil {
		t.Fatalf("backup while open: %v", err)
	}
	if err := BackupFile(ctx, src, dst); err == nil {
		t.Fatal("a backup must not overwrite an existing file")
	}
	cp, err := Open(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	err = cp.View(ctx, func(tx dm.Tx) error {
		got, err := tx.AccountByHandle(ctx, "backup_me")
		if err == nil && got.ID != a.ID {
			t.Errorf("copy has account %s, want %s", got.ID, a.ID)
		}
		return err
	})
	if err != nil {
		t.Fatalf("the copy lacks the committed account: %v", err)
	}
}

// TestOpenLocks: a second store on the same file (a second server on the
// same data folder) is refused while the first is open, and allowed after.
func TestOpenLocks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if second, err := Open(ctx, path); !errors.Is(err, ErrInUse) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("second Open of an open database: %v, want ErrInUse", err)
	}
	db.Close()
	again, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}
