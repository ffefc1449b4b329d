package e2e

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/parleyhq/parley/client"
)

// surveyQuestion waits for the automated message that asks text and has
// want buttons, and returns it.
func surveyQuestion(t *testing.T, c *client.Client, convID, text string, want int) client.Message {
	t.Helper()
	var q client.Message
	waitMessages(t, c, convID, "the survey's question", func(ms []client.Message) bool {
		for _, m := range ms {
			if strings.Contains(m.Text, text) {
				q = m
				return true
			}
		}
		return false
	})
	if !q.Automated || len(q.QuickReplies) != want {
		t.Fatalf("the survey's message: automated %v, %d buttons (want %d): %+v", q.Automated, len(q.QuickReplies), want, q)
	}
	return q
}

// TestSurveyAfterResolution: a rule asks a CSAT survey when a conversation
// is resolved; the question arrives automated with five buttons; the
// customer taps 2, and the dashboard shows it, tied to the agent who
// handled the conversation; a later tap replaces the answer; the CSV
// carries it; the audience "answered below 4" follows the answer; the
// answer does not reopen the conversation. Then a free-text survey sent
// as a campaign takes the customer's next message as its answer, and the
// CSV disarms a formula in it.
func TestSurveyAfterResolution(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	// The real clock runs here: the brand's zone is one where it is 14:00
	// now, far from the quiet hours.
	_, err := acme.PutBrandSettings(ctx, "acme", client.BrandSettings{TimeZone: afternoonZone()})
	must(t, err, "brand settings")
	bob := e.user("bobby")
	_, err = acme.AddTeamMember(ctx, "acme", "bobby", "agent")
	must(t, err, "add an agent")
	dana := e.user("dana")
	must(t, dana.Follow(ctx, "acme"), "follow")
	stranger := e.user("mallory")

	// Validation and rights.
	_, err = acme.CreateSurvey(ctx, "acme", client.SurveyInput{Name: "x", Kind: "stars", Question: "?"})
	wantStatus(t, err, 400, "an unknown kind")
	if err != nil && !strings.Contains(err.Error(), "kind") {
		t.Errorf("the error does not name the field: %v", err)
	}
	_, err = bob.CreateSurvey(ctx, "acme", client.SurveyInput{Name: "x", Kind: "csat", Question: "?"})
	wantStatus(t, err, 403, "an agent creating a survey")
	sv, err := acme.CreateSurvey(ctx, "acme", client.SurveyInput{Name: "After support", Kind: "csat", Question: "How did we do today?"})
	must(t, err, "create a survey")
	_, err = acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "ask", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"x"}},
		Actions: []client.RuleAction{{Type: "send_survey", Value: sv.ID}}})
	wantStatus(t, err, 400, "send_survey on a keyword")
	_, err = acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "ask", Trigger: client.RuleTrigger{Type: "resolved"},
		Actions: []client.RuleAction{{Type: "send_survey", Value: "nope"}}})
	wantStatus(t, err, 400, "send_survey of no survey")
	_, err = acme.PutAutomation(ctx, "acme", client.AutomationSettings{Enabled: true})
	must(t, err, "automation on")
	_, err = acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "ask", Trigger: client.RuleTrigger{Type: "resolved"},
		Actions: []client.RuleAction{{Type: "send_survey", Value: sv.ID}}})
	must(t, err, "a resolved rule that asks the survey")
	_, err = stranger.SurveyResults(ctx, "acme", sv.ID, 0)
	wantStatus(t, err, 404, "a stranger reading the dashboard")

	// Dana writes, Bob answers and resolves: the survey arrives.
	conv := e.direct(dana, "acme")
	e.send(dana, conv.ID, "My tent arrived torn")
	_, err = bob.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{Text: "Sorry! A new one is on its way."})
	must(t, err, "agent replies")
	_, err = bob.UpdateInboxConversation(ctx, "acme", conv.ID, client.InboxUpdate{Status: ptr("resolved")})
	must(t, err, "resolve")
	q := surveyQuestion(t, dana, conv.ID, "How did we do today?", 5)
	if q.QuickReplies[1].Title != "2 Bad" {
		t.Errorf("the second button is %q", q.QuickReplies[1].Title)
	}

	// Dana taps 2.
	_, _, err = dana.Send(ctx, conv.ID, client.SendParams{Text: q.QuickReplies[1].Title, Payload: q.QuickReplies[1].Payload})
	must(t, err, "tap 2")
	waitMessages(t, dana, conv.ID, "the thanks", func(ms []client.Message) bool { return ms[0].Automated && ms[0].Text == "Thanks for your feedback!" })
	res, err := bob.SurveyResults(ctx, "acme", sv.ID, 7)
	must(t, err, "results")
	if res.Sent != 1 || res.Answered != 1 || res.Score == nil || *res.Score != 0 || len(res.Distribution) != 5 || res.Distribution[1] != 1 {
		t.Fatalf("results after a 2: sent %d answered %d score %v distribution %v", res.Sent, res.Answered, res.Score, res.Distribution)
	}
	if len(res.Agents) != 1 || res.Agents[0].Agent == nil || res.Agents[0].Agent.Handle != "bobby" || res.Agents[0].Count != 1 {
		t.Errorf("per agent %+v, want bobby with one answer", res.Agents)
	}
	if n := len(res.Trend); n < 7 || res.Trend[n-1].Count != 1 {
		t.Errorf("trend %+v: want 7 or 8 days, today with one answer", res.Trend)
	}
	d, err := bob.InboxConversation(ctx, "acme", conv.ID)
	must(t, err, "inbox")
	if d.Inbox.Status != "resolved" {
		t.Errorf("the answer reopened the conversation: %s", d.Inbox.Status)
	}
	pv, err := acme.PreviewAudience(ctx, "acme", client.Audience{SurveyBelow: &client.AudienceSurvey{SurveyID: sv.ID, Below: 4}})
	must(t, err, "preview below 4")
	if pv.Count != 1 || pv.Sample[0].Handle != "dana" {
		t.Errorf("answered below 4: %d (%+v), want dana", pv.Count, pv.Sample)
	}

	// A later tap replaces the answer.
	_, _, err = dana.Send(ctx, conv.ID, client.SendParams{Text: q.QuickReplies[4].Title, Payload: q.QuickReplies[4].Payload})
	must(t, err, "tap 5")
	res, err = acme.SurveyResults(ctx, "acme", sv.ID, 0)
	must(t, err, "results")
	if res.Answered != 1 || *res.Score != 100 || res.Distribution[1] != 0 || res.Distribution[4] != 1 {
		t.Errorf("after a 5: answered %d score %v distribution %v", res.Answered, *res.Score, res.Distribution)
	}
	pv, err = acme.PreviewAudience(ctx, "acme", client.Audience{SurveyBelow: &client.AudienceSurvey{SurveyID: sv.ID, Below: 4}})
	must(t, err, "preview below 4")
	if pv.Count != 0 {
		t.Errorf("answered below 4 after a 5: %d", pv.Count)
	}
	_, err = acme.PreviewAudience(ctx, "acme", client.Audience{RSVP: &client.AudienceRSVP{CampaignID: "nope"}})
	wantStatus(t, err, 400, "rsvp of no invitation")

	// A free-text survey as a campaign; Dana's next message answers it.
	txt, err := acme.CreateSurvey(ctx, "acme", client.SurveyInput{Name: "Ideas", Kind: "text", Question: "What should we sell next?"})
	must(t, err, "create a text survey")
	c, err := acme.CreateCampaign(ctx, "acme", client.CampaignInput{Name: "Ideas", Type: "survey", SurveyID: txt.ID,
		Audience: &client.Audience{Followers: true}, Steps: oneMessage("Hi {{first_name|there}}!"), RatePerMinute: 600000})
	must(t, err, "create a survey campaign")
	if c.Type != "survey" || c.SurveyID != txt.ID {
		t.Errorf("campaign type %q survey %q", c.Type, c.SurveyID)
	}
	_, err = acme.CampaignAction(ctx, "acme", c.ID, "start")
	must(t, err, "start")
	waitCampaign(t, ctx, acme, "acme", c.ID, "the survey campaign", func(c *client.Campaign) bool { return c.Status == "done" })
	m := surveyQuestion(t, dana, conv.ID, "What should we sell next?", 0)
	if m.CampaignID != c.ID || !strings.HasPrefix(m.Text, "Hi Dana!") {
		t.Errorf("the campaign's message: %+v", m)
	}
	e.send(dana, conv.ID, `=HYPERLINK("http://evil.example","kayaks")`)
	res, err = acme.SurveyResults(ctx, "acme", txt.ID, 0)
	must(t, err, "text results")
	if res.Sent != 1 || res.Answered != 1 || res.Score != nil || len(res.Texts) != 1 || !strings.HasPrefix(res.Texts[0].Text, "=HYPERLINK") {
		t.Fatalf("text results: %+v", res)
	}
	raw, err := acme.SurveyCSV(ctx, "acme", txt.ID, 0)
	must(t, err, "text csv")
	rows, err := csv.NewReader(strings.NewReader(raw)).ReadAll()
	must(t, err, "parse csv")
	if len(rows) != 2 || rows[1][2] != "dana" || rows[1][4] != `'=HYPERLINK("http://evil.example","kayaks")` || rows[1][7] != c.ID {
		t.Errorf("text csv rows %q", rows)
	}

	// The CSAT CSV: one row, Dana's 5, Bob's conversation.
	raw, err = acme.SurveyCSV(ctx, "acme", sv.ID, 30)
	must(t, err, "csv")
	rows, err = csv.NewReader(strings.NewReader(raw)).ReadAll()
	must(t, err, "parse csv")
	want := []string{"sent_at", "answered_at", "customer", "score", "text", "agent", "conversation_id", "campaign_id"}
	if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(want, ",") {
		t.Fatalf("csv %q", rows)
	}
	if r := rows[1]; r[2] != "dana" || r[3] != "5" || r[5] != "bobby" || r[6] != conv.ID || r[1] == "" {
		t.Errorf("csv row %q", r)
	}
	_, err = acme.SurveyCSV(ctx, "acme", sv.ID, 400)
	wantStatus(t, err, 400, "days out of range")
}
