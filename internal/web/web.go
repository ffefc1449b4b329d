// Package web serves Parley's web app: a single-page app of plain JavaScript
// modules, CSS and one HTML shell, embedded in the binary so that `parley
// serve` needs no CDN, no Node and no build step. The app talks to the JSON
// API (/api/v1/...) and the WebSocket event stream like any other client; this
// package only serves files.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFiles embed.FS

// contentSecurityPolicy allows nothing inline and nothing from another
// origin: every script and style comes from /static/, and user strings are
// only ever inserted as text, so an injected tag has nothing to run. The
// one exception is images over https: a product card's picture lives on
// the brand's shop (js/catalog.js shows it without a referrer).
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: https:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// asset is one embedded file, prepared once: its bytes, content type and a
// strong ETag, so that browsers revalidate cheaply and never run a stale
// module after an upgrade.
type asset struct {
	body  []byte
	ctype string
	etag  string
}

// app holds the prepared files. It is built once per Handler call and never
// mutated afterwards, so it is safe for concurrent use.
type app struct {
	shell  asset
	assets map[string]asset // keyed by the path under /static/
}

// Handler returns the web app: the HTML shell for the app's pages (client-side
// routes) and the static files under /static/. The server mounts it as the
// fallback "/" route, after every /api/... route.
func Handler() http.Handler {
	a, err := load()
	if err != nil {
		// The files are compiled into the binary; failing to read them is a
		// build defect, not a runtime condition.
		panic("web: embedded files: " + err.Error())
	}
	mux := http.NewServeMux()
	for _, p := range []string{"/{$}", "/login", "/signup", "/inbox", "/requests", "/archived",
		"/settings", "/new-group", "/new", "/new/{who}", "/c/{id}",
		"/brands", "/brands/{handle}", "/brands/{handle}/c/{id}", "/brands/{handle}/analytics", "/brands/{handle}/settings",
		"/brands/{handle}/automation", "/reset-password", "/moderation", "/brands/{handle}/campaigns", "/brands/{handle}/surveys",
		"/brands/{handle}/creators"} {
		mux.HandleFunc("GET "+p, a.serveShell)
	}
	mux.HandleFunc("GET /static/{file...}", a.serveStatic)
	mux.HandleFunc("/", a.serveOther)
	return mux
}

func load() (*app, error) {
	a := &app{assets: make(map[string]asset)}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = http.DetectContentType(b)
		}
		a.assets[strings.TrimPrefix(p, "static/")] = asset{
			body:  b,
			ctype: ct,
			etag:  `"` + hex.EncodeToString(sum[:12]) + `"`,
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	shell, ok := a.assets["index.html"]
	if !ok {
		return nil, fs.ErrNotExist
	}
	shell.ctype = "text/html; charset=utf-8"
	a.shell = shell
	delete(a.assets, "index.html")
	return a, nil
}

// securityHeaders are set on every response of this handler, HTML or not.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
}

func (a *app) serveShell(w http.ResponseWriter, r *http.Request) {
	a.serve(w, r, a.shell, http.StatusOK)
}

func (a *app) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := a.assets[r.PathValue("file")]
	if !ok {
		securityHeaders(w.Header())
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	a.serve(w, r, f, http.StatusOK)
}

// serveOther handles every path that is not a fixed route: profiles
// (/@handle, which ServeMux patterns cannot express because a wildcard must
// fill a whole segment), and 404s. Unknown /api/ paths never get here: the
// API's own catch-all answers them in its JSON error shape.
func (a *app) serveOther(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		securityHeaders(w.Header())
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	case isProfilePath(r.URL.Path):
		a.serve(w, r, a.shell, http.StatusOK)
	default:
		// The shell renders its own "page not found" view; the status tells
		// crawlers and tests the truth.
		a.serve(w, r, a.shell, http.StatusNotFound)
	}
}

// isProfilePath reports whether p is /@handle with a plausible handle; the
// app asks the API whether the account exists.
func isProfilePath(p string) bool {
	h, ok := strings.CutPrefix(p, "/@")
	if !ok || h == "" || len(h) > 64 {
		return false
	}
	return !strings.ContainsAny(h, "/")
}

func (a *app) serve(w http.ResponseWriter, r *http.Request, f asset, status int) {
	h := w.Header()
	securityHeaders(h)
	h.Set("Content-Type", f.ctype)
	// no-cache means "revalidate", not "do not store": with the ETag a
	// repeat visit costs a 304.
	h.Set("Cache-Control", "no-cache")
	if status != http.StatusOK {
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write(f.body)
		}
		return
	}
	h.Set("ETag", f.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
