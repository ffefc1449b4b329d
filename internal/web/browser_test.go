package web_test

// Browser tests: the real server (internal/server, on SQLite in a temporary
// folder) and the real web app in headless Chromium, driven by chromedp. Each
// person gets their own browser context (their own cookie jar) in one
// Chromium process, so "alice" and "bob" are as separate as two browsers.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/server"
)

var screenshotDir = flag.String("screenshots", "", "save PNG screenshots of the main pages into this folder (TestScreenshots)")

const (
	password = "correct horse battery"
	// stepTimeout bounds one wait in the browser: generous for a loaded CI
	// machine, and never a timing assertion (waits end as soon as the
	// condition holds).
	stepTimeout = 20 * time.Second
)

// chromiumPath finds Chromium, or "" when it is not installed.
func chromiumPath() string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// world is one server and one browser.
type world struct {
	t       *testing.T
	dir     string
	addr    string
	srv     *server.Server
	base    string
	browser context.Context
}

func newWorld(t *testing.T) *world {
	t.Helper()
	chrome := chromiumPath()
	if chrome == "" {
		t.Skip("chromium not installed: apt-get install -y chromium")
	}
	w := &world{t: t, dir: t.TempDir(), addr: "127.0.0.1:0"}
	w.start()
	t.Cleanup(w.stop)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(browser); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	w.browser = browser
	return w
}

func (w *world) start() {
	w.t.Helper()
	srv, err := server.New(context.Background(), server.Config{
		Addr:         w.addr,
		DataDir:      w.dir,
		RateLimitOff: true,
		PasswordCost: identity.CheapPasswordCost(),
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		w.t.Fatalf("server.New: %v", err)
	}
	if err := srv.Start(); err != nil {
		w.t.Fatalf("server start: %v", err)
	}
	w.srv = srv
	w.base = srv.URL()
	// A restart must come back on the same port: the pages reconnect to it.
	w.addr = strings.TrimPrefix(w.base, "http://")
}

func (w *world) stop() {
	if w.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.srv.Shutdown(ctx); err != nil {
		w.t.Errorf("server shutdown: %v", err)
	}
	w.srv = nil
}

// restart stops the server and starts a new one on the same data and port.
func (w *world) restart() {
	w.t.Helper()
	w.stop()
	w.start()
}

// person is someone with an account, a bearer token for set-up through the
// API, and (once opened) a browser tab of their own.
type person struct {
	w      *world
	t      *testing.T
	handle string
	name   string
	token  string
	ctx    context.Context

	mu       sync.Mutex
	problems []string
}

// account creates an account through the API.
// directChat makes alice and bob, and alice's direct chat with bob.
func (w *world) directChat() (alice, bob *person, c conversation) {
	alice = w.account("alice", "Alice Liddell")
	bob = w.account("bob", "Bob Builder")
	return alice, bob, alice.openConversation("", "bob")
}

// openOnPhone logs p in and opens a chat at a phone's width (390 x 844),
// its composer shown.
func (p *person) openOnPhone(convID string) {
	p.login()
	p.viewport(390, 844)
	p.do("open the chat", chromedp.Navigate(p.w.base+"/c/"+convID), chromedp.WaitVisible(chromedp.ID("composer-text")))
}

// newCampaign logs a brand's person in and opens a new campaign's editor.
func (p *person) newCampaign() {
	p.login()
	p.do("campaigns", chromedp.Navigate(p.w.base+"/brands/"+p.handle+"/campaigns"), chromedp.WaitVisible(chromedp.ID("new-campaign")))
	p.click("#new-campaign", "New campaign")
}

func (w *world) account(handle, name string) *person {
	w.t.Helper()
	p := &person{w: w, t: w.t, handle: handle, name: name}
	p.api("POST", "/api/v1/accounts", map[string]any{"handle": handle, "password": password, "display_name": name}, nil)
	var s struct {
		Token string `json:"token"`
	}
	p.api("POST", "/api/v1/sessions", map[string]any{"handle": handle, "password": password}, &s)
	p.token = s.Token
	return p
}

// api calls the HTTP API as p and fails the test on a non-2xx answer.
func (p *person) api(method, path string, body, out any) {
	p.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.w.base+path, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode/100 != 2 {
		p.t.Fatalf("%s %s as %s: %d %s", method, path, p.handle, res.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			p.t.Fatalf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
}

type conversation struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

func (p *person) openConversation(title string, members ...string) conversation {
	p.t.Helper()
	var r struct {
		Conversation conversation `json:"conversation"`
	}
	p.api("POST", "/api/v1/conversations", map[string]any{"members": members, "title": title}, &r)
	return r.Conversation
}

type message struct {
	ID  string `json:"id"`
	Seq int64  `json:"seq"`
}

func (p *person) send(convID, text string) message {
	p.t.Helper()
	var r struct {
		Message message `json:"message"`
	}
	p.api("POST", "/api/v1/conversations/"+convID+"/messages", map[string]any{"text": text}, &r)
	return r.Message
}

// folderOf tells in which folder p's list shows a conversation.
func (p *person) folderOf(convID string) string {
	p.t.Helper()
	for _, f := range []string{"inbox", "requests", "archived"} {
		var r struct {
			Conversations []conversation `json:"conversations"`
		}
		p.api("GET", "/api/v1/conversations?folder="+f, nil, &r)
		for _, c := range r.Conversations {
			if c.ID == convID {
				return f
			}
		}
	}
	p.t.Fatalf("conversation %s is in none of %s's folders", convID, p.handle)
	return ""
}

// open gives p a tab in a browser context of their own (no shared cookies).
// Uncaught exceptions and CSP violations in it fail the test.
func (p *person) open() {
	p.t.Helper()
	ctx, cancel := chromedp.NewContext(p.w.browser, chromedp.WithNewBrowserContext())
	p.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		p.t.Fatalf("opening a tab for %s: %v", p.handle, err)
	}
	p.ctx = ctx
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			text := m.String()
			if m.IsException() || strings.Contains(text, "Content Security Policy") || strings.Contains(text, "Content-Security-Policy") {
				p.mu.Lock()
				p.problems = append(p.problems, text)
				p.mu.Unlock()
			}
		}
	}()
	p.t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, s := range p.problems {
			p.t.Errorf("%s's page: %s", p.handle, s)
		}
	})
}

// do runs browser actions in p's tab; on failure it saves a screenshot to
// help whoever reads the failure.
func (p *person) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s (%s): %v%s", what, p.handle, err, p.failureShot(what))
	}
}

func (p *person) failureShot(what string) string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return ""
	}
	name := strings.NewReplacer(" ", "-", "/", "-", "\"", "", "'", "").Replace(fmt.Sprintf("parley-%s-%s-%s.png", p.t.Name(), p.handle, what))
	path := filepath.Join(os.TempDir(), name)
	if os.WriteFile(path, png, 0o644) != nil {
		return ""
	}
	return "\n(screenshot of the page: " + path + ")"
}

// waitFor waits until the JavaScript function fn, called with args, returns
// a truthy value in p's page.
func (p *person) waitFor(what, fn string, args ...any) {
	p.t.Helper()
	p.do(what, chromedp.PollFunction[chromedp.Void](fn,
		chromedp.WithPollingArgs(args...),
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(stepTimeout)))
}

// waitText waits until an element matching sel contains text.
func (p *person) waitText(sel, text string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%q in %s", text, sel),
		`(sel, text) => [...document.querySelectorAll(sel)].some((e) => e.textContent.includes(text))`, sel, text)
}

// click clicks the first element matching sel whose text contains text.
func (p *person) click(sel, text string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("click %q in %s", text, sel), `(sel, text) => {
		const el = [...document.querySelectorAll(sel)].find((e) => e.textContent.includes(text) && !e.disabled && e.offsetParent !== null);
		if (!el) return false;
		el.click();
		return true;
	}`, sel, text)
}

func (p *person) eval(what, expr string) bool {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s (%s): %v", what, p.handle, err)
	}
	return ok
}

// act presses one of the actions of the message whose text is text (they
// show when the message has the focus, as for a keyboard user).
func (p *person) act(text, action string) {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%s on %q", action, text), `(text, action) => {
		const li = [...document.querySelectorAll('#message-list li.msg')].find((l) => {
			const t = l.querySelector('.text');
			return t && t.textContent === text;
		});
		if (!li) return false;
		li.focus();
		const b = li.querySelector('[data-action="' + action + '"]');
		if (!b || b.offsetParent === null) return false;
		b.click();
		return true;
	}`, text, action)
}

// login logs p in through the login form.
func (p *person) login() {
	p.t.Helper()
	if p.ctx == nil {
		p.open()
	}
	p.do("log in",
		chromedp.Navigate(p.w.base+"/login"),
		chromedp.WaitVisible(chromedp.ID("login-handle")),
		chromedp.SendKeys(chromedp.ID("login-handle"), p.handle),
		chromedp.SendKeys(chromedp.ID("login-password"), password),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("conversation-list")),
	)
}

// write types text into the composer and presses Enter.
func (p *person) write(text string) {
	p.t.Helper()
	p.do("write "+text,
		chromedp.WaitVisible(chromedp.ID("composer-text")),
		chromedp.SendKeys(chromedp.ID("composer-text"), text),
		chromedp.Focus(chromedp.ID("composer-text")),
		pressEnter,
	)
	// Sent (not pending) once it carries the server's id.
	p.waitFor("message "+text+" sent", `(text) => [...document.querySelectorAll('#message-list li.msg.mine[data-id] .text')].some((e) => e.textContent === text)`, text)
}

// pressEnter presses Enter as a keyboard does, without the extra "char"
// event of chromedp.SendKeys("\n"), which would type a newline into the
// emptied composer after the app sent the message on keydown.
var pressEnter chromedp.Action[chromedp.Void] = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
		_, err := cdp.Call(ctx, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{
			Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
		})
		if err != nil {
			return err
		}
	}
	return nil
})

// clearComposer empties the composer as a person deleting their text would.
var clearComposer = chromedp.Evaluate[chromedp.Void](`(() => {
	const t = document.getElementById('composer-text');
	t.value = '';
	t.dispatchEvent(new Event('input', { bubbles: true }));
})()`)

func TestBrowserDirectMessages(t *testing.T) {
	w := newWorld(t)
	bob := w.account("bob", "Bob Builder")
	alice := &person{w: w, t: t, handle: "alice", name: "Alice Liddell"}

	// Alice signs up in the browser.
	alice.open()
	alice.do("sign up",
		chromedp.Navigate(w.base+"/signup"),
		chromedp.WaitVisible(chromedp.ID("signup-handle")),
		chromedp.SendKeys(chromedp.ID("signup-handle"), "alice"),
		chromedp.SendKeys(chromedp.ID("signup-name"), alice.name),
		chromedp.SendKeys(chromedp.ID("signup-password"), password),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("conversation-list")),
	)
	bob.login()

	// Alice finds Bob, opens his profile and presses Message.
	alice.do("search bob", chromedp.SendKeys(chromedp.ID("people-search"), "bo"))
	alice.click(`#people-search-results a`, "Bob Builder")
	alice.waitText("h1", "Bob Builder")
	alice.do("press Message",
		chromedp.WaitEnabled(chromedp.ID("message-button")),
		chromedp.Click(chromedp.ID("message-button")),
	)
	alice.write("Hi Bob! Lunch tomorrow?")

	// Bob sees the request arrive without reloading, in Requests.
	bob.waitText(`a.tab[href="/requests"] .badge`, "1")
	bob.click(`a.tab`, "Requests")
	// A request names its sender by handle beside the name (issue 16).
	bob.waitText(`#conversation-list a.conv .handle`, "@alice")
	bob.click(`#conversation-list a.conv`, "Alice Liddell")
	bob.waitText(`#message-list .text`, "Hi Bob! Lunch tomorrow?")
	bob.waitText(`.request-banner`, "Alice Liddell (@alice)")
	bob.waitText(`#announcer`, "New message from Alice Liddell")
	bob.click(`.request-banner button`, "Accept")

	// Typing shows on the other side.
	bob.do("type", chromedp.SendKeys(chromedp.ID("composer-text"), "thinking"))
	alice.waitText(`.typing`, "Bob Builder is typing")
	bob.do("clear composer", clearComposer)
	bob.write("Sure, noon works.")

	// Alice sees the reply live, and that Bob has seen her message.
	alice.waitText(`#message-list li.theirs .text`, "Sure, noon works.")
	alice.waitText(`#message-list li.mine .seen`, "Seen")

	// Reactions, edits and unsends arrive live.
	alice.act("Sure, noon works.", "react")
	alice.click(`.picker-emoji button`, "👍")
	bob.waitText(`#message-list li.mine .reaction`, "👍")
	bob.act("Sure, noon works.", "edit")
	bob.do("edit text",
		clearComposer,
		chromedp.SendKeys(chromedp.ID("composer-text"), "Sure, 12:30 works better."),
		pressEnter)
	alice.waitText(`#message-list li.theirs .text`, "Sure, 12:30 works better.")
	alice.waitText(`#message-list li.theirs .meta`, "edited")
	bob.write("Oops, wrong chat")
	alice.waitText(`#message-list li.theirs .text`, "Oops, wrong chat")
	bob.act("Oops, wrong chat", "unsend")
	bob.act("Oops, wrong chat", "unsend") // the second press confirms
	alice.waitText(`#message-list li.theirs .text.unsent`, "Message unsent")
	if alice.eval("unsent text gone", `document.getElementById('message-list').textContent.includes('Oops, wrong chat')`) {
		t.Error("the unsent text is still on alice's page")
	}

	// A reply quotes the message it answers.
	alice.act("Sure, 12:30 works better.", "reply")
	alice.waitText(`.composer-context`, "Replying to Bob Builder")
	alice.write("Great, see you then")
	bob.waitText(`#message-list li.theirs .quote`, "Sure, 12:30 works better.")

	// A message that looks like markup is shown as text, on both sides.
	const xss = `<img src=x onerror=alert(1)>`
	alice.write(xss)
	bob.waitText(`#message-list li.theirs .text`, xss)
	for _, p := range []*person{alice, bob} {
		if !p.eval("no img", `document.querySelectorAll('#message-list img').length === 0 && document.querySelectorAll('img[src=x]').length === 0`) {
			t.Errorf("%s's message list contains an img element", p.handle)
		}
	}

	// The conversation moved to Bob's inbox, with the latest message as preview.
	bob.click(`a.tab`, "Inbox")
	bob.waitText(`#conversation-list a.conv .conv-preview`, xss)

	// Someone who accepts no messages: the Message button is disabled and
	// says why.
	dora := w.account("dora", "Dora Explorer")
	dora.api("PATCH", "/api/v1/me", map[string]any{"allow_incoming": "nobody"}, nil)
	alice.do("dora's profile", chromedp.Navigate(w.base+"/@dora"), chromedp.WaitVisible(chromedp.ID("message-button")))
	alice.waitText(`.reason`, "isn’t accepting messages")
	if !alice.eval("disabled", `document.getElementById('message-button').disabled`) {
		t.Error("the Message button to dora is enabled")
	}

	// A request can be blocked from the chat window: it leaves Requests and
	// the sender is blocked.
	erin := w.account("erin", "Erin Hunter")
	erin.send(erin.openConversation("", "alice").ID, "Buy my course!")
	alice.do("requests", chromedp.Navigate(w.base+"/requests"))
	alice.click(`#conversation-list a.conv`, "Erin Hunter")
	alice.click(`.request-banner button`, "Block")
	alice.waitFor("request gone", `() => location.pathname === '/requests' && !document.getElementById('conversation-list').textContent.includes('Erin')`)
	var prof struct {
		BlockedByMe bool `json:"blocked_by_me"`
	}
	alice.tokenFromBrowser()
	alice.api("GET", "/api/v1/accounts/erin", nil, &prof)
	if !prof.BlockedByMe {
		t.Error("erin is not blocked after Block on her request")
	}

	// Log out: back to the login form, and the cookie no longer works.
	alice.do("log out", chromedp.Navigate(w.base+"/settings"))
	alice.click(`form button`, "Log out")
	alice.do("login form", chromedp.WaitVisible(chromedp.ID("login-handle")))
	if alice.eval("still logged in", `fetch('/api/v1/me').then((r) => r.ok)`) {
		t.Error("GET /api/v1/me still answers after logging out")
	}
}

// tokenFromBrowser gives a person who signed up in the browser a bearer
// token for set-up and checks through the API.
func (p *person) tokenFromBrowser() {
	p.t.Helper()
	if p.token != "" {
		return
	}
	var s struct {
		Token string `json:"token"`
	}
	p.api("POST", "/api/v1/sessions", map[string]any{"handle": p.handle, "password": password}, &s)
	p.token = s.Token
}

func TestBrowserHistoryAndComposer(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	conv := bob.openConversation("", "alice")
	for i := 1; i <= 75; i++ {
		bob.send(conv.ID, fmt.Sprintf("Message %d", i))
	}
	alice.api("POST", "/api/v1/conversations/"+conv.ID+"/accept", nil, nil)

	alice.login()
	alice.do("open", chromedp.Navigate(w.base+"/c/"+conv.ID))
	alice.waitText(`#message-list .text`, "Message 75")
	if alice.eval("all loaded at once", `[...document.querySelectorAll('#message-list .text')].some((e) => e.textContent === 'Message 1')`) {
		t.Error("the whole history loaded at once; want pages")
	}
	// Scrolling up loads older pages until the first message.
	alice.waitFor("scroll to the first message", `() => {
		const body = document.querySelector('.chat-body');
		body.scrollTop = 0;
		body.dispatchEvent(new Event('scroll'));
		return [...document.querySelectorAll('#message-list .text')].some((e) => e.textContent === 'Message 1');
	}`)
	if !alice.eval("in order", `(() => {
		const seqs = [...document.querySelectorAll('#message-list li[data-seq]')].map((l) => +l.dataset.seq);
		return seqs.length === 75 && seqs.every((s, i) => s === i + 1);
	})()`) {
		t.Error("the history is not the 75 messages in order")
	}

	// The counter appears near the limit; over it, sending is disabled.
	setComposer := func(n int) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const t = document.getElementById('composer-text');
			t.value = 'x'.repeat(%d);
			t.dispatchEvent(new Event('input', { bubbles: true }));
		})()`, n))
	}
	alice.do("near the limit", setComposer(3990))
	alice.waitText(`#composer-counter`, "10 left")
	alice.do("over the limit", setComposer(4001))
	alice.waitText(`#composer-counter`, "1 over the limit")
	if !alice.eval("send disabled", `document.querySelector('.composer .send').disabled`) {
		t.Error("Send is enabled over the limit")
	}
	// Shift+Enter is a new line, Enter sends both lines as one message.
	alice.do("two lines",
		clearComposer,
		chromedp.SendKeys(chromedp.ID("composer-text"), "first line"),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)),
		chromedp.SendKeys(chromedp.ID("composer-text"), "second line"),
		pressEnter)
	alice.waitFor("two-line message", `() => [...document.querySelectorAll('#message-list li.mine[data-id] .text')].some((e) => e.textContent === 'first line\nsecond line')`)

	// Settings: profile, who can message me, read receipts.
	alice.click(`a.nav-link`, "Settings")
	alice.do("settings",
		chromedp.WaitVisible(chromedp.ID("settings-name")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('settings-name').value = ''`),
		chromedp.SendKeys(chromedp.ID("settings-name"), "Alice L."),
		chromedp.SendKeys(chromedp.ID("settings-bio"), "Down the rabbit hole."),
		chromedp.Click(chromedp.ID("allow-following")),
		chromedp.Click(chromedp.ID("read-receipts")),
	)
	alice.click(`form button[type=submit]`, "Save changes")
	alice.waitText(`.form-ok`, "Saved.")
	alice.waitText(`.topbar`, "Alice L.")
	var me struct {
		Account struct {
			DisplayName string `json:"display_name"`
			Bio         string `json:"bio"`
		} `json:"account"`
		Settings struct {
			AllowIncoming string `json:"allow_incoming"`
			ReadReceipts  bool   `json:"read_receipts"`
		} `json:"settings"`
	}
	alice.api("GET", "/api/v1/me", nil, &me)
	if me.Account.DisplayName != "Alice L." || me.Account.Bio != "Down the rabbit hole." ||
		me.Settings.AllowIncoming != "following" || me.Settings.ReadReceipts {
		t.Errorf("after saving settings: %+v", me)
	}
}

func TestBrowserGroup(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	carol := w.account("carol", "Carol Danvers")
	for _, p := range []*person{alice, bob, carol} {
		p.login()
	}

	// Alice creates the group in the browser.
	alice.click(`.sidebar-head a`, "New group")
	alice.do("name the group", chromedp.SendKeys(chromedp.ID("group-title"), "Weekend trip"))
	for _, who := range []string{"Bob Builder", "Carol Danvers"} {
		alice.do("search "+who, chromedp.SendKeys(chromedp.ID("group-members"), strings.ToLower(who[:3])))
		alice.click(`#group-members-results button`, who)
	}
	// The picked people show with their handles (issue 16).
	alice.waitText(`.chip-person .handle`, "@bob")
	alice.waitText(`.chip-person`, "@carol")
	alice.click(`.group-form button[type=submit]`, "Create group")
	alice.waitText(`#chat-title`, "Weekend trip")
	alice.write("Who brings the tent?")

	// Bob and Carol see the group and its message live, wherever it landed.
	for _, p := range []*person{bob, carol} {
		p.waitText(`#announcer`, "Who brings the tent?")
	}
	convID := alice.currentConversation()
	for _, p := range []*person{bob, carol} {
		folder := p.folderOf(convID)
		p.click(`a.tab`, map[string]string{"inbox": "Inbox", "requests": "Requests", "archived": "Archived"}[folder])
		p.click(`#conversation-list a.conv`, "Weekend trip")
		p.waitText(`#message-list .text`, "Who brings the tent?")
		if p.eval("request?", `!!document.querySelector('.request-banner')`) {
			p.waitText(`.request-banner`, "Alice Liddell (@alice) added you")
			p.click(`.request-banner button`, "Accept")
		}
	}
	bob.write("I do.")
	carol.write("I bring the snacks.")
	for _, p := range []*person{alice, bob, carol} {
		p.waitText(`#message-list .text`, "I do.")
		p.waitText(`#message-list .text`, "I bring the snacks.")
	}
	// Group messages from others carry the sender's name.
	alice.waitText(`#message-list .sender`, "Carol Danvers")

	// Alice renames the group; everyone's header follows.
	alice.click(`.chat-head button`, "Details")
	alice.do("rename",
		chromedp.WaitVisible(chromedp.ID("rename-title")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('rename-title').value = ''`),
		chromedp.SendKeys(chromedp.ID("rename-title"), "Camping"),
	)
	alice.click(`.details button[type=submit]`, "Rename")
	for _, p := range []*person{alice, bob, carol} {
		p.waitFor("renamed", `() => document.getElementById('chat-title').textContent === 'Camping'`)
	}

	// The owner adds and removes members.
	dave := w.account("dave", "Dave Grohl")
	alice.do("search dave", chromedp.SendKeys(chromedp.ID("add-members"), "dav"))
	alice.click(`#add-members-results button`, "Dave Grohl")
	alice.click(`.details button`, "Add to group")
	alice.waitText(`.details .members`, "Dave Grohl")
	dave.folderOf(convID) // fails unless dave is a member now
	alice.click(`.details button[aria-label="Remove Bob Builder from the group"]`, "Remove")
	bob.waitFor("bob left the chat", `(id) => location.pathname !== '/c/' + id &&
		!document.getElementById('conversation-list').textContent.includes('Camping')`, convID)

	// Carol leaves by herself; Alice sees who is left.
	carol.click(`.chat-head button`, "Details")
	carol.click(`.details button`, "Leave group")
	// It asks first: one press took her out for good.
	carol.waitFor("asked, the confirming button focused", `() => document.activeElement?.textContent === 'Leave for good' &&
		document.getElementById('leave-hint')?.textContent.includes('Only its owner can add you back')`)
	carol.click(`.details button`, "Leave for good")
	carol.waitFor("carol left", `() => location.pathname === '/inbox' &&
		!document.getElementById('conversation-list').textContent.includes('Camping')`)
	alice.waitText(`.chat-title .sub`, "2 members")
}

// currentConversation is the id in the page's /c/{id} address.
func (p *person) currentConversation() string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		p.t.Fatal(err)
	}
	_, id, ok := strings.Cut(loc, "/c/")
	if !ok {
		p.t.Fatalf("%s is not on a conversation page: %s", p.handle, loc)
	}
	return id
}

func TestBrowserReconnect(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	conv := bob.openConversation("", "alice")
	bob.send(conv.ID, "Are you there?")

	alice.login()
	alice.do("open the conversation", chromedp.Navigate(w.base+"/c/"+conv.ID))
	alice.waitText(`#message-list .text`, "Are you there?")
	alice.click(`.request-banner button`, "Accept")
	alice.do("composer", chromedp.WaitVisible(chromedp.ID("composer-text")))

	// The server goes away: the page says it is offline, and a message
	// written meanwhile fails with a Retry.
	w.stop()
	alice.do("offline banner", chromedp.WaitVisible(chromedp.ID("offline")))
	alice.do("write offline",
		chromedp.SendKeys(chromedp.ID("composer-text"), "Written offline"),
		pressEnter,
		chromedp.WaitVisible(chromedp.CSS(`#message-list li.failed [data-action=retry]`)))

	// It comes back on the same data; a message sent meanwhile appears
	// without a reload, and the banner goes away.
	w.start()
	bob.send(conv.ID, "Sent while you were away")
	alice.waitText(`#message-list .text`, "Sent while you were away")
	alice.do("online again", chromedp.WaitNotVisible(chromedp.ID("offline")))
	// The message written offline goes by itself once the connection is
	// back, once (its client_id makes a repeat harmless).
	alice.waitFor("offline message sent", `() => !document.querySelector('#message-list li.pending') &&
		[...document.querySelectorAll('#message-list li.mine[data-id] .text')].some((e) => e.textContent === 'Written offline')`)
	// And the page sends again through the new server.
	alice.write("Back online")
	var r struct {
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
	}
	bob.api("GET", "/api/v1/conversations/"+conv.ID+"/messages", nil, &r)
	var texts []string
	for _, m := range r.Messages {
		texts = append(texts, m.Text)
	}
	// Newest first.
	want := []string{"Back online", "Written offline", "Sent while you were away", "Are you there?"}
	if strings.Join(texts, "|") != strings.Join(want, "|") {
		t.Errorf("bob sees %q, want %q", texts, want)
	}

	// What the server refuses stays failed, with Retry: bob blocks alice.
	bob.api("PUT", "/api/v1/accounts/alice/block", nil, nil)
	alice.do("write to someone who blocked her",
		chromedp.SendKeys(chromedp.ID("composer-text"), "Are you cross?"),
		pressEnter,
		chromedp.WaitVisible(chromedp.CSS(`#message-list li.failed [data-action=retry]`)))
}

// TestScreenshots saves PNGs of the main pages for a reviewer:
//
//	go test ./internal/web -run TestScreenshots -screenshots=DIR
func TestScreenshots(t *testing.T) {
	if *screenshotDir == "" {
		t.Skip("screenshot folder not set: go test ./internal/web -run TestScreenshots -screenshots=DIR")
	}
	if err := os.MkdirAll(*screenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	carol := w.account("carol", "Carol Danvers")
	dave := w.account("dave", "Dave Grohl")
	erin := w.account("erin", "Erin Hunter")
	alice.api("PATCH", "/api/v1/me", map[string]any{"bio": "Curious about everything. Chasing white rabbits since 1865."}, nil)
	bob.api("PATCH", "/api/v1/me", map[string]any{"bio": "Can we fix it? Yes we can.\nBuilder, dad, coffee person."}, nil)
	for _, p := range []*person{bob, carol, dave} {
		p.api("PUT", "/api/v1/accounts/alice/follow", nil, nil)
	}
	alice.api("PUT", "/api/v1/accounts/bob/follow", nil, nil)
	alice.api("PUT", "/api/v1/accounts/dave/follow", nil, nil)

	direct := alice.openConversation("", "bob")
	alice.send(direct.ID, "Hi Bob! Are we still on for lunch tomorrow?")
	bob.send(direct.ID, "Yes! Noon at the usual place?")
	m := alice.send(direct.ID, "Perfect. I'll book a table by the window.")
	bob.api("PUT", "/api/v1/messages/"+m.ID+"/reactions/👍", nil, nil)
	var reply struct {
		Message message `json:"message"`
	}
	bob.api("POST", "/api/v1/conversations/"+direct.ID+"/messages", map[string]any{"text": "Great, see you there 🙌", "reply_to": m.ID}, &reply)
	alice.send(direct.ID, "<img src=x onerror=alert(1)> shows as text, not as an image.")

	group := alice.openConversation("Weekend trip", "bob", "dave")
	alice.send(group.ID, "Who brings the tent?")
	bob.send(group.ID, "I do. Dave, can you drive?")
	dave.send(group.ID, "Sure, I'll pick everyone up at 8.")

	other := dave.openConversation("", "alice")
	dave.send(other.ID, "Loved your talk yesterday!")
	req := carol.openConversation("", "alice")
	carol.send(req.ID, "Hello Alice, I'm organising a meetup next month. Would you like to speak?")
	req2 := erin.openConversation("", "alice")
	erin.send(req2.ID, "Hi! Quick question about your last post.")

	shots := []struct {
		name, path, wait string
		width, height    int64
		before           func(p *person)
	}{
		{"01-profile", "/@bob", "#message-button", 1280, 800, nil},
		{"02-inbox", "/inbox", "#conversation-list a.conv", 1280, 800, nil},
		{"03-requests", "/requests", "#conversation-list a.conv", 1280, 800, nil},
		{"04-request-open", "/c/" + req.ID, ".request-banner", 1280, 800, nil},
		{"05-chat", "/c/" + direct.ID, "#composer-text", 1280, 800, func(p *person) {
			p.waitText(`#message-list .seen`, "Seen")
		}},
		{"06-group-details", "/c/" + group.ID, "#composer-text", 1280, 800, func(p *person) {
			p.click(`.chat-head button`, "Details")
			p.do("details", chromedp.WaitVisible(chromedp.ID("chat-details")))
		}},
		{"07-settings", "/settings", "#settings-name", 1280, 800, nil},
		{"08-new-group", "/new-group", "#group-title", 1280, 800, nil},
		{"09-phone-inbox", "/inbox", "#conversation-list a.conv", 390, 844, nil},
		{"10-phone-chat", "/c/" + direct.ID, "#composer-text", 390, 844, nil},
		{"11-phone-profile", "/@bob", "#message-button", 390, 844, nil},
		{"13-new-message", "/new", "#compose-search", 1280, 800, nil},
		{"14-phone-settings", "/settings", "#blocked-list", 390, 844, nil},
		{"15-dark-chat", "/c/" + direct.ID, "#composer-text", 1280, 800, func(p *person) {
			p.do("dark", emulateScheme("dark"))
		}},
		{"16-dark-phone-inbox", "/inbox", "#conversation-list a.conv", 390, 844, nil},
	}
	alice.login()
	// Bob reads the direct conversation so that Alice's page shows "Seen".
	bob.api("POST", "/api/v1/conversations/"+direct.ID+"/read", map[string]any{}, nil)
	for _, s := range shots {
		alice.do("viewport "+s.name, chromedp.EmulateViewport(s.width, s.height, chromedp.EmulateScale(2)))
		alice.do("open "+s.name,
			chromedp.Navigate(w.base+s.path),
			chromedp.WaitVisible(chromedp.CSS(s.wait)),
		)
		if s.before != nil {
			s.before(alice)
		}
		alice.shot(s.name)
	}

	// The login page, as someone logged out sees it.
	visitor := &person{w: w, t: t, handle: "visitor"}
	visitor.open()
	visitor.do("login page",
		chromedp.EmulateViewport(1280, 800, chromedp.EmulateScale(2)),
		chromedp.Navigate(w.base+"/login"),
		chromedp.WaitVisible(chromedp.ID("login-handle")))
	visitor.shot("12-login")
	t.Logf("screenshots saved in %s", *screenshotDir)
}

// shot saves the viewport as DIR/name.png once fonts and layout settled.
// shotIf saves a screenshot only when -screenshots is set (the behaviour
// tests call it at the pages worth a look by a person).
func (p *person) shotIf(name string) {
	if *screenshotDir != "" {
		p.shot(name)
	}
}

func (p *person) shot(name string) {
	p.t.Helper()
	p.waitFor("fonts", `() => document.fonts.status === 'loaded'`)
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(*screenshotDir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}
