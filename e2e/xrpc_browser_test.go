package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestXRPCBrowserCORS: Bluesky's web clients run @atproto/api in the
// browser, on their own origin. In real Chromium, a page of another origin
// logs in with createSession (a JSON POST: preflighted) and lists
// conversations with the Authorization and Atproto-Proxy headers
// (preflighted too). Before the surface answered CORS, the browser refused
// both: the preflight OPTIONS was a 400 without Access-Control-Allow-Origin.
func TestXRPCBrowserCORS(t *testing.T) {
	chrome := ""
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chrome = p
			break
		}
	}
	if chrome == "" {
		t.Skip("chromium not installed")
	}
	e := start(t, limitsOff)
	e.user("alice")
	// The other origin: a page served from another port.
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>other origin</title>")
	}))
	defer page.Close()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(chrome),
		chromedp.UserDataDir(t.TempDir()), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true))
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	ctx, cancel := context.WithTimeout(browser, 30*time.Second)
	defer cancel()

	script := fmt.Sprintf(`(async () => {
		const base = %q;
		try {
			const login = await fetch(base + "/xrpc/com.atproto.server.createSession", {method: "POST",
				headers: {"Content-Type": "application/json"},
				body: JSON.stringify({identifier: "alice", password: %q})});
			const s = await login.json();
			const list = await fetch(base + "/xrpc/chat.bsky.convo.listConvos?limit=10", {headers: {
				"Authorization": "Bearer " + s.accessJwt, "Atproto-Proxy": %q,
				"Atproto-Accept-Labelers": "did:plc:ar7c4by46qjdydhdevvrndac;redact"}});
			const l = await list.json();
			return login.status + " " + list.status + " " + Array.isArray(l.convos);
		} catch (err) {
			return "refused: " + err;
		}
	})()`, e.url, password("alice"), proxyHeader)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(page.URL)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if got != "200 200 true" {
		t.Errorf("a page of another origin calling the XRPC surface: %s", got)
	}
}
