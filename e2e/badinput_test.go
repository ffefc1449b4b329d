package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/client"
)

// TestBadInput sends what a broken or hostile client might: every answer must
// be a 4xx with the error envelope, never a 500.
func TestBadInput(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	vee, wuu := e.user("vee"), e.user("wuu")
	conv := e.direct(vee, "wuu")
	m := e.send(vee, conv.ID, "target")
	msgs := "/api/v1/conversations/" + conv.ID + "/messages"

	big := `{"text":"` + strings.Repeat("a", 1<<20+10) + `"}`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int // 0: any 4xx
	}{
		{"malformed JSON", "POST", msgs, `{"text":`, 400},
		{"not an object", "POST", msgs, `["hi"]`, 400},
		{"text of the wrong type", "POST", msgs, `{"text":5}`, 400},
		{"client_id of the wrong type", "POST", msgs, `{"text":"hi","client_id":{}}`, 400},
		{"trailing garbage", "POST", msgs, `{"text":"hi"} {"text":"again"}`, 400},
		{"empty body", "POST", msgs, ``, 400},
		{"invalid UTF-8", "POST", msgs, "{\"text\":\"caf\xe9\"}", 400},
		{"NUL in text", "POST", msgs, `{"text":"a\u0000b"}`, 400},
		{"empty text", "POST", msgs, `{"text":""}`, 400},
		{"blank text", "POST", msgs, `{"text":" \n\t "}`, 400},
		{"4001 characters", "POST", msgs, `{"text":"` + strings.Repeat("é", 4001) + `"}`, 400},
		{"body over 1 MiB", "POST", msgs, big, 413},
		{"signup body over 1 MiB", "POST", "/api/v1/accounts", `{"handle":"x","password":"` + strings.Repeat("p", 1<<20+10) + `"}`, 413},
		{"signup malformed", "POST", "/api/v1/accounts", `{"handle":"abc","password":`, 400},
		{"signup handle of the wrong type", "POST", "/api/v1/accounts", `{"handle":["abc"],"password":"12345678"}`, 400},
		{"login password of the wrong type", "POST", "/api/v1/sessions", `{"handle":"vee","password":12345678}`, 400},
		{"me read_receipts of the wrong type", "PATCH", "/api/v1/me", `{"read_receipts":"yes"}`, 400},
		{"me display_name too long", "PATCH", "/api/v1/me", `{"display_name":"` + strings.Repeat("n", 65) + `"}`, 400},
		{"me bio too long", "PATCH", "/api/v1/me", `{"bio":"` + strings.Repeat("b", 301) + `"}`, 400},
		{"conversation members of the wrong type", "POST", "/api/v1/conversations", `{"members":"wuu"}`, 400},
		{"conversation title too long", "POST", "/api/v1/conversations", `{"members":["wuu","vee"],"title":"` + strings.Repeat("t", 101) + `"}`, 400},
		{"patch muted of the wrong type", "PATCH", "/api/v1/conversations/" + conv.ID, `{"muted":"yes"}`, 400},
		{"read message_id of the wrong type", "POST", "/api/v1/conversations/" + conv.ID + "/read", `{"message_id":7}`, 400},
		{"edit malformed", "PATCH", "/api/v1/messages/" + m.ID, `{"text"`, 400},
		{"edit too long", "PATCH", "/api/v1/messages/" + m.ID, `{"text":"` + strings.Repeat("x", 4001) + `"}`, 400},
		{"edit invalid UTF-8", "PATCH", "/api/v1/messages/" + m.ID, "{\"text\":\"\xff\xfe\"}", 400},
		{"events cursor", "GET", "/api/v1/events?cursor=%00", "", 400},
		{"events limit", "GET", "/api/v1/events?cursor=0&limit=many", "", 0},
		{"conversations limit", "GET", "/api/v1/conversations?limit=-5", "", 0},
		{"conversations cursor", "GET", "/api/v1/conversations?cursor=%ff%fe", "", 0},
		{"odd conversation id", "GET", "/api/v1/conversations/..%2F..%2Fetc", "", 0},
		{"odd message id", "PATCH", "/api/v1/messages/%27%20OR%201%3D1", `{"text":"x"}`, 0},
		{"search limit", "GET", "/api/v1/accounts?q=v&limit=x", "", 0},
	} {
		var body *bytes.Reader
		if tc.body != "" || tc.method != "GET" {
			body = bytes.NewReader([]byte(tc.body))
		}
		var err error
		if body != nil {
			_, err = vee.Do(ctx, tc.method, tc.path, body, nil)
		} else {
			_, err = vee.Do(ctx, tc.method, tc.path, nil, nil)
		}
		what := fmt.Sprintf("%s %s (%s)", tc.method, short(tc.path), tc.name)
		if tc.status == 0 {
			want4xx(t, err, what)
		} else {
			wantStatus(t, err, tc.status, what)
		}
	}

	// Exactly 4,000 characters is allowed.
	_, _, err := vee.Send(ctx, conv.ID, client.SendParams{Text: strings.Repeat("é", 4000)})
	ok(t, err, "send of exactly 4000 characters")
	// Nothing above created a message.
	all, _, err := wuu.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "list") && len(all) != 2 {
		t.Errorf("after the bad sends: want 2 messages (target and the 4000-character one), got %d", len(all))
	}
	// The server still works for the same connection pool and account.
	_, _, err = vee.Me(ctx)
	ok(t, err, "GET /me after the bad input")
}

func short(p string) string {
	if len(p) > 60 {
		return p[:60] + "..."
	}
	return p
}

func TestSendRateLimit(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOn)
	ctx := e.ctx
	xan, yul := e.user("xan"), e.user("yul")
	must(t, yul.Follow(ctx, "xan"), "yul follows xan")
	conv := e.direct(xan, "yul")

	var last error
	sent := 0
	for range 2000 {
		_, _, last = xan.Send(ctx, conv.ID, client.SendParams{Text: "flood"})
		if last != nil {
			break
		}
		sent++
	}
	ce := wantStatus(t, last, http.StatusTooManyRequests, fmt.Sprintf("send after %d quick sends", sent))
	if ce != nil {
		t.Logf("send rate limited after %d messages, Retry-After %v", sent, ce.RetryAfter)
		if ce.Code != "rate_limited" {
			t.Errorf("rate-limited send: want code rate_limited, got %s", ce.Code)
		}
		if ce.RetryAfter <= 0 {
			t.Errorf("rate-limited send: want a positive Retry-After, got %v", ce.RetryAfter)
		}
	}
	// The limit is per account: yul can still send.
	_, _, err := yul.Send(ctx, conv.ID, client.SendParams{Text: "I'm fine"})
	ok(t, err, "another account sends while xan is limited")
}
