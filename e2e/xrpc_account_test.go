package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/bluesky-social/indigo/xrpc"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/parleyhq/parley/client"
)

// TestXRPCUnreadCounts: chat.bsky.convo.getUnreadCounts, which Bluesky's
// app asks for its badge, counts the accepted and the request conversations
// with an unread message, leaves muted ones out, and leaves groups out when
// includeGroupChats is false. The lexicon is newer than the indigo module
// the other XRPC tests validate with, so its answer is checked by hand.
func TestXRPCUnreadCounts(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	rec := &recorder{base: e.doc}
	alice, bobN := e.user("alice"), e.user("bob")
	e.user("carol")
	bob := xlogin(t, e, rec, "bob", password("bob"))
	counts := func(params map[string]any) (accepted, requests int64) {
		t.Helper()
		var out struct {
			Accepted *int64 `json:"unreadAcceptedConvos"`
			Requests *int64 `json:"unreadRequestConvos"`
		}
		err := bob.x.Do(ctx, xrpc.Query, "", "chat.bsky.convo.getUnreadCounts", params, nil, &out)
		must(t, err, "getUnreadCounts")
		if out.Accepted == nil || out.Requests == nil {
			t.Fatalf("getUnreadCounts: both counts are required, got %+v", out)
		}
		return *out.Accepted, *out.Requests
	}
	want := func(what string, params map[string]any, accepted, requests int64) {
		t.Helper()
		if a, r := counts(params); a != accepted || r != requests {
			t.Errorf("%s: %d accepted, %d requests; want %d, %d", what, a, r, accepted, requests)
		}
	}
	want("at the start", nil, 0, 0)
	direct := e.direct(alice, "bob")
	e.send(alice, direct.ID, "hi bob")
	want("alice's request", nil, 0, 1)
	_, err := bobN.Accept(ctx, direct.ID)
	must(t, err, "bob accepts")
	want("accepted", nil, 1, 0)

	must(t, bobN.Follow(ctx, "alice"), "bob follows alice")
	group, _, err := alice.CreateConversation(ctx, []string{"bob", "carol"}, "Plans")
	must(t, err, "alice's group")
	e.send(alice, group.ID, "dinner?")
	want("with the group", nil, 2, 0)
	want("groups left out", map[string]any{"includeGroupChats": "false"}, 1, 0)
	want("groups included", map[string]any{"includeGroupChats": "true"}, 2, 0)

	muted := true
	_, err = bobN.UpdateConversation(ctx, direct.ID, client.ConversationUpdate{Muted: &muted})
	must(t, err, "bob mutes alice")
	want("the direct one muted", nil, 1, 0)

	err = bob.x.Do(ctx, xrpc.Query, "", "chat.bsky.convo.getUnreadCounts", map[string]any{"includeGroupChats": "maybe"}, nil, nil)
	wantXRPC(t, err, http.StatusBadRequest, "InvalidRequest", "includeGroupChats=maybe")
}

func init() { openapi3filter.RegisterBodyDecoder("application/jsonl", openapi3filter.FileBodyDecoder) }

// TestXRPCExportAccountData: chat.bsky.actor.exportAccountData, behind
// Bluesky's "Download chat data", is the caller's messages as JSON Lines:
// a messageView a line (a deletedMessageView for an unsent one) with its
// convoId, newest first, only the caller's conversations, nothing they
// deleted for themselves; an account without messages gets an empty file.
func TestXRPCExportAccountData(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	rec := &recorder{base: e.doc}
	alice, bobN, carol := e.user("alice"), e.user("bob"), e.user("carol")
	e.user("dan_x")
	bob := xlogin(t, e, rec, "bob", password("bob"))
	dan := xlogin(t, e, rec, "dan_x", password("dan_x"))
	conv := e.direct(alice, "bob")
	first := e.send(alice, conv.ID, "first")
	hidden := e.send(alice, conv.ID, "hidden by bob")
	must(t, bobN.DeleteMessage(ctx, hidden.ID, false), "bob deletes one for himself")
	unsent := e.send(alice, conv.ID, "unsent")
	must(t, alice.DeleteMessage(ctx, unsent.ID, true), "alice unsends")
	last := e.send(bobN, conv.ID, "last")
	other := e.direct(alice, "carol")
	e.send(carol, other.ID, "not bob's")

	lines := func(x *bsky) []map[string]any {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/xrpc/chat.bsky.actor.exportAccountData", nil)
		req.Header.Set("Authorization", "Bearer "+x.x.Auth.AccessJwt)
		res, err := rec.client().Do(req)
		must(t, err, "exportAccountData")
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/jsonl" {
			t.Fatalf("exportAccountData: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		var out []map[string]any
		dec := json.NewDecoder(res.Body)
		for dec.More() {
			var v map[string]any
			must(t, dec.Decode(&v), "a line of the export")
			out = append(out, v)
		}
		return out
	}
	got := lines(bob)
	type line struct{ typ, id, convo, text string }
	var have []line
	for _, l := range got {
		text, _ := l["text"].(string)
		have = append(have, line{l["$type"].(string), l["id"].(string), l["convoId"].(string), text})
	}
	want := []line{
		{"chat.bsky.convo.defs#messageView", last.ID, conv.ID, "last"},
		{"chat.bsky.convo.defs#deletedMessageView", unsent.ID, conv.ID, ""},
		{"chat.bsky.convo.defs#messageView", first.ID, conv.ID, "first"},
	}
	if !slices.Equal(have, want) {
		t.Errorf("bob's export:\n got %v\nwant %v", have, want)
	}
	if s, _ := got[0]["sender"].(map[string]any); s == nil || s["did"] != bob.did {
		t.Errorf("the sender of bob's message: %v, want %s", got[0]["sender"], bob.did)
	}
	if l := lines(dan); len(l) != 0 {
		t.Errorf("dan has no conversation, his export has %d lines", len(l))
	}
}
