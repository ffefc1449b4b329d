package e2e

import "testing"

// TestOwnerLeaves checks the hand-off: when a group's owner leaves, the
// longest-standing member becomes the owner, keeps their place, and may
// then add members.
func TestOwnerLeaves(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	oli, pam, quin := e.user("oli"), e.user("pam"), e.user("quin")
	e.user("rex")
	must(t, pam.Follow(ctx, "oli"), "pam follows oli")
	must(t, quin.Follow(ctx, "oli"), "quin follows oli")
	g, _, err := oli.CreateConversation(ctx, []string{"pam", "quin"}, "Book club")
	must(t, err, "oli creates a group")
	must(t, oli.RemoveMember(ctx, g.ID, "oli"), "the owner leaves")

	got, err := pam.Conversation(ctx, g.ID)
	must(t, err, "pam reads the group")
	if len(got.Members) != 2 || got.Members[0].Handle != "pam" || got.Members[0].Role != "owner" || got.Members[1].Role != "member" {
		t.Fatalf("after the owner left: %+v", got.Members)
	}
	if _, err := pam.AddMembers(ctx, g.ID, []string{"rex"}); err != nil {
		t.Errorf("the new owner adds a member: %v", err)
	}
	if _, err := quin.AddMembers(ctx, g.ID, []string{"oli"}); err == nil {
		t.Error("a plain member added someone")
	}
}
