package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserReportAndModerate: at desktop and phone width, a person reports
// a message from the chat (the dialog offers the sender's messages, the
// reported one checked); an operator finds it in the moderation queue with
// that message only, suspends the sender and closes the report; a
// non-operator gets "Page not found" at /moderation. axe-core checks the
// report dialog, the moderation page, the settings page (password and
// sessions) and the reset page: no serious or critical violation.
func TestBrowserReportAndModerate(t *testing.T) {
	for _, size := range widths {
		t.Run(size.name, func(t *testing.T) {
			w := newWorld(t)
			mallory := w.account("mallory", "Mallory Mal")
			bob := w.account("bob", "Bob Builder")
			opal := w.account("opal", "Opal Operator")
			if _, err := w.srv.Moderation().SetOperator(context.Background(), "opal", true); err != nil {
				t.Fatal(err)
			}
			bob.api("PUT", "/api/v1/accounts/mallory/follow", nil, nil)
			conv := mallory.openConversation("", "bob")
			mallory.send(conv.ID, "buy now")
			mallory.send(conv.ID, "or else")

			// Bob reports "or else" from the chat.
			bob.login()
			bob.viewport(size.width, size.height)
			bob.do("open the chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.CSS("#message-list li.msg")))
			bob.act("or else", "report")
			bob.do("the report dialog", chromedp.WaitVisible(chromedp.CSS("dialog.report-dialog")))
			if !bob.eval("the reported message is checked", `(() => {
				const boxes = [...document.querySelectorAll('dialog.report-dialog input[type=checkbox]')];
				const on = boxes.filter((b) => b.checked).map((b) => b.nextElementSibling.textContent);
				return boxes.length === 2 && on.length === 1 && on[0] === 'or else';
			})()`) {
				t.Fatal("the report dialog does not offer mallory's two messages with the reported one checked")
			}
			bob.axe("report dialog at " + size.name)
			bob.shotIf("40-report-dialog-" + size.name)
			bob.do("reason", chromedp.SendKeys(chromedp.ID("report-reason"), "threat"))
			bob.click("dialog.report-dialog button[type=submit]", "Send report")
			bob.waitFor("the dialog closes", `() => !document.querySelector('dialog.report-dialog')`)
			bob.waitText("#announcer", "Report sent")

			// A non-operator: the page does not exist.
			bob.do("bob at /moderation", chromedp.Navigate(w.base+"/moderation"))
			bob.waitText("h1", "Page not found")

			// Bob's settings: password and sessions.
			bob.do("settings", chromedp.Navigate(w.base+"/settings"), chromedp.WaitVisible(chromedp.CSS("#session-list li")))
			bob.waitText("#session-list", "This device")
			// ... and the report he filed, open, with its reason.
			bob.waitText("#my-reports", "@mallory")
			if !bob.eval("bob's report is listed open", `(() => {
				const rows = [...document.querySelectorAll('#my-reports li.my-report')];
				return rows.length === 1 && rows[0].querySelector('.pill').textContent === 'Open' &&
					rows[0].querySelector('.report-reason').textContent === 'threat' && rows[0].textContent.includes('1 message');
			})()`) {
				t.Fatal("settings does not list bob's one open report with its reason")
			}
			bob.axe("settings with password and sessions at " + size.name)
			bob.shotIf("41-settings-sessions-" + size.name)

			// The operator's queue.
			opal.login()
			opal.viewport(size.width, size.height)
			opal.waitFor("the moderation link", `() => { const a = document.getElementById('nav-moderation'); return a && a.offsetParent !== null; }`)
			opal.do("moderation", chromedp.Navigate(w.base+"/moderation"), chromedp.WaitVisible(chromedp.CSS("#report-queue li.report")))
			if !opal.eval("only the reported message", `(() => {
				const q = [...document.querySelectorAll('#report-queue li.report .report-messages .report-quote')].map((e) => e.textContent);
				return q.length === 1 && q[0] === 'or else' && document.querySelector('#report-queue .report-reason').textContent === 'threat';
			})()`) {
				t.Fatal("the queue does not show the report with exactly the reported message")
			}
			opal.axe("moderation at " + size.name)
			opal.shotIf("42-moderation-" + size.name)
			opal.click("#report-queue button", "Suspend @mallory")
			opal.waitText("#report-queue button", "Unsuspend @mallory")
			opal.waitText("#mod-log", "suspend @mallory")
			opal.click("#report-queue button", "Close report")
			opal.waitText("#report-queue", "No open reports")

			// Bob sees it closed.
			bob.do("settings again", chromedp.Navigate(w.base+"/settings"), chromedp.WaitVisible(chromedp.CSS("#my-reports li.my-report")))
			bob.waitText("#my-reports .pill", "Closed")
			bob.shotIf("44-my-reports-closed-" + size.name)

			// The reset page, from an operator's link.
			token, _, err := w.srv.Moderation().ResetLink(context.Background(), "mallory", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			mallory.open()
			mallory.viewport(size.width, size.height)
			mallory.do("reset page", chromedp.Navigate(w.base+"/reset-password#"+token), chromedp.WaitVisible(chromedp.ID("reset-new")))
			mallory.axe("reset password at " + size.name)
			mallory.shotIf("43-reset-password-" + size.name)
			mallory.do("new password", chromedp.SendKeys(chromedp.ID("reset-new"), "a-brand-new-password"),
				chromedp.SendKeys(chromedp.ID("reset-again"), "a-brand-new-password"))
			mallory.click("#reset-form button[type=submit]", "Set password")
			mallory.waitText("section", "Your password is set, @mallory")
		})
	}
}

// TestBrowserBlockedReactionSaysWhy: in a direct conversation where the
// other person blocked you, a reaction is refused (a block freezes the
// conversation both ways); the reaction shown at once goes again, and the
// page says why beside the composer, not only to a screen reader.
func TestBrowserBlockedReactionSaysWhy(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	alice.api("PUT", "/api/v1/accounts/bob/follow", nil, nil)
	bob.api("PUT", "/api/v1/accounts/alice/follow", nil, nil)
	conv := alice.openConversation("", "bob")
	alice.send(conv.ID, "Hi Bob!")
	bob.send(conv.ID, "Hello Alice")
	bob.api("PUT", "/api/v1/accounts/alice/block", nil, nil)
	alice.login()
	alice.do("chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.waitText("#message-list li.msg.theirs .text", "Hello Alice")
	// The actions show on hover or focus; a click on the button opens the picker.
	alice.do("open the picker", chromedp.Evaluate[chromedp.Void](`document.querySelector('#message-list li.msg.theirs [data-action=react]').click()`))
	alice.click("#message-list button.emoji", "❤")
	alice.waitText(".form-error", "You can't change messages in this conversation.")
	alice.waitFor("the reaction gone again", `() => !document.querySelector('#message-list li.msg.theirs .reactions')`)
}
