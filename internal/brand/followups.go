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

// Follow-up steps: step k of a campaign is planned DelayMinutes after step
// k-1 (campaign.FollowUpAt), for those who got step k-1 or are still to
// get it (quiet hours, a slow rate); those who answered since (wrote to
// the brand, or tapped an RSVP) are counted as skipped, "answered". Each
// recipient's step k is due DelayMinutes after that recipient actually
// got step k-1: when it comes due, followUpDue looks again (still not
// received: later; answered meanwhile: skipped). Follow-ups are sent with
// the purpose follow_up, so the consent engine's limit of 2 follow-ups
// after an unanswered message holds, and its quiet hours.

// JobCampaignFollowUp plans one follow-up step.
const JobCampaignFollowUp = "campaign.follow_up"

type followUpJob struct {
	CampaignID string `json:"campaign_id"`
	Step       int    `json:"step"`
}

// purposeOf is what the consent engine weighs for a delivery.
func purposeOf(d *dm.CampaignSend) string {
	if d.Step > 0 {
		return consent.FollowUp
	}
	return consent.Promotional
}

func enqueueFollowUps(ctx context.Context, ob chat.Outbox, c *dm.Campaign, now time.Time) error {
	steps, err := campaign.ParseSteps(c.Steps)
	if err != nil {
		return err
	}
	for k := 1; k < len(steps); k++ {
		body, _ := json.Marshal(followUpJob{CampaignID: c.ID, Step: k})
		if _, err := ob.Enqueue(ctx, &dm.Job{Kind: JobCampaignFollowUp, Key: fmt.Sprintf("%s:%d", c.ID, k), Payload: body,
			RunAt: campaign.FollowUpAt(steps, k, now), CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// planFollowUp is the JobCampaignFollowUp job.
func (s *Service) planFollowUp(ctx context.Context, j *dm.Job) error {
	var p followUpJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var c *dm.Campaign
	var rows []dm.CampaignSend
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if c, err = tx.Campaign(ctx, p.CampaignID); err != nil {
			return err
		}
		if c.Status == dm.CampaignCancelled || c.Status == dm.CampaignDraft {
			return nil
		}
		steps, err := campaign.ParseSteps(c.Steps)
		if err != nil || p.Step >= len(steps) {
			return jobs.Permanent(fmt.Errorf("campaign %s has no step %d", c.ID, p.Step))
		}
		sent, err := tx.SentDeliveries(ctx, c.ID, p.Step-1)
		if err != nil {
			return err
		}
		unsent, err := tx.UnsentDeliveries(ctx, c.ID, p.Step-1)
		if err != nil {
			return err
		}
		delay := time.Duration(steps[p.Step].DelayMinutes) * time.Minute
		facts, err := tx.AudienceFacts(ctx, c.BrandID)
		if err != nil {
			return err
		}
		now := s.now()
		for _, d := range sent {
			answered := false
			if cs := facts.Consents[d.UserID]; cs != nil && cs.LastInbound != nil && cs.LastInbound.After(d.UpdatedAt) {
				answered = true
			}
			if !answered && c.Type == campaign.TypeEvent {
				if _, err := tx.RSVP(ctx, c.ID, d.UserID); err == nil {
					answered = true
				} else if !dm.IsCode(err, dm.ENOTFOUND) {
					return err
				}
			}
			// Due the delay after this recipient got step k-1 (UpdatedAt
			// of a sent delivery is when), not after the plan.
			row := dm.CampaignSend{ID: dm.NewID(), CampaignID: c.ID, BrandID: c.BrandID, Step: p.Step, UserID: d.UserID,
				Variant: campaign.PickVariant(steps[p.Step].Variants, c.ID, d.UserID).Name, State: dm.SendPending,
				RunAt: maxTime(now, d.UpdatedAt.Add(delay)), UpdatedAt: now}
			if answered {
				row.State, row.Reason, row.RunAt = dm.SendSkipped, SkipAnswered, now
			}
			rows = append(rows, row)
		}
		for _, d := range unsent {
			// Still to get step k-1: due the delay after it is due, and
			// looked at again then (followUpDue).
			rows = append(rows, dm.CampaignSend{ID: dm.NewID(), CampaignID: c.ID, BrandID: c.BrandID, Step: p.Step, UserID: d.UserID,
				Variant: campaign.PickVariant(steps[p.Step].Variants, c.ID, d.UserID).Name, State: dm.SendPending,
				RunAt: maxTime(now, d.RunAt).Add(delay), UpdatedAt: now})
		}
		return nil
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return jobs.Permanent(err)
	}
	if err != nil || c.Status == dm.CampaignCancelled || c.Status == dm.CampaignDraft {
		return err
	}
	if _, err := s.insertDeliveries(ctx, rows); err != nil {
		return err
	}
	return s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		if err := tx.LockBrand(ctx, c.BrandID); err != nil {
			return err
		}
		c, err := tx.Campaign(ctx, p.CampaignID)
		if err != nil {
			return err
		}
		now := s.now()
		switch c.Status {
		case dm.CampaignCancelled:
			_, err := tx.CancelDeliveries(ctx, c.ID, now)
			return err
		case dm.CampaignPaused:
			return nil // resume starts the lanes
		}
		if len(rows) == 0 {
			// Nobody to follow up: the campaign ends when nothing is left.
			if next, err := tx.NextDelivery(ctx, c.ID); err != nil || next != nil {
				return err
			}
			c.Status, c.UpdatedAt = dm.CampaignDone, now
			if err := tx.PutCampaign(ctx, c); err != nil {
				return err
			}
			prog, err := campaignProgress(ctx, tx, c)
			if err != nil {
				return err
			}
			b, err := tx.Account(ctx, c.BrandID)
			if err != nil {
				return err
			}
			return tellTeam(ctx, tx, ob, c.BrandID, dm.Event{Type: dm.EventCampaignProgress, At: now, Brand: b.Handle, Campaign: prog})
		}
		c.Status, c.UpdatedAt = dm.CampaignRunning, now
		c.Generation++
		if err := tx.PutCampaign(ctx, c); err != nil {
			return err
		}
		if err := enqueueLanes(ctx, ob, c, now); err != nil {
			return err
		}
		prog, err := campaignProgress(ctx, tx, c)
		if err != nil {
			return err
		}
		b, err := tx.Account(ctx, c.BrandID)
		if err != nil {
			return err
		}
		return tellTeam(ctx, tx, ob, c.BrandID, dm.Event{Type: dm.EventCampaignProgress, At: now, Brand: b.Handle, Campaign: prog})
	})
}

// followUpDue decides, when a follow-up delivery d comes due, whether its
// recipient gets it now. Its delay counts from when the recipient got the
// step before: if they have not got it yet (quiet hours, a slow rate), or
// got it less than the delay ago, the delivery waits (wait); if that step
// will never reach them, or they answered since, it is skipped (skip).
func (s *Service) followUpDue(ctx context.Context, tx dm.Tx, c *dm.Campaign, steps []campaign.Step, d *dm.CampaignSend, lastInbound *time.Time, now time.Time) (wait time.Time, skip string, err error) {
	if d.Step == 0 || d.Step >= len(steps) {
		return wait, "", nil
	}
	delay := time.Duration(steps[d.Step].DelayMinutes) * time.Minute
	prev, err := tx.CampaignSend(ctx, c.ID, d.Step-1, d.UserID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return wait, SkipNotSent, nil
	}
	if err != nil {
		return wait, "", err
	}
	switch prev.State {
	case dm.SendPending, dm.SendSending:
		return maxTime(now, prev.RunAt).Add(delay), "", nil
	case dm.SendSent:
	default: // skipped, failed, cancelled: there is nothing to follow up
		return wait, SkipNotSent, nil
	}
	if lastInbound != nil && lastInbound.After(prev.UpdatedAt) {
		return wait, SkipAnswered, nil
	}
	if c.Type == campaign.TypeEvent {
		if _, err := tx.RSVP(ctx, c.ID, d.UserID); err == nil {
			return wait, SkipAnswered, nil
		} else if !dm.IsCode(err, dm.ENOTFOUND) {
			return wait, "", err
		}
	}
	if due := prev.UpdatedAt.Add(delay); now.Before(due) {
		return due, "", nil
	}
	return wait, "", nil
}
