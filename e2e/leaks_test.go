package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
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
	// Ben's other device, or his stream catching up, reads from there.
	sawCreated := false
	for _, ev := range evs {
		if ev.Message == nil || ev.Message.ID != m.ID {
			continue
		}
		sawCreated = sawCreated || ev.Type == "message.created"
		if ev.Message.Text != "" || !ev.Message.Deleted {
			t.Errorf("event %s still carries the unsent text: %+v", ev.Type, ev.Message)
		}
	}
	if !sawCreated {
		t.Errorf("ben's log lost the message.created of the unsent message: %v", evs)
	}
	for _, ev := range evs {
		if b, _ := json.Marshal(ev); strings.Contains(string(b), "the secret is 42") {
			t.Errorf("event %s still carries the unsent text somewhere: %s", ev.Type, b)
		}
	}
	// So does the stream, replaying from the same cursor.
	st, err := ben.Stream(ctx, cur)
	must(t, err, "ben's stream")
	replayed := streamUntil(t, st, "the replayed message.deleted", func(ev client.Event) bool {
		return ev.Type == "message.deleted" && ev.Message != nil && ev.Message.ID == m.ID
	})
	st.Close()
	for _, ev := range replayed {
		if ev.Message != nil && ev.Message.ID == m.ID && ev.Message.Text != "" {
			t.Errorf("the stream replays %s with the unsent text", ev.Type)
		}
	}
	// A message ben deleted for himself reads as deleted when he reads the
	// log again, and only for him: ana still reads it.
	_, anaCur, err := ana.Events(ctx, "", 0)
	must(t, err, "ana's cursor")
	_, cur, err = ben.Events(ctx, "", 0)
	must(t, err, "ben's cursor")
	mine := e.send(ana, conv.ID, "ben will hide this")
	kept := e.send(ana, conv.ID, "and keep this")
	must(t, ben.DeleteMessage(ctx, mine.ID, false), "ben deletes for himself")
	evs, _, err = ben.Events(ctx, cur, 0)
	must(t, err, "ben's events again")
	for _, ev := range evs {
		if ev.Message != nil && ev.Message.ID == mine.ID && ev.Message.Text != "" {
			t.Errorf("ben's log still carries the text he deleted for himself in %s", ev.Type)
		}
		if ev.Message != nil && ev.Message.ID == kept.ID && ev.Message.Text != "and keep this" {
			t.Errorf("ben's log lost the text of a message nobody deleted: %+v", ev.Message)
		}
	}
	evs, _, err = ana.Events(ctx, anaCur, 0)
	must(t, err, "ana's events")
	for _, ev := range evs {
		if ev.Type == "message.created" && ev.Message.ID == mine.ID && ev.Message.Text != "ben will hide this" {
			t.Errorf("ben's delete for himself blanked ana's copy: %+v", ev.Message)
		}
	}

	// A brand's team reads its inbox events again without the text a
	// customer unsent, in the message and in the inbox view's last message.
	shop := e.brandAccount("shopx", "Shop X")
	_, err = shop.AddTeamMember(ctx, "shopx", "cal", "agent")
	must(t, err, "cal joins shopx")
	toShop := e.direct(ana, "shopx")
	_, calFrom, err := cal.Events(ctx, "", 0)
	must(t, err, "cal's cursor")
	pin := e.send(ana, toShop.ID, "my pin is 8675309")
	must(t, ana.DeleteMessage(ctx, pin.ID, true), "ana unsends her pin")
	evs, _, err = cal.Events(ctx, calFrom, 0)
	must(t, err, "cal's events")
	if len(evs) == 0 {
		t.Errorf("cal, an agent of shopx, has no events of ana's message")
	}
	for _, ev := range evs {
		if b, _ := json.Marshal(ev); strings.Contains(string(b), "8675309") {
			t.Errorf("the agent's event %s still carries the unsent text: %s", ev.Type, b)
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
