package api

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"mime"
	"net/http"
	"path"
)

// The browsable API reference at /api/docs: Swagger UI (vendored from npm
// into docsui/, see docs/api.md) over /api/openapi.json, served from the
// binary. It runs under the same Content-Security-Policy as the web app:
// nothing inline, nothing from another origin.

//go:embed docsui
var docsFiles embed.FS

// docsCSP is the web app's policy (internal/web) without the remote (https:)
// images the app allows for product cards; the browser test of /api/docs
// checks the page against it.
const docsCSP = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// docsServed are the files of docsui a browser may fetch.
var docsServed = map[string]bool{"swagger-ui-bundle.js": true, "swagger-ui.css": true, "init.js": true, "docs.css": true}

func (a *API) docs(w http.ResponseWriter, r *http.Request) {
	a.docsFile(w, r, "index.html")
}

func (a *API) docsAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !docsServed[name] {
		a.error(w, r, errNoRoute)
		return
	}
	a.docsFile(w, r, name)
}

func (a *API) docsFile(w http.ResponseWriter, r *http.Request, name string) {
	b, err := docsFiles.ReadFile("docsui/" + name)
	if err != nil {
		a.error(w, r, errNoRoute)
		return
	}
	sum := sha256.Sum256(b)
	h := w.Header()
	ct := mime.TypeByExtension(path.Ext(name))
	if name == "index.html" {
		ct = "text/html; charset=utf-8"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", docsCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	h.Set("Cache-Control", "no-cache")
	if r.Header.Get("If-None-Match") == h.Get("ETag") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(b)
}
