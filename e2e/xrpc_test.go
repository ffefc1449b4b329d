package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	chat "github.com/bluesky-social/indigo/api/chat"
	"github.com/bluesky-social/indigo/atproto/atclient"
	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/bluesky-social/indigo/atproto/lexicon"
	lexutil "github.com/bluesky-social/indigo/lex/util"
	"github.com/bluesky-social/indigo/xrpc"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/server"
)

// These tests drive the Bluesky-compatible surface with the official Go
// client (github.com/bluesky-social/indigo: api/chat, xrpc.Client and
// atclient), unchanged, against a real server on loopback. Every XRPC
// answer they get is recorded and, at the end, checked against the lexicon
// schemas shipped inside the indigo module with indigo's own validator.

const proxyHeader = "did:web:api.bsky.chat#bsky_chat"

// exchange is one recorded XRPC call.
type exchange struct {
	method string // the NSID
	status int
	header http.Header
	body   []byte
}

// recorder is an http.RoundTripper that keeps every /xrpc/ answer.
type recorder struct {
	// base sends the requests: the test's document check (openapi_test.go).
	base http.RoundTripper
	mu   sync.Mutex
	seen []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	base := r.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil || !strings.HasPrefix(req.URL.Path, "/xrpc/") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	r.mu.Lock()
	r.seen = append(r.seen, exchange{method: strings.TrimPrefix(req.URL.Path, "/xrpc/"), status: resp.StatusCode, header: resp.Header, body: body})
	r.mu.Unlock()
	return resp, nil
}

func (r *recorder) client() *http.Client {
	return &http.Client{Transport: r, Timeout: 30 * time.Second}
}

// bsky is one account on the XRPC surface: a logged-in xrpc.Client and its DID.
type bsky struct {
	x      *xrpc.Client
	did    string
	handle string
}

// xlogin logs in through com.atproto.server.createSession with identifier
// (a native handle, a mapped handle or a DID) and returns an xrpc.Client
// that sends the Atproto-Proxy header, as Bluesky's apps do.
func xlogin(t *testing.T, e *env, rec *recorder, identifier, pw string) *bsky {
	t.Helper()
	x := &xrpc.Client{Host: e.url, Client: rec.client(), Headers: map[string]string{"Atproto-Proxy": proxyHeader}}
	out, err := comatproto.ServerCreateSession(e.ctx, x, &comatproto.ServerCreateSession_Input{Identifier: identifier, Password: pw})
	must(t, err, "createSession "+identifier)
	x.Auth = &xrpc.AuthInfo{AccessJwt: out.AccessJwt, RefreshJwt: out.RefreshJwt, Handle: out.Handle, Did: out.Did}
	return &bsky{x: x, did: out.Did, handle: out.Handle}
}

// xrpcErr returns the status and error name of an error of xrpc.Client or
// atclient.
func xrpcErr(err error) (int, string) {
	var xe *xrpc.Error
	if errors.As(err, &xe) {
		var inner *xrpc.XRPCError
		if errors.As(xe.Wrapped, &inner) {
			return xe.StatusCode, inner.ErrStr
		}
		return xe.StatusCode, ""
	}
	var ae *atclient.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode, ae.Name
	}
	return 0, ""
}

func wantXRPC(t *testing.T, err error, status int, name, what string) {
	t.Helper()
	got, gotName := xrpcErr(err)
	if got != status || gotName != name {
		t.Errorf("%s: want %d %s, got %d %q (%v)", what, status, name, got, gotName, err)
	}
}

func TestXRPCFlow(t *testing.T) {
	e := start(t, limitsOff)
	rec := &recorder{base: e.doc}
	e.user("alice")
	bobN := e.user("bob_b")
	alice := xlogin(t, e, rec, "alice", password("alice"))
	// bob logs in with his mapped handle (bob_b -> bob-b.parley.test).
	bob := xlogin(t, e, rec, "bob-b.parley.test", password("bob_b"))
	if bob.handle != "bob-b.parley.test" || !strings.HasPrefix(bob.did, "did:web:parley.test:u:") {
		t.Errorf("bob is %s %s", bob.handle, bob.did)
	}
	ctx := e.ctx

	// Bob's log starts from now.
	start, err := chat.ConvoGetLog(ctx, bob.x, "")
	must(t, err, "getLog without cursor")
	if start.Cursor == nil || *start.Cursor == "" || len(start.Logs) != 0 {
		t.Fatalf("getLog without cursor: cursor %v, %d logs", start.Cursor, len(start.Logs))
	}

	// Alice opens the direct conversation by DID, twice: the same one.
	got, err := chat.ConvoGetConvoForMembers(ctx, alice.x, []string{bob.did})
	must(t, err, "getConvoForMembers")
	convo := got.Convo
	again, err := chat.ConvoGetConvoForMembers(ctx, alice.x, []string{bob.handle})
	must(t, err, "getConvoForMembers by handle")
	if again.Convo.Id != convo.Id || len(convo.Members) != 2 || convo.Kind == nil || convo.Kind.ConvoDefs_DirectConvo == nil {
		t.Fatalf("getConvoForMembers: %+v then %s", convo, again.Convo.Id)
	}

	// Sends, across the 9 -> 10 boundary of the message seq.
	var sent []*chat.ConvoDefs_MessageView
	for i := range 12 {
		m, err := chat.ConvoSendMessage(ctx, alice.x, &chat.ConvoSendMessage_Input{ConvoId: convo.Id, Message: &chat.ConvoDefs_MessageInput{Text: fmt.Sprintf("hello %d", i)}})
		must(t, err, "sendMessage")
		sent = append(sent, m)
	}
	for i := 1; i < len(sent); i++ {
		if sent[i-1].Rev >= sent[i].Rev {
			t.Errorf("message revs do not sort: %q then %q", sent[i-1].Rev, sent[i].Rev)
		}
	}
	batch, err := chat.ConvoSendMessageBatch(ctx, alice.x, &chat.ConvoSendMessageBatch_Input{Items: []*chat.ConvoSendMessageBatch_BatchItem{
		{ConvoId: convo.Id, Message: &chat.ConvoDefs_MessageInput{Text: "batch 1"}},
		{ConvoId: convo.Id, Message: &chat.ConvoDefs_MessageInput{Text: "batch 2"}},
	}})
	if ok(t, err, "sendMessageBatch") && len(batch.Items) != 2 {
		t.Errorf("sendMessageBatch: %d items", len(batch.Items))
	}

	// Bob did not follow alice: the conversation is a request for him.
	reqs, err := chat.ConvoListConvos(ctx, bob.x, "", "", 50, "", "", "request")
	must(t, err, "listConvos request")
	if len(reqs.Convos) != 1 || reqs.Convos[0].Id != convo.Id || *reqs.Convos[0].Status != "request" || reqs.Convos[0].UnreadCount != 14 {
		t.Fatalf("bob's requests: %+v", reqs.Convos)
	}
	acc, err := chat.ConvoListConvos(ctx, bob.x, "", "", 50, "", "", "accepted")
	must(t, err, "listConvos accepted")
	if len(acc.Convos) != 0 {
		t.Errorf("bob's accepted convos before accepting: %d", len(acc.Convos))
	}
	lr, err := chat.ConvoListConvoRequests(ctx, bob.x, "", 10)
	if ok(t, err, "listConvoRequests") && (len(lr.Requests) != 1 || lr.Requests[0].ConvoDefs_ConvoView == nil) {
		t.Errorf("listConvoRequests: %+v", lr.Requests)
	}

	// History pages with cursors, newest first, nothing lost or repeated.
	var texts []string
	cursor := ""
	for range 10 {
		page, err := chat.ConvoGetMessages(ctx, bob.x, convo.Id, cursor, 5)
		must(t, err, "getMessages")
		for _, m := range page.Messages {
			if m.ConvoDefs_MessageView == nil {
				t.Fatalf("getMessages: not a messageView: %+v", m)
			}
			texts = append(texts, m.ConvoDefs_MessageView.Text)
		}
		if page.Cursor == nil {
			break
		}
		cursor = *page.Cursor
	}
	if len(texts) != 14 || texts[0] != "batch 2" || texts[13] != "hello 0" {
		t.Errorf("paged history: %q", texts)
	}

	// React, read, accept, mute and unmute.
	target := sent[3]
	r, err := chat.ConvoAddReaction(ctx, bob.x, &chat.ConvoAddReaction_Input{ConvoId: convo.Id, MessageId: target.Id, Value: "👍"})
	if ok(t, err, "addReaction") && (len(r.Message.Reactions) != 1 || r.Message.Reactions[0].Sender.Did != bob.did || r.Message.Reactions[0].Value != "👍") {
		t.Errorf("addReaction: %+v", r.Message.Reactions)
	}
	r2, err := chat.ConvoAddReaction(ctx, alice.x, &chat.ConvoAddReaction_Input{ConvoId: convo.Id, MessageId: target.Id, Value: "🎉"})
	if ok(t, err, "addReaction by alice") && len(r2.Message.Reactions) != 2 {
		t.Errorf("addReaction by alice: %+v", r2.Message.Reactions)
	}
	rr, err := chat.ConvoRemoveReaction(ctx, alice.x, &chat.ConvoRemoveReaction_Input{ConvoId: convo.Id, MessageId: target.Id, Value: "🎉"})
	if ok(t, err, "removeReaction") && (len(rr.Message.Reactions) != 1 || rr.Message.Reactions[0].Sender.Did != bob.did) {
		t.Errorf("removeReaction: %+v", rr.Message.Reactions)
	}
	ur, err := chat.ConvoUpdateRead(ctx, bob.x, &chat.ConvoUpdateRead_Input{ConvoId: convo.Id})
	if ok(t, err, "updateRead") && ur.Convo.UnreadCount != 0 {
		t.Errorf("updateRead: unread %d", ur.Convo.UnreadCount)
	}
	_, err = chat.ConvoAcceptConvo(ctx, bob.x, &chat.ConvoAcceptConvo_Input{ConvoId: convo.Id})
	ok(t, err, "acceptConvo")
	acc, err = chat.ConvoListConvos(ctx, bob.x, "", "", 50, "", "", "accepted")
	if ok(t, err, "listConvos accepted") && (len(acc.Convos) != 1 || *acc.Convos[0].Status != "accepted") {
		t.Errorf("bob's accepted convos after accepting: %+v", acc.Convos)
	}
	mu, err := chat.ConvoMuteConvo(ctx, bob.x, &chat.ConvoMuteConvo_Input{ConvoId: convo.Id})
	if ok(t, err, "muteConvo") && !mu.Convo.Muted {
		t.Error("muteConvo: not muted")
	}
	um, err := chat.ConvoUnmuteConvo(ctx, bob.x, &chat.ConvoUnmuteConvo_Input{ConvoId: convo.Id})
	if ok(t, err, "unmuteConvo") && um.Convo.Muted {
		t.Error("unmuteConvo: still muted")
	}

	// Native -> XRPC and XRPC -> native.
	nat := e.send(bobN, convo.Id, "from the native API")
	page, err := chat.ConvoGetMessages(ctx, alice.x, convo.Id, "", 1)
	if ok(t, err, "getMessages after a native send") {
		m := page.Messages[0].ConvoDefs_MessageView
		if m == nil || m.Id != nat.ID || m.Text != "from the native API" || m.Sender.Did != bob.did {
			t.Errorf("native message through XRPC: %+v", m)
		}
	}
	natMsgs, _, err := bobN.Messages(ctx, convo.Id, "", 50)
	must(t, err, "native messages")
	if !slices.ContainsFunc(natMsgs, func(m client.Message) bool { return m.ID == sent[0].Id && m.Text == "hello 0" }) {
		t.Error("a message sent over XRPC is missing from the native history")
	}
	rAfter := slices.IndexFunc(natMsgs, func(m client.Message) bool { return m.ID == target.Id })
	if rAfter < 0 || len(natMsgs[rAfter].Reactions) != 1 || natMsgs[rAfter].Reactions[0].Emoji != "👍" {
		t.Errorf("a reaction made over XRPC is missing natively: %+v", natMsgs[rAfter])
	}

	// Bob's log: every change since his first cursor, in rev order.
	logs := collectLog(t, ctx, bob.x, *start.Cursor)
	kinds := map[string]int{}
	var revs []string
	for _, l := range logs {
		kinds[l.kind]++
		revs = append(revs, l.rev)
	}
	for _, want := range []string{"logBeginConvo", "logCreateMessage", "logAddReaction", "logReadConvo", "logAcceptConvo", "logMuteConvo", "logUnmuteConvo"} {
		if kinds[want] == 0 {
			t.Errorf("bob's log has no %s: %v", want, kinds)
		}
	}
	if kinds["logCreateMessage"] != 15 {
		t.Errorf("bob's log has %d logCreateMessage, want 15", kinds["logCreateMessage"])
	}
	if !slices.IsSorted(revs) || len(slices.Compact(slices.Clone(revs))) != len(revs) {
		t.Errorf("log revs are not strictly increasing: %q", revs)
	}
	// Resuming from any entry's rev gives exactly the entries after it.
	mid := len(logs) / 2
	rest := collectLog(t, ctx, bob.x, logs[mid].rev)
	if len(rest) != len(logs)-mid-1 || (len(rest) > 0 && rest[0].rev != logs[mid+1].rev) {
		t.Errorf("resume from %s: %d entries, want %d", logs[mid].rev, len(rest), len(logs)-mid-1)
	}

	// Alice's log never carries bob's read receipts.
	for _, l := range collectLog(t, ctx, alice.x, strings.Repeat("0", 16)) {
		if l.kind == "logReadConvo" || l.kind == "logReadMessage" {
			t.Errorf("alice's log carries a read receipt: %+v", l)
		}
	}

	// Delete for self, then leave.
	del, err := chat.ConvoDeleteMessageForSelf(ctx, alice.x, &chat.ConvoDeleteMessageForSelf_Input{ConvoId: convo.Id, MessageId: sent[0].Id})
	if ok(t, err, "deleteMessageForSelf") && del.Id != sent[0].Id {
		t.Errorf("deleteMessageForSelf answered %s", del.Id)
	}
	if !slices.ContainsFunc(collectLog(t, ctx, alice.x, strings.Repeat("0", 16)), func(l logItem) bool { return l.kind == "logDeleteMessage" }) {
		t.Error("alice's log has no logDeleteMessage after deleteMessageForSelf")
	}
	gc, err := chat.ConvoGetConvo(ctx, alice.x, convo.Id)
	ok(t, err, "getConvo")
	if gc != nil && (gc.Convo.LastMessage == nil || gc.Convo.LastMessage.ConvoDefs_MessageView == nil) {
		t.Errorf("getConvo: no last message: %+v", gc.Convo)
	}
	members, err := chat.ConvoGetConvoMembers(ctx, alice.x, convo.Id, "", 50)
	if ok(t, err, "getConvoMembers") && len(members.Members) != 2 {
		t.Errorf("getConvoMembers: %d", len(members.Members))
	}
	left, err := chat.ConvoLeaveConvo(ctx, bob.x, &chat.ConvoLeaveConvo_Input{ConvoId: convo.Id})
	if ok(t, err, "leaveConvo") && left.ConvoId != convo.Id {
		t.Errorf("leaveConvo: %+v", left)
	}
	tail := collectLog(t, ctx, bob.x, logs[len(logs)-1].rev)
	if !slices.ContainsFunc(tail, func(l logItem) bool { return l.kind == "logLeaveConvo" }) {
		t.Errorf("bob's log after leaving: %+v", tail)
	}
	acc, err = chat.ConvoListConvos(ctx, bob.x, "", "", 50, "", "", "")
	if ok(t, err, "listConvos after leaving") && len(acc.Convos) != 0 {
		t.Errorf("bob still lists %d convos after leaving", len(acc.Convos))
	}
	n, err := chat.ConvoUpdateAllRead(ctx, alice.x, &chat.ConvoUpdateAllRead_Input{})
	if ok(t, err, "updateAllRead") && n.UpdatedCount != 1 {
		t.Errorf("updateAllRead: %d updated, want 1 (bob's native message)", n.UpdatedCount)
	}
	st, err := chat.ActorGetStatus(ctx, alice.x)
	if ok(t, err, "getStatus") && st.ChatDisabled {
		t.Error("getStatus: chat disabled")
	}

	checkRecorded(t, rec)
}

// logItem is one getLog entry: its kind (without the defs prefix) and rev.
type logItem struct{ kind, rev string }

// collectLog reads a log from cursor to its end.
func collectLog(t *testing.T, ctx context.Context, x *xrpc.Client, cursor string) []logItem {
	t.Helper()
	var out []logItem
	for range 100 {
		page, err := chat.ConvoGetLog(ctx, x, cursor)
		must(t, err, "getLog")
		for _, l := range page.Logs {
			b, err := json.Marshal(l)
			must(t, err, "marshal a log entry")
			var head struct {
				Type string `json:"$type"`
				Rev  string `json:"rev"`
			}
			must(t, json.Unmarshal(b, &head), "read a log entry")
			out = append(out, logItem{strings.TrimPrefix(head.Type, "chat.bsky.convo.defs#"), head.Rev})
		}
		if page.Cursor == nil || *page.Cursor == cursor {
			return out
		}
		cursor = *page.Cursor
	}
	t.Fatal("getLog never ended")
	return nil
}

func TestXRPCRefusals(t *testing.T) {
	e := start(t, limitsOff)
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	for _, h := range []string{"alice", "bob", "carol", "dave", "erin", "frank"} {
		e.user(h)
	}
	carolN, daveN := e.user("carol2"), e.user("dave2")
	alice := xlogin(t, e, rec, "alice", password("alice"))
	bob := xlogin(t, e, rec, "bob", password("bob"))
	carol := xlogin(t, e, rec, "carol2", password("carol2"))
	erin := xlogin(t, e, rec, "erin", password("erin"))
	frank := xlogin(t, e, rec, "frank", password("frank"))
	dave := xlogin(t, e, rec, "dave2", password("dave2"))

	conv, err := chat.ConvoGetConvoForMembers(ctx, alice.x, []string{bob.did})
	must(t, err, "open alice-bob")
	id := conv.Convo.Id

	// A non-member gets InvalidConvo, never content.
	_, err = chat.ConvoGetConvo(ctx, carol.x, id)
	wantXRPC(t, err, 400, "InvalidConvo", "getConvo by a non-member")
	_, err = chat.ConvoGetMessages(ctx, carol.x, id, "", 10)
	wantXRPC(t, err, 400, "InvalidConvo", "getMessages by a non-member")
	_, err = chat.ConvoSendMessage(ctx, carol.x, &chat.ConvoSendMessage_Input{ConvoId: id, Message: &chat.ConvoDefs_MessageInput{Text: "hi"}})
	wantXRPC(t, err, 400, "InvalidConvo", "sendMessage by a non-member")
	_, err = chat.ConvoMuteConvo(ctx, carol.x, &chat.ConvoMuteConvo_Input{ConvoId: id})
	wantXRPC(t, err, 400, "InvalidConvo", "muteConvo by a non-member")
	_, err = chat.ConvoUpdateRead(ctx, carol.x, &chat.ConvoUpdateRead_Input{ConvoId: id})
	wantXRPC(t, err, 400, "InvalidConvo", "updateRead by a non-member")

	// Blocks both ways, the allowIncoming settings, unknown members.
	must(t, carolN.Block(ctx, "alice"), "carol blocks alice")
	_, err = chat.ConvoGetConvoForMembers(ctx, alice.x, []string{carol.did})
	wantXRPC(t, err, 400, "BlockedSubject", "opening a convo with someone who blocks you")
	_, err = chat.ConvoGetConvoForMembers(ctx, carol.x, []string{alice.did})
	wantXRPC(t, err, 400, "BlockedActor", "opening a convo with someone you block")
	_, err = comatproto.RepoPutRecord(ctx, erin.x, &comatproto.RepoPutRecord_Input{Repo: erin.did, Collection: "chat.bsky.actor.declaration", Rkey: "self",
		Record: &lexutil.LexiconTypeDecoder{Val: &chat.ActorDeclaration{AllowIncoming: "none"}}})
	must(t, err, "erin sets allowIncoming none")
	_, err = chat.ConvoGetConvoForMembers(ctx, alice.x, []string{erin.did})
	wantXRPC(t, err, 400, "MessagesDisabled", "opening a convo with someone who allows none")
	_, err = comatproto.RepoPutRecord(ctx, frank.x, &comatproto.RepoPutRecord_Input{Repo: frank.did, Collection: "chat.bsky.actor.declaration", Rkey: "self",
		Record: &lexutil.LexiconTypeDecoder{Val: &chat.ActorDeclaration{AllowIncoming: "following"}}})
	must(t, err, "frank sets allowIncoming following")
	_, err = chat.ConvoGetConvoForMembers(ctx, alice.x, []string{frank.did})
	wantXRPC(t, err, 400, "NotFollowedBySender", "opening a convo with someone who allows only those they follow")
	rec2, err := comatproto.RepoGetRecord(ctx, frank.x, "", "chat.bsky.actor.declaration", frank.did, "self")
	if ok(t, err, "getRecord declaration") {
		b, _ := json.Marshal(rec2.Value)
		if !strings.Contains(string(b), `"allowIncoming":"following"`) {
			t.Errorf("declaration read back: %s", b)
		}
	}
	_, err = chat.ConvoGetConvoForMembers(ctx, alice.x, []string{"did:web:parley.test:u:nobody"})
	wantXRPC(t, err, 400, "RecipientNotFound", "opening a convo with an unknown DID")
	avail, err := chat.ConvoGetConvoAvailability(ctx, alice.x, []string{erin.did})
	if ok(t, err, "getConvoAvailability") && avail.CanChat {
		t.Error("getConvoAvailability: alice can chat with erin, who allows none")
	}

	// A block in an existing conversation refuses the send with its name.
	dconv, err := chat.ConvoGetConvoForMembers(ctx, dave.x, []string{alice.did})
	must(t, err, "open dave-alice")
	must(t, daveN.Block(ctx, "alice"), "dave blocks alice")
	_, err = chat.ConvoSendMessage(ctx, alice.x, &chat.ConvoSendMessage_Input{ConvoId: dconv.Convo.Id, Message: &chat.ConvoDefs_MessageInput{Text: "hi"}})
	wantXRPC(t, err, 400, "BlockedSubject", "sending to someone who blocked you")

	// The lexicon's 1,000 graphemes, not the native 4,000 characters: an
	// accented letter written as two code points is one grapheme.
	accented := "e\u0301"
	_, err = chat.ConvoSendMessage(ctx, alice.x, &chat.ConvoSendMessage_Input{ConvoId: id, Message: &chat.ConvoDefs_MessageInput{Text: strings.Repeat(accented, 1000)}})
	ok(t, err, "sending 1,000 graphemes of 2,000 code points")
	_, err = chat.ConvoSendMessage(ctx, alice.x, &chat.ConvoSendMessage_Input{ConvoId: id, Message: &chat.ConvoDefs_MessageInput{Text: strings.Repeat("a", 1001)}})
	wantXRPC(t, err, 400, "InvalidRequest", "sending 1,001 graphemes")
	_, err = chat.ConvoAddReaction(ctx, alice.x, &chat.ConvoAddReaction_Input{ConvoId: id, MessageId: "nope", Value: "ab"})
	wantXRPC(t, err, 400, "ReactionInvalidValue", "reacting with two letters")

	// Methods the server does not implement.
	_, err = chat.ConvoLockConvo(ctx, alice.x, &chat.ConvoLockConvo_Input{ConvoId: id})
	wantXRPC(t, err, 501, "MethodNotImplemented", "lockConvo")

	// Raw HTTP: wrong method, missing auth, invalid UTF-8, a bad token all
	// get JSON error bodies.
	raw := func(method, path, token, body string) (int, map[string]string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, e.url+path, strings.NewReader(body))
		must(t, err, "request")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := rec.client().Do(req)
		must(t, err, method+" "+path)
		defer resp.Body.Close()
		var out map[string]string
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d without a JSON body (%v)", method, path, resp.StatusCode, err)
		}
		return resp.StatusCode, out
	}
	tok := alice.x.Auth.AccessJwt
	if st, out := raw("GET", "/xrpc/chat.bsky.convo.sendMessage", tok, ""); st != 400 || out["error"] != "InvalidRequest" {
		t.Errorf("GET on a procedure: %d %v", st, out)
	}
	if st, out := raw("POST", "/xrpc/chat.bsky.convo.listConvos", tok, "{}"); st != 400 || out["error"] != "InvalidRequest" {
		t.Errorf("POST on a query: %d %v", st, out)
	}
	if st, out := raw("GET", "/xrpc/chat.bsky.convo.listConvos", "", ""); st != 401 || out["error"] != "AuthenticationRequired" {
		t.Errorf("no token: %d %v", st, out)
	}
	if st, out := raw("GET", "/xrpc/chat.bsky.convo.listConvos", tok+"x", ""); st != 401 || out["error"] != "InvalidToken" {
		t.Errorf("a bad token: %d %v", st, out)
	}
	if st, out := raw("POST", "/xrpc/chat.bsky.convo.sendMessage", tok, "{\"convoId\":\""+id+"\",\"message\":{\"text\":\"\xff\xfe\"}}"); st != 400 || out["error"] != "InvalidRequest" {
		t.Errorf("invalid UTF-8: %d %v", st, out)
	}
	if st, out := raw("POST", "/xrpc/chat.bsky.convo.sendMessage", tok, `{"convoId":"`+id+`","message":{"text":"hi","embed":{"$type":"app.bsky.embed.record"}}}`); st != 400 || out["error"] != "InvalidRequest" {
		t.Errorf("an embed: %d %v", st, out)
	}
	if st, out := raw("POST", "/xrpc/chat.bsky.convo.sendMessage", bob.x.Auth.RefreshJwt, `{"convoId":"`+id+`","message":{"text":"hi"}}`); st != 400 || out["error"] != "InvalidToken" {
		t.Errorf("a refresh token for a call: %d %v", st, out)
	}
	checkRecorded(t, rec)
}

func TestXRPCSessions(t *testing.T) {
	// The tokens' clock is moved past an access token's hour instead of a
	// sleep (a one-second token under a loaded CI expired between a refresh
	// and the next call).
	clk := &clock{t: time.Now()}
	e := startWith(t, limitsOff, func(c *server.Config) { c.XRPCAccessTTL, c.Now = time.Hour, clk.Now })
	rec := &recorder{base: e.doc}
	ctx := e.ctx
	e.user("alice")
	e.user("bob")
	bob := xlogin(t, e, rec, "bob", password("bob"))

	// The identifier may be the native handle, the mapped handle or the DID.
	for _, id := range []string{"alice", "alice.parley.test", "@Alice.Parley.Test"} {
		xlogin(t, e, rec, id, password("alice"))
	}
	a := xlogin(t, e, rec, "alice", password("alice"))
	byDID := xlogin(t, e, rec, a.did, password("alice"))
	if byDID.did != a.did || byDID.handle != "alice.parley.test" {
		t.Errorf("login by DID: %s %s", byDID.did, byDID.handle)
	}
	x := &xrpc.Client{Host: e.url, Client: rec.client()}
	_, err := comatproto.ServerCreateSession(ctx, x, &comatproto.ServerCreateSession_Input{Identifier: "alice", Password: "wrong-password"})
	wantXRPC(t, err, 401, "AuthenticationRequired", "a wrong password")

	// atclient logs in, then refreshes on its own when the access token
	// has expired (400 ExpiredToken), and the call goes through.
	ac, err := atclient.LoginWithPasswordHost(ctx, e.url, "alice", password("alice"), "", nil)
	must(t, err, "atclient login")
	ac.Client = rec.client()
	ac.Headers = http.Header{"Atproto-Proxy": []string{proxyHeader}}
	conv, err := chat.ConvoGetConvoForMembers(ctx, ac, []string{bob.did})
	must(t, err, "atclient getConvoForMembers")
	clk.Add(time.Hour + time.Second)
	_, err = chat.ConvoGetConvoForMembers(ctx, a.x, []string{bob.did})
	wantXRPC(t, err, 400, "ExpiredToken", "an expired access token")
	m, err := chat.ConvoSendMessage(ctx, ac, &chat.ConvoSendMessage_Input{ConvoId: conv.Convo.Id, Message: &chat.ConvoDefs_MessageInput{Text: "after a refresh"}})
	if ok(t, err, "atclient send after expiry") && m.Text != "after a refresh" {
		t.Errorf("sent %q", m.Text)
	}

	// refreshSession rotates: the old refresh token still refreshes for
	// two minutes (a lost answer, two tabs at once), then stops, and a
	// reuse does not move that end later; deleteSession ends the pair.
	old := a.x.Auth.RefreshJwt
	ref, err := comatproto.ServerRefreshSession(ctx, &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: old}})
	must(t, err, "refreshSession")
	clk.Add(time.Minute)
	again, err := comatproto.ServerRefreshSession(ctx, &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: old}})
	if ok(t, err, "refreshing with a rotated refresh token within its grace") && (again.RefreshJwt == ref.RefreshJwt || again.AccessJwt == "") {
		t.Errorf("a refresh within the grace: want a new pair, got %+v", again)
	}
	clk.Add(time.Minute + time.Second)
	_, err = comatproto.ServerRefreshSession(ctx, &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: old}})
	wantXRPC(t, err, 400, "ExpiredToken", "refreshing with a rotated refresh token past its grace")
	fresh := &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: ref.AccessJwt}}
	sess, err := comatproto.ServerGetSession(ctx, fresh)
	if ok(t, err, "getSession") && (sess.Did != a.did || sess.Handle != "alice.parley.test") {
		t.Errorf("getSession: %+v", sess)
	}
	must(t, comatproto.ServerDeleteSession(ctx, &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: ref.RefreshJwt}}), "deleteSession")
	_, err = comatproto.ServerGetSession(ctx, fresh)
	wantXRPC(t, err, 401, "InvalidToken", "an access token after deleteSession")
	_, err = comatproto.ServerRefreshSession(ctx, &xrpc.Client{Host: e.url, Client: rec.client(), Auth: &xrpc.AuthInfo{AccessJwt: ref.RefreshJwt}})
	wantXRPC(t, err, 400, "ExpiredToken", "a refresh token after deleteSession")

	rh, err := comatproto.IdentityResolveHandle(ctx, x, "bob.parley.test")
	if ok(t, err, "resolveHandle") && rh.Did != bob.did {
		t.Errorf("resolveHandle: %s, want %s", rh.Did, bob.did)
	}
	checkRecorded(t, rec)
}

// TestXRPCRateLimit checks that a 429 carries the RateLimit-* headers.
func TestXRPCRateLimit(t *testing.T) {
	e := start(t, limitsOn)
	rec := &recorder{base: e.doc}
	e.user("alice")
	e.user("bob")
	alice := xlogin(t, e, rec, "alice", password("alice"))
	bob := xlogin(t, e, rec, "bob", password("bob"))
	conv, err := chat.ConvoGetConvoForMembers(e.ctx, alice.x, []string{bob.did})
	must(t, err, "open")
	body := `{"convoId":"` + conv.Convo.Id + `","message":{"text":"fast"}}`
	// Eight senders at once, so that the burst of 30 runs out however slow
	// the machine (a sequential loop can fall under the refill rate).
	var limited sync.Once
	var got *http.Response
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				req, _ := http.NewRequestWithContext(e.ctx, "POST", e.url+"/xrpc/chat.bsky.convo.sendMessage", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+alice.x.Auth.AccessJwt)
				resp, err := rec.client().Do(req)
				if err != nil {
					t.Errorf("send: %v", err)
					return
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
				case http.StatusTooManyRequests:
					limited.Do(func() { got = resp })
					return
				default:
					t.Errorf("send: %d", resp.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	if got == nil {
		t.Fatal("160 quick sends were never limited")
	}
	for _, h := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy", "Retry-After"} {
		if got.Header.Get(h) == "" {
			t.Errorf("429 without %s", h)
		}
	}
	checkRecorded(t, rec)
}

// TestXRPCMalformed sends 100 random malformed calls: each gets a 4xx or a
// 501 with a JSON error body, never another 5xx.
func TestXRPCMalformed(t *testing.T) {
	e := start(t, limitsOff)
	rec := &recorder{base: e.doc}
	e.user("alice")
	e.user("bob")
	alice := xlogin(t, e, rec, "alice", password("alice"))
	bob := xlogin(t, e, rec, "bob", password("bob"))
	conv, err := chat.ConvoGetConvoForMembers(e.ctx, alice.x, []string{bob.did})
	must(t, err, "open")
	rng := rand.New(rand.NewPCG(14, 14))
	methods := []string{"chat.bsky.convo.sendMessage", "chat.bsky.convo.getMessages", "chat.bsky.convo.listConvos",
		"chat.bsky.convo.getConvoForMembers", "chat.bsky.convo.getLog", "chat.bsky.convo.addReaction", "chat.bsky.convo.updateRead",
		"chat.bsky.convo.sendMessageBatch", "chat.bsky.convo.deleteMessageForSelf", "com.atproto.server.createSession",
		"chat.bsky.convo.acceptConvo", "chat.bsky.convo.updateAllRead", "com.atproto.repo.putRecord", "chat.bsky.convo.getConvo",
		"chat.bsky.unknown.thing", "not-a-method", "chat.bsky.convo.getConvoAvailability", "com.atproto.server.refreshSession"}
	bodies := []string{"", "{", "[]", "null", "42", `"text"`, `{"convoId":5}`, `{"convoId":"` + conv.Convo.Id + `","message":"hi"}`,
		`{"convoId":"` + conv.Convo.Id + `","message":{"text":""}}`, `{"convoId":"` + conv.Convo.Id + `","message":{"text":"   "}}`,
		`{"items":"x"}`, `{"items":[]}`, `{"items":[{}]}`, `{"convoId":"x","messageId":"y","value":""}`, "\xff\xfe",
		`{"identifier":7,"password":[]}`, `{"status":"bogus"}`, `{"repo":"x","collection":"y","rkey":"z","record":1}`,
		`{"convoId":"` + strings.Repeat("x", 3000) + `"}`}
	params := []string{"", "limit=0", "limit=101", "limit=abc", "cursor=%ff", "cursor=zzzz", "members=", "members=did:web:x",
		"convoId=", "convoId=" + strings.Repeat("y", 600), "status=bogus", "readState=read", "members=a&members=b&members=c&members=d&members=e&members=f&members=g&members=h&members=i&members=j&members=k",
		"convoId=a&convoId=b"}
	tokens := []string{alice.x.Auth.AccessJwt, "", "garbage", "a.b.c", alice.x.Auth.RefreshJwt}
	verbs := []string{"GET", "POST", "PUT", "DELETE"}
	for i := range 100 {
		m := methods[rng.IntN(len(methods))]
		verb := verbs[rng.IntN(len(verbs))]
		u := e.url + "/xrpc/" + m + "?" + params[rng.IntN(len(params))]
		body := bodies[rng.IntN(len(bodies))]
		req, err := http.NewRequestWithContext(e.ctx, verb, u, strings.NewReader(body))
		must(t, err, "request")
		if rng.IntN(3) > 0 {
			req.Header.Set("Content-Type", "application/json")
		} else if rng.IntN(2) == 0 {
			req.Header.Set("Content-Type", "text/plain")
		}
		if tok := tokens[rng.IntN(len(tokens))]; tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err, "call")
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		what := fmt.Sprintf("call %d: %s %s %q", i, verb, strings.TrimPrefix(u, e.url), truncateForLog(body))
		if resp.StatusCode == http.StatusOK {
			// A few random calls are well-formed after all (a listConvos
			// with a valid token): fine, as long as they answer JSON.
			if !json.Valid(b) {
				t.Errorf("%s: 200 without JSON", what)
			}
			continue
		}
		if !(resp.StatusCode >= 400 && resp.StatusCode < 500 || resp.StatusCode == 501) {
			t.Errorf("%s: %d %s", what, resp.StatusCode, b)
		}
		var eb map[string]string
		if json.Unmarshal(b, &eb) != nil || eb["error"] == "" || eb["message"] == "" {
			t.Errorf("%s: %d without a JSON error body: %s", what, resp.StatusCode, b)
		}
	}
}

func truncateForLog(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// checkRecorded checks every recorded XRPC answer: a success is exactly
// 200 with a JSON body that validates against the method's output schema in
// the lexicons shipped inside the indigo module; an error is a JSON
// {error, message} and never a 5xx other than 501.
func checkRecorded(t *testing.T, rec *recorder) {
	t.Helper()
	cat := lexicons(t)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	validated := 0
	for _, x := range rec.seen {
		if x.status != http.StatusOK {
			var eb map[string]string
			if json.Unmarshal(x.body, &eb) != nil || eb["error"] == "" {
				t.Errorf("%s: %d without a JSON error body: %s", x.method, x.status, x.body)
			}
			if x.status >= 500 && x.status != 501 {
				t.Errorf("%s: %d %s", x.method, x.status, x.body)
			}
			continue
		}
		// atdata reads JSON as the validator expects it (integers as int64).
		v, err := atdata.UnmarshalJSON(x.body)
		if err != nil {
			t.Errorf("%s: 200 without a JSON object body: %v", x.method, err)
			continue
		}
		if err := cat.validate(x.method, v); err != nil {
			t.Errorf("%s: the answer does not validate against the lexicon: %v\n%s", x.method, err, x.body)
		}
		validated++
	}
	if validated == 0 {
		t.Error("no answer was validated")
	}
	t.Logf("%d XRPC answers recorded, %d validated against the lexicons", len(rec.seen), validated)
}

// lexCatalog is indigo's lexicon catalog plus, for each method, a record
// type wrapping its output schema: indigo's validator validates records,
// so an answer is checked as {"$type": <wrapper>, "v": answer}.
type lexCatalog struct {
	cat     *lexicon.BaseCatalog
	outputs map[string]string // method -> wrapper NSID
}

var (
	lexOnce sync.Once
	lexCat  *lexCatalog
	lexErr  error
)

func lexicons(t *testing.T) *lexCatalog {
	t.Helper()
	lexOnce.Do(func() { lexCat, lexErr = loadLexicons() })
	if lexErr != nil {
		t.Fatalf("loading the indigo module's lexicons: %v", lexErr)
	}
	return lexCat
}

func loadLexicons() (*lexCatalog, error) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-m", "-f", "{{.Dir}}", "github.com/bluesky-social/indigo").Output()
	if err != nil {
		return nil, fmt.Errorf("go list -m: %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "lexicons")
	lc := &lexCatalog{cat: lexicon.NewBaseCatalog(), outputs: map[string]string{}}
	if err := lc.cat.LoadDirectory(dir); err != nil {
		return nil, err
	}
	for _, nsid := range []string{
		"com.atproto.server.createSession", "com.atproto.server.refreshSession", "com.atproto.server.getSession",
		"com.atproto.identity.resolveHandle", "com.atproto.repo.getRecord", "com.atproto.repo.putRecord",
		"chat.bsky.actor.getStatus", "chat.bsky.convo.getConvoForMembers", "chat.bsky.convo.getConvoAvailability",
		"chat.bsky.convo.listConvos", "chat.bsky.convo.listConvoRequests", "chat.bsky.convo.getConvo",
		"chat.bsky.convo.getConvoMembers", "chat.bsky.convo.acceptConvo", "chat.bsky.convo.leaveConvo",
		"chat.bsky.convo.muteConvo", "chat.bsky.convo.unmuteConvo", "chat.bsky.convo.updateRead",
		"chat.bsky.convo.updateAllRead", "chat.bsky.convo.getMessages", "chat.bsky.convo.sendMessage",
		"chat.bsky.convo.sendMessageBatch", "chat.bsky.convo.deleteMessageForSelf", "chat.bsky.convo.addReaction",
		"chat.bsky.convo.removeReaction", "chat.bsky.convo.getLog",
	} {
		path := filepath.Join(append([]string{dir}, strings.Split(nsid, ".")...)...) + ".json"
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		var file struct {
			Defs map[string]map[string]any `json:"defs"`
		}
		if err := json.Unmarshal(b, &file); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		main := file.Defs["main"]
		output, _ := main["output"].(map[string]any)
		schema, _ := output["schema"].(map[string]any)
		if schema == nil {
			continue // no output (deleteSession): nothing to validate but the status
		}
		// The wrapper keeps the method's other defs so that its local
		// refs ("#batchItem") still resolve.
		wrapper := "test.parley.output." + strings.ReplaceAll(nsid, ".", "X")
		defs := map[string]any{"main": map[string]any{"type": "record", "key": "any", "record": map[string]any{
			"type": "object", "required": []string{"v"}, "properties": map[string]any{"v": absoluteRefs(schema, nsid)},
		}}}
		for k, v := range file.Defs {
			if k != "main" {
				defs[k] = absoluteRefs(v, nsid)
			}
		}
		sb, _ := json.Marshal(map[string]any{"lexicon": 1, "id": wrapper, "defs": defs})
		var sf lexicon.SchemaFile
		if err := json.Unmarshal(sb, &sf); err != nil {
			return nil, fmt.Errorf("%s wrapper: %w", nsid, err)
		}
		if err := lc.cat.AddSchemaFile(sf); err != nil {
			return nil, fmt.Errorf("%s wrapper: %w", nsid, err)
		}
		lc.outputs[nsid] = wrapper
	}
	return lc, nil
}

// absoluteRefs rewrites the local refs ("#x") of a schema to nsid#x.
func absoluteRefs(v any, nsid string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if s, ok := val.(string); ok && k == "ref" && strings.HasPrefix(s, "#") {
				out[k] = nsid + s
				continue
			}
			out[k] = absoluteRefs(val, nsid)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			if s, ok := val.(string); ok && strings.HasPrefix(s, "#") {
				out[i] = nsid + s
				continue
			}
			out[i] = absoluteRefs(val, nsid)
		}
		return out
	}
	return v
}

func (lc *lexCatalog) validate(method string, answer any) error {
	wrapper, ok := lc.outputs[method]
	if !ok {
		if m, isObj := answer.(map[string]any); isObj && len(m) == 0 {
			return nil // a method without output answers {}
		}
		return fmt.Errorf("no output schema known for %s", method)
	}
	return lexicon.ValidateRecord(lc.cat, map[string]any{"$type": wrapper, "v": answer}, wrapper, lexicon.StrictRecursiveValidation)
}

// TestXRPCBatchAllOrNothing: a sendMessageBatch refused part-way stores
// none of its messages. Storing the first ones and answering an error
// would have the client, which cannot tell what went through, send them
// again when it retries. Here the fifth message of the batch is refused:
// a request holds three messages until it is accepted. On both stores: the
// batch is one transaction of several sends.
func TestXRPCBatchAllOrNothing(t *testing.T) {
	onBothStores(t, testBatchAllOrNothing)
}

func testBatchAllOrNothing(t *testing.T, pgURL string) {
	b := newBatchWorld(t, limitsOn, pgURL, false)
	e, rec, alice, toBob, toCarol, item := b.e, b.rec, b.alice, b.toBob, b.toCarol, batchItem
	items := []*chat.ConvoSendMessageBatch_BatchItem{item(toBob.Convo.Id, "to bob")}
	for i := range 4 {
		items = append(items, item(toCarol.Convo.Id, fmt.Sprintf("request %d", i)))
	}
	_, err := chat.ConvoSendMessageBatch(e.ctx, alice.x, &chat.ConvoSendMessageBatch_Input{Items: items})
	if status, _ := xrpcErr(err); status != http.StatusTooManyRequests {
		t.Fatalf("a batch past the request's three messages: %v, want 429", err)
	}
	if n := b.stored(t); n != [2]int{0, 0} {
		t.Errorf("a refused batch stored %v messages (bob, carol)", n)
	}
	// A batch that may go goes whole.
	batch, err := chat.ConvoSendMessageBatch(e.ctx, alice.x, &chat.ConvoSendMessageBatch_Input{Items: items[:4]})
	if ok(t, err, "sendMessageBatch") && len(batch.Items) != 4 {
		t.Errorf("sendMessageBatch: %d items", len(batch.Items))
	}
	checkRecorded(t, rec)
}

// Two batches of one person to the same two conversations, in opposite
// orders and at the same time, both go through: the sends lock their
// conversations in one order (on PostgreSQL, opposite orders deadlocked
// and one batch was aborted).
func TestXRPCBatchesCrossed(t *testing.T) {
	onBothStores(t, testBatchesCrossed)
}

func testBatchesCrossed(t *testing.T, pgURL string) {
	b := newBatchWorld(t, limitsOff, pgURL, true)
	e, alice, toBob, toCarol, item := b.e, b.alice, b.toBob, b.toCarol, batchItem
	const rounds = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*rounds)
	for g, pair := range [][2]string{{toBob.Convo.Id, toCarol.Convo.Id}, {toCarol.Convo.Id, toBob.Convo.Id}} {
		wg.Go(func() {
			for i := range rounds {
				items := []*chat.ConvoSendMessageBatch_BatchItem{item(pair[0], fmt.Sprintf("%d/%d a", g, i)), item(pair[1], fmt.Sprintf("%d/%d b", g, i))}
				out, err := chat.ConvoSendMessageBatch(e.ctx, alice.x, &chat.ConvoSendMessageBatch_Input{Items: items})
				if err == nil && (len(out.Items) != 2 || out.Items[0].Text != items[0].Message.Text || out.Items[1].Text != items[1].Message.Text) {
					err = fmt.Errorf("batch %d/%d answered %d items out of order", g, i, len(out.Items))
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := b.stored(t); n != [2]int{2 * rounds, 2 * rounds} {
		t.Errorf("bob's and carol's conversations hold %v messages, want %d each", n, 2*rounds)
	}
}

// batchWorld is alice with a direct conversation to bob (who follows her)
// and one to carol (a request, unless carol follows her too), on the XRPC
// surface, for the sendMessageBatch tests.
type batchWorld struct {
	e              *env
	rec            *recorder
	alice          *bsky
	bob, carol     *client.Client
	toBob, toCarol *chat.ConvoGetConvoForMembers_Output
}

func newBatchWorld(t *testing.T, l limits, pgURL string, carolFollows bool) *batchWorld {
	t.Helper()
	b := &batchWorld{e: startWith(t, l, func(cfg *server.Config) { cfg.PostgresURL = pgURL })}
	b.rec = &recorder{base: b.e.doc}
	b.e.user("alice")
	b.bob, b.carol = b.e.user("bob"), b.e.user("carol")
	must(t, b.bob.Follow(b.e.ctx, "alice"), "follow")
	if carolFollows {
		must(t, b.carol.Follow(b.e.ctx, "alice"), "follow")
	}
	b.alice = xlogin(t, b.e, b.rec, "alice", password("alice"))
	var err error
	b.toBob, err = chat.ConvoGetConvoForMembers(b.e.ctx, b.alice.x, []string{"bob"})
	must(t, err, "open bob")
	b.toCarol, err = chat.ConvoGetConvoForMembers(b.e.ctx, b.alice.x, []string{"carol"})
	must(t, err, "open carol")
	return b
}

// stored returns how many messages (up to 100) the conversations to bob and
// to carol hold, as bob and carol read them.
func (b *batchWorld) stored(t *testing.T) [2]int {
	t.Helper()
	var n [2]int
	for i, c := range []struct {
		who   *client.Client
		convo string
	}{{b.bob, b.toBob.Convo.Id}, {b.carol, b.toCarol.Convo.Id}} {
		msgs, _, err := c.who.Messages(b.e.ctx, c.convo, "", 100)
		must(t, err, "messages")
		n[i] = len(msgs)
	}
	return n
}

func batchItem(convo, text string) *chat.ConvoSendMessageBatch_BatchItem {
	return &chat.ConvoSendMessageBatch_BatchItem{ConvoId: convo, Message: &chat.ConvoDefs_MessageInput{Text: text}}
}
