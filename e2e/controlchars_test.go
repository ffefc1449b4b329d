package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestControlCharactersRefused: the brand and moderation fields that had
// their own checks (campaign, variant and button names, events,
// audiences, surveys, consent words, creator notes and deliverables, report
// reasons) refuse a NUL or an escape with a 400 naming the field, like a
// message's text does, and store nothing. A NUL was stored on SQLite and
// is a 500 on PostgreSQL, which refuses it in text; a survey's question
// and a campaign's buttons go out to customers inside messages. (A NUL is
// now refused as any body is read, at its JSON key: TestNULRefused; the
// field checks stand for direct callers of the services.)
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	joy := e.user("joy")
	e.user("kit")

	variants := func(name string) string {
		return `"steps":[{"variants":[{"name":` + name + `,"text":"hi","weight":100}]}]`
	}
	for _, bad := range []string{`\u0000`, `\u001b[31m`} {
		for _, tc := range []struct {
			path, body, field, key string // key: the JSON key a NUL is reported at
		}{
			{"/api/v1/brands/acme/campaigns", `{"name":"c` + bad + `","audience":{"followers":true},` + variants(`"A"`) + `}`, "name", "name"},
			{"/api/v1/brands/acme/campaigns", `{"name":"c","audience":{"followers":true},` + variants(`"A`+bad+`"`) + `}`, "variants[0].name", "name"},
			{"/api/v1/brands/acme/campaigns", `{"name":"c","audience":{"followers":true},"steps":[{"variants":[{"name":"A","text":"hi","weight":100}],"quick_replies":[{"title":"q` + bad + `","payload":"x"}]}]}`, "quick_replies[0].title", "title"},
			{"/api/v1/brands/acme/campaigns", `{"name":"c","audience":{"label":"l` + bad + `"},` + variants(`"A"`) + `}`, "audience.label", "label"},
			{"/api/v1/brands/acme/campaigns", `{"name":"c","audience":{"attribute":{"key":"k","value":"v` + bad + `"}},` + variants(`"A"`) + `}`, "audience.attribute", "value"},
			{"/api/v1/brands/acme/campaigns", `{"name":"c","audience":{"followers":true},"event":{"title":"t` + bad + `","starts_at":"2030-01-01T10:00:00Z","time_zone":"UTC","capacity":0},` + variants(`"A"`) + `}`, "event", "title"},
			{"/api/v1/brands/acme/surveys", `{"name":"s` + bad + `","kind":"csat","question":"How was it?"}`, "name", "name"},
			{"/api/v1/brands/acme/surveys", `{"name":"s","kind":"csat","question":"How` + bad + ` was it?"}`, "question", "question"},
			{"/api/v1/brands/acme/creators", `{"handle":"kit","notes":"n` + bad + `"}`, "notes", "notes"},
			{"/api/v1/brands/acme/creators", `{"handle":"kit","deliverables":[{"title":"d` + bad + `"}]}`, "deliverables[0].title", "title"},
			{"/api/v1/reports", `{"handle":"kit","reason":"r` + bad + `"}`, "reason", "reason"},
		} {
			c := acme
			if strings.HasPrefix(tc.path, "/api/v1/reports") {
				c = joy
			}
			what := "POST " + tc.path + " with " + bad + " in " + tc.field
			_, err := c.Do(ctx, "POST", tc.path, strings.NewReader(tc.body), nil)
			name := tc.field
			if bad == `\u0000` {
				name = tc.key // refused as the body is read, at its key
			}
			if ce := wantStatus(t, err, 400, what); ce != nil && !strings.Contains(ce.Message, name) {
				t.Errorf("%s: the message %q does not name %s", what, ce.Message, name)
			}
		}
		_, err := acme.Do(ctx, "PUT", "/api/v1/brands/acme/consent-settings",
			strings.NewReader(`{"stop_words":["stop`+bad+`"],"start_words":[],"frequency_cap":0,"window_24h":false}`), nil)
		if ce := wantStatus(t, err, 400, "consent stop word with "+bad); ce != nil && !strings.Contains(ce.Message, "stop_words") {
			t.Errorf("consent stop word: the message %q does not name stop_words", ce.Message)
		}
	}

	// Nothing refused was stored.
	var lists struct {
		Campaigns []any `json:"campaigns"`
		Surveys   []any `json:"surveys"`
		Creators  []any `json:"creators"`
		Reports   []any `json:"reports"`
	}
	for _, p := range []string{"campaigns", "surveys", "creators"} {
		_, err := acme.Do(ctx, "GET", "/api/v1/brands/acme/"+p, nil, &lists)
		must(t, err, "list "+p)
	}
	_, err := joy.Do(ctx, "GET", "/api/v1/reports", nil, &lists)
	must(t, err, "my reports")
	if n := len(lists.Campaigns) + len(lists.Surveys) + len(lists.Creators) + len(lists.Reports); n != 0 {
		t.Errorf("refused inputs stored %d things: %+v", n, lists)
	}

	// Line breaks stay fine where text has several lines.
	_, err = acme.Do(ctx, "POST", "/api/v1/brands/acme/surveys",
		strings.NewReader(`{"name":"s","kind":"csat","question":"Thanks!\nHow was it?"}`), nil)
	ok(t, err, "a question on two lines")
	_, err = acme.Do(ctx, "POST", "/api/v1/brands/acme/creators",
		strings.NewReader(`{"handle":"kit","notes":"line one\nline two\ttab"}`), nil)
	ok(t, err, "notes on two lines")
}

// TestModerationNotesRefuseControlCharacters: an operator's note and
// report id on a suspension or a verification go into the moderation log
// checked like a report's reason: a NUL or an escape is a 400 naming the
// field, and nothing is done or logged.
func TestModerationNotesRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Now()}
	e, srv := startModerated(t, clk)
	ctx := e.ctx
	op := operatorUser(t, e, srv, "opal")
	e.user("mal")
	for _, tc := range []struct{ reportID, note, field string }{
		{"", "spam\x00", "note"},
		{"", "spam \x1b[2J", "note"},
		{"r\x00", "spam", "report_id"},
	} {
		_, err := op.Suspend(ctx, "mal", true, tc.reportID, tc.note)
		if ce := wantStatus(t, err, 400, "a suspension with a control character in "+tc.field); ce != nil && !strings.Contains(ce.Message, tc.field) {
			t.Errorf("the message %q does not name %s", ce.Message, tc.field)
		}
	}
	log, err := op.ModerationLog(ctx, 0)
	must(t, err, "the log")
	for _, l := range log {
		if l.Action == "suspend" {
			t.Errorf("a refused suspension was logged: %+v", l)
		}
	}
	_, err = op.Suspend(ctx, "mal", true, "", "spam, twice\nsee the report")
	ok(t, err, "a suspension with a note on two lines")
}
