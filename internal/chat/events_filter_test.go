package chat_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// withholdSecrets is a pipeline Step that withholds, from every reader's
// log, the events of messages whose text starts with "secret".
type withholdSecrets struct{}

func (withholdSecrets) MessageStored(context.Context, dm.Tx, chat.Outbox, *chat.Sent) error {
	return nil
}

func (withholdSecrets) FilterEvents(_ context.Context, _ dm.Tx, _ string, evs []dm.Event) ([]dm.Event, error) {
	out := evs[:0]
	for _, ev := range evs {
		if ev.Message == nil || !strings.HasPrefix(ev.Message.Text, "secret") {
			out = append(out, ev)
		}
	}
	return out, nil
}

// TestEventFilterKeepsPagesFull: a page the pipeline's EventFilters
// shortened is topped up from further on, so that a page shorter than
// asked still means the end of the log (the WebSocket's catch-up stops
// there), and paging from its cursor reads every kept event once, in
// order, with nothing withheld.
func TestEventFilterKeepsPagesFull(t *testing.T) {
	r := newRules(t, chat.Config{RateLimitOff: true, Steps: []chat.Step{withholdSecrets{}}})
	ada, ben, conv := r.friends(t)
	_, start, err := r.svc.Events(r.ctx, ben, "", 10)
	mustOK(t, err)
	// 25 withheld in a row (more than two pages of 10), then 12 kept.
	var want []string
	for i := range 25 {
		_, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: fmt.Sprintf("secret %d", i)})
		mustOK(t, err)
	}
	for i := range 12 {
		text := fmt.Sprintf("kept %d", i)
		_, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: text})
		mustOK(t, err)
		want = append(want, text)
	}
	var got []string
	pages := 0
	for c := start; ; pages++ {
		evs, next, err := r.svc.Events(r.ctx, ben, c, 10)
		mustOK(t, err)
		for _, ev := range evs {
			if ev.Message == nil {
				continue
			}
			if strings.HasPrefix(ev.Message.Text, "secret") {
				t.Fatalf("a withheld event was read: %q", ev.Message.Text)
			}
			got = append(got, ev.Message.Text)
		}
		if len(evs) < 10 {
			break
		}
		c = next
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("read %v, want %v", got, want)
	}
	if pages != 1 {
		t.Errorf("%d full pages before the last, want 1 (12 kept, 10 a page)", pages)
	}
}
