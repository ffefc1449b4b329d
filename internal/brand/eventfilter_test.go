package brand_test

import (
	"context"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
)

// TestFilterEventsByTeam: an agent's log keeps the events of the brands
// whose team they are on, and of none other: not another brand's, and not
// one naming a handle no account has (nobody's team can be checked for
// it). team.updated stays whatever it names: it tells them they were
// removed.
func TestFilterEventsByTeam(t *testing.T) {
	ctx := context.Background()
	pl := newPipeline(t, nil, 0)
	acme := pl.signup(t, "acme", dm.KindBrand)
	pl.signup(t, "other", dm.KindBrand)
	bob := pl.signup(t, "bob", dm.KindPerson)
	if _, err := pl.brand.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent); err != nil {
		t.Fatal(err)
	}
	evs := []dm.Event{
		{Type: dm.EventInboxMessage, Brand: "acme", ConversationID: "kept-acme"},
		{Type: dm.EventInboxMessage, Brand: "other", ConversationID: "withheld-other"},
		{Type: dm.EventInboxMessage, Brand: "ghost", ConversationID: "withheld-ghost"},
		{Type: dm.EventTeamUpdated, Brand: "ghost", ConversationID: "kept-team"},
		{Type: dm.EventMessageCreated, ConversationID: "kept-own"},
	}
	step := brand.NewStep(brand.Config{})
	var got []string
	if err := pl.db.View(ctx, func(tx dm.Tx) error {
		out, err := step.FilterEvents(ctx, tx, bob.ID, slices.Clone(evs))
		for _, ev := range out {
			got = append(got, ev.ConversationID)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"kept-acme", "kept-team", "kept-own"}; !slices.Equal(got, want) {
		t.Fatalf("bob's events %v, want %v", got, want)
	}
}
