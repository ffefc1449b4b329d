package api

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// These tests keep openapi.json honest: it must describe exactly the routes
// that the route table in api.go registers. A route added to the table without
// its documentation (or documented but never registered) fails here, which is
// the point.

// openapiMethods are the operation keys of an OpenAPI path item.
var openapiMethods = []string{"get", "put", "post", "delete", "patch", "head", "options", "trace"}

// loadOpenAPI parses the embedded document, the very bytes the server serves.
func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		t.Fatalf("openapi.json is not valid JSON: %v", err)
	}
	return doc
}

// openapiObject returns doc[key] as a JSON object, failing the test otherwise.
func openapiObject(t *testing.T, doc map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := doc[key].(map[string]any)
	if !ok {
		t.Fatalf("openapi.json: %q is missing or not an object", key)
	}
	return v
}

// documentedRoutes returns "METHOD /path" for every operation of the document.
func documentedRoutes(t *testing.T, doc map[string]any) map[string]map[string]any {
	t.Helper()
	out := make(map[string]map[string]any)
	for path, item := range openapiObject(t, doc, "paths") {
		ops, ok := item.(map[string]any)
		if !ok {
			t.Fatalf("openapi.json: path item %q is not an object", path)
		}
		for _, m := range openapiMethods {
			if op, ok := ops[m].(map[string]any); ok {
				out[strings.ToUpper(m)+" "+path] = op
			}
		}
	}
	return out
}

// registeredRoutes reads the route table from api.go's source: the patterns of
// the m.HandleFunc and m.Handle calls in (*API).routes. Reading the source,
// rather than a hand-kept list, means a new route cannot escape this test.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "api.go", nil, 0)
	if err != nil {
		t.Fatalf("parse api.go: %v", err)
	}
	var routes []string
	found := false
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "routes" || fn.Recv == nil || len(fn.Recv.List) != 1 {
			continue
		}
		if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); !ok || !isIdent(star.X, "API") {
			continue
		}
		found = true
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: a route pattern that is not a string literal; this test cannot check it", fset.Position(call.Pos()))
				return true
			}
			p, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			routes = append(routes, p)
			return true
		})
	}
	if !found {
		t.Fatal("api.go has no func (a *API) routes(); update this test to where the route table went")
	}
	if len(routes) == 0 {
		t.Fatal("found no m.HandleFunc/m.Handle calls in (*API).routes")
	}
	return routes
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// methodRoutes keeps the "METHOD /path" patterns of routes. Patterns without a
// method must be subtree catch-alls (ending in "/": the API's JSON 404 and the
// web app); any other one would be an endpoint that no single method describes.
func methodRoutes(t *testing.T, routes []string) map[string]bool {
	t.Helper()
	out := make(map[string]bool)
	for _, p := range routes {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			if !strings.HasSuffix(p, "/") {
				t.Errorf("route %q has no method: register it as \"METHOD %s\" and document it", p, p)
			}
			continue
		}
		out[method+" "+strings.TrimSpace(path)] = true
	}
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	doc := loadOpenAPI(t)
	if v, _ := doc["openapi"].(string); v != "3.0.3" {
		t.Errorf("openapi = %q, want \"3.0.3\"", v)
	}
	info := openapiObject(t, doc, "info")
	for _, k := range []string{"title", "version"} {
		if s, _ := info[k].(string); s == "" {
			t.Errorf("info.%s is missing", k)
		}
	}
	if len(openapiObject(t, doc, "paths")) == 0 {
		t.Error("paths is empty")
	}
	schemes := openapiObject(t, openapiObject(t, doc, "components"), "securitySchemes")
	for _, name := range []string{"bearerAuth", "cookieAuth"} {
		if _, ok := schemes[name]; !ok {
			t.Errorf("components.securitySchemes.%s is missing", name)
		}
	}
}

func TestOpenAPIRoutesMatchRouteTable(t *testing.T) {
	doc := loadOpenAPI(t)
	documented := documentedRoutes(t, doc)
	registered := methodRoutes(t, registeredRoutes(t))

	for r := range registered {
		if _, ok := documented[r]; !ok {
			t.Errorf("route %q is registered in api.go but not documented in openapi.json", r)
		}
	}
	for r := range documented {
		if !registered[r] {
			t.Errorf("openapi.json documents %q, which api.go does not register", r)
		}
	}

	// The other way round, through the live mux: each documented operation,
	// with sample values in its path, must reach the pattern of the same
	// method and template. This also catches routes registered outside routes().
	a := New(Config{})
	param := regexp.MustCompile(`\{[^}/]+\}`)
	for r := range documented {
		method, path, _ := strings.Cut(r, " ")
		req := httptest.NewRequest(method, param.ReplaceAllString(path, "x1"), nil)
		if _, pattern := a.mux.Handler(req); pattern != r {
			t.Errorf("documented %q is served by pattern %q", r, pattern)
		}
	}
}

func TestOpenAPIOperations(t *testing.T) {
	doc := loadOpenAPI(t)
	tags := make(map[string]bool)
	for _, x := range docList(doc["tags"]) {
		if name, _ := x.(map[string]any)["name"].(string); name != "" {
			tags[name] = true
		}
	}
	for _, want := range []string{"Accounts", "Graph", "Conversations", "Messages", "Events", "Operations"} {
		if !tags[want] {
			t.Errorf("tag %q is not declared", want)
		}
	}
	components := openapiObject(t, doc, "components")
	params, _ := components["parameters"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	ids := make(map[string]string)
	template := regexp.MustCompile(`\{([^}/]+)\}`)

	for r, op := range documentedRoutes(t, doc) {
		id, _ := op["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", r)
		} else if prev, dup := ids[id]; dup {
			t.Errorf("%s: operationId %q is also used by %s", r, id, prev)
		}
		ids[id] = r
		opTags := docList(op["tags"])
		if len(opTags) == 0 {
			t.Errorf("%s: no tag", r)
		}
		for _, tag := range opTags {
			if s, _ := tag.(string); !tags[s] {
				t.Errorf("%s: tag %v is not declared in tags", r, tag)
			}
		}
		if resp, _ := op["responses"].(map[string]any); len(resp) == 0 {
			t.Errorf("%s: no responses", r)
		}
		for _, req := range docList(op["security"]) {
			reqMap, _ := req.(map[string]any)
			for name := range reqMap {
				if _, ok := schemes[name]; !ok {
					t.Errorf("%s: security scheme %q is not defined", r, name)
				}
			}
		}

		// Every {param} of the template is declared as a path parameter, and
		// no path parameter is declared that the template lacks.
		_, path, _ := strings.Cut(r, " ")
		want := make(map[string]bool)
		for _, m := range template.FindAllStringSubmatch(path, -1) {
			want[m[1]] = true
		}
		got := make(map[string]bool)
		for _, p := range docList(op["parameters"]) {
			pm, _ := p.(map[string]any)
			if ref, ok := pm["$ref"].(string); ok {
				pm, _ = params[strings.TrimPrefix(ref, "#/components/parameters/")].(map[string]any)
			}
			if pm["in"] == "path" {
				name, _ := pm["name"].(string)
				got[name] = true
				if pm["required"] != true {
					t.Errorf("%s: path parameter %q must be required", r, name)
				}
			}
		}
		for name := range want {
			if !got[name] {
				t.Errorf("%s: path parameter {%s} is not declared", r, name)
			}
		}
		for name := range got {
			if !want[name] {
				t.Errorf("%s: declares path parameter %q that the path lacks", r, name)
			}
		}
	}
}

// TestOpenAPIErrorCodes checks that the Error schema lists exactly the codes
// the API maps to statuses.
func TestOpenAPIErrorCodes(t *testing.T) {
	doc := loadOpenAPI(t)
	schemas := openapiObject(t, openapiObject(t, doc, "components"), "schemas")
	var codes []string
	errSchema, _ := schemas["Error"].(map[string]any)
	if env, ok := digObject(errSchema, "properties", "error", "properties", "code"); ok {
		for _, c := range docList(env["enum"]) {
			s, _ := c.(string)
			codes = append(codes, s)
		}
	}
	var want []string
	for code := range statuses {
		want = append(want, code)
	}
	slices.Sort(codes)
	slices.Sort(want)
	if !slices.Equal(codes, want) {
		t.Errorf("Error.error.code enum = %v, want the codes of statuses %v", codes, want)
	}
}

func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadOpenAPI(t)
	n := 0
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if k == "$ref" {
					n++
					ref, _ := val.(string)
					if !strings.HasPrefix(ref, "#/components/") {
						t.Errorf("%s: $ref %q does not point into #/components/", at, val)
					} else if _, ok := resolvePointer(doc, strings.TrimPrefix(ref, "#")); !ok {
						t.Errorf("%s: $ref %q does not resolve", at, ref)
					}
					continue
				}
				walk(val, at+"/"+k)
			}
		case []any:
			for i, val := range x {
				walk(val, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "")
	if n == 0 {
		t.Error("openapi.json has no $ref at all; expected shared components")
	}
}

// resolvePointer follows a JSON pointer (RFC 6901) such as "/components/schemas/Account".
func resolvePointer(doc any, ptr string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		switch x := cur.(type) {
		case map[string]any:
			v, ok := x[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			cur = x[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func digObject(m map[string]any, keys ...string) (map[string]any, bool) {
	for _, k := range keys {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	return m, true
}

func docList(v any) []any {
	l, _ := v.([]any)
	return l
}
