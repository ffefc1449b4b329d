package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestShellRoutes(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/", "/@alice", "/@bob_2", "/login", "/signup", "/inbox", "/requests",
		"/archived", "/c/01jabc", "/settings", "/new-group", "/new", "/new/@bob"} {
		res := get(t, h, "GET", p, nil)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", p, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
		if !strings.Contains(string(body), `<script type="module" src="/static/js/app.js">`) {
			t.Errorf("GET %s: not the app shell", p)
		}
		checkSecurityHeaders(t, p, res.Header)
	}
}

func checkSecurityHeaders(t *testing.T, p string, h http.Header) {
	t.Helper()
	if got := h.Get("Content-Security-Policy"); got != contentSecurityPolicy {
		t.Errorf("%s: CSP %q", p, got)
	}
	if strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") {
		t.Errorf("%s: CSP allows unsafe-inline", p)
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", p, got)
	}
	if got := h.Get("Referrer-Policy"); got != "same-origin" {
		t.Errorf("%s: Referrer-Policy %q", p, got)
	}
}

func TestNotFound(t *testing.T) {
	h := Handler()
	for _, p := range []string{"/nope", "/c/", "/c/a/b", "/@", "/@a/b", "/static/missing.js", "/static/"} {
		res := get(t, h, "GET", p, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, res.StatusCode)
		}
		checkSecurityHeaders(t, p, res.Header)
	}
	if res := get(t, h, "POST", "/inbox", nil); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /inbox: status %d, want 405", res.StatusCode)
	}
}

func TestStaticFiles(t *testing.T) {
	h := Handler()
	cases := map[string]string{
		"/static/app.css":     "text/css; charset=utf-8",
		"/static/js/app.js":   "text/javascript; charset=utf-8",
		"/static/favicon.svg": "image/svg+xml",
	}
	for p, want := range cases {
		res := get(t, h, "GET", p, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", p, res.StatusCode)
		}
		if ct := res.Header.Get("Content-Type"); ct != want {
			t.Errorf("GET %s: Content-Type %q, want %q", p, ct, want)
		}
		checkSecurityHeaders(t, p, res.Header)
		etag := res.Header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", p)
		}
		again := get(t, h, "GET", p, map[string]string{"If-None-Match": etag})
		if again.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: status %d, want 304", p, again.StatusCode)
		}
	}
}

// TestNoInlineCodeOrHTMLInjection guards the two rules that make the CSP and
// the escaping hold: the shell has no inline script or style, and no script
// builds markup from strings (user text only ever goes in as text nodes).
func TestNoInlineCodeOrHTMLInjection(t *testing.T) {
	shell, err := staticFiles.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).Match(shell) {
		t.Error("index.html has an inline script")
	}
	if regexp.MustCompile(`(?i)<style|\sstyle=|\son[a-z]+=`).Match(shell) {
		t.Error("index.html has an inline style or event handler")
	}
	banned := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function`)
	err = fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		if m := banned.Find(b); m != nil {
			t.Errorf("%s uses %s", p, m)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
