package brand

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
)

// Event invitations: a campaign of type "event" carries its event and RSVP
// buttons. A tap on one is recorded in the customer's send transaction,
// under the brand's lock so that the capacity holds under concurrent taps:
// Yes takes a place while there is one and joins the waitlist otherwise; a
// place given back (No or Maybe after Yes) goes to the first on the
// waitlist. The team gets the tallies live (campaign.progress), the person
// one confirmation, and the going people a reminder before the start.

// JobEventReminder is the kind of the reminder job of an invitation.
const JobEventReminder = "campaign.event_reminder"

type reminderJob struct {
	CampaignID string `json:"campaign_id"`
}

// eventOf is a campaign's event, nil for other types.
func eventOf(c *dm.Campaign) *campaign.Event {
	if c.Type != campaign.TypeEvent || len(c.Event) == 0 {
		return nil
	}
	var e campaign.Event
	if json.Unmarshal(c.Event, &e) != nil {
		return nil
	}
	return &e
}

func truncRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}

// rsvp records an RSVP tap of customer to brand b's invitation, inside the
// customer's send. It reports whether the payload was an RSVP of one of
// b's invitations the customer received.
func (s *Step) rsvp(ctx context.Context, tx dm.Tx, out chat.Outbox, b, customer *dm.Account, convID, payload string, t time.Time) (bool, error) {
	id, answer, ok := campaign.ParseRSVP(payload)
	if !ok {
		return false, nil
	}
	c, err := tx.Campaign(ctx, id)
	if dm.IsCode(err, dm.ENOTFOUND) || err == nil && (c.BrandID != b.ID || c.Type != campaign.TypeEvent) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if d, err := tx.CampaignSend(ctx, c.ID, 0, customer.ID); dm.IsCode(err, dm.ENOTFOUND) || err == nil && d.State != dm.SendSent {
		return false, nil // not invited
	} else if err != nil {
		return false, err
	}
	ev := eventOf(c)
	if ev == nil {
		return false, nil
	}
	if !t.Before(ev.StartsAt) {
		// The buttons stay under the invitation, but once the event has
		// begun a tap is no answer: a Yes would take a place, a No give
		// one to the first waiting, for an event under way or over. The
		// team gets it as an ordinary message.
		return false, nil
	}
	// The brand's lock makes counting the places and taking one atomic.
	if err := tx.LockBrand(ctx, b.ID); err != nil {
		return true, err
	}
	prev, err := tx.RSVP(ctx, c.ID, customer.ID)
	prevStatus := ""
	if err == nil {
		prevStatus = prev.Status
	} else if !dm.IsCode(err, dm.ENOTFOUND) {
		return true, err
	}
	tally, err := tx.RSVPTally(ctx, c.ID)
	if err != nil {
		return true, err
	}
	status, freed := campaign.RSVPStatus(answer, prevStatus, tally.Yes, ev.Capacity)
	at := t
	if prev != nil && prev.Answer == answer && prev.Status == status {
		at = prev.At // the same answer again keeps its place in line
	}
	if err := tx.PutRSVP(ctx, &dm.RSVP{CampaignID: c.ID, UserID: customer.ID, Answer: answer, Status: status, At: at}); err != nil {
		return true, err
	}
	if _, err := tx.MarkFunnel(ctx, c.ID, -1, customer.ID, dm.FunnelActed, t); err != nil {
		return true, err
	}
	funnels.markedCampaign(c.ID)
	var confirm string
	switch status {
	case campaign.StatusGoing:
		confirm = fmt.Sprintf("You're in: %s. See you there!", ev.Title)
	case campaign.StatusWaitlist:
		confirm = fmt.Sprintf("%s is full: you're on the waitlist, and we'll tell you if a place opens up.", ev.Title)
	default:
		confirm = "Thanks for letting us know."
	}
	if err := s.enqueueBot(ctx, out, b.ID, convID, confirm, consent.Reply, t); err != nil {
		return true, err
	}
	if freed && ev.Capacity > 0 {
		next, err := tx.FirstWaitlisted(ctx, c.ID)
		if err == nil {
			next.Status = campaign.StatusGoing
			if err := tx.PutRSVP(ctx, next); err != nil {
				return true, err
			}
			d, err := tx.CampaignSend(ctx, c.ID, 0, next.UserID)
			if err != nil {
				return true, err
			}
			if err := s.enqueueBot(ctx, out, b.ID, d.ConversationID, fmt.Sprintf("A place opened up: you're in for %s!", ev.Title), consent.FollowUp, t); err != nil {
				return true, err
			}
		} else if !dm.IsCode(err, dm.ENOTFOUND) {
			return true, err
		}
	}
	p, err := campaignProgress(ctx, tx, c)
	if err != nil {
		return true, err
	}
	return true, tellTeam(ctx, tx, out, b.ID, dm.Event{Type: dm.EventCampaignProgress, At: t, Brand: b.Handle, Campaign: p})
}

// enqueueBot enqueues one automated message of the brand's (a durable job).
func (s *Step) enqueueBot(ctx context.Context, out chat.Outbox, brandID, convID, text, purpose string, t time.Time) error {
	body, err := json.Marshal(botJob{BrandID: brandID, ConversationID: convID, Text: text, Purpose: purpose})
	if err != nil {
		return err
	}
	_, err = out.Enqueue(ctx, &dm.Job{Kind: JobBotMessage, Payload: body, CreatedAt: t})
	return err
}

// enqueueReminder schedules an invitation's reminder when it has one.
func enqueueReminder(ctx context.Context, ob chat.Outbox, c *dm.Campaign, now time.Time) error {
	ev := eventOf(c)
	if ev == nil || ev.ReminderMinutes == 0 {
		return nil
	}
	at := ev.StartsAt.Add(-time.Duration(ev.ReminderMinutes) * time.Minute)
	if !at.After(now) {
		return nil
	}
	body, _ := json.Marshal(reminderJob{CampaignID: c.ID})
	_, err := ob.Enqueue(ctx, &dm.Job{Kind: JobEventReminder, Key: c.ID, Payload: body, RunAt: at, CreatedAt: now})
	return err
}

// sendReminders is the JobEventReminder job: one reminder to each person
// going, each sent once (its client_id names the campaign and the person).
func (s *Service) sendReminders(ctx context.Context, j *dm.Job) error {
	var p reminderJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var c *dm.Campaign
	var b *dm.Account
	var going []string
	convs := map[string]string{}
	if err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if c, err = tx.Campaign(ctx, p.CampaignID); err != nil {
			return err
		}
		if b, err = tx.Account(ctx, c.BrandID); err != nil {
			return err
		}
		if going, err = tx.Going(ctx, c.ID); err != nil {
			return err
		}
		for _, u := range going {
			d, err := tx.CampaignSend(ctx, c.ID, 0, u)
			if err != nil {
				return err
			}
			convs[u] = d.ConversationID
		}
		return nil
	}); err != nil {
		if dm.IsCode(err, dm.ENOTFOUND) {
			return jobs.Permanent(err)
		}
		return err
	}
	ev := eventOf(c)
	if ev == nil || c.Status == dm.CampaignCancelled {
		return nil
	}
	loc, _ := time.LoadLocation(ev.TimeZone)
	text := "Reminder: " + ev.Details(loc)
	var last error
	for _, u := range going {
		_, _, err := s.chat.Send(ctx, b, convs[u], chat.SendParams{Text: text, Automated: true, Purpose: consent.FollowUp,
			ClientID: "rem:" + c.ID + ":" + u})
		if _, refused := refusal(err); err != nil && !refused {
			last = err // tried again; those sent are found by their client_id
		}
	}
	return last
}

// EventICS is an invitation's .ics file, for the brand's team and for the
// people it was sent to; to anyone else it does not exist.
func (s *Service) EventICS(ctx context.Context, me *dm.Account, id string) (string, error) {
	var out string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		c, err := tx.Campaign(ctx, id)
		if err != nil {
			return err
		}
		ev := eventOf(c)
		if ev == nil {
			return dm.Errorf(dm.ENOTFOUND, "campaign")
		}
		allowed := me.ID == c.BrandID
		if !allowed {
			if _, err := tx.TeamMember(ctx, c.BrandID, me.ID); err == nil {
				allowed = true
			} else if !dm.IsCode(err, dm.ENOTFOUND) {
				return err
			}
		}
		if !allowed {
			d, err := tx.CampaignSend(ctx, c.ID, 0, me.ID)
			if err != nil {
				return err
			}
			allowed = d.State == dm.SendSent
		}
		if !allowed {
			return dm.Errorf(dm.ENOTFOUND, "campaign")
		}
		out = ev.ICS(c.ID+"@parley", s.now())
		return nil
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return "", dm.Errorf(dm.ENOTFOUND, "No event %q.", dm.Truncate(id, 40))
	}
	return out, err
}
