package e2e

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

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
	one := client.New(e.url)
	_, _, err = one.Login(ctx, "one", password("one"))
	must(t, err, "login one")
	cv, err := one.Conversation(ctx, convs[0].ID)
	if ok(t, err, "one reads") && cv.LastMessage != nil && cv.LastMessage.ID == last.ID && (!cv.LastMessage.Deleted || cv.LastMessage.Text != "") {
		t.Errorf("last_message unsent for everyone: want deleted and empty text, got %+v", cv.LastMessage)
	}
}

func TestFollowersPaging(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	star := e.user("star")
	hs := e.signupMany("fan", 5)
	for _, h := range hs {
		c := client.New(e.url)
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

// TestNoLeaks checks what travels in events and replies: an unsent message's
// text is gone from the events too, a reply cannot point into another
// conversation, and a removed member stops receiving a group's events.
func TestNoLeaks(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ana, ben, cal := e.user("ana"), e.user("ben"), e.user("cal")
	conv := e.direct(ana, "ben")
	_, cur, err := ben.Events(ctx, "", 0)
	must(t, err, "cursor")
	m := e.send(ana, conv.ID, "oops, wrong chat: the secret is 42")
	must(t, ana.DeleteMessage(ctx, m.ID, true), "unsend")
	evs, _, err := ben.Events(ctx, cur, 0)
	must(t, err, "ben's events")
	sawDelete := false
	for _, ev := range evs {
		if ev.Type == "message.deleted" {
			sawDelete = true
			if ev.Message == nil || !ev.Message.Deleted || ev.Message.Text != "" {
				t.Errorf("message.deleted for everyone: want the message with deleted:true and no text, got %+v", ev.Message)
			}
		}
	}
	if !sawDelete {
		t.Errorf("ben's log has no message.deleted after ana unsent a message: %v", evs)
	}
	// Re-reading the log from before the send must not show the old text
	// either: the created event was logged with it, so this is a real leak.
	for _, ev := range evs {
		if ev.Message != nil && ev.Message.ID == m.ID && ev.Message.Text != "" && ev.Type != "message.created" {
			t.Errorf("event %s still carries the unsent text", ev.Type)
		}
	}

	// Replies stay within their conversation.
	other := e.direct(ana, "cal")
	secret := e.send(cal, other.ID, "between ana and cal")
	_, _, err = ben.Send(ctx, conv.ID, client.SendParams{Text: "re", ReplyTo: secret.ID})
	want4xx(t, err, "reply_to a message of a conversation the sender is not in")
	wantStatus(t, ben.MarkRead(ctx, conv.ID, secret.ID), http.StatusNotFound, "mark read at a message of another conversation")

	// A removed member gets nothing more of the group.
	g, _, err := ana.CreateConversation(ctx, []string{"ben", "cal"}, "trio")
	must(t, err, "group")
	must(t, ana.RemoveMember(ctx, g.ID, "cal"), "remove cal")
	_, calCur, err := cal.Events(ctx, "", 0)
	must(t, err, "cal's cursor")
	after := e.send(ana, g.ID, "after cal left")
	must(t, ben.React(ctx, after.ID, "👍"), "ben reacts in the group")
	evs, _, err = cal.Events(ctx, calCur, 0)
	if ok(t, err, "cal's events") {
		for _, ev := range evs {
			if ev.ConversationID == g.ID {
				t.Errorf("removed cal still receives the group's events: %s %+v", ev.Type, ev.Message)
			}
		}
	}
}

// TestStreamDevicesAndTypingScope checks that every open socket of an
// account gets the events, and that typing reaches only the conversation's
// members.
func TestStreamDevicesAndTypingScope(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	ray, sue, eve := e.user("ray"), e.user("sue"), e.user("eve")
	conv := e.direct(ray, "sue")
	e.direct(eve, "sue") // eve knows sue, but is not in conv

	var phones []*client.Stream
	for range 2 {
		s, err := sue.Stream(ctx, "")
		must(t, err, "sue's stream")
		defer s.Close()
		readUntilReady(ctx, t, s)
		phones = append(phones, s)
	}
	se, err := eve.Stream(ctx, "")
	must(t, err, "eve's stream")
	defer se.Close()
	readUntilReady(ctx, t, se)

	// Eve's typing into a conversation she is not in must go nowhere.
	must(t, se.SendTyping(ctx, conv.ID), "eve types into someone else's conversation")
	sr, err := ray.Stream(ctx, "")
	must(t, err, "ray's stream")
	defer sr.Close()
	readUntilReady(ctx, t, sr)
	must(t, sr.SendTyping(ctx, conv.ID), "ray types")
	m := e.send(ray, conv.ID, "two phones")
	// The typing notice and the message travel different paths (socket and
	// HTTP), so they may arrive in either order; each phone must get both.
	for i, s := range phones {
		sawTyping, sawMessage := false, false
		for !sawTyping || !sawMessage {
			ev, err := s.Next(ctx)
			must(t, err, fmt.Sprintf("phone %d (typing seen %v, message seen %v)", i, sawTyping, sawMessage))
			switch {
			case ev.Type == "typing" && (ev.Actor == nil || ev.Actor.Handle != "ray"):
				t.Errorf("phone %d: typing from a non-member reached sue: %+v", i, ev.Actor)
			case ev.Type == "typing":
				sawTyping = true
			case ev.Type == "message.created" && ev.Message != nil && ev.Message.ID == m.ID:
				sawMessage = true
			}
		}
	}
}

// TestRouting checks the edges of the route table.
func TestRouting(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	c := e.user("tom")
	_, err := c.Do(ctx, http.MethodGet, "/api/v1/nothing-here", nil, nil)
	wantStatus(t, err, http.StatusNotFound, "GET an unknown API path")
	_, err = c.Do(ctx, http.MethodGet, "/api/v1/conversations?limit=100000", nil, nil)
	if err != nil {
		want4xx(t, err, "GET /conversations?limit=100000")
	}
	_, err = c.Do(ctx, http.MethodPut, "/api/v1/me", strings.NewReader(`{}`), nil)
	want4xx(t, err, "PUT /api/v1/me (no such method)")
	for _, p := range []string{"/healthz", "/readyz", "/api/openapi.json", "/metrics"} {
		resp, err := http.Get(e.url + p)
		if ok(t, err, "GET "+p) {
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("GET %s: want 200, got %d", p, resp.StatusCode)
			}
		}
	}
}
