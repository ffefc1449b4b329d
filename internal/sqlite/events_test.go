package sqlite

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The writer caches each user's newest event seq; an Update that fails (or
// panics) after appending must not leave the cache ahead of the table.
func TestEventSeqAfterFailedUpdate(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	appendFor := func(users ...string) func(dm.Tx) error {
		return func(tx dm.Tx) error {
			for _, u := range users {
				if err := tx.AppendEvent(ctx, u, &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c"}); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if err := db.Update(ctx, appendFor("u1", "u1")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := db.Update(ctx, func(tx dm.Tx) error {
		if err := appendFor("u1", "u2")(tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	func() {
		defer func() { recover() }()
		db.Update(ctx, func(tx dm.Tx) error {
			appendFor("u1", "u2")(tx)
			panic("boom")
		})
	}()
	var seqs []int64
	err = db.Update(ctx, func(tx dm.Tx) error {
		for _, u := range []string{"u1", "u2"} {
			e := &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c"}
			if err := tx.AppendEvent(ctx, u, e); err != nil {
				return err
			}
			seqs = append(seqs, e.Seq)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seqs[0] != 3 || seqs[1] != 1 {
		t.Errorf("seqs after failed Updates = %v, want [3 1]", seqs)
	}
}

// One encoding serves identical events, but never an event whose message
// changed behind the same pointer.
func TestEventEncodingReuse(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	m := &dm.Message{ID: "m1", ConversationID: "c", Seq: 1, Text: "first", Reactions: []dm.Reaction{}, CreatedAt: at}
	err := db.Update(ctx, func(tx dm.Tx) error {
		for _, u := range []string{"u1", "u2", "u3"} {
			if u == "u3" {
				m.Text = "edited"
				m.Reactions = append(m.Reactions, dm.Reaction{Emoji: "👍", Count: 1})
			}
			if err := tx.AppendEvent(ctx, u, &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c", At: at, Message: m}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"u1": "first", "u2": "first", "u3": "edited"}
	err = db.View(ctx, func(tx dm.Tx) error {
		for u, text := range want {
			evs, err := tx.Events(ctx, u, 0, 10)
			if err != nil {
				return err
			}
			if len(evs) != 1 || evs[0].Seq != 1 || evs[0].Message == nil || evs[0].Message.Text != text {
				t.Errorf("events of %s = %+v, want one with text %q", u, evs, text)
				continue
			}
			if n := len(evs[0].Message.Reactions); (u == "u3") != (n == 1) {
				t.Errorf("events of %s: %d reactions", u, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The same holds for what a message's slices and pointers lead to: an
// attachment, a quick reply, a link preview or a product card changed in
// place between two appends is encoded again.
func TestEventEncodingReuseDeep(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	m := &dm.Message{ID: "m1", ConversationID: "c", Seq: 1, Text: "hi", Reactions: []dm.Reaction{}, CreatedAt: at,
		Attachments:  []dm.Attachment{{ID: "a1", Kind: "voice", Name: "one", Waveform: []int{1, 2}}},
		QuickReplies: []dm.QuickReply{{Title: "Yes", Payload: "YES"}},
		LinkPreview:  &dm.LinkPreview{URL: "https://example.com/", Title: "old"},
		Product:      &dm.ProductCard{ProductID: "p1", Title: "old"}}
	changes := map[string]func(){
		"u2": func() { m.Attachments[0].Name = "two" },
		"u3": func() { m.Attachments[0].Waveform[1] = 9 },
		"u4": func() { m.QuickReplies[0].Title = "Sure" },
		"u5": func() { m.LinkPreview.Title = "new" },
		"u6": func() { m.Product.Title = "new" },
	}
	users := []string{"u1", "u2", "u3", "u4", "u5", "u6"}
	err := db.Update(ctx, func(tx dm.Tx) error {
		for _, u := range users {
			if f := changes[u]; f != nil {
				f()
			}
			if err := tx.AppendEvent(ctx, u, &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c", At: at, Message: m}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx dm.Tx) error {
		for _, u := range users {
			evs, err := tx.Events(ctx, u, 0, 10)
			if err != nil {
				return err
			}
			if len(evs) != 1 || evs[0].Message == nil || len(evs[0].Message.Attachments) != 1 || len(evs[0].Message.QuickReplies) != 1 ||
				evs[0].Message.LinkPreview == nil || evs[0].Message.Product == nil {
				t.Fatalf("events of %s = %+v", u, evs)
			}
			got := evs[0].Message
			summary := fmt.Sprintf("%s %v %s %s %s", got.Attachments[0].Name, got.Attachments[0].Waveform, got.QuickReplies[0].Title, got.LinkPreview.Title, got.Product.Title)
			want := map[string]string{
				"u1": "one [1 2] Yes old old", "u2": "two [1 2] Yes old old", "u3": "two [1 9] Yes old old",
				"u4": "two [1 9] Sure old old", "u5": "two [1 9] Sure new old", "u6": "two [1 9] Sure new new",
			}[u]
			if summary != want {
				t.Errorf("event of %s: %s, want %s", u, summary, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cloneMessage copies these fields deeply; a new slice, pointer or map in
// dm.Message must be added to it (and here).
func TestCloneMessageKnowsEveryReference(t *testing.T) {
	copied := map[string]bool{"Reactions": true, "EditedAt": true, "QuickReplies": true, "Attachments": true, "LinkPreview": true, "Product": true}
	typ := reflect.TypeOf(dm.Message{})
	for i := range typ.NumField() {
		f := typ.Field(i)
		switch f.Type.Kind() {
		case reflect.Slice, reflect.Pointer, reflect.Map, reflect.Interface:
			if !copied[f.Name] {
				t.Errorf("dm.Message.%s (%s) is not copied by cloneMessage", f.Name, f.Type)
			}
		}
	}
}

// formatZeroRow is an event as builds before the stored envelope wrote it
// (the flat JSON of the event, no "v"); existing databases are full of them.
const formatZeroRow = `{"type":"message.created","conversation_id":"c","at":"2026-03-04T05:06:07Z",` +
	`"message":{"id":"m1","conversation_id":"c","seq":1,"sender":{"id":"u1","handle":"ada","display_name":"Ada"},"text":"old","reply_to":"","reactions":[],"created_at":"2026-03-04T05:06:07Z","edited_at":null,"deleted":false}}`

// An old row and a new one read alike, and new rows are the envelope.
func TestEventsReadFormat0(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	// Inline, as rows written before migration 0930 keep their data.
	if _, err := db.writeDB.ExecContext(ctx, `INSERT INTO events (user_id, seq, at, data) VALUES (?, ?, ?, ?)`, "u1", 1, ms(at), formatZeroRow); err != nil {
		t.Fatal(err)
	}
	m := &dm.Message{ID: "m2", ConversationID: "c", Seq: 2, Sender: dm.Profile{ID: "u1", Handle: "ada", DisplayName: "Ada"}, Text: "new", Reactions: []dm.Reaction{}, CreatedAt: at}
	err := db.Update(ctx, func(tx dm.Tx) error {
		return tx.AppendEvent(ctx, "u1", &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c", At: at, Message: m})
	})
	if err != nil {
		t.Fatal(err)
	}
	var data string
	if err := db.writeDB.QueryRowContext(ctx, `SELECT d.data FROM events e JOIN event_data d ON d.id = e.data_id
		WHERE e.user_id = 'u1' AND e.seq = 2`).Scan(&data); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(data, `{"v":1,"type":"message.created",`) {
		t.Errorf("stored %s, want the format-1 envelope", data)
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

// New events keep their data in event_data, and pruning an event deletes
// its data row with it.
func TestEventDataPruned(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	old, recent := time.Now().Add(-48*time.Hour), time.Now()
	err := db.Update(ctx, func(tx dm.Tx) error {
		for i, at := range []time.Time{old, old, recent} {
			for _, u := range []string{"u1", "u2"} {
				e := &dm.Event{Type: dm.EventMessageCreated, ConversationID: "c", At: at,
					Message: &dm.Message{ID: fmt.Sprintf("m%d", i), ConversationID: "c", Text: fmt.Sprintf("text %d", i), Reactions: []dm.Reaction{}}}
				if err := tx.AppendEvent(ctx, u, e); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.writeDB.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM events WHERE data = '' AND data_id IN (SELECT id FROM event_data)`); n != 6 {
		t.Fatalf("%d events with their data in event_data, want 6", n)
	}
	var pruned int64
	if err := db.Update(ctx, func(tx dm.Tx) error {
		var err error
		pruned, err = tx.PruneEvents(ctx, time.Now().Add(-time.Hour), 3)
		return err
	}); err != nil || pruned != 3 {
		t.Fatalf("PruneEvents = %d, %v; want 3", pruned, err)
	}
	if n, d := count(`SELECT count(*) FROM events`), count(`SELECT count(*) FROM event_data`); n != 3 || d != 3 {
		t.Fatalf("after pruning 3 of 6: %d events, %d data rows; want 3 and 3", n, d)
	}
	if err := db.View(ctx, func(tx dm.Tx) error {
		for _, u := range []string{"u1", "u2"} {
			evs, err := tx.Events(ctx, u, 2, 10)
			if err != nil {
				return err
			}
			if len(evs) != 1 || evs[0].Seq != 3 || evs[0].Message == nil || evs[0].Message.Text != "text 2" {
				t.Errorf("%s: events after 2 = %+v", u, evs)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
