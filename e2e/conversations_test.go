package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/parleyhq/parley/client"
)

func TestRequestFlow(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	amy, bob, cat := e.user("amy"), e.user("bob"), e.user("cat")

	// A stranger's conversation lands in the recipient's requests; the
	// sender sees it as accepted.
	conv, created, err := amy.CreateConversation(ctx, []string{"bob"}, "")
	must(t, err, "amy opens a conversation with bob")
	if !created || conv.Kind != "direct" || conv.Status != "accepted" || len(conv.Members) != 2 {
		t.Errorf("amy's new direct conversation: want created, direct, accepted, 2 members; got created=%v %+v", created, conv)
	}
	again, created, err := bob.CreateConversation(ctx, []string{"amy"}, "")
	if ok(t, err, "bob opens the same pair") && (created || again.ID != conv.ID) {
		t.Errorf("bob opens amy: want the existing conversation %s with 200, got %s created=%v", conv.ID, again.ID, created)
	}
	e.send(amy, conv.ID, "hi bob, we met at the conference")

	got, err := bob.Conversation(ctx, conv.ID)
	if ok(t, err, "bob reads the conversation") && got.Status != "request" {
		t.Errorf("bob's view: want status request, got %s", got.Status)
	}
	if !e.inFolder(bob, "requests", conv.ID) || e.inFolder(bob, "inbox", conv.ID) {
		t.Errorf("bob: want the conversation in requests only; requests %v inbox %v", e.folder(bob, "requests"), e.folder(bob, "inbox"))
	}
	if !e.inFolder(amy, "inbox", conv.ID) || e.inFolder(amy, "requests", conv.ID) {
		t.Errorf("amy: want the conversation in her inbox only; inbox %v requests %v", e.folder(amy, "inbox"), e.folder(amy, "requests"))
	}
	if ids := e.folder(bob, ""); !slices.Equal(ids, e.folder(bob, "inbox")) {
		t.Errorf("the default folder must be the inbox: got %v vs %v", ids, e.folder(bob, "inbox"))
	}

	// Accepting moves it to the inbox.
	acc, err := bob.Accept(ctx, conv.ID)
	if ok(t, err, "bob accepts") && acc.Status != "accepted" {
		t.Errorf("accept: want status accepted, got %s", acc.Status)
	}
	if !e.inFolder(bob, "inbox", conv.ID) || e.inFolder(bob, "requests", conv.ID) {
		t.Errorf("bob after accept: want inbox only; inbox %v requests %v", e.folder(bob, "inbox"), e.folder(bob, "requests"))
	}

	// Replying moves a request to the inbox too.
	conv2 := e.direct(cat, "bob")
	e.send(cat, conv2.ID, "hello from cat")
	if !e.inFolder(bob, "requests", conv2.ID) {
		t.Errorf("cat's message: want it in bob's requests, got %v", e.folder(bob, "requests"))
	}
	e.send(bob, conv2.ID, "hi cat")
	got, err = bob.Conversation(ctx, conv2.ID)
	if ok(t, err, "bob reads cat's conversation") && got.Status != "accepted" {
		t.Errorf("after bob replies: want status accepted, got %s", got.Status)
	}
	if !e.inFolder(bob, "inbox", conv2.ID) || e.inFolder(bob, "requests", conv2.ID) {
		t.Errorf("bob after replying: want inbox only; inbox %v requests %v", e.folder(bob, "inbox"), e.folder(bob, "requests"))
	}

	// A message from someone the recipient follows goes straight to the inbox.
	must(t, cat.Follow(ctx, "amy"), "cat follows amy")
	conv3 := e.direct(amy, "cat")
	e.send(amy, conv3.ID, "hi cat")
	got, err = cat.Conversation(ctx, conv3.ID)
	if ok(t, err, "cat reads amy's conversation") && got.Status != "accepted" {
		t.Errorf("message from a followed account: want status accepted, got %s", got.Status)
	}
	if !e.inFolder(cat, "inbox", conv3.ID) {
		t.Errorf("message from a followed account: want it in the inbox, got inbox %v requests %v", e.folder(cat, "inbox"), e.folder(cat, "requests"))
	}

	_, _, err = amy.CreateConversation(ctx, []string{"nobody_here"}, "")
	wantStatus(t, err, http.StatusNotFound, "create a conversation with an unknown handle")
	_, _, err = amy.CreateConversation(ctx, nil, "")
	want4xx(t, err, "create a conversation without members")
	wantStatus(t, errOnly(amy.Conversations(ctx, "spam", "", 0)), http.StatusBadRequest, "GET /conversations?folder=spam")
}

// TestPrivacy checks that a non-member learns nothing: every endpoint about
// someone else's conversation or its messages answers 404, as for an id that
// does not exist.
func TestPrivacy(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ann, bea, eve := e.user("ann"), e.user("bea"), e.user("eve")

	// A direct conversation and a group, each with a message.
	dconv := e.direct(ann, "bea")
	dmsg := e.send(ann, dconv.ID, "private")
	e.user("cal")
	gconv, _, err := ann.CreateConversation(ctx, []string{"bea", "cal"}, "secret club")
	must(t, err, "create group")
	gmsg := e.send(ann, gconv.ID, "also private")

	// Eve's event log must not mention them.
	_, cursor, err := eve.Events(ctx, "", 0)
	must(t, err, "eve's cursor")

	for _, tc := range []struct {
		name   string
		convID string
		msgID  string
	}{
		{"direct", dconv.ID, dmsg.ID},
		{"group", gconv.ID, gmsg.ID},
		{"nonexistent", "00000000000000000000000000", "00000000000000000000000000"},
	} {
		probe := func(what string, err error) {
			t.Helper()
			wantStatus(t, err, http.StatusNotFound, fmt.Sprintf("eve: %s on the %s conversation", what, tc.name))
		}
		_, err := eve.Conversation(ctx, tc.convID)
		probe("GET /conversations/{id}", err)
		_, err = eve.UpdateConversation(ctx, tc.convID, client.ConversationUpdate{Muted: ptr(true)})
		probe("PATCH /conversations/{id} muted", err)
		_, err = eve.UpdateConversation(ctx, tc.convID, client.ConversationUpdate{Title: ptr("pwned")})
		probe("PATCH /conversations/{id} title", err)
		_, err = eve.Accept(ctx, tc.convID)
		probe("POST /conversations/{id}/accept", err)
		probe("POST /conversations/{id}/read", eve.MarkRead(ctx, tc.convID, ""))
		probe("POST /conversations/{id}/read with a message_id", eve.MarkRead(ctx, tc.convID, tc.msgID))
		_, err = eve.AddMembers(ctx, tc.convID, []string{"eve"})
		probe("POST /conversations/{id}/members", err)
		probe("DELETE /conversations/{id}/members/bea", eve.RemoveMember(ctx, tc.convID, "bea"))
		probe("DELETE /conversations/{id}/members/eve", eve.RemoveMember(ctx, tc.convID, "eve"))
		probe("DELETE /conversations/{id}", eve.DeleteConversation(ctx, tc.convID))
		_, _, err = eve.Send(ctx, tc.convID, client.SendParams{Text: "let me in"})
		probe("POST /conversations/{id}/messages", err)
		_, _, err = eve.Messages(ctx, tc.convID, "", 0)
		probe("GET /conversations/{id}/messages", err)
		_, _, err = eve.Messages(ctx, tc.convID, tc.msgID, 0)
		probe("GET /conversations/{id}/messages?before=", err)
		_, err = eve.EditMessage(ctx, tc.msgID, "edited by eve")
		probe("PATCH /messages/{id}", err)
		probe("DELETE /messages/{id}?for=me", eve.DeleteMessage(ctx, tc.msgID, false))
		probe("DELETE /messages/{id}?for=everyone", eve.DeleteMessage(ctx, tc.msgID, true))
		probe("PUT /messages/{id}/reactions/👍", eve.React(ctx, tc.msgID, "👍"))
		probe("DELETE /messages/{id}/reactions/👍", eve.Unreact(ctx, tc.msgID, "👍"))
	}

	// Nothing changed for the members.
	for _, id := range []string{dconv.ID, gconv.ID} {
		c, err := ann.Conversation(ctx, id)
		if ok(t, err, "ann reads her conversation after the probes") {
			if c.Muted || c.Title == "pwned" || len(c.Members) > 3 {
				t.Errorf("eve's probes changed conversation %s: %+v", id, c)
			}
			for _, m := range c.Members {
				if m.Handle == "eve" {
					t.Errorf("eve became a member of %s", id)
				}
			}
		}
		msgs, _, err := bea.Messages(ctx, id, "", 0)
		if ok(t, err, "bea lists messages") && (len(msgs) != 1 || msgs[0].Text == "edited by eve" || msgs[0].Deleted || len(msgs[0].Reactions) != 0) {
			t.Errorf("eve's probes changed the messages of %s: %+v", id, msgs)
		}
	}
	for _, f := range []string{"inbox", "requests", "archived"} {
		if ids := e.folder(eve, f); len(ids) != 0 {
			t.Errorf("eve's %s: want empty, got %v", f, ids)
		}
	}
	evs, _, err := eve.Events(ctx, cursor, 0)
	if ok(t, err, "eve's events") && len(evs) != 0 {
		t.Errorf("eve's event log: want nothing about others' conversations, got %+v", evs)
	}
}

func TestBlocks(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ada, boz := e.user("ada"), e.user("boz")
	conv := e.direct(ada, "boz")
	e.send(ada, conv.ID, "before the block")

	must(t, ada.Block(ctx, "boz"), "ada blocks boz")
	must(t, ada.Block(ctx, "boz"), "ada blocks boz again (idempotent)")

	// Refused both ways, for new and existing conversations.
	_, _, err := boz.CreateConversation(ctx, []string{"ada"}, "")
	wantStatus(t, err, http.StatusForbidden, "blocked boz opens ada")
	_, _, err = ada.CreateConversation(ctx, []string{"boz"}, "")
	wantStatus(t, err, http.StatusForbidden, "blocker ada opens boz")
	_, _, err = boz.Send(ctx, conv.ID, client.SendParams{Text: "let me explain"})
	wantStatus(t, err, http.StatusForbidden, "blocked boz sends in the existing conversation")
	_, _, err = ada.Send(ctx, conv.ID, client.SendParams{Text: "one last thing"})
	wantStatus(t, err, http.StatusForbidden, "blocker ada sends in the existing conversation")

	p, err := ada.Account(ctx, "boz")
	if ok(t, err, "ada views boz") && (!p.BlockedByMe || p.CanMessage) {
		t.Errorf("ada views boz after blocking: want blocked_by_me and not can_message, got %+v", p)
	}
	p, err = boz.Account(ctx, "ada")
	if ok(t, err, "boz views ada") && (p.BlockedByMe || p.CanMessage) {
		t.Errorf("boz views ada (blocked by her): want not blocked_by_me and not can_message, got %+v", p)
	}

	// A group with a blocked pair cannot be formed by either of them.
	e.user("cyd")
	_, _, err = boz.CreateConversation(ctx, []string{"ada", "cyd"}, "")
	wantStatus(t, err, http.StatusForbidden, "boz makes a group with ada who blocks him")

	must(t, ada.Unblock(ctx, "boz"), "unblock")
	must(t, ada.Unblock(ctx, "boz"), "unblock again (idempotent)")
	p, err = boz.Account(ctx, "ada")
	if ok(t, err, "boz views ada after unblock") && !p.CanMessage {
		t.Errorf("after unblock: want can_message, got %+v", p)
	}
	_, _, err = boz.Send(ctx, conv.ID, client.SendParams{Text: "thanks"})
	ok(t, err, "boz sends after unblock")
}

func TestAllowIncoming(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	sam, fan, pal := e.user("sam"), e.user("fan"), e.user("pal")
	must(t, sam.Follow(ctx, "pal"), "sam follows pal")

	_, _, err := sam.UpdateMe(ctx, client.MeUpdate{AllowIncoming: ptr("following")})
	must(t, err, "sam: following only")

	p, err := fan.Account(ctx, "sam")
	if ok(t, err, "fan views sam") && p.CanMessage {
		t.Errorf("fan views sam (following only, fan not followed): want can_message false, got %+v", p)
	}
	_, _, err = fan.CreateConversation(ctx, []string{"sam"}, "")
	if ce := wantStatus(t, err, http.StatusForbidden, "stranger fan opens sam (following only)"); ce != nil && ce.Code != "forbidden" {
		t.Errorf("want code forbidden, got %s", ce.Code)
	}

	p, err = pal.Account(ctx, "sam")
	if ok(t, err, "pal views sam") && !p.CanMessage {
		t.Errorf("pal views sam (sam follows pal): want can_message, got %+v", p)
	}
	conv, _, err := pal.CreateConversation(ctx, []string{"sam"}, "")
	if ok(t, err, "followed pal opens sam") {
		e.send(pal, conv.ID, "hey sam")
		c, err := sam.Conversation(ctx, conv.ID)
		if ok(t, err, "sam reads pal's conversation") && c.Status != "accepted" {
			t.Errorf("pal is followed by sam: want the conversation accepted for sam, got %s", c.Status)
		}
	}

	_, _, err = sam.UpdateMe(ctx, client.MeUpdate{AllowIncoming: ptr("nobody")})
	must(t, err, "sam: nobody")
	e.user("dee")
	must(t, sam.Follow(ctx, "dee"), "sam follows dee")
	dee := e.client(e.url)
	_, _, err = dee.Login(ctx, "dee", password("dee"))
	must(t, err, "dee logs in")
	_, _, err = dee.CreateConversation(ctx, []string{"sam"}, "")
	wantStatus(t, err, http.StatusForbidden, "followed dee opens sam (nobody)")
	p, err = dee.Account(ctx, "sam")
	if ok(t, err, "dee views sam") && p.CanMessage {
		t.Errorf("dee views sam (nobody): want can_message false, got %+v", p)
	}
	// Sam himself can still start conversations.
	_, _, err = sam.CreateConversation(ctx, []string{"fan"}, "")
	ok(t, err, "sam (nobody) opens fan")
}

func TestGroups(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	own, mel, ned := e.user("own"), e.user("mel"), e.user("ned")
	e.user("ola")
	must(t, mel.Follow(ctx, "own"), "mel follows own")
	must(t, ned.Follow(ctx, "own"), "ned follows own")

	g, created, err := own.CreateConversation(ctx, []string{"mel", "ned"}, "Book club")
	must(t, err, "create group")
	if !created || g.Kind != "group" || g.Title != "Book club" || len(g.Members) != 3 {
		t.Errorf("new group: want created group 'Book club' of 3, got created=%v %+v", created, g)
	}
	for _, m := range g.Members {
		want := "member"
		if m.Handle == "own" {
			want = "owner"
		}
		if m.Role != want {
			t.Errorf("member %s: want role %s, got %s", m.Handle, want, m.Role)
		}
	}
	g2, created, err := own.CreateConversation(ctx, []string{"mel", "ned"}, "")
	if ok(t, err, "a second group of the same people") && (!created || g2.ID == g.ID) {
		t.Errorf("a second group of the same members: want a new group, got created=%v id %s (first %s)", created, g2.ID, g.ID)
	}

	_, err = mel.AddMembers(ctx, g.ID, []string{"ola"})
	wantStatus(t, err, http.StatusForbidden, "member mel adds ola")
	wantStatus(t, mel.RemoveMember(ctx, g.ID, "ned"), http.StatusForbidden, "member mel removes ned")

	g, err = own.AddMembers(ctx, g.ID, []string{"ola"})
	if ok(t, err, "owner adds ola") && len(g.Members) != 4 {
		t.Errorf("after adding ola: want 4 members, got %d", len(g.Members))
	}
	ola := e.client(e.url)
	_, _, err = ola.Login(ctx, "ola", password("ola"))
	must(t, err, "ola logs in")
	_, err = ola.Conversation(ctx, g.ID)
	ok(t, err, "ola reads the group she was added to")
	_, err = own.AddMembers(ctx, g.ID, []string{"ghost"})
	wantStatus(t, err, http.StatusNotFound, "owner adds an unknown handle")

	renamed, err := own.UpdateConversation(ctx, g.ID, client.ConversationUpdate{Title: ptr("Reading club")})
	if ok(t, err, "owner renames") && renamed.Title != "Reading club" {
		t.Errorf("rename: want title Reading club, got %q", renamed.Title)
	}

	e.send(mel, g.ID, "chapter 3?")
	must(t, own.RemoveMember(ctx, g.ID, "ned"), "owner removes ned")
	_, err = ned.Conversation(ctx, g.ID)
	wantStatus(t, err, http.StatusNotFound, "removed ned reads the group")
	_, _, err = ned.Send(ctx, g.ID, client.SendParams{Text: "wait"})
	wantStatus(t, err, http.StatusNotFound, "removed ned sends to the group")

	must(t, mel.RemoveMember(ctx, g.ID, "mel"), "mel leaves")
	_, _, err = mel.Messages(ctx, g.ID, "", 0)
	wantStatus(t, err, http.StatusNotFound, "mel lists the group she left")
	g, err = own.Conversation(ctx, g.ID)
	if ok(t, err, "owner reads the group") {
		var hs []string
		for _, m := range g.Members {
			hs = append(hs, m.Handle)
		}
		slices.Sort(hs)
		if !slices.Equal(hs, []string{"ola", "own"}) {
			t.Errorf("after ned was removed and mel left: want members [ola own], got %v", hs)
		}
	}
	// A direct conversation has exactly two members.
	d := e.direct(own, "mel")
	_, err = own.AddMembers(ctx, d.ID, []string{"ola"})
	want4xx(t, err, "add a member to a direct conversation")
}

func TestGroupCap(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	own := e.user("own")
	hs := e.signupMany("mem", 100)

	// 101 members (the owner and 100 others) is one too many.
	_, _, err := own.CreateConversation(ctx, hs, "too big")
	wantStatus(t, err, http.StatusBadRequest, "create a group of 101")

	// 99 members, then two owners' adds race for the last seat: exactly
	// one wins.
	g, _, err := own.CreateConversation(ctx, hs[:98], "almost full")
	must(t, err, "create a group of 99")
	if len(g.Members) != 99 {
		t.Errorf("group of 99: got %d members", len(g.Members))
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = own.AddMembers(ctx, g.ID, hs[98+i:99+i])
		}()
	}
	wg.Wait()
	wins, loser := 0, ""
	for i, err := range errs {
		if err == nil {
			wins++
		} else {
			loser = hs[98+i]
			wantStatus(t, err, http.StatusBadRequest, "the losing add of the race for the 100th seat")
		}
	}
	if wins != 1 {
		t.Errorf("two concurrent adds for the last seat: want exactly one to succeed, got %d", wins)
	}
	g, err = own.Conversation(ctx, g.ID)
	if ok(t, err, "read the full group") && len(g.Members) != 100 {
		t.Errorf("full group: want 100 members, got %d", len(g.Members))
	}
	if loser != "" {
		_, err = own.AddMembers(ctx, g.ID, []string{loser})
		wantStatus(t, err, http.StatusBadRequest, "add to a full group")
	}
}

// TestFollowListsHideBlocks: blocking hides both ways in follow lists too.
// Neither side finds the other in a third account's followers, and neither
// browses the other's follows; the third account still sees both.
func TestFollowListsHideBlocks(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ada, boz, cyd := e.user("ada"), e.user("boz"), e.user("cyd")
	must(t, ada.Follow(ctx, "cyd"), "ada follows cyd")
	must(t, boz.Follow(ctx, "cyd"), "boz follows cyd")
	must(t, cyd.Follow(ctx, "ada"), "cyd follows ada")
	must(t, ada.Block(ctx, "boz"), "ada blocks boz")

	handles := func(who *client.Client, handle string, following bool) []string {
		t.Helper()
		list := who.Followers
		if following {
			list = who.Following
		}
		accs, _, err := list(ctx, handle, "", 50)
		must(t, err, "list "+handle)
		hs := []string{}
		for _, a := range accs {
			hs = append(hs, a.Handle)
		}
		slices.Sort(hs)
		return hs
	}
	for _, c := range []struct {
		who       *client.Client
		name      string
		handle    string
		following bool
		want      []string
	}{
		{cyd, "cyd", "cyd", false, []string{"ada", "boz"}},
		{boz, "boz", "cyd", false, []string{"boz"}}, // ada blocks him: not in the list he sees
		{ada, "ada", "cyd", false, []string{"ada"}}, // she blocks boz: not in hers either
		{boz, "boz", "ada", true, []string{}},       // ada's follows are hidden from boz
		{boz, "boz", "ada", false, []string{}},      // and her followers
		{ada, "ada", "boz", true, []string{}},       // and his from her
		{cyd, "cyd", "ada", true, []string{"cyd"}},  // a third party sees ada's follows
	} {
		if got := handles(c.who, c.handle, c.following); !slices.Equal(got, c.want) {
			t.Errorf("%s lists %s's %s: %v, want %v", c.name, c.handle, map[bool]string{false: "followers", true: "follows"}[c.following], got, c.want)
		}
	}
	must(t, ada.Unblock(ctx, "boz"), "unblock")
	if got := handles(boz, "cyd", false); !slices.Equal(got, []string{"ada", "boz"}) {
		t.Errorf("after the unblock boz lists cyd's followers: %v, want [ada boz]", got)
	}
}

// TestFolderCounts: the badges' counts come from the server, so they are
// right beyond the first page a client loads (50 conversations): unread
// inbox conversations and requests, each with its ids, most recently active
// first; reading or accepting moves them, and they are nobody else's.
func TestFolderCounts(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	amy, bob, cat := e.user("amy"), e.user("bob"), e.user("cat")
	must(t, bob.Follow(ctx, "amy"), "bob follows amy")
	var groups []string
	for i := range 55 {
		g, _, err := amy.CreateConversation(ctx, []string{"bob", "cat"}, fmt.Sprintf("group %d", i))
		must(t, err, "amy creates a group")
		e.send(amy, g.ID, "hello")
		groups = append(groups, g.ID)
	}
	req := e.direct(cat, "bob")
	e.send(cat, req.ID, "a request")

	got, err := bob.FolderCounts(ctx)
	must(t, err, "bob's counts")
	slices.Reverse(groups)
	if got.InboxUnread != 55 || !slices.Equal(got.InboxUnreadIDs, groups) {
		t.Errorf("bob's unread inbox: %d %v, want the 55 groups, newest first", got.InboxUnread, got.InboxUnreadIDs)
	}
	if got.Requests != 1 || !slices.Equal(got.RequestIDs, []string{req.ID}) {
		t.Errorf("bob's requests: %d %v, want cat's %s", got.Requests, got.RequestIDs, req.ID)
	}
	if page, next, err := bob.Conversations(ctx, "inbox", "", 0); err != nil || len(page) >= 55 || next == "" {
		t.Fatalf("the first inbox page holds %d conversations (%v): the test needs more than a page", len(page), err)
	}

	// Reading one and accepting the request move the counts.
	must(t, bob.MarkRead(ctx, groups[54], ""), "bob reads the oldest group")
	_, err = bob.Accept(ctx, req.ID)
	must(t, err, "bob accepts cat's request")
	got, err = bob.FolderCounts(ctx)
	must(t, err, "bob's counts after reading and accepting")
	if got.InboxUnread != 55 || got.Requests != 0 || slices.Contains(got.InboxUnreadIDs, groups[54]) || !slices.Contains(got.InboxUnreadIDs, req.ID) {
		t.Errorf("after a read and an accept: %+v; want 54 groups and cat's conversation unread, no requests", got)
	}

	// cat is in every group, not following amy: they are her requests,
	// and her own message is not unread to her.
	got, err = cat.FolderCounts(ctx)
	must(t, err, "cat's counts")
	if got.InboxUnread != 0 || got.Requests != 55 || got.RequestsUnread != 55 {
		t.Errorf("cat's counts: %d unread, %d requests, %d unread; want 0 and the 55 groups, all unread", got.InboxUnread, got.Requests, got.RequestsUnread)
	}
	// A muted conversation does not light the badge.
	muted := true
	_, err = bob.UpdateConversation(ctx, groups[0], client.ConversationUpdate{Muted: &muted})
	must(t, err, "bob mutes the newest group")
	got, err = bob.FolderCounts(ctx)
	must(t, err, "bob's counts after muting")
	if got.InboxUnread != 54 || slices.Contains(got.InboxUnreadIDs, groups[0]) {
		t.Errorf("after a mute: %d unread %v; want 54 without the muted group", got.InboxUnread, got.InboxUnreadIDs)
	}
	_, err = e.anon().FolderCounts(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "counts without a session")
}

// TestReadMarkers: a conversation answers how far the others have read it,
// as their read.updated events would have told the caller, so that a
// device that was offline shows "Seen" too: both sides must allow read
// receipts, the reader must have accepted, and a block hides it.
func TestReadMarkers(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	amy, bob, cat := e.user("amy"), e.user("bob"), e.user("cat")
	reads := func(c *client.Client, id string) map[string]int64 {
		t.Helper()
		rs, err := c.Reads(ctx, id)
		must(t, err, "reads")
		out := map[string]int64{}
		for _, r := range rs {
			out[r.UserID] = r.ReadSeq
		}
		return out
	}
	me := func(c *client.Client) string {
		t.Helper()
		a, _, err := c.Me(ctx)
		must(t, err, "me")
		return a.ID
	}
	bobID, catID := me(bob), me(cat)

	conv := e.direct(amy, "bob")
	e.send(amy, conv.ID, "one")
	e.send(amy, conv.ID, "two")
	must(t, bob.MarkRead(ctx, conv.ID, ""), "bob reads the request")
	if got := reads(amy, conv.ID); len(got) != 0 {
		t.Errorf("bob has not accepted: amy sees %v, want nothing", got)
	}
	_, err := bob.Accept(ctx, conv.ID)
	must(t, err, "bob accepts")
	if got := reads(amy, conv.ID); got[bobID] != 2 || len(got) != 1 {
		t.Errorf("after bob accepted: %v, want bob at 2", got)
	}
	// A send moves the sender's own marker: amy has read up to her last.
	if got := reads(bob, conv.ID); got[me(amy)] != 2 || len(got) != 1 {
		t.Errorf("bob sees %v, want amy at 2 (her own messages)", got)
	}
	off, on := false, true
	_, _, err = bob.UpdateMe(ctx, client.MeUpdate{ReadReceipts: &off})
	must(t, err, "bob turns read receipts off")
	if got := reads(amy, conv.ID); len(got) != 0 {
		t.Errorf("bob shares no receipts: amy sees %v", got)
	}
	_, _, err = bob.UpdateMe(ctx, client.MeUpdate{ReadReceipts: &on})
	must(t, err, "bob turns them on again")
	_, _, err = amy.UpdateMe(ctx, client.MeUpdate{ReadReceipts: &off})
	must(t, err, "amy turns read receipts off")
	if got := reads(amy, conv.ID); len(got) != 0 {
		t.Errorf("amy shares no receipts, so she sees none: %v", got)
	}
	_, _, err = amy.UpdateMe(ctx, client.MeUpdate{ReadReceipts: &on})
	must(t, err, "amy turns them on again")
	must(t, amy.Block(ctx, "bob"), "amy blocks bob")
	if got := reads(amy, conv.ID); len(got) != 0 {
		t.Errorf("under a block: %v, want nothing", got)
	}
	must(t, amy.Unblock(ctx, "bob"), "amy unblocks bob")

	// A group lists each member who read, and not a stranger.
	must(t, bob.Follow(ctx, "amy"), "bob follows amy")
	must(t, cat.Follow(ctx, "amy"), "cat follows amy")
	g, _, err := amy.CreateConversation(ctx, []string{"bob", "cat"}, "Plans")
	must(t, err, "amy's group")
	m := e.send(amy, g.ID, "dinner?")
	must(t, bob.MarkRead(ctx, g.ID, ""), "bob reads")
	must(t, cat.MarkRead(ctx, g.ID, m.ID), "cat reads")
	if got := reads(amy, g.ID); got[bobID] != 1 || got[catID] != 1 || len(got) != 2 {
		t.Errorf("the group: %v, want bob and cat at 1", got)
	}
	_, err = e.user("dan").Reads(ctx, g.ID)
	wantStatus(t, err, http.StatusNotFound, "a stranger's reads of the group")
}
