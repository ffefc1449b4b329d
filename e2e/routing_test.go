package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestRouting checks the edges of the route table.
func TestRouting(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	c := e.user("tom")
	_, err := c.Do(ctx, http.MethodGet, "/api/v1/nothing-here", nil, nil)
	wantStatus(t, err, http.StatusNotFound, "GET an unknown API path")
	_, err = c.Do(ctx, http.MethodGet, "/api/v1/conversations?limit=100000", nil, nil)
	if err != nil {
		want4xx(t, err, "GET /conversations?limit=100000")
	}
	_, err = c.Do(ctx, http.MethodPut, "/api/v1/me", strings.NewReader(`{}`), nil)
	want4xx(t, err, "PUT /api/v1/me (no such method)")
	for _, p := range []string{"/healthz", "/readyz", "/api/openapi.json", "/metrics"} {
		resp, err := e.doc.httpClient().Get(e.url + p)
		if ok(t, err, "GET "+p) {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("GET %s: want 200, got %d", p, resp.StatusCode)
			}
		}
	}
}
