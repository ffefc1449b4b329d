package e2e

import (
	"net/http"
	"testing"

	"github.com/parleyhq/parley/client"
)

// The tests of this file come from a sixth hostile probe, of the core DM
// features (groups, requests, blocks, edits and reactions, the stream,
// idempotent sends): each attacks the running server through its public
// surface and asserts the secure outcome.

// TestHostile6RetryAfterRemoval: a send retried with its client_id
// answered with the stored message before checking that the sender was
// still a member. A member removed from a group (or who left it) got 200
// and the message as it stands now, with the reactions others added after
// the removal: a view into a conversation that, to them, no longer exists.
// Now the retry of a non-member is the 404 a stranger gets, while a
// member's retry still returns the first message.
func TestHostile6RetryAfterRemoval(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	own, mel, ned := e.user("own"), e.user("mel"), e.user("ned")
	must(t, mel.Follow(ctx, "own"), "mel follows own")
	must(t, ned.Follow(ctx, "own"), "ned follows own")
	g, _, err := own.CreateConversation(ctx, []string{"mel", "ned"}, "club")
	must(t, err, "the group")
	first, _, err := ned.Send(ctx, g.ID, client.SendParams{Text: "hello from ned", ClientID: "ned-1"})
	must(t, err, "ned's send")
	again, created, err := ned.Send(ctx, g.ID, client.SendParams{Text: "hello from ned", ClientID: "ned-1"})
	if ok(t, err, "ned's retry while a member") && (created || again.ID != first.ID) {
		t.Errorf("a member's retry: want the first message %s again (200), got created=%v id %s", first.ID, created, again.ID)
	}

	must(t, own.RemoveMember(ctx, g.ID, "ned"), "the owner removes ned")
	must(t, own.React(ctx, first.ID, "👍"), "the owner reacts to ned's message after the removal")
	m, _, err := ned.Send(ctx, g.ID, client.SendParams{Text: "hello from ned", ClientID: "ned-1"})
	if wantStatus(t, err, http.StatusNotFound, "removed ned retries his old send") == nil && m != nil {
		t.Errorf("removed ned's retry answered the message as it stands now: reactions %+v", m.Reactions)
	}

	must(t, mel.RemoveMember(ctx, g.ID, "mel"), "mel leaves")
	_, _, err = mel.Send(ctx, g.ID, client.SendParams{Text: "chapter 3?", ClientID: "mel-1"})
	wantStatus(t, err, http.StatusNotFound, "mel, gone, sends with a fresh client_id")
}
