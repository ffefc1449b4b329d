package brand

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
)

// Creator collaborations (issue 12): a brand keeps a pipeline of creators
// (people on Parley it works with, or wants to), proposes a collaboration
// by DM, and sees what each creator brought in.
//
// The pipeline is the team's private business: only owners, admins and
// agents given the "partnerships" permission see it; to anyone else it does
// not exist (404), as for the rest of the console.
//
// Outreach is a DM from the brand like any other: it opens (or reuses) the
// direct conversation, so it lands in the creator's Requests when they do
// not follow the brand, and is refused, with the spine's own words, when
// their who-can-message-me setting says no. The first message, which a
// team member sends from a template, goes through the consent engine as a
// "collaboration" (no follow or opt-in needed, but never to someone who
// blocked the brand or said STOP, and counted as unanswered); its automated
// follow-ups (at most 2) are durable jobs on the service's clock, sent as
// "follow_up", so the engine's limit of two follow-ups after an unanswered
// message holds, and its quiet hours. A follow-up is not sent once the
// creator wrote, tapped Accept or Decline, blocked the brand, or said STOP.
//
// Every outreach message is marked as a collaboration message and carries
// Accept and Decline buttons (quick replies). A tap is recorded in the
// creator's own send: Accept moves the deal to negotiating (from prospect,
// contacted or declined: the creator may change their mind; a deal further
// along stays where it is), Decline moves it to declined; both end the
// outreach and are confirmed with one message.

// JobCreatorFollowUp sends one follow-up of an outreach.
const JobCreatorFollowUp = "creator.follow_up"

// Payloads of the Accept and Decline buttons of a collaboration message.
const (
	CollabAcceptPayload  = "parley:collab:accept"
	CollabDeclinePayload = "parley:collab:decline"
)

// collabButtons are the buttons under every collaboration message.
func collabButtons() []dm.QuickReply {
	return []dm.QuickReply{{Title: "Accept", Payload: CollabAcceptPayload}, {Title: "Decline", Payload: CollabDeclinePayload}}
}

// Limits of the pipeline.
const (
	maxDeals           = 1000
	maxNotesRunes      = 4000
	maxDeliverables    = 50
	maxDeliverableRune = 200
	maxFeeMinor        = 1_000_000_000_000
	// MaxCreatorFollowUps is the consent engine's limit of follow-ups
	// after an unanswered message.
	MaxCreatorFollowUps = 2
	maxFollowUpMinutes  = 30 * 24 * 60
	maxCodesAtOnce      = 100
)

// Creator is one creator in a brand's pipeline, as the team sees it.
type Creator struct {
	Deal    dm.CreatorDeal
	Creator dm.Profile
	// History and Results are set for one creator's page, nil in lists.
	History []StageMove
	Results *CreatorResults
	// Due flags the deliverables due soon or overdue (creators_due.go):
	// deliverable id -> dm.DueSoon or dm.Overdue.
	Due map[string]string
}

// StageMove is one move of a deal, with who moved it.
type StageMove struct {
	From   string
	To     string
	By     *dm.Profile // nil when the account is gone
	Reason string
	At     time.Time
}

// CreatorResults is what a creator brought in: the offer codes given to
// them and how many were redeemed, and the clicks on tracked links
// attributed to them.
type CreatorResults struct {
	Codes       []dm.CreatorCode
	CodesGiven  int
	Redemptions int
	// Links counts the tracked links made for the creator, Clicks their
	// clicks, and UniqueClicks the links clicked at least once.
	Links        int
	Clicks       int
	UniqueClicks int
}

// partners is access for the pipeline: owners, admins and agents with the
// partnerships permission. To anyone else it does not exist.
func (s *Service) partners(ctx context.Context, tx dm.Tx, me *dm.Account, handle string) (*access, error) {
	a, err := s.access(ctx, tx, me, handle)
	if err != nil {
		return nil, err
	}
	if !a.can(dm.PermPartnerships) {
		return nil, noBrand(handle)
	}
	return a, nil
}

// creatorByHandle finds a creator: a person's account.
func creatorByHandle(ctx context.Context, tx dm.Tx, handle string) (*dm.Account, error) {
	h := dm.NormalizeHandle(handle)
	acc, err := tx.AccountByHandle(ctx, h)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.ENOTFOUND, "No account @%s.", dm.Truncate(h, 40))
	}
	if err != nil {
		return nil, err
	}
	return acc, nil
}

// dealOf returns the deal of the creator of handle in a's brand.
func dealOf(ctx context.Context, tx dm.Tx, a *access, handle string) (*dm.Account, *dm.CreatorDeal, error) {
	acc, err := creatorByHandle(ctx, tx, handle)
	if err != nil {
		return nil, nil, err
	}
	d, err := tx.CreatorDeal(ctx, a.brand.ID, acc.ID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, nil, dm.Errorf(dm.ENOTFOUND, "@%s is not in the pipeline.", acc.Handle)
	}
	return acc, d, err
}

// CreatorInput is a new creator or a change (nil fields stay).
type CreatorInput struct {
	Handle       string
	Stage        *string
	Notes        *string
	Deliverables *[]dm.Deliverable
	FeeMinor     *int64
	FeeCurrency  *string
	DueDate      *string
}

func validDate(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return dm.Errorf(dm.EINVALID, "%s: a date as YYYY-MM-DD, or empty.", field)
	}
	return nil
}

// apply checks in and applies it to d. It returns the new stage when the
// stage changes ("" otherwise).
func (in *CreatorInput) apply(d *dm.CreatorDeal) (string, error) {
	moved := ""
	if in.Stage != nil {
		if !slices.Contains(dm.CreatorStages, *in.Stage) {
			return "", dm.Errorf(dm.EINVALID, "stage: one of %s.", strings.Join(dm.CreatorStages, ", "))
		}
		if *in.Stage != d.Stage {
			moved = *in.Stage
		}
	}
	if in.Notes != nil {
		n := strings.TrimSpace(*in.Notes)
		if err := dm.ValidateField("notes", n, maxNotesRunes, true, true); err != nil {
			return "", err
		}
		d.Notes = n
	}
	if in.Deliverables != nil {
		ds := *in.Deliverables
		if len(ds) > maxDeliverables {
			return "", dm.Errorf(dm.EINVALID, "deliverables: at most %d.", maxDeliverables)
		}
		out := make([]dm.Deliverable, 0, len(ds))
		seen := map[string]bool{}
		before := map[string]dm.Deliverable{}
		for _, x := range d.Deliverables {
			before[x.ID] = x
		}
		for i, x := range ds {
			x.Title = strings.TrimSpace(x.Title)
			if err := dm.ValidateField(fmt.Sprintf("deliverables[%d].title", i), x.Title, maxDeliverableRune, false, false); err != nil {
				return "", err
			}
			if err := validDate(fmt.Sprintf("deliverables[%d].due_date", i), x.DueDate); err != nil {
				return "", err
			}
			if x.ID == "" {
				x.ID = dm.NewID()
			}
			if seen[x.ID] || dm.ValidateField("id", x.ID, 40, false, false) != nil {
				return "", dm.Errorf(dm.EINVALID, "deliverables[%d].id: unique, at most 40 characters (leave it empty for a new one).", i)
			}
			seen[x.ID] = true
			// The reminder sent is the server's record: kept while the
			// due date stays, forgotten when it moves.
			x.Reminded = ""
			if b, ok := before[x.ID]; ok && b.DueDate == x.DueDate {
				x.Reminded = b.Reminded
			}
			out = append(out, x)
		}
		d.Deliverables = out
	}
	if in.FeeMinor != nil {
		if *in.FeeMinor < 0 || *in.FeeMinor > maxFeeMinor {
			return "", dm.Errorf(dm.EINVALID, "fee_minor: 0 to %d (minor units, such as cents).", int64(maxFeeMinor))
		}
		d.FeeMinor = *in.FeeMinor
	}
	if in.FeeCurrency != nil {
		c := strings.ToUpper(strings.TrimSpace(*in.FeeCurrency))
		if c != "" && (len(c) != 3 || strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
			return "", dm.Errorf(dm.EINVALID, "fee_currency: an ISO 4217 code of three letters (EUR, USD), or empty.")
		}
		d.FeeCurrency = c
	}
	if d.FeeMinor > 0 && d.FeeCurrency == "" {
		return "", dm.Errorf(dm.EINVALID, "fee_currency: required with a fee.")
	}
	if in.DueDate != nil {
		if err := validDate("due_date", *in.DueDate); err != nil {
			return "", err
		}
		d.DueDate = *in.DueDate
	}
	return moved, nil
}

// Creators lists a brand's pipeline, most recently changed first.
func (s *Service) Creators(ctx context.Context, me *dm.Account, handle string) ([]Creator, error) {
	var out []Creator
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.partners(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		ds, err := tx.CreatorDeals(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		out = make([]Creator, 0, len(ds))
		for _, d := range ds {
			acc, err := tx.Account(ctx, d.CreatorID)
			if err != nil {
				return err
			}
			out = append(out, Creator{Deal: d, Creator: acc.Profile()})
		}
		loc, err := s.brandZone(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		now := s.now()
		for i := range out {
			out[i].Due = dueFlags(&out[i].Deal, now, loc)
		}
		return nil
	})
	return out, err
}

// Creator returns one creator of the pipeline with the history of the deal
// and the creator's results.
func (s *Service) Creator(ctx context.Context, me *dm.Account, handle, creatorHandle string) (*Creator, error) {
	var out *Creator
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.partners(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		acc, d, err := dealOf(ctx, tx, a, creatorHandle)
		if err != nil {
			return err
		}
		out, err = s.creatorPage(ctx, tx, acc, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.addClicks(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// creatorPage is a creator with the deal's history and the codes' results.
func (s *Service) creatorPage(ctx context.Context, tx dm.Tx, acc *dm.Account, d *dm.CreatorDeal) (*Creator, error) {
	loc, err := s.brandZone(ctx, tx, d.BrandID)
	if err != nil {
		return nil, err
	}
	c := &Creator{Deal: *d, Creator: acc.Profile(), History: []StageMove{}, Results: &CreatorResults{}, Due: dueFlags(d, s.now(), loc)}
	hs, err := tx.StageHistory(ctx, d.BrandID, d.CreatorID)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		m := StageMove{From: h.From, To: h.To, Reason: h.Reason, At: h.At}
		if by, err := tx.Account(ctx, h.ByID); err == nil {
			m.By = ptr(by.Profile())
		} else if !dm.IsCode(err, dm.ENOTFOUND) {
			return nil, err
		}
		c.History = append(c.History, m)
	}
	codes, err := tx.CreatorCodes(ctx, d.BrandID, d.CreatorID)
	if err != nil {
		return nil, err
	}
	c.Results.Codes, c.Results.CodesGiven = codes, len(codes)
	for _, k := range codes {
		if k.RedeemedAt != nil {
			c.Results.Redemptions++
		}
	}
	return c, nil
}

// addClicks sets the counts of the tracked links attributed to the
// creator (links.go): those the team made for them to share (CreatorLink).
func (s *Service) addClicks(ctx context.Context, c *Creator) error {
	return s.store.View(ctx, func(tx dm.Tx) error {
		st, err := tx.LinkStats(ctx, c.Deal.BrandID, dm.LinkFilter{CreatorID: c.Deal.CreatorID})
		if err != nil {
			return err
		}
		c.Results.Links, c.Results.Clicks, c.Results.UniqueClicks = st.Links, st.Clicks, st.Clicked
		return nil
	})
}

// CreatorLink makes a tracked link to dest for a creator of the pipeline to
// share: its clicks count in the creator's results. It returns the link's
// address.
func (s *Service) CreatorLink(ctx context.Context, me *dm.Account, handle, creatorHandle, dest string) (string, *Creator, error) {
	var brandID, creatorID string
	if err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.partners(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		_, d, err := dealOf(ctx, tx, a, creatorHandle)
		if err != nil {
			return err
		}
		brandID, creatorID = d.BrandID, d.CreatorID
		return nil
	}); err != nil {
		return "", nil, err
	}
	link, err := s.TrackLink(ctx, brandID, LinkSpec{URL: dest, CreatorID: creatorID})
	if err != nil {
		return "", nil, err
	}
	c, err := s.Creator(ctx, me, handle, creatorHandle)
	return link, c, err
}

// AddCreator puts a person in the pipeline (prospect unless in.Stage says).
func (s *Service) AddCreator(ctx context.Context, me *dm.Account, handle string, in CreatorInput) (*Creator, error) {
	var out *Creator
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, err := s.partners(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		acc, err := creatorByHandle(ctx, tx, in.Handle)
		if err != nil {
			return err
		}
		if acc.Kind != dm.KindPerson {
			return dm.Errorf(dm.EINVALID, "handle: @%s is a brand; creators are people.", acc.Handle)
		}
		if _, err := tx.CreatorDeal(ctx, a.brand.ID, acc.ID); err == nil {
			return dm.Errorf(dm.ECONFLICT, "@%s is already in the pipeline.", acc.Handle)
		} else if !dm.IsCode(err, dm.ENOTFOUND) {
			return err
		}
		if n, err := tx.CountCreatorDeals(ctx, a.brand.ID); err != nil {
			return err
		} else if n >= maxDeals {
			return dm.Errorf(dm.ECONFLICT, "The pipeline holds at most %d creators; remove some first.", maxDeals)
		}
		now := s.now()
		d := &dm.CreatorDeal{BrandID: a.brand.ID, CreatorID: acc.ID, Stage: dm.StageProspect, Deliverables: []dm.Deliverable{}, CreatedAt: now, UpdatedAt: now}
		if _, err := in.apply(d); err != nil {
			return err
		}
		if in.Stage != nil {
			d.Stage = *in.Stage
		}
		if err := tx.PutCreatorDeal(ctx, d); err != nil {
			return err
		}
		if err := tx.AddStageChange(ctx, &dm.StageChange{BrandID: d.BrandID, CreatorID: d.CreatorID, To: d.Stage, ByID: me.ID, Reason: "added", At: now}); err != nil {
			return err
		}
		if err := s.scheduleDue(ctx, tx, ob, nil, d, now); err != nil {
			return err
		}
		if out, err = s.creatorPage(ctx, tx, acc, d); err != nil {
			return err
		}
		return tellPartners(ctx, tx, ob, a.brand, acc, d.Stage, now)
	})
	return out, err
}

// UpdateCreator changes a deal: stage, notes, deliverables, fee, due date.
// A move to declined stops the outreach.
func (s *Service) UpdateCreator(ctx context.Context, me *dm.Account, handle, creatorHandle string, in CreatorInput) (*Creator, error) {
	var out *Creator
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, err := s.partners(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		acc, d, err := dealOf(ctx, tx, a, creatorHandle)
		if err != nil {
			return err
		}
		old := slices.Clone(d.Deliverables)
		moved, err := in.apply(d)
		if err != nil {
			return err
		}
		now := s.now()
		if err := s.scheduleDue(ctx, tx, ob, old, d, now); err != nil {
			return err
		}
		if moved != "" {
			if err := tx.AddStageChange(ctx, &dm.StageChange{BrandID: d.BrandID, CreatorID: d.CreatorID, From: d.Stage, To: moved, ByID: me.ID, Reason: "moved", At: now}); err != nil {
				return err
			}
			d.Stage = moved
			if moved == dm.StageDeclined && d.OutreachState == dm.OutreachRunning {
				d.OutreachState = dm.OutreachStopped
			}
		}
		d.UpdatedAt = now
		if err := tx.PutCreatorDeal(ctx, d); err != nil {
			return err
		}
		if out, err = s.creatorPage(ctx, tx, acc, d); err != nil {
			return err
		}
		return tellPartners(ctx, tx, ob, a.brand, acc, d.Stage, now)
	})
	if err != nil {
		return nil, err
	}
	if err := s.addClicks(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// RemoveCreator takes a creator out of the pipeline (the conversation and
// its messages stay; a running outreach stops, its jobs find no deal).
func (s *Service) RemoveCreator(ctx context.Context, me *dm.Account, handle, creatorHandle string) error {
	return s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, err := s.partners(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		acc, d, err := dealOf(ctx, tx, a, creatorHandle)
		if err != nil {
			return err
		}
		if err := tx.DeleteCreatorDeal(ctx, d.BrandID, d.CreatorID); err != nil {
			return err
		}
		return tellPartners(ctx, tx, ob, a.brand, acc, "removed", s.now())
	})
}

// FollowUpInput is one automated follow-up of an outreach: sent
// DelayMinutes after the previous message if the creator has not answered.
type FollowUpInput struct {
	DelayMinutes int
	Text         string
}

// OutreachInput is an outreach: the first message and its follow-ups, as
// templates ({{first_name|there}}, {{name}}, {{handle}}, {{brand_name}},
// {{agent_first_name}}) rendered for the creator.
type OutreachInput struct {
	Text      string
	FollowUps []FollowUpInput
}

// followUpJob is the payload of a JobCreatorFollowUp: the texts are
// rendered when the outreach starts, so a retry sends what was decided.
type followUp struct {
	DelayMinutes int    `json:"delay_minutes"`
	Text         string `json:"text"`
}

type creatorJob struct {
	BrandID    string     `json:"brand_id"`
	CreatorID  string     `json:"creator_id"`
	OutreachID string     `json:"outreach_id"`
	Step       int        `json:"step"` // 1 for the first follow-up
	FollowUps  []followUp `json:"follow_ups"`
}

// render parses and renders an outreach template for the creator.
func renderOutreach(field, text string, vars map[string]string) (string, error) {
	if strings.TrimSpace(text) == "" {
		return "", dm.Errorf(dm.EINVALID, "%s: required.", field)
	}
	t, err := ParseTemplate(text)
	if err != nil {
		return "", dm.Errorf(dm.EINVALID, "%s: %s", field, dm.ErrorMessage(err))
	}
	out := t.Render(vars)
	if err := dm.ValidateText(out); err != nil {
		return "", dm.Errorf(dm.EINVALID, "%s: %s", field, dm.ErrorMessage(err))
	}
	return out, nil
}

// checkOutreach validates an outreach before anything is read.
func checkOutreach(in OutreachInput) error {
	if len(in.FollowUps) > MaxCreatorFollowUps {
		return dm.Errorf(dm.EINVALID, "follow_ups: at most %d (the consent engine allows no more after a message that was not answered).", MaxCreatorFollowUps)
	}
	for i, f := range in.FollowUps {
		if f.DelayMinutes < 1 || f.DelayMinutes > maxFollowUpMinutes {
			return dm.Errorf(dm.EINVALID, "follow_ups[%d].delay_minutes: 1 to %d.", i, maxFollowUpMinutes)
		}
	}
	parse := func(field, text string) error {
		if strings.TrimSpace(text) == "" {
			return dm.Errorf(dm.EINVALID, "%s: required.", field)
		}
		if _, err := ParseTemplate(text); err != nil {
			return dm.Errorf(dm.EINVALID, "%s: %s", field, dm.ErrorMessage(err))
		}
		return nil
	}
	if err := parse("text", in.Text); err != nil {
		return err
	}
	for i, f := range in.FollowUps {
		if err := parse(fmt.Sprintf("follow_ups[%d].text", i), f.Text); err != nil {
			return err
		}
	}
	return nil
}

// errStale rolls back an outreach send whose deal changed meanwhile.
var errStale = errors.New("creators: the outreach changed")

// Outreach proposes a collaboration to a creator of the pipeline: it sends
// the first message now, as the brand and written by the caller, and
// schedules the follow-ups. A creator who does not accept messages from the
// brand (blocked, who-can-message-me, STOP) is refused with EFORBIDDEN and a
// reason; an outreach already running, or a declined deal, is a conflict.
// A prospect moves to contacted.
func (s *Service) Outreach(ctx context.Context, me *dm.Account, handle, creatorHandle string, in OutreachInput) (*Creator, *dm.Message, error) {
	if err := checkOutreach(in); err != nil {
		return nil, nil, err
	}
	var a *access
	var creator *dm.Account
	var text string
	fus := make([]followUp, len(in.FollowUps))
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if a, err = s.partners(ctx, tx, me, handle); err != nil {
			return err
		}
		var d *dm.CreatorDeal
		if creator, d, err = dealOf(ctx, tx, a, creatorHandle); err != nil {
			return err
		}
		if err := outreachAllowed(d); err != nil {
			return err
		}
		vars := templateVars(creator, a.brand, a.agent())
		if text, err = renderOutreach("text", in.Text, vars); err != nil {
			return err
		}
		for i, f := range in.FollowUps {
			t, err := renderOutreach(fmt.Sprintf("follow_ups[%d].text", i), f.Text, vars)
			if err != nil {
				return err
			}
			fus[i] = followUp{DelayMinutes: f.DelayMinutes, Text: t}
		}
		// The consent engine first, so that nobody it refuses gets even an
		// empty conversation; it decides again inside the send.
		return s.collabConsent(ctx, tx, a.brand, creator)
	})
	if err != nil {
		return nil, nil, err
	}
	conv, _, err := s.chat.CreateConversation(ctx, a.brand, []string{creator.Handle}, "")
	if err != nil {
		return nil, nil, err
	}
	outreachID := dm.NewID()
	var out *Creator
	msg, _, err := s.chat.Send(ctx, a.brand, conv.ID, chat.SendParams{Text: text, Automated: true, Agent: a.agent(),
		Purpose: consent.Collaboration, QuickReplies: collabButtons(), ClientID: "collab:" + outreachID,
		Within: func(ctx context.Context, tx dm.Tx, ob chat.Outbox, msg *dm.Message) error {
			d, err := tx.CreatorDeal(ctx, a.brand.ID, creator.ID)
			if err != nil {
				return err
			}
			// Checked again in the send's transaction: two outreaches at
			// once, or a move to declined meanwhile, send nothing.
			if err := outreachAllowed(d); err != nil {
				return err
			}
			if err := tx.PutCollabMessage(ctx, msg.ID, a.brand.ID, creator.ID); err != nil {
				return err
			}
			msg.Collaboration = true
			t := msg.CreatedAt
			if d.Stage == dm.StageProspect {
				if err := tx.AddStageChange(ctx, &dm.StageChange{BrandID: d.BrandID, CreatorID: d.CreatorID, From: d.Stage, To: dm.StageContacted,
					ByID: me.ID, Reason: "outreach", At: t}); err != nil {
					return err
				}
				d.Stage = dm.StageContacted
			}
			d.ConversationID, d.OutreachID, d.OutreachState, d.OutreachSent, d.OutreachAt, d.UpdatedAt =
				conv.ID, outreachID, dm.OutreachRunning, 1, &t, t
			if len(fus) == 0 {
				d.OutreachState = dm.OutreachFinished
			} else if err := s.enqueueCreatorFollowUp(ctx, ob, d, 1, fus, t); err != nil {
				return err
			}
			if err := tx.PutCreatorDeal(ctx, d); err != nil {
				return err
			}
			if out, err = s.creatorPage(ctx, tx, creator, d); err != nil {
				return err
			}
			return tellPartners(ctx, tx, ob, a.brand, creator, d.Stage, t)
		}})
	if err != nil {
		return nil, nil, err
	}
	return out, msg, nil
}

// outreachAllowed refuses an outreach while one runs, or to a declined deal.
func outreachAllowed(d *dm.CreatorDeal) error {
	switch {
	case d.OutreachState == dm.OutreachRunning:
		return dm.Errorf(dm.ECONFLICT, "An outreach to this creator is running; stop it first.")
	case d.Stage == dm.StageDeclined:
		return dm.Errorf(dm.ECONFLICT, "The creator is in declined; move them to another stage first.")
	}
	return nil
}

// collabConsent asks the consent engine whether a collaboration proposal
// may go to creator now.
func (s *Service) collabConsent(ctx context.Context, tx dm.Tx, b, creator *dm.Account) error {
	c, err := loadConsent(ctx, tx, b.ID, creator.ID)
	if err != nil {
		return err
	}
	rel, err := tx.Relationship(ctx, creator.ID, b.ID)
	if err != nil {
		return err
	}
	set, err := loadSettings(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	now := s.now()
	pol, err := s.step.policy(ctx, tx, b.ID, now)
	if err != nil {
		return err
	}
	d := consent.Decide(consent.Collaboration, recipient(c, &rel, now), pol, newSchedule(set).loc, now)
	if d.Allow {
		return nil
	}
	msg := map[string]string{
		consent.ReasonBlocked:   fmt.Sprintf("@%s blocked the brand, or the brand blocked them.", creator.Handle),
		consent.ReasonOptedOut:  fmt.Sprintf("@%s said STOP to the brand's automated messages.", creator.Handle),
		consent.ReasonFollowUps: fmt.Sprintf("@%s has not answered the brand's last automated messages: the consent engine allows no more.", creator.Handle),
	}[d.Reason]
	if msg == "" {
		msg = fmt.Sprintf("The consent engine held this message back: %s.", d.Reason)
	}
	e := dm.Errorf(dm.EFORBIDDEN, "%s", msg)
	e.Reason = d.Reason
	return e
}

// enqueueCreatorFollowUp schedules follow-up step of d's outreach,
// fus[step-1].DelayMinutes after t.
func (s *Service) enqueueCreatorFollowUp(ctx context.Context, ob chat.Outbox, d *dm.CreatorDeal, step int, fus []followUp, t time.Time) error {
	body, err := json.Marshal(creatorJob{BrandID: d.BrandID, CreatorID: d.CreatorID, OutreachID: d.OutreachID, Step: step, FollowUps: fus})
	if err != nil {
		return err
	}
	_, err = ob.Enqueue(ctx, &dm.Job{Kind: JobCreatorFollowUp, Key: fmt.Sprintf("%s:%d", d.OutreachID, step), Payload: body,
		RunAt: t.Add(time.Duration(fus[step-1].DelayMinutes) * time.Minute), CreatedAt: t})
	return err
}

// creatorFollowUp is the JobCreatorFollowUp job: one follow-up, unless the
// outreach ended (the creator answered, tapped a button, the team stopped
// it or moved the deal) or the consent engine refuses it (blocked, STOP,
// the limit of follow-ups), which ends it. Quiet hours put it off.
func (s *Service) creatorFollowUp(ctx context.Context, j *dm.Job) error {
	var p creatorJob
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.Step < 1 || p.Step > len(p.FollowUps) {
		return jobs.Permanent(fmt.Errorf("creators: bad follow-up job: %v", err))
	}
	var b *dm.Account
	var d *dm.CreatorDeal
	answered := false
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if d, err = tx.CreatorDeal(ctx, p.BrandID, p.CreatorID); err != nil {
			return err
		}
		if b, err = tx.Account(ctx, p.BrandID); err != nil {
			return err
		}
		c, err := loadConsent(ctx, tx, p.BrandID, p.CreatorID)
		if err != nil {
			return err
		}
		answered = c.LastInbound != nil && d.OutreachAt != nil && c.LastInbound.After(*d.OutreachAt)
		return nil
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil // taken out of the pipeline
	}
	if err != nil {
		return err
	}
	if d.OutreachID != p.OutreachID || d.OutreachState != dm.OutreachRunning || d.OutreachSent != p.Step {
		return nil // ended, started again, or this step was sent
	}
	if answered {
		return s.endOutreach(ctx, p, dm.OutreachAnswered)
	}
	fu := p.FollowUps[p.Step-1]
	_, _, err = s.chat.Send(ctx, b, d.ConversationID, chat.SendParams{Text: fu.Text, Automated: true, Purpose: consent.FollowUp,
		QuickReplies: collabButtons(), ClientID: fmt.Sprintf("collab:%s:%d", p.OutreachID, p.Step),
		Within: func(ctx context.Context, tx dm.Tx, ob chat.Outbox, msg *dm.Message) error {
			d, err := tx.CreatorDeal(ctx, p.BrandID, p.CreatorID)
			if err != nil {
				return err
			}
			if d.OutreachID != p.OutreachID || d.OutreachState != dm.OutreachRunning || d.OutreachSent != p.Step {
				return errStale
			}
			if err := tx.PutCollabMessage(ctx, msg.ID, p.BrandID, p.CreatorID); err != nil {
				return err
			}
			msg.Collaboration = true
			t := msg.CreatedAt
			d.OutreachSent, d.OutreachAt, d.UpdatedAt = p.Step+1, &t, t
			if p.Step == len(p.FollowUps) {
				d.OutreachState = dm.OutreachFinished
			} else if err := s.enqueueCreatorFollowUp(ctx, ob, d, p.Step+1, p.FollowUps, t); err != nil {
				return err
			}
			if err := tx.PutCreatorDeal(ctx, d); err != nil {
				return err
			}
			creator, err := tx.Account(ctx, p.CreatorID)
			if err != nil {
				return err
			}
			return tellPartners(ctx, tx, ob, b, creator, d.Stage, t)
		}})
	var deferred *Deferred
	switch {
	case err == nil, errors.Is(err, errStale):
		return nil
	case errors.As(err, &deferred):
		return jobs.RetryAt(deferred.Until, err) // quiet hours: sent when they end
	}
	if reason, refused := refusal(err); refused {
		state := dm.OutreachStopped
		if reason == consent.ReasonBlocked {
			state = dm.OutreachBlocked
		}
		s.log.Info("creator follow-up not sent", "brand", b.Handle, "creator", p.CreatorID, "reason", reason)
		return s.endOutreach(ctx, p, state)
	}
	return err
}

// endOutreach ends p's outreach with state, if it still runs.
func (s *Service) endOutreach(ctx context.Context, p creatorJob, state string) error {
	return s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		d, err := tx.CreatorDeal(ctx, p.BrandID, p.CreatorID)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return nil
		}
		if err != nil {
			return err
		}
		if d.OutreachID != p.OutreachID || d.OutreachState != dm.OutreachRunning {
			return nil
		}
		d.OutreachState, d.UpdatedAt = state, s.now()
		if err := tx.PutCreatorDeal(ctx, d); err != nil {
			return err
		}
		b, err := tx.Account(ctx, p.BrandID)
		if err != nil {
			return err
		}
		creator, err := tx.Account(ctx, p.CreatorID)
		if err != nil {
			return err
		}
		return tellPartners(ctx, tx, ob, b, creator, d.Stage, d.UpdatedAt)
	})
}

// StopOutreach stops a running outreach: no more follow-ups.
func (s *Service) StopOutreach(ctx context.Context, me *dm.Account, handle, creatorHandle string) (*Creator, error) {
	var out *Creator
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, err := s.partners(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		acc, d, err := dealOf(ctx, tx, a, creatorHandle)
		if err != nil {
			return err
		}
		if d.OutreachState == dm.OutreachRunning {
			d.OutreachState, d.UpdatedAt = dm.OutreachStopped, s.now()
			if err := tx.PutCreatorDeal(ctx, d); err != nil {
				return err
			}
			if err := tellPartners(ctx, tx, ob, a.brand, acc, d.Stage, d.UpdatedAt); err != nil {
				return err
			}
		}
		out, err = s.creatorPage(ctx, tx, acc, d)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, s.addClicks(ctx, out)
}

// collabAnswer records a creator's tap on Accept or Decline under a
// brand's collaboration message, inside the creator's send. It reports
// whether the payload was one (the bot then does nothing else with it).
func (s *Step) collabAnswer(ctx context.Context, tx dm.Tx, out chat.Outbox, b, creator *dm.Account, convID, payload string, t time.Time) (bool, error) {
	if payload != CollabAcceptPayload && payload != CollabDeclinePayload {
		return false, nil
	}
	d, err := tx.CreatorDeal(ctx, b.ID, creator.ID)
	if dm.IsCode(err, dm.ENOTFOUND) || err == nil && d.OutreachID == "" {
		return false, nil // no proposal from this brand: an ordinary message
	}
	if err != nil {
		return false, err
	}
	to, state, reason := dm.StageNegotiating, dm.OutreachAccepted, "accepted"
	confirm := fmt.Sprintf("Thanks! The team at %s will get back to you about the collaboration.", nameOf(b))
	if payload == CollabDeclinePayload {
		to, state, reason = dm.StageDeclined, dm.OutreachDeclined, "declined"
		confirm = fmt.Sprintf("Understood: %s won't contact you about this collaboration again.", nameOf(b))
	}
	move := to != d.Stage
	if to == dm.StageNegotiating {
		// A deal further along (agreed, content live, paid) stays there.
		move = d.Stage == dm.StageProspect || d.Stage == dm.StageContacted || d.Stage == dm.StageDeclined
	}
	if move {
		if err := tx.AddStageChange(ctx, &dm.StageChange{BrandID: b.ID, CreatorID: creator.ID, From: d.Stage, To: to, ByID: creator.ID, Reason: reason, At: t}); err != nil {
			return true, err
		}
		d.Stage = to
	}
	d.OutreachState, d.UpdatedAt = state, t
	if err := tx.PutCreatorDeal(ctx, d); err != nil {
		return true, err
	}
	if err := tellPartners(ctx, tx, out, b, creator, d.Stage, t); err != nil {
		return true, err
	}
	return true, s.enqueueBot(ctx, out, b.ID, convID, confirm, consent.Reply, t)
}

// CodesInput gives offer codes to a creator: the named Codes of the
// offer's pool, or Count free ones (generated when the offer generates
// codes and its pool is empty).
type CodesInput struct {
	CampaignID string
	Codes      []string
	Count      int
}

// GiveCodes gives a creator offer codes to hand out; their redemptions
// count as the creator's results. All or nothing: a code that is not in the
// pool, or given to someone else, or a pool too small, gives none.
func (s *Service) GiveCodes(ctx context.Context, me *dm.Account, handle, creatorHandle string, in CodesInput) (*Creator, error) {
	switch {
	case in.CampaignID == "":
		return nil, dm.Errorf(dm.EINVALID, "campaign_id: the offer whose codes to give.")
	case len(in.Codes) > 0 && in.Count > 0:
		return nil, dm.Errorf(dm.EINVALID, "codes or count, not both.")
	case len(in.Codes) == 0 && (in.Count < 1 || in.Count > maxCodesAtOnce):
		return nil, dm.Errorf(dm.EINVALID, "count: 1 to %d (or name the codes).", maxCodesAtOnce)
	case len(in.Codes) > maxCodesAtOnce:
		return nil, dm.Errorf(dm.EINVALID, "codes: at most %d at once.", maxCodesAtOnce)
	}
	for i, c := range in.Codes {
		in.Codes[i] = strings.TrimSpace(c)
		if in.Codes[i] == "" || len(in.Codes[i]) > campaign.MaxCodeBytes || !utf8.ValidString(in.Codes[i]) {
			return nil, dm.Errorf(dm.EINVALID, "codes[%d]: 1 to %d characters.", i, campaign.MaxCodeBytes)
		}
	}
	var out *Creator
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, err := s.partners(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		acc, d, err := dealOf(ctx, tx, a, creatorHandle)
		if err != nil {
			return err
		}
		c, err := brandCampaign(ctx, tx, a.brand.ID, in.CampaignID)
		if err != nil {
			return err
		}
		o := offerOf(c)
		if o == nil {
			return dm.Errorf(dm.EINVALID, "campaign_id: only an offer has codes.")
		}
		now := s.now()
		give := func(code string) error {
			got, err := tx.GiveCode(ctx, c.ID, acc.ID, code, now)
			switch {
			case code == "" && dm.IsCode(err, dm.ENOTFOUND) && o.Generate:
				got = campaign.NewCode(o.Prefix)
				err = tx.PutCode(ctx, &dm.CampaignCode{CampaignID: c.ID, Code: got, UserID: acc.ID, AssignedAt: &now})
			case code == "" && dm.IsCode(err, dm.ENOTFOUND):
				return dm.Errorf(dm.ECONFLICT, "The offer's pool has no free code left: upload more first.")
			case dm.IsCode(err, dm.ENOTFOUND):
				return dm.Errorf(dm.ENOTFOUND, "Code %q is not in the offer's pool.", dm.Truncate(code, 40))
			case dm.IsCode(err, dm.ECONFLICT):
				return dm.Errorf(dm.ECONFLICT, "Code %q was given to someone else.", dm.Truncate(code, 40))
			}
			if err != nil {
				return err
			}
			return tx.PutCreatorCode(ctx, &dm.CreatorCode{CampaignID: c.ID, Code: got, BrandID: a.brand.ID, CreatorID: acc.ID, AssignedAt: now})
		}
		if len(in.Codes) > 0 {
			for _, code := range in.Codes {
				if err := give(code); err != nil {
					return err
				}
			}
		} else {
			for range in.Count {
				if err := give(""); err != nil {
					return err
				}
			}
		}
		d.UpdatedAt = now
		if err := tx.PutCreatorDeal(ctx, d); err != nil {
			return err
		}
		if out, err = s.creatorPage(ctx, tx, acc, d); err != nil {
			return err
		}
		return tellPartners(ctx, tx, ob, a.brand, acc, d.Stage, now)
	})
	if err != nil {
		return nil, err
	}
	return out, s.addClicks(ctx, out)
}

// tellPartners tells those who see the pipeline (the brand account, owners,
// admins, agents with the partnerships permission; never the rest of the
// team) that a creator's deal changed: creator.updated, with the creator as
// actor and the stage (or "removed") as state, so that an open board
// follows. The logs are appended in id order, as tellTeam does.
func tellPartners(ctx context.Context, tx dm.Tx, ob chat.Outbox, b, creator *dm.Account, state string, t time.Time) error {
	return tellPartnersEvent(ctx, tx, ob, b, dm.Event{Type: dm.EventCreatorUpdated, At: t, Brand: b.Handle, Actor: ptr(creator.Profile()), State: state})
}

// tellPartnersEvent sends e to the brand and the members who see its
// pipeline.
func tellPartnersEvent(ctx context.Context, tx dm.Tx, ob chat.Outbox, b *dm.Account, e dm.Event) error {
	ms, err := tx.TeamMembers(ctx, b.ID)
	if err != nil {
		return err
	}
	ids := []string{b.ID}
	for _, m := range ms {
		if m.Role == dm.TeamOwner || m.Role == dm.TeamAdmin || slices.Contains(m.Permissions, dm.PermPartnerships) {
			ids = append(ids, m.UserID)
		}
	}
	slices.Sort(ids)
	return tellIDs(ctx, ob, ids, e)
}
