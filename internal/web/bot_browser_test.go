package web_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// botWorld is a brand with its bot on: an order flow started by the ice
// breaker and the menu entry (payload ORDER), a keyword rule, and bob on
// the team as an agent.
type botWorld struct {
	w    *world
	acme *person
	bob  *person
	rule string
}

func newBotWorld(t *testing.T) *botWorld {
	w := newWorld(t)
	bw := &botWorld{w: w, acme: w.brandAccount("acme", "Acme Outdoor"), bob: w.account("bob", "Bob Okafor")}
	acme := bw.acme
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	var flow struct {
		Flow struct {
			ID string `json:"id"`
		} `json:"flow"`
	}
	acme.api("POST", "/api/v1/brands/acme/automation/flows", map[string]any{"name": "Orders", "steps": []map[string]any{
		{"id": "start", "text": "What about your order?", "options": []map[string]any{{"title": "Where is it?", "next": "where"}, {"title": "A person", "handoff": true}}},
		{"id": "where", "text": "It ships within 2 days.", "options": []map[string]any{{"title": "Thanks"}}},
	}}, &flow)
	// A full replace: every setting is sent ([] and 0 are the defaults).
	acme.api("PUT", "/api/v1/brands/acme/automation", map[string]any{"enabled": true, "handoff_words": []string{}, "loop_guard": 0,
		"handoff_message": "A person from our team will answer you here shortly.",
		"ice_breakers":    []map[string]string{{"title": "Where is my order?", "payload": "ORDER"}, {"title": "Do you ship abroad?", "payload": "ABROAD"}},
		"menu":            []map[string]string{{"title": "My order", "payload": "ORDER"}, {"title": "Returns", "payload": "RETURNS"}}}, nil)
	acme.api("POST", "/api/v1/brands/acme/automation/rules", map[string]any{"name": "Orders", "enabled": true,
		"trigger": map[string]any{"type": "quick_reply", "payload": "ORDER"},
		"actions": []map[string]any{{"type": "start_flow", "value": flow.Flow.ID}}}, nil)
	var rule struct {
		Rule struct {
			ID string `json:"id"`
		} `json:"rule"`
	}
	acme.api("POST", "/api/v1/brands/acme/automation/rules", map[string]any{"name": "Opening hours", "enabled": true,
		"trigger": map[string]any{"type": "keyword", "keywords": []string{"open", "hours"}},
		"actions": []map[string]any{{"type": "reply", "text": "Hi {{first_name|there}}, we are open 9 to 5."}}}, &rule)
	bw.rule = rule.Rule.ID
	return bw
}

// draftAndConsole signs in bob, the agent, on the brand's console, and a
// new customer, dan, on a draft of his first conversation with the brand.
func (bw *botWorld) draftAndConsole() (dan, bob *person) {
	dan, bob = bw.w.account("dan", "Dan Rossi"), bw.bob
	bob.login()
	bob.do("open the console", chromedp.Navigate(bw.w.base+"/brands/acme"), chromedp.WaitVisible(chromedp.ID("inbox-list")))
	dan.login()
	dan.do("open a draft to the brand", chromedp.Navigate(bw.w.base+"/new/@acme"), chromedp.WaitVisible(chromedp.ID("composer-text")))
	return dan, bob
}

// TestBrowserBotCustomer: a customer opening a first conversation with a
// brand sees its ice breakers; tapping one starts the flow, whose message
// is marked automated with its quick replies as buttons; tapping a button
// shows the flow's next message and retires the answered buttons; the menu
// lists its entries; "Talk to a person" hands off, and the agent's console
// shows the hand-off live.
func TestBrowserBotCustomer(t *testing.T) {
	bw := newBotWorld(t)
	// A first conversation starts as a draft (no conversation exists yet):
	// the ice breakers show there, and tapping one creates it.
	dan, bob := bw.draftAndConsole()
	dan.waitText("#ice-breakers .ice", "Do you ship abroad?")
	dan.click("#ice-breakers .ice", "Where is my order?")
	// The tap is the customer's message, and the bot answers with buttons.
	dan.waitText("#message-list li.msg.mine .text", "Where is my order?")
	dan.waitText("#message-list li.msg.theirs .text", "What about your order?")
	dan.waitText("#message-list li.msg.theirs .bot-label", "Automated")
	dan.waitFor("ice breakers gone", `() => !document.getElementById('ice-breakers')`)
	conv := conversation{ID: dan.currentConversation()}
	dan.waitFor("live buttons", `() => [...document.querySelectorAll('#message-list .quick-replies button.qr')].filter((b) => !b.disabled).length === 2`)

	// A keyboard user reaches the button and presses it.
	dan.waitFor("focus and press the quick reply", `() => {
		const b = [...document.querySelectorAll('#message-list .quick-replies button.qr')].find((b) => b.textContent === 'Where is it?' && !b.disabled);
		if (!b) return false;
		b.focus();
		if (document.activeElement !== b) return false;
		b.click();
		return true;
	}`)
	dan.waitText("#message-list li.msg.theirs .text", "It ships within 2 days.")
	dan.waitFor("answered buttons inactive", `() => {
		const first = [...document.querySelectorAll('#message-list li.msg.theirs')].find((l) => l.querySelector('.text').textContent === 'What about your order?');
		return first && [...first.querySelectorAll('button.qr')].every((b) => b.disabled);
	}`)
	dan.waitFor("the newest step's button is live", `() => [...document.querySelectorAll('#message-list button.qr')].some((b) => b.textContent === 'Thanks' && !b.disabled)`)

	// The persistent menu opens from its button near the composer.
	dan.click("#bot-menu-button", "Menu")
	dan.waitFor("menu open", `() => document.getElementById('bot-menu-button').getAttribute('aria-expanded') === 'true' && document.activeElement?.textContent === 'My order'`)
	dan.waitText("#bot-menu .menu-item", "Returns")

	// "Talk to a person" hands off: the bot confirms, the agent is told live.
	dan.click("#bot-handoff", "Talk to a person")
	dan.waitText("#message-list li.msg.theirs .text", "A person from our team will answer you here shortly.")
	bob.waitText("#handoff-notices .handoff-notice", "Dan Rossi")
	bob.waitText("#handoff-notices .handoff-notice", "asked to talk to a person")

	// The server saw the payloads: three bot messages, all automated.
	var msgs struct {
		Messages []struct {
			Text      string `json:"text"`
			Automated bool   `json:"automated"`
		} `json:"messages"`
	}
	dan.api("GET", "/api/v1/conversations/"+conv.ID+"/messages", nil, &msgs)
	bot := 0
	for _, m := range msgs.Messages {
		if m.Automated {
			bot++
		}
	}
	if bot != 3 {
		t.Errorf("automated messages: %d, want 3 (flow step, next step, hand-off): %+v", bot, msgs.Messages)
	}

	// At phone width the bot's buttons stay within the screen.
	dan.do("phone width", chromedp.EmulateViewport(390, 844))
	dan.waitFor("no sideways scrolling at 390px", `() => document.documentElement.scrollWidth <= 390 && document.getElementById('bot-handoff').getBoundingClientRect().right <= 390`)
}

// TestBrowserBotConsole: the owner edits a rule in the console (a bad
// button title shows the server's message beside that field), disables and
// reorders rules and dry-runs; an agent reads the page without the editing
// controls; the page fits a phone.
func TestBrowserBotConsole(t *testing.T) {
	bw := newBotWorld(t)
	acme := bw.acme
	acme.login()
	acme.do("open automation", chromedp.Navigate(bw.w.base+"/brands/acme/automation"))
	acme.waitText("#rule-list li.rule", "Opening hours")
	acme.waitFor("settings loaded", `() => document.getElementById('bot-enabled')?.checked === true`)

	acme.click(`#rule-list li[data-rule="`+bw.rule+`"] [data-action=edit]`, "Edit")
	acme.do("rename and add a button",
		chromedp.WaitVisible(chromedp.ID("rule-name")),
		clearField("rule-name"),
		chromedp.SendKeys(chromedp.ID("rule-name"), "Hours and address"))
	acme.click("#rule-editor button", "Add button")
	// The title's limit shows before saving: 0/20 beside its label, and
	// typing stops at 20.
	acme.do("a title too long",
		chromedp.WaitVisible(chromedp.CSS(`[data-field="actions[0].quick_replies[0].title"]`)))
	acme.waitFor("the limit shown", `() => {
		const input = document.querySelector('[data-field="actions[0].quick_replies[0].title"]');
		const count = document.getElementById(input.dataset.describedby);
		return input.maxLength === 20 && count && count.offsetParent !== null && count.textContent === '0/20' &&
			input.getAttribute('aria-describedby') === count.id && count.closest('.field') === input.closest('.field');
	}`)
	acme.do("type past it",
		chromedp.SendKeys(chromedp.CSS(`[data-field="actions[0].quick_replies[0].title"]`), "Where can I find your shop?"))
	acme.waitFor("stopped at 20", `() => {
		const input = document.querySelector('[data-field="actions[0].quick_replies[0].title"]');
		return input.value === 'Where can I find you' && document.getElementById(input.dataset.describedby).textContent === '20/20';
	}`)
	// The server's refusal still shows beside the field: an empty title.
	acme.do("no title", chromedp.Evaluate[chromedp.Void](`(() => {
		const t = document.querySelector('[data-field="actions[0].quick_replies[0].title"]');
		t.value = '';
		t.dispatchEvent(new Event('input', { bubbles: true }));
	})()`),
		chromedp.SendKeys(chromedp.CSS(`[data-field="actions[0].quick_replies[0].payload"]`), "ADDRESS"),
		chromedp.Click(chromedp.ID("rule-save")))
	acme.waitFor("the error beside the field", `() => {
		const input = document.querySelector('[data-field="actions[0].quick_replies[0].title"]');
		const err = document.querySelector('.field-error[data-error-for="actions[0].quick_replies[0].title"]');
		return input && err && input.getAttribute('aria-invalid') === 'true' &&
			input.getAttribute('aria-describedby') === err.id + ' ' + input.dataset.describedby && err.textContent !== '' && !err.textContent.includes('actions[0]') &&
			input.closest('.qr-row').nextElementSibling === err;
	}`)
	acme.do("fix the title", chromedp.Evaluate[chromedp.Void](`(() => {
		const t = document.querySelector('[data-field="actions[0].quick_replies[0].title"]');
		t.value = 'Address';
		t.dispatchEvent(new Event('input', { bubbles: true }));
	})()`), chromedp.Click(chromedp.ID("rule-save")))
	acme.waitText("#rule-list li.rule .rule-name", "Hours and address")
	acme.waitFor("editor closed", `() => !document.getElementById('rule-editor')`)

	var rules struct {
		Rules []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Enabled bool   `json:"enabled"`
			Actions []struct {
				QuickReplies []struct {
					Title   string `json:"title"`
					Payload string `json:"payload"`
				} `json:"quick_replies"`
			} `json:"actions"`
		} `json:"rules"`
	}
	acme.api("GET", "/api/v1/brands/acme/automation/rules", nil, &rules)
	if len(rules.Rules) != 2 || rules.Rules[1].Name != "Hours and address" || len(rules.Rules[1].Actions[0].QuickReplies) != 1 ||
		rules.Rules[1].Actions[0].QuickReplies[0].Title != "Address" || rules.Rules[1].Actions[0].QuickReplies[0].Payload != "ADDRESS" {
		t.Fatalf("rules after the edit: %+v", rules.Rules)
	}

	// Move it up, then switch it off.
	acme.click(`#rule-list li[data-rule="`+bw.rule+`"] button[aria-label="Move rule Hours and address up"]`, "↑")
	acme.waitFor("moved first", `(id) => document.querySelector('#rule-list li.rule')?.dataset.rule === id`, bw.rule)
	acme.waitFor("toggle the rule", `(id) => {
		const c = document.querySelector('#rule-list li[data-rule="' + id + '"] input[type=checkbox]');
		if (!c || c.disabled) return false;
		c.click();
		return true;
	}`, bw.rule)
	acme.waitFor("shown off", `(id) => document.querySelector('#rule-list li[data-rule="' + id + '"]')?.classList.contains('off')`, bw.rule)
	acme.api("GET", "/api/v1/brands/acme/automation/rules", nil, &rules)
	if rules.Rules[0].ID != bw.rule || rules.Rules[0].Enabled {
		t.Fatalf("after moving up and disabling: %+v", rules.Rules)
	}
	acme.waitFor("toggle the rule", `(id) => {
		const c = document.querySelector('#rule-list li[data-rule="' + id + '"] input[type=checkbox]');
		if (!c || c.disabled) return false;
		c.click();
		return true;
	}`, bw.rule)
	acme.waitFor("on again", `(id) => !document.querySelector('#rule-list li[data-rule="' + id + '"]')?.classList.contains('off')`, bw.rule)

	// A dry run shows the reply and its button; nothing is sent.
	acme.do("dry run", chromedp.SendKeys(chromedp.ID("dry-text"), "Are you open on Sunday?"), chromedp.Click(chromedp.ID("dry-run")))
	acme.waitText("#dry-reply-text", "Hi there, we are open 9 to 5.")
	acme.waitText("#dry-result .quick-replies .qr", "Address")
	acme.waitText("#dry-log", "Hours and address")

	// An agent reads but has no editing controls.
	bob := bw.bob
	bob.login()
	bob.do("agent opens automation", chromedp.Navigate(bw.w.base+"/brands/acme/automation"))
	bob.waitText("#rule-list li.rule", "Hours and address")
	bob.waitFor("read-only", `() => document.querySelector('.console-automation').classList.contains('readonly') &&
		document.getElementById('rule-new').offsetParent === null && document.getElementById('bot-enabled').disabled`)

	// The console at phone width: nothing wider than the screen.
	acme.do("phone width", chromedp.EmulateViewport(390, 844), chromedp.Reload())
	acme.waitText("#rule-list li.rule", "Hours and address")
	acme.waitFor("fits 390px", `() => document.documentElement.scrollWidth <= 390`)
	acme.click(`#rule-list li[data-rule="`+bw.rule+`"] [data-action=edit]`, "Edit")
	acme.waitFor("editor fits 390px", `() => document.getElementById('rule-editor') && document.documentElement.scrollWidth <= 390`)
}

// TestBotScreenshots saves the bot's pages (go test ./internal/web -run
// BotScreenshots -screenshots=DIR).
func TestBotScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("screenshot folder not set: go test ./internal/web -run TestBotScreenshots -screenshots=DIR")
	}
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	bw := newBotWorld(t)
	dan := bw.w.account("dan", "Dan Rossi")
	erin := bw.w.account("erin", "Erin Hunter")
	conv := dan.openConversation("", "acme")
	dan.api("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": "Where is my order?", "quick_reply_payload": "ORDER"}, nil)
	dan.login()
	for _, s := range []struct {
		name, path, wait string
		w, h             int64
	}{
		{"30-bot-first", "/new/@acme", "#ice-breakers", 1280, 800},
		{"31-bot-flow", "/c/" + conv.ID, "#message-list button.qr", 1280, 800},
		{"32-phone-bot-first", "/new/@acme", "#ice-breakers", 390, 844},
		{"33-phone-bot-flow", "/c/" + conv.ID, "#message-list button.qr", 390, 844},
	} {
		p := dan
		if s.path == "/new/@acme" {
			p = erin
			if p.ctx == nil {
				p.login()
			}
		}
		p.do("viewport "+s.name, chromedp.EmulateViewport(s.w, s.h, chromedp.EmulateScale(2)))
		p.do("open "+s.name, chromedp.Navigate(bw.w.base+s.path), chromedp.WaitVisible(chromedp.CSS(s.wait)))
		if s.name == "33-phone-bot-flow" {
			p.click("#bot-menu-button", "Menu")
		}
		p.shot(s.name)
	}
	acme := bw.acme
	acme.login()
	for _, s := range []struct {
		name string
		w, h int64
	}{{"34-automation", 1280, 1600}, {"35-phone-automation", 390, 844}} {
		acme.do("viewport "+s.name, chromedp.EmulateViewport(s.w, s.h, chromedp.EmulateScale(2)))
		acme.do("open "+s.name, chromedp.Navigate(bw.w.base+"/brands/acme/automation"))
		acme.waitText("#rule-list li.rule", "Opening hours")
		acme.shot(s.name)
	}
	acme.click(`#rule-list li[data-rule="`+bw.rule+`"] [data-action=edit]`, "Edit")
	acme.click("#rule-editor button", "Add button")
	acme.do("bad title (none)",
		chromedp.SendKeys(chromedp.CSS(`[data-field="actions[0].quick_replies[0].payload"]`), "ADDRESS"),
		chromedp.Click(chromedp.ID("rule-save")))
	acme.waitFor("error", `() => document.querySelector('.field-error')`)
	acme.shot("36-phone-rule-error")
	acme.do("desktop", chromedp.EmulateViewport(1280, 1000, chromedp.EmulateScale(2)))
	acme.do("dry run", chromedp.SendKeys(chromedp.ID("dry-text"), "Are you open on Sunday?"), chromedp.Click(chromedp.ID("dry-run")),
		chromedp.ScrollIntoView(chromedp.ID("dry-form")))
	acme.waitText("#dry-reply-text", "open 9 to 5")
	acme.shot("37-dry-run")

	// The agent's inbox when the customer asks for a person.
	bob := bw.bob
	bob.login()
	bob.do("console", chromedp.EmulateViewport(1280, 800, chromedp.EmulateScale(2)),
		chromedp.Navigate(bw.w.base+"/brands/acme/c/"+conv.ID), chromedp.WaitVisible(chromedp.CSS("#inbox-thread li.msg.automated")))
	var prof struct {
		Bot struct {
			Handoff struct {
				Title   string `json:"title"`
				Payload string `json:"payload"`
			} `json:"handoff"`
		} `json:"bot"`
	}
	dan.api("GET", "/api/v1/accounts/acme", nil, &prof)
	dan.api("POST", "/api/v1/conversations/"+conv.ID+"/messages", map[string]any{"text": prof.Bot.Handoff.Title, "quick_reply_payload": prof.Bot.Handoff.Payload}, nil)
	bob.waitText("#handoff-notices .handoff-notice", "Dan Rossi")
	bob.shot("38-console-handoff")
}

// TestBrowserBotMenuKeepsFocus: a customer who opened the brand's menu
// from the keyboard (the focus on its first entry) keeps that focus when a
// message arrives meanwhile (an agent's answer), which redraws the bot's
// bar: the focus is not dropped to the page.
func TestBrowserBotMenuKeepsFocus(t *testing.T) {
	bw := newBotWorld(t)
	dan, bob := bw.draftAndConsole()
	dan.write("Hi, when are you open?")
	dan.waitText("#message-list li.msg.theirs .text", "we are open 9 to 5")
	dan.click("#bot-menu-button", "Menu")
	dan.waitFor("the first entry focused", `() => document.activeElement?.textContent === 'My order'`)
	bob.click("#inbox-list a", "Dan Rossi")
	bob.do("answer", chromedp.SendKeys(chromedp.CSS(".console-composer textarea"), "Hello Dan, Bob here"))
	bob.click(".console-composer button[type=submit]", "Send")
	dan.waitText("#message-list li.msg.theirs .text", "Hello Dan, Bob here")
	if !dan.eval("the focus after the message", `document.activeElement?.textContent === 'My order' && document.getElementById('bot-menu-button').getAttribute('aria-expanded') === 'true'`) {
		t.Error("the agent's message arriving took the focus out of the open menu")
	}
}

// TestBrowserRuleEditorKeepsFocus: the rule and flow editors are drawn
// again after every change of their shape; the keyboard focus now stays on
// a select changed with the arrow keys, goes to the new row's first field
// after an Add, and to the next row's × after a × (the list's Add once it
// is empty). It fell to the page each time.
func TestBrowserRuleEditorKeepsFocus(t *testing.T) {
	bw := newBotWorld(t)
	acme := bw.acme
	acme.login()
	acme.do("automation", chromedp.Navigate(bw.w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.ID("rule-new")))
	acme.click("#rule-new", "New rule")
	acme.do("the editor", chromedp.WaitVisible(chromedp.ID("rule-editor")))
	focused := `(want) => {
		const a = document.activeElement;
		return !!a && (a.getAttribute('data-field') === want || a.getAttribute('aria-label') === want || a.textContent === want);
	}`
	press := chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`)
	// The trigger chosen with the arrow keys: each step redraws the form.
	acme.do("trigger by keyboard", chromedp.Focus(chromedp.ID("rule-trigger")), pressKey("ArrowDown", 40))
	acme.waitFor("the trigger select keeps the focus", focused, "trigger.type")
	acme.do("and again", pressKey("ArrowDown", 40))
	acme.waitFor("still the trigger select", focused, "trigger.type")
	// Add condition twice: the new condition's select each time.
	acme.do("add a condition", chromedp.Focus(chromedp.CSS(`#rule-editor [data-adds][data-list=conditions]`)), press)
	acme.waitFor("condition 1's select", focused, "conditions[0].type")
	acme.do("add another", chromedp.Focus(chromedp.CSS(`#rule-editor [data-adds][data-list=conditions]`)), press)
	acme.waitFor("condition 2's select", focused, "conditions[1].type")
	// × on the first: the next one's ×, now the first; then the list's Add.
	acme.do("remove condition 1", chromedp.Focus(chromedp.CSS(`#rule-editor [aria-label="Remove condition 1"]`)), press)
	acme.waitFor("the remaining condition's ×", focused, "Remove condition 1")
	acme.do("remove it", press)
	acme.waitFor("Add condition", focused, "Add condition")
	// A quick-reply button of the reply action: its title.
	acme.do("add a button", chromedp.Focus(chromedp.CSS(`#rule-editor [data-adds][data-list="actions[0].quick_replies"]`)), press)
	acme.waitFor("the button's title", focused, "actions[0].quick_replies[0].title")
}

// TestBrowserQuickReplyRowsApart: the bot settings' ice breakers stand
// apart, pair from pair, at both widths; at 390 px they touched (0 px) and
// a pair's Title read as part of the pair above it.
func TestBrowserQuickReplyRowsApart(t *testing.T) {
	bw := newBotWorld(t)
	acme := bw.acme
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		acme.do("automation", chromedp.Navigate(bw.w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.CSS(`[data-field="ice_breakers"] .qr-row`)))
		gap := acme.evalString(`(() => {
			const rows = document.querySelectorAll('[data-field="ice_breakers"] .qr-row');
			return String(Math.round(rows[1].getBoundingClientRect().top - rows[0].getBoundingClientRect().bottom));
		})()`)
		if n, _ := strconv.Atoi(gap); n < 10 {
			t.Errorf("%s: the ice breakers are %s px apart", size.name, gap)
		}
	}
}

// TestBrowserBotEmptyListsSaid: an agent (who reads the bot, and has no
// Add) saw "Ice breakers" and "Persistent menu" over nothing when the
// brand has none; each says "None yet."
func TestBrowserBotEmptyListsSaid(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	bob := w.account("bob", "Bob Okafor")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	bob.login()
	bob.do("automation", chromedp.Navigate(w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.ID("bot-enabled")))
	bob.waitFor("both lists say they are empty", `() => ['Ice breakers', 'Persistent menu'].every((t) => {
		const f = [...document.querySelectorAll('#bot-settings fieldset')].find((f) => f.querySelector('legend').textContent.startsWith(t));
		const none = f && f.querySelector('.qr-none');
		return none && none.offsetParent !== null && none.textContent === 'None yet.';
	})`)
	bob.shotIf("bot-empty-lists")
}
