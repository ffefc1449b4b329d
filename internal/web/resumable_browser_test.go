package web_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserResumableUpload: a file over the resumable threshold goes up
// in chunks through an upload session; the browser's second chunk fails
// as a dropped connection would (through the DevTools Fetch domain), the
// tray says it is resuming, the upload goes on from the offset the
// server reports, and Bob downloads the file byte for byte.
func TestBrowserResumableUpload(t *testing.T) {
	w := newWorld(t)
	alice, bob, conv := w.directChat()

	data := append([]byte("%PDF-1.7\n"), make([]byte, 5<<20)...)
	rand.Read(data[9:])
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}

	alice.login()
	// Fail the second chunk the browser sends, once.
	var patches, failed atomic.Int32
	// (The listener must not send commands itself: it hands each paused
	// request to a goroutine.)
	if err := chromedp.Listen(alice.ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go func() {
			if e.Request.Method == "PATCH" && patches.Add(1) == 2 {
				failed.Add(1)
				chromedp.Call(alice.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
				return
			}
			chromedp.Call(alice.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
		}()
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(alice.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/api/v1/uploads/sessions/*"}}}); err != nil {
		t.Fatal(err)
	}
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.do("pick the file", chromedp.SetUploadFiles(chromedp.ID("attach-input"), []string{file}))
	alice.waitFor("upload done", `() => !!document.querySelector('.attach-item[data-state="done"]')`)
	if failed.Load() != 1 || patches.Load() < 6 {
		t.Errorf("chunks sent: %d, failed: %d; want 5 chunks of 1 MB and one resent", patches.Load(), failed.Load())
	}
	alice.do("caption", chromedp.SendKeys(chromedp.ID("composer-text"), "the report"))
	alice.click("button.send", "Send")
	alice.waitFor("file sent", `() => [...document.querySelectorAll('#message-list li.msg.mine[data-id]')].some((l) => l.textContent.includes('report.pdf'))`)

	var msgs struct {
		Messages []struct {
			Attachments []struct {
				URL  string `json:"url"`
				Size int64  `json:"size"`
			} `json:"attachments"`
		} `json:"messages"`
	}
	bob.api("GET", "/api/v1/conversations/"+conv.ID+"/messages", nil, &msgs)
	if len(msgs.Messages) == 0 || len(msgs.Messages[0].Attachments) != 1 || msgs.Messages[0].Attachments[0].Size != int64(len(data)) {
		t.Fatalf("bob's latest message: %+v", msgs.Messages)
	}
	req, _ := http.NewRequest("GET", w.base+msgs.Messages[0].Attachments[0].URL, nil)
	req.Header.Set("Authorization", "Bearer "+bob.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	if string(got) != string(data) {
		t.Errorf("bob downloaded %d bytes, not the %d bytes alice picked", len(got), len(data))
	}
}
