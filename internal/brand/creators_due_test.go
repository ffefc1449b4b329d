package brand_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
)

// TestCreatorDueReminders: a deliverable not done is flagged due soon two
// days before its date and overdue the day after, in the brand's time
// zone, and the team is told once of each through the durable jobs on the
// service's clock; a deliverable done, or an edit that keeps the date,
// tells nothing more; a moved date is reminded again.
func TestCreatorDueReminders(t *testing.T) { stores(t, testCreatorDueReminders) }

func testCreatorDueReminders(t *testing.T, open func(t *testing.T) dm.Store) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, paris)
	w := newWorld(t, start, open)
	ctx := context.Background()
	acme := w.account("acme", "Acme", dm.KindBrand)
	carol := w.account("carol", "Carol", dm.KindPerson)
	bob := w.account("bob", "Bob", dm.KindPerson)
	w.account("alice", "Alice", dm.KindPerson)
	must(w.brand.AddMember(ctx, acme, "acme", "carol", dm.TeamAdmin))
	must(w.brand.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent)) // no partnerships permission
	must(w.brand.PutSettings(ctx, acme, "acme", dm.BrandSettings{TimeZone: "Europe/Paris", AutoAssign: true}))
	stage := dm.StageAgreed
	ds := []dm.Deliverable{{Title: "Reel", DueDate: "2026-12-10"}, {Title: "Story", DueDate: "2026-12-10"}}
	c := must(w.brand.AddCreator(ctx, carol, "acme", brand.CreatorInput{Handle: "alice", Stage: &stage, Deliverables: &ds}))
	reel, story := c.Deal.Deliverables[0], c.Deal.Deliverables[1]
	if len(c.Due) != 0 {
		t.Errorf("flags nine days before = %v, want none", c.Due)
	}
	reminders := func(a *dm.Account) []string {
		var out []string
		for _, e := range w.events(a) {
			if e.Type == dm.EventCreatorDue && e.Brand == "acme" && e.Actor != nil && e.Actor.Handle == "alice" {
				out = append(out, e.State)
			}
		}
		return out
	}
	flags := func() map[string]string {
		t.Helper()
		cs := must(w.brand.Creators(ctx, carol, "acme"))
		one := must(w.brand.Creator(ctx, carol, "acme", "alice"))
		if len(cs) != 1 || len(cs[0].Due) != len(one.Due) {
			t.Fatalf("the board's flags %v differ from the page's %v", cs[0].Due, one.Due)
		}
		return one.Due
	}
	at := func(day, hour int) {
		w.set(time.Date(2026, 12, day, hour, 0, 0, 0, paris))
		w.runJobs()
	}

	at(7, 23) // 8 December 00:00 in Paris is two days before: not yet
	if got := reminders(carol); len(got) != 0 {
		t.Fatalf("reminders on 7 December = %v", got)
	}
	at(8, 0)
	if got := reminders(carol); len(got) != 2 || got[0] != dm.DueSoon || got[1] != dm.DueSoon {
		t.Fatalf("reminders on 8 December = %v, want due_soon for both", got)
	}
	if f := flags(); f[reel.ID] != dm.DueSoon || f[story.ID] != dm.DueSoon {
		t.Errorf("flags on 8 December = %v", f)
	}
	if got := reminders(bob); len(got) != 0 {
		t.Errorf("an agent without the partnerships permission was told: %v", got)
	}
	// The story is done; an edit of the notes keeps the reel's date.
	story.Done = true
	notes := "Reel goes out first."
	must(w.brand.UpdateCreator(ctx, carol, "acme", "alice", brand.CreatorInput{Notes: &notes, Deliverables: &[]dm.Deliverable{reel, story}}))
	at(9, 12)
	at(10, 23)
	if got := reminders(carol); len(got) != 2 {
		t.Fatalf("reminders until the due date = %v, want only the two due_soon", got)
	}
	at(11, 0)
	at(11, 1)
	if got := reminders(carol); len(got) != 3 || got[2] != dm.Overdue {
		t.Fatalf("reminders on 11 December = %v, want one overdue (the reel; the story is done)", got)
	}
	if f := flags(); f[reel.ID] != dm.Overdue || f[story.ID] != "" {
		t.Errorf("flags on 11 December = %v, want the reel overdue, the story not flagged", f)
	}
	// A new date: reminded again, overdue only when it is past.
	reel.DueDate = "2026-12-11"
	must(w.brand.UpdateCreator(ctx, carol, "acme", "alice", brand.CreatorInput{Deliverables: &[]dm.Deliverable{reel, story}}))
	at(11, 2)
	if f := flags(); f[reel.ID] != dm.DueSoon {
		t.Errorf("flags after moving the date to today = %v, want due_soon", f)
	}
	at(12, 0)
	if got := reminders(carol); len(got) != 5 || got[3] != dm.DueSoon || got[4] != dm.Overdue {
		t.Fatalf("reminders after the move = %v, want due_soon then overdue once more", got)
	}
	// Paid: nothing is flagged any more.
	paid := dm.StagePaid
	if c := must(w.brand.UpdateCreator(ctx, carol, "acme", "alice", brand.CreatorInput{Stage: &paid})); len(c.Due) != 0 {
		t.Errorf("flags of a paid deal = %v", c.Due)
	}
}
