package sqlite

import (
	"context"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// TestWriterCacheSize: the writer keeps a small page cache while the
// database is under the lock-byte page (where SQLite walks the whole cache
// at commits that split pages), a bulk batch gets the large one for its own
// transaction, and the small one is back after it.
func TestWriterCacheSize(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir()+"/parley.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cacheKiB := func(c *conn) int64 {
		t.Helper()
		var n int64
		if err := c.c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return -n
	}
	// Between batches only the writer's goroutine may use its connection:
	// read the size inside an Update.
	var plain, bulk int64
	if err := db.Update(ctx, func(x dm.Tx) error { plain = cacheKiB(x.(*tx).c); return nil }); err != nil {
		t.Fatal(err)
	}
	if plain != writerCacheSmallKiB {
		t.Errorf("a fresh database's writer cache: %d KiB, want %d", plain, writerCacheSmallKiB)
	}
	if err := db.updateAlone(ctx, func(x dm.Tx) error { bulk = cacheKiB(x.(*tx).c); return nil }); err != nil {
		t.Fatal(err)
	}
	if bulk != writerCacheLargeKiB {
		t.Errorf("a bulk batch's cache: %d KiB, want %d", bulk, writerCacheLargeKiB)
	}
	if err := db.Update(ctx, func(x dm.Tx) error { plain = cacheKiB(x.(*tx).c); return nil }); err != nil {
		t.Fatal(err)
	}
	if plain != writerCacheSmallKiB {
		t.Errorf("after a bulk batch: %d KiB, want %d again", plain, writerCacheSmallKiB)
	}
	for _, c := range []struct {
		pages, size int64
		want        bool
	}{
		{1, 4096, false},
		{262145, 4096, false}, // the lock-byte page itself
		{262146, 4096, true},
		{16385, 65536, false},
		{16386, 65536, true},
		{100, 0, false},
	} {
		if got := pastLockPage(c.pages, c.size); got != c.want {
			t.Errorf("pastLockPage(%d pages of %d bytes) = %v, want %v", c.pages, c.size, got, c.want)
		}
	}
}
