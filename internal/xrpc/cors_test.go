package xrpc

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCORS: Bluesky's web clients run @atproto/api in the browser on
// their own origin, so the browser sends a preflight OPTIONS before each
// call with an Authorization header and reads only answers that allow its
// origin. The preflight was a 400 (wrong method) and no answer allowed any
// origin, so no browser client could call the surface at all.
func TestCORS(t *testing.T) {
	h, err := New(Config{Host: "parley.test"})
	if err != nil {
		t.Fatal(err)
	}
	pre := httptest.NewRequest(http.MethodOptions, "/xrpc/chat.bsky.convo.listConvos", nil)
	pre.Header.Set("Origin", "https://bsky.app")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	pre.Header.Set("Access-Control-Request-Headers", "authorization,atproto-proxy,atproto-accept-labelers")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, pre)
	hd := w.Result().Header
	if w.Code != http.StatusNoContent || hd.Get("Access-Control-Allow-Origin") != "*" ||
		hd.Get("Access-Control-Allow-Methods") != "GET, HEAD, POST" ||
		hd.Get("Access-Control-Allow-Headers") != "authorization,atproto-proxy,atproto-accept-labelers" {
		t.Errorf("preflight: %d %v", w.Code, hd)
	}

	// A header list that is not one gets the headers Bluesky's client sends.
	pre.Header.Set("Access-Control-Request-Headers", "authorization\r\nx: y")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, pre)
	if got := w.Result().Header.Get("Access-Control-Allow-Headers"); got != corsHeaders {
		t.Errorf("preflight with a bad header list: allows %q", got)
	}

	// Every answer, an error too, allows any origin and exposes the
	// rate-limit headers.
	get := httptest.NewRequest(http.MethodGet, "/xrpc/chat.bsky.convo.listConvos", nil)
	get.Header.Set("Origin", "https://bsky.app")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, get)
	if w.Code != http.StatusUnauthorized || w.Result().Header.Get("Access-Control-Allow-Origin") != "*" ||
		w.Result().Header.Get("Access-Control-Expose-Headers") == "" {
		t.Errorf("a call without a token: %d %v", w.Code, w.Result().Header)
	}

	// An OPTIONS that is no preflight is still the wrong method.
	opt := httptest.NewRequest(http.MethodOptions, "/xrpc/chat.bsky.convo.listConvos", nil)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, opt)
	if w.Code != http.StatusBadRequest {
		t.Errorf("OPTIONS without Access-Control-Request-Method: %d", w.Code)
	}
}
