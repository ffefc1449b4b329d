package e2e

import (
	"net/http"
	"testing"

	"github.com/parleyhq/parley/client"
)

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
