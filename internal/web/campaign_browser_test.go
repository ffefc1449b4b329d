package web_test

import (
	"fmt"
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
	acme.waitText("#campaign-editor .cmp-preview", "1 people: Dan Rossi")
	acme.do("fill in the campaign",
		chromedp.SendKeys(`#campaign-editor [data-field="name"]`, "Autumn"),
		chromedp.SendKeys(`#campaign-editor [data-field="steps[0].variants[0].text"]`, "Autumn sale at {{brand_name}}"),
		chromedp.SetValue(`#campaign-editor [data-field="steps[0].variants[0].weight"]`, "150"),
	)
	acme.click("#campaign-editor button[type=submit]", "Create draft")
	acme.waitText(`#campaign-editor [data-error-for="steps[0].variants[0].weight"]`, "steps[0].variants[0].weight: 1 to 100.")
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
}
