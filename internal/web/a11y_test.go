package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (testdata/axe-core), injected into pages by the
// tests only.
//
//go:embed testdata/axe-core/axe.min.js
var axeSource string

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axe runs axe-core on p's page as it is now and fails the test for each
// serious or critical violation.
func (p *person) axe(page string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 2*stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		p.t.Fatalf("injecting axe-core on %s: %v", page, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, { resultTypes: ['violations'] })
		.then((r) => JSON.stringify(r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("axe-core on %s: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		p.t.Fatalf("axe-core result on %s: %v", page, err)
	}
	for _, v := range vs {
		var where []string
		for _, n := range v.Nodes {
			b, _ := json.Marshal(n.Target)
			where = append(where, string(b)+" ("+strings.ReplaceAll(n.Summary, "\n", " ")+")")
		}
		p.t.Errorf("%s (%s): %s [%s] on %s", page, p.handle, v.Help, v.Impact, strings.Join(where, "; "))
	}
}

// TestAccessibility runs axe-core on every page of the app and the brand
// console, at desktop and phone width, in light and dark colours: no serious
// or critical violation.
func TestAccessibility(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	carol := w.account("carol", "Carol Danvers")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "alice", "role": "admin"}, nil)
	acme.api("POST", "/api/v1/brands/acme/canned-replies", map[string]any{"title": "Greeting", "text": "Hi {{first_name|there}}!"}, nil)
	alice.api("PUT", "/api/v1/accounts/bob/follow", nil, nil)
	direct := bob.openConversation("", "alice")
	bob.send(direct.ID, "Hello Alice, see https://example.com/a?b=1 or call +1 555 0100")
	alice.send(direct.ID, "Thanks!")
	req := carol.openConversation("", "alice")
	carol.send(req.ID, "A request from a stranger")
	group := alice.openConversation("Climbing", "bob", "carol")
	alice.send(group.ID, "Saturday?")
	dan := w.account("dan", "Dan Rossi")
	brandConv := dan.openConversation("", "acme")
	dan.send(brandConv.ID, "Where is my order?")
	alice.api("POST", "/api/v1/brands/acme/conversations/"+brandConv.ID+"/notes", map[string]any{"text": "Check the warehouse"}, nil)
	// The console's desk: an overdue target, an audit line, a macro, an
	// agent team and a note on the customer.
	acme.api("PUT", "/api/v1/brands/acme/service-levels", map[string]any{"first_response_minutes": 1}, nil)
	alice.api("PATCH", "/api/v1/brands/acme/conversations/"+brandConv.ID, map[string]any{"labels": []string{"vip"}, "priority": "high"}, nil)
	alice.api("POST", "/api/v1/brands/acme/macros", map[string]any{"title": "Refund", "text": "Sorry!", "status": "pending"}, nil)
	alice.api("POST", "/api/v1/brands/acme/agent-teams", map[string]any{"name": "billing", "members": []string{"alice"}}, nil)
	alice.api("POST", "/api/v1/brands/acme/customers/dan/notes", map[string]any{"text": "Prefers e-mail"}, nil)
	alice.api("PUT", "/api/v1/accounts/carol/block", nil, nil)
	alice.api("DELETE", "/api/v1/accounts/carol/block", nil, nil)
	// Moderation: alice is an operator, acme is verified, carol reported.
	if _, err := w.srv.Moderation().SetOperator(context.Background(), "alice", true); err != nil {
		t.Fatal(err)
	}
	alice.api("PUT", "/api/v1/moderation/accounts/acme/verified", nil, nil)
	bob.api("POST", "/api/v1/reports", map[string]any{"handle": "carol", "reason": "spam"}, nil)
	// Automation, a campaign, a survey and a creator: the console's other
	// pages, each with something in it.
	acme.api("POST", "/api/v1/brands/acme/automation/rules", map[string]any{"name": "Opening hours", "enabled": true,
		"trigger": map[string]any{"type": "keyword", "keywords": []string{"hours"}},
		"actions": []map[string]any{{"type": "reply", "text": "We are open 9 to 5."}}}, nil)
	acme.api("POST", "/api/v1/brands/acme/campaigns", map[string]any{
		"name": "Spring sale", "audience": map[string]any{"followers": true},
		"steps": []any{map[string]any{"variants": []any{map[string]any{"name": "A", "text": "Hi {{first_name|there}}!", "weight": 100}}}}}, nil)
	acme.api("POST", "/api/v1/brands/acme/surveys", map[string]any{"name": "Store visit", "kind": "csat", "question": "How was your visit?"}, nil)
	acme.api("POST", "/api/v1/brands/acme/creators", map[string]any{"handle": "bob"}, nil)

	alice.login()
	pages := []struct{ name, path, wait string }{
		{"inbox", "/inbox", "#conversation-list a.conv"},
		{"chat", "/c/" + direct.ID, "#message-list li.msg"},
		{"group chat", "/c/" + group.ID, "#message-list li.msg"},
		{"requests", "/requests", "#conversation-list a.conv"},
		{"request", "/c/" + req.ID, ".request-banner"},
		{"new message", "/new", "#compose-search"},
		{"draft", "/new/@dan", "#composer-text"},
		{"new group", "/new-group", "form.group-form"},
		{"settings", "/settings", "form"},
		{"profile", "/@bob", "#message-button"},
		{"own profile", "/@alice", "h1"},
		{"brands", "/brands", "#my-brands a"},
		{"console", "/brands/acme", "#inbox-list .inbox-item"},
		{"console chat", "/brands/acme/c/" + brandConv.ID, "#customer-notes .customer-note"},
		{"console analytics", "/brands/acme/analytics", "svg.chart"},
		{"console settings", "/brands/acme/settings", "#hours-days .hours-row"},
		{"console desk", "/brands/acme/desk", "#macro-list .macro"},
		{"console automation", "/brands/acme/automation", "#rule-list li.rule"},
		{"console campaigns", "/brands/acme/campaigns", "#campaign-list .campaign h2"},
		{"console surveys", "/brands/acme/surveys", ".survey-head h2"},
		{"console creators", "/brands/acme/creators", ".creator-card[data-handle=bob]"},
		{"moderation", "/moderation", "#report-queue li.report"},
		{"verified brand", "/@acme", ".pill.verified"},
		{"reset password", "/reset-password#not-a-real-token", "#reset-new"},
	}
	// Light at both widths, dark at desktop width (the colours are the
	// same at phone width; the layout was checked in light).
	for _, size := range widths {
		for _, scheme := range []string{"light", "dark"} {
			if scheme == "dark" && size.name == "phone" {
				continue
			}
			alice.viewport(size.width, size.height)
			alice.do("colour scheme "+scheme, emulateScheme(scheme))
			for _, pg := range pages {
				alice.do("open "+pg.name, chromedp.Navigate(w.base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.wait)))
				alice.axe(pg.name + " at " + size.name + " width, " + scheme)
			}
		}
	}
}

// emulateScheme makes the page see prefers-color-scheme: scheme.
func emulateScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}
