package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/server"
)

// The tests of this file come from a fourth hostile probe: each attacks the
// running server through its public surface and asserts the secure outcome.

// TestHostile4StopAsTyped: a person's STOP counts however their keyboard
// wrote it: full-width letters (a Chinese or Japanese input method), a
// decomposed accent (ARRE + U+0302 + T, as some systems send), an invisible
// character stuck to the word (a zero-width space, a byte order mark, a
// word joiner), quotes around it (`Reply "STOP"` copied as written), or
// letters of another script that look like it.
// Each was an ordinary message, and the person kept getting the brand's
// automated messages after saying STOP.
func TestHostile4StopAsTyped(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	e.brandAccount("shop", "Shop")
	for i, text := range []string{
		"ＳＴＯＰ", "ｓｔｏｐ！", "ARRE\u0302T", "stop\u200b", "\u2060STOP", "\ufeffstop", `"STOP"`, "“Stop”", "«stop»", "'stop'",
		// What a brand's look-alike button sends when tapped: Cyrillic
		// and Greek capitals, a zero for the O. It shows as STOP.
		"ЅТОР", "SΤΟP", "ST0P",
	} {
		h := fmt.Sprintf("pers%d", i)
		p := e.user(h)
		conv := e.direct(p, "shop")
		e.send(p, conv.ID, "hello")
		e.send(p, conv.ID, text)
		if m, err := p.MessagesConsent(ctx, "shop"); err != nil || !m.OptedOut {
			t.Errorf("%s said %q (%+q): consent %+v %v, want opted out", h, text, text, m, err)
		}
	}
	// Still a whole-message rule: a sentence with the word in it is none.
	p := e.user("talker")
	conv := e.direct(p, "shop")
	for _, text := range []string{"please ＳＴＯＰ the noise", "stopping by later", "STOP\u200bPING"} {
		e.send(p, conv.ID, text)
	}
	if m, err := p.MessagesConsent(ctx, "shop"); err != nil || m.OptedOut {
		t.Errorf("sentences holding stop: consent %+v %v, want not opted out", m, err)
	}
}

// TestHostile4ButtonLooksLikeStop: a brand words its buttons, and the
// title is the text a tap sends. A title that shows as STOP but is not the
// word (reversed by a right-to-left override: U+202E "POTS" reads "STOP";
// or with an invisible character in it) made a button that a person taps
// to unsubscribe and that unsubscribes nobody. Every button a brand writes
// (a rule's reply, a flow's option, the ice breakers and the menu, a
// campaign's quick replies) refuses direction controls and invisible
// characters with a 400 naming the field, and nothing is stored.
func TestHostile4ButtonLooksLikeStop(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	for _, title := range []string{"\u202ePOTS", "\u2067STOP\u2069", "STOP\u200b", "ST\u2060OP", "\u200eSTOP", "STOP\u00ad"} {
		what := fmt.Sprintf("a button titled %+q", title)
		_, err := acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "r", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"deal"}},
			Actions: []client.RuleAction{{Type: "reply", Text: "Our deals", QuickReplies: []client.QuickReply{{Title: title, Payload: "X"}}}}})
		if ce := wantStatus(t, err, http.StatusBadRequest, "rule: "+what); ce != nil && !strings.Contains(ce.Message, "quick_replies[0].title") {
			t.Errorf("rule: %s: the message %q does not name the field", what, ce.Message)
		}
		_, err = acme.PutFlow(ctx, "acme", client.Flow{Name: "f", Steps: []client.FlowStep{{ID: "a", Text: "Pick one", Options: []client.FlowOption{{Title: title, Handoff: true}}}}})
		if ce := wantStatus(t, err, http.StatusBadRequest, "flow: "+what); ce != nil && !strings.Contains(ce.Message, "options[0].title") {
			t.Errorf("flow: %s: the message %q does not name the field", what, ce.Message)
		}
		_, err = acme.PutAutomation(ctx, "acme", client.AutomationSettings{Enabled: true, IceBreakers: []client.QuickReply{{Title: title, Payload: "X"}}})
		if ce := wantStatus(t, err, http.StatusBadRequest, "ice breaker: "+what); ce != nil && !strings.Contains(ce.Message, "ice_breakers[0].title") {
			t.Errorf("ice breaker: %s: the message %q does not name the field", what, ce.Message)
		}
		_, err = acme.PutAutomation(ctx, "acme", client.AutomationSettings{Enabled: true, Menu: []client.QuickReply{{Title: title, Payload: "X"}}})
		if ce := wantStatus(t, err, http.StatusBadRequest, "menu: "+what); ce != nil && !strings.Contains(ce.Message, "menu[0].title") {
			t.Errorf("menu: %s: the message %q does not name the field", what, ce.Message)
		}
		_, err = acme.CreateCampaign(ctx, "acme", client.CampaignInput{Name: "c", Audience: &client.Audience{Followers: true},
			Steps: []client.CampaignStep{{Variants: []client.CampaignVariant{{Name: "A", Text: "Sale!", Weight: 100}}, QuickReplies: []client.QuickReply{{Title: title, Payload: "X"}}}}})
		if ce := wantStatus(t, err, http.StatusBadRequest, "campaign: "+what); ce != nil && !strings.Contains(ce.Message, "quick_replies[0].title") {
			t.Errorf("campaign: %s: the message %q does not name the field", what, ce.Message)
		}
	}
	rules, err := acme.Rules(ctx, "acme")
	must(t, err, "rules")
	var lists struct {
		Flows     []any `json:"flows"`
		Campaigns []any `json:"campaigns"`
	}
	_, err = acme.Do(ctx, "GET", "/api/v1/brands/acme/automation/flows", nil, &lists)
	must(t, err, "flows")
	_, err = acme.Do(ctx, "GET", "/api/v1/brands/acme/campaigns", nil, &lists)
	must(t, err, "campaigns")
	if len(rules) != 0 || len(lists.Flows) != 0 || len(lists.Campaigns) != 0 {
		t.Errorf("refused buttons were stored: %d rules, %d flows, %d campaigns", len(rules), len(lists.Flows), len(lists.Campaigns))
	}
	if body := rawGet(t, ctx, acme, "/api/v1/brands/acme/automation"); strings.Contains(body, "STOP") || strings.Contains(body, "POTS") {
		t.Errorf("refused buttons were stored in the settings: %s", body)
	}

	// Names people write stay fine: emoji with joiners and variation
	// selectors, scripts that need a zero-width non-joiner, accents.
	for _, title := range []string{"👍🏽 Yes", "👨\u200d👩\u200d👧 Family", "❤\ufe0f Love it", "می\u200cخواهم", "Café"} {
		_, err := acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "ok", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"deal"}},
			Actions: []client.RuleAction{{Type: "reply", Text: "Our deals", QuickReplies: []client.QuickReply{{Title: title, Payload: "X"}}}}})
		ok(t, err, fmt.Sprintf("a rule with a button titled %+q", title))
	}
}

// TestHostile4RSVPAfterTheEvent: an invitation's buttons stay under the
// message after the event began. A Yes tapped then took a place ("You're
// in: ... See you there!" for an event already under way or over) and a No
// gave one back, moving the first waiting person in for an event they can
// no longer attend; a campaign could also be made, and started, for an
// event already past, inviting everyone to it. Now a tap after the start
// is no answer (an ordinary message for the team), and an event campaign
// must start in the future when it is saved and when it is started.
func TestHostile4RSVPAfterTheEvent(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	e := startClocked(t, clk)
	ctx := e.ctx
	club := e.brandAccount("club", "Club")
	_, err := club.PutBrandSettings(ctx, "club", client.BrandSettings{TimeZone: "UTC"})
	must(t, err, "brand settings")
	ps := e.people("g", 3, "club")
	ev := func(starts time.Time) client.CampaignInput {
		return client.CampaignInput{Name: "Tasting", Audience: &client.Audience{Followers: true}, Steps: oneMessage("Come taste!"), RatePerMinute: 600000,
			Event: &client.CampaignEvent{Title: "Tasting", StartsAt: starts, TimeZone: "UTC", Capacity: 1}}
	}
	_, err = club.CreateCampaign(ctx, "club", ev(clk.Now().Add(-time.Hour)))
	wantStatus(t, err, http.StatusBadRequest, "an invitation to an event that began an hour ago")
	late, err := club.CreateCampaign(ctx, "club", ev(clk.Now().Add(30*time.Minute)))
	must(t, err, "a draft invitation to an event in half an hour")
	c, err := club.CreateCampaign(ctx, "club", ev(clk.Now().Add(2*time.Hour)))
	must(t, err, "the invitation")
	_, err = club.CampaignAction(ctx, "club", c.ID, "start")
	must(t, err, "start")
	waitCampaign(t, ctx, club, "club", c.ID, "the invitations", func(c *client.Campaign) bool { return c.Status == "done" && c.Progress.Sent == 3 })
	convs := make([]string, len(ps))
	var yes, no string
	for i, p := range ps {
		convs[i] = e.folder(p, "inbox")[0]
		msgs, err := allMessages(ctx, p, convs[i])
		must(t, err, "the invitation")
		for _, q := range msgs[0].QuickReplies {
			switch q.Title {
			case "Yes":
				yes = q.Payload
			case "No":
				no = q.Payload
			}
		}
	}
	tap := func(i int, text, payload string) {
		t.Helper()
		_, _, err := ps[i].Send(ctx, convs[i], client.SendParams{Text: text, Payload: payload})
		must(t, err, "tap "+text)
	}
	tally := func(what string, want client.RSVPTally) {
		t.Helper()
		got, err := club.Campaign(ctx, "club", c.ID)
		must(t, err, "campaign")
		if r := got.Progress.RSVP; r == nil || *r != want {
			t.Errorf("%s: tally %+v, want %+v", what, r, want)
		}
	}
	tap(0, "Yes", yes)
	tap(1, "Yes", yes)
	tally("before the start", client.RSVPTally{Yes: 1, Waitlist: 1})
	waitMessages(t, ps[1], convs[1], "g001's waitlist confirmation", func(ms []client.Message) bool { return countAutomated(ms) == 2 })

	clk.Add(3 * time.Hour) // the event began an hour ago
	_, err = club.CampaignAction(ctx, "club", late.ID, "start")
	wantStatus(t, err, http.StatusConflict, "starting the invitation to an event that began")
	tap(2, "Yes", yes)
	tap(0, "No", no)
	tally("after the start", client.RSVPTally{Yes: 1, Waitlist: 1})
	// The taps after the start went to the team as messages; the bot
	// answered none of them (a marker message after them shows it had its
	// chance: jobs run in order of their time).
	e.send(ps[2], convs[2], "anyone there?")
	for i := range ps {
		msgs, err := allMessages(ctx, ps[i], convs[i])
		must(t, err, "messages")
		for _, m := range msgs {
			if m.Automated && m.CreatedAt.After(clk.Now().Add(-time.Minute)) {
				t.Errorf("g%03d got an automated answer after the event began: %q", i, m.Text)
			}
		}
	}
	got, err := club.Campaign(ctx, "club", late.ID)
	must(t, err, "the late draft")
	if got.Status != "draft" {
		t.Errorf("the refused start left the late invitation %s", got.Status)
	}
}

// TestHostile4CannedRepliesBounded: any team member, an agent included,
// keeps canned replies of their own, and nothing bounded how many: one
// agent could save them without end (macros stop at 200 each), and every
// member's list reads the brand's whole set. Now each owner keeps at most
// 200, and the team's shared ones are bounded alike; one member at the
// bound does not stop another.
func TestHostile4CannedRepliesBounded(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	team := e.agents(acme, "acme", "ann", "bob")
	ann, bob := team[0], team[1]
	const bound = 200
	for i := range bound {
		_, err := ann.CreateCannedReply(ctx, "acme", fmt.Sprintf("reply %d", i), "Hello {{first_name|there}}")
		must(t, err, fmt.Sprintf("ann's reply %d", i))
	}
	_, err := ann.CreateCannedReply(ctx, "acme", "one too many", "Hello")
	wantStatus(t, err, http.StatusBadRequest, "ann's canned reply over the bound")
	cs, err := ann.CannedReplies(ctx, "acme")
	must(t, err, "ann's replies")
	if len(cs) != bound {
		t.Errorf("ann has %d canned replies, want %d", len(cs), bound)
	}
	_, err = bob.CreateCannedReply(ctx, "acme", "bob's", "Hi")
	ok(t, err, "bob's own reply, with ann at the bound")
	_, err = acme.CreateCannedReply(ctx, "acme", "shared", "Hi from the team")
	ok(t, err, "a shared reply, with ann at the bound")
	// Editing one at the bound is no new reply.
	_, err = ann.Do(ctx, "PATCH", "/api/v1/brands/acme/canned-replies/"+cs[0].ID, strings.NewReader(`{"text":"Edited"}`), nil)
	ok(t, err, "ann edits a reply at the bound")
}

// TestHostile4AudiencePreviewBounded: any team member may preview a
// campaign's audience, and a preview reads the brand's followers and
// customers for each term (50 terms naming the followers took 116 ms for
// 2,000 followers; linear in them). Nothing bounded how often one account
// asked. Now each distinct term is read once per preview, and an account
// gets 429 with a Retry-After past a burst of 30; another member is not
// slowed by it.
func TestHostile4AudiencePreviewBounded(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOn)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	team := e.agents(acme, "acme", "ann", "bob")
	ann, bob := team[0], team[1]
	body := `{"audience":{"or":[` + strings.TrimSuffix(strings.Repeat(`{"followers":true},`, 49), ",") + `]}}`
	var refused *client.Error
	for i := 0; i < 100 && refused == nil; i++ {
		_, err := ann.Do(ctx, "POST", "/api/v1/brands/acme/audience/preview", strings.NewReader(body), nil)
		if err != nil && !errors.As(err, &refused) {
			t.Fatalf("preview %d: %v", i, err)
		}
		if refused != nil && i < 30 {
			t.Fatalf("preview %d of a burst of 30 refused: %v", i, err)
		}
	}
	if refused == nil || refused.Status != http.StatusTooManyRequests || refused.RetryAfter <= 0 {
		t.Fatalf("100 previews at once: refused %+v, want 429 with a Retry-After", refused)
	}
	_, err := bob.Do(ctx, "POST", "/api/v1/brands/acme/audience/preview", strings.NewReader(body), nil)
	ok(t, err, "another member's preview")
	// An outsider still gets the 404 of a brand that is not theirs.
	eve := e.user("eve")
	_, err = eve.Do(ctx, "POST", "/api/v1/brands/acme/audience/preview", strings.NewReader(body), nil)
	wantStatus(t, err, http.StatusNotFound, "an outsider's preview")
}

// TestHostile4ManyConsentWords: a brand with many words of its own (17 to
// 20 stop words, 9 to 12 start words) had every customer message append
// the built-in words to the brand's cached consent settings, which
// concurrent sends share, in place: a data race (caught under -race) on
// every message to the brand (on PostgreSQL, where sends to one brand run
// at once; SQLite writes one at a time). Customers write at once; each
// STOP counts.
func TestHostile4ManyConsentWords(t *testing.T) {
	t.Parallel()
	onBothStores(t, testManyConsentWords)
}

func testManyConsentWords(t *testing.T, pgURL string) {
	e := startWith(t, limitsOff, func(cfg *server.Config) { cfg.PostgresURL = pgURL })
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme")
	stop, start := make([]string, 20), make([]string, 12)
	for i := range stop {
		stop[i] = fmt.Sprintf("NOMORE%d", i)
	}
	for i := range start {
		start[i] = fmt.Sprintf("AGAIN%d", i)
	}
	body := fmt.Sprintf(`{"stop_words":[%s],"start_words":[%s],"frequency_cap":0,"window_24h":false}`,
		`"`+strings.Join(stop, `","`)+`"`, `"`+strings.Join(start, `","`)+`"`)
	_, err := acme.Do(ctx, "PUT", "/api/v1/brands/acme/consent-settings", strings.NewReader(body), nil)
	must(t, err, "consent words")
	ps := e.people("cw", 8, "")
	convs := make([]string, len(ps))
	for i, p := range ps {
		convs[i] = e.direct(p, "acme").ID
	}
	done := make(chan error, len(ps))
	for i, p := range ps {
		go func() {
			var err error
			for k := 0; k < 5 && err == nil; k++ {
				_, _, err = p.Send(ctx, convs[i], client.SendParams{Text: fmt.Sprintf("hello %d", k)})
			}
			if err == nil {
				_, _, err = p.Send(ctx, convs[i], client.SendParams{Text: stop[i]})
			}
			done <- err
		}()
	}
	for range ps {
		must(t, <-done, "a customer writes")
	}
	for i, p := range ps {
		if m, err := p.MessagesConsent(ctx, "acme"); err != nil || !m.OptedOut {
			t.Errorf("cw%03d said %s: consent %+v %v", i, stop[i], m, err)
		}
	}
}
