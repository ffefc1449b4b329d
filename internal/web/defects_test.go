package web_test

// Browser tests for the defects a new user tripped on (issue 17): each of
// them failed before its fix.

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
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
