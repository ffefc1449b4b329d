// Package apidoc keeps the schemas of the API document (internal/api/openapi.json)
// in step with the Go types the server encodes: the wire types are the one
// source of the shapes. `go generate ./internal/api` rewrites
// components.schemas in place, leaving the paths and every other part of
// the document, which people keep by hand, byte for byte as they were;
// internal/api's tests fail when the committed document differs from what
// the generator makes.
//
// It also extracts the document's public surface (operations and schema
// fields) for the compatibility snapshot (see docs/api.md).
package apidoc

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// Module is the module path the Go types live under.
const Module = "github.com/parleyhq/parley"

// Generate returns doc (openapi.json's bytes) with the schemas of types
// regenerated. root is the module's folder (for the Go doc comments that
// describe fields the document does not describe yet).
func Generate(docBytes []byte, types []Type, root string) ([]byte, error) {
	v, err := Parse(docBytes)
	if err != nil {
		return nil, fmt.Errorf("apidoc: openapi.json: %w", err)
	}
	docObj, ok := v.(*Obj)
	if !ok {
		return nil, fmt.Errorf("apidoc: openapi.json is not an object")
	}
	comps := docObj.ObjAt("components")
	if comps == nil {
		comps = NewObj()
		docObj.Set("components", comps)
	}
	schemas := comps.ObjAt("schemas")
	if schemas == nil {
		schemas = NewObj()
		comps.Set("schemas", schemas)
	}
	g, err := NewGenerator(types)
	if err != nil {
		return nil, err
	}
	g.schemas = schemas
	if root != "" {
		if g.Comments, err = comments(root, types); err != nil {
			return nil, err
		}
	}
	owned := map[string]bool{}
	for _, t := range types {
		owned[t.Name] = true
		s, err := g.Schema(t.Go, schemas.ObjAt(t.Name))
		if err != nil {
			return nil, err
		}
		schemas.Set(t.Name, s)
	}
	// A generated schema whose type left the list goes too (the
	// compatibility snapshot says whether that was allowed).
	for _, k := range append([]string(nil), schemas.Keys...) {
		if s := schemas.ObjAt(k); s != nil && s.Has("x-go-type") && !owned[k] {
			schemas.Delete(k)
		}
	}
	return Format(docObj)
}

// comments reads the doc comments of the types' packages (and of the struct
// types they embed or use), keyed "Type" and "Type.Field". Go comments
// start with the Go name ("Seq is ..."); the generator uses them only where
// the document has no description of its own yet.
func comments(root string, types []Type) (map[string]string, error) {
	dirs := map[string]bool{}
	var walk func(t reflect.Type, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, seen map[reflect.Type]bool) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		if strings.HasPrefix(t.PkgPath(), Module) {
			dirs[filepath.Join(root, strings.TrimPrefix(t.PkgPath(), Module))] = true
		}
		for i := range t.NumField() {
			walk(t.Field(i).Type, seen)
		}
	}
	seen := map[reflect.Type]bool{}
	for _, t := range types {
		walk(t.Go, seen)
	}
	out := map[string]string{}
	for dir := range dirs {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs {
			for _, f := range p.Files {
				for _, d := range f.Decls {
					gd, ok := d.(*ast.GenDecl)
					if !ok || gd.Tok != token.TYPE {
						continue
					}
					for _, sp := range gd.Specs {
						ts := sp.(*ast.TypeSpec)
						st, ok := ts.Type.(*ast.StructType)
						if !ok {
							continue
						}
						c := ts.Doc
						if c == nil && len(gd.Specs) == 1 {
							c = gd.Doc
						}
						if c != nil {
							out[ts.Name.Name] = clean(c.Text())
						}
						for _, fl := range st.Fields.List {
							if fl.Doc == nil && fl.Comment == nil {
								continue
							}
							txt := fl.Doc
							if txt == nil {
								txt = fl.Comment
							}
							for _, n := range fl.Names {
								out[ts.Name.Name+"."+n.Name] = clean(txt.Text())
							}
						}
					}
				}
			}
		}
	}
	return out, nil
}

func clean(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
