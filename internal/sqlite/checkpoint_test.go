package sqlite

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// The writer never checkpoints (wal_autocheckpoint=0): the checkpointer
// goroutine does, and Close leaves the database file complete, so that a
// copy of the file alone holds every committed write.
func TestCloseCheckpoints(t *testing.T) {
	db, path := openFile(t)
	ctx := context.Background()
	for i := range 20 {
		err := db.Update(ctx, func(tx dm.Tx) error {
			return tx.AppendEvent(ctx, "u"+strconv.Itoa(i), &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c"})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var auto string
	db.Update(ctx, func(tx dm.Tx) error { auto = pragma(t, tx, "wal_autocheckpoint"); return nil })
	if auto != "0" {
		t.Errorf("writer's wal_autocheckpoint = %s, want 0", auto)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("WAL after Close: %d bytes, want none", fi.Size())
	}
	// Only the main file: a copy of it must hold all 20 events.
	dir := t.TempDir()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/copy.db", data, 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := Open(ctx, dir+"/copy.db")
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	err = cp.View(ctx, func(tx dm.Tx) error {
		for i := range 20 {
			if seq, err := tx.LastEventSeq(ctx, "u"+strconv.Itoa(i)); err != nil || seq != 1 {
				t.Errorf("copy: last seq of u%d = %d, %v; want 1", i, seq, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
