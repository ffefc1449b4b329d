package xrpc

import (
	"net/http"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// TestBlueskyWording: the refusals Bluesky's app recognises by their
// message (social-app's Convo.handleSendMessageFailure matches the exact
// text, not the error name) carry Bluesky's wording, under the error names
// of docs/xrpc.md; they carried the native API's messages.
func TestBlueskyWording(t *testing.T) {
	refused := func(reason string) error {
		e := dm.Errorf(dm.EFORBIDDEN, "native wording")
		e.Reason = reason
		return e
	}
	me := &dm.Account{ID: "u1"}
	suspended := &dm.Account{ID: "u2", Suspended: true}
	for _, tc := range []struct {
		what   string
		err    error
		status int
		name   string
		msg    string
	}{
		{"the caller blocks the other", sendError(me, refused(dm.ReasonBlockedByYou)), 400, "BlockedActor", "block between recipient and sender"},
		{"the other blocks the caller", sendError(me, refused(dm.ReasonBlocksYou)), 400, "BlockedSubject", "block between recipient and sender"},
		{"the other accepts no messages", sendError(me, refused(dm.ReasonNotAccepting)), 400, "MessagesDisabled", "recipient has disabled incoming messages"},
		{"the other accepts only those they follow", sendError(me, refused(dm.ReasonNotFollowed)), 400, "NotFollowedBySender", "recipient requires incoming messages to come from someone they follow"},
		{"not a member", sendError(me, dm.Errorf(dm.ENOTFOUND, "No conversation.")), 400, "InvalidConvo", "Convo not found"},
		{"a suspended sender", sendError(suspended, dm.Errorf(dm.EFORBIDDEN, "This account is suspended.")), 403, "Forbidden", "Account is disabled"},
		{"a suspended sender blocked", sendError(suspended, refused(dm.ReasonBlocksYou)), 400, "BlockedSubject", "block between recipient and sender"},
		{"another refusal", sendError(me, dm.Errorf(dm.EFORBIDDEN, "native wording")), http.StatusForbidden, "Forbidden", "native wording"},
		{"getConvoForMembers, blocked", recipientError(refused(dm.ReasonBlocksYou)), 400, "BlockedSubject", "block between recipient and sender"},
	} {
		e := xrpcError(tc.err)
		if e.Status != tc.status || e.Name != tc.name || e.Message != tc.msg {
			t.Errorf("%s: %d %s %q, want %d %s %q", tc.what, e.Status, e.Name, e.Message, tc.status, tc.name, tc.msg)
		}
	}
}
