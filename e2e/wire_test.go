package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestWireFormat reads answers as raw JSON, the way a JavaScript client
// would: lists are arrays (never null), times are RFC 3339 in UTC, ids are
// strings, fields are snake_case.
func TestWireFormat(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ivy, jay := e.user("ivy"), e.user("jay")
	conv := e.direct(ivy, "jay")
	m := e.send(ivy, conv.ID, "raw")

	raw := func(path string) map[string]any {
		t.Helper()
		var out map[string]any
		_, err := jay.Do(ctx, http.MethodGet, path, nil, &out)
		must(t, err, "GET "+path)
		return out
	}
	isArray := func(where string, v any) []any {
		t.Helper()
		a, isA := v.([]any)
		if !isA {
			t.Errorf("%s: want a JSON array, got %T %v", where, v, v)
		}
		return a
	}
	isUTC := func(where string, v any) {
		t.Helper()
		s, _ := v.(string)
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil || !strings.HasSuffix(s, "Z") || ts.IsZero() {
			t.Errorf("%s: want an RFC 3339 UTC time, got %v", where, v)
		}
	}
	isString := func(where string, v any) {
		t.Helper()
		if s, isS := v.(string); !isS || s == "" {
			t.Errorf("%s: want a non-empty string, got %T %v", where, v, v)
		}
	}

	msgs := isArray("messages", raw("/api/v1/conversations/" + conv.ID + "/messages")["messages"])
	if len(msgs) == 1 {
		mm := msgs[0].(map[string]any)
		isString("message.id", mm["id"])
		isString("message.conversation_id", mm["conversation_id"])
		isUTC("message.created_at", mm["created_at"])
		isArray("message.reactions", mm["reactions"])
		if _, has := mm["seq"].(float64); !has {
			t.Errorf("message.seq: want a number, got %v", mm["seq"])
		}
		if s, _ := mm["sender"].(map[string]any); s == nil || s["handle"] != "ivy" {
			t.Errorf("message.sender: want {id, handle: ivy, display_name}, got %v", mm["sender"])
		}
	}
	convs := isArray("conversations", raw("/api/v1/conversations?folder=requests")["conversations"])
	if len(convs) == 1 {
		cm := convs[0].(map[string]any)
		isArray("conversation.members", cm["members"])
		isUTC("conversation.updated_at", cm["updated_at"])
		for _, k := range []string{"id", "kind", "title", "status", "muted", "archived", "unread_count", "last_message"} {
			if _, has := cm[k]; !has {
				t.Errorf("conversation: field %s missing: %v", k, cm)
			}
		}
	}
	isArray("empty inbox", raw("/api/v1/conversations?folder=archived")["conversations"])
	isArray("no followers", raw("/api/v1/accounts/jay/followers")["accounts"])
	isArray("empty search", raw("/api/v1/accounts?q=zzz")["accounts"])
	ev := raw("/api/v1/events")
	isArray("no events", ev["events"])
	isString("events cursor", ev["cursor"])
	me := raw("/api/v1/me")
	if a, _ := me["account"].(map[string]any); a == nil {
		t.Errorf("GET /me: want {account, settings}, got %v", me)
	} else {
		isUTC("account.created_at", a["created_at"])
		for _, k := range []string{"id", "handle", "display_name", "bio", "kind"} {
			if _, has := a[k]; !has {
				t.Errorf("account: field %s missing: %v", k, a)
			}
		}
	}
	if s, _ := me["settings"].(map[string]any); s == nil || s["allow_incoming"] != "everyone" || s["read_receipts"] != true {
		t.Errorf("GET /me settings: want {allow_incoming: everyone, read_receipts: true}, got %v", me["settings"])
	}
	// A message sent with a reply carries it as a string id.
	var out map[string]any
	_, err := ivy.Do(ctx, http.MethodPost, "/api/v1/conversations/"+conv.ID+"/messages",
		strings.NewReader(`{"text":"re raw","reply_to":"`+m.ID+`"}`), &out)
	must(t, err, "send a reply")
	if mm, _ := out["message"].(map[string]any); mm == nil || mm["reply_to"] != m.ID {
		t.Errorf("reply: want reply_to %q, got %v", m.ID, out)
	}
	b, _ := json.Marshal(out)
	if strings.Contains(string(b), "Seq") || strings.Contains(string(b), "ConversationID") {
		t.Errorf("fields must be snake_case: %s", b)
	}
}
