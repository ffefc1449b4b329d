package e2e

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCSRFHoldsWithUpgradeHeader checks that an Upgrade header does not
// let a cookie-authenticated state change skip the CSRF check: only the
// stream's handshake (a GET) is told apart by that header. Each refused
// request must change nothing.
func TestCSRFHoldsWithUpgradeHeader(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	sam, tim := e.user("sam"), e.user("tim")
	conv := e.direct(tim, "sam")
	m := e.send(tim, conv.ID, "hello sam")
	ck, csrf, _ := cookieSession(t, e, "sam")
	u, _ := url.Parse(e.url)

	do := func(p probe, token string) (int, string) {
		var body io.Reader
		if p.body != "" {
			body = strings.NewReader(p.body)
		}
		req, err := http.NewRequestWithContext(ctx, p.method, e.url+p.path, body)
		must(t, err, "request")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Origin", "http://"+u.Host)
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		if token != "" {
			req.Header.Set("X-CSRF-Token", token)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err, p.String())
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, p := range []probe{
		{"PATCH", "/api/v1/me", `{"display_name":"CSRF"}`},
		{"POST", "/api/v1/conversations/" + conv.ID + "/messages", `{"text":"CSRF"}`},
		{"PUT", "/api/v1/messages/" + m.ID + "/reactions/%F0%9F%91%8D", ""},
		{"PATCH", "/api/v1/conversations/" + conv.ID, `{"muted":true}`},
		{"PUT", "/api/v1/accounts/tim/block", ""},
		{"DELETE", "/api/v1/sessions/current", ""},
	} {
		for _, token := range []string{"", "wrong"} {
			if status, body := do(p, token); status != http.StatusForbidden {
				t.Errorf("cookie %s with Upgrade: websocket and X-CSRF-Token %q: want 403, got %d %s", p, token, status, body)
			}
		}
	}
	me, _, err := sam.Me(ctx)
	must(t, err, "me")
	c, err := sam.Conversation(ctx, conv.ID)
	must(t, err, "conversation (the session must still work)")
	msgs, _, err := sam.Messages(ctx, conv.ID, "", 10)
	must(t, err, "messages")
	if me.DisplayName == "CSRF" || c.Muted || len(msgs) != 1 || len(msgs[0].Reactions) != 0 {
		t.Errorf("a refused cookie request with an Upgrade header changed state: me %+v, muted %v, messages %+v", me, c.Muted, msgs)
	}
	if p, err := sam.Account(ctx, "tim"); err != nil || p.BlockedByMe {
		t.Errorf("a refused cookie block with an Upgrade header: profile %+v, %v", p, err)
	}
	// The right token still works with the header, and the stream's own
	// handshake from this site still opens.
	if status, body := do(probe{"PATCH", "/api/v1/me", `{"bio":"with upgrade"}`}, csrf); status != http.StatusOK {
		t.Errorf("cookie PATCH /me with Upgrade and the CSRF token: %d %s", status, body)
	}
	h := http.Header{}
	h.Set("Cookie", ck.Name+"="+ck.Value)
	h.Set("Origin", "http://"+u.Host)
	if got := dialStream(t, e, h); got != http.StatusSwitchingProtocols {
		t.Errorf("cookie WebSocket from this origin: want 101, got %d", got)
	}
}
