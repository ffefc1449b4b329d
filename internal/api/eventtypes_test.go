package api

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestOpenAPIEventTypes keeps the Event schema's list of types in step with
// the event types the domain defines (the constants Event* of internal/dm):
// a new event type must be documented, or clients cannot know what it
// carries.
func TestOpenAPIEventTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	typ, ok := digObject(doc, "components", "schemas", "Event", "properties", "type")
	if !ok {
		t.Fatal("openapi.json has no components.schemas.Event.properties.type")
	}
	var enum []string
	for _, v := range docList(typ["enum"]) {
		s, _ := v.(string)
		enum = append(enum, s)
	}
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../dm", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.CONST {
					continue
				}
				for _, sp := range gd.Specs {
					vs := sp.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if !strings.HasPrefix(n.Name, "Event") || i >= len(vs.Values) {
							continue
						}
						lit, ok := vs.Values[i].(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							continue
						}
						v, _ := strconv.Unquote(lit.Value)
						found++
						if !slices.Contains(enum, v) {
							t.Errorf("internal/dm.%s = %q is not among the Event types of openapi.json (components.schemas.Event.properties.type.enum): document it, and what it carries", n.Name, v)
						}
					}
				}
			}
		}
	}
	if found < 10 {
		t.Fatalf("found only %d Event* constants in internal/dm; update this test to where they went", found)
	}
}
