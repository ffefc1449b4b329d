package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCreatorPipeline: an agent with the partnerships permission
// adds a creator on the pipeline board, edits the deal, proposes a
// collaboration from the details panel, and the creator finds it in
// Requests marked "Collaboration" with Accept and Decline buttons; a tap on
// Accept moves the card to Negotiating on the board. A card moves between
// columns with its stage menu. Screenshots at desktop and phone width.
func TestBrowserCreatorPipeline(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	bob := w.account("bob", "Bob Stone")
	ana := w.account("ana", "Ana <b>Trails</b>")
	w.account("cy_runs", "Cy Runs")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent", "permissions": []string{"partnerships"}}, nil)

	bob.login()
	bob.do("open the creators page", chromedp.Navigate(w.base+"/brands/acme/creators"))
	bob.waitText(`#creator-board .creator-col[data-stage=prospect] h2`, "Prospect")
	for _, h := range []string{"ana", "cy_runs"} {
		bob.do("type a handle", chromedp.SendKeys(chromedp.CSS("#creator-add-handle"), h))
		bob.click("#creator-add button[type=submit]", "Add to pipeline")
		bob.waitText(`.creator-col[data-stage=prospect] .creator-card[data-handle=`+h+`] .handle`, "@"+h)
	}
	// The name is shown as text, never as markup.
	if bob.eval("markup", `!!document.querySelector('#creator-board b')`) {
		t.Error("a display name was rendered as markup")
	}
	// Move cy_runs with the card's stage menu.
	bob.do("move a card", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('.creator-card[data-handle=cy_runs] select.card-stage'); s.value = 'agreed'; s.dispatchEvent(new Event('change')); })()`))
	bob.waitText(`.creator-col[data-stage=agreed] .creator-card[data-handle=cy_runs] .handle`, "@cy_runs")
	// A deliverable past its date is flagged on the card and in the panel.
	acme.api("PATCH", "/api/v1/brands/acme/creators/cy_runs", map[string]any{"deliverables": []map[string]any{{"id": "", "title": "Unboxing video", "due_date": "2020-01-15", "done": false}}}, nil)
	bob.waitText(`.creator-card[data-handle=cy_runs] .pill[data-due=overdue]`, "1 overdue")
	bob.click(`.creator-card[data-handle=cy_runs] button[data-action=open]`, "Details")
	bob.waitText(`#creator-deliverables li .pill.due-overdue`, "Overdue")

	// Edit ana's deal and propose a collaboration.
	bob.click(`.creator-card[data-handle=ana] button[data-action=open]`, "Details")
	// ana's panel, not cy_runs's still shown while ana's loads (typing
	// into that one raced its replacement).
	bob.waitFor("ana's details panel", `() => {
		const p = document.getElementById('creator-panel');
		const h = p.querySelector('.panel-head .handle');
		return !p.hidden && !!document.getElementById('deal-form') && !!h && h.textContent === '@ana';
	}`)
	bob.do("fill in the deal", chromedp.SendKeys(chromedp.CSS("#creator-notes"), "Trail runner, 40k followers"),
		chromedp.SendKeys(chromedp.CSS("#creator-fee"), "1500"), chromedp.SendKeys(chromedp.CSS("#creator-currency"), "EUR"))
	bob.click("#add-deliverable", "Add deliverable")
	bob.do("name the deliverable", chromedp.SendKeys(chromedp.CSS(`#creator-deliverables li input[type=text]`), "Reel"))
	bob.click("#deal-save", "Save")
	bob.waitText("#creator-panel .form-ok", "Saved.")
	bob.waitText(`.creator-card[data-handle=ana] .creator-fee`, "1,500")
	bob.do("write the proposal", chromedp.SendKeys(chromedp.CSS("#outreach-text"), "Hi {{first_name|there}}, want to run with {{brand_name}} this summer?"),
		chromedp.SendKeys(chromedp.CSS("#followup-0-text"), "Any thoughts, {{first_name}}?"))
	bob.click("#outreach-send", "Send proposal")
	bob.waitText(`.creator-col[data-stage=contacted] .creator-card[data-handle=ana] .pill`, "Outreach running")
	bob.waitText("#creator-outreach-state", "1 message sent")
	bob.do("back to the board", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	bob.shotIf("60-creator-pipeline")

	// The creator finds it in Requests, marked, with the two buttons.
	ana.login()
	ana.do("requests", chromedp.Navigate(w.base+"/requests"))
	ana.click(`#conversation-list a.conv`, "Acme Outdoor")
	ana.waitText("#message-list li.msg .text", "want to run with Acme Outdoor this summer?")
	ana.waitText("#message-list li.msg .collab-label", "Collaboration")
	ana.waitText(".quick-replies button.qr", "Decline")
	ana.shotIf("61-creator-collaboration-request")
	ana.click(".quick-replies button.qr", "Accept")
	ana.waitText("#message-list li.msg .text", "will get back to you about the collaboration")

	// The open board moves the card live (creator.updated), no reload.
	bob.waitText(`.creator-col[data-stage=negotiating] .creator-card[data-handle=ana] .pill`, "Accepted")
	bob.click(`.creator-card[data-handle=ana] button[data-action=open]`, "Details")
	bob.waitText("#creator-history", "the creator accepted")
	// A tracked link for ana to share.
	bob.do("type a destination", chromedp.SendKeys(chromedp.CSS("#creator-link-url"), "https://shop.example/summer"))
	bob.click("#creator-link-form button[type=submit]", "Make a tracked link")
	bob.waitText("#creator-link code", "/l/")
	bob.waitText("#creator-results", "1 tracked link")
	if *screenshotDir != "" {
		bob.shotIf("62-creator-details")
		bob.viewport(390, 844)
		bob.shotIf("63-phone-creator-pipeline")
		ana.viewport(390, 844)
		ana.shotIf("64-phone-creator-collaboration")
	}
	// At phone width the board fits the screen: no sideways scrolling.
	bob.viewport(390, 844)
	if !bob.eval("fits", `document.documentElement.scrollWidth <= window.innerWidth + 1`) {
		t.Error("the pipeline board scrolls sideways at 390 px")
	}
}

// TestBrowserCreatorsHiddenWithoutPermission: an agent without the
// partnerships permission is told so, and sees no pipeline.
func TestBrowserCreatorsHiddenWithoutPermission(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	carol := w.account("carol", "Carol Agent")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "carol", "role": "agent"}, nil)
	carol.login()
	carol.do("open the creators page", chromedp.Navigate(w.base+"/brands/acme/creators"))
	carol.waitText("#creators-error", "partnerships permission")
	if carol.eval("cards", `document.querySelectorAll('.creator-card').length > 0`) {
		t.Error("cards shown to an agent without partnerships")
	}
}
