package web_test

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// brandAccount creates a brand account through the API.
func (w *world) brandAccount(handle, name string) *person {
	w.t.Helper()
	p := &person{w: w, t: w.t, handle: handle, name: name}
	p.api("POST", "/api/v1/accounts", map[string]any{"handle": handle, "password": password, "display_name": name, "kind": "brand"}, nil)
	var s struct {
		Token string `json:"token"`
	}
	p.api("POST", "/api/v1/sessions", map[string]any{"handle": handle, "password": password}, &s)
	p.token = s.Token
	return p
}

// TestBrowserBrandConsole: an agent answers a customer from the brand
// console: the list, the canned-reply picker rendered for the customer, a
// private note, resolving, a live reopen, and the analytics page's charts.
func TestBrowserBrandConsole(t *testing.T) {
	w := newWorld(t)
	acme, bob, dan := w.acmeTeam()
	var canned struct {
		CannedReply struct {
			ID string `json:"id"`
		} `json:"canned_reply"`
	}
	acme.api("POST", "/api/v1/brands/acme/canned-replies", map[string]any{
		"title": "Greeting", "text": "Hi {{first_name|there}}, thanks for reaching out to {{brand_name}}!"}, &canned)
	conv := dan.openConversation("", "acme")
	dan.send(conv.ID, "Where is my order #4411?")

	bob.login()
	bob.click("#nav-brands", "Brand console")
	bob.click("#my-brands a", "Acme Outdoor")
	bob.waitText("#inbox-list .inbox-item", "Dan Rossi")
	bob.waitText("#inbox-list .inbox-item", "Where is my order #4411?")
	bob.click("#inbox-list .inbox-item a", "Dan Rossi")
	bob.waitText("#inbox-customer", "Dan Rossi")
	bob.waitText("#inbox-thread li.msg.theirs .text", "Where is my order #4411?")
	// Round-robin gave the conversation to bob, the only agent.
	bob.waitFor("assigned to bob", `() => document.getElementById('inbox-assignee')?.value === 'bob'`)

	// The canned reply, rendered for Dan, lands in the composer; bob sends it.
	want := "Hi Dan, thanks for reaching out to Acme Outdoor!"
	bob.waitFor("pick the canned reply", `(id) => {
		const s = document.getElementById('inbox-canned');
		if (!s || ![...s.options].some((o) => o.value === id)) return false;
		s.value = id;
		s.dispatchEvent(new Event('change'));
		return true;
	}`, canned.CannedReply.ID)
	bob.waitFor("rendered reply in the composer", `(want) => document.getElementById('inbox-text').value === want`, want)
	bob.click("#inbox-send", "Send as @acme")
	bob.waitText("#inbox-thread li.msg.mine .text", want)
	bob.waitText("#inbox-thread li.msg.mine .msg-author", "Bob Okafor")

	// A private note shows in the thread, for the team only.
	const note = "Refund already approved by finance"
	bob.do("write a note",
		chromedp.SendKeys(chromedp.ID("inbox-text"), note),
		chromedp.Click(chromedp.ID("inbox-note")))
	bob.waitText("#inbox-thread li.note .text", note)

	// Resolve, then Dan writes again: the console reopens it live.
	bob.click("#inbox-resolve", "Resolve")
	bob.waitText("#inbox-list .status-pill", "resolved")
	dan.send(conv.ID, "Thanks! One more question.")
	bob.waitText("#inbox-thread li.msg.theirs .text", "Thanks! One more question.")
	bob.waitFor("reopened", `() => document.getElementById('inbox-set-status')?.value === 'open'`)

	// Dan sees the brand's answer and nothing of the note.
	var msgs struct {
		Messages []struct {
			Text   string `json:"text"`
			Sender struct {
				Handle string `json:"handle"`
			} `json:"sender"`
		} `json:"messages"`
	}
	dan.api("GET", "/api/v1/conversations/"+conv.ID+"/messages", nil, &msgs)
	found := false
	for _, m := range msgs.Messages {
		if strings.Contains(m.Text, "Refund") {
			t.Errorf("the customer sees the note: %q", m.Text)
		}
		if m.Text == want && m.Sender.Handle == "acme" {
			found = true
		}
	}
	if !found {
		t.Errorf("the customer does not see the brand's answer: %+v", msgs.Messages)
	}

	// The analytics page: two openings, one answered; charts drawn as SVG.
	bob.click(".console-tabs a", "Analytics")
	bob.waitText("#analytics-summary", "50%")
	bob.waitFor("charts", `() => document.querySelectorAll('svg.chart rect.bar').length >= 14`)
	bob.waitText("#analytics-agents", "Bob Okafor")

	// The brand's owner manages canned replies and business hours: a reply
	// with an unknown placeholder is refused when saved.
	acme.login()
	acme.do("open the settings", chromedp.Navigate(w.base+"/brands/acme/settings"))
	acme.waitText("#team-table", "Bob Okafor")
	acme.do("write a broken canned reply",
		chromedp.WaitVisible(chromedp.ID("canned-title")),
		chromedp.SendKeys(chromedp.ID("canned-title"), "Broken"),
		chromedp.SendKeys(chromedp.ID("canned-text"), "Hello {{nickname}}"),
		chromedp.Click(chromedp.ID("canned-save")))
	acme.waitText("#canned-error", `unknown placeholder "nickname"`)
	acme.do("fix it", clearField("canned-text"),
		chromedp.SendKeys(chromedp.ID("canned-text"), "Hello {{first_name|friend}}"),
		chromedp.Click(chromedp.ID("canned-save")))
	acme.waitText("#canned-list .canned", "Hello {{first_name|friend}}")
	acme.do("save business hours", clearField("hours-tz"),
		chromedp.SendKeys(chromedp.ID("hours-tz"), "Europe/Paris"),
		chromedp.Click(chromedp.ID("hours-save")))
	acme.waitText("#hours-form .form-ok", "Saved.")
	var set struct {
		Settings struct {
			TimeZone string `json:"time_zone"`
		} `json:"settings"`
	}
	acme.api("GET", "/api/v1/brands/acme/settings", nil, &set)
	if set.Settings.TimeZone != "Europe/Paris" {
		t.Errorf("time zone after saving: %q", set.Settings.TimeZone)
	}
}

// clearField empties an input or textarea as a person deleting its text would.
func clearField(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => {
		const t = document.getElementById(` + "`" + id + "`" + `);
		t.value = '';
		t.dispatchEvent(new Event('input', { bubbles: true }));
	})()`)
}

// TestBrandScreenshots saves the brand console's pages next to the app's
// (go test ./internal/web -run Screenshots -screenshots=DIR).
func TestBrandScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("screenshot folder not set: go test ./internal/web -run TestBrandScreenshots -screenshots=DIR")
	}
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	bob := w.account("bob", "Bob Okafor")
	w.account("carol", "Carol Nguyen")
	for _, h := range []string{"bob", "carol"} {
		acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": h, "role": "agent"}, nil)
	}
	acme.api("POST", "/api/v1/brands/acme/canned-replies", map[string]any{"title": "Greeting", "text": "Hi {{first_name|there}}, thanks for reaching out to {{brand_name}}!"}, nil)
	acme.api("POST", "/api/v1/brands/acme/canned-replies", map[string]any{"title": "Order status", "text": "Hi {{first_name|there}}, I'm checking your order right now."}, nil)
	acme.api("POST", "/api/v1/brands/acme/macros", map[string]any{"title": "Reship", "text": "Hi {{first_name|there}}, a new parcel leaves today.", "add_labels": []string{"shipping"}, "status": "pending"}, nil)
	acme.api("PUT", "/api/v1/brands/acme/service-levels", map[string]any{"first_response_minutes": 30, "next_response_minutes": 15}, nil)
	customers := []struct{ handle, name, text string }{
		{"dan", "Dan Rossi", "Where is my order #4411? It was due yesterday."},
		{"erin", "Erin Hunter", "Do you have the Ridge 45 backpack in green?"},
		{"fay", "Fay Morgan", "Can I return boots I bought in a store?"},
		{"gus", "Gus Lee", "Is the winter sale still on?"},
	}
	var first conversation
	for i, c := range customers {
		p := w.account(c.handle, c.name)
		conv := p.openConversation("", "acme")
		p.send(conv.ID, c.text)
		if i == 0 {
			first = conv
		}
	}
	bob.api("POST", "/api/v1/brands/acme/conversations/"+first.ID+"/messages", map[string]any{"text": "Hi Dan, sorry about that! Let me check with the warehouse."}, nil)
	bob.api("POST", "/api/v1/brands/acme/conversations/"+first.ID+"/notes", map[string]any{"text": "Carrier lost the parcel; reship today."}, nil)
	bob.api("PATCH", "/api/v1/brands/acme/conversations/"+first.ID, map[string]any{"labels": []string{"shipping", "vip"}, "priority": "high"}, nil)
	bob.login()
	for _, s := range []struct {
		name, path, wait string
		width, height    int64
	}{
		{"20-brand-inbox", "/brands/acme/c/" + first.ID, "#inbox-thread li.note", 1280, 900},
		{"21-brand-analytics", "/brands/acme/analytics", "svg.chart rect.bar", 1280, 900},
		{"22-brand-settings", "/brands/acme/settings", "#team-table tbody tr", 1280, 900},
		{"23-phone-brand-inbox", "/brands/acme", "#inbox-list .inbox-item", 390, 844},
		{"24-phone-brand-chat", "/brands/acme/c/" + first.ID, "#inbox-thread li.note", 390, 844},
		{"25-phone-brand-settings", "/brands/acme/settings", "#hours-days .hours-row", 390, 844},
		{"26-brand-desk", "/brands/acme/desk", "#macro-list .macro", 1280, 900},
		{"27-phone-brand-desk", "/brands/acme/desk", "#macro-list .macro", 390, 844},
	} {
		bob.do("viewport "+s.name, chromedp.EmulateViewport(s.width, s.height, chromedp.EmulateScale(2)))
		bob.do("open "+s.name, chromedp.Navigate(w.base+s.path), chromedp.WaitVisible(chromedp.CSS(s.wait)))
		bob.shot(s.name)
	}
}

// TestBrowserCannedReplyAtCaret: a canned reply picked in the console goes
// in where the agent's caret is, after what they typed; it replaced the
// whole box, and the agent's words were gone.
func TestBrowserCannedReplyAtCaret(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	var canned struct {
		CannedReply struct {
			ID string `json:"id"`
		} `json:"canned_reply"`
	}
	acme.api("POST", "/api/v1/brands/acme/canned-replies", map[string]any{"title": "Status", "text": "I'm checking your order now."}, &canned)
	conv := dan.openConversation("", "acme")
	dan.send(conv.ID, "Where is my order?")
	acme.login()
	acme.do("open the conversation", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("inbox-text")))
	acme.do("type", chromedp.SendKeys(chromedp.ID("inbox-text"), "Sorry for the wait, Dan."))
	acme.waitFor("pick the canned reply", `(id) => {
		const s = document.getElementById('inbox-canned');
		if (!s || ![...s.options].some((o) => o.value === id)) return false;
		s.focus();
		s.value = id;
		s.dispatchEvent(new Event('change'));
		return true;
	}`, canned.CannedReply.ID)
	acme.waitFor("both in the composer", `(want) => document.getElementById('inbox-text').value === want`, "Sorry for the wait, Dan. I'm checking your order now.")
}

// TestBrowserSettingsFormsLabelled: a brand alone on its team sees an
// empty state in the Team table (it showed a header row and nothing else)
// and in the canned replies; the canned reply's Title and Text and the
// team's handle and role have visible labels tied to their fields (a
// placeholder alone went away with the first letter typed); the role
// picker beside the handle has the same field look as the table's; and the
// form fits at phone width. Adding a member through it replaces the empty
// state.
func TestBrowserSettingsFormsLabelled(t *testing.T) {
	for _, size := range widths {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t)
			acme := w.brandAccount("acme", "Acme Outdoor")
			w.account("bob", "Bob Okafor")
			acme.login()
			acme.viewport(size.width, size.height)
			acme.do("open the settings", chromedp.Navigate(w.base+"/brands/acme/settings"), chromedp.WaitVisible(chromedp.ID("team-add-handle")))
			acme.waitText("#team-table tbody #team-empty td", "No team members yet. Add one by handle below.")
			acme.waitText("#canned-list #canned-empty", "No canned replies yet.")
			for id, want := range map[string]string{
				"team-add-handle": "Add a member by handle",
				"team-add-role":   "Role",
				"canned-title":    "Title",
				"canned-text":     "Text",
			} {
				got := acme.evalString(`(() => {
					const el = document.getElementById(` + "`" + id + "`" + `);
					const l = el.labels && el.labels[0];
					if (!l || l.offsetParent === null) return 'no visible label';
					if (el.hasAttribute('aria-label')) return 'an aria-label overrides the label';
					return l.querySelector('.field-label').textContent;
				})()`)
				if got != want {
					t.Errorf("#%s's label: %q, want %q", id, got, want)
				}
			}
			if !acme.eval("the form fits", `(() => {
				const card = document.getElementById('team-add').closest('.card').getBoundingClientRect();
				return [...document.querySelectorAll('#team-add input, #team-add select, #team-add button')].every((e) => {
					const r = e.getBoundingClientRect();
					return r.left >= card.left && r.right <= card.right;
				}) && document.documentElement.scrollWidth <= innerWidth;
			})()`) {
				t.Error("the add-member form overflows its card")
			}

			acme.do("add bob", chromedp.SendKeys(chromedp.ID("team-add-handle"), "bob"))
			acme.click("#team-add button[type=submit]", "Add to team")
			acme.waitText(`#team-table tr[data-member="bob"]`, "Bob Okafor")
			if acme.eval("empty state gone", `!!document.getElementById('team-empty')`) {
				t.Error("the empty state stays beside a member")
			}
			// The role picker beside the handle looks like the one in the
			// table (it had the browser's bare select).
			look := `(sel) => { const s = getComputedStyle(document.querySelector(sel));
				return [s.minHeight, s.borderTopWidth, s.borderTopColor, s.borderTopLeftRadius, s.backgroundColor, s.paddingLeft].join(' '); }`
			add := acme.evalString(`(` + look + `)('#team-add-role')`)
			row := acme.evalString(`(` + look + `)('#team-table select')`)
			if size.name == "desktop" && add != row {
				t.Errorf("the add form's role picker looks like %q, the table's like %q", add, row)
			}
			if !strings.HasPrefix(add, "38px 1px") || !strings.Contains(add, " 8px ") {
				t.Errorf("the add form's role picker has no field look: %q", add)
			}
		})
	}
}

// TestBrowserConsoleControlsKeepFocus: the conversation's controls are
// redrawn after every change and on every live event. Resolve pressed from
// the keyboard left the focus on the page (the button became Reopen), and
// a customer's message while the agent typed labels dropped the words and
// the focus.
func TestBrowserConsoleControlsKeepFocus(t *testing.T) {
	w := newWorld(t)
	_, bob, dan := w.acmeTeam()
	conv := dan.openConversation("", "acme")
	dan.send(conv.ID, "Where is my order?")

	bob.login()
	bob.do("open the conversation", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("inbox-resolve")))
	press := chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`)
	bob.do("press Resolve", chromedp.Focus(chromedp.ID("inbox-resolve")), press)
	bob.waitFor("focus on Reopen", `() => document.activeElement?.id === 'inbox-reopen'`)
	bob.do("press Reopen", press)
	bob.waitFor("focus on Resolve", `() => document.activeElement?.id === 'inbox-resolve'`)
	bob.do("pick a priority", chromedp.Focus(chromedp.ID("inbox-priority")), chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.activeElement;
		s.value = 'high';
		s.dispatchEvent(new Event('change', { bubbles: true }));
	})()`))
	bob.waitText("#inbox-thread", "none → high")
	bob.waitFor("focus on the priority", `() => document.activeElement?.id === 'inbox-priority' && document.activeElement.value === 'high'`)

	bob.do("type labels", chromedp.Focus(chromedp.ID("inbox-labels")), chromedp.SendKeys(chromedp.ID("inbox-labels"), "vip, ref"))
	dan.send(conv.ID, "Hello?")
	bob.waitText("#inbox-thread li.msg.theirs .text", "Hello?")
	bob.waitFor("the labels and the focus kept", `() => document.activeElement?.id === 'inbox-labels' && document.activeElement.value === 'vip, ref'`)
}

// TestBrowserTeamRoleKeepsFocus: a role picked from the keyboard redrew
// the team's rows and left the focus on the page; it stays on the role.
func TestBrowserTeamRoleKeepsFocus(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("bob", "Bob Okafor")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	acme.login()
	acme.do("settings", chromedp.Navigate(w.base+"/brands/acme/settings"), chromedp.WaitVisible(chromedp.CSS("#team-table tbody select")))
	acme.do("pick admin", chromedp.Evaluate[chromedp.Void](`(() => {
		const s = document.querySelector('#team-table select[aria-label="Role of Bob Okafor"]');
		window.__before = s;
		s.focus();
		s.value = 'admin';
		s.dispatchEvent(new Event('change', { bubbles: true }));
	})()`))
	acme.waitFor("redrawn", `() => !window.__before.isConnected`)
	acme.waitFor("the focus on the role", `() => {
		const a = document.activeElement;
		return a && a.getAttribute('aria-label') === 'Role of Bob Okafor' && a.value === 'admin';
	}`)
	var r struct {
		Members []struct {
			Role string `json:"role"`
		} `json:"members"`
	}
	acme.api("GET", "/api/v1/brands/acme/team", nil, &r)
	if len(r.Members) != 1 || r.Members[0].Role != "admin" {
		t.Errorf("team after the change: %+v", r.Members)
	}
}

// acmeTeam makes the brand acme with bob on its team as an agent, and dan,
// a customer.
func (w *world) acmeTeam() (acme, bob, dan *person) {
	acme = w.brandAccount("acme", "Acme Outdoor")
	bob, dan = w.account("bob", "Bob Okafor"), w.account("dan", "Dan Rossi")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	return acme, bob, dan
}
