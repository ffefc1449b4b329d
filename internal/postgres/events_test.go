package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// An event as builds before the stored envelope wrote it (the flat JSON of
// the event, no "v") and one written now read alike, and new rows are the
// format-1 envelope.
func TestEventsReadFormat0(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	const old = `{"type":"message.created","conversation_id":"c","at":"2026-03-04T05:06:07Z",` +
		`"message":{"id":"m1","conversation_id":"c","seq":1,"sender":{"id":"u1","handle":"ada","display_name":"Ada"},"text":"old","reply_to":"","reactions":[],"created_at":"2026-03-04T05:06:07Z","edited_at":null,"deleted":false}}`
	if _, err := db.pool.Exec(ctx, `INSERT INTO event_logs (user_id, last_seq) VALUES ('u1', 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO events (user_id, seq, at, body) VALUES ('u1', 1, $1, $2)`, at, old); err != nil {
		t.Fatal(err)
	}
	m := &dm.Message{ID: "m2", ConversationID: "c", Seq: 2, Sender: dm.Profile{ID: "u1", Handle: "ada", DisplayName: "Ada"}, Text: "new", Reactions: []dm.Reaction{}, CreatedAt: at}
	err := db.Update(ctx, func(tx dm.Tx) error {
		return tx.AppendEvent(ctx, "u1", &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c", At: at, Message: m})
	})
	if err != nil {
		t.Fatal(err)
	}
	var body string
	if err := db.pool.QueryRow(ctx, `SELECT body::text FROM events WHERE user_id = 'u1' AND seq = 2`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(body, `{"v":1,"type":"message.created",`) {
		t.Errorf("stored %s, want the format-1 envelope", body)
	}
	err = db.View(ctx, func(tx dm.Tx) error {
		evs, err := tx.Events(ctx, "u1", 0, 10)
		if err != nil {
			return err
		}
		if len(evs) != 2 {
			t.Fatalf("events = %+v, want 2", evs)
		}
		for i, text := range []string{"old", "new"} {
			e := evs[i]
			if e.Seq != int64(i+1) || e.Type != dm.EventMessageCreated || e.ConversationID != "c" || !e.At.Equal(at) ||
				e.Message == nil || e.Message.Text != text || e.Message.Sender.Handle != "ada" || e.Message.Reactions == nil {
				t.Errorf("event %d = %+v (message %+v), want %q", i+1, e, e.Message, text)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
