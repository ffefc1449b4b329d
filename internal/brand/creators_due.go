package brand

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
)

// Due dates of a creator's deliverables (issue 12): the pipeline flags a
// deliverable that is not done as due soon (from two days before its date)
// or overdue (from the day after), in the brand's time zone, and tells the
// team once of each: a durable job per deliverable, date and state, queued
// when the date is set and run on the service's clock, sends the event
// creator.due to those who see the pipeline and records the reminder in
// the deliverable (so a job run twice tells once). Moving the date queues
// new reminders; ticking the deliverable done, declining or paying the
// deal makes the queued ones find nothing to say.

// JobCreatorDue tells the team that a deliverable is due soon or overdue.
const JobCreatorDue = "creator.due"

// dueSoonDays is how many days before its date a deliverable is due soon.
const dueSoonDays = 2

// dueJob is the payload of a JobCreatorDue.
type dueJob struct {
	BrandID       string `json:"brand_id"`
	CreatorID     string `json:"creator_id"`
	DeliverableID string `json:"deliverable_id"`
	DueDate       string `json:"due_date"`
	State         string `json:"state"`
}

// dueTimes are the instants a date becomes due soon and overdue in loc.
func dueTimes(date string, loc *time.Location) (soon, over time.Time, ok bool) {
	d, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		return soon, over, false
	}
	return d.AddDate(0, 0, -dueSoonDays), d.AddDate(0, 0, 1), true
}

// dueState is a deliverable's state at t: "", dm.DueSoon or dm.Overdue.
func dueState(d *dm.CreatorDeal, x *dm.Deliverable, t time.Time, loc *time.Location) string {
	if x.Done || x.DueDate == "" || d.Stage == dm.StageDeclined || d.Stage == dm.StagePaid {
		return ""
	}
	soon, over, ok := dueTimes(x.DueDate, loc)
	switch {
	case !ok:
		return ""
	case !t.Before(over):
		return dm.Overdue
	case !t.Before(soon):
		return dm.DueSoon
	}
	return ""
}

// dueFlags are the deal's deliverables due soon or overdue at t (nil when
// none).
func dueFlags(d *dm.CreatorDeal, t time.Time, loc *time.Location) map[string]string {
	var out map[string]string
	for i := range d.Deliverables {
		if st := dueState(d, &d.Deliverables[i], t, loc); st != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[d.Deliverables[i].ID] = st
		}
	}
	return out
}

// brandZone is the brand's time zone (UTC when it has none).
func (s *Service) brandZone(ctx context.Context, tx dm.Tx, brandID string) (*time.Location, error) {
	set, err := loadSettings(ctx, tx, brandID)
	if err != nil {
		return nil, err
	}
	if l := zone(set.TimeZone); l != nil {
		return l, nil
	}
	return time.UTC, nil
}

// scheduleDue queues the reminders of the deliverables of d whose date is
// new (not in old with the same date, or done there), in the deal's
// transaction: due soon (unless it is overdue already) and overdue.
func (s *Service) scheduleDue(ctx context.Context, tx dm.Tx, ob chat.Outbox, old []dm.Deliverable, d *dm.CreatorDeal, now time.Time) error {
	var loc *time.Location
	for _, x := range d.Deliverables {
		if x.Done || x.DueDate == "" {
			continue
		}
		known := false
		for _, o := range old {
			if o.ID == x.ID && o.DueDate == x.DueDate && !o.Done {
				known = true
			}
		}
		if known {
			continue
		}
		if loc == nil {
			var err error
			if loc, err = s.brandZone(ctx, tx, d.BrandID); err != nil {
				return err
			}
		}
		soon, over, ok := dueTimes(x.DueDate, loc)
		if !ok {
			continue
		}
		for _, j := range []struct {
			state string
			at    time.Time
		}{{dm.DueSoon, soon}, {dm.Overdue, over}} {
			if j.state == dm.DueSoon && !now.Before(over) {
				continue // overdue already: one reminder says it
			}
			body, err := json.Marshal(dueJob{BrandID: d.BrandID, CreatorID: d.CreatorID, DeliverableID: x.ID, DueDate: x.DueDate, State: j.state})
			if err != nil {
				return err
			}
			if _, err := ob.Enqueue(ctx, &dm.Job{Kind: JobCreatorDue, Key: fmt.Sprintf("%s:%s:%s:%s:%s", d.BrandID, d.CreatorID, x.ID, x.DueDate, j.state),
				Payload: body, RunAt: later(j.at, now), CreatedAt: now}); err != nil {
				return err
			}
		}
	}
	return nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a.UTC()
	}
	return b
}

// creatorDue is the JobCreatorDue job: it tells the team once, unless the
// deal is gone, the deliverable is gone, done or moved to another date,
// the deal is declined or paid, or (for due soon) it is overdue already.
func (s *Service) creatorDue(ctx context.Context, j *dm.Job) error {
	var p dueJob
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.DeliverableID == "" {
		return jobs.Permanent(fmt.Errorf("creators: bad due-date job: %v", err))
	}
	return s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		d, err := tx.CreatorDeal(ctx, p.BrandID, p.CreatorID)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return nil
		}
		if err != nil {
			return err
		}
		var x *dm.Deliverable
		for i := range d.Deliverables {
			if d.Deliverables[i].ID == p.DeliverableID {
				x = &d.Deliverables[i]
			}
		}
		if x == nil || x.DueDate != p.DueDate {
			return nil
		}
		loc, err := s.brandZone(ctx, tx, d.BrandID)
		if err != nil {
			return err
		}
		now := s.now()
		mark := p.State + " " + p.DueDate
		if dueState(d, x, now, loc) != p.State || x.Reminded == mark {
			return nil
		}
		b, err := tx.Account(ctx, d.BrandID)
		if err != nil {
			return err
		}
		creator, err := tx.Account(ctx, d.CreatorID)
		if err != nil {
			return err
		}
		x.Reminded = mark
		if err := tx.PutCreatorDeal(ctx, d); err != nil {
			return err
		}
		return tellPartnersEvent(ctx, tx, ob, b, dm.Event{Type: dm.EventCreatorDue, At: now, Brand: b.Handle, Actor: ptr(creator.Profile()), State: p.State})
	})
}
