package e2e

import (
	"errors"
	"fmt"
	"testing"
	"time"

	chat "github.com/bluesky-social/indigo/api/chat"
	"github.com/bluesky-social/indigo/xrpc"

	"github.com/parleyhq/parley/client"
)

// Defects found by reading what Bluesky's app (social-app) does with the
// answers, beyond what @atproto/api validates.

// appLogEntry is a getLog entry: its kind, rev, conversation, and its
// message's id, rev and text.
type appLogEntry struct {
	Type    string `json:"$type"`
	Rev     string `json:"rev"`
	ConvoID string `json:"convoId"`
	Message *struct {
		ID   string `json:"id"`
		Rev  string `json:"rev"`
		Text string `json:"text"`
	} `json:"message"`
}

// appLog reads one getLog answer from cursor.
func appLog(t *testing.T, e *env, x *xrpc.Client, cursor string) []appLogEntry {
	t.Helper()
	var out struct {
		Logs []appLogEntry `json:"logs"`
	}
	if err := x.Do(e.ctx, xrpc.Query, "", "chat.bsky.convo.getLog", map[string]any{"cursor": cursor}, nil, &out); err != nil {
		t.Fatalf("getLog: %v", err)
	}
	return out.Logs
}

// TestXRPCRevsComparable: social-app drops a getLog entry whose rev is not
// above the rev of the convo it holds (listConvos, getConvo), and starts
// its log poll from a listConvos convo's rev. A convo's rev was its newest
// message's per-conversation seq, a log entry's the caller's event seq: a
// member who joined a group late (a log entry at 0x02, the convo at message 0x28)
// had every new message dropped from the list. Now every rev is a position
// in the caller's log, and they order consistently across getConvo,
// listConvos, sendMessage and getLog.
func TestXRPCRevsComparable(t *testing.T) {
	e := start(t, limitsOff)
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	aliceN := e.user("alice")
	e.user("bob")
	e.user("carol")
	e.user("dave")
	carol := xlogin(t, e, rec, "carol", password("carol"))

	group, _, err := aliceN.CreateConversation(ctx, []string{"bob", "dave"}, "late")
	must(t, err, "create the group")
	for i := range 40 {
		e.send(aliceN, group.ID, fmt.Sprintf("before %d", i))
	}
	from, err := chat.ConvoGetLog(ctx, carol.x, "")
	must(t, err, "getLog without cursor")
	_, err = aliceN.AddMembers(ctx, group.ID, []string{"carol"})
	must(t, err, "add carol late")

	got, err := chat.ConvoGetConvo(ctx, carol.x, group.ID)
	must(t, err, "getConvo")
	convoRev := got.Convo.Rev
	list, err := chat.ConvoListConvos(ctx, carol.x, "", "", 10, "", "", "")
	must(t, err, "listConvos")
	listRev := ""
	for _, c := range list.Convos {
		if c.Id == group.ID {
			listRev = c.Rev
		}
	}
	if listRev == "" {
		list, err = chat.ConvoListConvos(ctx, carol.x, "", "", 10, "", "", "request")
		must(t, err, "listConvos of requests")
		for _, c := range list.Convos {
			if c.Id == group.ID {
				listRev = c.Rev
			}
		}
	}
	if listRev == "" {
		t.Fatal("the group is in neither of carol's lists")
	}
	if listRev < convoRev {
		t.Errorf("listConvos rev %q below the earlier getConvo's %q", listRev, convoRev)
	}

	after := e.send(aliceN, group.ID, "after the join")
	mine, err := chat.ConvoSendMessage(ctx, carol.x, &chat.ConvoSendMessage_Input{ConvoId: group.ID, Message: &chat.ConvoDefs_MessageInput{Text: "hello all"}})
	must(t, err, "sendMessage")
	if mine.Rev <= listRev {
		t.Errorf("carol's sent message rev %q not above the convo's %q", mine.Rev, listRev)
	}
	later, err := chat.ConvoGetConvo(ctx, carol.x, group.ID)
	must(t, err, "getConvo after")
	if later.Convo.Rev < mine.Rev {
		t.Errorf("getConvo rev %q below the sent message's %q", later.Convo.Rev, mine.Rev)
	}
	last := e.send(aliceN, group.ID, "after carol")

	found := map[string]appLogEntry{}
	prev := *from.Cursor
	for _, le := range appLog(t, e, carol.x, *from.Cursor) {
		if le.Rev <= prev {
			t.Errorf("log entry rev %q not after the one before, %q", le.Rev, prev)
		}
		prev = le.Rev
		if le.Type == "chat.bsky.convo.defs#logCreateMessage" && le.Message != nil {
			found[le.Message.ID] = le
		}
	}
	// What social-app does with a logCreateMessage: skip it unless its rev
	// is above the cached convo's.
	if le, ok := found[after.ID]; !ok {
		t.Errorf("no log entry for the message after the join")
	} else if le.Rev <= convoRev || le.Rev <= listRev {
		t.Errorf("the message after the join: log rev %q not above the convo's (getConvo %q, listConvos %q): the app drops it", le.Rev, convoRev, listRev)
	}
	if le, ok := found[mine.Id]; !ok {
		t.Errorf("no log entry for carol's own message")
	} else if le.Rev <= listRev || le.Rev > mine.Rev || le.Message.Rev != le.Rev {
		t.Errorf("carol's message: log entry %q (its message %q), want above the convo's %q and at most sendMessage's %q", le.Rev, le.Message.Rev, listRev, mine.Rev)
	}
	if le, ok := found[last.ID]; !ok {
		t.Errorf("no log entry for the last message")
	} else if le.Rev <= later.Convo.Rev {
		t.Errorf("the last message: log rev %q not above the later getConvo's %q", le.Rev, later.Convo.Rev)
	}
	// The app's log poll starts from a listConvos convo's rev: a cursor.
	if _, err := chat.ConvoGetLog(ctx, carol.x, later.Convo.Rev); err != nil {
		t.Errorf("getLog from a convo's rev: %v", err)
	}
	checkRecorded(t, rec)
}

// TestXRPCChatDisabled: a suspended member shows chatDisabled: true in a
// convoView (social-app reads it; for the viewer themself it disables the
// conversation). It was false for everyone: the stores did not read the
// suspended flag into a conversation's members.
func TestXRPCChatDisabled(t *testing.T) {
	clk := &clock{t: time.Now()}
	e, srv := startModerated(t, clk)
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	aliceN := e.user("alice")
	bobN := e.user("bob")
	e.user("carol")
	op := operatorUser(t, e, srv, "opal")
	alice := xlogin(t, e, rec, "alice", password("alice"))
	bob := xlogin(t, e, rec, "bob", password("bob"))
	direct, err := chat.ConvoGetConvoForMembers(ctx, alice.x, []string{bob.did})
	must(t, err, "getConvoForMembers")
	e.send(aliceN, direct.Convo.Id, "hi")
	e.send(bobN, direct.Convo.Id, "hi alice")
	group, _, err := aliceN.CreateConversation(ctx, []string{"bob", "carol"}, "three")
	must(t, err, "create a group")
	_, err = op.Suspend(ctx, "bob", true, "", "spam")
	must(t, err, "suspend bob")

	check := func(how string, members []*chat.ActorDefs_ProfileViewBasic) {
		t.Helper()
		if len(members) == 0 {
			t.Errorf("%s: no members", how)
		}
		for _, m := range members {
			want := m.Did == bob.did
			if got := m.ChatDisabled != nil && *m.ChatDisabled; got != want {
				t.Errorf("%s: %s chatDisabled %v, want %v", how, m.Handle, got, want)
			}
		}
	}
	for _, id := range []string{direct.Convo.Id, group.ID} {
		got, err := chat.ConvoGetConvo(ctx, alice.x, id)
		if ok(t, err, "getConvo") {
			check("getConvo", got.Convo.Members)
		}
		members, err := chat.ConvoGetConvoMembers(ctx, alice.x, id, "", 10)
		if ok(t, err, "getConvoMembers") {
			check("getConvoMembers", members.Members)
		}
	}
	list, err := chat.ConvoListConvos(ctx, alice.x, "", "", 10, "", "", "")
	if ok(t, err, "listConvos") {
		if len(list.Convos) != 2 {
			t.Errorf("listConvos: %d convos, want 2", len(list.Convos))
		}
		for _, c := range list.Convos {
			check("listConvos", c.Members)
		}
	}
	checkRecorded(t, rec)
}

// wantRefusal checks an XRPC refusal's status, name and message.
func wantRefusal(t *testing.T, err error, status int, name, message, what string) {
	t.Helper()
	wantXRPC(t, err, status, name, what)
	var xe *xrpc.Error
	var inner *xrpc.XRPCError
	if !errors.As(err, &xe) || !errors.As(xe.Wrapped, &inner) {
		return // wantXRPC said so
	}
	if inner.Message != message {
		t.Errorf("%s: message %q, want %q", what, inner.Message, message)
	}
}

// TestXRPCSendRefusalWording: social-app tells a failed send's cause by
// Bluesky's exact error message (a block makes it refetch the block state;
// the others it knows it leaves alone): a send Parley refuses for the same
// reason answers Bluesky's message under the name docs/xrpc.md gives. They
// carried the native API's messages ("You can't message @bob.").
func TestXRPCSendRefusalWording(t *testing.T) {
	e := start(t, limitsOff)
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	aliceN, bobN, carolN := e.user("alice"), e.user("bob"), e.user("carol")
	daveN, erinN := e.user("dave"), e.user("erin")
	alice := xlogin(t, e, rec, "alice", password("alice"))
	dave := xlogin(t, e, rec, "dave", password("dave"))
	erin := xlogin(t, e, rec, "erin", password("erin"))
	const block = "block between recipient and sender"

	withBob := e.direct(aliceN, "bob").ID
	e.send(aliceN, withBob, "hi")
	e.send(bobN, withBob, "hi alice")
	must(t, bobN.Block(ctx, "alice"), "bob blocks alice")
	_, err := chat.ConvoSendMessage(ctx, alice.x, &chat.ConvoSendMessage_Input{ConvoId: withBob, Message: &chat.ConvoDefs_MessageInput{Text: "still there?"}})
	wantRefusal(t, err, 400, "BlockedSubject", block, "sending to someone who blocks you")
	_, err = chat.ConvoSendMessageBatch(ctx, alice.x, &chat.ConvoSendMessageBatch_Input{Items: []*chat.ConvoSendMessageBatch_BatchItem{batchItem(withBob, "still there?")}})
	wantRefusal(t, err, 400, "BlockedSubject", block, "a batch to someone who blocks you")

	withCarol := e.direct(aliceN, "carol").ID
	e.send(carolN, withCarol, "hi alice")
	must(t, aliceN.Block(ctx, "carol"), "alice blocks carol")
	_, err = chat.ConvoSendMessage(ctx, alice.x, &chat.ConvoSendMessage_Input{ConvoId: withCarol, Message: &chat.ConvoDefs_MessageInput{Text: "oops"}})
	wantRefusal(t, err, 400, "BlockedActor", block, "sending to someone you block")

	// A first message to someone who no longer takes new ones.
	nobody, following := "nobody", "following"
	withDave, err := chat.ConvoGetConvoForMembers(ctx, alice.x, []string{dave.did})
	must(t, err, "getConvoForMembers dave")
	_, _, err = daveN.UpdateMe(ctx, client.MeUpdate{AllowIncoming: &nobody})
	must(t, err, "dave allows nobody")
	_, err = chat.ConvoSendMessage(ctx, alice.x, &chat.ConvoSendMessage_Input{ConvoId: withDave.Convo.Id, Message: &chat.ConvoDefs_MessageInput{Text: "hello"}})
	wantRefusal(t, err, 400, "MessagesDisabled", "recipient has disabled incoming messages", "a first message to someone who allows none")
	withErin, err := chat.ConvoGetConvoForMembers(ctx, alice.x, []string{erin.did})
	must(t, err, "getConvoForMembers erin")
	_, _, err = erinN.UpdateMe(ctx, client.MeUpdate{AllowIncoming: &following})
	must(t, err, "erin allows following")
	_, err = chat.ConvoSendMessage(ctx, alice.x, &chat.ConvoSendMessage_Input{ConvoId: withErin.Convo.Id, Message: &chat.ConvoDefs_MessageInput{Text: "hello"}})
	wantRefusal(t, err, 400, "NotFollowedBySender", "recipient requires incoming messages to come from someone they follow", "a first message to someone who allows only those they follow")

	_, err = chat.ConvoSendMessage(ctx, dave.x, &chat.ConvoSendMessage_Input{ConvoId: withBob, Message: &chat.ConvoDefs_MessageInput{Text: "let me in"}})
	wantRefusal(t, err, 400, "InvalidConvo", "Convo not found", "sending to a convo you are not in")
	checkRecorded(t, rec)
}
