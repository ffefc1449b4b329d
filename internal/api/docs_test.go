package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestDocsPage serves the reference's files with the web app's security
// headers and nothing else of docsui (licences, VERSION) by name.
func TestDocsPage(t *testing.T) {
	a := New(Config{})
	for _, c := range []struct {
		path, ctype string
		status      int
	}{
		{"/api/docs", "text/html; charset=utf-8", 200},
		{"/api/docs/init.js", "text/javascript; charset=utf-8", 200},
		{"/api/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8", 200},
		{"/api/docs/swagger-ui.css", "text/css; charset=utf-8", 200},
		{"/api/docs/VERSION", "application/json", 404},
		{"/api/docs/LICENSE.swagger-ui", "application/json", 404},
		{"/api/docs/index.html", "application/json", 404},
	} {
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		if rec.Code != c.status || rec.Header().Get("Content-Type") != c.ctype {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, rec.Code, rec.Header().Get("Content-Type"), c.status, c.ctype)
		}
		if c.status == 200 && rec.Header().Get("Content-Security-Policy") != docsCSP {
			t.Errorf("GET %s: CSP %q", c.path, rec.Header().Get("Content-Security-Policy"))
		}
		if c.status == 200 {
			rec2 := httptest.NewRecorder()
			req := httptest.NewRequest("GET", c.path, nil)
			req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
			a.ServeHTTP(rec2, req)
			if rec2.Code != http.StatusNotModified {
				t.Errorf("GET %s with its ETag: %d, want 304", c.path, rec2.Code)
			}
		}
	}
}

// TestDocsVendoredVersion keeps the vendored Swagger UI at the version
// tools/apilint pins (make api-docs-vendor copies it).
func TestDocsVendoredVersion(t *testing.T) {
	raw, err := os.ReadFile("../../tools/apilint/package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dev map[string]string `json:"devDependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	v, err := docsFiles.ReadFile("docsui/VERSION")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(v)), pkg.Dev["swagger-ui-dist"]; got != want {
		t.Errorf("internal/api/docsui has Swagger UI %s, tools/apilint pins %s: run make api-docs-vendor", got, want)
	}
}
