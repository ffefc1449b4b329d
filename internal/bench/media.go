package bench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/parleyhq/parley/client"
)

// Media measures attachments (issue 13): how long a 5 MB photo takes to be
// acknowledged (sniffed, measured, stripped, hashed, fsynced, recorded; its
// thumbnail is made after the answer, by a job), and what an attachment
// adds to a send: text sends and sends of the same text carrying one small
// photo (all uploaded before the first round) in alternating rounds on the
// same conversation, so both see the same server state and the same machine. With the server's pid it
// also reports the server's CPU time per upload and per send (utime +
// stime from /proc), the steadier figure on a shared machine.
func Media(ctx context.Context, o Options) (*Result, error) {
	hc := httpClient(2)
	defer hc.CloseIdleConnections()
	pairs, err := makePairs(ctx, o.URL, hc, "m"+runID(), 1, nil)
	if err != nil {
		return nil, err
	}
	p := pairs[0]
	photo, err := noisyJPEG(5 << 20)
	if err != nil {
		return nil, err
	}
	r := &Result{Params: map[string]any{"photo_bytes": len(photo), "duration": o.Duration.String()}}
	cpuKnown := o.ServerPID > 0
	cpu := func() time.Duration {
		if !cpuKnown {
			return 0
		}
		c, err := processCPU(o.ServerPID)
		if err != nil {
			cpuKnown = false
		}
		return c
	}
	// Uploads of the 5 MB photo, each a new upload (its own client id),
	// for half the duration.
	var up latencies
	var thumbs []string // of the photos whose thumbnails are still to come
	c0 := cpu()
	deadline := time.Now().Add(o.Duration / 2)
	for i := 0; time.Now().Before(deadline) || i < 3; i++ {
		photo[len(photo)-3] = byte(i) // new bytes each time: no shared blob
		photo[len(photo)-4] = byte(i >> 8)
		t0 := time.Now()
		a, _, err := p.from.c.Upload(ctx, photo, client.UploadParams{Name: "photo.jpg", ClientID: fmt.Sprintf("up%d", i)})
		if err != nil {
			r.Errors++
			r.FirstError = err.Error()
			continue
		}
		up = append(up, time.Since(t0))
		thumbs = append(thumbs, a.URL+"/thumbnail")
	}
	// The thumbnails are made after the answers, by jobs: wait until each
	// is there and the server is idle again, so that they count in the
	// uploads' CPU and not in what is measured next. (An idle moment alone
	// is not enough: a thumbnail job that found the node's one thumbnail
	// slot busy comes back a second or two later.)
	settle := func() {
		for end := time.Now().Add(60 * time.Second); len(thumbs) > 0 && time.Now().Before(end); {
			if _, _, err := p.from.c.Download(ctx, thumbs[0]); err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			thumbs = thumbs[1:]
		}
		thumbs = thumbs[:0]
		if !cpuKnown {
			return
		}
		prev := cpu()
		for end := time.Now().Add(60 * time.Second); time.Now().Before(end); {
			time.Sleep(250 * time.Millisecond)
			now := cpu()
			if now-prev < 25*time.Millisecond {
				return
			}
			prev = now
		}
	}
	settle()
	upCPU := cpu() - c0
	slices.Sort(up)
	r.add("upload_5mb_p50", up.pct(50), "ms")
	r.add("upload_5mb_p90", up.pct(90), "ms")
	r.budget("upload_5mb_p99", up.pct(99), "ms", "<=", 100)
	if cpuKnown && len(up) > 0 {
		// Includes the thumbnails, made by jobs after the answers.
		r.add("upload_cpu", float64(upCPU.Microseconds())/float64(len(up)), "µs")
	}
	// The same photo through an upload session, in 1 MB chunks (one
	// create and five chunks, each fsynced before its answer), for a
	// quarter of the duration.
	var rup latencies
	c1 := cpu()
	deadline = time.Now().Add(o.Duration / 4)
	// At least one (not three, as above): each makes a thumbnail job,
	// which the smoke test's server must finish under the race detector.
	for i := 0; time.Now().Before(deadline) || i < 1; i++ {
		photo[len(photo)-3] = byte(i)
		photo[len(photo)-4] = byte(i>>8) ^ 0x5a
		t0 := time.Now()
		a, err := p.from.c.UploadResumable(ctx, bytes.NewReader(photo), int64(len(photo)), client.ResumableParams{
			UploadParams: client.UploadParams{Name: "photo.jpg", ClientID: fmt.Sprintf("rup%d", i)}, ChunkSize: 1 << 20})
		if err != nil {
			r.Errors++
			r.FirstError = err.Error()
			continue
		}
		rup = append(rup, time.Since(t0))
		thumbs = append(thumbs, a.URL+"/thumbnail")
	}
	settle()
	rupCPU := cpu() - c1
	slices.Sort(rup)
	r.add("upload_5mb_resumable_p50", rup.pct(50), "ms")
	r.add("upload_5mb_resumable_p99", rup.pct(99), "ms")
	if cpuKnown && len(rup) > 0 {
		r.add("upload_resumable_cpu", float64(rupCPU.Microseconds())/float64(len(rup)), "µs")
	}
	// Text sends against sends carrying a small (already uploaded) photo,
	// in alternating rounds (text first, then the photo first, and so on).
	// Both send the same text, so that the only difference is the
	// attachment. The photos are all uploaded before the first round and
	// the server is let settle (the checkpointer copies the uploads' pages
	// at its next kick, and the uploads' garbage is collected): work left
	// over from the uploads must not be counted as the sends' own.
	const rounds = 4
	round := max(o.Duration/(4*rounds), 100*time.Millisecond)
	perRound := min(max(3, int(round/time.Millisecond)), 300)
	small, _ := noisyJPEG(20 << 10)
	pool := make([]string, 0, rounds*perRound)
	for k := 0; k < rounds*perRound; k++ {
		small[len(small)-3], small[len(small)-4] = byte(k), byte(k>>8)
		u, _, err := p.from.c.Upload(ctx, small, client.UploadParams{Name: "s.jpg"})
		if err != nil {
			r.Errors++
			r.FirstError = err.Error()
			continue
		}
		pool = append(pool, u.ID)
	}
	const sendText = "hello there"
	n := 0
	send := func(atts []string) (time.Duration, error) {
		n++
		t0 := time.Now()
		_, _, err := p.from.c.Send(ctx, p.conv, client.SendParams{Text: sendText, ClientID: fmt.Sprintf("s%d", n), Attachments: atts})
		return time.Since(t0), err
	}
	// Two sends more than the checkpointer's interval (100 ms) apart
	// make it copy what the uploads left in the WAL now, not in a round.
	for range 2 {
		time.Sleep(150 * time.Millisecond)
		if _, err := send(nil); err != nil {
			r.Errors++
			r.FirstError = err.Error()
		}
	}
	settle()
	var text, att latencies
	var textCPU, attCPU time.Duration
	textPhase := func() {
		c0 := cpu()
		deadline := time.Now().Add(round)
		for k := 0; time.Now().Before(deadline) || k < 3; k++ {
			d, err := send(nil)
			if err != nil {
				r.Errors++
				r.FirstError = err.Error()
				continue
			}
			text = append(text, d)
		}
		textCPU += cpu() - c0
	}
	attPhase := func(ids []string) {
		c0 := cpu()
		deadline := time.Now().Add(round)
		for k := 0; k < len(ids) && (time.Now().Before(deadline) || k < 3); k++ {
			d, err := send(ids[k : k+1])
			if err != nil {
				r.Errors++
				r.FirstError = err.Error()
				continue
			}
			att = append(att, d)
		}
		attCPU += cpu() - c0
	}
	for i := range rounds {
		ids := pool[min(i*perRound, len(pool)):min((i+1)*perRound, len(pool))]
		if i%2 == 0 {
			textPhase()
			attPhase(ids)
		} else {
			attPhase(ids)
			textPhase()
		}
	}
	slices.Sort(text)
	slices.Sort(att)
	r.add("send_text_p50", text.pct(50), "ms")
	r.add("send_attachment_p50", att.pct(50), "ms")
	r.budget("attachment_extra_p50", 100*(att.pct(50)-text.pct(50))/text.pct(50), "%", "<=", 20)
	if cpuKnown && len(text) > 0 && len(att) > 0 {
		tc := float64(textCPU.Microseconds()) / float64(len(text))
		ac := float64(attCPU.Microseconds()) / float64(len(att))
		r.add("send_text_cpu", tc, "µs")
		r.add("send_attachment_cpu", ac, "µs")
		r.budget("attachment_extra_cpu", 100*(ac-tc)/tc, "%", "<=", 20)
	}
	r.add("sends", float64(len(text)+len(att)), "msgs")
	return r, nil
}

// noisyJPEG makes a JPEG of about n bytes of noise (noise does not
// compress, so the file is as large as a photo of that size).
func noisyJPEG(n int) ([]byte, error) {
	// At quality 100, noise costs about 2 bytes a pixel.
	px := n / 2
	w := 4 * intSqrt(px/12)
	h := w * 3 / 4
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.UintN(256))
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func intSqrt(n int) int {
	x := 1
	for x*x < n {
		x++
	}
	return x
}

// Search measures search latency for one user: o.Workers conversations of
// theirs get messages (o.Senders × 50 each, words from a small vocabulary
// so common and rare words both occur), then queries of one and two words
// and a phrase run for o.Duration.
func Search(ctx context.Context, o Options) (*Result, error) {
	if o.SearchSeed != nil {
		return SearchSeeded(ctx, o)
	}
	hc := httpClient(4)
	defer hc.CloseIdleConnections()
	pairs, err := makePairs(ctx, o.URL, hc, "q"+runID(), max(1, o.Workers), nil)
	if err != nil {
		return nil, err
	}
	words := []string{"apple", "budget", "meeting", "friday", "coffee", "launch", "report", "design", "travel", "photo",
		"music", "dinner", "weekend", "deadline", "invoice", "garden", "river", "mountain", "ticket", "birthday"}
	rng := rand.New(rand.NewPCG(3, 4))
	per := max(1, o.Senders) * 50
	sent := 0
	for _, p := range pairs {
		for i := range per {
			var b bytes.Buffer
			for k := 0; k < 8; k++ {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteByte(' ')
			}
			if _, _, err := p.from.c.Send(ctx, p.conv, client.SendParams{Text: b.String(), ClientID: fmt.Sprintf("s%d", i)}); err != nil {
				return nil, err
			}
			sent++
		}
	}
	// The searcher is a member of pair 0's conversation only: the other
	// pairs' messages are in the same index and must be left out.
	searcher := pairs[0].to.c
	queries := []client.SearchParams{{Q: "budget"}, {Q: "coffee river"}, {Q: `"weekend dinner"`}, {Q: "invoice", Conversation: pairs[0].conv}}
	var lat latencies
	r := &Result{Params: map[string]any{"messages": sent, "duration": o.Duration.String()}}
	c0, cerr := processCPU(o.ServerPID)
	deadline := time.Now().Add(o.Duration)
	for i := 0; time.Now().Before(deadline) || i < 8; i++ {
		t0 := time.Now()
		if _, _, err := searcher.Search(ctx, queries[i%len(queries)]); err != nil {
			r.Errors++
			r.FirstError = err.Error()
			continue
		}
		lat = append(lat, time.Since(t0))
	}
	c1, cerr1 := processCPU(o.ServerPID)
	slices.Sort(lat)
	r.add("p50", lat.pct(50), "ms")
	r.budget("p99", lat.pct(99), "ms", "<=", 50)
	if o.ServerPID > 0 && cerr == nil && cerr1 == nil && len(lat) > 0 {
		r.add("server_cpu_per_query", float64((c1-c0).Microseconds())/float64(len(lat)), "µs")
	}
	r.add("queries", float64(len(lat)), "queries")
	return r, nil
}
