package web_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPhotoAndSearch: Alice attaches a photo with the file picker
// and sends it; Bob sees it in his chat (loaded through his session) and
// opens the viewer; then Bob searches an older message and the result
// takes him to it in its chat.
func TestBrowserPhotoAndSearch(t *testing.T) {
	w := newWorld(t)
	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	conv := alice.openConversation("", "bob")
	alice.send(conv.ID, "the secret word is pineapple")
	for i := 0; i < 40; i++ {
		alice.send(conv.ID, fmt.Sprintf("filler message %d", i))
	}

	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	pic := filepath.Join(t.TempDir(), "sunset.png")
	f, err := os.Create(pic)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, img)
	f.Close()

	alice.login()
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.do("pick the photo", chromedp.SetUploadFiles(chromedp.ID("attach-input"), []string{pic}))
	alice.waitFor("upload done", `() => !!document.querySelector('.attach-item[data-state="done"]')`)
	alice.do("caption", chromedp.SendKeys(chromedp.ID("composer-text"), "look at this"))
	alice.click("button.send", "Send")
	alice.waitFor("photo sent", `() => [...document.querySelectorAll('#message-list li.msg.mine[data-id]')].some((l) => l.querySelector('.att-image img'))`)

	bob.login()
	bob.do("open the chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("message-list")))
	bob.waitFor("bob sees the photo", `() => {
		const img = document.querySelector('#message-list li.msg.theirs .att-image img');
		return img && img.complete && img.naturalWidth === 320 && img.getAttribute('width') === '640';
	}`)
	bob.waitFor("open the viewer", `() => { const b = document.querySelector('#message-list .att-image'); if (!b) return false; b.click(); return true; }`)
	bob.waitFor("viewer shows the full photo", `() => {
		const v = document.querySelector('dialog.viewer[open] img');
		return v && v.complete && v.naturalWidth === 640;
	}`)
	bob.click(".viewer-close", "Close")

	// Search: the message is 40 messages back, outside the first page.
	bob.do("search", chromedp.SendKeys(chromedp.ID("message-search"), "pineapple\r"))
	bob.waitFor("a result with the word marked", `() => {
		const a = document.querySelector('#message-search-results a.msg-result');
		return a && a.querySelector('mark') && a.querySelector('mark').textContent.toLowerCase() === 'pineapple';
	}`)
	bob.click("#message-search-results a.msg-result", "pineapple")
	bob.waitFor("the chat jumps to the message", `() => {
		const li = document.querySelector('#message-list li.msg.found');
		return li && li.textContent.includes('the secret word is pineapple');
	}`)
}

// TestBrowserVoiceNote records a voice note from Chromium's fake
// microphone, sends it, and plays it back on the other side.
func TestBrowserVoiceNote(t *testing.T) {
	w := newWorld(t)
	// A browser of its own, with a fake microphone that needs no prompt
	// and playback that needs no gesture.
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath()), chromedp.UserDataDir(t.TempDir()), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	browser, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(browser); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	w.browser = browser

	alice := w.account("alice", "Alice Liddell")
	bob := w.account("bob", "Bob Builder")
	conv := alice.openConversation("", "bob")
	alice.login()
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.click("button.record", "Voice")
	alice.waitFor("recording", `() => !!document.querySelector('button.record.recording')`)
	alice.do("speak", chromedp.Sleep(1500*time.Millisecond))
	alice.click("button.record", "Stop")
	alice.waitFor("voice note uploaded", `() => !!document.querySelector('.attach-item[data-state="done"]')`)
	alice.click("button.send", "Send")
	alice.waitFor("voice note sent", `() => !!document.querySelector('#message-list li.msg.mine[data-id] .att-audio audio')`)

	bob.login()
	bob.do("open the chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("message-list")))
	bob.waitFor("bob sees a voice note of about 1.5 s", `() => {
		const d = document.querySelector('#message-list li.msg.theirs .att-audio .duration');
		return d && /^0:0[1-3]$/.test(d.textContent);
	}`)
	if !bob.eval("play the voice note", `(async () => {
		const a = document.querySelector('#message-list li.msg.theirs .att-audio audio');
		await a.play();
		await new Promise((r) => setTimeout(r, 700));
		return a.currentTime > 0.2 && !a.error;
	})()`) {
		t.Error("the voice note did not play")
	}
}
