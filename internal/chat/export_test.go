package chat_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// TestExportOneAtATime: while an account's export runs, a second one is
// refused with a 429 and a Retry-After; it runs again once the first ended,
// and another account's export is not held back. The messages of a long
// conversation come in pages, newest first, each once.
func TestExportOneAtATime(t *testing.T) {
	r := newRules(t, chat.Config{RateLimitOff: true})
	ada, ben, conv := r.friends(t)
	const n = 450 // over two pages of the export's reads
	for i := range n {
		_, _, err := r.svc.Send(r.ctx, ada, conv.ID, chat.SendParams{Text: fmt.Sprintf("message %d", i)})
		mustOK(t, err)
	}
	var seqs []int64
	inner := 0
	err := r.svc.Export(r.ctx, ada, func(it chat.ExportItem) error {
		if it.Kind == chat.ExportMessage {
			seqs = append(seqs, it.Message.Seq)
		}
		if inner == 0 {
			inner++
			err := r.svc.Export(r.ctx, ada, func(chat.ExportItem) error { return nil })
			var de *dm.Error
			if !errors.As(err, &de) || de.Code != dm.ERATELIMITED || de.RetryAfter <= 0 {
				t.Errorf("a second export while one runs: %v, want ERATELIMITED with a Retry-After", err)
			}
			if err := r.svc.Export(r.ctx, ben, func(chat.ExportItem) error { return nil }); err != nil {
				t.Errorf("ben's export while ada's runs: %v", err)
			}
		}
		return nil
	})
	mustOK(t, err)
	if len(seqs) != n {
		t.Fatalf("%d messages exported, want %d", len(seqs), n)
	}
	for i, s := range seqs {
		if want := int64(n - i); s != want {
			t.Fatalf("message %d of the export has seq %d, want %d (newest first, each once)", i, s, want)
		}
	}
	mustOK(t, r.svc.Export(r.ctx, ada, func(chat.ExportItem) error { return nil }))
	stop := errors.New("stop")
	if err := r.svc.Export(r.ctx, ada, func(chat.ExportItem) error { return stop }); err != stop {
		t.Errorf("emit's error: %v, want it returned", err)
	}
	mustOK(t, r.svc.Export(r.ctx, ada, func(chat.ExportItem) error { return nil }))
}
