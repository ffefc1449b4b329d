package brand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
)

// This file joins campaigns (the pure rules in internal/campaign) to the
// store, the consent gate and the job queue.
//
//   - Starting a campaign enqueues its plan, a job due at the start time.
//   - The plan resolves the audience, asks the consent engine about every
//     recipient (in bulk, from one read of what the brand knows of them),
//     and writes one delivery row per (campaign step, recipient): pending,
//     pending until quiet hours end, or skipped with its reason. The rows'
//     primary key makes a re-run of the plan (after a crash) add nobody
//     twice. Then it enqueues the sending lanes.
//   - A sending lane is a job that claims a batch of due deliveries with a
//     lease (PostgreSQL: SKIP LOCKED, so lanes on several nodes share one
//     campaign), sends each through chat.Send, where the consent gate
//     decides again inside the send's transaction and the brand's stage
//     marks the row sent in that same transaction, then waits (in the job,
//     or through the queue when the wait is long) until its share of the
//     rate allows the next batch. A crash leaves rows leased;
//     when the lease runs out they are claimed again, and the send's
//     client_id ("cmp:"+delivery id) finds a message already stored.
//   - Pause and cancel take effect at a lane's next batch; resume starts a
//     new generation of lanes.

// maxCampaignsADay bounds the campaigns a brand creates in any 24 hours.
// A campaign is kept for good (its funnel and codes refer to it; a draft
// is cancelled, never deleted), and the team's list reads the newest 200:
// without a bound a script created drafts without end, each pushing the
// brand's real ones off the list.
const maxCampaignsADay = 200

// Job kinds of campaigns.
const (
	JobCampaignPlan = "campaign.plan"
	JobCampaignSend = "campaign.send"
)

// campaignLanes is how many sending jobs share a campaign (and its rate).
const campaignLanes = 2

// laneWorkers is how many of a lane's claimed deliveries are sent at once.
const laneWorkers = 32

// A lane claims at most laneBatch deliveries at once, and no more often
// than every laneEvery (campaign.Pace.Split); it paces itself inside its
// job while the next batch is due within laneWait, for at most laneSlice
// before it goes back to the job queue (the job's timeout is half the
// lease, 30 s by default). It tells the team the progress at most every
// progressEvery (each time a grouped count of the campaign's rows), and
// spends at most 1/progressShare of its time on those counts.
const (
	laneBatch     = 128
	laneEvery     = 50 * time.Millisecond
	laneWait      = 250 * time.Millisecond
	progressEvery = time.Second
	progressShare = 40
)

// laneSlice is a variable for the tests only (SetLaneSlice).
var laneSlice = 10 * time.Second

// planChunk bounds the rows one plan transaction writes, so that the
// single SQLite writer is never held long.
const planChunk = 5000

// previewSample is how many recipients an audience preview shows.
const previewSample = 10

// maxSendAttempts is how many times a delivery is tried on errors that
// are not a refusal before it counts as failed.
const maxSendAttempts = 10

type planJob struct {
	CampaignID string `json:"campaign_id"`
}

type laneJob struct {
	CampaignID string `json:"campaign_id"`
	Generation int    `json:"generation"`
	Lane       int    `json:"lane"`
}

// CampaignInput is a campaign as a brand writes it.
type CampaignInput struct {
	Name          string
	Type          string
	Audience      *campaign.Audience
	Steps         []campaign.Step
	RatePerMinute int
	StartAt       *time.Time
	// Event makes it an event invitation.
	Event *campaign.Event
	// Offer makes it an exclusive offer.
	Offer *campaign.Offer
	// SurveyID makes it a survey campaign: the brand's survey it asks.
	SurveyID string
}

// CampaignView is a campaign with its progress.
type CampaignView struct {
	Campaign *dm.Campaign
	Progress *dm.CampaignProgress
}

func campaignInvalid(err error) error {
	var inv *campaign.Invalid
	if errors.As(err, &inv) {
		return dm.Errorf(dm.EINVALID, "%s", inv.Msg)
	}
	return err
}

// validCampaign checks a campaign input and returns its stored form.
func validCampaign(in CampaignInput) (typ string, aud, steps, event json.RawMessage, err error) {
	typ = campaign.TypeMessage
	if in.SurveyID != "" || in.Type == campaign.TypeSurvey {
		if in.Event != nil || in.Offer != nil {
			return "", nil, nil, nil, dm.Errorf(dm.EINVALID, "survey_id: a survey campaign is not an event invitation or an offer.")
		}
		if in.SurveyID == "" || len(in.SurveyID) > 64 {
			return "", nil, nil, nil, dm.Errorf(dm.EINVALID, "survey_id: a survey campaign needs the id of one of the brand's surveys.")
		}
		aud, steps, err = validMessage(in)
		return campaign.TypeSurvey, aud, steps, nil, err
	}
	if in.Offer != nil || in.Type == campaign.TypeOffer {
		if in.Event != nil {
			return "", nil, nil, nil, dm.Errorf(dm.EINVALID, "event: an offer is not an event invitation.")
		}
		if in.Offer == nil {
			in.Offer = &campaign.Offer{}
		}
		if err := in.Offer.Validate(); err != nil {
			return "", nil, nil, nil, campaignInvalid(err)
		}
		if event, err = json.Marshal(in.Offer); err != nil {
			return "", nil, nil, nil, err
		}
		aud, steps, err = validMessage(in)
		return campaign.TypeOffer, aud, steps, event, err
	}
	if in.Event != nil || in.Type == campaign.TypeEvent {
		typ = campaign.TypeEvent
		if in.Event == nil {
			return "", nil, nil, nil, dm.Errorf(dm.EINVALID, "event: an event invitation needs its event.")
		}
		if err := in.Event.Validate(time.LoadLocation); err != nil {
			return "", nil, nil, nil, campaignInvalid(err)
		}
		if event, err = json.Marshal(in.Event); err != nil {
			return "", nil, nil, nil, err
		}
	} else if in.Type != "" && in.Type != campaign.TypeMessage {
		return "", nil, nil, nil, dm.Errorf(dm.EINVALID, "type: %q, %q, %q or %q.", campaign.TypeMessage, campaign.TypeEvent, campaign.TypeOffer, campaign.TypeSurvey)
	}
	aud, steps, err = validMessage(in)
	return typ, aud, steps, event, err
}

func validMessage(in CampaignInput) (aud, steps json.RawMessage, err error) {
	if err := campaign.ValidateName(in.Name); err != nil {
		return nil, nil, campaignInvalid(err)
	}
	if err := campaign.ValidateRate(in.RatePerMinute); err != nil {
		return nil, nil, campaignInvalid(err)
	}
	if err := in.Audience.Validate("audience"); err != nil {
		return nil, nil, campaignInvalid(err)
	}
	err = campaign.ValidateSteps(in.Steps, func(path, text string) error {
		if err := dm.ValidateText(text); err != nil {
			return dm.Errorf(dm.EINVALID, "%s: %s", path, dm.ErrorMessage(err))
		}
		if _, err := ParseTemplate(text); err != nil {
			return dm.Errorf(dm.EINVALID, "%s: %s", path, dm.ErrorMessage(err))
		}
		return nil
	})
	if err != nil {
		return nil, nil, campaignInvalid(err)
	}
	if aud, err = json.Marshal(in.Audience); err != nil {
		return nil, nil, err
	}
	steps, err = json.Marshal(in.Steps)
	return aud, steps, err
}

// futureEvent checks that an invitation's event starts after now and
// after the campaign's scheduled start: invitations to an event under way
// or over would take places nobody can use.
func futureEvent(in CampaignInput, now time.Time) error {
	if in.Event == nil {
		return nil
	}
	if !in.Event.StartsAt.After(now) {
		return dm.Errorf(dm.EINVALID, "event.starts_at: the event must start in the future.")
	}
	if in.StartAt != nil && !in.StartAt.Before(in.Event.StartsAt) {
		return dm.Errorf(dm.EINVALID, "start_at: the invitations must start going out before the event starts.")
	}
	return nil
}

// eventBegun tells whether c is an invitation to an event that has begun
// by t.
func eventBegun(c *dm.Campaign, t time.Time) bool {
	ev := eventOf(c)
	return ev != nil && !t.Before(ev.StartsAt)
}

// CreateCampaign saves a draft campaign (owners and admins).
func (s *Service) CreateCampaign(ctx context.Context, me *dm.Account, handle string, in CampaignInput) (*CampaignView, error) {
	typ, aud, steps, event, err := validCampaign(in)
	if err != nil {
		return nil, err
	}
	if err := futureEvent(in, s.now()); err != nil {
		return nil, err
	}
	var out *CampaignView
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		now := s.now()
		if err := campaignBudget(ctx, tx, a.brand.ID, now); err != nil {
			return err
		}
		c := &dm.Campaign{ID: dm.NewID(), BrandID: a.brand.ID, Name: strings.TrimSpace(in.Name), Type: typ,
			Status: dm.CampaignDraft, Audience: aud, Steps: steps, RatePerMinute: rateOr(in.RatePerMinute), StartAt: in.StartAt,
			CreatedBy: me.ID, CreatedAt: now, UpdatedAt: now}
		setDetails(c, typ, event)
		if c.SurveyID, err = campaignSurvey(ctx, tx, a.brand.ID, typ, in.SurveyID); err != nil {
			return err
		}
		if err := tx.CreateCampaign(ctx, c); err != nil {
			return err
		}
		out = &CampaignView{Campaign: c, Progress: progressOf(c, nil)}
		return nil
	})
	return out, err
}

// campaignBudget refuses a new campaign when the brand created
// maxCampaignsADay in the last 24 hours (ERATELIMITED, with the wait until
// the oldest of them is a day old).
func campaignBudget(ctx context.Context, tx dm.Tx, brandID string, now time.Time) error {
	// Two creations at once count each other's campaign (PostgreSQL).
	if err := tx.LockBrand(ctx, brandID); err != nil {
		return err
	}
	cs, err := tx.Campaigns(ctx, brandID, maxCampaignsADay)
	if err != nil {
		return err
	}
	if len(cs) < maxCampaignsADay {
		return nil
	}
	if wait := cs[len(cs)-1].CreatedAt.Add(24 * time.Hour).Sub(now); wait > 0 {
		return &dm.Error{Code: dm.ERATELIMITED, RetryAfter: wait,
			Message: fmt.Sprintf("A brand creates at most %d campaigns a day; edit a draft, or try again later.", maxCampaignsADay)}
	}
	return nil
}

// setDetails keeps an invitation's event or an offer's settings.
func setDetails(c *dm.Campaign, typ string, details json.RawMessage) {
	c.Type, c.Event, c.Offer = typ, nil, nil
	switch typ {
	case campaign.TypeEvent:
		c.Event = details
	case campaign.TypeOffer:
		c.Offer = details
	}
}

func rateOr(r int) int {
	if r == 0 {
		return campaign.DefaultRate
	}
	return r
}

// UpdateCampaign replaces a draft campaign (owners and admins).
func (s *Service) UpdateCampaign(ctx context.Context, me *dm.Account, handle, id string, in CampaignInput) (*CampaignView, error) {
	typ, aud, steps, event, err := validCampaign(in)
	if err != nil {
		return nil, err
	}
	if err := futureEvent(in, s.now()); err != nil {
		return nil, err
	}
	var out *CampaignView
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := brandCampaign(ctx, tx, a.brand.ID, id)
		if err != nil {
			return err
		}
		if c.Status != dm.CampaignDraft {
			return dm.Errorf(dm.ECONFLICT, "Only a draft campaign can be edited; this one is %s.", c.Status)
		}
		c.Name, c.Audience, c.Steps, c.RatePerMinute, c.StartAt = strings.TrimSpace(in.Name), aud, steps, rateOr(in.RatePerMinute), in.StartAt
		setDetails(c, typ, event)
		if c.SurveyID, err = campaignSurvey(ctx, tx, a.brand.ID, typ, in.SurveyID); err != nil {
			return err
		}
		c.UpdatedAt = s.now()
		if err := tx.PutCampaign(ctx, c); err != nil {
			return err
		}
		out = &CampaignView{Campaign: c, Progress: progressOf(c, nil)}
		return nil
	})
	return out, err
}

// brandCampaign returns a brand's campaign; another brand's is not found.
func brandCampaign(ctx context.Context, tx dm.Tx, brandID, id string) (*dm.Campaign, error) {
	c, err := tx.Campaign(ctx, id)
	if dm.IsCode(err, dm.ENOTFOUND) || err == nil && c.BrandID != brandID {
		return nil, dm.Errorf(dm.ENOTFOUND, "No campaign %q.", dm.Truncate(id, 40))
	}
	return c, err
}

// Campaigns lists a brand's campaigns with their progress (the team).
func (s *Service) Campaigns(ctx context.Context, me *dm.Account, handle string) ([]CampaignView, error) {
	var out []CampaignView
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		cs, err := tx.Campaigns(ctx, a.brand.ID, 200)
		if err != nil {
			return err
		}
		out = make([]CampaignView, 0, len(cs))
		for i := range cs {
			p, err := campaignProgress(ctx, tx, &cs[i])
			if err != nil {
				return err
			}
			out = append(out, CampaignView{Campaign: &cs[i], Progress: p})
		}
		return nil
	})
	return out, err
}

// Campaign returns one campaign with its progress (the team).
func (s *Service) Campaign(ctx context.Context, me *dm.Account, handle, id string) (*CampaignView, error) {
	var out *CampaignView
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		c, err := brandCampaign(ctx, tx, a.brand.ID, id)
		if err != nil {
			return err
		}
		p, err := campaignProgress(ctx, tx, c)
		out = &CampaignView{Campaign: c, Progress: p}
		return err
	})
	return out, err
}

func campaignProgress(ctx context.Context, tx dm.Tx, c *dm.Campaign) (*dm.CampaignProgress, error) {
	if c.Status == dm.CampaignDraft || c.Status == dm.CampaignScheduled && c.PlannedAt == nil {
		return progressOf(c, nil), nil
	}
	counts, err := tx.DeliveryCounts(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	p := progressOf(c, counts)
	if c.Type == campaign.TypeEvent {
		if p.RSVP, err = tx.RSVPTally(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	if c.Type == campaign.TypeOffer {
		if p.Offer, err = tx.CodeTally(ctx, c.ID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// progressOf sums delivery counts into a campaign's progress.
func progressOf(c *dm.Campaign, counts []dm.DeliveryCount) *dm.CampaignProgress {
	p := &dm.CampaignProgress{CampaignID: c.ID, Status: c.Status, Skipped: map[string]int{}}
	for _, k := range counts {
		p.Targeted += k.Count
		switch k.State {
		case dm.SendPending, dm.SendSending:
			p.Pending += k.Count
			if k.Reason == consent.ReasonQuietHours {
				p.Deferred += k.Count
			}
		case dm.SendSent:
			p.Sent += k.Count
		case dm.SendFailed:
			p.Failed += k.Count
		case dm.SendCancelled:
			p.Cancelled += k.Count
		case dm.SendSkipped:
			p.Skipped[k.Reason] += k.Count
		}
	}
	return p
}

// CampaignAction is a change of a campaign's state.
const (
	ActionStart  = "start"
	ActionPause  = "pause"
	ActionResume = "resume"
	ActionCancel = "cancel"
)

// CampaignAct starts, pauses, resumes or cancels a campaign (owners and admins).
func (s *Service) CampaignAct(ctx context.Context, me *dm.Account, handle, id, action string) (*CampaignView, error) {
	var out *CampaignView
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if err := tx.LockBrand(ctx, a.brand.ID); err != nil {
			return err
		}
		c, err := brandCampaign(ctx, tx, a.brand.ID, id)
		if err != nil {
			return err
		}
		now := s.now()
		wrong := func() error {
			return dm.Errorf(dm.ECONFLICT, "A %s campaign cannot %s.", c.Status, action)
		}
		switch action {
		case ActionStart:
			if c.Status != dm.CampaignDraft {
				return wrong()
			}
			c.Status = dm.CampaignScheduled
			runAt := now
			if c.StartAt != nil && c.StartAt.After(now) {
				runAt = *c.StartAt
			}
			if eventBegun(c, runAt) {
				return dm.Errorf(dm.ECONFLICT, "The event begins before the invitations would go out; an invitation can't go out after it.")
			}
			payload, _ := json.Marshal(planJob{CampaignID: c.ID})
			if _, err := ob.Enqueue(ctx, &dm.Job{Kind: JobCampaignPlan, Key: c.ID, Payload: payload, RunAt: runAt, CreatedAt: now}); err != nil {
				return err
			}
		case ActionPause:
			if c.Status != dm.CampaignRunning {
				return wrong()
			}
			c.Status = dm.CampaignPaused
		case ActionResume:
			if c.Status != dm.CampaignPaused {
				return wrong()
			}
			if eventBegun(c, now) {
				return dm.Errorf(dm.ECONFLICT, "The event has begun; the rest of its invitations can't go out (cancel the campaign).")
			}
			c.Status = dm.CampaignRunning
			c.Generation++
			if err := enqueueLanes(ctx, ob, c, now); err != nil {
				return err
			}
		case ActionCancel:
			switch c.Status {
			case dm.CampaignDraft, dm.CampaignScheduled, dm.CampaignRunning, dm.CampaignPaused:
			default:
				return wrong()
			}
			c.Status = dm.CampaignCancelled
			if _, err := tx.CancelDeliveries(ctx, c.ID, now); err != nil {
				return err
			}
		default:
			return dm.Errorf(dm.EINVALID, "action: one of start, pause, resume, cancel.")
		}
		c.UpdatedAt = now
		if err := tx.PutCampaign(ctx, c); err != nil {
			return err
		}
		p, err := campaignProgress(ctx, tx, c)
		if err != nil {
			return err
		}
		out = &CampaignView{Campaign: c, Progress: p}
		return tellTeam(ctx, tx, ob, a.brand.ID, dm.Event{Type: dm.EventCampaignProgress, At: now, Brand: a.brand.Handle, Campaign: p})
	})
	return out, err
}

func enqueueLanes(ctx context.Context, ob chat.Outbox, c *dm.Campaign, now time.Time) error {
	for lane := range campaignLanes {
		payload, _ := json.Marshal(laneJob{CampaignID: c.ID, Generation: c.Generation, Lane: lane})
		key := fmt.Sprintf("%s:%d:%d", c.ID, c.Generation, lane)
		if _, err := ob.Enqueue(ctx, &dm.Job{Kind: JobCampaignSend, Key: key, Payload: payload, CreatedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// PreviewAudience counts who an audience reaches now and shows a sample
// (the team). The count is before the consent engine: the campaign's
// progress says how many it held back, and why.
func (s *Service) PreviewAudience(ctx context.Context, me *dm.Account, handle string, aud *campaign.Audience) (int, []dm.Profile, error) {
	if err := aud.Validate("audience"); err != nil {
		return 0, nil, campaignInvalid(err)
	}
	var n int
	var sample []dm.Profile
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		// Charged after access: an outsider's answer is the 404 whatever
		// their rate.
		if d := s.previewLimit.Take(me.ID, s.clock()); d > 0 {
			return &dm.Error{Code: dm.ERATELIMITED, Message: "Too many audience previews. Try again in a moment.", RetryAfter: d}
		}
		ids, err := s.resolveAudience(ctx, tx, a.brand.ID, aud, nil)
		if err != nil {
			return err
		}
		n = len(ids)
		sample = []dm.Profile{}
		for _, id := range ids[:min(len(ids), previewSample)] {
			acc, err := tx.Account(ctx, id)
			if err != nil {
				return err
			}
			sample = append(sample, acc.Profile())
		}
		return nil
	})
	return n, sample, err
}

// resolveAudience returns the ids an audience reaches, sorted. The brand's
// followers come from facts when the caller has read them (a plan), and
// are read otherwise (facts nil).
func (s *Service) resolveAudience(ctx context.Context, tx dm.Tx, brandID string, aud *campaign.Audience, facts *dm.AudienceFacts) ([]string, error) {
	now := s.now()
	// Each distinct leaf is read once: an audience of 50 terms that name
	// the followers 50 times read all of them 50 times. The set operations
	// make new lists, so a leaf's list is shared safely.
	memo := map[string][]string{}
	once := func(key string, read func() ([]string, error)) ([]string, error) {
		if ids, ok := memo[key]; ok {
			return ids, nil
		}
		ids, err := read()
		if err == nil {
			memo[key] = ids
		}
		return ids, err
	}
	followers := func() ([]string, error) {
		if facts != nil {
			return facts.Followers, nil
		}
		return once("followers", func() ([]string, error) { return tx.AudienceFollowers(ctx, brandID) })
	}
	wrote := func(since time.Time) ([]string, error) {
		return once("wrote\x00"+since.Format(time.RFC3339Nano), func() ([]string, error) { return tx.AudienceWroteSince(ctx, brandID, since) })
	}
	return aud.Resolve(campaign.Leaves{
		Followers: followers,
		Label: func(l string) ([]string, error) {
			return once("label\x00"+l, func() ([]string, error) { return tx.AudienceLabel(ctx, brandID, l) })
		},
		Attribute: func(k, v string) ([]string, error) {
			return once("attribute\x00"+k+"\x00"+v, func() ([]string, error) { return tx.AudienceAttribute(ctx, brandID, k, v) })
		},
		WroteDays: func(d int) ([]string, error) { return wrote(now.Add(-time.Duration(d) * 24 * time.Hour)) },
		SurveyBelow: func(id string, below int) ([]string, error) {
			return once(fmt.Sprintf("survey\x00%s\x00%d", id, below), func() ([]string, error) { return audienceSurveyBelow(ctx, tx, brandID, id, below) })
		},
		RSVP: func(id, answer string) ([]string, error) {
			return once("rsvp\x00"+id+"\x00"+answer, func() ([]string, error) { return audienceRSVP(ctx, tx, brandID, id, answer) })
		},
		Everyone: func() ([]string, error) {
			f, err := followers()
			if err != nil {
				return nil, err
			}
			w, err := wrote(time.Unix(0, 0))
			if err != nil {
				return nil, err
			}
			return campaign.Union(f, w), nil
		},
	})
}

// planCampaign is the JobCampaignPlan job: it writes the delivery rows and
// starts the sending lanes.
func (s *Service) planCampaign(ctx context.Context, j *dm.Job) error {
	var p planJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	ctx = dm.Background(ctx)
	var rows []dm.CampaignSend
	var c *dm.Campaign
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if c, err = tx.Campaign(ctx, p.CampaignID); err != nil || c.Status != dm.CampaignScheduled {
			return err
		}
		rows, err = s.planRows(ctx, tx, c)
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return jobs.Permanent(err)
	}
	if err != nil || c.Status != dm.CampaignScheduled {
		return err // cancelled before it started: nothing to do
	}
	inserted, err := s.insertDeliveries(ctx, rows)
	if err != nil {
		return err
	}
	// A first attempt that inserted every row knows the counts without a
	// count of 100,000 rows on the writer: nothing else writes a
	// campaign's deliveries before its lanes start (enqueued below), and
	// a cancel is handled apart. A retry (a crash mid-plan) counts.
	fresh := j.Attempts == 1 && inserted == len(rows)
	return s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		if err := tx.LockBrand(ctx, c.BrandID); err != nil {
			return err
		}
		c, err := tx.Campaign(ctx, p.CampaignID)
		if err != nil {
			return err
		}
		now := s.now()
		if c.Status != dm.CampaignScheduled {
			// Cancelled while planning: what the plan wrote is cancelled too.
			_, err := tx.CancelDeliveries(ctx, c.ID, now)
			return err
		}
		counts := countDeliveries(rows)
		if !fresh {
			if counts, err = tx.DeliveryCounts(ctx, c.ID); err != nil {
				return err
			}
		}
		prog := progressOf(c, counts)
		c.Status, c.Targeted, c.PlannedAt, c.UpdatedAt = dm.CampaignRunning, prog.Targeted, &now, now
		c.Generation++
		prog.Status = c.Status
		if err := tx.PutCampaign(ctx, c); err != nil {
			return err
		}
		if err := enqueueLanes(ctx, ob, c, now); err != nil {
			return err
		}
		if err := enqueueReminder(ctx, ob, c, now); err != nil {
			return err
		}
		if err := enqueueFollowUps(ctx, ob, c, now); err != nil {
			return err
		}
		b, err := tx.Account(ctx, c.BrandID)
		if err != nil {
			return err
		}
		return tellTeam(ctx, tx, ob, c.BrandID, dm.Event{Type: dm.EventCampaignProgress, At: now, Brand: b.Handle, Campaign: prog})
	})
}

// planRows resolves a campaign's audience and asks the consent engine
// about each recipient, from one bulk read of the brand's facts.
func (s *Service) planRows(ctx context.Context, tx dm.Tx, c *dm.Campaign) ([]dm.CampaignSend, error) {
	var aud campaign.Audience
	if err := json.Unmarshal(c.Audience, &aud); err != nil {
		return nil, err
	}
	steps, err := campaign.ParseSteps(c.Steps)
	if err != nil || len(steps) == 0 {
		return nil, fmt.Errorf("campaign %s: steps: %v", c.ID, err)
	}
	// The facts first: they hold the followers, which most audiences are.
	facts, err := tx.AudienceFacts(ctx, c.BrandID)
	if err != nil {
		return nil, err
	}
	ids, err := s.resolveAudience(ctx, tx, c.BrandID, &aud, facts)
	if err != nil {
		return nil, err
	}
	set, err := loadSettings(ctx, tx, c.BrandID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	loc := newSchedule(set).loc
	policy, err := s.step.policy(ctx, tx, c.BrandID, now)
	if err != nil {
		return nil, err
	}
	none := &dm.Consent{}
	rows := make([]dm.CampaignSend, 0, len(ids))
	for _, id := range ids {
		if id == c.BrandID {
			continue
		}
		cs := facts.Consents[id]
		if cs == nil {
			cs = none
		}
		rel := dm.Relationship{AFollowsB: facts.Follows[id], ABlocksB: facts.Blocked[id]}
		r := recipient(cs, &rel, now)
		r.Location = zone(facts.TimeZones[id])
		d := consent.Decide(consent.Promotional, r, policy, loc, now)
		row := dm.CampaignSend{ID: dm.NewID(), CampaignID: c.ID, BrandID: c.BrandID, Step: 0, UserID: id,
			Variant: campaign.PickVariant(steps[0].Variants, c.ID, id).Name, State: dm.SendPending, RunAt: now, UpdatedAt: now}
		switch {
		case !d.DeferUntil.IsZero():
			row.Reason, row.RunAt = d.Reason, d.DeferUntil
		case !d.Allow:
			row.State, row.Reason = dm.SendSkipped, d.Reason
		default:
			policy.SentToday++ // the daily cap counts those planned today
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// errPacing is the "error" of a lane that comes back for its next batch.
var errPacing = errors.New("campaign: next batch")

// sendLane is the JobCampaignSend job: it claims a small batch of a
// campaign's due deliveries, sends it, and paces itself inside the job (a
// short sleep until its share of the rate allows the next batch), for up
// to laneSlice; then, or when the next batch is not due soon, it comes back
// through the job queue.
//
// Small batches keep each claim a short write on the store's writer (a
// person's send never waits behind a claim of thousands of rows) and the
// rate smooth; pacing inside the job spares a job round trip per batch.
func (s *Service) sendLane(ctx context.Context, j *dm.Job) error {
	var p laneJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	// A campaign's writes let people's own sends go first (the SQLite
	// store's writer; see dm.Background).
	ctx = dm.Background(ctx)
	// The slice is real time (the process's, not the clock's), and at
	// most half of what the job's timeout leaves.
	realStart, clockStart := time.Now(), s.now()
	end := realStart.Add(laneSlice)
	if dl, ok := ctx.Deadline(); ok {
		end = minTime(end, time.Now().Add(time.Until(dl)/2))
	}
	// comeBack is when the lane returns through the job queue once it
	// stops before next (its slice is over, or next is too far to sleep
	// for). A clock that does not follow real time (a test's, frozen until
	// the test moves it) would never reach next: the rest of the window's
	// share is due now, as when waitUntil stalls.
	comeBack := func(next time.Time, spent, share int) time.Time {
		if spent < share && s.now().Sub(clockStart) < time.Since(realStart)/2 {
			return s.now()
		}
		return next
	}
	var told time.Time // when this run last told the team the progress
	unsent := false    // deliveries settled since
	// Lane 0 tells while it sends (the progress is the campaign's, all
	// lanes'), in the background, so that the lane does not wait for the
	// count; no more often than every progressEvery, nor than every
	// progressShare times what the last count took (a large campaign's
	// count takes tens of milliseconds, more on a loaded machine). Every
	// lane tells when it stops, after the one in the background: the last
	// word is the latest.
	var telling sync.WaitGroup
	var every atomic.Int64
	every.Store(int64(progressEvery))
	tell := func(force bool) {
		if !unsent {
			return
		}
		if force {
			telling.Wait()
			s.tellProgress(dm.Background(context.Background()), p.CampaignID)
			told, unsent = time.Now(), false
			return
		}
		if p.Lane != 0 || time.Since(told) < time.Duration(every.Load()) {
			return
		}
		telling.Wait()
		told, unsent = time.Now(), false
		telling.Go(func() {
			took := s.tellProgress(dm.Background(context.Background()), p.CampaignID)
			every.Store(int64(max(progressEvery, progressShare*took)))
		})
	}
	defer telling.Wait()
	var window time.Time // when the current window of the lane's rate began
	spent := 0           // deliveries claimed in it
	for {
		var c *dm.Campaign
		var b *dm.Account
		if err := s.store.View(ctx, func(tx dm.Tx) error {
			var err error
			if c, err = tx.Campaign(ctx, p.CampaignID); err != nil {
				return err
			}
			b, err = tx.Account(ctx, c.BrandID)
			return err
		}); err != nil {
			tell(true)
			if dm.IsCode(err, dm.ENOTFOUND) {
				return jobs.Permanent(err)
			}
			return err
		}
		if c.Status != dm.CampaignRunning || c.Generation != p.Generation {
			tell(true)
			return nil // paused, cancelled, done, or resumed by newer lanes
		}
		steps, err := campaign.ParseSteps(c.Steps)
		if err != nil {
			return jobs.Permanent(err)
		}
		// The lane's share of the rate is whole.Batch deliveries every
		// whole.Every (a window), sent in batches of at most part.Batch,
		// part.Every apart.
		whole := campaign.PaceOf(c.RatePerMinute, campaignLanes)
		part := whole.Split(laneBatch, laneEvery)
		limit := max(1, min(part.Batch, whole.Batch-spent))
		start := s.now()
		if window.IsZero() {
			window = start
		}
		n, cut, err := s.sendBatch(ctx, c, b, steps, start, limit)
		unsent = unsent || n > 0
		spent += n
		if err != nil {
			tell(true)
			return err
		}
		if cut || ctx.Err() != nil {
			tell(true)
			return jobs.RetryAt(s.now(), errPacing)
		}
		// When the window's share (spent) of the rate is due.
		next := window.Add(time.Duration(int64(whole.Every) * int64(spent) / int64(whole.Batch)))
		if n == limit {
			if !time.Now().Before(end) {
				tell(true)
				return jobs.RetryAt(comeBack(next, spent, whole.Batch), errPacing)
			}
			switch s.waitUntil(ctx, next) {
			case waited:
			case tooFar:
				tell(true)
				return jobs.RetryAt(comeBack(next, spent, whole.Batch), errPacing)
			case stalled:
				// A clock that does not follow real time (a test's) paces
				// by windows only: the rest of this window's share goes
				// now, the next window when the clock says so.
				if spent >= whole.Batch {
					tell(true)
					return jobs.RetryAt(next, errPacing)
				}
			}
			if spent >= whole.Batch {
				window, spent = maxTime(next, s.now()), 0
			}
			tell(false)
			continue
		}
		tell(true)
		var due *time.Time
		if err := s.store.View(ctx, func(tx dm.Tx) error {
			var err error
			due, err = tx.NextDelivery(ctx, c.ID)
			return err
		}); err != nil {
			return err
		}
		if due != nil {
			return jobs.RetryAt(maxTime(*due, next), errPacing)
		}
		return s.finishCampaign(ctx, c.ID, p.Generation)
	}
}

// sendBatch claims up to limit of a campaign's due deliveries and sends
// them, laneWorkers at a time: each is a few short transactions, and the
// store commits concurrent ones together, so one at a time would bound a
// lane by the commit latency. Each row is its own recipient; the consent
// gate decides again inside each send. cut says the lane ran out of time
// and handed the rest back.
func (s *Service) sendBatch(ctx context.Context, c *dm.Campaign, b *dm.Account, steps []campaign.Step, start time.Time, limit int) (n int, cut bool, err error) {
	var batch []dm.CampaignSend
	if err := s.store.Update(ctx, func(tx dm.Tx) error {
		var err error
		batch, err = tx.ClaimDeliveries(ctx, c.ID, s.worker, start, s.sendLease, limit)
		return err
	}); err != nil {
		return 0, false, err
	}
	var pre []precheck
	if ctx.Err() == nil {
		pre = s.prechecks(ctx, c, b, steps, batch)
	}
	var stop atomic.Bool
	var nextRow atomic.Int64
	var wg sync.WaitGroup
	for range min(laneWorkers, len(batch)) {
		wg.Go(func() {
			for {
				i := int(nextRow.Add(1)) - 1
				if i >= len(batch) {
					return
				}
				if ctx.Err() != nil {
					// Out of time: hand the rest back at once rather than
					// at the end of their lease, and come back for them now.
					batch[i].State, batch[i].RunAt = dm.SendPending, start
					s.settle(&batch[i])
					stop.Store(true)
					continue
				}
				s.deliver(ctx, c, b, steps, &batch[i], pre[i])
			}
		})
	}
	wg.Wait()
	return len(batch), stop.Load(), nil
}

// Outcomes of waitUntil.
const (
	waited  = iota // the clock reached t
	tooFar         // t is further than laneWait: not waited
	stalled        // ctx ended, or the clock did not move with real time
)

// waitUntil sleeps until the clock reaches t, when that is within
// laneWait.
func (s *Service) waitUntil(ctx context.Context, t time.Time) int {
	d := t.Sub(s.now())
	if d <= 0 {
		return waited
	}
	if d > laneWait {
		return tooFar
	}
	select {
	case <-ctx.Done():
		return stalled
	case <-time.After(d):
	}
	if s.now().Before(t) {
		return stalled
	}
	return waited
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// finishCampaign marks a running campaign with nothing left to send done.
func (s *Service) finishCampaign(ctx context.Context, id string, gen int) error {
	return s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		c, err := tx.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.LockBrand(ctx, c.BrandID); err != nil {
			return err
		}
		if c, err = tx.Campaign(ctx, id); err != nil || c.Status != dm.CampaignRunning || c.Generation != gen {
			return err
		}
		if next, err := tx.NextDelivery(ctx, id); err != nil || next != nil {
			return err
		}
		now := s.now()
		if steps, err := campaign.ParseSteps(c.Steps); err == nil && len(steps) > 1 {
			planned, err := tx.StepPlanned(ctx, id, len(steps)-1)
			if err != nil || !planned {
				return err // a follow-up is still to come: its plan ends the campaign
			}
		}
		c.Status, c.UpdatedAt = dm.CampaignDone, now
		if err := tx.PutCampaign(ctx, c); err != nil {
			return err
		}
		p, err := campaignProgress(ctx, tx, c)
		if err != nil {
			return err
		}
		b, err := tx.Account(ctx, c.BrandID)
		if err != nil {
			return err
		}
		return tellTeam(ctx, tx, ob, c.BrandID, dm.Event{Type: dm.EventCampaignProgress, At: now, Brand: b.Handle, Campaign: p})
	})
}

// tellProgress sends the team a campaign's progress (live progress bars).
// The progress counts all of the campaign's deliveries (tens of
// milliseconds for 50,000): it is read in a snapshot, outside the write
// transaction that only appends the event, so people's sends do not wait
// for the count behind the single SQLite writer. The event tells the
// progress as of that snapshot, a moment before it is appended.
//
// It returns how long the count took.
func (s *Service) tellProgress(ctx context.Context, id string) time.Duration {
	var p *dm.CampaignProgress
	var brandID, handle string
	start := time.Now()
	err := s.store.View(ctx, func(tx dm.Tx) error {
		c, err := tx.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if p, err = campaignProgress(ctx, tx, c); err != nil {
			return err
		}
		b, err := tx.Account(ctx, c.BrandID)
		if err != nil {
			return err
		}
		brandID, handle = c.BrandID, b.Handle
		return nil
	})
	took := time.Since(start)
	if err == nil {
		err = s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
			return tellTeam(ctx, tx, ob, brandID, dm.Event{Type: dm.EventCampaignProgress, At: s.now(), Brand: handle, Campaign: p})
		})
	}
	if err != nil {
		s.log.Warn("campaign: progress event failed", "campaign", id, "err", err)
	}
	return took
}

// settle records a claimed delivery's outcome. A lost lease (another
// worker has it, or its message was stored) leaves the row to its holder.
func (s *Service) settle(d *dm.CampaignSend) {
	ctx := dm.Background(context.Background())
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		return tx.SettleDelivery(ctx, d, s.worker, s.now())
	})
	if err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
		// The lease runs out and the delivery is tried again.
		s.log.Warn("campaign: recording a delivery failed", "campaign", d.CampaignID, "user", d.UserID, "err", err)
	}
}

// deliver sends one claimed delivery, or records why not.
func (s *Service) deliver(ctx context.Context, c *dm.Campaign, b *dm.Account, steps []campaign.Step, d *dm.CampaignSend, pre precheck) {
	skip := func(reason string) {
		d.State, d.Reason = dm.SendSkipped, reason
		s.settle(d)
	}
	later := func(reason string, at time.Time) {
		d.State, d.Reason, d.RunAt = dm.SendPending, reason, at
		s.settle(d)
	}
	retry := func(err error) {
		if ctx.Err() != nil {
			// The lane ran out of time: not the delivery's failure.
			later(d.Reason, s.now())
			return
		}
		if d.Attempts >= maxSendAttempts {
			d.State, d.Reason = dm.SendFailed, FailedError
			s.log.Warn("campaign: delivery failed", "campaign", d.CampaignID, "user", d.UserID, "err", err)
			s.settle(d)
			return
		}
		later("", s.now().Add(jobs.DefaultBackoff(d.Attempts)))
	}
	// The consent engine first (pre, read for the whole batch), on what
	// is known now; it decides again inside the send.
	user, dec, wait, hold, err := pre.user, pre.dec, pre.wait, pre.hold, pre.err
	switch {
	case dm.IsCode(err, dm.ENOTFOUND):
		skip(SkipGone)
		return
	case err != nil:
		retry(err)
		return
	case hold != "":
		skip(hold)
		return
	case !wait.IsZero():
		later("", wait)
		return
	case !dec.DeferUntil.IsZero():
		later(dec.Reason, dec.DeferUntil)
		return
	case !dec.Allow:
		skip(dec.Reason)
		return
	}
	step := steps[min(d.Step, len(steps)-1)]
	v := step.Variants[0]
	for _, x := range step.Variants {
		if x.Name == d.Variant {
			v = x
		}
	}
	t, err := ParseTemplate(v.Text)
	if err != nil {
		skip(SkipInvalidTemplate)
		return
	}
	text := t.Render(templateVars(user, b, nil))
	if o := offerOf(c); o != nil {
		code, err := s.codeFor(ctx, c, o, user.ID)
		if dm.IsCode(err, dm.ENOTFOUND) {
			skip(SkipNoCode) // the uploaded pool ran out
			return
		}
		if err != nil {
			retry(err)
			return
		}
		text = truncRunes(text, dm.MaxTextRunes-60) + "\n\nYour code: " + code
	}
	buttons := step.QuickReplies
	if ev := eventOf(c); ev != nil {
		// An invitation carries its event, its calendar link and the
		// RSVP buttons.
		loc, _ := time.LoadLocation(ev.TimeZone)
		// The calendar link is absolute (the server's public URL), so
		// that the app makes it a link.
		text = truncRunes(text+"\n\n"+ev.Details(loc)+"\nAdd to calendar: "+s.PublicURL()+"/api/v1/campaigns/"+c.ID+"/event.ics", dm.MaxTextRunes)
		buttons = campaign.RSVPButtons(c.ID)
	}
	// Every URL becomes a tracked link of this recipient's own, so that
	// the funnel counts who clicked.
	text, err = s.TrackLinksInText(ctx, b.ID, text, LinkSpec{RecipientID: user.ID, CampaignID: c.ID, Step: d.Step, Variant: d.Variant})
	if err != nil {
		retry(err)
		return
	}
	var within func(context.Context, dm.Tx, chat.Outbox, *dm.Message) error
	if c.Type == campaign.TypeSurvey {
		// A survey asks its question under the step's text (surveys.go).
		q, bs, ask, err := s.surveyOf(ctx, c, d)
		if err != nil {
			if dm.IsCode(err, dm.ENOTFOUND) {
				skip(SkipGone)
			} else {
				retry(err)
			}
			return
		}
		text = truncRunes(text, dm.MaxTextRunes-utf8.RuneCountInString(q)-2) + "\n\n" + q
		buttons, within = bs, ask.record(b.ID)
	}
	var qrs []dm.QuickReply
	for _, q := range buttons {
		qrs = append(qrs, dm.QuickReply{Title: q.Title, Payload: q.Payload})
	}
	var card *dm.ProductCard
	if step.TopPick {
		// The recipient's own top pick (catalog.go).
		if card, err = s.topPickFor(ctx, b.ID, LinkSpec{RecipientID: user.ID, CampaignID: c.ID, Step: d.Step, Variant: d.Variant}); err != nil {
			retry(err)
			return
		}
		if card == nil {
			skip(SkipNoPick)
			return
		}
	}
	// The conversation (opened if there is none) and the message, in one
	// transaction.
	_, _, err = s.chat.SendDirect(ctx, b, user, chat.SendParams{Text: text, Automated: true,
		Purpose: purposeOf(d), QuickReplies: qrs, ClientID: "cmp:" + d.ID, Campaign: d, Product: card, Within: within})
	var deferred *Deferred
	switch {
	case err == nil:
		// The brand's stage marked the row sent in the send's transaction.
	case errors.As(err, &deferred):
		later(deferred.Reason, deferred.Until)
	default:
		if r, ok := refusal(err); ok {
			skip(r)
		} else {
			retry(err)
		}
	}
}

// precheck is what the consent engine says of a delivery before its send,
// on what is known when its batch starts.
type precheck struct {
	user *dm.Account
	dec  consent.Decision
	wait time.Time // a follow-up not due yet for this recipient
	hold string    // a follow-up with nothing to follow, or answered
	err  error
}

// prechecks asks the consent engine about each delivery of a batch, in
// one read: the brand's settings and policy once, and the recipients'
// accounts, consent, relationships and settings in one statement
// (DeliveryFacts) instead of four for each. A recipient whose account is
// gone has err ENOTFOUND.
func (s *Service) prechecks(ctx context.Context, c *dm.Campaign, b *dm.Account, steps []campaign.Step, batch []dm.CampaignSend) []precheck {
	out := make([]precheck, len(batch))
	err := s.store.View(ctx, func(tx dm.Tx) error {
		set, err := loadSettings(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		loc := newSchedule(set).loc
		now := s.now()
		pol, err := s.step.policy(ctx, tx, b.ID, now)
		if err != nil {
			return err
		}
		ids := make([]string, len(batch))
		for i := range batch {
			ids[i] = batch[i].UserID
		}
		facts, err := tx.DeliveryFacts(ctx, b.ID, ids)
		if err != nil {
			return err
		}
		for i := range batch {
			d := &batch[i]
			p := &out[i]
			p.err = func() error {
				f := facts[d.UserID]
				if f == nil {
					return dm.Errorf(dm.ENOTFOUND, "account not found")
				}
				p.user = f.Account
				cs := f.Consent
				if cs == nil {
					cs = &dm.Consent{BrandID: b.ID, UserID: d.UserID}
				}
				r := recipient(cs, &f.Relationship, now)
				r.Location = zone(f.Settings.TimeZone)
				p.dec = consent.Decide(purposeOf(d), r, pol, loc, now)
				if p.dec.Allow {
					pol.SentToday++ // the daily cap counts those ahead in the batch
				}
				p.wait, p.hold, err = s.followUpDue(ctx, tx, c, steps, d, cs.LastInbound, now)
				return err
			}()
		}
		return nil
	})
	if err != nil {
		for i := range out {
			out[i] = precheck{err: err}
		}
	}
	return out
}

// refusal names why a send or a conversation was refused for good, as a
// skip reason: the consent engine's reasons, and the chat rules'.
func refusal(err error) (string, bool) {
	var e *dm.Error
	if !errors.As(err, &e) {
		return "", false
	}
	switch e.Code {
	case dm.EFORBIDDEN:
		switch e.Reason {
		case dm.ReasonBlockedByYou, dm.ReasonBlocksYou:
			return consent.ReasonBlocked, true
		case "":
			return SkipRefused, true
		}
		return e.Reason, true
	case dm.ENOTFOUND:
		return SkipGone, true
	case dm.EINVALID:
		return SkipInvalid, true
	}
	return "", false
}

// workerName names this process's campaign lanes' leases: unique across
// nodes and restarts, so a restarted node never settles what its previous
// life claimed.
func workerName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), dm.NewID()[:8])
}

// insertDeliveries writes planned delivery rows in chunks of planChunk, one
// Update each, so that a large audience never holds the writer for long.
// Rows are keyed by (campaign, step, recipient): a chunk written twice
// (a plan job retried after a crash) inserts nothing new. It returns how
// many rows were new.
func (s *Service) insertDeliveries(ctx context.Context, rows []dm.CampaignSend) (int, error) {
	inserted := 0
	for len(rows) > 0 {
		n := min(planChunk, len(rows))
		k := 0
		if err := s.store.Update(ctx, func(tx dm.Tx) error {
			var err error
			k, err = tx.InsertDeliveries(ctx, rows[:n])
			return err
		}); err != nil {
			return inserted, err
		}
		inserted += k
		rows = rows[n:]
	}
	return inserted, nil
}

// countDeliveries is DeliveryCounts of rows, in Go.
func countDeliveries(rows []dm.CampaignSend) []dm.DeliveryCount {
	type key struct{ state, reason string }
	n := map[key]int{}
	for i := range rows {
		n[key{rows[i].State, rows[i].Reason}]++
	}
	out := make([]dm.DeliveryCount, 0, len(n))
	for k, c := range n {
		out = append(out, dm.DeliveryCount{State: k.state, Reason: k.reason, Count: c})
	}
	return out
}
