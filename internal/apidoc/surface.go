package apidoc

import (
	"encoding/json"
	"slices"
	"strings"
)

// Surface is what the API document publishes, in the form the
// compatibility snapshot keeps it (internal/api/testdata/api-snapshot.json):
// every operation, and every field as integrators meet it on the wire, by
// operation and status ("GET /api/v1/me 200.account.handle"), $refs
// followed, so that moving a shape into a named schema changes nothing. One
// entry a line, so that branches that add some merge without trouble.
type Surface struct {
	Operations []string `json:"operations"`
	Fields     []string `json:"fields"`
}

// Published returns the surface of an OpenAPI document.
func Published(docBytes []byte) (*Surface, error) {
	var doc map[string]any
	if err := json.Unmarshal(docBytes, &doc); err != nil {
		return nil, err
	}
	paths, _ := doc["paths"].(map[string]any)
	s := &Surface{}
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method, o := range ops {
			if !slices.Contains([]string{"get", "put", "post", "delete", "patch", "head", "options"}, method) {
				continue
			}
			op := strings.ToUpper(method) + " " + path
			s.Operations = append(s.Operations, op)
			om, _ := o.(map[string]any)
			if rb, ok := om["requestBody"].(map[string]any); ok {
				rb = deref(doc, rb)
				for _, mt := range asMap(rb["content"]) {
					fieldsOf(doc, op+" request", asMap(mt)["schema"], nil, &s.Fields)
				}
			}
			for status, r := range asMap(om["responses"]) {
				rm := asMap(r)
				prefix := op + " " + status
				if ref, ok := rm["$ref"].(string); ok {
					// A shared response (the errors): listed once, by name.
					prefix = strings.TrimPrefix(ref, "#/components/")
					rm = deref(doc, rm)
				}
				for _, mt := range asMap(rm["content"]) {
					fieldsOf(doc, prefix, asMap(mt)["schema"], nil, &s.Fields)
				}
			}
		}
	}
	slices.Sort(s.Operations)
	slices.Sort(s.Fields)
	s.Fields = slices.Compact(s.Fields)
	return s, nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// deref follows a local $ref ("#/components/...").
func deref(doc map[string]any, m map[string]any) map[string]any {
	for i := 0; i < 10; i++ {
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		var cur any = doc
		for _, k := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = asMap(cur)[strings.ReplaceAll(strings.ReplaceAll(k, "~1", "/"), "~0", "~")]
		}
		m = asMap(cur)
	}
	return m
}

// fieldsOf adds prefix.field for every property of schema v, nested
// objects as prefix.field.sub and array items as field[]. stack holds the
// $refs being expanded: a recursive schema is listed once.
func fieldsOf(doc map[string]any, prefix string, v any, stack []string, out *[]string) {
	m := asMap(v)
	if m == nil {
		return
	}
	if ref, ok := m["$ref"].(string); ok {
		if slices.Contains(stack, ref) {
			return
		}
		fieldsOf(doc, prefix, deref(doc, m), append(stack, ref), out)
		return
	}
	for k, p := range asMap(m["properties"]) {
		*out = append(*out, prefix+"."+k)
		fieldsOf(doc, prefix+"."+k, p, stack, out)
	}
	if items, ok := m["items"]; ok {
		fieldsOf(doc, prefix+"[]", items, stack, out)
	}
	for _, key := range []string{"allOf", "oneOf", "anyOf"} {
		if parts, ok := m[key].([]any); ok {
			for _, p := range parts {
				fieldsOf(doc, prefix, p, stack, out)
			}
		}
	}
	if ap := asMap(m["additionalProperties"]); ap != nil {
		fieldsOf(doc, prefix+"{}", ap, stack, out)
	}
}

// Missing returns what old publishes that s does not.
func (s *Surface) Missing(old *Surface) (ops, fields []string) {
	for _, o := range old.Operations {
		if !slices.Contains(s.Operations, o) {
			ops = append(ops, o)
		}
	}
	have := map[string]bool{}
	for _, f := range s.Fields {
		have[f] = true
	}
	for _, f := range old.Fields {
		if !have[f] {
			fields = append(fields, f)
		}
	}
	return ops, fields
}

// Added returns what s publishes that old does not.
func (s *Surface) Added(old *Surface) (ops, fields []string) {
	return old.Missing(s)
}
