package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// pressKey presses a key without text (arrows, Escape) as a keyboard does.
func pressKey(key string, code int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
				Type: typ, Key: key, Code: key, WindowsVirtualKeyCode: code, NativeVirtualKeyCode: code,
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// TestBrowserWhatPeopleExpect: links in messages, Read more, the keyboard
// (up-arrow edits, "/" searches, Esc closes), muted shown, the blocked list
// with Unblock, and the colour switch.
func TestBrowserWhatPeopleExpect(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	w.account("mallory", "Mallory Mean")
	alice.api("PUT", "/api/v1/accounts/bob/follow", nil, nil)
	alice.api("PUT", "/api/v1/accounts/mallory/block", nil, nil)
	conv := bob.openConversation("", "alice")
	bob.send(conv.ID, "See https://example.com/x?y=1. Or javascript:alert(1) or mail bob@example.com or call +1 555 010 0199")
	bob.send(conv.ID, strings.Repeat("A long story. ", 80))
	alice.api("PATCH", "/api/v1/conversations/"+conv.ID, map[string]any{"muted": true}, nil)

	alice.login()
	alice.do("the chat", chromedp.Navigate(w.base+"/c/"+conv.ID))
	alice.waitText("#message-list .text", "See ")
	// Links: http(s) only, safe rel, e-mail and phone.
	if !alice.eval("links", `(() => {
		const as = [...document.querySelectorAll('#message-list .text a')];
		const hrefs = as.map((a) => a.getAttribute('href'));
		return hrefs.includes('https://example.com/x?y=1') && hrefs.includes('mailto:bob@example.com') &&
			hrefs.includes('tel:+15550100199') && !hrefs.some((h) => h.startsWith('javascript')) &&
			as.every((a) => a.rel === 'noopener noreferrer' && a.target === '_blank');
	})()`) {
		t.Error("message links are missing or unsafe")
	}
	// Read more unfolds a long message.
	alice.waitFor("folded", `() => document.querySelector('#message-list .text.folded') !== null`)
	alice.click("#message-list .read-more", "Read more")
	alice.waitFor("unfolded", `() => !document.querySelector('#message-list .text.folded') &&
		document.querySelector('#message-list .read-more').getAttribute('aria-expanded') === 'true'`)
	// Muted shows in the header.
	alice.waitText("#chat-muted", "Muted")

	// Up-arrow in the empty composer edits my last message.
	alice.write("Typo hree")
	alice.do("up arrow", chromedp.Focus(chromedp.ID("composer-text")), pressKey("ArrowUp", 38))
	alice.waitFor("editing", `() => document.getElementById('composer-text').value === 'Typo hree' &&
		document.querySelector('.composer-context').textContent.includes('Editing')`)
	alice.do("fix", clearComposer, chromedp.SendKeys(chromedp.ID("composer-text"), "Typo here"), pressEnter)
	bob.login()
	bob.do("bob's chat", chromedp.Navigate(w.base+"/c/"+conv.ID))
	bob.waitText("#message-list li.theirs .text", "Typo here")

	// "/" goes to the search; Esc closes the details panel.
	alice.do("details", chromedp.Click(chromedp.CSS(".chat-head button[aria-controls=chat-details]")), chromedp.WaitVisible(chromedp.ID("chat-details")))
	alice.do("esc", pressKey("Escape", 27))
	alice.do("details closed", chromedp.WaitNotVisible(chromedp.ID("chat-details")))
	alice.do("slash", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), pressKey("/", 191))
	alice.waitFor("search focused", `() => document.activeElement && document.activeElement.id === 'people-search' && document.activeElement.value === ''`)

	// The blocked list, with Unblock.
	alice.do("settings", chromedp.Navigate(w.base+"/settings"))
	alice.waitText("#blocked-list", "Mallory Mean")
	alice.click("#blocked-list button", "Unblock")
	alice.waitText("#blocked-list", "haven’t blocked anyone")
	var prof struct {
		BlockedByMe bool `json:"blocked_by_me"`
	}
	alice.api("GET", "/api/v1/accounts/mallory", nil, &prof)
	if prof.BlockedByMe {
		t.Error("mallory is still blocked after Unblock")
	}

	// The colour switch overrides the system's choice and is remembered.
	alice.do("dark", chromedp.SetValue(chromedp.ID("pref-theme"), "dark"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('pref-theme').dispatchEvent(new Event('change'))`))
	alice.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("pref-theme")))
	if !alice.eval("dark", `document.documentElement.dataset.theme === 'dark' &&
		getComputedStyle(document.body).backgroundColor === 'rgb(15, 20, 25)'`) {
		t.Error("the dark theme is not applied after a reload")
	}
}
