package web_test

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSurveyDashboard: a follower gets a CSAT survey in the chat,
// taps "2 Bad", and the brand's Surveys page shows it: the score, a bar
// at 2 in the distribution chart, a point on the trend; at desktop width
// and at 390 px.
func TestBrowserSurveyDashboard(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	dan.api("PUT", "/api/v1/accounts/acme/follow", nil, nil)
	acme.api("PUT", "/api/v1/brands/acme/settings", map[string]any{"time_zone": afternoonZone()}, nil)
	var sv struct {
		Survey struct {
			ID string `json:"id"`
		} `json:"survey"`
	}
	acme.api("POST", "/api/v1/brands/acme/surveys", map[string]any{"name": "Store visit <b>", "kind": "csat", "question": "How was your visit?"}, &sv)
	var c struct {
		Campaign struct {
			ID string `json:"id"`
		} `json:"campaign"`
	}
	acme.api("POST", "/api/v1/brands/acme/campaigns", map[string]any{
		"name": "Visit survey", "type": "survey", "survey_id": sv.Survey.ID, "audience": map[string]any{"followers": true},
		"steps": []any{map[string]any{"variants": []any{map[string]any{"name": "A", "text": "Thanks for coming, {{first_name|friend}}!", "weight": 100}}}},
	}, &c)
	acme.api("POST", "/api/v1/brands/acme/campaigns/"+c.Campaign.ID+"/start", nil, nil)

	acme.login()
	acme.do("open the surveys page", chromedp.Navigate(w.base+"/brands/acme/surveys"))
	acme.waitText(".survey-head h2", "Store visit <b>")
	acme.waitText(".survey-score", "No answers yet")
	acme.eval("mark the page", `(window.__beforeAnswer = true, true)`)
	var evs struct {
		Events []struct {
			Type  string `json:"type"`
			Brand string `json:"brand"`
			State string `json:"state"`
		} `json:"events"`
		Cursor string `json:"cursor"`
	}
	acme.api("GET", "/api/v1/events", nil, &evs)

	dan.login()
	dan.click("#conversation-list a", "Acme Outdoor")
	dan.waitText("#message-list li.msg .text", "How was your visit?")
	dan.click(".quick-replies button.qr", "2 Bad")
	dan.waitText("#message-list li.msg .text", "Thanks for your feedback!")

	// The page updates live on the team's survey.answered event, with no
	// reload: the marker set on the page before stays.
	acme.waitText(".survey-score", "0% satisfied")
	acme.waitFor("no reload", `() => window.__beforeAnswer === true`)
	acme.waitText(".survey-counts", "1 answered of 1 sent")
	acme.waitFor("the bar at 2", `() => !!document.querySelector('.survey-dist rect.bar[data-score="2"]')`)
	acme.waitFor("a point on the trend", `() => document.querySelectorAll('.survey-trend circle.trend-dot').length === 1`)
	acme.waitFor("the name as text", `() => !document.querySelector('.survey-head b')`)
	// The team's stream carried the answer once, naming the survey.
	answered := 0
	for range 20 {
		acme.api("GET", "/api/v1/events?limit=200&cursor="+url.QueryEscape(evs.Cursor), nil, &evs)
		if len(evs.Events) == 0 {
			break
		}
		for _, e := range evs.Events {
			if e.Type == "survey.answered" && e.Brand == "acme" && e.State == sv.Survey.ID {
				answered++
			}
		}
	}
	if answered != 1 {
		t.Errorf("%d survey.answered events for the survey on the team's stream, want 1", answered)
	}
	// On a wide screen the page keeps the Desk page's width, centred.
	acme.viewport(1920, 1080)
	acme.waitFor("a max width", `() => { const r = document.querySelector('.console-surveys').getBoundingClientRect(); return r.width <= 1040 && r.left > 300; }`)
	acme.viewport(1280, 800)
	acme.shotIf("60-brand-survey-dashboard")
	dan.shotIf("61-survey-in-chat")
	if *screenshotDir != "" {
		acme.viewport(390, 844)
		acme.shotIf("62-phone-brand-survey-dashboard")
		dan.viewport(390, 844)
		dan.shotIf("63-phone-survey-in-chat")
	}
}
