package ws

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
)

func frameEvent(reactions []dm.Reaction) dm.Event {
	at := time.Date(2026, 11, 2, 9, 30, 15, 0, time.UTC)
	p := dm.Profile{ID: "01HXYZABCDEF", Handle: "ada", DisplayName: "Ada Lovelace"}
	m := &dm.Message{ID: "01HXYZMSG", ConversationID: "01HXYZCONV", Seq: 42, Sender: p, Text: "hello there", Reactions: reactions, CreatedAt: at}
	return dm.Event{Seq: 7, Type: dm.EventMessageCreated, ConversationID: "01HXYZCONV", At: at, Message: m}
}

// The pooled scratch of writeEvent must never leak one event's message
// into the next frame: each frame is exactly the event's own wire form.
func TestWriteEventReusesNothingVisible(t *testing.T) {
	evs := []dm.Event{
		frameEvent([]dm.Reaction{{Emoji: "👍", Count: 2, Me: true}, {Emoji: "🎉", Count: 1}}),
		frameEvent([]dm.Reaction{}),
		frameEvent(nil),
		{Seq: 8, Type: dm.EventReadUpdated, ConversationID: "c", Actor: &dm.Profile{ID: "u"}, ReadSeq: 3},
		frameEvent([]dm.Reaction{{Emoji: "x", Count: 1}}),
	}
	for i := range evs {
		var buf bytes.Buffer
		if err := writeEvent(&buf, &evs[i]); err != nil {
			t.Fatal(err)
		}
		hdr, err := ws.ReadHeader(&buf)
		if err != nil || hdr.OpCode != ws.OpText || int(hdr.Length) != buf.Len() {
			t.Fatalf("frame %d: header %+v, %v, %d bytes left", i, hdr, err, buf.Len())
		}
		want, _ := json.Marshal(towire.Event(&evs[i]))
		if buf.String() != string(want) {
			t.Errorf("frame %d:\n got %s\nwant %s", i, buf.String(), want)
		}
	}
}

func BenchmarkWriteEvent(b *testing.B) {
	e := frameEvent([]dm.Reaction{{Emoji: "👍", Count: 1}})
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		writeEvent(&buf, &e)
	}
}
