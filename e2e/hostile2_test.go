package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/server"
)

// The tests of this file come from a second hostile probe: each attacks the
// running server through its public surface and asserts the secure outcome.

// TestWebhookErrorsNameNoInsideAddress: a brand owner points webhooks at
// names that resolve inside the server's network (localhost here) and at a
// name that does not resolve. The delivery log says why each attempt
// failed, but names neither the private address the name resolved to nor
// the server's DNS resolver: otherwise the log maps the private network for
// anyone who owns a brand, one URL at a time.
func TestWebhookErrorsNameNoInsideAddress(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff) // no --webhook-allow: loopback is refused
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	cara := e.user("cara")
	u, err := url.Parse(e.url)
	must(t, err, "parse the server's URL")
	inside := "http://localhost:" + u.Port() + "/hook"
	nowhere := "http://parley-probe-nowhere.invalid/hook"
	ids := map[string]string{}
	for _, target := range []string{inside, nowhere} {
		w, _, err := acme.CreateWebhook(ctx, "acme", client.WebhookParams{URL: target, Events: []string{"message.received"}})
		must(t, err, "create webhook "+target)
		ids[w.ID] = target
	}
	conv := e.direct(cara, "acme")
	e.send(cara, conv.ID, "hello acme")

	deadline := time.Now().Add(20 * time.Second)
	for {
		ds, _, err := acme.WebhookDeliveries(ctx, "acme", "", "", 10)
		must(t, err, "delivery log")
		tried := 0
		for _, d := range ds {
			if d.Attempts > 0 {
				tried++
			}
		}
		if tried == len(ids) && len(ds) == len(ids) {
			for _, d := range ds {
				target := ids[d.EndpointID]
				if d.Status == "succeeded" {
					t.Errorf("%s: a delivery succeeded", target)
				}
				if d.LastError == "" {
					t.Errorf("%s: no last_error", target)
				}
				for _, leak := range []string{"127.0.0.1", "::1", " on ", ":53"} {
					if strings.Contains(d.LastError, leak) {
						t.Errorf("%s: last_error %q names an inside address (%q)", target, d.LastError, leak)
					}
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries not attempted in time: %+v", ds)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestRedeliveryBounded: a brand owner asks for the same delivery again and
// again. Each redelivery is a new delivery of up to 12 POSTs to a URL of
// their choosing, run by the job workers every brand shares, so past a
// burst the answer is 429 with Retry-After and nothing more is queued.
func TestRedeliveryBounded(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOn) // no --webhook-allow: nothing is really sent
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	cara := e.user("cara")
	_, _, err := acme.CreateWebhook(ctx, "acme", client.WebhookParams{URL: "https://example.com/hook", Events: []string{"message.received"}})
	must(t, err, "create webhook")
	conv := e.direct(cara, "acme")
	e.send(cara, conv.ID, "hello acme")
	ds, _, err := acme.WebhookDeliveries(ctx, "acme", "", "", 10)
	must(t, err, "delivery log")
	if len(ds) != 1 {
		t.Fatalf("want one delivery, got %+v", ds)
	}
	made := 0
	for i := 0; i < 200; i++ {
		_, err := acme.Redeliver(ctx, "acme", ds[0].ID)
		if err != nil {
			wantStatus(t, err, 429, "a redelivery past the limit")
			break
		}
		made++
	}
	if made >= 200 || made < 10 {
		t.Errorf("%d redeliveries in a row were accepted: want a burst of a few dozen, then 429", made)
	}
	all, _, err := acme.WebhookDeliveries(ctx, "acme", "", "", 200)
	must(t, err, "delivery log")
	if len(all) != made+1 {
		t.Errorf("%d deliveries after %d accepted redeliveries: a refused one was queued", len(all), made)
	}
}

// TestSignupNotFromAnotherSite: a page elsewhere posts a sign-up form
// (text/plain that happens to be JSON) from each visitor's browser. Without
// a cookie at stake it was still worth forging: every visitor's address
// made the attacker's accounts, past the per-address sign-up limit. A
// foreign Origin is refused and creates nothing; the web app (this site's
// Origin) and API clients (no Origin) sign up as before.
func TestSignupNotFromAnotherSite(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	u, err := url.Parse(e.url)
	must(t, err, "parse the server's URL")
	watcher := e.user("watcher")
	signup := func(handle, origin, ctype string) int {
		req, err := http.NewRequest("POST", e.url+"/api/v1/accounts",
			strings.NewReader(`{"handle":"`+handle+`","password":"correct horse battery","x":"="}`))
		must(t, err, "request")
		req.Header.Set("Content-Type", ctype)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := http.DefaultClient.Do(req)
		must(t, err, "sign up")
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		handle, origin, ctype string
		want                  int
	}{
		{"forged_form", "https://evil.example", "text/plain", 403},
		{"forged_json", "https://evil.example", "application/json", 403},
		{"forged_sibling", "http://" + u.Hostname() + ".evil.example:" + u.Port(), "text/plain", 403},
		{"from_the_app", "http://" + u.Host, "application/json", 201},
		{"api_client", "", "application/json", 201},
	} {
		if got := signup(c.handle, c.origin, c.ctype); got != c.want {
			t.Errorf("sign-up %s (Origin %q, %s): want %d, got %d", c.handle, c.origin, c.ctype, c.want, got)
		}
		_, err := watcher.Account(e.ctx, c.handle)
		if exists := err == nil; exists != (c.want == 201) {
			t.Errorf("after sign-up %s: account exists %v (%v)", c.handle, exists, err)
		}
	}
}

// TestLoginThrottleHoldsAcrossAnIPv6Network: behind a proxy that forwards
// client addresses, one host tries passwords of one handle from a new
// address of its IPv6 /64 each time (a host is given the whole /64), then
// signs up from new ones. Both limits hold for the network as for one IPv4
// address; the account's owner, elsewhere, still logs in.
func TestLoginThrottleHoldsAcrossAnIPv6Network(t *testing.T) {
	t.Parallel()
	e := startWith(t, limitsOn, func(c *server.Config) { c.TrustProxy = true })
	e.user("vic")
	post := func(path, body, from string) int {
		req, err := http.NewRequest("POST", e.url+path, strings.NewReader(body))
		must(t, err, "request")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := http.DefaultClient.Do(req)
		must(t, err, "POST "+path)
		resp.Body.Close()
		return resp.StatusCode
	}
	guesses := 0
	for i := 1; i <= 60; i++ {
		from := fmt.Sprintf("2001:db8:7:7:%x::%x", i, i)
		if post("/api/v1/sessions", `{"handle":"vic","password":"guess-number-`+strconv.Itoa(i)+`"}`, from) == http.StatusTooManyRequests {
			break
		}
		guesses++
	}
	if guesses > 10 {
		t.Errorf("%d wrong passwords for one handle from one /64 before a 429: want at most 10", guesses)
	}
	if got := post("/api/v1/sessions", `{"handle":"vic","password":"`+password("vic")+`"}`, "2001:db8:9:9::1"); got != http.StatusCreated {
		t.Errorf("vic from another network: want 201, got %d", got)
	}
	signups := 0
	for i := 1; i <= 40; i++ {
		from := fmt.Sprintf("2001:db8:5:5::%x", i)
		if post("/api/v1/accounts", fmt.Sprintf(`{"handle":"farm%d","password":"correct horse battery"}`, i), from) == http.StatusTooManyRequests {
			break
		}
		signups++
	}
	if signups > 20 {
		t.Errorf("%d sign-ups from one /64 before a 429: want at most the burst of 20", signups)
	}
}

// TestRemovedAdminsBotTokensEnd: an admin makes a bot token, then is taken
// off the team. The token was a key to the whole inbox (read every
// customer's conversation, answer as the brand) that outlived their access;
// it ends with the removal, while a token the brand's other managers made
// keeps working.
func TestRemovedAdminsBotTokensEnd(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	ada, cara := e.user("ada"), e.user("cara")
	_, err := acme.AddTeamMember(ctx, "acme", "ada", "admin")
	must(t, err, "add ada as admin")
	_, adaSecret, err := ada.CreateBotToken(ctx, "acme", "Ada's script")
	must(t, err, "ada makes a bot token")
	_, houseSecret, err := acme.CreateBotToken(ctx, "acme", "House bot")
	must(t, err, "the brand makes a bot token")
	conv := e.direct(cara, "acme")
	e.send(cara, conv.ID, "my order number is 1234")
	bot := func(secret string) *client.Client {
		c := e.client(e.url)
		c.SetToken(secret)
		return c
	}
	adaBot, houseBot := bot(adaSecret), bot(houseSecret)
	_, _, err = adaBot.Inbox(ctx, "acme", client.InboxFilter{})
	must(t, err, "ada's bot reads the inbox while she is on the team")

	must(t, acme.RemoveTeamMember(ctx, "acme", "ada"), "remove ada")
	_, _, err = adaBot.Inbox(ctx, "acme", client.InboxFilter{})
	wantStatus(t, errOnly(0, 0, err), 401, "the removed admin's bot token reads the inbox")
	_, err = adaBot.SendAsBrand(ctx, "acme", conv.ID, client.BrandReply{Text: "still here"})
	wantStatus(t, err, 401, "the removed admin's bot token answers as the brand")
	_, _, err = houseBot.Inbox(ctx, "acme", client.InboxFilter{})
	ok(t, err, "the brand's own bot token after ada's removal")
	ts, err := acme.BotTokens(ctx, "acme")
	must(t, err, "list bot tokens")
	if len(ts) != 1 || ts[0].Name != "House bot" {
		t.Errorf("bot tokens after ada's removal: %+v", ts)
	}
}

// TestPasswordResetTriesBounded: an outsider posts made-up reset tokens
// with acceptable passwords. Each try hashed the password (argon2, 19 MiB)
// before the token was looked at, with no bound: a cheap way to tie up the
// server's memory and CPU. Past a few tries from one address the answer is
// 429 with Retry-After; another address is not refused.
func TestPasswordResetTriesBounded(t *testing.T) {
	t.Parallel()
	e := startWith(t, limitsOn, func(c *server.Config) { c.TrustProxy = true })
	post := func(token, from string) (int, string) {
		req, err := http.NewRequest("POST", e.url+"/api/v1/password-reset",
			strings.NewReader(`{"token":"`+token+`","password":"a fine new password"}`))
		must(t, err, "request")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", from)
		resp, err := http.DefaultClient.Do(req)
		must(t, err, "POST /api/v1/password-reset")
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	tries := 0
	for i := 0; i < 40; i++ {
		status, retry := post(fmt.Sprintf("made-up-token-%d", i), fmt.Sprintf("2001:db8:3:3::%x", i+1))
		if status == http.StatusTooManyRequests {
			if retry == "" {
				t.Errorf("429 without Retry-After")
			}
			break
		}
		if status != http.StatusForbidden {
			t.Fatalf("made-up token: want 403, got %d", status)
		}
		tries++
	}
	if tries > 10 {
		t.Errorf("%d made-up reset tokens from one network before a 429: want at most 10", tries)
	}
	if status, _ := post("another-made-up-token", "198.51.100.20"); status != http.StatusForbidden {
		t.Errorf("a try from another address: want 403, got %d", status)
	}
}

// TestOptInButtonDoesNotUndoStop: the opt-in quick reply's title is the
// brand's to write. A person who said STOP is offered "Confirm
// unsubscribe" carrying the opt-in payload and taps it; another is offered
// a button titled STOP with that payload. Neither ends up opted in: a STOP
// is undone only by the person's own START (or "Manage messages"), and a
// title that is a stop word is a STOP.
func TestOptInButtonDoesNotUndoStop(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	e.brandAccount("shop", "Shop")
	pia, quinn := e.user("pia"), e.user("quinn")

	conv := e.direct(pia, "shop")
	e.send(pia, conv.ID, "hello")
	e.send(pia, conv.ID, "STOP")
	_, _, err := pia.Send(ctx, conv.ID, client.SendParams{Text: "Confirm unsubscribe", Payload: "parley:opt_in"})
	must(t, err, "pia taps the brand's button")
	if m, err := pia.MessagesConsent(ctx, "shop"); err != nil || !m.OptedOut || m.OptedIn {
		t.Errorf("pia said STOP, then tapped a button with the opt-in payload: consent %+v %v", m, err)
	}
	e.send(pia, conv.ID, "START")
	if m, err := pia.MessagesConsent(ctx, "shop"); err != nil || m.OptedOut {
		t.Errorf("pia's own START: consent %+v %v", m, err)
	}

	qc := e.direct(quinn, "shop")
	_, _, err = quinn.Send(ctx, qc.ID, client.SendParams{Text: "STOP", Payload: "parley:opt_in"})
	must(t, err, "quinn taps a button titled STOP")
	if m, err := quinn.MessagesConsent(ctx, "shop"); err != nil || !m.OptedOut || m.OptedIn {
		t.Errorf("quinn tapped STOP (with the opt-in payload): consent %+v %v", m, err)
	}
}

// TestWebhookLogForgetsDeletedMessage: a customer writes something private
// to a brand, then deletes it for everyone. Every team view shows it
// deleted, but the webhook delivery log kept its text for 30 days for the
// brand's admins, and a redelivery (or a retry) sent it again. Now the log,
// the redelivery and the retries read it as deleted.
func TestWebhookLogForgetsDeletedMessage(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff) // no --webhook-allow: deliveries stay pending
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	cara := e.user("cara")
	_, _, err := acme.CreateWebhook(ctx, "acme", client.WebhookParams{URL: "https://example.com/hook", Events: []string{"message.received"}})
	must(t, err, "create webhook")
	conv := e.direct(cara, "acme")
	const secret = "my card is 4111 1111 1111 1111"
	m := e.send(cara, conv.ID, secret)
	ds, _, err := acme.WebhookDeliveries(ctx, "acme", "", "", 10)
	must(t, err, "delivery log")
	if len(ds) != 1 {
		t.Fatalf("want one delivery, got %+v", ds)
	}
	d, err := acme.WebhookDelivery(ctx, "acme", ds[0].ID)
	must(t, err, "the delivery")
	if !strings.Contains(string(d.Payload), "4111") {
		t.Fatalf("before the delete the body holds the message: %s", d.Payload)
	}
	must(t, cara.DeleteMessage(ctx, m.ID, true), "cara deletes it for everyone")

	d, err = acme.WebhookDelivery(ctx, "acme", ds[0].ID)
	must(t, err, "the delivery after the delete")
	if strings.Contains(string(d.Payload), "4111") || !strings.Contains(string(d.Payload), `"deleted":true`) {
		t.Errorf("the delivery log after a delete for everyone: %s", d.Payload)
	}
	rd, err := acme.Redeliver(ctx, "acme", ds[0].ID)
	must(t, err, "redeliver")
	rdd, err := acme.WebhookDelivery(ctx, "acme", rd.ID)
	must(t, err, "the redelivery")
	if strings.Contains(string(rdd.Payload), "4111") {
		t.Errorf("the redelivery of a deleted message: %s", rdd.Payload)
	}
}

// TestOptInButtonSaysWhatItDoes: the brand words its buttons, but a button
// that carries the opt-in payload reads "Yes, send me offers" whatever the
// brand wrote ("No thanks" on it opted in whoever tapped it): under a bot's
// message, live and in history (the bot's menu and ice breakers go through
// the same dm.HonestQuickReplies).
func TestOptInButtonSaysWhatItDoes(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	rae := e.user("rae")
	_, err := acme.PutRule(ctx, "acme", client.Rule{Enabled: true, Name: "offers", Trigger: client.RuleTrigger{Type: "keyword", Keywords: []string{"offers"}},
		Actions: []client.RuleAction{{Type: "reply", Text: "Want our offers?",
			QuickReplies: []client.QuickReply{{Title: "No thanks", Payload: "parley:opt_in"}, {Title: "Later", Payload: "LATER"}}}}})
	must(t, err, "save a rule with a deceptive opt-in button")
	stream, err := rae.Stream(ctx, "")
	must(t, err, "stream")
	defer stream.Close()
	conv := e.direct(rae, "acme")
	e.send(rae, conv.ID, "any offers?")
	want := []client.QuickReply{{Title: "Yes, send me offers", Payload: "parley:opt_in"}, {Title: "Later", Payload: "LATER"}}
	streamUntil(t, stream, "the bot's reply", func(ev client.Event) bool {
		if ev.Type != "message.created" || ev.Message == nil || ev.Message.Sender.Handle != "acme" {
			return false
		}
		if !slices.Equal(ev.Message.QuickReplies, want) {
			t.Errorf("live buttons %+v, want %+v", ev.Message.QuickReplies, want)
		}
		return true
	})
	msgs := waitMessages(t, rae, conv.ID, "the reply in history", func(ms []client.Message) bool { return countAutomated(ms) == 1 })
	if !slices.Equal(msgs[0].QuickReplies, want) {
		t.Errorf("history buttons %+v, want %+v", msgs[0].QuickReplies, want)
	}
}
