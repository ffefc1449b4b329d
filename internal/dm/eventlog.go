package dm

import (
	"encoding/json"
	"fmt"
	"time"
)

// The stored form of an event: what a Store writes into its event log and
// reads back. It is a versioned envelope, defined here once for both stores
// and apart from the API's frames (package wire), so that the log, the
// stream and the API can change independently:
//
//	{"v":1,"type":"message.created","conversation_id":"...","at":"...","payload":{"message":{...}}}
//
// The type and the conversation sit in the envelope; what the type carries
// sits in payload, with the JSON names of eventPayload (and of the domain
// types it holds, whose tags are therefore part of this format). The seq is
// not stored in it: it is the row's key.
//
// Rows written before the envelope (format 0) are the flat JSON of an Event
// without "v"; DecodeEvent still reads them, so existing databases need no
// migration. A change that an older build could not read (a field renamed
// or given a new meaning) takes a new format number, a case in DecodeEvent
// for the old one, and a bump of EventFormat; adding an optional field does
// not.

// EventFormat is the version of the stored form that EncodeEvent writes.
const EventFormat = 1

// eventPayload is the part of an event that depends on its type. A new
// datum for a new kind of event is one more optional field here and on
// Event (and on wire.Event, with its line in internal/towire, if clients
// see it); stores and surfaces pass it through untouched.
type eventPayload struct {
	Message      *Message          `json:"message,omitempty"`
	Conversation *Conversation     `json:"conversation,omitempty"`
	Actor        *Profile          `json:"actor,omitempty"`
	Emoji        string            `json:"emoji,omitempty"`
	ReadSeq      int64             `json:"read_seq,omitempty"`
	Brand        string            `json:"brand,omitempty"`
	Inbox        *InboxView        `json:"inbox,omitempty"`
	Note         *Note             `json:"note,omitempty"`
	State        string            `json:"state,omitempty"`
	Audit        *AuditEntry       `json:"audit,omitempty"`
	Campaign     *CampaignProgress `json:"campaign,omitempty"`
}

// storedEvent is the envelope that EncodeEvent writes.
type storedEvent struct {
	V              int          `json:"v"`
	Type           string       `json:"type"`
	ConversationID string       `json:"conversation_id,omitempty"`
	At             time.Time    `json:"at"`
	Payload        eventPayload `json:"payload"`
}

// storedRow reads either format in one pass, with no allocation beyond the
// event's own: a format-1 row fills V and Payload, a format-0 row (no "v")
// fills the embedded payload, whose fields it kept at the top level.
type storedRow struct {
	V              int          `json:"v"`
	Type           string       `json:"type"`
	ConversationID string       `json:"conversation_id"`
	At             time.Time    `json:"at"`
	Payload        eventPayload `json:"payload"`
	eventPayload
}

// EncodeEvent returns the stored form of e (its Seq left out): the JSON
// of storedOf(e), written by appendStored (eventlog_append.go).
func EncodeEvent(e *Event) ([]byte, error) {
	return appendStored(make([]byte, 0, 512), e)
}

// storedOf is the envelope of e, as json.Marshal would encode it.
func storedOf(e *Event) *storedEvent {
	return &storedEvent{V: EventFormat, Type: e.Type, ConversationID: e.ConversationID, At: e.At,
		Payload: eventPayload{Message: e.Message, Conversation: e.Conversation, Actor: e.Actor, Emoji: e.Emoji,
			ReadSeq: e.ReadSeq, Brand: e.Brand, Inbox: e.Inbox, Note: e.Note, State: e.State, Audit: e.Audit, Campaign: e.Campaign}}
}

// DecodeEvent reads an event that EncodeEvent, or a build before the
// envelope, wrote. The caller sets Seq from the row.
func DecodeEvent(data []byte) (Event, error) {
	var r storedRow
	if err := json.Unmarshal(data, &r); err != nil {
		return Event{}, err
	}
	p := &r.eventPayload
	switch r.V {
	case 0:
	case 1:
		p = &r.Payload
	default:
		return Event{}, fmt.Errorf("stored event of format %d, newer than this build (%d)", r.V, EventFormat)
	}
	return Event{Type: r.Type, ConversationID: r.ConversationID, At: r.At, Message: p.Message,
		Conversation: p.Conversation, Actor: p.Actor, Emoji: p.Emoji, ReadSeq: p.ReadSeq, Brand: p.Brand,
		Inbox: p.Inbox, Note: p.Note, State: p.State, Audit: p.Audit, Campaign: p.Campaign}, nil
}
