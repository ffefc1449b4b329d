package api

import (
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/apidoc"
)

var updateSnapshot = flag.Bool("update", false, "rewrite testdata/api-snapshot.json from openapi.json (TestAPICompatibility): only on purpose, see docs/api.md")

const snapshotPath = "testdata/api-snapshot.json"

// TestAPICompatibility fails when an operation or a field that the
// committed snapshot publishes has gone from the document: a breaking change
// for integrators (docs/api.md). Removing one on purpose (after its
// deprecation period) means rewriting the snapshot with -update, which a
// reviewer sees. New operations and fields do not fail the test; -update
// publishes them too.
func TestAPICompatibility(t *testing.T) {
	now, err := apidoc.Published(openapiJSON)
	if err != nil {
		t.Fatal(err)
	}
	if *updateSnapshot {
		b, _ := json.MarshalIndent(now, "", "  ")
		if err := os.WriteFile(snapshotPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d operations, %d fields", snapshotPath, len(now.Operations), len(now.Fields))
		return
	}
	raw, err := os.ReadFile(snapshotPath)
	if err != nil {
		t.Fatalf("%v (create it with go test ./internal/api -run TestAPICompatibility -update)", err)
	}
	var old apidoc.Surface
	if err := json.Unmarshal(raw, &old); err != nil {
		t.Fatalf("%s: %v", snapshotPath, err)
	}
	ops, fields := now.Missing(&old)
	if len(ops)+len(fields) > 0 {
		t.Errorf("openapi.json no longer publishes what %s says it does; that breaks integrators (docs/api.md: deprecate first, remove in a new major version):\n  operations gone: %s\n  fields gone: %s\n"+
			"If this is on purpose, rewrite the snapshot: go test ./internal/api -run TestAPICompatibility -update",
			snapshotPath, list(ops), list(fields))
	}
	if ops, fields := now.Added(&old); len(ops)+len(fields) > 0 {
		t.Logf("not in the snapshot yet (published with -update): %d operations, %d fields", len(ops), len(fields))
	}
}

func list(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return "\n    " + strings.Join(s, "\n    ")
}
