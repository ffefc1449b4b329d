package postgres

import (
	"context"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/postgres/pgtest"
)

// testSchema creates a schema with a random name in the database of
// PARLEY_TEST_POSTGRES, drops it when the test ends, and returns a URL whose
// connections use it (search_path), so that test runs never collide.
func testSchema(t *testing.T) string {
	t.Helper()
	base := os.Getenv("PARLEY_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL not reachable: set PARLEY_TEST_POSTGRES (e.g. postgres://postgres@127.0.0.1:5432/test)")
	}
	return pgtest.Schema(t, base, "parley_test_")
}

// openTest opens a store on a fresh schema; it is closed at cleanup.
func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), testSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPoolSize: without pool_max_conns the pool has four connections per
// CPU and at least 16 (defaultMaxConns); the URL's own size wins.
func TestPoolSize(t *testing.T) {
	if got := defaultMaxConns(2); got != 16 {
		t.Errorf("defaultMaxConns(2) = %d, want 16", got)
	}
	if got := defaultMaxConns(8); got != 32 {
		t.Errorf("defaultMaxConns(8) = %d, want 32", got)
	}
	url := testSchema(t)
	db, err := Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, want := db.pool.Config().MaxConns, defaultMaxConns(runtime.GOMAXPROCS(0)); got != want {
		t.Errorf("pool size %d, want %d", got, want)
	}
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db3, err := Open(context.Background(), url+sep+"pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	defer db3.Close()
	if got := db3.pool.Config().MaxConns; got != 3 {
		t.Errorf("pool size with pool_max_conns=3: %d", got)
	}
}
