package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// conversationTests check dm.ConversationTx: the direct pair, the view of a conversation, folders and their paging.
var conversationTests = []test{
	{"DirectPair", testDirectPair},
	{"ConversationView", testConversationView},
	{"UnreadAndLastMessage", testUnreadAndLastMessage},
	{"Folders", testFolders},
	{"FolderPaging", testFolderPaging},
	{"EmptyDirectListed", testEmptyDirectListed},
	{"ClearedConversation", testClearedConversation},
	{"SuspendedMembers", testSuspendedMembers},
	{"FolderCounts", testFolderCounts},
}

// testFolderCounts: the badges count the inbox's conversations with a
// message the viewer would see as unread (not a request, not an archived
// or muted one, not the viewer's own message, not one deleted for everyone
// or hidden by the viewer, nothing before a clear), the requests as the
// folder lists them, and the unread requests, most recently active first,
// up to MaxFolderCount; groups left out on demand.
func testFolderCounts(t *testing.T, s dm.Store) {
	ctx := context.Background()
	u, o, p, q := newAccount(t, s, "user"), newAccount(t, s, "other"), newAccount(t, s, "third"), newAccount(t, s, "fourth")
	countsOf := func(directOnly bool) *dm.FolderCounts {
		t.Helper()
		var c *dm.FolderCounts
		view(t, s, func(tx dm.Tx) error {
			var err error
			c, err = tx.FolderCounts(ctx, u.ID, directOnly)
			return err
		})
		return c
	}
	counts := func() *dm.FolderCounts { t.Helper(); return countsOf(false) }
	if c := counts(); len(c.InboxUnread) != 0 || len(c.Requests) != 0 || len(c.RequestsUnread) != 0 {
		t.Fatalf("a new account's counts = %+v, want none", c)
	}
	unread := newConversation(t, s, dm.ConversationGroup, at(1), owner(o), accepted(u))
	send(t, s, unread.ID, o, "hi", at(2))
	read := newConversation(t, s, dm.ConversationGroup, at(1), owner(o), accepted(u))
	send(t, s, read.ID, o, "read", at(3))
	changeMembership(t, s, read.ID, u, func(m *dm.Membership) { m.LastReadSeq = 1 })
	own := newConversation(t, s, dm.ConversationGroup, at(1), owner(u), accepted(o))
	send(t, s, own.ID, u, "mine", at(4))
	archived := newConversation(t, s, dm.ConversationGroup, at(1), owner(o), accepted(u))
	send(t, s, archived.ID, o, "archived", at(5))
	changeMembership(t, s, archived.ID, u, func(m *dm.Membership) { m.Archived = true })
	deleted := newConversation(t, s, dm.ConversationGroup, at(1), owner(o), accepted(u))
	dm1 := send(t, s, deleted.ID, o, "unsent", at(6))
	update(t, s, func(tx dm.Tx) error {
		dm1.Text, dm1.Deleted = "", true
		return tx.UpdateMessage(ctx, dm1)
	})
	hidden := newConversation(t, s, dm.ConversationGroup, at(1), owner(o), accepted(u))
	hm := send(t, s, hidden.ID, o, "hidden", at(7))
	update(t, s, func(tx dm.Tx) error { return tx.HideMessage(ctx, hm.ID, u.ID) })
	cleared := newConversation(t, s, dm.ConversationGroup, at(1), owner(o), accepted(u))
	send(t, s, cleared.ID, o, "cleared", at(8))
	changeMembership(t, s, cleared.ID, u, func(m *dm.Membership) { m.ClearedSeq = 1 })
	req := newConversation(t, s, dm.ConversationDirect, at(1), accepted(p), request(u))
	send(t, s, req.ID, p, "a request", at(9))
	newConversation(t, s, dm.ConversationDirect, at(10), accepted(o), request(u)) // no message yet: in no list
	groupRequest := newConversation(t, s, dm.ConversationGroup, at(11), owner(p), request(u))
	muted := newConversation(t, s, dm.ConversationGroup, at(1), owner(o), accepted(u))
	send(t, s, muted.ID, o, "muted", at(8))
	changeMembership(t, s, muted.ID, u, func(m *dm.Membership) { m.Muted = true })
	later := newConversation(t, s, dm.ConversationGroup, at(1), owner(p), accepted(u))
	send(t, s, later.ID, p, "later", at(12))
	direct := newConversation(t, s, dm.ConversationDirect, at(1), accepted(q), accepted(u))
	send(t, s, direct.ID, q, "direct", at(1))

	c := counts()
	if want := []string{req.ID}; !slices.Equal(c.RequestsUnread, want) {
		t.Errorf("RequestsUnread = %v, want %v (the group request has no message)", c.RequestsUnread, want)
	}
	if d := countsOf(true); !slices.Equal(d.InboxUnread, []string{direct.ID}) || !slices.Equal(d.Requests, []string{req.ID}) || !slices.Equal(d.RequestsUnread, []string{req.ID}) {
		t.Errorf("direct only: %+v, want the direct conversation unread and the direct request", d)
	}
	if want := []string{later.ID, unread.ID, direct.ID}; !slices.Equal(c.InboxUnread, want) {
		t.Errorf("InboxUnread = %v, want %v (later, unread, direct)", c.InboxUnread, want)
	}
	if want := []string{groupRequest.ID, req.ID}; !slices.Equal(c.Requests, want) {
		t.Errorf("Requests = %v, want %v (the group, the direct request)", c.Requests, want)
	}
	// Reading takes a conversation off; accepting a request moves it to
	// the inbox's count.
	changeMembership(t, s, later.ID, u, func(m *dm.Membership) { m.LastReadSeq = 1 })
	changeMembership(t, s, req.ID, u, func(m *dm.Membership) { m.Status = dm.StatusAccepted })
	c = counts()
	if want := []string{req.ID, unread.ID, direct.ID}; !slices.Equal(c.InboxUnread, want) {
		t.Errorf("after a read and an accept: InboxUnread = %v, want %v", c.InboxUnread, want)
	}
	if want := []string{groupRequest.ID}; !slices.Equal(c.Requests, want) {
		t.Errorf("after an accept: Requests = %v, want %v", c.Requests, want)
	}
	// The count stops at MaxFolderCount.
	for i := range dm.MaxFolderCount {
		g := newConversation(t, s, dm.ConversationGroup, at(20+i), owner(o), accepted(u))
		send(t, s, g.ID, o, "many", at(20+i))
	}
	if c := counts(); len(c.InboxUnread) != dm.MaxFolderCount {
		t.Errorf("with %d unread conversations: %d counted, want %d", dm.MaxFolderCount+3, len(c.InboxUnread), dm.MaxFolderCount)
	}
}

// testSuspendedMembers: a conversation's members say whether each is
// suspended (the XRPC surface shows them as chatDisabled), in a group and
// in a direct conversation, read one at a time or as a folder page.
func testSuspendedMembers(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c, d := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol"), newAccount(t, s, "dave")
	group := newConversation(t, s, dm.ConversationGroup, at(0), owner(a), accepted(b), accepted(c))
	direct := newConversation(t, s, dm.ConversationDirect, at(1), accepted(a), accepted(d))
	send(t, s, direct.ID, a, "hi", at(2))
	update(t, s, func(tx dm.Tx) error {
		if err := tx.SetSuspended(ctx, b.ID, ptrTime(at(3))); err != nil {
			return err
		}
		return tx.SetSuspended(ctx, d.ID, ptrTime(at(3)))
	})
	suspended := map[string]bool{b.ID: true, d.ID: true}
	check := func(how string, conv *dm.Conversation) {
		t.Helper()
		if len(conv.Members) == 0 {
			t.Errorf("%s: no members", how)
		}
		for _, m := range conv.Members {
			if m.Suspended != suspended[m.ID] {
				t.Errorf("%s: member %s Suspended = %v, want %v", how, m.Handle, m.Suspended, suspended[m.ID])
			}
		}
	}
	for _, id := range []string{group.ID, direct.ID} {
		check("Conversation by alice", getConversation(t, s, id, a))
	}
	check("Conversation by dave, suspended", getConversation(t, s, direct.ID, d))
	page := folder(t, s, a, dm.FolderInbox, 50)
	if len(page) != 2 {
		t.Fatalf("alice's inbox: %d conversations, want 2", len(page))
	}
	for i := range page {
		check("alice's inbox", &page[i])
	}
}

func testDirectPair(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol")
	conv := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), request(b))
	view(t, s, func(tx dm.Tx) error {
		for _, pair := range [][2]string{{a.ID, b.ID}, {b.ID, a.ID}} {
			id, err := tx.DirectConversationID(ctx, pair[0], pair[1])
			if err != nil || id != conv.ID {
				t.Errorf("DirectConversationID = %q, %v; want %s", id, err, conv.ID)
			}
		}
		_, err := tx.DirectConversationID(ctx, a.ID, c.ID)
		wantCode(t, "DirectConversationID(no conversation)", err, dm.ENOTFOUND)
		return nil
	})
	for _, order := range [][2]*dm.Account{{a, b}, {b, a}} {
		second := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: at(1), UpdatedAt: at(1)}
		err := s.Update(ctx, func(tx dm.Tx) error {
			return tx.CreateConversation(ctx, second, []dm.Membership{
				{ConversationID: second.ID, UserID: order[0].ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: at(1)},
				{ConversationID: second.ID, UserID: order[1].ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: at(1)},
			})
		})
		wantCode(t, "a second direct conversation", err, dm.ECONFLICT)
	}
	// A group of the same pair is no direct conversation.
	newConversation(t, s, dm.ConversationGroup, at(2), owner(a), accepted(b))
	view(t, s, func(tx dm.Tx) error {
		id, err := tx.DirectConversationID(ctx, a.ID, b.ID)
		if err != nil || id != conv.ID {
			t.Errorf("DirectConversationID after a group = %q, %v; want %s", id, err, conv.ID)
		}
		return nil
	})
}

func testConversationView(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c, d := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol"), newAccount(t, s, "dave")
	// Join order is the order given, not the order of ids or handles.
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(c), accepted(a), request(b))

	got := getConversation(t, s, conv.ID, b)
	if got.ID != conv.ID || got.Kind != dm.ConversationGroup || got.Title != conv.Title {
		t.Errorf("Conversation = %+v, want %+v", got, conv)
	}
	want := []dm.Member{
		{Profile: c.Profile(), Role: dm.RoleOwner},
		{Profile: a.Profile(), Role: dm.RoleMember},
		{Profile: b.Profile(), Role: dm.RoleMember},
	}
	if !slices.Equal(got.Members, want) {
		t.Errorf("Members = %+v, want %+v", got.Members, want)
	}
	if got.Status != dm.StatusRequest || got.Muted || got.Archived || got.UnreadCount != 0 || got.LastReadSeq != 0 || got.LastMessage != nil {
		t.Errorf("b's view of a new conversation = %+v", got)
	}
	wantUTC(t, "CreatedAt", got.CreatedAt, at(0))
	wantUTC(t, "UpdatedAt of a new conversation", got.UpdatedAt, at(0))
	if got := getConversation(t, s, conv.ID, a); got.Status != dm.StatusAccepted {
		t.Errorf("a's Status = %s, want accepted", got.Status)
	}

	changeMembership(t, s, conv.ID, b, func(m *dm.Membership) {
		m.Status, m.Muted, m.Archived, m.LastReadSeq = dm.StatusAccepted, true, true, 0
	})
	got = getConversation(t, s, conv.ID, b)
	if got.Status != dm.StatusAccepted || !got.Muted || !got.Archived {
		t.Errorf("b's view after accept, mute, archive = %+v", got)
	}
	if got := getConversation(t, s, conv.ID, a); got.Muted || got.Archived {
		t.Errorf("b's mute and archive leaked into a's view: %+v", got)
	}

	update(t, s, func(tx dm.Tx) error { return tx.SetTitle(ctx, conv.ID, "Renamed", at(5)) })
	got = getConversation(t, s, conv.ID, a)
	if got.Title != "Renamed" {
		t.Errorf("Title = %q after SetTitle", got.Title)
	}
	wantUTC(t, "UpdatedAt after SetTitle", got.UpdatedAt, at(5))
	send(t, s, conv.ID, a, "hello", at(9))
	wantUTC(t, "UpdatedAt after a message", getConversation(t, s, conv.ID, b).UpdatedAt, at(9))

	view(t, s, func(tx dm.Tx) error {
		_, err := tx.Conversation(ctx, conv.ID, d.ID)
		wantCode(t, "Conversation(non-member)", err, dm.ENOTFOUND)
		_, err = tx.Conversation(ctx, dm.NewID(), a.ID)
		wantCode(t, "Conversation(unknown)", err, dm.ENOTFOUND)
		return nil
	})
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.SetTitle(ctx, dm.NewID(), "x", at(6)) })
	wantCode(t, "SetTitle(unknown)", err, dm.ENOTFOUND)
}

func testUnreadAndLastMessage(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol")
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(a), accepted(b), accepted(c))
	unread := func(u *dm.Account) int { return getConversation(t, s, conv.ID, u).UnreadCount }

	m1 := send(t, s, conv.ID, a, "one", at(1))
	send(t, s, conv.ID, b, "two", at(2))
	m3 := send(t, s, conv.ID, c, "three", at(3))
	m4 := send(t, s, conv.ID, a, "four", at(4))
	// Others' messages only.
	if ua, ub, uc := unread(a), unread(b), unread(c); ua != 2 || ub != 3 || uc != 3 {
		t.Errorf("unread a, b, c = %d, %d, %d; want 2, 3, 3", ua, ub, uc)
	}
	lm := getConversation(t, s, conv.ID, b).LastMessage
	if lm == nil || lm.ID != m4.ID || lm.Seq != 4 || lm.Text != "four" || lm.Sender.ID != a.ID || lm.Sender.Handle != "alice" {
		t.Errorf("LastMessage = %+v, want message 4 from alice", lm)
	} else {
		wantUTC(t, "LastMessage.CreatedAt", lm.CreatedAt, at(4))
	}

	// Reading up to seq 3 leaves message 4.
	changeMembership(t, s, conv.ID, b, func(m *dm.Membership) { m.LastReadSeq = 3 })
	if got := getConversation(t, s, conv.ID, b); got.UnreadCount != 1 || got.LastReadSeq != 3 {
		t.Errorf("b after reading to 3: unread %d, last_read_seq %d; want 1, 3", got.UnreadCount, got.LastReadSeq)
	}
	// Deleted for everyone: unread for nobody.
	update(t, s, func(tx dm.Tx) error {
		m1.Text, m1.Deleted = "", true
		return tx.UpdateMessage(ctx, m1)
	})
	if uc := unread(c); uc != 2 {
		t.Errorf("c's unread after a message was deleted for everyone = %d, want 2", uc)
	}
	// Hidden by c: unread for c no more, still for b.
	update(t, s, func(tx dm.Tx) error { return tx.HideMessage(ctx, m4.ID, c.ID) })
	if uc, ub := unread(c), unread(b); uc != 1 || ub != 1 {
		t.Errorf("after c hid message 4: unread c %d (want 1), b %d (want 1)", uc, ub)
	}
	// Cleared by a: no last message, nothing unread; a newer message is both.
	changeMembership(t, s, conv.ID, a, func(m *dm.Membership) { m.ClearedSeq = 4 })
	if got := getConversation(t, s, conv.ID, a); got.LastMessage != nil || got.UnreadCount != 0 {
		t.Errorf("a after clearing: last message %+v, unread %d; want none, 0", got.LastMessage, got.UnreadCount)
	}
	if got := getConversation(t, s, conv.ID, b); got.LastMessage == nil || got.LastMessage.Seq != 4 {
		t.Errorf("a's clear changed b's last message: %+v", got.LastMessage)
	}
	m5 := send(t, s, conv.ID, c, "five", at(5))
	if got := getConversation(t, s, conv.ID, a); got.LastMessage == nil || got.LastMessage.ID != m5.ID || got.UnreadCount != 1 {
		t.Errorf("a after a newer message: last %+v, unread %d; want message 5, 1", got.LastMessage, got.UnreadCount)
	}
	// The last message keeps its place when deleted for everyone.
	update(t, s, func(tx dm.Tx) error {
		m5.Text, m5.Deleted = "", true
		return tx.UpdateMessage(ctx, m5)
	})
	if got := getConversation(t, s, conv.ID, b); got.LastMessage == nil || got.LastMessage.ID != m5.ID || !got.LastMessage.Deleted {
		t.Errorf("last message deleted for everyone: %+v", got.LastMessage)
	}
	_ = m3
}

func testFolders(t *testing.T, s dm.Store) {
	u, o := newAccount(t, s, "user"), newAccount(t, s, "other")
	c1 := newConversation(t, s, dm.ConversationGroup, at(1), owner(u), accepted(o))
	c2 := newConversation(t, s, dm.ConversationGroup, at(2), owner(o), accepted(u))
	c3 := newConversation(t, s, dm.ConversationGroup, at(3), owner(o), request(u))
	c4 := newConversation(t, s, dm.ConversationGroup, at(4), owner(o), accepted(u))
	changeMembership(t, s, c4.ID, u, func(m *dm.Membership) { m.Archived = true })

	check := func(step string, a *dm.Account, name string, want ...string) {
		t.Helper()
		for _, limit := range []int{1, 2, 50} {
			if got := ids(folder(t, s, a, name, limit)); !slices.Equal(got, want) {
				t.Errorf("%s: %s of %s (limit %d) = %v, want %v", step, name, a.Handle, limit, got, want)
			}
		}
	}
	check("start", u, dm.FolderInbox, c2.ID, c1.ID)
	check("start", u, dm.FolderRequests, c3.ID)
	check("start", u, dm.FolderArchived, c4.ID)
	check("start", o, dm.FolderInbox, c4.ID, c3.ID, c2.ID, c1.ID)

	// A message moves its conversation to the top of every member's folder.
	send(t, s, c1.ID, o, "hi", at(10))
	check("after a message in c1", u, dm.FolderInbox, c1.ID, c2.ID)
	check("after a message in c1", o, dm.FolderInbox, c1.ID, c4.ID, c3.ID, c2.ID)
	send(t, s, c3.ID, o, "a request", at(11))
	check("after a message in c3", u, dm.FolderRequests, c3.ID)
	check("after a message in c3", u, dm.FolderInbox, c1.ID, c2.ID)

	// Accepting and unarchiving move conversations to the inbox, in order.
	changeMembership(t, s, c3.ID, u, func(m *dm.Membership) { m.Status = dm.StatusAccepted })
	changeMembership(t, s, c4.ID, u, func(m *dm.Membership) { m.Archived = false })
	check("after accept and unarchive", u, dm.FolderInbox, c3.ID, c1.ID, c4.ID, c2.ID)
	check("after accept and unarchive", u, dm.FolderRequests)
	check("after accept and unarchive", u, dm.FolderArchived)

	// The conversations carry the viewer's view.
	for _, c := range folder(t, s, u, dm.FolderInbox, 50) {
		if len(c.Members) != 2 || c.Status != dm.StatusAccepted {
			t.Errorf("inbox conversation %s: %+v", c.ID, c)
		}
		if c.ID == c3.ID && (c.LastMessage == nil || c.LastMessage.Text != "a request" || c.UnreadCount != 1) {
			t.Errorf("inbox conversation c3: last %+v, unread %d", c.LastMessage, c.UnreadCount)
		}
	}
	view(t, s, func(tx dm.Tx) error {
		_, _, err := tx.Conversations(context.Background(), u.ID, "trash", "", 10)
		if err == nil {
			t.Errorf("Conversations(unknown folder) succeeded")
		}
		return nil
	})
}

// testEmptyDirectListed: a direct conversation with no message yet is in
// neither member's lists (the recipient's Requests included) until its first
// message; a group is listed at once.
func testEmptyDirectListed(t *testing.T, s dm.Store) {
	a := newAccount(t, s, "sender")
	b := newAccount(t, s, "recipient")
	c := newAccount(t, s, "third")
	direct := newConversation(t, s, dm.ConversationDirect, at(1), accepted(a), request(b))
	group := newConversation(t, s, dm.ConversationGroup, at(2), accepted(a), request(c))
	for _, who := range []*dm.Account{a, b} {
		for _, f := range []string{dm.FolderInbox, dm.FolderRequests, dm.FolderArchived} {
			if got := ids(folder(t, s, who, f, 50)); slices.Contains(got, direct.ID) {
				t.Errorf("%s's %s lists the empty direct conversation: %v", who.Handle, f, got)
			}
		}
	}
	if got := ids(folder(t, s, a, dm.FolderInbox, 50)); !slices.Equal(got, []string{group.ID}) {
		t.Errorf("sender's inbox before the first message = %v, want the group only", got)
	}
	if got := ids(folder(t, s, c, dm.FolderRequests, 50)); !slices.Equal(got, []string{group.ID}) {
		t.Errorf("group member's requests = %v, want the group", got)
	}
	send(t, s, direct.ID, a, "hello", at(3))
	if got := ids(folder(t, s, a, dm.FolderInbox, 50)); !slices.Equal(got, []string{direct.ID, group.ID}) {
		t.Errorf("sender's inbox after the first message = %v", got)
	}
	if got := ids(folder(t, s, b, dm.FolderRequests, 50)); !slices.Equal(got, []string{direct.ID}) {
		t.Errorf("recipient's requests after the first message = %v, want the conversation", got)
	}
}

func testFolderPaging(t *testing.T, s dm.Store) {
	u := newAccount(t, s, "user")
	// 23 conversations; several share the same activity time, so that the
	// order must break ties to page without duplicates or gaps.
	for i := range 23 {
		peer := newAccount(t, s, fmt.Sprintf("peer%d", i))
		c := newConversation(t, s, dm.ConversationDirect, at(i/3), accepted(u), accepted(peer))
		send(t, s, c.ID, peer, "hi", at(i/3))
	}
	all := folder(t, s, u, dm.FolderInbox, 50)
	if len(all) != 23 {
		t.Fatalf("inbox has %d conversations, want 23", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].UpdatedAt.After(all[i-1].UpdatedAt) {
			t.Errorf("inbox not most recent first at %d: %v after %v", i, all[i].UpdatedAt, all[i-1].UpdatedAt)
		}
	}
	for _, limit := range []int{1, 4, 5, 22, 23, 24} {
		if got := ids(folder(t, s, u, dm.FolderInbox, limit)); !slices.Equal(got, ids(all)) {
			t.Errorf("inbox by pages of %d = %v, want %v", limit, got, ids(all))
		}
	}
	// New activity between two pages moves a conversation to the top: the
	// rest of the pages still hold each other conversation once.
	var first []dm.Conversation
	var next string
	view(t, s, func(tx dm.Tx) (err error) {
		first, next, err = tx.Conversations(context.Background(), u.ID, dm.FolderInbox, "", 5)
		return err
	})
	moved := all[10].ID
	send(t, s, moved, u, "bump", at(100))
	seen := ids(first)
	for next != "" {
		var page []dm.Conversation
		cursor := next
		view(t, s, func(tx dm.Tx) (err error) {
			page, next, err = tx.Conversations(context.Background(), u.ID, dm.FolderInbox, cursor, 5)
			return err
		})
		seen = append(seen, ids(page)...)
	}
	for _, c := range all {
		n := 0
		for _, id := range seen {
			if id == c.ID {
				n++
			}
		}
		if c.ID != moved && n != 1 {
			t.Errorf("conversation %s seen %d times while paging", c.ID, n)
		}
	}
}

func testClearedConversation(t *testing.T, s dm.Store) {
	u, o := newAccount(t, s, "user"), newAccount(t, s, "other")
	c1 := newConversation(t, s, dm.ConversationDirect, at(1), accepted(u), accepted(o))
	c2 := newConversation(t, s, dm.ConversationGroup, at(2), owner(o), accepted(u))
	send(t, s, c1.ID, o, "one", at(3))
	send(t, s, c1.ID, u, "two", at(4))
	changeMembership(t, s, c1.ID, u, func(m *dm.Membership) { m.ClearedSeq = 2 })
	for _, name := range []string{dm.FolderInbox, dm.FolderRequests, dm.FolderArchived} {
		for _, c := range folder(t, s, u, name, 10) {
			if c.ID == c1.ID {
				t.Errorf("cleared conversation in %s", name)
			}
		}
	}
	if got := ids(folder(t, s, o, dm.FolderInbox, 10)); !slices.Equal(got, []string{c1.ID, c2.ID}) {
		t.Errorf("u's clear changed o's inbox: %v", got)
	}
	if ms := listMessages(t, s, c1.ID, u, 0, 10); len(ms) != 0 {
		t.Errorf("cleared messages still listed: %v", seqs(ms))
	}
	send(t, s, c1.ID, o, "three", at(5))
	if got := ids(folder(t, s, u, dm.FolderInbox, 10)); !slices.Equal(got, []string{c1.ID, c2.ID}) {
		t.Errorf("inbox after a newer message = %v, want c1 back on top", got)
	}
	if got := seqs(listMessages(t, s, c1.ID, u, 0, 10)); !slices.Equal(got, []int64{3}) {
		t.Errorf("messages after the clear = %v, want [3]", got)
	}
	if got := seqs(listMessages(t, s, c1.ID, o, 0, 10)); !slices.Equal(got, []int64{3, 2, 1}) {
		t.Errorf("o's messages = %v, want [3 2 1]", got)
	}
}
