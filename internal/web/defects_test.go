package web_test

// Browser tests for the defects a new user tripped on (issue 17): each of
// them failed before its fix.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/server"
)

// phone and desktop are the two widths the app is checked at.
var widths = []struct {
	name          string
	width, height int64
}{{"desktop", 1280, 800}, {"phone", 390, 844}}

func (p *person) viewport(width, height int64) {
	p.t.Helper()
	p.do("viewport", chromedp.EmulateViewport(width, height))
}

// conversationsOf lists the ids in every folder of p's lists (through the API).
func (p *person) conversationsOf() []string {
	p.t.Helper()
	var all []string
	for _, f := range []string{"inbox", "requests", "archived"} {
		var r struct {
			Conversations []conversation `json:"conversations"`
		}
		p.api("GET", "/api/v1/conversations?folder="+f, nil, &r)
		for _, c := range r.Conversations {
			all = append(all, f+":"+c.ID)
		}
	}
	return all
}

// TestBrowserDraftChat: pressing Message on a stranger's profile, or picking
// them in New message, opens a draft: nothing reaches them, and neither list
// shows an empty conversation, until the first message creates it.
func TestBrowserDraftChat(t *testing.T) {
	for _, size := range widths {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t)
			alice := w.account("alice", "Alice Liddell")
			bob := w.account("bob", "Bob Builder")
			w.account("carol", "Carol Danvers")
			alice.login()
			bob.login()
			alice.viewport(size.width, size.height)
			bob.viewport(size.width, size.height)

			// From the profile.
			alice.do("bob's profile", chromedp.Navigate(w.base+"/@bob"), chromedp.WaitEnabled(chromedp.ID("message-button")))
			alice.do("press Message", chromedp.Click(chromedp.ID("message-button")))
			alice.waitFor("the draft", `() => location.pathname === '/new/@bob'`)
			alice.waitText("#chat-title", "Bob Builder")
			alice.do("composer", chromedp.WaitVisible(chromedp.ID("composer-text")))
			if got := bob.conversationsOf(); len(got) != 0 {
				t.Errorf("bob's lists before any message: %v", got)
			}
			if got := alice.conversationsOf(); len(got) != 0 {
				t.Errorf("alice's lists before any message: %v", got)
			}
			bob.do("bob's requests", chromedp.Navigate(w.base+"/requests"))
			bob.waitText("#conversation-list", "No message requests")

			alice.write("Hi Bob, first words")
			alice.waitFor("the conversation's address", `() => location.pathname.startsWith('/c/')`)
			bob.waitText(`a.tab[href="/requests"] .badge`, "1")
			bob.waitText("#conversation-list a.conv", "Alice Liddell")
			if got := bob.conversationsOf(); len(got) != 1 || !strings.HasPrefix(got[0], "requests:") {
				t.Errorf("bob's lists after the message: %v", got)
			}

			// From New message, with people search.
			alice.do("inbox", chromedp.Navigate(w.base+"/inbox"))
			alice.click("#new-message", "New message")
			alice.do("search carol", chromedp.WaitVisible(chromedp.ID("compose-search")), chromedp.SendKeys(chromedp.ID("compose-search"), "car"))
			alice.click("#compose-search-results button", "Carol Danvers")
			alice.waitFor("the draft to carol", `() => location.pathname === '/new/@carol'`)
			alice.write("Hello Carol")
			alice.waitFor("the conversation's address", `() => location.pathname.startsWith('/c/')`)
			alice.waitText("#conversation-list a.conv", "Carol Danvers")
			// Picking bob again opens the existing conversation, not a draft.
			alice.do("new message again", chromedp.Navigate(w.base+"/new"), chromedp.WaitVisible(chromedp.ID("compose-search")),
				chromedp.SendKeys(chromedp.ID("compose-search"), "bob"))
			alice.click("#compose-search-results button", "Bob Builder")
			alice.waitFor("the existing conversation", `() => location.pathname.startsWith('/c/')`)
			alice.waitText("#message-list .text", "Hi Bob, first words")
		})
	}
}

// TestBrowserConsolePhone: on a phone an agent taps a conversation, the
// conversation replaces the list, they answer, and the back link returns to
// the list.
func TestBrowserConsolePhone(t *testing.T) {
	w := newWorld(t)
	_, bob, dan := w.acmeTeam()
	conv := dan.openConversation("", "acme")
	dan.send(conv.ID, "My tent has a hole")

	bob.login()
	bob.viewport(390, 844)
	bob.do("console", chromedp.Navigate(w.base+"/brands/acme"))
	bob.click("#inbox-list .inbox-item a", "Dan Rossi")
	bob.waitText("#inbox-thread li.msg.theirs .text", "My tent has a hole")
	bob.waitFor("the conversation fills the screen", `() => {
		const list = document.getElementById('inbox-list');
		const text = document.getElementById('inbox-text');
		return list.offsetParent === null && text && text.offsetParent !== null;
	}`)
	// The inbox controls fold into one line on a phone, so the thread keeps
	// most of the screen; a tap opens them.
	bob.waitText("#inbox-controls-summary", "Open · Bob Okafor") // round-robin gave it to Bob
	if bob.eval("no null", `document.getElementById('inbox-controls-summary').textContent.includes('null')`) {
		t.Error("the controls' summary shows null")
	}
	if !bob.eval("controls folded", `!document.getElementById('inbox-controls').closest('details').open &&
		document.getElementById('inbox-thread').getBoundingClientRect().top < 300`) {
		t.Error("on a phone the inbox controls are not folded")
	}
	if !bob.eval("thread height", `document.getElementById('inbox-thread').getBoundingClientRect().height > 844 / 3`) {
		t.Error("on a phone the thread has under a third of the screen")
	}
	bob.click("#inbox-controls-summary", "Open")
	bob.waitFor("controls shown", `() => document.getElementById('inbox-controls').closest('details').open &&
		document.getElementById('inbox-set-status').getBoundingClientRect().height > 0`)
	bob.do("answer", chromedp.SendKeys(chromedp.ID("inbox-text"), "Sorry! A new one is on its way."))
	bob.click("#inbox-send", "Send")
	bob.waitText("#inbox-thread li.msg.mine .text", "Sorry! A new one is on its way.")
	bob.click(".console-head a.back", "‹")
	bob.waitFor("the list again", `() => document.getElementById('inbox-list').offsetParent !== null`)
}

// TestBrowserBusinessHours: the owner sees one row per day, edits them, and
// the server stores what they chose, at desktop and phone width.
func TestBrowserBusinessHours(t *testing.T) {
	for _, size := range widths {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t)
			acme := w.brandAccount("acme", "Acme Outdoor")
			acme.api("PUT", "/api/v1/brands/acme/settings", map[string]any{"time_zone": "Europe/Paris", "hours_enabled": true,
				"hours": []map[string]string{{"day": "mon", "open": "09:00", "close": "17:00"}, {"day": "sat", "open": "10:00", "close": "12:00"}}}, nil)
			acme.login()
			acme.viewport(size.width, size.height)
			acme.do("settings", chromedp.Navigate(w.base+"/brands/acme/settings"))
			acme.waitFor("seven day rows", `() => document.querySelectorAll('#hours-days .hours-row').length === 7`)
			if acme.eval("object text", `document.getElementById('hours-form').textContent.includes('[object')`) {
				t.Error("the business-hours form shows [object ...]")
			}
			if !acme.eval("stored hours shown", `document.getElementById('hours-on-mon').checked && document.getElementById('hours-on-sat').checked &&
				!document.getElementById('hours-on-sun').checked && document.getElementById('hours-open-sat').value === '10:00'`) {
				t.Error("the form does not show the stored hours")
			}
			acme.do("edit the hours", chromedp.Evaluate[chromedp.Void](`(() => {
				document.getElementById('hours-on-sat').checked = false;
				document.getElementById('hours-on-tue').checked = true;
				document.getElementById('hours-open-tue').value = '08:30';
				document.getElementById('hours-close-tue').value = '18:00';
			})()`), chromedp.Click(chromedp.ID("hours-save")))
			acme.waitText("#hours-form .form-ok", "Saved.")
			var set struct {
				Settings struct {
					Hours []struct{ Day, Open, Close string } `json:"hours"`
				} `json:"settings"`
			}
			acme.api("GET", "/api/v1/brands/acme/settings", nil, &set)
			got := fmt.Sprint(set.Settings.Hours)
			if want := "[{mon 09:00 17:00} {tue 08:30 18:00}]"; got != want {
				t.Errorf("stored hours %s, want %s", got, want)
			}
		})
	}
}

// TestBrowserConsoleThreadOrder: a note sits after the message it followed
// even when its time says earlier (written on a node whose clock is behind):
// the thread follows the stored order.
func TestBrowserConsoleThreadOrder(t *testing.T) {
	w := newWorld(t)
	_, bob, dan := w.acmeTeam()
	conv := dan.openConversation("", "acme")
	first := dan.send(conv.ID, "first question")
	second := dan.send(conv.ID, "second question")
	bob.api("POST", "/api/v1/brands/acme/conversations/"+conv.ID+"/notes", map[string]any{"text": "note after the second"}, nil)

	// The note's clock was two seconds behind the message it followed.
	db, err := sql.Open("sqlite", server.DatabasePath(w.dir)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE brand_notes SET created_at = (SELECT created_at - 2000 FROM messages WHERE id = ?) WHERE conversation_id = ?`, second.ID, conv.ID)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("skewing the note's clock: %v (%d rows)", err, n)
	}
	_ = first

	bob.login()
	bob.do("the conversation", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID))
	bob.waitText("#inbox-thread li.note .text", "note after the second")
	order := bob.evalString(`[...document.querySelectorAll('#inbox-thread li .text')].map((e) => e.textContent).join(' | ')`)
	if want := "first question | second question | note after the second"; order != want {
		t.Errorf("thread order %q, want %q", order, want)
	}
}

func (p *person) evalString(expr string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		p.t.Fatalf("%s (%s): %v", expr, p.handle, err)
	}
	return s
}

// TestBrowserNoNameGreeting: a customer who gave no name shows as their
// handle in the console, and the canned greeting falls back to "there".
func TestBrowserNoNameGreeting(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	bob := w.account("bob", "Bob Okafor")
	dan := w.account("dan1", "")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	var canned struct {
		CannedReply struct {
			ID string `json:"id"`
		} `json:"canned_reply"`
	}
	acme.api("POST", "/api/v1/brands/acme/canned-replies", map[string]any{"title": "Greeting", "text": "Hi {{first_name|there}}!"}, &canned)
	conv := dan.openConversation("", "acme")
	dan.send(conv.ID, "hello?")

	bob.login()
	bob.do("the conversation", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID))
	bob.waitText("#inbox-customer", "dan1")
	bob.waitFor("pick the canned reply", `(id) => {
		const s = document.getElementById('inbox-canned');
		if (!s || ![...s.options].some((o) => o.value === id)) return false;
		s.value = id;
		s.dispatchEvent(new Event('change'));
		return true;
	}`, canned.CannedReply.ID)
	bob.waitFor("the greeting falls back", `() => document.getElementById('inbox-text').value === 'Hi there!'`)
}

// TestBrowserBidiSpoof: a right-to-left override in a message is shown as a
// visible tag in an isolated element, and a display name with one is
// refused.
func TestBrowserBidiSpoof(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	alice.api("PUT", "/api/v1/accounts/bob/follow", nil, nil)
	conv := bob.openConversation("", "alice")
	bob.send(conv.ID, "invoice_\u202efdp.exe")
	alice.login()
	alice.do("the chat", chromedp.Navigate(w.base+"/c/"+conv.ID))
	alice.waitText("#message-list li.theirs .text", "invoice_[RLO]fdp.exe")
	if !alice.eval("isolated", `(() => {
		const t = document.querySelector('#message-list li.theirs .text');
		const p = document.querySelector('#conversation-list .conv-preview');
		return t.getAttribute('dir') === 'auto' && getComputedStyle(t).unicodeBidi === 'isolate' &&
			!t.textContent.includes('\u202e') && p && !p.textContent.includes('\u202e');
	})()`) {
		t.Error("the message text is not isolated, or the override is still in it")
	}
	res := bob.rawPatchMe(map[string]any{"display_name": "evil\u202eliam"})
	if res != 400 {
		t.Errorf("a display name with an override: status %d, want 400", res)
	}
}

// rawPatchMe answers the status of PATCH /api/v1/me.
func (p *person) rawPatchMe(body map[string]any) int {
	p.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("PATCH", p.w.base+"/api/v1/me", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// topBadge is the top bar's count of unread conversations; badgeCounts
// waits until it, the Requests tab's count and the page title's read as
// "top requests title" ("0" where one is not shown).
const (
	topBadge    = `.topbar .nav-link[data-nav=messages] .badge`
	badgeCounts = `(want) => {
		const b = document.querySelector('` + topBadge + `');
		const r = document.querySelector('a.tab[href="/requests"] .badge');
		const got = [b && !b.hidden ? b.textContent : '0', r ? r.textContent : '0', document.title.match(/^\((\d+)\) /)?.[1] || '0'].join(' ');
		return got === want;
	}`
)

// TestBrowserBadgeExcludesRequests: the top bar's count (and the page
// title's) is the inbox's unread conversations, as on Instagram and X; a
// message request from a stranger does not light it, the Requests tab
// counts requests on its own, and an accepted request joins the count.
func TestBrowserBadgeExcludesRequests(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	carol := w.account("carol", "Carol Danvers")
	erin := w.account("erin", "Erin Hunter")
	alice.api("PUT", "/api/v1/accounts/bob/follow", nil, nil)
	direct := bob.openConversation("", "alice")
	bob.send(direct.ID, "Lunch tomorrow?")
	req := carol.openConversation("", "alice")
	carol.send(req.ID, "Hello from a stranger")
	if f := alice.folderOf(req.ID); f != "requests" {
		t.Fatalf("carol's message is in %s, want requests", f)
	}
	if f := alice.folderOf(direct.ID); f != "inbox" {
		t.Fatalf("bob's message is in %s, want inbox", f)
	}

	alice.login()
	counts := badgeCounts
	// Top bar 1 (bob), Requests 1 (carol), title (1).
	alice.waitFor("inbox 1, requests 1", counts, "1 1 1")
	if got := alice.evalString(`document.querySelector('` + topBadge + `').getAttribute('aria-label')`); got != "1 unread conversations" {
		t.Errorf("the badge's label: %q", got)
	}
	// Another request, live: only the Requests tab moves.
	req2 := erin.openConversation("", "alice")
	erin.send(req2.ID, "Another stranger")
	alice.waitFor("inbox 1, requests 2", counts, "1 2 1")
	// Carol's request accepted elsewhere: her unread message counts now.
	alice.api("POST", "/api/v1/conversations/"+req.ID+"/accept", nil, nil)
	alice.waitFor("inbox 2, requests 1", counts, "2 1 2")
}

// TestBrowserBadgeCountsBeyondAPage: the badges count what the server
// counts, not the first page the app loaded (50 conversations): 60 unread
// groups and 55 requests show as such; a read on another device takes one
// off the top bar live, accepting a request elsewhere moves it over, and a
// muted conversation is not counted.
func TestBrowserBadgeCountsBeyondAPage(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	carol := w.account("carol", "Carol Danvers")
	bob.api("PUT", "/api/v1/accounts/alice/follow", nil, nil)
	var inbox, requests []string
	for i := range 60 {
		g := alice.openConversation(fmt.Sprintf("Alice's group %d", i), "bob", "carol")
		alice.send(g.ID, "Hello")
		inbox = append(inbox, g.ID)
	}
	for i := range 55 {
		g := carol.openConversation(fmt.Sprintf("Carol's group %d", i), "bob", "alice")
		carol.send(g.ID, "Join us")
		requests = append(requests, g.ID)
	}

	bob.login()
	counts := badgeCounts
	bob.waitFor("inbox 60, requests 55", counts, "60 55 60")
	if n := bob.evalString(`String(document.querySelectorAll('#conversation-list a.conv').length)`); n == "60" {
		t.Fatalf("the app loaded all 60 conversations at once: the test needs more than a page")
	}
	// Bob reads the oldest group, beyond the page, on another device.
	bob.api("POST", "/api/v1/conversations/"+inbox[0]+"/read", map[string]any{}, nil)
	bob.waitFor("inbox 59 after a read elsewhere", counts, "59 55 59")
	// And accepts carol's oldest group there: an unread inbox conversation now.
	bob.api("POST", "/api/v1/conversations/"+requests[0]+"/accept", nil, nil)
	bob.waitFor("inbox 60, requests 54 after an accept elsewhere", counts, "60 54 60")
	// A muted conversation does not light the badge.
	bob.api("PATCH", "/api/v1/conversations/"+requests[0], map[string]any{"muted": true}, nil)
	bob.waitFor("inbox 59 after a mute", counts, "59 54 59")
}

// TestBrowserDownloadYourData: Settings offers the person's data as a file;
// the link is a download of /api/v1/me/export, which the session's cookie
// authorizes, and the file starts with the person's own account.
func TestBrowserDownloadYourData(t *testing.T) {
	w := newWorld(t)
	alice, bob, c := w.directChat()
	bob.send(c.ID, "Hello <b>Alice</b>")
	alice.login()
	alice.do("open the settings", chromedp.Navigate(w.base+"/settings"))
	alice.waitFor("the download link", `() => { const a = document.getElementById('export-link'); return !!a && a.getAttribute('href') === '/api/v1/me/export' && a.hasAttribute('download'); }`)
	alice.waitFor("the file, fetched with the session's cookie", `() => {
		if (!window.__export) {
			window.__export = 'pending';
			fetch('/api/v1/me/export').then((r) => r.text()).then((t) => { window.__export = t; });
		}
		if (window.__export === 'pending') return false;
		const lines = window.__export.trim().split('\n').map((l) => JSON.parse(l));
		return lines[0].type === 'account' && lines[0].account.handle === 'alice'
			&& lines.some((l) => l.type === 'message' && l.message.text === 'Hello <b>Alice</b>')
			&& lines[lines.length - 1].type === 'end';
	}`)
}

// TestBrowserSeenOnANewDevice: "Seen" under a message comes from the
// server's read markers too, not only from a read.updated event that
// arrived live: bob read alice's message while she was not online, and a
// fresh login shows it.
func TestBrowserSeenOnANewDevice(t *testing.T) {
	w := newWorld(t)
	alice, bob, c := w.directChat()
	alice.send(c.ID, "Lunch tomorrow?")
	bob.api("POST", "/api/v1/conversations/"+c.ID+"/accept", nil, nil)
	bob.api("POST", "/api/v1/conversations/"+c.ID+"/read", map[string]any{}, nil)
	alice.login()
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID))
	alice.waitText(`#message-list li.mine .text`, "Lunch tomorrow?")
	alice.waitText(`#message-list li.mine .seen`, "Seen")
}
