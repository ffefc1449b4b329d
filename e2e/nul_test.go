package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/server"
)

// TestNULRefused: a NUL is no id, handle, cursor or value of anything, in a
// path, a query or a JSON body, on the API and the XRPC surface: a path
// holding one names nothing (404), a query or body holding one is a 400
// that says so (naming the field in a body), on both stores. PostgreSQL refuses
// a NUL in text, so every lookup of an id or handle holding one was a 500
// there (SQLite said 404).
func TestNULRefused(t *testing.T) {
	t.Parallel()
	onBothStores(t, testNULRefused)
}

func testNULRefused(t *testing.T, pgURL string) {
	e := startWith(t, limitsOff, func(cfg *server.Config) { cfg.PostgresURL = pgURL })
	ctx := e.ctx
	ivy := e.user("ivy")
	e.user("jon")
	conv := e.direct(ivy, "jon")
	msg := e.send(ivy, conv.ID, "hello")
	for _, tc := range []struct {
		method, path, body string
		status             int
		names              string
	}{
		{"GET", "/api/v1/conversations/a%00b", "", 404, "NUL"},
		{"GET", "/api/v1/accounts/a%00b", "", 404, "NUL"},
		{"GET", "/api/v1/brands/a%00b/inbox", "", 404, "NUL"},
		{"DELETE", "/api/v1/messages/a%00b", "", 404, "NUL"},
		{"GET", "/api/v1/conversations/" + conv.ID + "/messages?before=a%00b", "", 400, "NUL"},
		{"GET", "/api/v1/me/blocks?cursor=a%00b", "", 400, "NUL"},
		{"GET", "/api/v1/search?q=hello&conversation=a%00b", "", 400, "NUL"},
		{"POST", "/api/v1/conversations", `{"members":["jon\u0000"]}`, 400, "members"},
		{"POST", "/api/v1/conversations/" + conv.ID + "/messages", `{"text":"hi","reply_to":"a\u0000b"}`, 400, "reply_to"},
		{"POST", "/api/v1/conversations/" + conv.ID + "/read", `{"message_id":"\u0000"}`, 400, "message_id"},
		{"PATCH", "/api/v1/messages/" + msg.ID, `{"text":"a\u0000b"}`, 400, "text"},
	} {
		what := tc.method + " " + tc.path + " " + tc.body
		var body *strings.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		var err error
		if body != nil {
			_, err = ivy.Do(ctx, tc.method, tc.path, body, nil)
		} else {
			_, err = ivy.Do(ctx, tc.method, tc.path, nil, nil)
		}
		if ce := wantStatus(t, err, tc.status, what); ce != nil && !strings.Contains(ce.Message, tc.names) {
			t.Errorf("%s: the message %q does not name %s", what, ce.Message, tc.names)
		}
	}
	// A backslash and the letters u0000 are text like any other.
	_, err := ivy.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/messages", strings.NewReader(`{"text":"a\\u0000b"}`), nil)
	ok(t, err, `a message with the text a\u0000b`)

	// The XRPC surface, in its own envelope.
	resp, err := http.Post(e.url+"/xrpc/com.atproto.server.createSession", "application/json",
		strings.NewReader(`{"identifier":"ivy","password":"`+password("ivy")+`"}`))
	must(t, err, "xrpc session")
	var sess struct {
		AccessJwt string `json:"accessJwt"`
	}
	json.NewDecoder(resp.Body).Decode(&sess)
	resp.Body.Close()
	for _, p := range []string{"/xrpc/chat.bsky.convo.getConvo?convoId=a%00b", "/xrpc/chat.bsky.convo.getMessages?convoId=" + conv.ID + "&cursor=a%00b"} {
		req, _ := http.NewRequestWithContext(ctx, "GET", e.url+p, nil)
		req.Header.Set("Authorization", "Bearer "+sess.AccessJwt)
		resp, err := http.DefaultClient.Do(req)
		must(t, err, p)
		var out struct{ Error, Message string }
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || out.Error != "InvalidRequest" || !strings.Contains(out.Message, "NUL") {
			t.Errorf("GET %s: %d %+v, want 400 InvalidRequest naming the NUL", p, resp.StatusCode, out)
		}
	}
	resp, err = http.Post(e.url+"/xrpc/com.atproto.server.createSession", "application/json",
		strings.NewReader(`{"identifier":"ivy\u0000","password":"x"}`))
	must(t, err, "xrpc session with a NUL")
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("createSession with a NUL in the identifier: %d, want 400", resp.StatusCode)
	}
}
