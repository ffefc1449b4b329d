package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	chat "github.com/bluesky-social/indigo/api/chat"
	"github.com/bluesky-social/indigo/xrpc"
	"github.com/parleyhq/parley/client"
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
	e, rec, aliceN, alice, bob, conv := lexiconPair(t)
	ctx := e.ctx
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
	e, rec, aliceN, alice, bob, conv := lexiconPair(t)
	ctx := e.ctx
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

// TestXRPCLogPastSkippedEvents: Bluesky's app (social-app's
// MessagesEventBus) polls getLog with the rev of the last entry it received
// as the cursor and ignores the answer's cursor. Events without a log entry
// (here 150 edits, which Bluesky chat lacks) are skipped, and one getLog
// read 100 native events: with more than 100 skipped events in a row, every
// poll read the same skipped ones and answered no entry, so the app never
// saw another message. Now getLog reads on until it has an entry, and the
// last entry's rev covers the skipped events after it.
func TestXRPCLogPastSkippedEvents(t *testing.T) {
	e, rec, aliceN, _, bob, conv := lexiconPair(t)
	ctx := e.ctx
	id := conv.Convo.Id
	first := e.send(aliceN, id, "v0")

	// social-app's poll: the cursor is the rev of the last entry received.
	cursor := ""
	poll := func() (created []string) {
		t.Helper()
		page, err := chat.ConvoGetLog(ctx, bob.x, cursor)
		must(t, err, "getLog")
		if cursor == "" {
			cursor = *page.Cursor // the first call: where the log is now
		}
		for _, l := range page.Logs {
			b, err := json.Marshal(l)
			must(t, err, "marshal a log entry")
			var entry struct {
				Type    string `json:"$type"`
				Rev     string `json:"rev"`
				Message struct {
					ID string `json:"id"`
				} `json:"message"`
			}
			must(t, json.Unmarshal(b, &entry), "read a log entry")
			if entry.Rev <= cursor {
				t.Errorf("log entry rev %q not after the cursor %q", entry.Rev, cursor)
			}
			cursor = entry.Rev
			if entry.Type == "chat.bsky.convo.defs#logCreateMessage" {
				created = append(created, entry.Message.ID)
			}
		}
		return created
	}
	poll()
	for i := range 150 {
		_, err := aliceN.EditMessage(ctx, first.ID, fmt.Sprintf("v%d", i+1))
		must(t, err, "edit")
	}
	poll() // only skipped events so far
	next := e.send(aliceN, id, "after the edits")
	var got []string
	for range 3 {
		got = append(got, poll()...)
	}
	if !slices.Contains(got, next.ID) {
		t.Fatalf("the message after 150 skipped events never reached the log: got %v", got)
	}
	// Once an entry has carried the cursor past them, the skipped events
	// are not read again: a new message is the next entry.
	again := e.send(aliceN, id, "and one more")
	if got := poll(); len(got) != 1 || got[0] != again.ID {
		t.Errorf("the next poll: %v, want only %s", got, again.ID)
	}
	checkRecorded(t, rec)
}

// TestXRPCMessagesFromLogRev: Bluesky's app, when a getLog entry of a
// conversation arrives before it has fetched the conversation's first page
// of history, uses the entry's rev as the getMessages cursor. That was a
// 400 (the cursor is a message id), and the app's history stayed "failed"
// on every retry. A rev now starts from the newest message.
func TestXRPCMessagesFromLogRev(t *testing.T) {
	e, rec, aliceN, _, bob, conv := lexiconPair(t)
	ctx := e.ctx
	id := conv.Convo.Id
	from, err := chat.ConvoGetLog(ctx, bob.x, "")
	must(t, err, "getLog")
	var sent []string
	for i := range 5 {
		sent = append(sent, e.send(aliceN, id, fmt.Sprintf("m%d", i)).ID)
	}
	items := collectLog(t, ctx, bob.x, *from.Cursor)
	if len(items) == 0 {
		t.Fatal("no log entries")
	}
	for _, it := range []logItem{items[0], items[len(items)-1]} {
		page, err := chat.ConvoGetMessages(ctx, bob.x, id, it.rev, 3)
		if !ok(t, err, "getMessages with the rev of a "+it.kind+" as the cursor") {
			continue
		}
		if len(page.Messages) != 3 || page.Messages[0].ConvoDefs_MessageView == nil || page.Messages[0].ConvoDefs_MessageView.Id != sent[4] {
			t.Errorf("getMessages from a rev: %d messages, not from the newest", len(page.Messages))
		}
		if page.Cursor == nil {
			t.Fatal("getMessages from a rev: no cursor to go on")
		}
		rest, err := chat.ConvoGetMessages(ctx, bob.x, id, *page.Cursor, 10)
		if ok(t, err, "getMessages, the next page") && len(rest.Messages) != 2 {
			t.Errorf("the next page: %d messages, want 2", len(rest.Messages))
		}
	}
	_, err = chat.ConvoGetMessages(ctx, bob.x, id, "not-a-cursor", 3)
	wantXRPC(t, err, 400, "InvalidRequest", "getMessages with a cursor that is neither a message id nor a rev")
	checkRecorded(t, rec)
}

// lexiconPair starts a server with alice and bob, logs both in over XRPC
// (their answers recorded for checkRecorded) and opens alice's convo with
// bob; aliceN is alice's native client.
func lexiconPair(t *testing.T) (e *env, rec *recorder, aliceN *client.Client, alice, bob *bsky, conv *chat.ConvoGetConvoForMembers_Output) {
	t.Helper()
	e = start(t, limitsOff)
	rec = &recorder{base: e.doc}
	aliceN = e.user("alice")
	e.user("bob")
	alice = xlogin(t, e, rec, "alice", password("alice"))
	bob = xlogin(t, e, rec, "bob", password("bob"))
	conv, err := chat.ConvoGetConvoForMembers(e.ctx, alice.x, []string{bob.did})
	must(t, err, "getConvoForMembers")
	return e, rec, aliceN, alice, bob, conv
}
