package dm

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// The types appendStored writes field by field, with their number of
// fields when it was written: a field added to one fails here, until
// appendStored writes it too (and the expected count moves).
func TestAppendStoredKnowsEveryField(t *testing.T) {
	for _, c := range []struct {
		v      any
		fields int
	}{
		{Event{}, 15}, {eventPayload{}, 11}, {storedEvent{}, 5}, {Message{}, 18}, {Profile{}, 5}, {Reaction{}, 3}, {InboxView{}, 15},
	} {
		if n := reflect.TypeOf(c.v).NumField(); n != c.fields {
			t.Errorf("%T has %d fields, appendStored knows %d: write the new one in eventlog_append.go", c.v, n, c.fields)
		}
	}
}

// appendStored writes what json.Marshal writes, whatever the event holds.
func TestAppendStoredMatchesMarshal(t *testing.T) {
	check := func(e *Event) {
		t.Helper()
		want, werr := json.Marshal(storedOf(e))
		got, gerr := EncodeEvent(e)
		if (werr != nil) != (gerr != nil) || string(got) != string(want) {
			t.Fatalf("EncodeEvent = %s, %v\njson.Marshal = %s, %v", got, gerr, want, werr)
		}
	}
	full := fullEvent()
	check(&full)
	full.Message.QuickReplies = []QuickReply{{Title: "Yes <b>", Payload: "Y"}}
	full.Message.Attachments = []Attachment{{}}
	full.Message.LinkPreview, full.Message.Product = &LinkPreview{}, &ProductCard{}
	full.Message.CampaignID, full.Message.Collaboration, full.Message.Sender.Verified, full.Message.Sender.Suspended = "k1", true, true, true
	full.Inbox.SLA = &SLAState{Kind: "first_response", TargetSeconds: 60, RemainingSeconds: -3, Breached: true}
	full.Inbox.Assignee = &Profile{ID: "u2", Handle: "bo"}
	check(&full)
	check(&Event{})

	r := rand.New(rand.NewPCG(1, 2))
	strs := []string{"", "hi", "acme", `"quoted"`, `back\slash`, "<a href='x'>&amp;</a>", "tab\tnew\nline\x01", "café ☕", "\u2028\u2029",
		"bad \xff utf-8", "\x7f", `"last_message":null`, "日本語"}
	str := func() string { return strs[r.IntN(len(strs))] }
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("X", -7*3600), time.Local}
	tm := func() time.Time {
		switch r.IntN(8) {
		case 0:
			return time.Time{}
		case 1:
			return time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) // MarshalJSON refuses it
		}
		return time.Unix(r.Int64N(4e9), r.Int64N(1e9)*int64(r.IntN(2))).In(zones[r.IntN(len(zones))])
	}
	tp := func() *time.Time {
		if r.IntN(2) == 0 {
			return nil
		}
		x := tm()
		return &x
	}
	prof := func() Profile {
		return Profile{ID: str(), Handle: str(), DisplayName: str(), Suspended: r.IntN(2) == 0, Verified: r.IntN(2) == 0}
	}
	msg := func() *Message {
		if r.IntN(3) == 0 {
			return nil
		}
		m := &Message{ID: str(), ConversationID: str(), Seq: r.Int64N(1e6) - 10, Sender: prof(), Text: str(), ReplyTo: str(),
			CreatedAt: tm(), EditedAt: tp(), Deleted: r.IntN(2) == 0, Automated: r.IntN(2) == 0, AgentName: str(),
			CampaignID: str(), Collaboration: r.IntN(2) == 0}
		switch r.IntN(3) {
		case 0:
			m.Reactions = []Reaction{}
		case 1:
			m.Reactions = []Reaction{{Emoji: str(), Count: r.IntN(5) - 1, Me: r.IntN(2) == 0}, {Emoji: str()}}
		}
		if r.IntN(4) == 0 {
			m.QuickReplies = []QuickReply{{Title: str(), Payload: str()}}
		}
		return m
	}
	for range 5000 {
		e := Event{Seq: r.Int64N(9), Type: str(), ConversationID: str(), At: tm(), Message: msg(), Emoji: str(), ReadSeq: r.Int64N(3), Brand: str(), State: str()}
		if r.IntN(2) == 0 {
			p := prof()
			e.Actor = &p
		}
		if r.IntN(2) == 0 {
			v := &InboxView{ConversationID: str(), Brand: str(), Customer: prof(), Status: str(), SnoozedUntil: tp(), Priority: str(),
				WaitingSince: tp(), FirstResponseAt: tp(), LastMessage: e.Message, LastMessageAt: tm(), CreatedAt: tm(), UpdatedAt: tm()}
			if r.IntN(2) == 0 {
				v.LastMessage = msg()
			}
			switch r.IntN(3) {
			case 0:
				v.Labels = []string{}
			case 1:
				v.Labels = []string{str(), str()}
			}
			if r.IntN(2) == 0 {
				a := prof()
				v.Assignee = &a
			}
			e.Inbox = v
		}
		check(&e)
	}
}

func BenchmarkEncodeInboxMessage(b *testing.B) {
	e := fullEvent()
	e.Conversation, e.Note, e.Audit, e.Campaign = nil, nil, nil, nil
	b.Run("append", func(b *testing.B) {
		for b.Loop() {
			if _, err := EncodeEvent(&e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("marshal", func(b *testing.B) { // the encoding before appendStored
		for b.Loop() {
			if _, err := json.Marshal(storedOf(&e)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
