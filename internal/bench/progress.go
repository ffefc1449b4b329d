package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bar is one phase's progress bar, redrawn on one line of w five times a
// second. A nil *Bar draws nothing, so scenarios call it unconditionally.
type Bar struct {
	w       io.Writer
	label   string
	total   int64         // units of work; 0 with a duration
	length  time.Duration // phase length when progress is time
	start   time.Time
	n       atomic.Int64
	stop    chan struct{}
	stopped sync.WaitGroup
}

// newBar starts a bar counting up to total units (total > 0) or, with
// total == 0, filling over length. It returns nil when w is nil.
func newBar(w io.Writer, label string, total int64, length time.Duration) *Bar {
	if w == nil {
		return nil
	}
	b := &Bar{w: w, label: label, total: total, length: length, start: time.Now(), stop: make(chan struct{})}
	b.stopped.Add(1)
	go b.loop()
	return b
}

// Add counts n units of work done.
func (b *Bar) Add(n int64) {
	if b != nil {
		b.n.Add(n)
	}
}

// Done draws the bar one last time and ends its line.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	close(b.stop)
	b.stopped.Wait()
	b.draw(true)
	fmt.Fprintln(b.w)
}

func (b *Bar) loop() {
	defer b.stopped.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.draw(false)
		}
	}
}

func (b *Bar) draw(final bool) {
	const width = 30
	el := time.Since(b.start)
	n := b.n.Load()
	var frac float64
	switch {
	case final:
		frac = 1
	case b.total > 0:
		frac = float64(n) / float64(b.total)
	case b.length > 0:
		frac = float64(el) / float64(b.length)
	}
	frac = min(max(frac, 0), 1)
	fill := int(frac * width)
	rate := float64(n) / el.Seconds()
	count := fmt.Sprintf("%d", n)
	if b.total > 0 {
		count = fmt.Sprintf("%d/%d", n, b.total)
	}
	fmt.Fprintf(b.w, "\r%-18s [%s%s] %3.0f%% %s (%.0f/s) %s   ", b.label,
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, count, rate, el.Round(100*time.Millisecond))
}
