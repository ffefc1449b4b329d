package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestAPIDocs opens the API reference from the settings page, as someone who
// builds on Parley would, and checks that it renders every tag of the
// document under the web app's Content-Security-Policy: no CSP violation
// (a securitypolicyviolation listener installed before any script runs, and
// the console, see open) and no uncaught exception.
func TestAPIDocs(t *testing.T) {
	w := newWorld(t)

	// The page's policy is the web app's.
	app, err := http.Get(w.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	app.Body.Close()
	docs, err := http.Get(w.base + "/api/docs")
	if err != nil {
		t.Fatal(err)
	}
	docs.Body.Close()
	// The docs page has the web app's policy, less the https: images the
	// app allows for product cards (the docs show no remote image).
	want := strings.Replace(app.Header.Get("Content-Security-Policy"), "img-src 'self' data: https:;", "img-src 'self' data:;", 1)
	if got := docs.Header.Get("Content-Security-Policy"); got == "" || got != want {
		t.Errorf("/api/docs Content-Security-Policy %q, want %q", got, want)
	}

	// The tags the page must show.
	res, err := http.Get(w.base + "/api/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tags []struct {
			Name string `json:"name"`
		} `json:"tags"`
	}
	err = json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if err != nil || len(doc.Tags) == 0 {
		t.Fatalf("the document's tags: %v (%d)", err, len(doc.Tags))
	}

	ada := w.account("ada", "Ada")
	ada.login()
	ada.do("listen for CSP violations", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `window.__csp = [];
				document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`,
		})
		return err
	}))
	ada.do("open the settings", chromedp.Navigate(w.base+"/settings"))
	ada.waitFor("the API reference link", `() => !!document.getElementById('api-docs-link')`)
	// The link leaves the app (the app's router lets /api/ links through);
	// navigate to where it points, which waits for the new page to load.
	if !ada.eval("the link points to /api/docs", `document.getElementById('api-docs-link').getAttribute('href') === '/api/docs'`) {
		t.Fatalf("the settings page's API reference link does not point to /api/docs")
	}
	ada.do("follow the link", chromedp.Navigate(w.base+"/api/docs"))
	ada.waitFor("the first tag", `(tag) => [...document.querySelectorAll('.opblock-tag[data-tag]')].some((e) => e.dataset.tag === tag)`, doc.Tags[0].Name)
	// Swagger UI renders a long list of operations virtualized: only the
	// tags and operations near the viewport are in the DOM. So walk the
	// page as a reader does: scroll down until each tag has been rendered,
	// in the document's order, then back to the top.
	for _, tag := range doc.Tags {
		ada.waitFor("the tag "+tag.Name+" while scrolling down", `(tag) => {
			if ([...document.querySelectorAll('.opblock-tag[data-tag]')].some((e) => e.dataset.tag === tag)) return true;
			window.scrollBy(0, Math.round(window.innerHeight * 0.8));
			return false;
		}`, tag.Name)
	}
	// A deep link to an operation scrolls to it and opens it, rendering
	// its schemas too.
	// (A fresh load: a hash change alone is not followed.)
	ada.do("leave the page", chromedp.Navigate("about:blank"))
	ada.do("open the send operation by its link", chromedp.Navigate(w.base+"/api/docs#/Messages/sendMessage"))
	ada.waitFor("the send operation's request body", `() => !!document.querySelector('#operations-Messages-sendMessage .opblock-body')`)
	ada.shotIf("48-api-docs")
	if v := ada.evalString(`JSON.stringify(window.__csp)`); v != "[]" {
		t.Errorf("CSP violations on /api/docs: %s", v)
	}
	if strings.Contains(ada.evalString(`document.body.textContent`), "Failed to load API definition") {
		t.Errorf("the reference could not load the document")
	}
	// The listener does catch a violation: an inline style, refused by the
	// policy, is reported.
	ada.evalString(`(() => { const s = document.createElement('style'); s.textContent = 'body{}'; document.head.append(s); return ''; })()`)
	ada.waitFor("the planted violation is seen", `() => window.__csp.some((v) => v.startsWith('style-src'))`)
	// The console watcher of open() reports it too; take that report back,
	// as this violation is the test's own.
	deadline := time.Now().Add(stepTimeout)
	for planted := false; !planted; {
		ada.mu.Lock()
		for i, p := range ada.problems {
			if strings.Contains(p, "style-src") {
				ada.problems = append(ada.problems[:i], ada.problems[i+1:]...)
				planted = true
				break
			}
		}
		ada.mu.Unlock()
		if !planted && time.Now().After(deadline) {
			t.Fatal("the console did not report the planted CSP violation")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
