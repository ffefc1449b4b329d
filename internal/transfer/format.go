// Package transfer is Parley's export file: JSON lines in the API's wire
// shapes plus what a lossless copy needs (docs/import.md). Export writes a
// store's dm.Bulk dump in a stable order; Import reads a file, checks every
// record and loads it in batches through dm.Bulk. bench seed drives the same
// Loader with generated batches, so there is one bulk loader.
package transfer

import (
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/wire"
)

// Version is the format version this build writes and reads.
const Version = 1

// Header is the first line of a file.
type Header struct {
	Format  string `json:"format"` // always "parley-export"
	Version int    `json:"version"`
}

const formatName = "parley-export"

// Record types (the "type" field of each line after the header).
const (
	TypeAccount      = "account"
	TypeFollow       = "follow"
	TypeBlock        = "block"
	TypeConversation = "conversation"
	TypeMessage      = "message"
	TypeEventLog     = "event_log"
)

// Account is an account record: the API's account and settings, and the
// password hash and suspension time a copy needs.
type Account struct {
	Type         string        `json:"type"`
	Account      wire.Account  `json:"account"`
	Settings     wire.Settings `json:"settings"`
	PasswordHash string        `json:"password_hash"`
	SuspendedAt  *time.Time    `json:"suspended_at"`
}

// Follow is FollowerID following FolloweeID.
type Follow struct {
	Type       string `json:"type"`
	FollowerID string `json:"follower_id"`
	FolloweeID string `json:"followee_id"`
}

// Block is BlockerID blocking BlockedID.
type Block struct {
	Type      string `json:"type"`
	BlockerID string `json:"blocker_id"`
	BlockedID string `json:"blocked_id"`
}

// Conversation is a conversation record: the API's conversation fields that
// are the same for every member, its newest message's seq, and its members
// in join order with each one's own state (the fields the API shows a
// member about themself).
type Conversation struct {
	Type         string           `json:"type"`
	Conversation ConversationCore `json:"conversation"`
	LastSeq      int64            `json:"last_seq"`
	Members      []Member         `json:"members"`
}

// ConversationCore is wire.Conversation without the viewer's fields.
type ConversationCore struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Member is one member's state in a conversation.
type Member struct {
	ID          string    `json:"id"`
	Role        string    `json:"role"`
	Status      string    `json:"status"`
	Muted       bool      `json:"muted"`
	Archived    bool      `json:"archived"`
	LastReadSeq int64     `json:"last_read_seq"`
	ClearedSeq  int64     `json:"cleared_seq"`
	JoinedAt    time.Time `json:"joined_at"`
}

// Message is a message record: wire.Message's stored fields (the sender by
// id), the sender's client_id, each reaction with its author, and who hid
// the message for themself.
type Message struct {
	Type      string      `json:"type"`
	Message   MessageCore `json:"message"`
	ClientID  string      `json:"client_id,omitempty"`
	HiddenFor []string    `json:"hidden_for,omitempty"`
}

// MessageCore is wire.Message as stored.
type MessageCore struct {
	ID             string     `json:"id"`
	ConversationID string     `json:"conversation_id"`
	Seq            int64      `json:"seq"`
	SenderID       string     `json:"sender_id"`
	Text           string     `json:"text"`
	ReplyTo        string     `json:"reply_to"`
	Reactions      []Reaction `json:"reactions,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	EditedAt       *time.Time `json:"edited_at"`
	Deleted        bool       `json:"deleted"`
}

// Reaction is one person's emoji.
type Reaction struct {
	Emoji  string `json:"emoji"`
	UserID string `json:"user_id"`
}

// EventLog is the head of a user's event log.
type EventLog struct {
	Type   string `json:"type"`
	UserID string `json:"user_id"`
	Seq    int64  `json:"seq"`
}

// ms is the format's time precision (both stores keep milliseconds).
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func msp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ms(*t)
	return &v
}

func accountRecord(a *dm.BulkAccount) *Account {
	return &Account{Type: TypeAccount,
		Account: wire.Account{ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, Bio: a.Bio, Kind: a.Kind,
			CreatedAt: ms(a.CreatedAt), Role: a.Role, Suspended: a.SuspendedAt != nil, Verified: a.Verified},
		Settings:     wire.Settings{AllowIncoming: a.Settings.AllowIncoming, ReadReceipts: a.Settings.ReadReceipts, TimeZone: a.Settings.TimeZone},
		PasswordHash: a.PasswordHash, SuspendedAt: msp(a.SuspendedAt)}
}

func conversationRecord(c *dm.BulkConversation) *Conversation {
	r := &Conversation{Type: TypeConversation, LastSeq: c.LastSeq, Members: make([]Member, len(c.Members)),
		Conversation: ConversationCore{ID: c.ID, Kind: c.Kind, Title: c.Title, CreatedAt: ms(c.CreatedAt), UpdatedAt: ms(c.UpdatedAt)}}
	for i, m := range c.Members {
		r.Members[i] = Member{ID: m.UserID, Role: m.Role, Status: m.Status, Muted: m.Muted, Archived: m.Archived,
			LastReadSeq: m.LastReadSeq, ClearedSeq: m.ClearedSeq, JoinedAt: ms(m.JoinedAt)}
	}
	return r
}

func messageRecord(m *dm.BulkMessage) *Message {
	r := &Message{Type: TypeMessage, ClientID: m.ClientID, HiddenFor: m.HiddenFor,
		Message: MessageCore{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, SenderID: m.SenderID, Text: m.Text,
			ReplyTo: m.ReplyTo, CreatedAt: ms(m.CreatedAt), EditedAt: msp(m.EditedAt), Deleted: m.Deleted}}
	for _, x := range m.Reactions {
		r.Message.Reactions = append(r.Message.Reactions, Reaction{Emoji: x.Emoji, UserID: x.UserID})
	}
	return r
}

// Limits of a record's strings, beyond the API's own (dm): ids and hashes
// are never long, and a bound keeps a corrupt line from costing memory.
const (
	maxIDBytes   = 64
	maxHashBytes = 512
)

func checkID(what, id string) error {
	if id == "" {
		return fmt.Errorf("%s is missing", what)
	}
	if len(id) > maxIDBytes || !utf8.ValidString(id) {
		return fmt.Errorf("%s %.20q is not an id", what, id)
	}
	return nil
}

func checkRunes(what, s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not UTF-8", what)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return fmt.Errorf("%s has %d characters (at most %d)", what, n, max)
	}
	return nil
}

func oneOf(what, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%s %q is not one of %q", what, v, allowed)
}

func (r *Account) bulk() (dm.BulkAccount, error) {
	a := r.Account
	err := checkID("account.id", a.ID)
	if err == nil && (a.Handle == "" || len(a.Handle) > 64) {
		err = fmt.Errorf("account.handle %.70q is empty or too long", a.Handle)
	}
	if err == nil {
		err = checkRunes("account.display_name", a.DisplayName, dm.MaxDisplayName)
	}
	if err == nil {
		err = checkRunes("account.bio", a.Bio, dm.MaxBioRunes)
	}
	if err == nil {
		err = oneOf("account.kind", a.Kind, dm.KindPerson, dm.KindBrand)
	}
	if err == nil {
		err = oneOf("account.role", a.Role, "", dm.RoleOperator)
	}
	if err == nil {
		err = oneOf("settings.allow_incoming", r.Settings.AllowIncoming, dm.AllowEveryone, dm.AllowFollowing, dm.AllowNobody)
	}
	if err == nil && (r.PasswordHash == "" || len(r.PasswordHash) > maxHashBytes) {
		err = fmt.Errorf("password_hash is empty or longer than %d bytes", maxHashBytes)
	}
	if err == nil && a.CreatedAt.IsZero() {
		err = fmt.Errorf("account.created_at is missing")
	}
	if err == nil && a.Suspended != (r.SuspendedAt != nil) {
		err = fmt.Errorf("account.suspended and suspended_at disagree")
	}
	if err != nil {
		return dm.BulkAccount{}, err
	}
	return dm.BulkAccount{
		Account: dm.Account{ID: a.ID, Handle: a.Handle, DisplayName: a.DisplayName, Bio: a.Bio, Kind: a.Kind,
			CreatedAt: ms(a.CreatedAt), Role: a.Role, Suspended: r.SuspendedAt != nil, Verified: a.Verified},
		Settings:     dm.Settings{AllowIncoming: r.Settings.AllowIncoming, ReadReceipts: r.Settings.ReadReceipts, TimeZone: r.Settings.TimeZone},
		PasswordHash: r.PasswordHash, SuspendedAt: msp(r.SuspendedAt)}, nil
}

func (r *Conversation) bulk() (dm.BulkConversation, error) {
	c := r.Conversation
	err := checkID("conversation.id", c.ID)
	if err == nil {
		err = oneOf("conversation.kind", c.Kind, dm.ConversationDirect, dm.ConversationGroup)
	}
	if err == nil {
		err = checkRunes("conversation.title", c.Title, dm.MaxTitleRunes)
	}
	if err == nil && (c.CreatedAt.IsZero() || c.UpdatedAt.IsZero()) {
		err = fmt.Errorf("conversation.created_at or updated_at is missing")
	}
	if err == nil && r.LastSeq < 0 {
		err = fmt.Errorf("last_seq %d is negative", r.LastSeq)
	}
	if err == nil && c.Kind == dm.ConversationDirect && (len(r.Members) != 2 || r.Members[0].ID == r.Members[1].ID) {
		err = fmt.Errorf("a direct conversation has two members, not %d", len(r.Members))
	}
	if err == nil && len(r.Members) > dm.MaxGroupMembers {
		err = fmt.Errorf("%d members (at most %d)", len(r.Members), dm.MaxGroupMembers)
	}
	if err != nil {
		return dm.BulkConversation{}, err
	}
	b := dm.BulkConversation{ID: c.ID, Kind: c.Kind, Title: c.Title, CreatedAt: ms(c.CreatedAt), UpdatedAt: ms(c.UpdatedAt),
		LastSeq: r.LastSeq, Members: make([]dm.Membership, len(r.Members))}
	seen := map[string]bool{}
	for i, m := range r.Members {
		what := fmt.Sprintf("members[%d]", i)
		err := checkID(what+".id", m.ID)
		if err == nil && seen[m.ID] {
			err = fmt.Errorf("%s: %s is a member twice", what, m.ID)
		}
		if err == nil {
			err = oneOf(what+".role", m.Role, dm.RoleOwner, dm.RoleMember)
		}
		if err == nil {
			err = oneOf(what+".status", m.Status, dm.StatusRequest, dm.StatusAccepted)
		}
		if err == nil && (m.LastReadSeq < 0 || m.ClearedSeq < 0 || m.LastReadSeq > r.LastSeq || m.ClearedSeq > r.LastSeq) {
			err = fmt.Errorf("%s: last_read_seq %d or cleared_seq %d is outside 0..last_seq (%d)", what, m.LastReadSeq, m.ClearedSeq, r.LastSeq)
		}
		if err == nil && m.JoinedAt.IsZero() {
			err = fmt.Errorf("%s.joined_at is missing", what)
		}
		if err != nil {
			return dm.BulkConversation{}, err
		}
		seen[m.ID] = true
		b.Members[i] = dm.Membership{ConversationID: c.ID, UserID: m.ID, Role: m.Role, Status: m.Status, Muted: m.Muted,
			Archived: m.Archived, LastReadSeq: m.LastReadSeq, ClearedSeq: m.ClearedSeq, JoinedAt: ms(m.JoinedAt)}
	}
	return b, nil
}

func (r *Message) bulk() (dm.BulkMessage, error) {
	m := r.Message
	err := checkID("message.id", m.ID)
	if err == nil {
		err = checkID("message.conversation_id", m.ConversationID)
	}
	if err == nil {
		err = checkID("message.sender_id", m.SenderID)
	}
	if err == nil && m.Seq < 1 {
		err = fmt.Errorf("message.seq %d is not positive", m.Seq)
	}
	if err == nil {
		err = checkRunes("message.text", m.Text, dm.MaxTextRunes)
	}
	if err == nil && len(m.ReplyTo) > maxIDBytes {
		err = fmt.Errorf("message.reply_to is not an id")
	}
	if err == nil && len(r.ClientID) > dm.MaxClientIDBytes {
		err = fmt.Errorf("client_id is longer than %d bytes", dm.MaxClientIDBytes)
	}
	if err == nil && m.CreatedAt.IsZero() {
		err = fmt.Errorf("message.created_at is missing")
	}
	if err != nil {
		return dm.BulkMessage{}, err
	}
	b := dm.BulkMessage{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, SenderID: m.SenderID, Text: m.Text,
		ReplyTo: m.ReplyTo, ClientID: r.ClientID, CreatedAt: ms(m.CreatedAt), EditedAt: msp(m.EditedAt), Deleted: m.Deleted,
		HiddenFor: r.HiddenFor}
	for i, x := range m.Reactions {
		if err := checkID(fmt.Sprintf("message.reactions[%d].user_id", i), x.UserID); err != nil {
			return dm.BulkMessage{}, err
		}
		if x.Emoji == "" || len(x.Emoji) > 64 {
			return dm.BulkMessage{}, fmt.Errorf("message.reactions[%d].emoji is empty or too long", i)
		}
		b.Reactions = append(b.Reactions, dm.BulkReaction{Emoji: x.Emoji, UserID: x.UserID})
	}
	for i, u := range r.HiddenFor {
		if err := checkID(fmt.Sprintf("hidden_for[%d]", i), u); err != nil {
			return dm.BulkMessage{}, err
		}
	}
	return b, nil
}
