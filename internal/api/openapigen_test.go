package api

import (
	"bytes"
	"os"
	"testing"

	"github.com/parleyhq/parley/internal/apidoc"
)

// TestOpenAPISchemasGenerated fails when the committed document's schemas
// differ from what the Go wire types make: a wire change without
// `go generate ./internal/api`, or a hand edit of a generated schema's shape.
func TestOpenAPISchemasGenerated(t *testing.T) {
	want, err := apidoc.Generate(openapiJSON, apidoc.Types, "../..")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, openapiJSON) {
		if dir := os.Getenv("PARLEY_OPENAPI_DIFF"); dir != "" {
			os.WriteFile(dir+"/openapi.generated.json", want, 0o644)
		}
		t.Fatal("internal/api/openapi.json is not what the wire types make: run `go generate ./internal/api` and commit the result " +
			"(set PARLEY_OPENAPI_DIFF=/some/dir to get the generated file for a diff)")
	}
	// Regenerating is a no-op on its own output.
	again, err := apidoc.Generate(want, apidoc.Types, "../..")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, want) {
		t.Fatal("the generator is not idempotent")
	}
}
