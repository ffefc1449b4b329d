package wire

import "time"

// Event is one frame of the event stream and one entry of GET /api/v1/events.
// Seq is the caller's cursor (per user, gap-free); ephemeral events (typing,
// inbox.presence) have none. Which of the optional fields an event carries
// depends on its Type (see API.md and the Events tag of the API document).
type Event struct {
	Seq            int64         `json:"seq,omitempty"`
	Type           string        `json:"type"`
	ConversationID string        `json:"conversation_id"`
	At             time.Time     `json:"at"`
	Message        *Message      `json:"message,omitempty"`
	Conversation   *Conversation `json:"conversation,omitempty"`
	// Actor is who did it: the reactor, the reader, the member added or
	// removed, the typist.
	Actor *Profile `json:"actor,omitempty"`
	// Emoji is set on reaction events.
	Emoji string `json:"emoji,omitempty"`
	// ReadSeq is set on read.updated: the actor has read up to this message seq.
	ReadSeq int64 `json:"read_seq,omitempty"`
	// The brand events (inbox.*, team.updated) name the brand's handle and
	// carry the team's view of the conversation, a note, or a state (a
	// presence state, the spine's event type on inbox.message_updated, or
	// what happened to a team member).
	Brand string     `json:"brand,omitempty"`
	Inbox *InboxView `json:"inbox,omitempty"`
	Note  *Note      `json:"note,omitempty"`
	// Audit is set on inbox.audit.
	Audit *AuditEntry `json:"audit,omitempty"`
	// Campaign is a campaign's progress (campaign.progress, to the brand's team).
	Campaign *CampaignProgress `json:"campaign,omitempty"`
	State    string            `json:"state,omitempty"`
}
