package transfer

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Bar is a progress bar on one line of a terminal, redrawn five times a
// second: records done, records/s, and the ETA, from the bytes read of a
// file of known size (import) or from records of a known total (seed).
// A nil *Bar draws nothing.
type Bar struct {
	w          io.Writer
	label      string
	totalBytes int64
	totalRecs  int64
	start      time.Time
	recs       atomic.Int64
	bytes      atomic.Int64
	stop       chan struct{}
	stopped    sync.WaitGroup
}

// NewBar starts a bar on w (nil: no bar). totalBytes > 0 measures progress
// in bytes read, else totalRecords > 0 in records.
func NewBar(w io.Writer, label string, totalBytes, totalRecords int64) *Bar {
	if w == nil {
		return nil
	}
	b := &Bar{w: w, label: label, totalBytes: totalBytes, totalRecs: totalRecords, start: time.Now(), stop: make(chan struct{})}
	b.stopped.Add(1)
	go func() {
		defer b.stopped.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-b.stop:
				return
			case <-t.C:
				b.draw()
			}
		}
	}()
	return b
}

// Add counts n records committed.
func (b *Bar) Add(n int64) {
	if b != nil {
		b.recs.Add(n)
	}
}

// AddBytes counts n bytes read.
func (b *Bar) AddBytes(n int64) {
	if b != nil {
		b.bytes.Add(n)
	}
}

// Done draws the bar a last time and ends its line.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	close(b.stop)
	b.stopped.Wait()
	b.draw()
	fmt.Fprintln(b.w)
}

func (b *Bar) draw() {
	const width = 30
	el := time.Since(b.start)
	n := b.recs.Load()
	frac := 0.0
	switch {
	case b.totalBytes > 0:
		frac = float64(b.bytes.Load()) / float64(b.totalBytes)
	case b.totalRecs > 0:
		frac = float64(n) / float64(b.totalRecs)
	}
	frac = min(max(frac, 0), 1)
	eta := "?"
	if frac > 0.001 {
		eta = (time.Duration(float64(el)/frac) - el).Round(time.Second).String()
	}
	fill := int(frac * width)
	fmt.Fprintf(b.w, "\r%-8s [%s%s] %3.0f%% %d records, %.0f/s, %s, ETA %s   ", b.label,
		strings.Repeat("=", fill), strings.Repeat(" ", width-fill), frac*100, n, float64(n)/el.Seconds(),
		el.Round(time.Second), eta)
}
