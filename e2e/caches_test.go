package e2e

import (
	"testing"

	"github.com/parleyhq/parley/client"
)

// TestCachesFollowChanges checks that the server's caches (sessions, first
// inbox pages) never show a stale state to the user who made a change.
func TestCachesFollowChanges(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	kim, lou := e.user("kim"), e.user("lou")
	must(t, lou.Follow(ctx, "kim"), "lou follows kim")
	conv := e.direct(kim, "lou")
	e.send(kim, conv.ID, "first")

	// A rename shows on the very next message, though the session is cached.
	name := "Kim Renamed"
	if _, _, err := kim.UpdateMe(ctx, client.MeUpdate{DisplayName: &name}); err != nil {
		t.Fatalf("rename: %v", err)
	}
	if m := e.send(kim, conv.ID, "second"); m.Sender.DisplayName != name {
		t.Errorf("sender name after rename: got %q, want %q", m.Sender.DisplayName, name)
	}

	// Lou's first inbox page follows each change at once.
	page := func(what string) client.Conversation {
		t.Helper()
		cs, _, err := lou.Conversations(ctx, client.FolderInbox, "", 50)
		if err != nil || len(cs) != 1 {
			t.Fatalf("%s: inbox %v, %v", what, cs, err)
		}
		return cs[0]
	}
	if c := page("before"); c.UnreadCount != 2 || c.LastMessage.Text != "second" {
		t.Fatalf("before: unread %d, last %q", c.UnreadCount, c.LastMessage.Text)
	}
	page("again") // served from the cache now
	e.send(kim, conv.ID, "third")
	if c := page("after a message"); c.UnreadCount != 3 || c.LastMessage.Text != "third" {
		t.Errorf("after a message: unread %d, last %q", c.UnreadCount, c.LastMessage.Text)
	}
	must(t, lou.MarkRead(ctx, conv.ID, ""), "lou reads")
	if c := page("after reading"); c.UnreadCount != 0 {
		t.Errorf("after reading: unread %d, want 0", c.UnreadCount)
	}
	muted := true
	if _, err := lou.UpdateConversation(ctx, conv.ID, client.ConversationUpdate{Muted: &muted}); err != nil {
		t.Fatalf("mute: %v", err)
	}
	if c := page("after muting"); !c.Muted {
		t.Errorf("after muting: the page still shows the conversation unmuted")
	}
}
