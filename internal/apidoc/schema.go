package apidoc

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Type names one Go type whose JSON encoding is part of the API, and the
// name of its schema under components.schemas.
type Type struct {
	Name string
	Go   reflect.Type
}

// T is a Type for the Go type of v, named n.
func T[V any](n string) Type { return Type{Name: n, Go: reflect.TypeFor[V]()} }

// The generator owns a schema's shape (the keywords below) and nothing
// else: descriptions, enums, examples, patterns, bounds and x- extensions
// stay as people wrote them in openapi.json, which is the table of
// annotations. Everything else is regenerated from the Go type.
var structural = []string{"type", "properties", "required", "items", "$ref", "allOf", "oneOf", "anyOf", "nullable", "additionalProperties"}

// Generator turns Go types into schemas.
type Generator struct {
	named map[reflect.Type]string
	// schemas are the document's schemas, as generated so far: a flattened
	// embedded type's fields take their annotations from its own schema.
	schemas *Obj
	// Comments give a description to a type or field the document does not
	// describe yet (type name, or "Type.Field"); optional.
	Comments map[string]string
}

// NewGenerator returns a generator of the given types.
func NewGenerator(types []Type) (*Generator, error) {
	g := &Generator{named: map[reflect.Type]string{}}
	seen := map[string]reflect.Type{}
	for _, t := range types {
		if t.Go.Kind() != reflect.Struct {
			return nil, fmt.Errorf("apidoc: %v is not a struct", t.Go)
		}
		if prev, ok := seen[t.Name]; ok {
			return nil, fmt.Errorf("apidoc: schema %s names both %v and %v", t.Name, prev, t.Go)
		}
		seen[t.Name] = t.Go
		g.named[t.Go] = t.Name
	}
	return g, nil
}

// Schema returns the schema of the named type t, merged with the
// annotations of old (its current schema in the document; may be nil).
func (g *Generator) Schema(t reflect.Type, old *Obj) (*Obj, error) {
	s, err := g.object(t, old)
	if err != nil {
		return nil, err
	}
	s.Set("x-go-type", t.PkgPath()[strings.LastIndex(t.PkgPath(), "/")+1:]+"."+t.Name())
	return s, nil
}

var timeType = reflect.TypeFor[time.Time]()
var rawType = reflect.TypeFor[json.RawMessage]()

// field is one JSON member of a struct, embedded structs flattened the way
// encoding/json flattens them.
type field struct {
	name      string
	goName    string
	owner     reflect.Type
	typ       reflect.Type
	omitempty bool
}

func fields(t reflect.Type) []field {
	var out []field
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, fields(ft)...)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		omit := false
		for _, o := range strings.Split(opts, ",") {
			if o == "omitempty" || o == "omitzero" {
				omit = true
			}
		}
		out = append(out, field{name: name, goName: f.Name, owner: t, typ: ft, omitempty: omit})
	}
	// encoding/json: a shallower field hides a deeper one of the same name;
	// the wire types never rely on it, so duplicates are an error below.
	return out
}

func (g *Generator) object(t reflect.Type, old *Obj) (*Obj, error) {
	s := NewObj()
	keep(s, old)
	if old == nil || !old.Has("description") {
		if c := g.Comments[t.Name()]; c != "" {
			s.Set("description", sentence(t.Name(), c))
		}
	}
	s.Set("type", "object")
	props := NewObj()
	oldProps := NewObj()
	if old != nil {
		if p := old.ObjAt("properties"); p != nil {
			oldProps = p
		}
		// A schema written as allOf (base and extra fields) becomes one
		// flat object: keep the annotations of its inline parts.
		if parts, ok := old.Get("allOf").([]any); ok {
			for _, part := range parts {
				if po, ok := part.(*Obj); ok && po.ObjAt("properties") != nil {
					pp := po.ObjAt("properties")
					for _, k := range pp.Keys {
						if !oldProps.Has(k) {
							oldProps.Set(k, pp.M[k])
						}
					}
				}
			}
		}
	}
	var required []any
	for _, f := range fields(t) {
		if props.Has(f.name) {
			return nil, fmt.Errorf("apidoc: %v has two JSON fields named %q", t, f.name)
		}
		op := oldProps.ObjAt(f.name)
		if op == nil && f.owner != t && g.schemas != nil {
			// A field of an embedded type: annotated where that type is.
			if base := g.schemas.ObjAt(g.named[f.owner]); base != nil && base.ObjAt("properties") != nil {
				op = base.ObjAt("properties").ObjAt(f.name)
			}
		}
		if op == nil || !op.Has("description") {
			if c := g.Comments[f.owner.Name()+"."+f.goName]; c != "" {
				op = clone(op)
				op.Set("description", sentence(f.goName, c))
			}
		}
		ps, err := g.value(f.typ, !f.omitempty, op)
		if err != nil {
			return nil, fmt.Errorf("%v.%s: %w", t, f.goName, err)
		}
		props.Set(f.name, ps)
		if !f.omitempty {
			required = append(required, f.name)
		}
	}
	s.Set("properties", props)
	if len(required) > 0 {
		s.Set("required", required)
	}
	return order(s, old), nil
}

// value returns the schema of a property or an array item of Go type t.
// A pointer that is always present (no omitempty) is nullable; one with
// omitempty is absent when nil, so it is merely not required.
func (g *Generator) value(t reflect.Type, present bool, old *Obj) (*Obj, error) {
	nullable := false
	if t.Kind() == reflect.Pointer {
		nullable = present
		t = t.Elem()
	}
	s := NewObj()
	keep(s, old)
	if name, ok := g.named[t]; ok {
		ref := NewObj()
		ref.Set("$ref", "#/components/schemas/"+name)
		if !nullable && len(s.Keys) == 0 {
			return ref, nil
		}
		// OpenAPI 3.0 ignores the siblings of a $ref: a description or
		// nullable needs the one-element allOf.
		s.Set("allOf", []any{ref})
		if nullable {
			// OpenAPI 3.0 wants a type beside nullable; every named
			// type is a struct, an object.
			s.Set("type", "object")
			s.Set("nullable", true)
		}
		return order(s, old), nil
	}
	switch {
	case t == timeType:
		s.Set("type", "string")
		s.Set("format", "date-time")
	case t.Kind() == reflect.String && s.Has("format") && s.Get("format") == "date-time":
		// A time kept as a string (a date, a clock time) is not a date-time.
		s.Delete("format")
		s.Set("type", "string")
	case t == rawType:
		// Any JSON value: no type.
	case t.Kind() == reflect.String:
		s.Set("type", "string")
	case t.Kind() == reflect.Bool:
		s.Set("type", "boolean")
	case t.Kind() == reflect.Int64 || t.Kind() == reflect.Uint64:
		s.Set("type", "integer")
		s.Set("format", "int64")
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint32:
		s.Set("type", "integer")
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		s.Set("type", "number")
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		s.Set("type", "string")
		s.Set("format", "byte")
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		var oi *Obj
		if old != nil {
			oi = old.ObjAt("items")
		}
		items, err := g.value(t.Elem(), true, oi)
		if err != nil {
			return nil, err
		}
		s.Set("type", "array")
		s.Set("items", items)
		nullable = nullable || nullableByHand(old)
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		var oa *Obj
		if old != nil {
			oa = old.ObjAt("additionalProperties")
		}
		v, err := g.value(t.Elem(), true, oa)
		if err != nil {
			return nil, err
		}
		s.Set("type", "object")
		s.Set("additionalProperties", v)
		nullable = nullable || nullableByHand(old)
	case t.Kind() == reflect.Struct:
		o, err := g.object(t, old)
		if err != nil {
			return nil, err
		}
		s = o
	case t.Kind() == reflect.Interface:
		// Any JSON value.
	default:
		return nil, fmt.Errorf("apidoc: no schema for Go type %v", t)
	}
	if nullable {
		s.Set("nullable", true)
	}
	return order(s, old), nil
}

// keep copies the annotations of old (everything but the shape) into s.
func keep(s, old *Obj) {
	if old == nil {
		return
	}
	for _, k := range old.Keys {
		if slices.Contains(structural, k) || k == "x-go-type" {
			continue
		}
		s.Set(k, old.M[k])
	}
}

// order puts the keys of s in the order old had them (new keys after), so
// that regeneration does not reorder a schema people wrote.
func order(s, old *Obj) *Obj {
	if old == nil {
		return s
	}
	out := NewObj()
	for _, k := range old.Keys {
		if s.Has(k) {
			out.Set(k, s.M[k])
		}
	}
	for _, k := range s.Keys {
		if !out.Has(k) {
			out.Set(k, s.M[k])
		}
	}
	return out
}

func clone(o *Obj) *Obj {
	c := NewObj()
	if o != nil {
		for _, k := range o.Keys {
			c.Set(k, o.M[k])
		}
	}
	return c
}

// sentence turns a Go doc comment ("Seq is the caller's cursor.") into a
// description for readers who never see the Go name ("The caller's cursor.").
func sentence(goName, c string) string {
	for _, verb := range []string{" is ", " are "} {
		if rest, ok := strings.CutPrefix(c, goName+verb); ok && rest != "" {
			return strings.ToUpper(rest[:1]) + rest[1:]
		}
	}
	return c
}

// nullableByHand reports whether people marked a slice or map nullable: a Go
// nil slice is JSON null, which the server accepts in some requests where
// it never sends one.
func nullableByHand(old *Obj) bool {
	return old != nil && old.Get("nullable") == true
}
