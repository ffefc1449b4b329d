package e2e

import (
	"testing"
)

// TestEmptyDirectHidden: pressing Message on a stranger's profile opens a
// direct conversation, but until its first message it is in none of the
// recipient's lists (Requests included) nor the sender's, and the recipient's
// event log says nothing of it. The first message makes it appear for both.
func TestEmptyDirectHidden(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	amy, bob := e.user("amy"), e.user("bob")
	_, bobCursor, err := bob.Events(ctx, "", 0)
	must(t, err, "bob's current cursor")

	conv, created, err := amy.CreateConversation(ctx, []string{"bob"}, "")
	must(t, err, "amy opens a conversation with bob")
	if !created {
		t.Fatalf("amy's conversation with bob: want a new one")
	}
	for _, f := range []string{"inbox", "requests", "archived"} {
		if e.inFolder(bob, f, conv.ID) {
			t.Errorf("bob's %s lists the empty conversation: %v", f, e.folder(bob, f))
		}
		if e.inFolder(amy, f, conv.ID) {
			t.Errorf("amy's %s lists the empty conversation: %v", f, e.folder(amy, f))
		}
	}
	evs, _, err := bob.Events(ctx, bobCursor, 0)
	must(t, err, "bob's events")
	for _, ev := range evs {
		if ev.ConversationID == conv.ID {
			t.Errorf("bob got %s for an empty conversation", ev.Type)
		}
	}
	// Opening it again (a second press of Message) changes nothing.
	again, created, err := amy.CreateConversation(ctx, []string{"bob"}, "")
	if ok(t, err, "amy opens it again") && (created || again.ID != conv.ID) {
		t.Errorf("second open: want %s, not created; got %s created=%v", conv.ID, again.ID, created)
	}

	e.send(amy, conv.ID, "hello bob")
	if !e.inFolder(bob, "requests", conv.ID) {
		t.Errorf("after the first message bob's requests = %v, want the conversation", e.folder(bob, "requests"))
	}
	if !e.inFolder(amy, "inbox", conv.ID) {
		t.Errorf("after the first message amy's inbox = %v, want the conversation", e.folder(amy, "inbox"))
	}
	evs, _, err = bob.Events(ctx, bobCursor, 0)
	must(t, err, "bob's events after the message")
	var types []string
	for _, ev := range evs {
		if ev.ConversationID == conv.ID {
			types = append(types, ev.Type)
		}
	}
	if len(types) != 1 || types[0] != "message.created" {
		t.Errorf("bob's events for the conversation = %v, want [message.created]", types)
	}
}
