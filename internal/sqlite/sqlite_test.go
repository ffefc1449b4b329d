package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/storetest"
)

func open(t testing.TB, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestStoreMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) dm.Store { return open(t, ":memory:") })
}

func TestStoreFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) dm.Store { return open(t, filepath.Join(t.TempDir(), "parley.db")) })
}
