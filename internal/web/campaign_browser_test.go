package web_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// afternoonZone names a fixed-offset zone where it is about 14:00 now, so
// that a campaign on the real clock is never in quiet hours.
func afternoonZone() string {
	off := 14 - time.Now().UTC().Hour()
	switch {
	case off == 0:
		return "UTC"
	case off > 0:
		return fmt.Sprintf("Etc/GMT-%d", off)
	default:
		return fmt.Sprintf("Etc/GMT+%d", -off)
	}
}

// TestBrowserCampaignAndManageMessages: a follower sees a brand's campaign
// message marked "Campaign" in the chat, then turns the brand's automated
// messages off from "Manage messages from Acme" on its profile, which the
// consent engine sees at once (the API reports the STOP).
func TestBrowserCampaignAndManageMessages(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	dan.api("PUT", "/api/v1/accounts/acme/follow", nil, nil)
	acme.api("PUT", "/api/v1/brands/acme/settings", map[string]any{"time_zone": afternoonZone()}, nil)
	var c struct {
		Campaign struct {
			ID string `json:"id"`
		} `json:"campaign"`
	}
	acme.api("POST", "/api/v1/brands/acme/campaigns", map[string]any{
		"name": "Spring", "audience": map[string]any{"followers": true},
		"steps": []any{map[string]any{"variants": []any{map[string]any{"name": "A", "text": "Hi {{first_name|there}}, spring sale at {{brand_name}}", "weight": 100}}}},
	}, &c)
	acme.api("POST", "/api/v1/brands/acme/campaigns/"+c.Campaign.ID+"/start", nil, nil)

	dan.login()
	dan.click("#conversation-list a", "Acme Outdoor")
	dan.waitText("#message-list li.msg .text", "Hi Dan, spring sale at Acme Outdoor")
	dan.waitText("#message-list li.msg .campaign-label", "Campaign")

	dan.do("open the brand's profile", chromedp.Navigate(w.base+"/@acme"))
	dan.waitText("#manage-messages-title", "Manage messages from Acme Outdoor")
	dan.waitFor("the current consent", `() => document.getElementById('consent-allow')?.checked === true && !document.querySelector('.manage-messages[aria-busy]')`)
	dan.click("label[for=consent-allow]", "Automated messages")
	dan.waitText(".manage-messages .form-ok", "Saved.")
	var mc struct {
		MessagesConsent struct {
			OptedOut bool `json:"opted_out"`
		} `json:"messages_consent"`
	}
	dan.api("GET", "/api/v1/accounts/acme/messages-consent", nil, &mc)
	if !mc.MessagesConsent.OptedOut {
		t.Error("unticking \"Automated messages and campaigns\" did not opt dan out")
	}
	// The same from the conversation: Details shows "Manage messages", and
	// ticking the box again is START.
	dan.do("back to the chat", chromedp.Navigate(w.base+"/inbox"))
	dan.click("#conversation-list a", "Acme Outdoor")
	dan.click(".chat-head button", "Details")
	dan.waitText("#chat-details #manage-messages-title", "Manage messages from Acme Outdoor")
	dan.waitFor("the opt-out shown", `() => document.getElementById('consent-allow')?.checked === false && !document.querySelector('.manage-messages[aria-busy]')`)
	dan.click("#chat-details label[for=consent-allow]", "Automated messages")
	dan.waitText("#chat-details .manage-messages .form-ok", "Saved.")
	dan.api("GET", "/api/v1/accounts/acme/messages-consent", nil, &mc)
	if mc.MessagesConsent.OptedOut {
		t.Error("ticking \"Automated messages and campaigns\" in the conversation did not opt dan back in")
	}
	dan.shotIf("50-manage-messages-in-chat")
	if *screenshotDir != "" {
		dan.viewport(390, 844)
		dan.shotIf("51-phone-manage-messages-in-chat")
	}
}

// TestBrowserRSVPTallyLive: a recipient taps RSVP Yes under an event
// invitation in the chat, and the tally on the brand's campaigns page
// moves live (the campaign.progress event), with no reload.
func TestBrowserRSVPTallyLive(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	dan.api("PUT", "/api/v1/accounts/acme/follow", nil, nil)
	acme.api("PUT", "/api/v1/brands/acme/settings", map[string]any{"time_zone": afternoonZone()}, nil)
	var c struct {
		Campaign struct {
			ID string `json:"id"`
		} `json:"campaign"`
	}
	acme.api("POST", "/api/v1/brands/acme/campaigns", map[string]any{
		"name": "Store opening", "audience": map[string]any{"followers": true},
		"steps": []any{map[string]any{"variants": []any{map[string]any{"name": "A", "text": "Join us, {{first_name|friend}}!", "weight": 100}}}},
		"event": map[string]any{"title": "Store opening", "starts_at": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "time_zone": "Europe/Paris", "capacity": 10},
	}, &c)
	acme.api("POST", "/api/v1/brands/acme/campaigns/"+c.Campaign.ID+"/start", nil, nil)

	acme.login()
	acme.do("open the campaigns page", chromedp.Navigate(w.base+"/brands/acme/campaigns"))
	acme.waitText("#campaign-list .campaign h2", "Store opening")
	acme.waitText("#campaign-list .rsvp-tally", "0 going")

	dan.login()
	dan.click("#conversation-list a", "Acme Outdoor")
	dan.waitText("#message-list li.msg .text", "Join us, Dan!")
	dan.click(".quick-replies button.qr", "Yes")
	dan.waitText("#message-list li.msg .text", "You're in: Store opening")

	acme.waitText("#campaign-list .rsvp-tally", "1 going")
	acme.waitText("#campaign-list .count-sent", "1 sent")
	acme.shotIf("44-brand-campaigns")
	dan.shotIf("45-rsvp-in-chat")
	if *screenshotDir != "" {
		acme.viewport(390, 844)
		acme.shotIf("46-phone-brand-campaigns")
		dan.viewport(390, 844)
		dan.shotIf("47-phone-rsvp-in-chat")
	}
}

// TestBrowserCampaignFunnel: after a recipient reads and answers a campaign
// message, the brand opens the campaign's funnel on the campaigns page:
// the chart (inline SVG) shows the recipient as sent, read and replied, the
// campaign's name with markup in it stays text, and the CSV link is there.
func TestBrowserCampaignFunnel(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	dan.api("PUT", "/api/v1/accounts/acme/follow", nil, nil)
	acme.api("PUT", "/api/v1/brands/acme/settings", map[string]any{"time_zone": afternoonZone()}, nil)
	var c struct {
		Campaign struct {
			ID string `json:"id"`
		} `json:"campaign"`
	}
	acme.api("POST", "/api/v1/brands/acme/campaigns", map[string]any{
		"name": "<b>Spring</b> sale", "audience": map[string]any{"followers": true},
		"steps": []any{map[string]any{"variants": []any{
			map[string]any{"name": "A", "text": "Spring sale: https://shop.example/spring", "weight": 100},
		}}},
	}, &c)
	acme.api("POST", "/api/v1/brands/acme/campaigns/"+c.Campaign.ID+"/start", nil, nil)

	dan.login()
	dan.click("#conversation-list a", "Acme Outdoor")
	dan.waitText("#message-list li.msg .text", "Spring sale: ")
	dan.waitFor("the link tracked", `() => [...document.querySelectorAll('#message-list li.msg .text a')].some(a => a.href.includes('/l/'))`)
	dan.write("Do you have it in blue?")

	acme.login()
	acme.do("open the campaigns page", chromedp.Navigate(w.base+"/brands/acme/campaigns"))
	acme.waitText("#campaign-list .campaign h2", "<b>Spring</b> sale")
	acme.click("#campaign-list button[data-action=funnel]", "Funnel")
	acme.waitText(".funnel-chart .funnel-count[data-stage=sent]", "1")
	acme.waitText(".funnel-chart .funnel-count[data-stage=read]", "1 (100%)")
	acme.waitText(".funnel-chart .funnel-count[data-stage=replied]", "1 (100%)")
	acme.waitText(".funnel-chart .funnel-count[data-stage=clicked]", "0 (0%)")
	acme.waitFor("the CSV link and no markup from the name", `() => !!document.querySelector('a.funnel-csv[href$="/funnel.csv"]') && !document.querySelector('#campaign-list h2 b')`)
	acme.shotIf("48-campaign-funnel")
	if *screenshotDir != "" {
		acme.viewport(390, 844)
		acme.shotIf("49-phone-campaign-funnel")
	}
}

// TestBrowserCampaignEditor: the brand writes a campaign in the console's
// editor; the audience preview counts its follower; a bad split is refused
// by the API and the message shows beside the weight field; fixed, the
// draft is saved and listed.
func TestBrowserCampaignEditor(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	dan.api("PUT", "/api/v1/accounts/acme/follow", nil, nil)

	acme.login()
	acme.do("open the campaigns page", chromedp.Navigate(w.base+"/brands/acme/campaigns"))
	acme.click("#new-campaign", "New campaign")
	acme.waitText("#campaign-editor .cmp-preview", "1 person: Dan Rossi")
	acme.do("fill in the campaign",
		chromedp.SendKeys(`#campaign-editor [data-field="name"]`, "Autumn"),
		chromedp.SendKeys(`#campaign-editor [data-field="steps[0].variants[0].text"]`, "Autumn sale at {{brand_name}}"),
		chromedp.SetValue(`#campaign-editor [data-field="steps[0].variants[0].weight"]`, "150"),
	)
	acme.click("#campaign-editor button[type=submit]", "Create draft")
	// Beside its field the message reads as for a person, without the API's path.
	acme.waitFor("the error beside the weight", `() => document.querySelector('#campaign-editor [data-error-for="steps[0].variants[0].weight"]')?.textContent === '1 to 100.'`)
	acme.waitFor("the field marked", `() => document.querySelector('#campaign-editor [data-field="steps[0].variants[0].weight"]').getAttribute('aria-invalid') === 'true'`)
	acme.shotIf("52-campaign-editor-error")
	if *screenshotDir != "" {
		acme.viewport(390, 844)
		acme.shotIf("53-phone-campaign-editor-error")
		acme.viewport(1280, 800)
	}
	acme.do("fix the split", chromedp.SetValue(`#campaign-editor [data-field="steps[0].variants[0].weight"]`, "100"))
	acme.click("#campaign-editor button[type=submit]", "Create draft")
	acme.waitText("#campaign-list .campaign h2", "Autumn")
	acme.waitText("#campaign-list .campaign-status", "draft")
	acme.waitFor("the editor closed", `() => !document.querySelector('#campaign-editor form')`)

	// On a wide screen the page keeps the console's reading width, centred,
	// instead of stretching the list and its bars across 1920 pixels.
	acme.viewport(1920, 1080)
	if got := acme.evalString(`(() => { const r = document.querySelector('.console-campaigns').getBoundingClientRect();
		return Math.round(r.width) + ' ' + Math.round(r.left) + ' ' + Math.round(innerWidth - r.right); })()`); !wideCentred(got) {
		t.Errorf("campaigns page at 1920 wide: width, left and right margins %q, want at most 1040 wide and centred", got)
	}
}

// wideCentred reads "width left right" and says whether the element is at
// most 1040 pixels wide with equal margins.
func wideCentred(s string) bool {
	var w, l, r int
	if _, err := fmt.Sscan(s, &w, &l, &r); err != nil {
		return false
	}
	return w <= 1040 && w > 600 && l-r <= 1 && r-l <= 1
}

// setField sets a form control's value in the page and fires input and
// change, as a person's edit does.
func (p *person) setField(sel, value string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("set %s to %q", sel, value), `(sel, value) => {
		const el = document.querySelector(sel);
		if (!el || el.disabled) return false;
		el.value = value;
		el.dispatchEvent(new Event('input', { bubbles: true }));
		el.dispatchEvent(new Event('change', { bubbles: true }));
		return true;
	}`, sel, value)
}

// TestBrowserCampaignEditorEventInvitation: the brand builds an event
// invitation in the console's editor, end to end: the event (title, a
// wall time in New York, a place, 2 places, a reminder a day before), an
// audience of (followers OR the label "vip") AND NOT the label "noevents"
// built with a nested group and an exclusion, whose live preview counts
// the right two people, and two follow-ups. The saved draft is exactly
// that; started from the console, it reaches the follower, holds back the
// non-follower with a human reason, and the excluded follower is not
// targeted.
func TestBrowserCampaignEditorEventInvitation(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	dan := w.account("dan", "Dan Rossi")
	eve := w.account("eve", "Eve Moreau")
	mia := w.account("mia", "Mia Chen")
	acme.api("PUT", "/api/v1/brands/acme/settings", map[string]any{"time_zone": afternoonZone()}, nil)
	dan.api("PUT", "/api/v1/accounts/acme/follow", nil, nil)
	eve.api("PUT", "/api/v1/accounts/acme/follow", nil, nil)
	// eve follows but is labelled "noevents"; mia does not follow but is
	// labelled "vip".
	for _, x := range []struct {
		p     *person
		label string
	}{{eve, "noevents"}, {mia, "vip"}} {
		conv := x.p.openConversation("", "acme")
		x.p.send(conv.ID, "Hello")
		acme.api("PATCH", "/api/v1/brands/acme/conversations/"+conv.ID, map[string]any{"labels": []string{x.label}}, nil)
	}

	acme.login()
	acme.do("open the campaigns page", chromedp.Navigate(w.base+"/brands/acme/campaigns"))
	acme.click("#new-campaign", "New campaign")
	acme.waitText("#campaign-editor .cmp-preview", "2 people")
	ed := "#campaign-editor "
	acme.setField(ed+`[data-field="name"]`, "Store opening")
	acme.setField(ed+`[data-field="type"]`, "event")
	acme.setField(ed+`[data-field="event.title"]`, "Store opening party")
	acme.setField(ed+`[data-field="event.time_zone"]`, "America/New_York")
	acme.setField(ed+`[data-field="event.starts_at"]`, "2030-06-01T18:30")
	acme.setField(ed+`[data-field="event.place"]`, "12 Main St")
	acme.setField(ed+`[data-field="event.capacity"]`, "2")
	acme.setField(ed+`[data-field="steps[0].variants[0].text"]`, "You're invited, {{first_name|friend}}!")

	// The audience: the root's follower condition becomes "Exclude: label
	// noevents", and a group "Any of: followers, label vip" is added.
	root := ed + ".aud-root"
	acme.setField(root+" > .aud-children > .aud-leaf .aud-not", "not")
	acme.setField(root+" > .aud-children > .aud-leaf .aud-kind", "label")
	acme.setField(root+" > .aud-children > .aud-leaf .aud-label", "noevents")
	acme.click(root+" > .aud-row button[data-action=add-group]", "Add a group")
	group := root + " > .aud-children > li.aud-group"
	acme.click(group+" > .aud-row button[data-action=add-condition]", "Add a condition")
	acme.setField(group+" > .aud-children > .aud-leaf:nth-child(2) .aud-kind", "label")
	acme.setField(group+" > .aud-children > .aud-leaf:nth-child(2) .aud-label", "vip")
	acme.waitFor("the group is an OR", `() => document.querySelector('#campaign-editor .aud-root > .aud-children > li.aud-group .aud-op').value === 'or'`)
	acme.waitText(ed+".cmp-preview", "2 people")
	acme.waitFor("the preview names dan and mia, not eve", `() => {
		const t = document.querySelector('#campaign-editor .cmp-preview').textContent;
		return t.includes('Dan Rossi') && t.includes('Mia Chen') && !t.includes('Eve');
	}`)

	// Two follow-ups: a day, then two days after.
	acme.click(ed+"button[data-action=add-followup]", "Add a follow-up")
	acme.setField(ed+`[data-field="steps[1].variants[0].text"]`, "Still thinking about it?")
	acme.click(ed+"button[data-action=add-followup]", "Add a follow-up")
	acme.setField(ed+`[data-field="steps[2].variants[0].text"]`, "Last call!")
	acme.setField(ed+`[data-field="steps[2].delay_minutes"]`, "2")
	acme.waitFor("a third follow-up refused", `() => document.querySelector('#campaign-editor button[data-action=add-followup]').disabled`)
	acme.eval("show the audience", `(document.querySelector('#campaign-editor .cmp-audience').scrollIntoView(), true)`)
	acme.shotIf("54-campaign-editor-event")
	acme.viewport(390, 844)
	acme.waitFor("no sideways scroll on a phone", `() => document.documentElement.scrollWidth <= window.innerWidth + 1`)
	acme.eval("show the audience", `(document.querySelector('#campaign-editor .cmp-audience').scrollIntoView(), true)`)
	acme.shotIf("55-phone-campaign-editor-event")
	acme.viewport(1280, 800)
	acme.waitFor("no sideways scroll on a laptop", `() => document.documentElement.scrollWidth <= window.innerWidth + 1`)

	acme.click("#campaign-editor button[type=submit]", "Create draft")
	acme.waitText("#campaign-list .campaign h2", "Store opening")
	acme.waitFor("the editor closed", `() => !document.querySelector('#campaign-editor form')`)

	var list struct {
		Campaigns []struct {
			ID       string          `json:"id"`
			Type     string          `json:"type"`
			Audience json.RawMessage `json:"audience"`
			Steps    []struct {
				Variants []struct {
					Text string `json:"text"`
				} `json:"variants"`
				DelayMinutes int `json:"delay_minutes"`
			} `json:"steps"`
			Event struct {
				Title           string    `json:"title"`
				StartsAt        time.Time `json:"starts_at"`
				TimeZone        string    `json:"time_zone"`
				Place           string    `json:"place"`
				Capacity        int       `json:"capacity"`
				ReminderMinutes int       `json:"reminder_minutes_before"`
			} `json:"event"`
		} `json:"campaigns"`
	}
	acme.api("GET", "/api/v1/brands/acme/campaigns", nil, &list)
	if len(list.Campaigns) != 1 {
		t.Fatalf("%d campaigns, want 1", len(list.Campaigns))
	}
	c := list.Campaigns[0]
	if c.Type != "event" {
		t.Errorf("type %q, want event", c.Type)
	}
	var aud any
	json.Unmarshal(c.Audience, &aud)
	wantAud := map[string]any{"and": []any{
		map[string]any{"not": map[string]any{"label": "noevents"}},
		map[string]any{"or": []any{map[string]any{"followers": true}, map[string]any{"label": "vip"}}},
	}}
	if !reflect.DeepEqual(aud, wantAud) {
		t.Errorf("audience %s, want (followers OR vip) AND NOT noevents", c.Audience)
	}
	if len(c.Steps) != 3 || c.Steps[1].Variants[0].Text != "Still thinking about it?" || c.Steps[1].DelayMinutes != 1440 ||
		c.Steps[2].Variants[0].Text != "Last call!" || c.Steps[2].DelayMinutes != 2*1440 {
		t.Errorf("steps %+v, want the message and follow-ups after 1 and 2 days", c.Steps)
	}
	// 18:30 in New York on 1 June 2030 (EDT, UTC-4) is 22:30 UTC.
	e := c.Event
	if e.Title != "Store opening party" || e.TimeZone != "America/New_York" || !e.StartsAt.Equal(time.Date(2030, 6, 1, 22, 30, 0, 0, time.UTC)) ||
		e.Place != "12 Main St" || e.Capacity != 2 || e.ReminderMinutes != 1440 {
		t.Errorf("event %+v", e)
	}

	// Started from the console: dan gets the invitation, mia (no follow,
	// no opt-in) is held back with a human reason, eve is not targeted.
	acme.click("#campaign-list button[data-action=start]", "Start")
	acme.waitText("#campaign-list .count-sent", "1 sent")
	acme.waitText("#campaign-list .campaign-counts", "of 2")
	acme.waitText("#campaign-list .campaign-skipped", "1 not following, no opt-in")
	dan.login()
	dan.click("#conversation-list a", "Acme Outdoor")
	dan.waitText("#message-list li.msg .text", "You're invited, Dan!")
	dan.waitText("#message-list li.msg .text", "Store opening party")
	dan.waitFor("the RSVP buttons", `() => document.querySelectorAll('.quick-replies button.qr').length === 3`)
}

// TestBrowserAudienceKeepsFocus: the campaign editor's audience is drawn
// again after every change of its shape; the keyboard focus now stays on a
// condition's kind changed with the arrow keys, goes to the new
// condition's kind after Add a condition or Add a group, and to the next
// condition's ✕ after a ✕ (Add a condition once none is left). It fell to
// the page each time.
func TestBrowserAudienceKeepsFocus(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.newCampaign()
	root := "#campaign-editor .aud-root"
	acme.do("the audience", chromedp.WaitVisible(chromedp.CSS(root+" .aud-kind")))
	leafKinds := `[...document.querySelectorAll('#campaign-editor .aud-root > .aud-children > .aud-leaf .aud-kind')]`
	at := func(what, js string) {
		t.Helper()
		acme.waitFor(what, `() => { const a = document.activeElement; return !!a && (`+js+`); }`)
	}
	acme.do("kind by keyboard", chromedp.Focus(chromedp.CSS(root+" .aud-kind")), pressKey("ArrowDown", 40))
	at("the kind select keeps the focus", `a === `+leafKinds+`[0] && a.value !== 'followers'`)
	press := chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`)
	acme.do("add a condition", chromedp.Focus(chromedp.CSS(root+" > .aud-row button[data-action=add-condition]")), press)
	at("the new condition's kind", `a === `+leafKinds+`[1]`)
	acme.do("add a group", chromedp.Focus(chromedp.CSS(root+" > .aud-row button[data-action=add-group]")), press)
	at("the group's first condition's kind", `a.classList.contains('aud-kind') && !!a.closest('li.aud-group')`)
	acme.do("remove the first condition", chromedp.Focus(chromedp.CSS(root+" > .aud-children > .aud-leaf .aud-remove")), press)
	at("the next condition's ✕", `a.classList.contains('aud-remove') && a.closest('li') === document.querySelector('#campaign-editor .aud-root > .aud-children > li')`)
	acme.do("remove the rest", press, press)
	at("Add a condition", `a.dataset.action === 'add-condition' && !!a.closest('.aud-root') && !document.querySelector('#campaign-editor .aud-remove')`)
}

// TestBrowserFollowUpRemoveKeepsFocus: Remove this follow-up hands the
// keyboard focus to the next follow-up's Remove, then to Add a follow-up;
// it fell to the page.
func TestBrowserFollowUpRemoveKeepsFocus(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.newCampaign()
	acme.click("#campaign-editor button[data-action=add-followup]", "Add a follow-up")
	acme.click("#campaign-editor button[data-action=add-followup]", "Add a follow-up")
	acme.waitFor("two follow-ups", `() => document.querySelectorAll('#campaign-editor [data-action=remove-followup]').length === 2`)
	press := chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`)
	acme.do("remove the first", chromedp.Focus(chromedp.CSS(`#campaign-editor [data-action=remove-followup]`)), press)
	acme.waitFor("the other's Remove", `() => document.activeElement.dataset.action === 'remove-followup' && document.querySelectorAll('#campaign-editor [data-action=remove-followup]').length === 1`)
	acme.do("remove it", press)
	acme.waitFor("Add a follow-up", `() => document.activeElement.dataset.action === 'add-followup'`)
}

// TestBrowserCampaignCancelAsks: a campaign's Cancel asks first ("Cancel
// for good?"), since a cancelled campaign cannot be resumed and one press
// ended it; the question keeps the keyboard focus through the list's
// redraw, and the second press cancels.
func TestBrowserCampaignCancelAsks(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.api("POST", "/api/v1/brands/acme/campaigns", map[string]any{
		"name": "Spring", "audience": map[string]any{"followers": true},
		"steps": []any{map[string]any{"variants": []any{map[string]any{"name": "A", "text": "Spring sale", "weight": 100}}}},
	}, nil)
	status := func() string {
		var r struct {
			Campaigns []struct {
				Status string `json:"status"`
			} `json:"campaigns"`
		}
		acme.api("GET", "/api/v1/brands/acme/campaigns", nil, &r)
		return r.Campaigns[0].Status
	}
	acme.login()
	acme.do("campaigns", chromedp.Navigate(w.base+"/brands/acme/campaigns"), chromedp.WaitVisible(chromedp.CSS("#campaign-list [data-action=cancel]")))
	press := chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`)
	acme.do("press Cancel", chromedp.Focus(chromedp.CSS("#campaign-list [data-action=cancel]")), press)
	acme.waitFor("asked, with the focus", `() => document.activeElement.dataset.action === 'cancel' && document.activeElement.textContent === 'Cancel for good?' && document.activeElement.getAttribute('aria-label') === 'Confirm: cancel Spring for good'`)
	if s := status(); s != "draft" {
		t.Fatalf("after one press the campaign is %s, want draft", s)
	}
	acme.do("confirm", press)
	acme.waitText("#campaign-list .campaign-status", "cancelled")
	if s := status(); s != "cancelled" {
		t.Errorf("after confirming the campaign is %s, want cancelled", s)
	}
}

// TestBrowserVariantRemove: a variant added by mistake can be taken off
// again (there was no way back but Cancel, and its empty message stopped
// the save); Add a variant hands the focus to the new variant's name and is
// off at the limit of five (it did nothing).
func TestBrowserVariantRemove(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.newCampaign()
	ed := "#campaign-editor "
	acme.setField(ed+`[data-field="name"]`, "Spring")
	acme.setField(ed+`[data-field="steps[0].variants[0].text"]`, "Spring sale at {{brand_name}}")
	if acme.eval("no remove for the only variant", `!!document.querySelector('#campaign-editor [data-action=remove-variant]')`) {
		t.Error("the only variant offers Remove")
	}
	for i := 2; i <= 5; i++ {
		acme.click(ed+"button[data-action=add-variant]", "Add a variant")
		acme.waitFor(fmt.Sprintf("variant %d's name focused", i), `(p) => document.activeElement.getAttribute('data-field') === p`, fmt.Sprintf("steps[0].variants[%d].name", i-1))
	}
	if !acme.eval("Add off at five", `document.querySelector('#campaign-editor button[data-action=add-variant]').disabled`) {
		t.Error("Add a variant is on with five variants")
	}
	for i := 5; i >= 2; i-- {
		acme.click(ed+"button[data-action=remove-variant]", fmt.Sprintf("Remove variant %d", i))
	}
	acme.waitFor("one variant left, Add focused", `() => document.querySelectorAll('#campaign-editor .cmp-variant').length === 1 && document.activeElement.dataset.action === 'add-variant' && !document.querySelector('#campaign-editor [data-action=remove-variant]')`)
	acme.click(ed+"button[type=submit]", "Create draft")
	acme.waitText("#campaign-list .campaign", "Spring")
}

// TestBrowserVariantRemoveMiddle: any variant can be removed, not only the
// last: removing variant 2 of 3 keeps variants 1 and 3 with what was typed
// in them, renumbered (legends, labels, and the paths the API's messages
// name, so an error on the new variant 2 shows beside its field); the
// focus goes to the next Remove; the next Add a variant takes the free
// name B (not a second C, which the API refuses); and the draft saved has
// the variants left.
func TestBrowserVariantRemoveMiddle(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.newCampaign()
	ed := "#campaign-editor "
	v := func(i int, f string) string {
		return fmt.Sprintf(`%s[data-field="steps[0].variants[%d].%s"]`, ed, i, f)
	}
	acme.setField(ed+`[data-field="name"]`, "Spring")
	acme.setField(v(0, "text"), "Text A")
	for i, text := range []string{"Text B", "Text C"} {
		acme.click(ed+"button[data-action=add-variant]", "Add a variant")
		acme.setField(v(i+1, "text"), text)
	}
	acme.setField(v(1, "weight"), "30")
	acme.setField(v(2, "weight"), "150") // refused by the API, below
	if n := acme.evalString(`String(document.querySelectorAll('#campaign-editor [data-action=remove-variant]').length)`); n != "3" {
		t.Fatalf("%s Remove buttons for 3 variants, want one each", n)
	}

	acme.click(ed+"button[data-action=remove-variant]", "Remove variant 2")
	state := `() => [...document.querySelectorAll('#campaign-editor .cmp-variant')].map((fs) => {
		const name = fs.querySelector('.cmp-variant-name');
		const label = document.querySelector('label[for="' + name.id + '"]');
		return [fs.querySelector('legend').textContent, name.value, fs.querySelector('.cmp-variant-text').value,
			fs.querySelector('.cmp-variant-weight').value, name.dataset.field, label ? 'labelled' : 'unlabelled',
			fs.querySelector('[data-action=remove-variant]')?.textContent || ''].join('|');
	}).join(' / ')`
	want := "Variant 1|A|Text A|100|steps[0].variants[0].name|labelled|Remove variant 1 / " +
		"Variant 2|C|Text C|150|steps[0].variants[1].name|labelled|Remove variant 2"
	acme.waitFor("A and C left, renumbered", `(want) => (`+state+`)() === want`, want)
	if got := acme.evalString(`document.activeElement.textContent`); got != "Remove variant 2" {
		t.Errorf("after removing variant 2 the focus is on %q, want the next Remove", got)
	}

	// The API's message about the variant now second lands beside C's
	// weight.
	acme.click(ed+"button[type=submit]", "Create draft")
	acme.waitFor("the error beside C's weight", `() => document.querySelector('#campaign-editor [data-error-for="steps[0].variants[1].weight"]')?.textContent === '1 to 100.' &&
		document.activeElement === document.querySelector('#campaign-editor [data-field="steps[0].variants[1].weight"]')`)
	acme.setField(v(1, "weight"), "20")

	// A new variant takes the free letter.
	acme.click(ed+"button[data-action=add-variant]", "Add a variant")
	acme.waitFor("the new variant is B", `(sel) => document.querySelector(sel)?.value === 'B' && document.activeElement === document.querySelector(sel)`, v(2, "name"))
	acme.click(ed+"button[data-action=remove-variant]", "Remove variant 3")
	acme.waitFor("focus on the last Remove", `() => document.activeElement.textContent === 'Remove variant 2'`)

	acme.click(ed+"button[type=submit]", "Create draft")
	acme.waitText("#campaign-list .campaign", "Spring")
	var list struct {
		Campaigns []struct {
			Steps []struct {
				Variants []struct {
					Name   string `json:"name"`
					Text   string `json:"text"`
					Weight int    `json:"weight"`
				} `json:"variants"`
			} `json:"steps"`
		} `json:"campaigns"`
	}
	acme.api("GET", "/api/v1/brands/acme/campaigns", nil, &list)
	if len(list.Campaigns) != 1 || len(list.Campaigns[0].Steps) != 1 {
		t.Fatalf("campaigns: %+v", list.Campaigns)
	}
	got := fmt.Sprint(list.Campaigns[0].Steps[0].Variants)
	if want := "[{A Text A 100} {C Text C 20}]"; got != want {
		t.Errorf("saved variants %s, want %s", got, want)
	}
}

// TestBrowserCampaignEditorLook: in the campaign editor, an event's Link
// has the field look of the Title beside it (it was the browser's bare
// box), and Add a variant, Add a follow-up and a variant's Remove are
// buttons of their text's width, not bars across the form, nor is a
// variant's Share of the split. With a
// follow-up and a condition open, axe-core finds nothing serious: the
// units beside the reminder and the delay had no name.
func TestBrowserCampaignEditorLook(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	acme.newCampaign()
	ed := "#campaign-editor "
	acme.setField(ed+`select[data-field="type"]`, "event")
	acme.click(ed+"button[data-action=add-variant]", "Add a variant")
	look := `(sel) => { const s = getComputedStyle(document.querySelector(sel));
		return [s.borderTopLeftRadius, s.paddingLeft, s.borderTopWidth, s.backgroundColor, s.height].join(' '); }`
	link := acme.evalString(`(` + look + `)('#campaign-editor [data-field="event.link"]')`)
	title := acme.evalString(`(` + look + `)('#campaign-editor [data-field="event.title"]')`)
	if link != title {
		t.Errorf("the event's Link looks like %q, its Title like %q", link, title)
	}
	for _, sel := range []string{"[data-action=add-variant]", "[data-action=add-followup]", "[data-action=remove-variant]"} {
		if !acme.eval(sel, `(() => {
			const b = document.querySelector('#campaign-editor `+sel+`');
			return b.getBoundingClientRect().width < b.parentElement.getBoundingClientRect().width / 2;
		})()`) {
			t.Errorf("%s stretches across the form", sel)
		}
	}
	// A share of the split is a number of 1-100: a box of a few digits,
	// not the form's width.
	if !acme.eval("the share's width", `(() => {
		const i = document.querySelector('#campaign-editor .cmp-variant-weight');
		return i.getBoundingClientRect().width < i.closest('fieldset').getBoundingClientRect().width / 3;
	})()`) {
		t.Error("a variant's Share of the split stretches across the form")
	}
	// The shares are relative: each says what it comes to, as it is typed.
	shares := `(want) => [...document.querySelectorAll('#campaign-editor .cmp-share')].map((s) => s.textContent).join('|') === want`
	acme.waitFor("100 and 50 split two to one", shares, "About 67% of the recipients.|About 33% of the recipients.")
	acme.setField(ed+`[data-field="steps[0].variants[1].weight"]`, "100")
	acme.waitFor("100 and 100 split evenly", shares, "About 50% of the recipients.|About 50% of the recipients.")
	acme.click(ed+"button[data-action=add-followup]", "Add a follow-up")
	acme.click(ed+"button[data-action=add-condition]", "Add a condition")
	for _, want := range []string{"Unit of the reminder", "Unit of the delay"} {
		acme.waitFor("a unit named "+want, `(want) => [...document.querySelectorAll('#campaign-editor select.unit')].some((s) => s.getAttribute('aria-label') === want)`, want)
	}
	acme.axe("the campaign editor with an event, two variants, a follow-up and a condition")
}

// TestBrowserCampaignStartKeepsFocus: Start, Pause and Resume are disabled
// while their request runs, which took the keyboard focus off them and left
// it on the page; it comes back to the campaign's card (Start became Pause).
func TestBrowserCampaignStartKeepsFocus(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	for _, name := range []string{"One", "Two"} {
		acme.api("POST", "/api/v1/brands/acme/campaigns", map[string]any{
			"name": name, "audience": map[string]any{"followers": true},
			"steps": []any{map[string]any{"variants": []any{map[string]any{"name": "A", "text": "Hello", "weight": 100}}}},
		}, nil)
	}
	acme.login()
	acme.do("campaigns", chromedp.Navigate(w.base+"/brands/acme/campaigns"), chromedp.WaitVisible(chromedp.CSS("#campaign-list button[data-action=start]")))
	acme.do("press Start", chromedp.Evaluate[chromedp.Void](`(() => {
		const b = document.querySelector('#campaign-list button[data-action=start]');
		window.__card = b.closest('[data-id]').dataset.id;
		b.focus();
		b.click();
	})()`))
	acme.waitFor("the focus on the started campaign", `() => {
		const a = document.activeElement;
		const card = a && a.closest('#campaign-list [data-id]');
		return !!card && card.dataset.id === window.__card && a.tagName === 'BUTTON' && !card.querySelector('[data-action=start]');
	}`)
}
