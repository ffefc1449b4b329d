package web_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
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
	alice, bob, conv := w.directChat()
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

	alice, bob, conv := w.directChat()
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
	// The waveform was measured from the recording by Alice's browser and
	// stored with the attachment: peaks scaled to the loudest (255).
	var hist struct {
		Messages []struct {
			Attachments []struct {
				Waveform   []int `json:"waveform"`
				DurationMS int64 `json:"duration_ms"`
			} `json:"attachments"`
		} `json:"messages"`
	}
	bob.api("GET", "/api/v1/conversations/"+conv.ID+"/messages", nil, &hist)
	if len(hist.Messages) != 1 || len(hist.Messages[0].Attachments) != 1 {
		t.Fatalf("history: %+v", hist)
	}
	wave := hist.Messages[0].Attachments[0].Waveform
	top := 0
	for _, v := range wave {
		top = max(top, v)
	}
	if len(wave) < 10 || top != 255 {
		t.Errorf("waveform: want at least 10 peaks scaled to 255, got %v", wave)
	}
	// Bob's player draws it: a canvas of as many bars, with ink on it.
	bob.waitFor("bob sees the waveform drawn", `() => {
		const c = document.querySelector('#message-list li.msg.theirs .att-audio canvas.wave-canvas');
		if (!c || Number(c.dataset.peaks) < 10) return false;
		const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let ink = 0;
		for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
		return ink > 100;
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

// TestBrowserPasteAndDrop: an image pasted into the composer and another
// dropped on it are both uploaded and sent in one message, which Bob sees
// as two images of their real size.
func TestBrowserPasteAndDrop(t *testing.T) {
	w := newWorld(t)
	alice, bob, conv := w.directChat()
	alice.login()
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	// The files are made in the page (a canvas drawn and encoded as PNG),
	// then handed over as a clipboard paste and as a drop, as the browser
	// does for a screenshot pasted or a file dragged from the desktop.
	if !alice.eval("paste and drop", `(async () => {
		const png = (w, h, colour) => new Promise((done) => {
			const c = document.createElement('canvas');
			c.width = w; c.height = h;
			const g = c.getContext('2d');
			g.fillStyle = colour; g.fillRect(0, 0, w, h);
			c.toBlob(done, 'image/png');
		});
		const text = document.getElementById('composer-text');
		const pasted = new DataTransfer();
		pasted.items.add(new File([await png(400, 300, '#c33')], 'screenshot.png', { type: 'image/png' }));
		text.dispatchEvent(new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true }));
		const dropped = new DataTransfer();
		dropped.items.add(new File([await png(200, 500, '#33c')], 'dropped.png', { type: 'image/png' }));
		text.dispatchEvent(new DragEvent('dragover', { dataTransfer: dropped, bubbles: true, cancelable: true }));
		text.dispatchEvent(new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true }));
		return true;
	})()`) {
		t.Fatal("could not paste and drop")
	}
	alice.waitFor("both uploaded", `() => document.querySelectorAll('.attach-item[data-state="done"]').length === 2`)
	alice.click("button.send", "Send")
	alice.waitFor("sent", `() => !!document.querySelector('#message-list li.msg.mine[data-id] .att-image img')`)

	bob.login()
	bob.do("open the chat", chromedp.Navigate(w.base+"/c/"+conv.ID), chromedp.WaitVisible(chromedp.ID("message-list")))
	bob.waitFor("bob sees both images at their size", `() => {
		const imgs = [...document.querySelectorAll('#message-list li.msg.theirs .att-image img')];
		if (imgs.length !== 2 || !imgs.every((i) => i.complete && i.naturalWidth > 0)) return false;
		const sizes = imgs.map((i) => i.getAttribute('width') + 'x' + i.getAttribute('height')).sort();
		return sizes.join(' ') === '200x500 400x300';
	}`)
}

// TestBrowserComposerFeedback: pressing Voice with the microphone refused
// says so under the composer (it was only announced to screen readers: a
// sighted person saw nothing happen), and while a message is being edited
// Attach and Voice step aside (they do nothing for an edit, and at 390 px
// left the text a column of 130 px).
func TestBrowserComposerFeedback(t *testing.T) {
	w := newWorld(t)
	alice, _, c := w.directChat()
	alice.send(c.ID, "See you at noon")
	alice.openOnPhone(c.ID)
	alice.evalString(`(navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')), '')`)
	alice.click(".composer button.record", "Voice")
	alice.waitFor("the refusal shown under the composer", `() => {
		const e = document.querySelector('.composer .form-error');
		return e && e.offsetParent !== null && e.textContent.includes('The microphone is not available');
	}`)

	const buttons = `() => ['.composer button.attach', '.composer button.record'].map((s) => document.querySelector(s).offsetParent !== null ? 'shown' : 'hidden').join(' ')`
	alice.act("See you at noon", "edit")
	alice.waitFor("editing", `() => document.querySelector('.composer-context') && !document.querySelector('.composer-context').hidden`)
	if got := alice.evalString("(" + buttons + ")()"); got != "hidden hidden" {
		t.Errorf("while editing, Attach and Voice are %s", got)
	}
	if wd, _ := strconv.Atoi(alice.evalString(`String(Math.round(document.getElementById('composer-text').getBoundingClientRect().width))`)); wd < 250 {
		t.Errorf("while editing at 390 px the text is %d px wide", wd)
	}
	alice.do("cancel the edit", chromedp.Focus(chromedp.ID("composer-text")), pressKey("Escape", 27))
	alice.waitFor("Attach and Voice back", `() => ['.composer button.attach', '.composer button.record'].every((s) => document.querySelector(s).offsetParent !== null)`)
}

// TestBrowserUploadTrayFits: at 390 px a file with a long name stays in the
// composer's tray, cut short, with its Remove on the screen (the name made
// the page 671 px wide and pushed Remove off it), and a failed upload reads
// in dark colours (its name measured 1.03:1 on the light red).
func TestBrowserUploadTrayFits(t *testing.T) {
	w := newWorld(t)
	alice, _, c := w.directChat()
	alice.send(c.ID, "hi")
	dir := t.TempDir()
	empty := filepath.Join(dir, "IMG_20261130_093512_holiday_photos_from_the_lake_district_final_version.txt")
	good := filepath.Join(dir, "notes_from_the_meeting_with_the_whole_team_about_the_next_quarter_plans.txt")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(good, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	alice.login()
	alice.viewport(390, 844)
	alice.do("dark", emulateScheme("dark"))
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.do("pick two files", chromedp.SetUploadFiles(chromedp.ID("attach-input"), []string{empty, good}))
	alice.waitFor("one failed, one done", `() => !!document.querySelector('.attach-item[data-state=failed]') && !!document.querySelector('.attach-item[data-state=done]')`)
	alice.waitText(".attach-item.failed .form-error", "The upload is empty.")
	if got := alice.evalString(fitsJS); got != "" {
		t.Errorf("at 390 px with two long file names: %s", got)
	}
	if got := alice.evalString(`[...document.querySelectorAll('.attach-item .act')].filter((b) => b.getBoundingClientRect().right > innerWidth).map((b) => b.getAttribute('aria-label')).join('; ')`); got != "" {
		t.Errorf("off the screen: %s", got)
	}
	alice.axe("the composer's tray, dark, 390 px")

	// Sent, the file's card keeps its size on one line beside the long
	// name (it was squeezed to a character a line), readable on the blue
	// of a message of mine.
	alice.click(".attach-item.failed .act", "×")
	alice.click("button.send", "Send")
	alice.waitFor("the file sent", `() => !!document.querySelector('#message-list li.msg.mine[data-id] .att-file')`)
	if got := alice.evalString(`(() => {
		const a = document.querySelector('#message-list li.msg.mine .att-file');
		const size = a.querySelector('.file-size').getBoundingClientRect(), name = a.querySelector('.file-name').getBoundingClientRect();
		return size.height > name.height + 1 ? 'the size is ' + Math.round(size.width) + 'x' + Math.round(size.height) + ' px beside a name ' + Math.round(name.height) + ' px high' : '';
	})()`); got != "" {
		t.Error(got)
	}
	alice.axe("a file sent, dark, 390 px")
}

// TestBrowserTrayKeepsFocus: the composer's tray is drawn again on every
// step of an upload; a file's Remove that has the keyboard focus keeps it,
// and once pressed the focus goes to the next file's Remove, then to
// Attach. It fell to the page each time.
func TestBrowserTrayKeepsFocus(t *testing.T) {
	w := newWorld(t)
	alice, _, c := w.directChat()
	alice.send(c.ID, "hi")
	dir := t.TempDir()
	var files []string
	for _, n := range []string{"a.txt", "b.txt", "c.txt"} {
		f := filepath.Join(dir, n)
		if err := os.WriteFile(f, []byte("hello "+n), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	alice.login()
	alice.do("open the chat", chromedp.Navigate(w.base+"/c/"+c.ID), chromedp.WaitVisible(chromedp.ID("composer-text")))
	alice.do("pick two files", chromedp.SetUploadFiles(chromedp.ID("attach-input"), files[:2]))
	alice.waitFor("both uploaded", `() => document.querySelectorAll('.attach-item[data-state=done]').length === 2`)
	focused := `(label) => document.activeElement && document.activeElement.getAttribute('aria-label') === label`
	alice.do("focus a.txt's Remove", chromedp.Focus(chromedp.CSS(`.attach-item .act[aria-label="Remove a.txt"]`)))
	alice.do("a third file", chromedp.SetUploadFiles(chromedp.ID("attach-input"), files[2:]))
	alice.waitFor("three uploaded", `() => document.querySelectorAll('.attach-item[data-state=done]').length === 3`)
	alice.waitFor("a.txt's Remove still focused", focused, "Remove a.txt")
	press := chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`)
	alice.do("remove a.txt", press)
	alice.waitFor("b.txt's Remove focused", focused, "Remove b.txt")
	alice.do("remove b.txt and c.txt", press, press)
	alice.waitFor("Attach focused", focused, "Attach files")
}
