package apidoc

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

type inner struct {
	N int `json:"n"`
}

type sample struct {
	ID      string     `json:"id"`
	Count   int64      `json:"count"`
	Opt     string     `json:"opt,omitempty"`
	When    time.Time  `json:"when"`
	Maybe   *time.Time `json:"maybe"`
	Gone    *inner     `json:"gone,omitempty"`
	Inner   *inner     `json:"inner"`
	List    []inner    `json:"list"`
	Secret  string     `json:"-"`
	private string
}

const sampleDoc = `{
  "paths": {},
  "components": {
    "schemas": {
      "Sample": {
        "type": "object",
        "description": "Kept by hand.",
        "properties": {
          "id": {"type": "integer", "description": "The id.", "example": "s1"},
          "removed": {"type": "string"}
        }
      },
      "Hand": {"type": "object"}
    }
  }
}
`

func generate(t *testing.T, doc string) map[string]any {
	t.Helper()
	out, err := Generate([]byte(doc), []Type{T[sample]("Sample"), T[inner]("Inner")}, "")
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse(out)
	if err != nil {
		t.Fatal(err)
	}
	schemas := v.(*Obj).ObjAt("components").ObjAt("schemas")
	return schemas.M
}

// TestGenerate checks the Go-to-schema rules: json names, omitempty not
// required, pointers nullable (or optional with omitempty), times as
// date-time, named types by $ref; annotations kept, shapes replaced,
// fields that left the Go type gone, hand-kept schemas untouched.
func TestGenerate(t *testing.T) {
	s := generate(t, sampleDoc)
	got, _ := marshal(s["Sample"])
	want := `{"type":"object","description":"Kept by hand.","properties":{` +
		`"id":{"type":"string","description":"The id.","example":"s1"},` +
		`"count":{"type":"integer","format":"int64"},` +
		`"opt":{"type":"string"},` +
		`"when":{"type":"string","format":"date-time"},` +
		`"maybe":{"type":"string","format":"date-time","nullable":true},` +
		`"gone":{"$ref":"#/components/schemas/Inner"},` +
		`"inner":{"allOf":[{"$ref":"#/components/schemas/Inner"}],"type":"object","nullable":true},` +
		`"list":{"type":"array","items":{"$ref":"#/components/schemas/Inner"}}},` +
		`"required":["id","count","when","maybe","inner","list"],"x-go-type":"apidoc.sample"}`
	if string(got) != want {
		t.Errorf("schema\n got %s\nwant %s", got, want)
	}
	if _, ok := s["Hand"]; !ok {
		t.Error("a hand-kept schema went")
	}
	if _, ok := s["Inner"]; !ok {
		t.Error("a listed type has no schema")
	}
}

// TestGenerateDropsUnlisted removes a generated schema whose type left the list.
func TestGenerateDropsUnlisted(t *testing.T) {
	doc := strings.Replace(sampleDoc, `"Hand": {"type": "object"}`, `"Hand": {"type": "object"}, "Old": {"type": "object", "x-go-type": "wire.Old"}`, 1)
	if _, ok := generate(t, doc)["Old"]; ok {
		t.Error("a generated schema of a type no longer listed stayed")
	}
}

// TestPublishedMissing finds a field and an operation that went, followed
// through $refs.
func TestPublishedMissing(t *testing.T) {
	doc := func(extra string) []byte {
		return []byte(`{"paths": {"/a": {"get": {"responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}` + extra + `},
		"components": {"schemas": {"A": {"type": "object", "properties": {"x": {"type": "string"}, "b": {"$ref": "#/components/schemas/B"}}},
		"B": {"type": "object", "properties": {"y": {"type": "string"}, "a": {"$ref": "#/components/schemas/A"}}}}}}`)
	}
	old, err := Published(doc(`, "/b": {"delete": {"responses": {"204": {"description": "ok"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	now, err := Published([]byte(strings.Replace(string(doc("")), `"y": {"type": "string"}, `, "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	ops, fields := now.Missing(old)
	if !reflect.DeepEqual(ops, []string{"DELETE /b"}) || !reflect.DeepEqual(fields, []string{"GET /a 200.b.y"}) {
		t.Errorf("missing ops %v fields %v", ops, fields)
	}
}
