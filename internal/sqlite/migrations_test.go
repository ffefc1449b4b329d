package sqlite_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestMigrationsMatchPostgres checks that both dialects number the same
// changes alike (migrations/README.md): a subsystem that adds a table on one
// store and forgets the other, or two branches that picked one number for
// different changes, fail here rather than on a production database.
func TestMigrationsMatchPostgres(t *testing.T) {
	versions := func(dir string) []int {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var vs []int
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".sql") {
				continue
			}
			n, _, _ := strings.Cut(e.Name(), "_")
			v, err := strconv.Atoi(n)
			if err != nil || v <= 0 {
				t.Fatalf("%s/%s: a migration's name starts with its number and _", dir, e.Name())
			}
			if slices.Contains(vs, v) {
				t.Fatalf("%s: two migrations numbered %d", dir, v)
			}
			vs = append(vs, v)
		}
		slices.Sort(vs)
		return vs
	}
	lite, pg := versions("migrations"), versions("../postgres/migrations")
	if !slices.Equal(lite, pg) {
		t.Fatalf("migration versions differ: sqlite %v, postgres %v", lite, pg)
	}
}
