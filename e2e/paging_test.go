package e2e

import (
	"slices"
	"testing"

	"github.com/parleyhq/parley/client"
)

// TestInboxOrder checks "most recently active first" and last_message.
func TestInboxOrder(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	hub := e.user("hub")
	var convs []*client.Conversation
	for _, h := range []string{"one", "two", "three"} {
		c := e.user(h)
		must(t, c.Follow(ctx, "hub"), h+" follows hub")
		conv := e.direct(hub, h)
		e.send(c, conv.ID, "hi from "+h)
		convs = append(convs, conv)
	}
	ids := func() []string { return e.folder(hub, "inbox") }
	if got := ids(); !slices.Equal(got, []string{convs[2].ID, convs[1].ID, convs[0].ID}) {
		t.Errorf("inbox: want three, two, one (most recent first), got %v", got)
	}
	last := e.send(hub, convs[0].ID, "back to one")
	if got := ids(); len(got) != 3 || got[0] != convs[0].ID {
		t.Errorf("inbox after a message to one: want one first, got %v", got)
	}
	list, _, err := hub.Conversations(ctx, "inbox", "", 0)
	if ok(t, err, "inbox") && (list[0].LastMessage == nil || list[0].LastMessage.ID != last.ID || list[0].LastMessage.Text != "back to one") {
		t.Errorf("inbox: want last_message %s 'back to one', got %+v", last.ID, list[0].LastMessage)
	}
	// Paging the inbox.
	page1, next, err := hub.Conversations(ctx, "inbox", "", 2)
	must(t, err, "inbox page 1")
	page2, next2, err := hub.Conversations(ctx, "inbox", next, 2)
	must(t, err, "inbox page 2")
	if len(page1) != 2 || next == "" || len(page2) != 1 || next2 != "" {
		t.Errorf("inbox by 2: want pages of 2 and 1 with a cursor between, got %d (next %q), %d (next %q)", len(page1), next, len(page2), next2)
	} else if page2[0].ID != convs[1].ID {
		t.Errorf("inbox page 2: want two, got %s", page2[0].ID)
	}
	// An unsent last message shows as deleted, without its text.
	must(t, hub.DeleteMessage(ctx, last.ID, true), "unsend")
	one := e.client(e.url)
	_, _, err = one.Login(ctx, "one", password("one"))
	must(t, err, "login one")
	cv, err := one.Conversation(ctx, convs[0].ID)
	if ok(t, err, "one reads") && cv.LastMessage != nil && cv.LastMessage.ID == last.ID && (!cv.LastMessage.Deleted || cv.LastMessage.Text != "") {
		t.Errorf("last_message unsent for everyone: want deleted and empty text, got %+v", cv.LastMessage)
	}
}

// TestFollowersPaging checks that a follower list pages with cursors to its
// end, each follower once, and that the profile counts them.
func TestFollowersPaging(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	star := e.user("star")
	hs := e.signupMany("fan", 5)
	for _, h := range hs {
		c := e.client(e.url)
		_, _, err := c.Login(ctx, h, password(h))
		must(t, err, "login "+h)
		must(t, c.Follow(ctx, "star"), h+" follows star")
	}
	var got []string
	cursor := ""
	for pages := 1; ; pages++ {
		accts, next, err := star.Followers(ctx, "star", cursor, 2)
		must(t, err, "followers page")
		if len(accts) > 2 {
			t.Errorf("followers limit 2: got %d", len(accts))
		}
		for _, a := range accts {
			got = append(got, a.Handle)
		}
		if next == "" {
			break
		}
		if pages > 5 {
			t.Fatalf("followers paging does not end")
		}
		cursor = next
	}
	slices.Sort(got)
	if !slices.Equal(got, hs) {
		t.Errorf("followers across pages: want %v once each, got %v", hs, got)
	}
	p, err := star.Account(ctx, "star")
	if ok(t, err, "own profile") && p.FollowersCount != 5 {
		t.Errorf("followers_count: want 5, got %d", p.FollowersCount)
	}
}
