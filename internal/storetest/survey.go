package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

var surveyTests = []test{
	{"Surveys", testSurveys},
	{"SurveySends", testSurveySends},
	{"UnsentDeliveries", testUnsentDeliveries},
}

func testSurveys(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme, other := newAccount(t, s, "acme"), newAccount(t, s, "other")
	a := &dm.Survey{ID: dm.NewID(), BrandID: acme.ID, Name: "After support", Kind: dm.SurveyCSAT, Question: "How did we do?", CreatedBy: acme.ID, CreatedAt: at(1), UpdatedAt: at(1)}
	b := &dm.Survey{ID: dm.NewID(), BrandID: acme.ID, Name: "Ideas", Kind: dm.SurveyText, Question: "What next?", CreatedBy: acme.ID, CreatedAt: at(2), UpdatedAt: at(2)}
	o := &dm.Survey{ID: dm.NewID(), BrandID: other.ID, Name: "x", Kind: dm.SurveyNPS, Question: "?", CreatedBy: other.ID, CreatedAt: at(3), UpdatedAt: at(3)}
	update(t, s, func(tx dm.Tx) error {
		for _, v := range []*dm.Survey{a, b, o} {
			if err := tx.CreateSurvey(ctx, v); err != nil {
				return err
			}
		}
		return nil
	})
	a.Name, a.Question, a.UpdatedAt = "Support", "How was it?", at(5)
	update(t, s, func(tx dm.Tx) error { return tx.PutSurvey(ctx, a) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Survey(ctx, a.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, a) {
			t.Errorf("survey = %+v\nwant %+v", got, a)
		}
		list, err := tx.Surveys(ctx, acme.ID, 10)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
			t.Errorf("surveys: %+v, want b then a", list)
		}
		_, err = tx.Survey(ctx, "nope")
		wantCode(t, "missing survey", err, dm.ENOTFOUND)
		return nil
	})
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.PutSurvey(ctx, &dm.Survey{ID: "nope", UpdatedAt: at(6)}) })
	wantCode(t, "put a missing survey", err, dm.ENOTFOUND)
}

func testSurveySends(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme, ann, bo, cy := newAccount(t, s, "acme"), newAccount(t, s, "ann"), newAccount(t, s, "bo"), newAccount(t, s, "cy")
	csat := &dm.Survey{ID: dm.NewID(), BrandID: acme.ID, Name: "c", Kind: dm.SurveyCSAT, Question: "?", CreatedBy: acme.ID, CreatedAt: at(1), UpdatedAt: at(1)}
	text := &dm.Survey{ID: dm.NewID(), BrandID: acme.ID, Name: "t", Kind: dm.SurveyText, Question: "?", CreatedBy: acme.ID, CreatedAt: at(1), UpdatedAt: at(1)}
	send := func(id, survey, user, conv string, sent int) *dm.SurveySend {
		return &dm.SurveySend{ID: id, SurveyID: survey, BrandID: acme.ID, UserID: user, ConversationID: conv, MessageID: "m" + id,
			AgentID: "agent1", SentAt: at(sent)}
	}
	s1, s2, s3 := send("s1", csat.ID, ann.ID, "conv-ann", 10), send("s2", csat.ID, bo.ID, "conv-bo", 11), send("s3", csat.ID, cy.ID, "conv-cy", 12)
	t1, t2 := send("t1", text.ID, ann.ID, "conv-ann", 13), send("t2", text.ID, ann.ID, "conv-ann", 14)
	t2.CampaignID = "camp"
	update(t, s, func(tx dm.Tx) error {
		for _, v := range []*dm.Survey{csat, text} {
			if err := tx.CreateSurvey(ctx, v); err != nil {
				return err
			}
		}
		for _, v := range []*dm.SurveySend{s1, s2, s3, t1, t2} {
			if err := tx.InsertSurveySend(ctx, v); err != nil {
				return err
			}
		}
		// A send asked again keeps its first message.
		again := *s1
		again.MessageID, again.SentAt = "other", at(20)
		return tx.InsertSurveySend(ctx, &again)
	})
	two, five := 2, 5
	s1.Score, s1.AnsweredAt = &two, ptrTime(at(30))
	s2.Score, s2.AnsweredAt = &five, ptrTime(at(31))
	t2.Text, t2.AnsweredAt = "kayaks", ptrTime(at(32))
	update(t, s, func(tx dm.Tx) error {
		for _, v := range []*dm.SurveySend{s1, s2} {
			if err := tx.AnswerSurvey(ctx, v); err != nil {
				return err
			}
		}
		// The newest open free-text survey of a conversation is t2.
		open, err := tx.OpenTextSurvey(ctx, "conv-ann", at(0))
		if err != nil {
			return err
		}
		if open.ID != "t2" || open.CampaignID != "camp" {
			t.Errorf("open text survey %+v, want t2", open)
		}
		return nil
	})
	// An answer to no send fails, and its transaction with it.
	err := s.Update(ctx, func(tx dm.Tx) error {
		if err := tx.AnswerSurvey(ctx, t2); err != nil {
			return err
		}
		return tx.AnswerSurvey(ctx, &dm.SurveySend{ID: "nope"})
	})
	wantCode(t, "answer no send", err, dm.ENOTFOUND)
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.SurveySend(ctx, "s1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, s1) {
			t.Errorf("send = %+v\nwant %+v", got, s1)
		}
		// The failed transaction answered nothing: t2 is still open.
		open, err := tx.OpenTextSurvey(ctx, "conv-ann", at(0))
		if err != nil {
			return err
		}
		if open.ID != "t2" {
			t.Errorf("open text survey after a rolled-back answer: %s, want t2", open.ID)
		}
		_, err = tx.OpenTextSurvey(ctx, "conv-ann", at(15))
		wantCode(t, "an open survey sent before since", err, dm.ENOTFOUND)
		_, err = tx.OpenTextSurvey(ctx, "conv-bo", at(0))
		wantCode(t, "no text survey in the conversation", err, dm.ENOTFOUND)
		list, err := tx.SurveySends(ctx, csat.ID, at(11), at(13), 10)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != "s2" || list[1].ID != "s3" || list[1].Score != nil {
			t.Errorf("sends of [11, 13): %+v", list)
		}
		below, err := tx.AudienceSurveyBelow(ctx, csat.ID, 4)
		if err != nil {
			return err
		}
		if !slices.Equal(below, []string{ann.ID}) {
			t.Errorf("below 4: %v, want ann", below)
		}
		return nil
	})
	// The answers commit when nothing fails.
	update(t, s, func(tx dm.Tx) error { return tx.AnswerSurvey(ctx, t2) })
	view(t, s, func(tx dm.Tx) error {
		open, err := tx.OpenTextSurvey(ctx, "conv-ann", at(0))
		if err != nil {
			return err
		}
		if open.ID != "t1" {
			t.Errorf("open text survey after t2 was answered: %s, want t1", open.ID)
		}
		return nil
	})
}

// testUnsentDeliveries: a step's pending and sending deliveries, apart
// from its sent and skipped ones; and the RSVP audience leaf.
func testUnsentDeliveries(t *testing.T, s dm.Store) {
	ctx := context.Background()
	acme := newAccount(t, s, "acme")
	c := newCampaign(t, s, acme.ID, at(1))
	users := []*dm.Account{newAccount(t, s, "u1"), newAccount(t, s, "u2"), newAccount(t, s, "u3"), newAccount(t, s, "u4")}
	var rows []dm.CampaignSend
	for i, u := range users {
		rows = append(rows, dm.CampaignSend{ID: dm.NewID(), CampaignID: c.ID, BrandID: acme.ID, Step: 0, UserID: u.ID, Variant: "A",
			State: dm.SendPending, RunAt: at(10 + i), UpdatedAt: at(1)})
	}
	rows[2].State, rows[2].Reason = dm.SendSkipped, "blocked"
	update(t, s, func(tx dm.Tx) error {
		if _, err := tx.InsertDeliveries(ctx, rows); err != nil {
			return err
		}
		if err := tx.MarkDeliverySent(ctx, c.ID, 0, users[3].ID, "m", "conv", at(20)); err != nil {
			return err
		}
		for _, r := range []dm.RSVP{{CampaignID: c.ID, UserID: users[1].ID, Answer: "yes", Status: "going", At: at(2)},
			{CampaignID: c.ID, UserID: users[0].ID, Answer: "yes", Status: "waitlist", At: at(3)},
			{CampaignID: c.ID, UserID: users[2].ID, Answer: "no", At: at(4)}} {
			if err := tx.PutRSVP(ctx, &r); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx dm.Tx) error {
		un, err := tx.UnsentDeliveries(ctx, c.ID, 0)
		if err != nil {
			return err
		}
		got := map[string]time.Time{}
		for _, d := range un {
			got[d.UserID] = d.RunAt
		}
		if len(un) != 2 || !got[users[0].ID].Equal(at(10)) || !got[users[1].ID].Equal(at(11)) || un[0].UserID > un[1].UserID {
			t.Errorf("unsent: %+v, want u1 and u2 by id", un)
		}
		if un, err = tx.UnsentDeliveries(ctx, c.ID, 1); err != nil || len(un) != 0 {
			t.Errorf("unsent of step 1: %v %v", un, err)
		}
		yes, err := tx.AudienceRSVP(ctx, c.ID, "yes")
		if err != nil {
			return err
		}
		want := []string{users[0].ID, users[1].ID}
		slices.Sort(want)
		if !slices.Equal(yes, want) {
			t.Errorf("rsvp yes: %v, want %v", yes, want)
		}
		return nil
	})
}
