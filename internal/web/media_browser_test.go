package web_test

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

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
