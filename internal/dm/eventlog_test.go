package dm

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// fullEvent sets every field of an Event, so that a field added to Event
// but forgotten in the stored form fails TestEventRoundTrip.
func fullEvent() Event {
	at := time.Date(2026, 11, 2, 9, 30, 15, 123000000, time.UTC)
	edited := at.Add(time.Minute)
	p := Profile{ID: "u1", Handle: "ada", DisplayName: "Ada"}
	m := &Message{ID: "m1", ConversationID: "c1", Seq: 3, Sender: p, Text: "hi", ReplyTo: "m0",
		Reactions: []Reaction{{Emoji: "👍", Count: 1, Me: true}}, CreatedAt: at, EditedAt: &edited, Automated: true, AgentName: "Bo"}
	return Event{Seq: 9, Type: EventInboxMessage, ConversationID: "c1", At: at, Message: m,
		Conversation: &Conversation{ID: "c1", Kind: ConversationDirect, Members: []Member{{Profile: p, Role: RoleMember}},
			Status: StatusAccepted, LastMessage: m, CreatedAt: at, UpdatedAt: at},
		Actor: &p, Emoji: "👍", ReadSeq: 3, Brand: "acme",
		Inbox: &InboxView{ConversationID: "c1", Brand: "acme", Customer: p, Status: InboxOpen, Labels: []string{"vip"},
			Priority: PriorityNone, LastMessage: m, LastMessageAt: at, CreatedAt: at, UpdatedAt: at},
		Note:  &Note{ID: "n1", ConversationID: "c1", Author: p, Text: "note", CreatedAt: at},
		State: "viewing",
		// The stored form keeps the actor's profile, not the ids.
		Audit: &AuditEntry{ID: "a1", ConversationID: "c1", Actor: &p, Field: AuditStatus, From: InboxOpen, To: InboxPending, AfterSeq: 3, At: at},
		Campaign: &CampaignProgress{CampaignID: "k1", Status: "running", Targeted: 3, Sent: 1, Pending: 1,
			Skipped: map[string]int{"opted_out": 1}, RSVP: &RSVPTally{Yes: 1}, Offer: &OfferTally{Pool: 2, Assigned: 1}}}
}

func TestEventRoundTrip(t *testing.T) {
	e := fullEvent()
	v := reflect.ValueOf(e)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("fullEvent leaves Event.%s zero: set it, and keep it in the stored form", v.Type().Field(i).Name)
		}
	}
	b, err := EncodeEvent(&e)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), `{"v":1,"type":"inbox.message","conversation_id":"c1","at":"2026-11-02T09:30:15.123Z","payload":{"message":{`) {
		t.Errorf("stored form = %s", b)
	}
	got, err := DecodeEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	e.Seq = 0 // the row's key, not part of the stored form
	if !reflect.DeepEqual(got, e) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, e)
	}
}

// The stored form is pinned: a change to it must be a new format.
func TestEventStoredFormPinned(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 30, 15, 0, time.UTC)
	cases := []struct {
		e    Event
		want string
	}{
		{Event{Seq: 4, Type: EventReadUpdated, ConversationID: "c1", At: at, Actor: &Profile{ID: "u1", Handle: "ada", DisplayName: "Ada"}, ReadSeq: 7},
			`{"v":1,"type":"read.updated","conversation_id":"c1","at":"2026-11-02T09:30:15Z","payload":{"actor":{"id":"u1","handle":"ada","display_name":"Ada"},"read_seq":7}}`},
		{Event{Type: EventTeamUpdated, At: at, Brand: "acme", State: "removed"},
			`{"v":1,"type":"team.updated","at":"2026-11-02T09:30:15Z","payload":{"brand":"acme","state":"removed"}}`},
	}
	for _, c := range cases {
		b, err := EncodeEvent(&c.e)
		if err != nil || string(b) != c.want {
			t.Errorf("EncodeEvent(%s) = %s, %v\nwant %s", c.e.Type, b, err, c.want)
		}
	}
}

// Rows written before the envelope are flat events without "v"; databases
// full of them must still read.
func TestDecodeEventFormat0(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 30, 15, 123000000, time.UTC)
	row := `{"type":"reaction.added","conversation_id":"c1","at":"2026-11-02T09:30:15.123Z",` +
		`"message":{"id":"m1","conversation_id":"c1","seq":3,"sender":{"id":"u1","handle":"ada","display_name":"Ada"},"text":"hi","reply_to":"","reactions":[],"created_at":"2026-11-02T09:30:15.123Z","edited_at":null,"deleted":false},` +
		`"actor":{"id":"u2","handle":"bob","display_name":"Bob"},"emoji":"👍","brand":"acme","state":"message.edited"}`
	got, err := DecodeEvent([]byte(row))
	if err != nil {
		t.Fatal(err)
	}
	want := Event{Type: EventReactionAdded, ConversationID: "c1", At: at,
		Message: &Message{ID: "m1", ConversationID: "c1", Seq: 3, Sender: Profile{ID: "u1", Handle: "ada", DisplayName: "Ada"},
			Text: "hi", Reactions: []Reaction{}, CreatedAt: at},
		Actor: &Profile{ID: "u2", Handle: "bob", DisplayName: "Bob"}, Emoji: "👍", Brand: "acme", State: EventMessageEdited}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("format 0:\n got %+v\nwant %+v", got, want)
	}
	// The same event, re-encoded and decoded, is unchanged.
	b, _ := EncodeEvent(&got)
	if again, err := DecodeEvent(b); err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("format 0 then 1: %+v, %v", again, err)
	}
}

func TestDecodeEventRefuses(t *testing.T) {
	for _, row := range []string{
		`{"v":2,"type":"x","at":"2026-11-02T09:30:15Z","payload":{}}`, // from a newer build
		`{"type":`,
	} {
		if _, err := DecodeEvent([]byte(row)); err == nil {
			t.Errorf("DecodeEvent(%s) = nil error", row)
		}
	}
}
