package e2e

import (
	"net/http"
	"testing"

	"github.com/bluesky-social/indigo/xrpc"

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
