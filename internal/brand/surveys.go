package brand

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
)

// Feedback surveys: a brand's question (CSAT 1-5, NPS 0-10 or free text)
// asked after a conversation is resolved (a "send_survey" action of a
// resolved rule) or as a campaign of type "survey".
//
//   - The message that asks is automated and goes through the consent gate
//     like every bot or campaign message; the survey's send row is written
//     by chat.SendParams.Within, in that message's own transaction, so a
//     row exists exactly when the question was sent.
//   - A CSAT or NPS answer is a tap on one of the message's buttons
//     (payload survey:<send>:<score>); a free-text answer is the
//     customer's next message in that conversation, within
//     surveyTextWindow. One answer per send: a later tap replaces the
//     score; a free-text answer is the first message only.
//   - An answer is recorded in the customer's send transaction, thanked
//     once, and does not reopen a resolved conversation, start a wait, or
//     run the bot: it is feedback, not a new request.
//   - The answer is tied to the conversation and to the agent who handled
//     it: its assignee when it was resolved (automation), or when the
//     campaign's message was sent.

// surveyTextWindow is how long after a free-text survey the customer's
// next message is taken as its answer.
const surveyTextWindow = 7 * 24 * time.Hour

// surveyThanks is the confirmation of an answer.
const surveyThanks = "Thanks for your feedback!"

// maxResultRows bounds the sends one dashboard or export reads.
const maxResultRows = 100_000

// maxSurveys bounds a brand's surveys. A survey is a question kept for
// good (its answers refer to it), and the team's list reads the newest
// maxSurveys: without the bound a script saved surveys without end, and
// those past the list were lost to the console. A survey's name and
// question can change, so one at the bound edits one it has.
const maxSurveys = 200

// surveyAsk is a survey a message asks: what its Within records.
type surveyAsk struct {
	SendID     string `json:"send_id"`
	SurveyID   string `json:"survey_id"`
	UserID     string `json:"user_id"`
	AgentID    string `json:"agent_id,omitempty"`
	CampaignID string `json:"campaign_id,omitempty"`
	// AgentAtSend: the agent is the conversation's assignee when the
	// message is sent (campaigns), not AgentID.
	AgentAtSend bool `json:"agent_at_send,omitempty"`
}

// record writes the survey's send row inside the asking message's
// transaction; a send asked again (a campaign's follow-up) keeps its row.
func (a *surveyAsk) record(brandID string) func(ctx context.Context, tx dm.Tx, out chat.Outbox, msg *dm.Message) error {
	return func(ctx context.Context, tx dm.Tx, out chat.Outbox, msg *dm.Message) error {
		agent := a.AgentID
		if a.AgentAtSend {
			it, err := tx.InboxItem(ctx, msg.ConversationID)
			switch {
			case err == nil:
				agent = it.AssigneeID
			case !dm.IsCode(err, dm.ENOTFOUND):
				return err
			}
		}
		return tx.InsertSurveySend(ctx, &dm.SurveySend{ID: a.SendID, SurveyID: a.SurveyID, BrandID: brandID, UserID: a.UserID,
			ConversationID: msg.ConversationID, MessageID: msg.ID, AgentID: agent, CampaignID: a.CampaignID, SentAt: msg.CreatedAt})
	}
}

// surveyQuestion is the question as a message: its text and buttons.
func surveyQuestion(sv *dm.Survey, sendID string) (string, []dm.QuickReply) {
	var qrs []dm.QuickReply
	for _, q := range campaign.SurveyButtons(sv.Kind, sendID) {
		qrs = append(qrs, dm.QuickReply{Title: q.Title, Payload: q.Payload})
	}
	return sv.Question, qrs
}

// askSurvey enqueues a resolved conversation's survey (a send_survey
// action), as a follow-up of the bot's, inside the resolving transaction.
// A survey deleted or of another brand is skipped.
func (s *Step) askSurvey(ctx context.Context, tx dm.Tx, out chat.Outbox, b, customer *dm.Account, it *dm.InboxItem, surveyID string, now time.Time) error {
	sv, err := tx.Survey(ctx, surveyID)
	if dm.IsCode(err, dm.ENOTFOUND) || err == nil && sv.BrandID != b.ID {
		return nil
	}
	if err != nil {
		return err
	}
	sendID := dm.NewID()
	text, qrs := surveyQuestion(sv, sendID)
	return s.enqueueJob(ctx, out, botJob{BrandID: b.ID, ConversationID: it.ConversationID, Text: text, QuickReplies: qrs,
		Purpose: consent.FollowUp, Survey: &surveyAsk{SendID: sendID, SurveyID: sv.ID, UserID: customer.ID, AgentID: it.AssigneeID}}, now)
}

// enqueueJob enqueues one bot message (a durable job).
func (s *Step) enqueueJob(ctx context.Context, out chat.Outbox, j botJob, now time.Time) error {
	body, err := json.Marshal(j)
	if err != nil {
		return err
	}
	_, err = out.Enqueue(ctx, &dm.Job{Kind: JobBotMessage, Payload: body, CreatedAt: now})
	return err
}

// surveyAnswer records a customer message that answers a survey: a tap on
// a survey button of theirs, or the first message after a free-text survey
// (a STOP or START word is not an answer). It reports whether it was one.
//
// open is the conversation's newest unanswered text survey sent within
// surveyTextWindow of t, as the caller read it (dm.BrandConversation; nil:
// none).
func (s *Step) surveyAnswer(ctx context.Context, tx dm.Tx, out chat.Outbox, b, customer *dm.Account, convID, text, payload string, open *dm.SurveySend, t time.Time) (bool, error) {
	var send *dm.SurveySend
	var err error
	if id, n, ok := campaign.ParseSurveyPayload(payload); ok {
		send, err = tx.SurveySend(ctx, id)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if send.BrandID != b.ID || send.UserID != customer.ID {
			return false, nil // someone else's button: an ordinary message
		}
		sv, err := tx.Survey(ctx, send.SurveyID)
		if err != nil {
			return false, err
		}
		if lo, hi, ok := campaign.ScoreRange(sv.Kind); !ok || n < lo || n > hi {
			return false, nil
		}
		send.Score, send.Text = &n, ""
	} else {
		if payload != "" || strings.TrimSpace(text) == "" {
			return false, nil
		}
		if open == nil {
			return false, nil
		}
		send = ptr(*open)
		if send.UserID != customer.ID || send.BrandID != b.ID {
			return false, nil
		}
		word, err := consentWord(ctx, tx, b.ID, text)
		if err != nil || word {
			return false, err
		}
		send.Score, send.Text = nil, truncRunes(strings.TrimSpace(text), campaign.MaxSurveyTextRunes)
	}
	send.AnsweredAt = &t
	if err := tx.AnswerSurvey(ctx, send); err != nil {
		return false, err
	}
	// The team's survey dashboard updates live.
	if err := tellTeam(ctx, tx, out, b.ID, dm.Event{Type: dm.EventSurveyAnswered, At: t, Brand: b.Handle, State: send.SurveyID}); err != nil {
		return false, err
	}
	return true, s.enqueueBot(ctx, out, b.ID, convID, surveyThanks, consent.Reply, t)
}

// consentWord tells whether text is a STOP or START word of the brand's.
func consentWord(ctx context.Context, tx dm.Tx, brandID, text string) (bool, error) {
	k := keyword(text)
	if utf8.RuneCountInString(k) > maxConsentWordRunes {
		return false, nil
	}
	if containsWord(stopWords, k) || containsWord(startWords, k) {
		return true, nil
	}
	cs, err := loadConsentSettings(ctx, tx, brandID)
	if err != nil {
		return false, err
	}
	return containsWord(cs.StopWords, k) || containsWord(cs.StartWords, k), nil
}

// surveyOf is a survey campaign's survey for a delivery: the question, its
// buttons and what the message records. Every step of the campaign asks
// the one send of its first step, so a follow-up's tap answers it too.
func (s *Service) surveyOf(ctx context.Context, c *dm.Campaign, d *dm.CampaignSend) (string, []campaign.QuickReply, *surveyAsk, error) {
	var sv *dm.Survey
	sendID := d.ID
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		if sv, err = tx.Survey(ctx, c.SurveyID); err != nil {
			return err
		}
		if d.Step > 0 {
			first, err := tx.CampaignSend(ctx, c.ID, 0, d.UserID)
			if err != nil {
				return err
			}
			sendID = first.ID
		}
		return nil
	})
	if err != nil {
		return "", nil, nil, err
	}
	return sv.Question, campaign.SurveyButtons(sv.Kind, sendID),
		&surveyAsk{SendID: sendID, SurveyID: sv.ID, UserID: d.UserID, CampaignID: c.ID, AgentAtSend: true}, nil
}

// SurveyInput is a survey as a brand writes it.
type SurveyInput struct {
	Name     string
	Kind     string // ignored when editing: answers of one kind stay comparable
	Question string
}

func validSurvey(in SurveyInput) error {
	return campaignInvalid(campaign.ValidateSurvey(in.Name, in.Kind, in.Question))
}

// brandSurvey returns a brand's survey; another brand's is not found.
func brandSurvey(ctx context.Context, tx dm.Tx, brandID, id string) (*dm.Survey, error) {
	sv, err := tx.Survey(ctx, id)
	if dm.IsCode(err, dm.ENOTFOUND) || err == nil && sv.BrandID != brandID {
		return nil, dm.Errorf(dm.ENOTFOUND, "No survey %q.", dm.Truncate(id, 40))
	}
	return sv, err
}

// CreateSurvey saves a survey (owners and admins).
func (s *Service) CreateSurvey(ctx context.Context, me *dm.Account, handle string, in SurveyInput) (*dm.Survey, error) {
	if err := validSurvey(in); err != nil {
		return nil, err
	}
	var out *dm.Survey
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		// Two saves at once count each other's survey (PostgreSQL).
		if err := tx.LockBrand(ctx, a.brand.ID); err != nil {
			return err
		}
		have, err := tx.Surveys(ctx, a.brand.ID, maxSurveys)
		if err != nil {
			return err
		}
		if len(have) >= maxSurveys {
			return dm.Errorf(dm.EINVALID, "A brand has at most %d surveys; change one of them (its name and question) instead.", maxSurveys)
		}
		now := s.now()
		out = &dm.Survey{ID: dm.NewID(), BrandID: a.brand.ID, Name: strings.TrimSpace(in.Name), Kind: in.Kind,
			Question: strings.TrimSpace(in.Question), CreatedBy: me.ID, CreatedAt: now, UpdatedAt: now}
		return tx.CreateSurvey(ctx, out)
	})
	return out, err
}

// UpdateSurvey changes a survey's name and question (owners and admins);
// its kind stays.
func (s *Service) UpdateSurvey(ctx context.Context, me *dm.Account, handle, id string, in SurveyInput) (*dm.Survey, error) {
	var out *dm.Survey
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		sv, err := brandSurvey(ctx, tx, a.brand.ID, id)
		if err != nil {
			return err
		}
		if in.Kind != "" && in.Kind != sv.Kind {
			return dm.Errorf(dm.EINVALID, "kind: a survey's kind cannot change (it is %s); make a new survey.", sv.Kind)
		}
		if err := validSurvey(SurveyInput{Name: in.Name, Kind: sv.Kind, Question: in.Question}); err != nil {
			return err
		}
		sv.Name, sv.Question, sv.UpdatedAt = strings.TrimSpace(in.Name), strings.TrimSpace(in.Question), s.now()
		out = sv
		return tx.PutSurvey(ctx, sv)
	})
	return out, err
}

// Surveys lists a brand's surveys (the team).
func (s *Service) Surveys(ctx context.Context, me *dm.Account, handle string) ([]dm.Survey, error) {
	var out []dm.Survey
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = tx.Surveys(ctx, a.brand.ID, maxSurveys)
		return err
	})
	return out, err
}

// SurveyResults is a survey's dashboard over a period.
type SurveyResults struct {
	Survey   *dm.Survey
	From, To time.Time
	// Sent counts the survey's messages sent in the period, Answered those
	// answered (by the time of the request).
	Sent, Answered int
	// Score is the headline (CSAT: % satisfied; NPS: promoters minus
	// detractors); nil with no scored answer, or for free text.
	Score        *float64
	Distribution []int
	Trend        []campaign.Point
	Agents       []AgentResult
	// Texts are the free-text answers, newest first (at most 200).
	Texts []TextAnswer
	// Truncated: the period had more than maxResultRows sends; the oldest
	// of them were counted.
	Truncated bool
}

// AgentResult is one agent's score (Agent nil: nobody was assigned).
type AgentResult struct {
	Agent *dm.Profile
	Score float64
	Count int
}

// TextAnswer is one free-text answer.
type TextAnswer struct {
	Customer       dm.Profile
	Agent          *dm.Profile
	ConversationID string
	Text           string
	At             time.Time
}

// MaxSurveyDays is the longest period a dashboard covers.
const MaxSurveyDays = 365

// surveySends reads a survey's sends of the last days (the team).
func (s *Service) surveySends(ctx context.Context, tx dm.Tx, me *dm.Account, handle, id string, days int) (*access, *dm.Survey, []dm.SurveySend, time.Time, time.Time, error) {
	var zero time.Time
	if days == 0 {
		days = 30
	}
	if days < 1 || days > MaxSurveyDays {
		return nil, nil, nil, zero, zero, dm.Errorf(dm.EINVALID, "days: 1 to %d.", MaxSurveyDays)
	}
	a, err := s.access(ctx, tx, me, handle)
	if err != nil {
		return nil, nil, nil, zero, zero, err
	}
	sv, err := brandSurvey(ctx, tx, a.brand.ID, id)
	if err != nil {
		return nil, nil, nil, zero, zero, err
	}
	to := s.now()
	from := to.Add(-time.Duration(days) * 24 * time.Hour)
	sends, err := tx.SurveySends(ctx, sv.ID, from, to.Add(time.Millisecond), maxResultRows+1)
	return a, sv, sends, from, to, err
}

// profiles looks accounts up once each.
type profiles struct {
	ctx context.Context
	tx  dm.Tx
	m   map[string]*dm.Profile
}

func (p *profiles) of(id string) (*dm.Profile, error) {
	if id == "" {
		return nil, nil
	}
	if v, ok := p.m[id]; ok {
		return v, nil
	}
	acc, err := p.tx.Account(p.ctx, id)
	if dm.IsCode(err, dm.ENOTFOUND) {
		p.m[id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := acc.Profile()
	p.m[id] = &v
	return &v, nil
}

// SurveyResults computes a survey's dashboard over the last days (the team).
func (s *Service) SurveyResults(ctx context.Context, me *dm.Account, handle, id string, days int) (*SurveyResults, error) {
	var out *SurveyResults
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, sv, sends, from, to, err := s.surveySends(ctx, tx, me, handle, id, days)
		if err != nil {
			return err
		}
		r := &SurveyResults{Survey: sv, From: from, To: to, Distribution: campaign.Distribution(sv.Kind, nil), Texts: []TextAnswer{}, Agents: []AgentResult{}}
		if len(sends) > maxResultRows {
			sends, r.Truncated = sends[:maxResultRows], true
		}
		set, err := loadSettings(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		ps := &profiles{ctx: ctx, tx: tx, m: map[string]*dm.Profile{}}
		var scores []int
		var answers []campaign.Answer
		r.Sent = len(sends)
		for i := len(sends) - 1; i >= 0; i-- {
			x := &sends[i]
			if x.AnsweredAt == nil {
				continue
			}
			r.Answered++
			if x.Score != nil {
				scores = append(scores, *x.Score)
				answers = append(answers, campaign.Answer{Score: *x.Score, At: *x.AnsweredAt, AgentID: x.AgentID})
			} else if x.Text != "" && len(r.Texts) < 200 {
				cust, err := ps.of(x.UserID)
				if err != nil || cust == nil {
					continue
				}
				ag, err := ps.of(x.AgentID)
				if err != nil {
					return err
				}
				r.Texts = append(r.Texts, TextAnswer{Customer: *cust, Agent: ag, ConversationID: x.ConversationID, Text: x.Text, At: *x.AnsweredAt})
			}
		}
		if v, ok := campaign.Headline(sv.Kind, scores); ok {
			r.Score = &v
		}
		r.Distribution = campaign.Distribution(sv.Kind, scores)
		if _, _, scored := campaign.ScoreRange(sv.Kind); scored {
			r.Trend = campaign.Trend(sv.Kind, answers, from, to, newSchedule(set).loc)
		}
		for _, ag := range campaign.ByAgent(sv.Kind, answers) {
			p, err := ps.of(ag.AgentID)
			if err != nil {
				return err
			}
			r.Agents = append(r.Agents, AgentResult{Agent: p, Score: ag.Score, Count: ag.Count})
		}
		out = r
		return nil
	})
	return out, err
}

// SurveyCSV is a survey's sends of the last days as rows, a header first
// (the team). Cells are raw: the caller escapes them (campaign.SafeCell).
func (s *Service) SurveyCSV(ctx context.Context, me *dm.Account, handle, id string, days int) ([][]string, error) {
	var out [][]string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		_, _, sends, _, _, err := s.surveySends(ctx, tx, me, handle, id, days)
		if err != nil {
			return err
		}
		if len(sends) > maxResultRows {
			sends = sends[:maxResultRows]
		}
		ps := &profiles{ctx: ctx, tx: tx, m: map[string]*dm.Profile{}}
		out = append(out, []string{"sent_at", "answered_at", "customer", "score", "text", "agent", "conversation_id", "campaign_id"})
		handleOf := func(id string) (string, error) {
			p, err := ps.of(id)
			if p == nil || err != nil {
				return "", err
			}
			return p.Handle, nil
		}
		for _, x := range sends {
			cust, err := handleOf(x.UserID)
			if err != nil {
				return err
			}
			ag, err := handleOf(x.AgentID)
			if err != nil {
				return err
			}
			answered, score := "", ""
			if x.AnsweredAt != nil {
				answered = x.AnsweredAt.Format(time.RFC3339)
			}
			if x.Score != nil {
				score = strconv.Itoa(*x.Score)
			}
			out = append(out, []string{x.SentAt.Format(time.RFC3339), answered, cust, score, x.Text, ag, x.ConversationID, x.CampaignID})
		}
		return nil
	})
	return out, err
}

// campaignSurvey checks a survey campaign's survey: the brand's own, and
// scored or free text alike.
func campaignSurvey(ctx context.Context, tx dm.Tx, brandID, typ, id string) (string, error) {
	if typ != campaign.TypeSurvey {
		return "", nil
	}
	if _, err := brandSurvey(ctx, tx, brandID, id); dm.IsCode(err, dm.ENOTFOUND) {
		return "", dm.Errorf(dm.EINVALID, "survey_id: no survey %q of this brand.", dm.Truncate(id, 40))
	} else if err != nil {
		return "", err
	}
	return id, nil
}

// audienceSurveyBelow is the audience leaf of those who answered one of
// the brand's scored surveys with a score below a bound.
func audienceSurveyBelow(ctx context.Context, tx dm.Tx, brandID, id string, below int) ([]string, error) {
	sv, err := brandSurvey(ctx, tx, brandID, id)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.EINVALID, "audience: survey_below.survey_id: no survey %q of this brand.", dm.Truncate(id, 40))
	}
	if err != nil {
		return nil, err
	}
	if _, _, scored := campaign.ScoreRange(sv.Kind); !scored {
		return nil, dm.Errorf(dm.EINVALID, "audience: survey_below.survey_id: survey %q has free-text answers, not scores.", dm.Truncate(id, 40))
	}
	return tx.AudienceSurveyBelow(ctx, sv.ID, below)
}

// audienceRSVP is the audience leaf of those who answered one of the
// brand's event invitations so.
func audienceRSVP(ctx context.Context, tx dm.Tx, brandID, id, answer string) ([]string, error) {
	c, err := brandCampaign(ctx, tx, brandID, id)
	if err == nil && c.Type != campaign.TypeEvent {
		err = dm.Errorf(dm.ENOTFOUND, "not an invitation")
	}
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.EINVALID, "audience: rsvp.campaign_id: no event invitation %q of this brand.", dm.Truncate(id, 40))
	}
	if err != nil {
		return nil, err
	}
	return tx.AudienceRSVP(ctx, c.ID, answer)
}
