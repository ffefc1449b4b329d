package xrpc

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRouteTable keeps openapi.json, the document that lists
// this surface, in step with the route table: every method is documented
// with its HTTP method (GET for a query, POST for a procedure), and nothing
// is documented that the table lacks.
func TestOpenAPIMatchesRouteTable(t *testing.T) {
	b, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	h, err := New(Config{Host: "parley.test"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"query": "get", "procedure": "post"}
	methods := h.methods()
	for name, kind := range methods {
		ops, ok := doc.Paths["/xrpc/"+name]
		if !ok {
			t.Errorf("%s is in the route table but not in openapi.json", name)
			continue
		}
		if _, ok := ops[want[kind]]; !ok || len(ops) != 1 {
			t.Errorf("%s is a %s: document it as %s only", name, kind, strings.ToUpper(want[kind]))
		}
	}
	for path := range doc.Paths {
		if _, ok := methods[strings.TrimPrefix(path, "/xrpc/")]; !ok {
			t.Errorf("openapi.json documents %s, which the route table lacks", path)
		}
	}
}
