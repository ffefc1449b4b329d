package postgres

import (
	"context"
	"os"
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
