package e2e

import (
	"strings"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	chat "github.com/bluesky-social/indigo/api/chat"
	"github.com/bluesky-social/indigo/xrpc"
)

// Defects found by running the official TypeScript client (@atproto/api),
// which validates every answer against its lexicons and refuses a whole
// answer over one invalid field. The answers here are checked the same way
// (checkRecorded, with indigo's validator).

// TestXRPCLongNativeText: a native message may hold 4,000 characters, the
// lexicon's messageView.text at most 1,000 graphemes. Every view of such a
// message (getMessages, a convo's lastMessage, listConvos, getLog) answers
// it cut to fit, so that the client can read the conversation at all.
func TestXRPCLongNativeText(t *testing.T) {
	e := start(t, limitsOff)
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	aliceN := e.user("alice")
	e.user("bob")
	alice := xlogin(t, e, rec, "alice", password("alice"))
	bob := xlogin(t, e, rec, "bob", password("bob"))
	conv, err := chat.ConvoGetConvoForMembers(ctx, alice.x, []string{bob.did})
	must(t, err, "getConvoForMembers")
	id := conv.Convo.Id
	from, err := chat.ConvoGetLog(ctx, bob.x, "")
	must(t, err, "getLog")

	long := strings.Repeat("0123456789", 150) // 1,500 characters
	e.send(aliceN, id, long)

	page, err := chat.ConvoGetMessages(ctx, bob.x, id, "", 10)
	if ok(t, err, "getMessages") {
		m := page.Messages[0].ConvoDefs_MessageView
		if m == nil || len(m.Text) != 999+len("…") || !strings.HasPrefix(long, strings.TrimSuffix(m.Text, "…")) {
			t.Errorf("the long message: %+v", page.Messages[0])
		}
	}
	_, err = chat.ConvoGetConvo(ctx, bob.x, id)
	ok(t, err, "getConvo")
	_, err = chat.ConvoListConvos(ctx, bob.x, "", "", 50, "", "", "request")
	ok(t, err, "listConvos")
	_, err = chat.ConvoGetLog(ctx, bob.x, *from.Cursor)
	ok(t, err, "getLog")
	_, err = chat.ConvoGetLog(ctx, alice.x, "0000000000000000")
	ok(t, err, "getLog from the start")

	checkRecorded(t, rec)
}

// TestXRPCSuspendedLogin: a suspended account's createSession (right
// password) is 401 AccountTakedown, the lexicon's error, which the
// TypeScript client turns into its AccountTakedownError; it was a bare
// 403 Forbidden. A wrong password still says nothing of the suspension.
func TestXRPCSuspendedLogin(t *testing.T) {
	clk := &clock{t: time.Now()}
	e, srv := startModerated(t, clk)
	rec := &recorder{base: e.doc}
	e.user("spammer")
	op := operatorUser(t, e, srv, "opal")
	xlogin(t, e, rec, "spammer", password("spammer"))
	_, err := op.Suspend(e.ctx, "spammer", true, "", "bulk requests")
	must(t, err, "suspend")
	x := &xrpc.Client{Host: e.url, Client: rec.client()}
	_, err = comatproto.ServerCreateSession(e.ctx, x, &comatproto.ServerCreateSession_Input{Identifier: "spammer", Password: password("spammer")})
	wantXRPC(t, err, 401, "AccountTakedown", "createSession of a suspended account")
	_, err = comatproto.ServerCreateSession(e.ctx, x, &comatproto.ServerCreateSession_Input{Identifier: "spammer", Password: "wrong password"})
	wantXRPC(t, err, 401, "AuthenticationRequired", "createSession of a suspended account, wrong password")
	checkRecorded(t, rec)
}

// TestXRPCAcceptTwice: acceptConvo answers the rev of the accept, and no
// rev when the conversation was already accepted, as the lexicon says
// ("If not present, the convo was already accepted"); it answered a rev
// every time.
func TestXRPCAcceptTwice(t *testing.T) {
	e := start(t, limitsOff)
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	aliceN := e.user("alice")
	e.user("bob")
	alice := xlogin(t, e, rec, "alice", password("alice"))
	bob := xlogin(t, e, rec, "bob", password("bob"))
	conv, err := chat.ConvoGetConvoForMembers(ctx, alice.x, []string{bob.did})
	must(t, err, "getConvoForMembers")
	e.send(aliceN, conv.Convo.Id, "hi bob") // bob does not follow alice: a request
	first, err := chat.ConvoAcceptConvo(ctx, bob.x, &chat.ConvoAcceptConvo_Input{ConvoId: conv.Convo.Id})
	if ok(t, err, "acceptConvo of a request") && (first.Rev == nil || *first.Rev == "") {
		t.Error("acceptConvo of a request: no rev")
	}
	again, err := chat.ConvoAcceptConvo(ctx, bob.x, &chat.ConvoAcceptConvo_Input{ConvoId: conv.Convo.Id})
	if ok(t, err, "acceptConvo again") && again.Rev != nil {
		t.Errorf("acceptConvo of an accepted convo: rev %q", *again.Rev)
	}
	mine, err := chat.ConvoAcceptConvo(ctx, alice.x, &chat.ConvoAcceptConvo_Input{ConvoId: conv.Convo.Id})
	if ok(t, err, "acceptConvo by the starter") && mine.Rev != nil {
		t.Errorf("acceptConvo by the member who started it: rev %q", *mine.Rev)
	}
	_, err = chat.ConvoAcceptConvo(ctx, bob.x, &chat.ConvoAcceptConvo_Input{ConvoId: "nope"})
	wantXRPC(t, err, 400, "InvalidConvo", "acceptConvo of an unknown convo")
	checkRecorded(t, rec)
}
