package web_test

// Defects found by walking the app at 1280 and 390 pixels wide as a person
// does: each check failed before its fix.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fitsJS names what sticks out: the page scrolling sideways, or a field,
// button or table reaching past the edge of the card it sits in (unless a
// box that scrolls sideways holds it).
const fitsJS = `(() => {
	const out = [];
	if (document.documentElement.scrollWidth > innerWidth) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
	for (const e of document.querySelectorAll('input, select, textarea, button, table')) {
		const r = e.getBoundingClientRect();
		if (!r.width) continue;
		for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
			if (/(auto|scroll)/.test(getComputedStyle(p).overflowX)) break;
			if (!p.classList.contains('card')) continue;
			const q = p.getBoundingClientRect();
			if (r.right > q.right + 1 || r.left < q.left - 1) out.push((e.id || e.tagName.toLowerCase()) + ' reaches past its card');
			break;
		}
	}
	return out.join('; ');
})()`

// TestBrowserPhoneFits: at 390 px the console's pages fit the screen: the
// agents and team tables scroll inside their card, a day of business hours
// wraps under its name, and the rule editor's selects stay in its card (a
// fieldset grew to its widest select).
func TestBrowserPhoneFits(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("bob", "Bob Okafor")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	acme.login()
	acme.viewport(390, 844)
	for _, pg := range []struct{ name, path, wait string }{
		{"analytics", "/brands/acme/analytics", "#analytics-agents"},
		{"settings", "/brands/acme/settings", "#hours-days .hours-row"},
		{"automation", "/brands/acme/automation", "#rule-new"},
	} {
		acme.do("open "+pg.name, chromedp.Navigate(w.base+pg.path), chromedp.WaitVisible(chromedp.CSS(pg.wait)))
		if pg.name == "settings" {
			acme.waitText("#team-table", "Bob Okafor")
			// A day's checkbox stays a checkbox beside the day's name (on its
			// own line, ".inline input" stretched it across the row).
			if got, _ := strconv.Atoi(acme.evalString(`String(Math.round(document.querySelector('#hours-days .hours-row .choice input').getBoundingClientRect().width))`)); got > 24 {
				t.Errorf("a day's checkbox is %d px wide", got)
			}
		}
		if pg.name == "automation" {
			acme.click("#rule-new", "New rule")
			acme.do("the rule editor", chromedp.WaitVisible(chromedp.ID("rule-trigger")))
		}
		if got := acme.evalString(fitsJS); got != "" {
			t.Errorf("%s at 390 px: %s", pg.name, got)
		}
	}
}

// TestBrowserPeopleSearchPhone: at 390 px the top bar's search box is
// narrow; its results take the screen's width, so a name and handle can be
// read (they were cut to "B.." in a 93 px list).
func TestBrowserPeopleSearchPhone(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	w.account("bob", "Bob Builder")
	alice.login()
	alice.viewport(390, 844)
	alice.do("search", chromedp.SendKeys(chromedp.ID("people-search"), "bo"))
	alice.waitText("#people-search-results", "Bob Builder")
	alice.waitFor("wide enough to read, on the screen", `() => {
		const r = document.getElementById('people-search-results').getBoundingClientRect();
		const name = document.querySelector('#people-search-results .name');
		return r.width >= 300 && r.left >= 0 && r.right <= innerWidth && name.scrollWidth <= name.clientWidth;
	}`)
}

// TestBrowserEmptyStates: the inbox's empty pane centres its two buttons
// under its text (they sat flush left of the column), and the list of brand
// consoles has no list bullets.
func TestBrowserEmptyStates(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("alice", "Alice Liddell")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "alice", "role": "agent"}, nil)
	alice := &person{w: w, t: t, handle: "alice"}
	alice.login()
	alice.do("inbox", chromedp.Navigate(w.base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(".empty-pane .btn")))
	if got := alice.evalString(`(() => {
		const pane = document.querySelector('.empty-pane').getBoundingClientRect();
		const mid = pane.left + pane.width / 2;
		return [...document.querySelectorAll('.empty-pane .btn')].filter((b) => {
			const r = b.getBoundingClientRect();
			return Math.abs(r.left + r.width / 2 - mid) > 2;
		}).map((b) => b.textContent).join(', ');
	})()`); got != "" {
		t.Errorf("not centred in the empty pane: %s", got)
	}
	alice.do("brands", chromedp.Navigate(w.base+"/brands"), chromedp.WaitVisible(chromedp.CSS("#my-brands a")))
	if got := alice.evalString(`getComputedStyle(document.querySelector('#my-brands li')).listStyleType`); got != "none" {
		t.Errorf("brand consoles list marker: %q, want none", got)
	}
}

// TestBrowserConsoleEmptySend: "Send as @acme" or "Add private note" with
// nothing written says so and puts the cursor in the box; the buttons did
// nothing at all.
func TestBrowserConsoleEmptySend(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	conv := dan.openConversation("", "acme")
	dan.send(conv.ID, "Where is my order?")
	acme.login()
	acme.do("open the conversation", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("inbox-send")))
	acme.click("#inbox-send", "Send as @acme")
	acme.waitText("#inbox-chat .form-error", "Write a reply first.")
	acme.waitFor("the cursor in the reply box", `() => document.activeElement?.id === 'inbox-text'`)
	acme.click("#inbox-note", "Add private note")
	acme.waitText("#inbox-chat .form-error", "Write the note first.")
	// Writing clears the message.
	acme.do("write", chromedp.SendKeys(chromedp.ID("inbox-text"), "On its way"))
	acme.waitFor("the message gone", `() => ![...document.querySelectorAll('#inbox-chat .form-error')].some((e) => e.textContent)`)
}

// noNullJS names text nodes that read "null" or "undefined": a value the
// page meant to leave out, printed.
const noNullJS = `(() => {
	const out = [];
	const tw = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let n; (n = tw.nextNode());) {
		if (/^(null|undefined)$/.test(n.textContent.trim())) out.push(n.textContent + ' in ' + n.parentElement.className);
	}
	return out.join('; ');
})()`

// TestBrowserNoNullText: a profile without a bio, a brand's profile and a
// creator's details panel before any outreach show no stray "null" (the
// profile printed it under everyone without a bio, the panel at its top).
func TestBrowserNoNullText(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("bob", "Bob Builder")
	alice := w.account("alice", "Alice Liddell")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "alice", "role": "agent", "permissions": []string{"partnerships"}}, nil)
	alice.login()
	for _, who := range []string{"bob", "acme", "alice"} {
		alice.do("open @"+who, chromedp.Navigate(w.base+"/@"+who))
		alice.waitFor("@"+who+"'s profile", `(who) => location.pathname === '/@' + who && document.querySelector('.profile:not([aria-busy]) .counts')`, who)
		if got := alice.evalString(noNullJS); got != "" {
			t.Errorf("@%s's profile: %s", who, got)
		}
	}
	alice.do("open the creators page", chromedp.Navigate(w.base+"/brands/acme/creators"),
		chromedp.WaitVisible(chromedp.ID("creator-add-handle")), chromedp.SendKeys(chromedp.ID("creator-add-handle"), "bob"))
	alice.click("#creator-add button[type=submit]", "Add to pipeline")
	alice.click(`.creator-card[data-handle=bob] button[data-action=open]`, "Details")
	alice.do("the panel", chromedp.WaitVisible(chromedp.ID("deal-form")))
	if got := alice.evalString(noNullJS); got != "" {
		t.Errorf("creator panel: %s", got)
	}
}

// groupDetails logs Alice in with the group "Trip" (Bob, Carol, one
// message) open and its details panel showing.
func groupDetails(t *testing.T) *person {
	t.Helper()
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	w.account("bob", "Bob Builder")
	w.account("carol", "Carol Danvers")
	group := alice.openConversation("Trip", "bob", "carol")
	alice.send(group.ID, "Who drives?")
	alice.login()
	alice.do("open the group", chromedp.Navigate(w.base+"/c/"+group.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.click(".chat-head button", "Details")
	return alice
}

// TestBrowserDetailsKeepFocus: in a group's details, Rename, Mute and
// Remove redraw the panel; the keyboard focus stays on the button pressed
// (on the next member's Remove after a removal) instead of falling to the
// page, where a keyboard or screen reader user lost their place.
func TestBrowserDetailsKeepFocus(t *testing.T) {
	alice := groupDetails(t)
	alice.do("rename", chromedp.WaitVisible(chromedp.ID("rename-title")), clearField("rename-title"), chromedp.SendKeys(chromedp.ID("rename-title"), "Camping"))
	press := func(sel string) {
		t.Helper()
		alice.waitFor("press "+sel, `(sel) => {
			const b = document.querySelector(sel);
			if (!b || b.disabled) return false;
			b.focus();
			b.click();
			return true;
		}`, sel)
	}
	press(`#chat-details [data-key=rename]`)
	alice.waitFor("renamed, focus on Rename", `() => document.getElementById('chat-title').textContent === 'Camping' &&
		document.activeElement?.getAttribute('data-key') === 'rename'`)
	press(`#chat-details [data-key=mute]`)
	alice.waitFor("muted, focus on Unmute", `() => document.activeElement?.getAttribute('data-key') === 'mute' && document.activeElement.textContent === 'Unmute'`)
	press(`#chat-details [data-key=remove-bob]`)
	alice.waitFor("bob removed, focus on carol's Remove", `() => !document.querySelector('#chat-details [data-key=remove-bob]') &&
		document.activeElement?.getAttribute('data-key') === 'remove-carol'`)
}

// TestBrowserFocusAfterLeaving: deleting a request, or a conversation from
// its details, brings the person back to the folder with the keyboard focus
// on the folder's tab; it fell to the top of the page with the removed
// button.
func TestBrowserFocusAfterLeaving(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	carol := w.account("carol", "Carol Danvers")
	req := carol.openConversation("", "alice")
	carol.send(req.ID, "Hi! A request")
	direct := alice.openConversation("", "bob")
	alice.send(direct.ID, "Hello")
	bob.send(direct.ID, "Hi")
	press := func(sel, text string) {
		t.Helper()
		alice.waitFor("press "+text, `(sel, text) => {
			const b = [...document.querySelectorAll(sel)].find((b) => b.textContent === text && !b.disabled);
			if (!b) return false;
			b.focus();
			b.click();
			return true;
		}`, sel, text)
	}
	alice.login()
	alice.do("open the request", chromedp.Navigate(w.base+"/c/"+req.ID), chromedp.WaitVisible(chromedp.CSS(".request-banner")))
	press(".request-banner button", "Delete")
	alice.waitFor("on Requests, its tab focused", `() => location.pathname === '/requests' &&
		document.activeElement?.matches('.tabs [aria-current=page]') && document.activeElement.textContent.startsWith('Requests')`)
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+direct.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.click(".chat-head button", "Details")
	press("#chat-details button", "Delete conversation")
	press("#chat-details button", "Delete for me")
	alice.waitFor("on Inbox, its tab focused", `() => location.pathname === '/inbox' &&
		document.activeElement?.matches('.tabs [aria-current=page]') && document.activeElement.textContent.startsWith('Inbox')`)
	// The tabs are drawn again when a message arrives (its badge): the
	// focus stays on the tab (it fell to the page under -race in CI, when
	// the deletion's own event redrew them after the focus moved).
	other := bob.openConversation("", "alice")
	bob.send(other.ID, "Still there?")
	alice.waitFor("the new message listed, Inbox's tab still focused", `() => document.querySelector('.conv-list')?.textContent.includes('Still there?') &&
		document.activeElement?.matches('.tabs [aria-current=page]') && document.activeElement.textContent.startsWith('Inbox')`)
}

// TestBrowserConsoleReplyFocusRing: the console's reply box shows the
// focus ring like every other field (the chat composer's rule, which rings
// the composer's row instead, took it away).
func TestBrowserConsoleReplyFocusRing(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	conv := dan.openConversation("", "acme")
	dan.send(conv.ID, "Where is my order?")
	acme.login()
	acme.do("open the conversation", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("inbox-text")),
		chromedp.Focus(chromedp.ID("inbox-text")))
	if got := acme.evalString(`getComputedStyle(document.getElementById('inbox-text')).boxShadow`); got == "none" || got == "" {
		t.Errorf("the focused reply box has no ring (box-shadow %q)", got)
	}
}

// TestBrowserDeleteConversationAsks: Delete conversation in the details of a
// direct chat asks first, as Unsend does (one click cleared the person's
// history): the first press offers "Delete for me" (focused) and "Keep it",
// with what it does; Keep it goes back and nothing is deleted.
func TestBrowserDeleteConversationAsks(t *testing.T) {
	w := newWorld(t)
	alice, bob, direct := w.directChat()
	alice.send(direct.ID, "Hello")
	bob.send(direct.ID, "Hi")
	alice.login()
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+direct.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.click(".chat-head button", "Details")
	alice.waitText("#chat-details button", "Delete conversation")
	if got := alice.evalString(noNullJS); got != "" {
		t.Errorf("details: %s", got)
	}
	alice.click("#chat-details button", "Delete conversation")
	alice.waitFor("asked, the confirming button focused", `() => document.activeElement?.textContent === 'Delete for me' &&
		document.getElementById('delete-hint')?.textContent.includes('for you only')`)
	alice.shotIf("60-delete-conversation-asks")
	alice.click("#chat-details button", "Keep it")
	alice.waitFor("back, focus on Delete conversation", `() => document.activeElement?.textContent === 'Delete conversation' && !document.getElementById('delete-hint')`)
	if got := alice.evalString(`location.pathname`); got != "/c/"+direct.ID {
		t.Errorf("after Keep it the page is %s", got)
	}
	if f := alice.folderOf(direct.ID); f != "inbox" {
		t.Errorf("after Keep it the conversation is in %s", f)
	}
}

// TestBrowserFlowDeleteAsks: a flow's Delete asks first, as a rule's does
// (one click took the whole flow): the first press turns it into a focused
// "Delete?", the second deletes.
func TestBrowserFlowDeleteAsks(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.api("POST", "/api/v1/brands/acme/automation/flows", map[string]any{"name": "Orders", "steps": []map[string]any{
		{"id": "start", "text": "What about your order?", "options": []map[string]any{{"title": "Thanks"}}},
	}}, nil)
	flows := func() int {
		var r struct {
			Flows []any `json:"flows"`
		}
		acme.api("GET", "/api/v1/brands/acme/automation/flows", nil, &r)
		return len(r.Flows)
	}
	acme.login()
	acme.do("open automation", chromedp.Navigate(w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.CSS("#flow-list li.rule")))
	acme.click("#flow-list button[data-action=delete]", "Delete")
	acme.waitFor("asked, focused", `() => document.activeElement?.matches('#flow-list [data-action=delete]') && document.activeElement.textContent === 'Delete?' &&
		document.activeElement.getAttribute('aria-label') === 'Confirm: delete flow Orders'`)
	if n := flows(); n != 1 {
		t.Fatalf("after one press %d flows, want 1", n)
	}
	acme.click("#flow-list button[data-action=delete]", "Delete?")
	acme.waitText("#flow-list li", "No flows yet.")
	if n := flows(); n != 0 {
		t.Errorf("after confirming %d flows, want 0", n)
	}
	// A rule's Delete is the same button (askFirstButton).
	acme.api("POST", "/api/v1/brands/acme/automation/rules", map[string]any{"name": "Hello", "enabled": true,
		"trigger": map[string]any{"type": "keyword", "keywords": []string{"hello"}},
		"actions": []map[string]any{{"type": "reply", "text": "Hi!"}}}, nil)
	acme.do("reload", chromedp.Navigate(w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.CSS("#rule-list li.rule")))
	acme.click("#rule-list button[data-action=delete]", "Delete")
	acme.waitFor("the rule's Delete asks", `() => document.activeElement?.matches('#rule-list [data-action=delete]') && document.activeElement.textContent === 'Delete?' &&
		document.activeElement.getAttribute('aria-label') === 'Confirm: delete rule Hello'`)
	acme.click("#rule-list button[data-action=delete]", "Delete?")
	acme.waitFor("the rule is gone", `() => !document.querySelector('#rule-list li.rule')`)
}

// TestBrowserAddMembersError: Add to group with nobody picked says so right
// under the button (it showed at the panel's foot, below Mute and Leave
// group), and the button is as wide as its label, like the panel's others.
func TestBrowserAddMembersError(t *testing.T) {
	alice := groupDetails(t)
	alice.click("#chat-details button[data-key=add]", "Add to group")
	alice.waitText("#add-members-error", "Pick someone to add first.")
	if got := alice.evalString(`(() => {
		const b = document.querySelector('#chat-details [data-key=add]').getBoundingClientRect();
		const e = document.getElementById('add-members-error').getBoundingClientRect();
		const leave = [...document.querySelectorAll('#chat-details button')].find((x) => x.textContent === 'Leave group').getBoundingClientRect();
		const box = document.getElementById('chat-details').getBoundingClientRect();
		const out = [];
		if (!(e.top >= b.bottom && e.top - b.bottom < 24)) out.push('the error is not right under the button');
		if (!(e.bottom <= leave.top)) out.push('the error is below Leave group');
		if (b.width > box.width * 0.7) out.push('the button spans the panel');
		return out.join('; ');
	})()`); got != "" {
		t.Error(got)
	}
}

// TestBrowserPhoneMessageActions: at 390 px, tapping (focusing) a long
// message shows its actions on a line of their own: the bubble keeps its
// width instead of being squeezed into a narrow column beside them.
func TestBrowserPhoneMessageActions(t *testing.T) {
	w := newWorld(t)
	alice, bob, direct := w.directChat()
	long := "A long message about the trip: we leave at eight, bring the tent, the stove and enough water for two days on the ridge."
	alice.send(direct.ID, long)
	bob.send(direct.ID, long+" Agreed.")
	alice.openOnPhone(direct.ID)
	alice.waitText("#message-list .text", "Agreed.")
	if got := alice.evalString(`(() => {
		const out = [];
		for (const li of document.querySelectorAll('#message-list li.msg')) {
			const b = li.querySelector('.bubble');
			const before = b.getBoundingClientRect().width;
			li.focus();
			const after = b.getBoundingClientRect().width;
			const acts = li.querySelector('.actions').getBoundingClientRect();
			if (Math.abs(before - after) > 1) out.push((li.classList.contains('mine') ? 'mine' : 'theirs') + ': ' + Math.round(before) + ' px wide, ' + Math.round(after) + ' px once focused');
			if (acts.right > innerWidth || acts.left < 0) out.push('actions off the screen');
			li.blur();
		}
		return out.join('; ');
	})()`); got != "" {
		t.Error(got)
	}
}

// TestBrowserFocusAfterRefusal: a login or sign-up the server refuses
// leaves the keyboard focus in the field where Enter was pressed (the form,
// disabled while it waited, dropped it to the page, and the corrected
// password went nowhere); a saved settings form keeps it on Save changes.
func TestBrowserFocusAfterRefusal(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	visitor := &person{w: w, t: t, handle: "visitor"}
	visitor.open()
	visitor.do("log in wrongly",
		chromedp.Navigate(w.base+"/login"),
		chromedp.WaitVisible(chromedp.ID("login-handle")),
		chromedp.SendKeys(chromedp.ID("login-handle"), "alice"),
		chromedp.SendKeys(chromedp.ID("login-password"), "wrong"),
		chromedp.SendKeys(chromedp.ID("login-password"), "\r"))
	visitor.waitText("form .form-error", "Wrong handle or password.")
	visitor.waitFor("focus back in the password field", `() => document.activeElement?.id === 'login-password' && !document.activeElement.disabled`)
	visitor.do("sign up with a short password",
		chromedp.Navigate(w.base+"/signup"),
		chromedp.WaitVisible(chromedp.ID("signup-handle")),
		chromedp.SendKeys(chromedp.ID("signup-handle"), "newbie"),
		chromedp.SendKeys(chromedp.ID("signup-password"), "short"),
		chromedp.SendKeys(chromedp.ID("signup-password"), "\r"))
	visitor.waitText("form .form-error", "8 characters")
	visitor.waitFor("focus back in the password field", `() => document.activeElement?.id === 'signup-password' && !document.activeElement.disabled`)

	alice.login()
	alice.do("open settings", chromedp.Navigate(w.base+"/settings"), chromedp.WaitVisible(chromedp.ID("settings-name")))
	alice.waitFor("press Save changes", `() => {
		const b = [...document.querySelectorAll('form button[type=submit]')].find((b) => b.textContent === 'Save changes');
		if (!b || b.disabled) return false;
		b.focus();
		b.click();
		return true;
	}`)
	alice.waitText("form .form-ok", "Saved.")
	alice.waitFor("focus still on Save changes", `() => document.activeElement?.textContent === 'Save changes'`)
}

// TestBrowserProfileButtonsKeepFocus: on a profile, Follow and Block
// redraw the page; the keyboard focus goes to the redrawn button (Unfollow,
// Unblock) instead of the top of the page.
func TestBrowserProfileButtonsKeepFocus(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	w.account("bob", "Bob Builder")
	alice.login()
	alice.do("open bob", chromedp.Navigate(w.base+"/@bob"), chromedp.WaitVisible(chromedp.ID("message-button")))
	press := func(text string) {
		t.Helper()
		alice.waitFor("press "+text, `(text) => {
			const b = [...document.querySelectorAll('.profile button')].find((b) => b.textContent === text && !b.disabled);
			if (!b) return false;
			b.focus();
			b.click();
			return true;
		}`, text)
	}
	press("Follow")
	alice.waitFor("Unfollow focused", `() => document.activeElement?.textContent === 'Unfollow'`)
	press("Block")
	alice.waitFor("Unblock focused", `() => document.activeElement?.textContent === 'Unblock'`)
}

// TestBrowserConsoleLongName: a customer whose display name is one long
// word: in the console's thread (at 390 px) and in the customer panel (at
// 1280 px) the name wraps inside its box instead of running past its edge,
// cut off.
func TestBrowserConsoleLongName(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	long := w.account("longname", "Maximiliananananananananananananananananananananananananana")
	conv := long.openConversation("", "acme")
	long.send(conv.ID, "Where is my order?")
	acme.login()
	check := func(sel string) {
		t.Helper()
		if got := acme.evalString(`((sel) => {
			const e = document.querySelector(sel);
			const box = e.closest('#inbox-thread, #customer-panel').getBoundingClientRect();
			const r = e.getBoundingClientRect();
			return e.scrollWidth > e.clientWidth + 1 || r.right > box.right + 1 ? sel + ' runs ' + Math.round(Math.max(e.scrollWidth - e.clientWidth, r.right - box.right)) + ' px past its box' : '';
		})(` + "`" + sel + "`" + `)`); got != "" {
			t.Error(got)
		}
	}
	acme.do("open the conversation", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("customer-name")))
	// The panel is drawn once the customer's profile is in.
	acme.waitFor("the customer's profile", `() => document.getElementById('customer-follows')?.textContent === 'No' && document.getElementById('customer-name').offsetWidth > 0`)
	check("#customer-name")
	acme.viewport(390, 844)
	acme.do("open at phone width", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID), chromedp.WaitVisible(chromedp.CSS("#inbox-thread .msg-author")))
	check("#inbox-thread .msg-author")
}

// TestBrowserConsoleTabsStayPut: the console's tab row sits at the same
// place, drawn the same, on every page at both widths: at 390 px the New
// campaign button between the heading and the tabs pushed them 40 px down,
// and Campaigns, Surveys and Creators indented them 12 px more, with a rule
// under them the other pages do not have, so the row jumped under the
// pointer when moving between pages.
func TestBrowserConsoleTabsStayPut(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		tops := map[string]string{}
		for _, pg := range []string{"analytics", "desk", "automation", "campaigns", "surveys", "creators", "settings"} {
			acme.do("open "+pg, chromedp.Navigate(w.base+"/brands/acme/"+pg), chromedp.WaitVisible(chromedp.CSS(".console-tabs")))
			tops[pg] = acme.evalString(`(() => {
				const n = document.querySelector('.console-tabs'), cs = getComputedStyle(n);
				return 'top ' + Math.round(n.getBoundingClientRect().top) + ', padding ' + cs.paddingLeft + ', rule ' + cs.borderBottomWidth;
			})()`)
		}
		for pg, top := range tops {
			if top != tops["analytics"] {
				t.Errorf("%s: the tabs of %s: %s; of analytics: %s", size.name, pg, top, tops["analytics"])
			}
		}
	}
}

// TestBrowserMessageSearchAsYouType: the message search shows results as
// the person types, like the people search; it waited for Enter, and
// someone who typed a word and paused saw nothing happen. Emptying the box
// hides them.
func TestBrowserMessageSearchAsYouType(t *testing.T) {
	w := newWorld(t)
	alice, bob, c := w.directChat()
	bob.send(c.ID, "Who brings the tent?")
	alice.login()
	alice.do("type", chromedp.WaitVisible(chromedp.ID("message-search")), chromedp.SendKeys(chromedp.ID("message-search"), "tent"))
	alice.waitText("#message-search-results a.msg-result", "Who brings the tent?")
	alice.do("empty the box", clearField("message-search"))
	alice.waitFor("results hidden", `() => document.getElementById('message-search-results').hidden`)
	// Typing a word and pressing Enter at once searches once: the search
	// typing had scheduled ran again after Enter's and its answer threw the
	// first one away.
	alice.evalString(`(() => {
		window.searches = 0;
		const f = window.fetch;
		// A slow answer (600 ms, past the typing delay) is when it showed.
		window.fetch = (...a) => {
			if (!String(a[0]).includes('/api/v1/search?')) return f(...a);
			window.searches++;
			return new Promise((ok) => setTimeout(ok, 600)).then(() => f(...a));
		};
		return '';
	})()`)
	alice.do("type and press Enter", chromedp.SendKeys(chromedp.ID("message-search"), "tent\r"))
	alice.waitText("#message-search-results a.msg-result", "Who brings the tent?")
	alice.do("wait past the typing delay", chromedp.Sleep(900*time.Millisecond))
	if n := alice.evalString(`String(window.searches)`); n != "1" {
		t.Errorf("typing a word and pressing Enter sent %s searches, want 1", n)
	}
}

// TestBrowserMessageSearchNamesConversation: a message search result
// names the conversation it is in (a group's title, the other person of a
// direct chat); it showed only the sender, so "Bob Builder: tent" could be
// in any of the chats Bob is in. Pressing one opens that conversation at
// that message, at both widths.
func TestBrowserMessageSearchNamesConversation(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	w.account("dave", "Dave Grohl")
	group := alice.openConversation("Weekend trip", "bob", "dave")
	inGroup := bob.send(group.ID, "Who brings the tent?")
	for i := 0; i < 30; i++ {
		alice.send(group.ID, fmt.Sprintf("filler %d", i))
	}
	direct := alice.openConversation("", "bob")
	bob.send(direct.ID, "I packed the tent already")
	alice.send(direct.ID, "Then I bring the tent pegs")
	alice.login()
	for _, size := range widths {
		alice.viewport(size.width, size.height)
		alice.do("open the inbox", chromedp.Navigate(w.base+"/inbox"), chromedp.WaitVisible(chromedp.ID("message-search")))
		alice.do("search", chromedp.SendKeys(chromedp.ID("message-search"), "tent\r"))
		alice.waitFor("three results", `() => document.querySelectorAll('#message-search-results a.msg-result').length === 3`)
		got := alice.evalString(`[...document.querySelectorAll('#message-search-results a.msg-result')].map((a) =>
			a.querySelector('.conv-name').textContent + ' | ' + a.querySelector('.snippet').textContent).sort().join('\n')`)
		want := strings.Join([]string{
			"Bob Builder | I packed the tent already",
			"Bob Builder | You: Then I bring the tent pegs",
			"Weekend trip | Bob Builder: Who brings the tent?",
		}, "\n")
		if got != want {
			t.Errorf("%s: the results read\n%s\nwant\n%s", size.name, got, want)
		}
		alice.click("#message-search-results a.msg-result", "Who brings the tent?")
		alice.waitText("#chat-title", "Weekend trip")
		alice.waitFor("the chat shows the message found", `(id) => {
			const li = document.querySelector('#message-list li.msg.found');
			if (!li || li.dataset.id !== id) return false;
			const r = li.getBoundingClientRect();
			return r.top >= 0 && r.bottom <= innerHeight;
		}`, inGroup.ID)
	}
}

// TestBrowserMessageSearchCloses: the message search's results close when
// the person presses elsewhere or tabs away, as the people search's do
// (they stayed open over the conversation list until the box was emptied),
// come back with the focus, and the arrow keys and Escape walk and close
// them.
func TestBrowserMessageSearchCloses(t *testing.T) {
	w := newWorld(t)
	alice, _, c := w.directChat()
	first := alice.send(c.ID, "Who brings the tent?")
	second := alice.send(c.ID, "The tent is mine")
	alice.login()
	const open = `() => !document.getElementById('message-search-results').hidden`
	const closed = `() => document.getElementById('message-search-results').hidden`
	const focused = `(id) => document.activeElement && document.activeElement.dataset.id === id`
	for _, size := range widths {
		alice.viewport(size.width, size.height)
		alice.do("open the inbox", chromedp.Navigate(w.base+"/inbox"), chromedp.WaitVisible(chromedp.ID("message-search")))
		alice.do("search", chromedp.SendKeys(chromedp.ID("message-search"), "tent"))
		alice.waitFor("two results", `() => document.querySelectorAll('#message-search-results a.msg-result').length === 2`)
		alice.do("press elsewhere", chromedp.Click(chromedp.CSS(".sidebar-head h1")))
		alice.waitFor(size.name+": results closed by a press elsewhere", closed)
		alice.do("back to the box", chromedp.Focus(chromedp.ID("message-search")))
		alice.waitFor(size.name+": results back with the focus", open)
		// Newest first: the second message leads.
		alice.do("arrow down", pressKey("ArrowDown", 40))
		alice.waitFor(size.name+": the first result focused", focused, second.ID)
		alice.do("arrow down", pressKey("ArrowDown", 40))
		alice.waitFor(size.name+": the second result focused", focused, first.ID)
		alice.do("arrow up twice", pressKey("ArrowUp", 38), pressKey("ArrowUp", 38))
		alice.waitFor(size.name+": back in the box", `() => document.activeElement.id === 'message-search'`)
		alice.do("arrow down, Escape", pressKey("ArrowDown", 40), pressKey("Escape", 27))
		alice.waitFor(size.name+": Escape closes and returns to the box", `() => document.getElementById('message-search-results').hidden && document.activeElement.id === 'message-search'`)
		alice.do("leave and come back", chromedp.Evaluate[chromedp.Void](`document.querySelector('a.tab').focus()`), chromedp.Focus(chromedp.ID("message-search")))
		alice.waitFor("open again", open)
		alice.do("tab away", chromedp.Evaluate[chromedp.Void](`document.querySelector('a.tab').focus()`))
		alice.waitFor(size.name+": results closed when the focus left", closed)
	}
}

// TestBrowserMessageSearchContrast: the words a message search found are
// marked in a colour that reads in light and in dark (in dark, light text
// on the pale yellow mark measured 1.2:1); axe-core checks the open list.
func TestBrowserMessageSearchContrast(t *testing.T) {
	w := newWorld(t)
	alice, _, c := w.directChat()
	alice.send(c.ID, "Who brings the tent?")
	alice.login()
	for _, scheme := range []string{"light", "dark"} {
		alice.do("colour scheme "+scheme, emulateScheme(scheme))
		alice.do("open the inbox", chromedp.Navigate(w.base+"/inbox"), chromedp.WaitVisible(chromedp.ID("message-search")))
		alice.do("search", chromedp.SendKeys(chromedp.ID("message-search"), "tent"))
		alice.waitFor("a word marked", `() => !!document.querySelector('#message-search-results a.msg-result mark')`)
		alice.axe("message search results, " + scheme)
	}
}

// TestBrowserTeamRemoveAsks: a team member's Remove names the member to a
// screen reader and asks first (Remove?), as a rule's Delete does; one
// press took them off the team.
func TestBrowserTeamRemoveAsks(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("bob", "Bob Okafor")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	members := func() int {
		var r struct {
			Members []any `json:"members"`
		}
		acme.api("GET", "/api/v1/brands/acme/team", nil, &r)
		return len(r.Members)
	}
	acme.login()
	acme.do("open settings", chromedp.Navigate(w.base+"/brands/acme/settings"))
	acme.waitFor("bob's Remove, named", `() => !!document.querySelector('#team-table button[aria-label="Remove Bob Okafor from the team"]')`)
	acme.click(`#team-table button[aria-label="Remove Bob Okafor from the team"]`, "Remove")
	acme.waitFor("asked", `() => document.activeElement?.textContent === 'Remove?' && document.activeElement.getAttribute('aria-label') === 'Confirm: remove Bob Okafor from the team'`)
	if n := members(); n != 1 {
		t.Fatalf("after one press %d members, want 1", n)
	}
	acme.click(`#team-table button[data-action=remove]`, "Remove?")
	acme.waitFor("bob gone", `() => !document.querySelector('#team-table tr[data-member=bob]')`)
	if n := members(); n != 0 {
		t.Errorf("after confirming %d members, want 0", n)
	}
}

// TestBrowserSearchPlaceholderFits: the top bar's search box shows its
// whole placeholder at both widths; at 390 px, beside an operator's five
// links, "Search people" showed as "Search pe".
func TestBrowserSearchPlaceholderFits(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	if _, err := w.srv.Moderation().SetOperator(context.Background(), "alice", true); err != nil {
		t.Fatal(err)
	}
	alice.login()
	// Then also on a brand's team: a sixth link, Brands, left the box
	// 53 px and "Search" showed as "Se".
	acme := w.brandAccount("acme", "Acme Outdoor")
	for _, size := range []struct {
		name          string
		width, height int64
		team          bool
	}{{"desktop", 1280, 800, false}, {"phone", 390, 844, false}, {"phone, on a team", 390, 844, true}, {"desktop, on a team", 1280, 800, true}} {
		if size.team && size.width < 1000 {
			acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "alice", "role": "agent"}, nil)
		}
		alice.viewport(size.width, size.height)
		alice.do("inbox", chromedp.Navigate(w.base+"/inbox"), chromedp.WaitVisible(chromedp.ID("nav-moderation")))
		if size.team {
			alice.waitFor("the Brands link", `() => { const a = document.querySelector('.nav a[href="/brands"]'); return a && a.offsetParent !== null; }`)
		}
		if got := alice.evalString(`(() => {
			// The placeholder typed in: does the box scroll? (A canvas's
			// measure of it, in the box's font, came 13 px short: the canvas
			// resolves system-ui to another face.)
			const i = document.getElementById('people-search');
			const room = i.clientWidth;
			i.value = i.placeholder;
			const need = i.scrollWidth;
			i.value = '';
			return need > room ? '"' + i.placeholder + '" needs ' + need + ' px, the box has ' + room : '';
		})()`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserDeskDeletesAsk: a canned reply's, a macro's and an agent
// team's Delete ask first (Delete?, focused, named to a screen reader), as a
// flow's does; one click took each.
func TestBrowserDeskDeletesAsk(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.api("POST", "/api/v1/brands/acme/canned-replies", map[string]any{"title": "Greeting", "text": "Hi!"}, nil)
	acme.api("POST", "/api/v1/brands/acme/macros", map[string]any{"title": "Refund", "text": "Sorry!", "status": "pending"}, nil)
	acme.api("POST", "/api/v1/brands/acme/agent-teams", map[string]any{"name": "billing", "members": []string{}}, nil)
	count := func(path, key string) int {
		var r map[string][]any
		acme.api("GET", "/api/v1/brands/acme/"+path, nil, &r)
		return len(r[key])
	}
	acme.login()
	for _, c := range []struct {
		page, list, label, path, key, gone string
	}{
		{"settings", "#canned-list", "Delete canned reply Greeting", "canned-replies", "canned_replies", `!document.querySelector('#canned-list .canned')`},
		{"desk", "#macro-list", "Delete macro Refund", "macros", "macros", `document.querySelector('#macro-list li')?.textContent === 'No macros yet.'`},
		{"desk", "#agent-teams", "Delete team billing", "agent-teams", "agent_teams", `document.querySelector('#agent-teams li')?.textContent === 'No agent teams yet.'`},
	} {
		acme.do("open "+c.page, chromedp.Navigate(w.base+"/brands/acme/"+c.page))
		sel := c.list + ` button[aria-label="` + c.label + `"]`
		acme.waitFor(c.label+", named", `() => !!document.querySelector('`+sel+`')`)
		acme.click(sel, "Delete")
		acme.waitFor(c.label+" asked, focused", `() => document.activeElement?.matches('`+c.list+` [data-action=delete]') && document.activeElement.textContent === 'Delete?' &&
			document.activeElement.getAttribute('aria-label') === 'Confirm: `+strings.ToLower(c.label[:1])+c.label[1:]+`'`)
		if n := count(c.path, c.key); n != 1 {
			t.Fatalf("%s: after one press %d left, want 1", c.label, n)
		}
		acme.click(c.list+" button[data-action=delete]", "Delete?")
		acme.waitFor(c.label+" gone", `() => `+c.gone)
		if n := count(c.path, c.key); n != 0 {
			t.Errorf("%s: after confirming %d left, want 0", c.label, n)
		}
	}
}

// TestBrowserGaugeSpansCard: the Response rate gauge is drawn across its
// card at both widths; at 390 px its 200-unit viewBox kept it 200 px wide
// in the middle of a 300 px card.
func TestBrowserGaugeSpansCard(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		acme.do("analytics", chromedp.Navigate(w.base+"/brands/acme/analytics"), chromedp.WaitVisible(chromedp.CSS("#analytics-summary .gauge")))
		if got := acme.evalString(`(() => {
			const g = document.querySelector('#analytics-summary .gauge');
			const card = g.closest('.card'), cs = getComputedStyle(card);
			const inner = card.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
			const bg = g.querySelector('.gauge-bg').getBoundingClientRect().width;
			return Math.abs(bg - inner) <= 1 ? '' : 'the gauge is ' + Math.round(bg) + ' px wide in a card ' + Math.round(inner) + ' px wide inside';
		})()`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserCreatorsEmpty: an empty Creators board says what it is and how
// to start (it was seven empty columns and nothing else); the text goes once
// a creator is added.
func TestBrowserCreatorsEmpty(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("cara", "Cara Lens")
	acme.login()
	acme.do("creators", chromedp.Navigate(w.base+"/brands/acme/creators"), chromedp.WaitVisible(chromedp.CSS("#creator-board .creator-col")))
	acme.waitFor("the empty board explained", `() => {
		const e = document.getElementById('creators-empty');
		return e && e.offsetParent !== null && e.textContent.includes('No creators yet') && e.textContent.includes('add one by their handle');
	}`)
	acme.do("add cara", chromedp.SendKeys(chromedp.ID("creator-add-handle"), "cara"))
	acme.click("#creator-add button", "Add to pipeline")
	acme.waitFor("cara on the board, the text gone", `() => !!document.querySelector('.creator-card[data-handle=cara]') && document.getElementById('creators-empty').offsetParent === null`)
}

// TestBrowserReportHeadFlows: in the moderation queue "· reported by 1
// person" follows the handle on its line at both widths; at 390 px it
// took a line of its own under the handle, itself under the name.
func TestBrowserReportHeadFlows(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	w.account("carol", "Carol Danvers")
	if _, err := w.srv.Moderation().SetOperator(context.Background(), "alice", true); err != nil {
		t.Fatal(err)
	}
	bob.api("POST", "/api/v1/reports", map[string]any{"handle": "carol", "reason": "spam"}, nil)
	alice.login()
	for _, size := range widths {
		alice.viewport(size.width, size.height)
		alice.do("moderation", chromedp.Navigate(w.base+"/moderation"), chromedp.WaitVisible(chromedp.CSS("#report-queue li.report")))
		if got := alice.evalString(`(() => {
			const who = document.querySelector('#report-queue .report-head .who');
			const name = who.querySelector('.name').getBoundingClientRect(), handle = who.querySelector('.handle').getBoundingClientRect();
			const hint = who.querySelector('.hint').getClientRects()[0];
			const out = [];
			if (Math.abs(handle.bottom - name.bottom) > 4) out.push('the handle is under the name');
			if (Math.abs(hint.bottom - handle.bottom) > 4 || hint.left < handle.right) out.push('"' + who.querySelector('.hint').textContent.trim() + '" starts a line of its own');
			return out.join('; ');
		})()`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserConsoleTabsRecentre: the console's current tab is centred in
// the sideways row when the window goes from desktop to phone width (and
// back and again); it was centred once, when the page opened.
func TestBrowserConsoleTabsRecentre(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.login()
	// Centred as far as the row scrolls (the last tabs sit at its end).
	centred := `() => {
		const nav = document.querySelector('nav.console-tabs'), cur = nav.querySelector('[aria-current=page]');
		const max = nav.scrollWidth - nav.clientWidth;
		const ideal = cur.offsetLeft - nav.offsetLeft - (nav.clientWidth - cur.offsetWidth) / 2;
		return max > 0 && Math.abs(nav.scrollLeft - Math.min(max, Math.max(0, ideal))) < 2;
	}`
	for _, pg := range []string{"creators", "desk"} {
		acme.viewport(1280, 800)
		acme.do("open "+pg, chromedp.Navigate(w.base+"/brands/acme/"+pg), chromedp.WaitVisible(chromedp.CSS("nav.console-tabs [aria-current=page]")))
		for i := 0; i < 2; i++ {
			acme.viewport(390, 844)
			acme.waitFor(pg+": the current tab centred at phone width", centred)
			acme.viewport(1280, 800)
			acme.waitFor(pg+": every tab in view at desktop width", `() => { const nav = document.querySelector('nav.console-tabs'); return nav.scrollLeft === 0 && nav.scrollWidth <= nav.clientWidth; }`)
		}
	}
}

// TestBrowserModerationLooks: the moderation page shows which reports it
// lists (the pressed one of Open and Closed looked like the other), and a
// report's buttons do not touch its note field.
func TestBrowserModerationLooks(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	w.account("carol", "Carol Danvers")
	if _, err := w.srv.Moderation().SetOperator(context.Background(), "alice", true); err != nil {
		t.Fatal(err)
	}
	bob.api("POST", "/api/v1/reports", map[string]any{"handle": "carol", "reason": "spam"}, nil)
	alice.login()
	check := func(size, pressed string) {
		if got := alice.evalString(`(() => {
			const on = document.querySelector('[data-status][aria-pressed=true]'), off = document.querySelector('[data-status][aria-pressed=false]');
			const out = [];
			if (on.dataset.status !== '` + pressed + `') out.push(on.dataset.status + ' is pressed');
			if (getComputedStyle(on).backgroundColor === getComputedStyle(off).backgroundColor) out.push('the pressed ' + on.textContent + ' looks like ' + off.textContent);
			const r = document.querySelector('#report-queue li.report');
			if (r) {
				const note = r.querySelector('input').getBoundingClientRect(), acts = r.querySelector('.actions-row').getBoundingClientRect();
				if (acts.top - note.bottom < 4) out.push('the buttons are ' + Math.round(acts.top - note.bottom) + ' px under the note field');
			}
			return out.join('; ');
		})()`); got != "" {
			t.Errorf("%s: %s", size, got)
		}
	}
	for _, size := range widths {
		alice.viewport(size.width, size.height)
		alice.do("moderation", chromedp.Navigate(w.base+"/moderation"), chromedp.WaitVisible(chromedp.CSS("#report-queue li.report")))
		check(size.name, "open")
		alice.click("[data-status=closed]", "Closed")
		alice.waitText("#report-queue li", "No closed reports.")
		check(size.name, "closed")
	}
}

// TestBrowserSurveysEmpty: with no survey the Surveys page shows no empty
// Survey dropdown (nor a period of nothing) and says how to start; once one
// is added, the picker shows it.
func TestBrowserSurveysEmpty(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.login()
	acme.do("surveys", chromedp.Navigate(w.base+"/brands/acme/surveys"))
	acme.waitFor("the empty page explained, no empty picker", `() => {
		const e = document.getElementById('surveys-empty');
		return e && e.textContent.includes('Add one below') && document.getElementById('survey-pick').offsetParent === null;
	}`)
	acme.do("add a survey", chromedp.SendKeys(chromedp.ID("survey-name"), "Store visit"), chromedp.SendKeys(chromedp.ID("survey-question"), "How was it?"))
	acme.click("form.survey-form button[type=submit]", "Add survey")
	acme.waitFor("the picker shows it", `() => { const p = document.getElementById('survey-pick'); return p.offsetParent !== null && p.selectedOptions[0]?.textContent === 'Store visit'; }`)
}

// TestBrowserAddButtonsFit: the flow editor's Add step and the creator
// panel's Add deliverable are as wide as their label, like Add button
// beside them; both stretched across their form at both widths.
func TestBrowserAddButtonsFit(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("cara", "Cara Lens")
	acme.api("POST", "/api/v1/brands/acme/creators", map[string]any{"handle": "cara"}, nil)
	acme.login()
	narrow := func(size, id string) {
		if got := acme.evalString(`(() => {
			const b = document.getElementById('` + id + `'), form = b.parentElement;
			return b.offsetWidth > form.clientWidth / 2 ? b.textContent + ' is ' + b.offsetWidth + ' px wide in a form of ' + form.clientWidth : '';
		})()`); got != "" {
			t.Errorf("%s: %s", size, got)
		}
	}
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		acme.do("automation", chromedp.Navigate(w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.CSS("#rule-list")))
		acme.click("button", "New flow")
		acme.do("the flow editor", chromedp.WaitVisible(chromedp.ID("flow-editor")))
		acme.do("mark Add step", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#flow-editor > button')].find((b) => b.textContent === 'Add step').id = 'zz-add-step'`))
		narrow(size.name, "zz-add-step")
		acme.do("creators", chromedp.Navigate(w.base+"/brands/acme/creators"), chromedp.WaitVisible(chromedp.CSS(".creator-card")))
		acme.click(".creator-card button", "Details")
		acme.do("the panel", chromedp.WaitVisible(chromedp.ID("add-deliverable")))
		narrow(size.name, "add-deliverable")
	}
}

// TestBrowserCreatorPanelFields: the creator panel's template select and
// follow-up hours have the console's field look (38 px, rounded), not the
// bare browser control (a 22 px select across the panel).
func TestBrowserCreatorPanelFields(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("cara", "Cara Lens")
	acme.api("POST", "/api/v1/brands/acme/creators", map[string]any{"handle": "cara"}, nil)
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		acme.do("creators", chromedp.Navigate(w.base+"/brands/acme/creators"), chromedp.WaitVisible(chromedp.CSS(".creator-card")))
		acme.click(".creator-card button", "Details")
		acme.do("the panel", chromedp.WaitVisible(chromedp.ID("outreach-template")))
		if got := acme.evalString(jsFieldLook + `([document.getElementById('outreach-template'), document.querySelector('.followup input[type=number]')],
			e => e.id || 'the follow-up hours').join('; ')`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// jsFieldLook is a JavaScript function for evalString: of the elements els,
// the ones without the console's field look (at least 36 px high, 8 px
// corners), each described after label(e).
const jsFieldLook = `((els, label) => els.flatMap(e => {
	const cs = getComputedStyle(e);
	return e.offsetHeight < 36 || cs.borderTopLeftRadius !== '8px' ? [label(e) + ' is ' + e.offsetHeight + ' px high, corners ' + cs.borderTopLeftRadius] : [];
}))`

// TestBrowserConsoleTitleAligned: a console page's title starts where its
// tab row and its first card or field do, at both widths; it was 16 px to
// their right.
func TestBrowserConsoleTitleAligned(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		for _, pg := range []struct{ path, below string }{
			{"analytics", "#analytics-summary"}, {"desk", ".card"}, {"automation", ".card"}, {"settings", ".card"},
			{"campaigns", ".campaigns-empty"}, {"surveys", ".survey-form"}, {"creators", "#creator-add input"},
		} {
			acme.do("open "+pg.path, chromedp.Navigate(w.base+"/brands/acme/"+pg.path), chromedp.WaitVisible(chromedp.CSS("section.page "+pg.below)))
			if got := acme.evalString(`(() => {
				const page = document.querySelector('section.page');
				const h1 = page.querySelector('.sidebar-head h1').getBoundingClientRect().left;
				const tabs = page.querySelector('nav.console-tabs').getBoundingClientRect().left;
				const below = page.querySelector('` + pg.below + `').getBoundingClientRect().left;
				return Math.abs(h1 - tabs) > 1 || Math.abs(h1 - below) > 1 ? 'title at ' + h1 + ', tabs at ' + tabs + ', ` + pg.below + ` at ' + below : '';
			})()`); got != "" {
				t.Errorf("%s, %s: %s", size.name, pg.path, got)
			}
		}
	}
}

// TestBrowserTeamSelectsLook: brand settings' role selects (a member's, and
// the one beside Add to team) have the console's field look, not the bare
// 20 px browser control beside 38 px fields and buttons.
func TestBrowserTeamSelectsLook(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("bob", "Bob Okafor")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		acme.do("settings", chromedp.Navigate(w.base+"/brands/acme/settings"), chromedp.WaitVisible(chromedp.CSS("#team-table select")))
		if got := acme.evalString(`(() => {
			const out = ` + jsFieldLook + `([document.querySelector('#team-table select'), document.getElementById('team-add-role')], e => e.getAttribute('aria-label'));
			// And the row still fits its card: Remove is not cut off at its edge.
			const rm = document.querySelector('#team-table button[data-action=remove]').getBoundingClientRect();
			const box = document.querySelector('#team-table').closest('.table-scroll').getBoundingClientRect();
			if (rm.right > box.right + 0.5) out.push('Remove reaches ' + Math.round(rm.right - box.right) + ' px past the card');
			const tb = document.getElementById('team-table');
			if (tb.offsetWidth > tb.parentElement.clientWidth) out.push('the table is ' + tb.offsetWidth + ' px wide in ' + tb.parentElement.clientWidth);
			return out.join('; ');
		})()`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserAnalyticsPeriodLook: the analytics page's Period select has the
// console's field look (it was the bare browser control beside 38 px
// buttons), and its row stands apart from the summary cards (they touched).
func TestBrowserAnalyticsPeriodLook(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		acme.do("analytics", chromedp.Navigate(w.base+"/brands/acme/analytics"), chromedp.WaitVisible(chromedp.ID("analytics-summary")))
		if got := acme.evalString(`(() => {
			const out = ` + jsFieldLook + `([document.getElementById('analytics-period')], () => 'Period');
			const gap = document.getElementById('analytics-summary').getBoundingClientRect().top - document.getElementById('analytics-period').getBoundingClientRect().bottom;
			if (gap < 8) out.push('the cards are ' + gap + ' px under the Period');
			return out.join('; ');
		})()`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserRuleRemoveBeside: at both widths a rule's "×" (Remove action 1)
// sits beside the field it belongs to, level with it; at 390 px it wrapped
// onto a line of its own under the Action select.
func TestBrowserRuleRemoveBeside(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		acme.do("automation", chromedp.Navigate(w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.ID("rule-new")))
		acme.click("#rule-new", "New rule")
		acme.do("the editor", chromedp.WaitVisible(chromedp.ID("rule-editor")))
		if got := acme.evalString(`(() => {
			const x = document.querySelector('#rule-editor button[aria-label="Remove action 1"]').getBoundingClientRect();
			const sel = document.querySelector('#rule-editor [data-field="actions[0].type"]').getBoundingClientRect();
			return x.top >= sel.bottom || x.bottom <= sel.top || x.left < sel.right ? 'the × is at ' + Math.round(x.left) + ',' + Math.round(x.top) + ', the select at ' + Math.round(sel.left) + '-' + Math.round(sel.right) + ',' + Math.round(sel.top) + '-' + Math.round(sel.bottom) : '';
		})()`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserQuoteInMineReads: a reply of mine quotes the message it
// answers on a darker blue, where the white reads (on the lightened blue
// it measured 3.6:1), in light and dark colours.
func TestBrowserQuoteInMineReads(t *testing.T) {
	w := newWorld(t)
	alice, bob, c := w.directChat()
	m := bob.send(c.ID, "Lunch at noon?")
	alice.api("POST", "/api/v1/conversations/"+c.ID+"/messages", map[string]any{"text": "Yes, see you there", "reply_to": m.ID}, nil)
	alice.login()
	for _, scheme := range []string{"light", "dark"} {
		alice.do("colour scheme "+scheme, emulateScheme(scheme))
		alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID), chromedp.WaitVisible(chromedp.CSS("#message-list li.mine .quote")))
		alice.axe("a quote in a reply of mine, " + scheme)
	}
}

// TestBrowserEditedShows: a message edited earlier in the chat says
// "edited" without being pointed at or tapped; the mark went with the time
// under the bubble, shown only on hover or focus, so on a phone a changed
// message looked as first written.
func TestBrowserEditedShows(t *testing.T) {
	w := newWorld(t)
	alice, bob, c := w.directChat()
	m := bob.send(c.ID, "See you at 1")
	bob.api("PATCH", "/api/v1/messages/"+m.ID, map[string]any{"text": "See you at 2"}, nil)
	bob.send(c.ID, "Bring the map")
	alice.login()
	alice.viewport(390, 844)
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID), chromedp.WaitVisible(chromedp.CSS("#message-list li.theirs")))
	alice.waitText("#message-list li.theirs .text", "Bring the map")
	alice.do("nothing focused", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	alice.waitFor("edited shown on the edited message", `(id) => {
		const e = document.querySelector('#message-list li[data-id="' + id + '"] .edited');
		return e && e.offsetParent !== null;
	}`, m.ID)
}

// TestBrowserUnsendFailureShown: an Unsend or a Delete for me that does
// not reach the server says so under the composer; it was only announced to
// screen readers, and the message stayed without a word.
func TestBrowserUnsendFailureShown(t *testing.T) {
	w := newWorld(t)
	alice, _, c := w.directChat()
	alice.send(c.ID, "Wrong chat, sorry")
	alice.openOnPhone(c.ID)
	alice.evalString(`(() => {
		const f = window.fetch;
		window.fetch = (...a) => String(a[0]).startsWith('/api/v1/messages/') && a[1] && a[1].method === 'DELETE' ? Promise.reject(new TypeError('offline')) : f(...a);
		return '';
	})()`)
	shown := `() => { const e = document.querySelector('.composer .form-error'); return e && e.offsetParent !== null && e.textContent.includes('Cannot reach the server'); }`
	alice.act("Wrong chat, sorry", "unsend")
	alice.act("Wrong chat, sorry", "unsend")
	alice.waitFor("the failed unsend said", shown)
	alice.do("clear", chromedp.Evaluate[chromedp.Void](`document.querySelector('.composer .form-error').textContent = ''`))
	alice.act("Wrong chat, sorry", "delete")
	alice.act("Wrong chat, sorry", "delete")
	alice.waitFor("the failed delete said", shown)
}

// TestBrowserChipRemoveKeepsFocus: taking a picked person off a new group
// with the keyboard leaves the focus on the next person's ×, and on the
// search box once no one is left; it fell to the page.
func TestBrowserChipRemoveKeepsFocus(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	w.account("bob", "Bob Builder")
	w.account("carol", "Carol Danvers")
	alice.login()
	alice.do("new group", chromedp.Navigate(w.base+"/new-group"), chromedp.WaitVisible(chromedp.ID("group-members")))
	for _, who := range []string{"Bob Builder", "Carol Danvers"} {
		alice.do("search "+who, chromedp.SendKeys(chromedp.ID("group-members"), strings.ToLower(who[:3])))
		alice.click(`#group-members-results button`, who)
		alice.waitText(".chips", who)
	}
	// A press of the focused button, as Enter or Space makes it.
	press := chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`)
	alice.do("remove bob with the keyboard", chromedp.Focus(chromedp.CSS(`.chip-x[aria-label="Remove Bob Builder (@bob)"]`)), press)
	alice.waitFor("focus on carol's ×", `() => document.activeElement.getAttribute('aria-label') === 'Remove Carol Danvers (@carol)'`)
	alice.do("remove carol", press)
	alice.waitFor("focus in the search box", `() => document.activeElement.id === 'group-members' && !document.querySelector('.chip-x')`)
}

// TestBrowserUnblockKeepsFocus: Unblock in settings' blocked list hands the
// keyboard focus to the next account's Unblock, then to the list's heading;
// the list was drawn again and the focus fell to the page.
func TestBrowserUnblockKeepsFocus(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	w.account("bob", "Bob Builder")
	w.account("carol", "Carol Danvers")
	alice.api("PUT", "/api/v1/accounts/bob/block", nil, nil)
	alice.api("PUT", "/api/v1/accounts/carol/block", nil, nil)
	alice.login()
	alice.do("settings", chromedp.Navigate(w.base+"/settings"), chromedp.WaitVisible(chromedp.CSS(`#blocked-list button[aria-label="Unblock Bob Builder"]`)))
	press := chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`)
	alice.do("unblock bob", chromedp.Focus(chromedp.CSS(`#blocked-list button[aria-label="Unblock Bob Builder"]`)), press)
	alice.waitFor("carol's Unblock focused", `() => document.activeElement.getAttribute('aria-label') === 'Unblock Carol Danvers' && !document.querySelector('#blocked-list button[aria-label="Unblock Bob Builder"]')`)
	alice.do("unblock carol", press)
	alice.waitFor("the heading focused", `() => document.activeElement.tagName === 'H2' && document.activeElement.textContent === 'Blocked accounts'`)
}

// TestBrowserGoneMessageSaid: a link to a message that is no longer there
// (a search result unsent since) opens the chat and says so under the
// composer; it was only announced to screen readers.
func TestBrowserGoneMessageSaid(t *testing.T) {
	w := newWorld(t)
	alice, bob, c := w.directChat()
	alice.send(c.ID, "hi")
	m := bob.send(c.ID, "Who brings the tent?")
	bob.api("DELETE", "/api/v1/messages/"+m.ID+"?for=me", nil, nil)
	alice.api("DELETE", "/api/v1/messages/"+m.ID+"?for=me", nil, nil)
	alice.login()
	alice.do("open the link", chromedp.Navigate(w.base+"/c/"+c.ID+"?m="+m.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.waitFor("said under the composer", `() => {
		const e = document.querySelector('.composer .form-error');
		return e && e.offsetParent !== null && e.textContent === 'That message is no longer here.';
	}`)
}

// TestBrowserFocusAfterDelete: a confirmed Delete or Remove (askFirstButton)
// hands the focus to the next row's button, or, with no row left, to the
// form after the list: the focus fell to the page, and a keyboard user
// started again from the top. Canned replies, the team, and a rule.
func TestBrowserFocusAfterDelete(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	w.account("bob", "Bob Okafor")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	for _, title := range []string{"First", "Second"} {
		acme.api("POST", "/api/v1/brands/acme/canned-replies", map[string]any{"title": title, "text": "Hello"}, nil)
	}
	for _, name := range []string{"One", "Two"} {
		acme.api("POST", "/api/v1/brands/acme/automation/rules", map[string]any{"name": name, "enabled": true,
			"trigger": map[string]any{"type": "keyword", "keywords": []string{"hello"}},
			"actions": []map[string]any{{"type": "reply", "text": "Hi!"}}}, nil)
	}
	acme.login()
	acme.do("open the settings", chromedp.Navigate(w.base+"/brands/acme/settings"), chromedp.WaitVisible(chromedp.CSS("#canned-list .canned")))
	confirm := func(sel, label string) {
		t.Helper()
		acme.waitFor("press "+label, `(sel, label) => {
			const b = [...document.querySelectorAll(sel)].find((e) => e.getAttribute('aria-label') === label);
			if (!b) return false;
			b.click();
			return document.activeElement === b && b.textContent.endsWith('?');
		}`, sel, label)
		acme.waitFor("confirm "+label, `(sel, label) => {
			const b = document.activeElement;
			if (!b.matches(sel) || b.getAttribute('aria-label') !== 'Confirm: ' + label.charAt(0).toLowerCase() + label.slice(1)) return false;
			b.click();
			return true;
		}`, sel, label)
	}
	focusIs := func(what, fn string) {
		t.Helper()
		acme.waitFor("focus on "+what, `() => { const a = document.activeElement; return a !== document.body && (`+fn+`)(a); }`)
	}
	confirm("#canned-list button", "Delete canned reply First")
	focusIs("the next reply's Delete", `(a) => a.getAttribute('aria-label') === 'Delete canned reply Second'`)
	confirm("#canned-list button", "Delete canned reply Second")
	focusIs("the new reply's title", `(a) => a.id === 'canned-title'`)
	confirm("#team-table button", "Remove Bob Okafor from the team")
	focusIs("the handle to add", `(a) => a.id === 'team-add-handle'`)
	acme.waitText("#team-empty", "No team members yet.")

	acme.do("open automation", chromedp.Navigate(w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.CSS("#rule-list li.rule")))
	confirm("#rule-list button", "Delete rule One")
	focusIs("the next rule's Delete", `(a) => a.getAttribute('aria-label') === 'Delete rule Two'`)
}

// TestBrowserDeletedElsewhereFolder: a request deleted on another device
// (or here, when the deletion's event beats the answer to Delete) brings
// the page back to Requests, its tab focused, not to Inbox: under -race
// the event came first, the page went to Inbox and then Requests, and the
// focus stayed on Inbox's tab (TestBrowserFocusAfterLeaving failed).
func TestBrowserDeletedElsewhereFolder(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	carol := w.account("carol", "Carol Danvers")
	req := carol.openConversation("", "alice")
	carol.send(req.ID, "Hi! A request")
	alice.login()
	alice.do("open the request", chromedp.Navigate(w.base+"/c/"+req.ID), chromedp.WaitVisible(chromedp.CSS(".request-banner")))
	alice.api("DELETE", "/api/v1/conversations/"+req.ID, nil, nil)
	alice.waitFor("on Requests, its tab focused", `() => location.pathname === '/requests' &&
		document.activeElement?.matches('.tabs [aria-current=page]') && document.activeElement.textContent.startsWith('Requests')`)
}

// TestBrowserLoadMoreKeepsFocus: Load more, pressed from the keyboard,
// was disabled while the page loaded and left the focus on the page; it
// goes to the first conversation loaded.
func TestBrowserLoadMoreKeepsFocus(t *testing.T) {
	w := newWorld(t)
	bob := w.account("bob", "Bob Builder")
	for i := 0; i < 55; i++ {
		p := w.account(fmt.Sprintf("u%02d", i), fmt.Sprintf("User %02d", i))
		c := p.openConversation("", "bob")
		p.send(c.ID, "hi")
		bob.api("POST", "/api/v1/conversations/"+c.ID+"/accept", nil, nil)
	}
	bob.login()
	bob.do("Load more shown", chromedp.WaitVisible(chromedp.CSS(".load-more")))
	n := bob.evalString(`String(document.querySelectorAll('#conversation-list a.conv').length)`)
	bob.do("press Load more", chromedp.Focus(chromedp.CSS(".load-more")), chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`))
	bob.waitFor("the focus on the first one loaded", `(n) => {
		const links = document.querySelectorAll('#conversation-list a.conv');
		return links.length === 55 && document.activeElement === links[+n];
	}`, n)
}

// TestBrowserResolvedNotWaiting: a resolved conversation showed "Waiting
// since …" beside Reopen and a "waiting" pill in the inbox's list, as if
// the customer still waited; once resolved, neither shows.
func TestBrowserResolvedNotWaiting(t *testing.T) {
	w := newWorld(t)
	_, bob, dan := w.acmeTeam()
	conv := dan.openConversation("", "acme")
	dan.send(conv.ID, "Where is my order?")
	bob.login()
	bob.do("open the conversation", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("inbox-resolve")))
	bob.waitText("#inbox-waiting", "Waiting since")
	bob.waitText("#inbox-list .pill.waiting", "waiting")
	bob.click("#inbox-resolve", "Resolve")
	bob.waitText("#inbox-list .status-pill", "resolved")
	bob.do("Reopen shown", chromedp.WaitVisible(chromedp.ID("inbox-reopen")))
	if got := bob.evalString(`document.getElementById('inbox-waiting').textContent + (document.querySelector('#inbox-list .pill.waiting') ? ' and a waiting pill' : '')`); strings.Contains(got, "aiting") {
		t.Errorf("a resolved conversation shows %q", got)
	}
}

// TestBrowserComposerAligned: the composer's Attach and Voice sat 3 px
// lower than its text and Send; the four share one middle line, at both
// widths.
func TestBrowserComposerAligned(t *testing.T) {
	w := newWorld(t)
	alice, _, c := w.directChat()
	alice.login()
	for _, size := range widths {
		alice.viewport(size.width, size.height)
		alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
		if got := alice.evalString(`(() => {
			const mid = (s) => { const r = document.querySelector(s).getBoundingClientRect(); return r.top + r.height / 2; };
			const want = mid('#composer-text');
			return ['.composer .attach', '.composer .record', '.composer .send']
				.filter((s) => Math.abs(mid(s) - want) > 1).map((s) => s + ' is ' + (mid(s) - want).toFixed(1) + ' px off').join('; ');
		})()`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserFlowOptionRow: at 390 px a flow button's × sat right after
// its "hands off", as if it took "hands off" away, with the checkbox below
// its words; the × now ends the row, and the checkbox, its words and the
// × share one middle line, at both widths.
func TestBrowserFlowOptionRow(t *testing.T) {
	bw := newBotWorld(t)
	acme := bw.acme
	acme.login()
	for _, size := range widths {
		acme.viewport(size.width, size.height)
		acme.do("automation", chromedp.Navigate(bw.w.base+"/brands/acme/automation"), chromedp.WaitVisible(chromedp.CSS("#flow-list li")))
		acme.click("#flow-list button", "Edit")
		acme.do("the flow editor", chromedp.WaitVisible(chromedp.CSS("#flow-editor .qr-row")))
		if got := acme.evalString(`(() => {
			const row = document.querySelector('#flow-editor .qr-row');
			const box = row.querySelector('.choice input').getBoundingClientRect();
			const x = row.querySelector('[aria-label^="Remove button"]').getBoundingClientRect();
			const r = document.createRange();
			r.selectNodeContents(row.querySelector('.choice'));
			const words = [...r.getClientRects()].pop();
			const mid = (b) => b.top + b.height / 2;
			const out = [];
			if (Math.abs(mid(box) - mid(words)) > 2) out.push('the checkbox is ' + (mid(box) - mid(words)).toFixed(1) + ' px off its words');
			if (Math.abs(mid(x) - mid(box)) > 2) out.push('the × is ' + (mid(x) - mid(box)).toFixed(1) + ' px off the checkbox');
			if (innerWidth < 600 && row.getBoundingClientRect().right - x.right > 2) out.push('the × is ' + (row.getBoundingClientRect().right - x.right) + ' px short of the row\'s end');
			return out.join('; ');
		})()`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserChatWithBlocked: the chat with someone one blocked offered
// the composer, and what was written there failed with a Retry that could
// never work; it says they are blocked, with Unblock, which brings the
// composer back with the focus in it. At both widths.
func TestBrowserChatWithBlocked(t *testing.T) {
	w := newWorld(t)
	alice, bob, c := w.directChat()
	bob.api("POST", "/api/v1/conversations/"+c.ID+"/accept", nil, nil)
	bob.send(c.ID, "Lunch at noon?")
	alice.login()
	for _, size := range widths {
		alice.api("PUT", "/api/v1/accounts/bob/block", nil, nil)
		alice.viewport(size.width, size.height)
		alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID))
		alice.waitText(".chat .blocked-note", "You blocked @bob. Unblock them to send a message.")
		if alice.eval("composer shown", `!!document.getElementById('composer-text')?.isConnected`) {
			t.Errorf("%s: the composer shows beside the note", size.name)
		}
		if got := alice.evalString(fitsJS); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
		alice.do("press Unblock", chromedp.Focus(chromedp.ID("chat-unblock")), chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`))
		alice.waitFor("the composer, focused", `() => document.activeElement?.id === 'composer-text'`)
		alice.write("Sorry, wrong button")
	}
}

// TestBrowserThemePickerLooks: the settings' Colours picker was the
// browser's bare 22 px box stretched across its card; it has the field
// look of the console's pickers, as wide as its choices, at both widths.
func TestBrowserThemePickerLooks(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	alice.login()
	for _, size := range widths {
		alice.viewport(size.width, size.height)
		alice.do("settings", chromedp.Navigate(w.base+"/settings"), chromedp.WaitVisible(chromedp.ID("pref-theme")))
		if got := alice.evalString(jsFieldLook + `([document.getElementById('pref-theme')], (e) => e.id).join('; ')`); got != "" {
			t.Errorf("%s: %s", size.name, got)
		}
		if got := alice.evalString(`(() => {
			const s = document.getElementById('pref-theme'), card = s.closest('.card');
			return s.offsetWidth > card.clientWidth * 0.8 ? 'the picker is ' + s.offsetWidth + ' px wide in a card of ' + card.clientWidth : '';
		})()`); got != "" && size.name == "desktop" {
			t.Errorf("%s: %s", size.name, got)
		}
	}
}

// TestBrowserMessageActionsKeepFocus: a message's actions show only while
// the focus is in it, and each press draws the list again. React or
// Unsend pressed from the keyboard left the focus on the page, with
// "Unsend?" hidden out of reach; React's picker takes the focus, a picked
// emoji gives it back to React, and "Unsend?" keeps it. Report's dialog
// and Delete for me left it on the page too.
func TestBrowserMessageActionsKeepFocus(t *testing.T) {
	w := newWorld(t)
	alice, bob, c := w.directChat()
	bob.api("POST", "/api/v1/conversations/"+c.ID+"/accept", nil, nil)
	bob.send(c.ID, "Lunch at noon?")
	alice.send(c.ID, "Sure")
	alice.login()
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID), chromedp.WaitVisible(chromedp.CSS(`#message-list li.msg.theirs`)))
	// As from the keyboard: Tab into the message, Tab to its button, Enter.
	press := func(msg, action string) {
		t.Helper()
		alice.waitFor("press "+action, `(msg, action) => {
			const li = document.querySelector('#message-list li.msg.' + msg);
			li.focus();
			const b = li.querySelector('[data-action="' + action + '"]');
			if (!b) return false;
			b.focus();
			document.activeElement.click();
			return true;
		}`, msg, action)
	}
	focused := `(label) => document.activeElement?.getAttribute('aria-label') === label`
	press("theirs", "react")
	alice.waitFor("the picker's first emoji focused", `() => document.activeElement?.matches('#message-list .picker-emoji button:first-child')`)
	alice.do("pick it", chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`))
	alice.waitFor("React focused again", focused, "React")
	press("mine", "unsend")
	alice.waitFor("Unsend? focused", focused, "Confirm unsend for everyone")
	alice.do("confirm", chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`))
	alice.waitText("#message-list li.msg.mine .text", "You unsent a message")
	// Report's dialog, closed, gives the focus back to Report (the browser
	// found it hidden, and the focus fell to the page).
	press("theirs", "report")
	alice.do("the dialog", chromedp.WaitVisible(chromedp.CSS("dialog.report-dialog")))
	alice.do("close it", chromedp.KeyEvent(""))
	alice.waitFor("Report focused again", focused, "Report this message")
	// Delete for me asks first (it cannot be undone), the question focused;
	// then it takes the message away: the focus goes to the one next to it
	// (it fell to the page), not to its Delete.
	press("theirs", "delete")
	alice.waitFor("Delete? focused", focused, "Confirm delete for me")
	if n := alice.evalString(`String(document.querySelectorAll('#message-list li.msg.theirs').length)`); n != "1" {
		t.Fatalf("the first press of Delete took the message away (%s left)", n)
	}
	alice.do("confirm", chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`))
	alice.waitFor("the next message focused", `() => document.activeElement?.matches('#message-list li.msg.mine')`)
}

// TestBrowserBioLinks: a link in a bio was plain text to copy by hand; it
// opens in a new tab as one in a message does, and markup in a bio is
// still shown as text.
func TestBrowserBioLinks(t *testing.T) {
	w := newWorld(t)
	bob := w.account("bob", "Bob Builder")
	bob.api("PATCH", "/api/v1/me", map[string]any{"bio": "Builder. <img src=x onerror=alert(1)> Portfolio: https://example.com/bob."}, nil)
	alice := w.account("alice", "Alice Liddell")
	alice.login()
	alice.do("bob's profile", chromedp.Navigate(w.base+"/@bob"), chromedp.WaitVisible(chromedp.CSS(".profile .bio")))
	alice.waitFor("the link", `() => {
		const a = document.querySelector('.profile .bio a');
		return a && a.href === 'https://example.com/bob' && a.target === '_blank' && a.rel.includes('noopener') && a.textContent === 'https://example.com/bob';
	}`)
	if got := alice.evalString(`document.querySelector('.profile .bio').textContent + (document.querySelector('.profile img[src=x]') ? ' (an img element)' : '')`); got != "Builder. <img src=x onerror=alert(1)> Portfolio: https://example.com/bob." {
		t.Errorf("the bio reads %q", got)
	}
}

// TestBrowserInboxEmptyWhenArchived: with its only conversation archived,
// the inbox said "No conversations yet"; it says where they are.
func TestBrowserInboxEmptyWhenArchived(t *testing.T) {
	w := newWorld(t)
	alice, _, c := w.directChat()
	alice.send(c.ID, "hello")
	alice.login()
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.click(".chat-head button", "Details")
	alice.click(`#chat-details [data-key="archive"]`, "Archive")
	alice.waitText("#conversation-list .conv-empty", "Nothing in your inbox. Your archived conversations are under Archived.")
}
