package xrpc

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/parleyhq/parley/internal/dm"
)

// The wire types of chat.bsky.convo.defs and chat.bsky.actor.defs. Every
// member of a union carries its $type, which Bluesky clients dispatch on.
const (
	typeMessageView        = "chat.bsky.convo.defs#messageView"
	typeDeletedMessageView = "chat.bsky.convo.defs#deletedMessageView"
	typeConvoView          = "chat.bsky.convo.defs#convoView"
	typeDirectConvo        = "chat.bsky.convo.defs#directConvo"
	typeGroupConvo         = "chat.bsky.convo.defs#groupConvo"
	typeDirectMember       = "chat.bsky.actor.defs#directConvoMember"
	typeGroupMember        = "chat.bsky.actor.defs#groupConvoMember"
)

// revWidth is the width of a rev: 16 hex digits hold any int64 seq, and a
// fixed width makes revs sort as strings in the order of their numbers
// (a bare decimal would put "10" before "9").
const revWidth = 16

// rev writes a seq as a rev.
func rev(seq int64) string { return fmt.Sprintf("%0*x", revWidth, seq) }

// beginRev is the rev of a logBeginConvo made for the first message of a
// direct conversation (event seq): it sorts after rev(seq-1) and before
// rev(seq), and as a cursor it resumes before that message.
func beginRev(seq int64) string { return rev(seq-1) + "b" }

// parseRev reads a rev back; ok is false for anything rev or beginRev did
// not write.
func parseRev(s string) (int64, bool) {
	if len(s) == revWidth+1 && s[revWidth] == 'b' {
		s = s[:revWidth]
	}
	if len(s) != revWidth {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 16, 63)
	if err != nil {
		return 0, false
	}
	return int64(n), true
}

// head is the caller's event log position now (their newest event's seq).
// Read before a view, it is the view's rev: the view holds every event up
// to it, and every later entry of the caller's log has a higher rev.
func (h *Handler) head(ctx context.Context, me *dm.Account) (int64, error) {
	return h.chat.LastSeq(ctx, me)
}

// datetime writes a time as the lexicons' datetime format.
func datetime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type didRef struct {
	DID string `json:"did"`
}

type profileViewBasic struct {
	DID          string      `json:"did"`
	Handle       string      `json:"handle"`
	DisplayName  string      `json:"displayName,omitempty"`
	ChatDisabled bool        `json:"chatDisabled"`
	Kind         *memberKind `json:"kind,omitempty"`
}

type memberKind struct {
	Type string `json:"$type"`
	Role string `json:"role,omitempty"`
}

type reactionView struct {
	Value     string `json:"value"`
	Sender    didRef `json:"sender"`
	CreatedAt string `json:"createdAt"`
}

// messageView is also deletedMessageView (Type says which; Text and
// Reactions stay empty on a deleted one).
type messageView struct {
	Type      string         `json:"$type"`
	ID        string         `json:"id"`
	Rev       string         `json:"rev"`
	Text      *string        `json:"text,omitempty"`
	Reactions []reactionView `json:"reactions,omitempty"`
	Sender    didRef         `json:"sender"`
	SentAt    string         `json:"sentAt"`
}

type convoKind struct {
	Type        string  `json:"$type"`
	CreatedAt   string  `json:"createdAt,omitempty"`
	LockStatus  string  `json:"lockStatus,omitempty"`
	MemberCount int     `json:"memberCount,omitempty"`
	MemberLimit int     `json:"memberLimit,omitempty"`
	Name        *string `json:"name,omitempty"`
}

type convoView struct {
	Type        string             `json:"$type"`
	ID          string             `json:"id"`
	Rev         string             `json:"rev"`
	Members     []profileViewBasic `json:"members"`
	LastMessage *messageView       `json:"lastMessage,omitempty"`
	Muted       bool               `json:"muted"`
	Status      string             `json:"status"`
	UnreadCount int                `json:"unreadCount"`
	Kind        convoKind          `json:"kind"`
}

// profile is a conversation member as profileViewBasic. A suspended
// member is chatDisabled, which Bluesky's apps show (and, for the viewer
// themself, answer by disabling the conversation).
func (h *Handler) profile(m dm.Member, group bool) profileViewBasic {
	p := profileViewBasic{DID: h.ids.did(m.ID), Handle: h.ids.handle(m.Handle), DisplayName: m.DisplayName,
		ChatDisabled: m.Suspended, Kind: &memberKind{Type: typeDirectMember}}
	if group {
		role := "standard"
		if m.Role == dm.RoleOwner {
			role = "owner"
		}
		p.Kind = &memberKind{Type: typeGroupMember, Role: role}
	}
	return p
}

// related is an account a log entry refers to, as profileViewBasic.
func (h *Handler) related(p dm.Profile) profileViewBasic {
	return profileViewBasic{DID: h.ids.did(p.ID), Handle: h.ids.handle(p.Handle), DisplayName: p.DisplayName, ChatDisabled: p.Suspended}
}

// message turns a native message into a messageView (or a
// deletedMessageView), as viewer sees it. Native reactions are counts per
// emoji with "me": the viewer's own become reactions with the viewer as
// sender; in a direct conversation the other reactions can only be the
// other member's (other is their id; "" in a group, where they are left
// out). A reaction's time is not kept, so it shows the message's.
//
// at is the rev it carries: a position in the viewer's event log (see
// convo), never a per-conversation seq.
func (h *Handler) message(m *dm.Message, viewerID, other string, at int64) *messageView {
	v := &messageView{Type: typeMessageView, ID: m.ID, Rev: rev(at), Sender: didRef{h.ids.did(m.Sender.ID)}, SentAt: datetime(m.CreatedAt)}
	if m.Deleted {
		v.Type = typeDeletedMessageView
		return v
	}
	text := fitText(m.Text)
	v.Text = &text
	sent := datetime(m.CreatedAt)
	for _, r := range m.Reactions {
		others := r.Count
		if r.Me {
			v.Reactions = append(v.Reactions, reactionView{Value: r.Emoji, Sender: didRef{h.ids.did(viewerID)}, CreatedAt: sent})
			others--
		}
		if others > 0 && other != "" {
			v.Reactions = append(v.Reactions, reactionView{Value: r.Emoji, Sender: didRef{h.ids.did(other)}, CreatedAt: sent})
		}
	}
	return v
}

// clipMark ends a text cut to fit the lexicon.
const clipMark = "…"

// fitText fits a native text into messageView.text, which the lexicon
// bounds at 1,000 graphemes and 10,000 bytes: a native message may hold
// 4,000 characters, and a client validating answers (the official
// TypeScript one does) refuses the whole page over one longer text. A text
// over either bound is cut at a grapheme boundary and ends with "…".
func fitText(s string) string {
	// There are never more graphemes than runes, and runes cost less to count.
	if len(s) <= maxTextBytes && (utf8.RuneCountInString(s) <= maxTextGraphemes || uniseg.GraphemeClusterCount(s) <= maxTextGraphemes) {
		return s
	}
	g := uniseg.NewGraphemes(s)
	n, end := 0, 0
	for g.Next() {
		_, to := g.Positions()
		if n == maxTextGraphemes-1 || to > maxTextBytes-len(clipMark) {
			break
		}
		n, end = n+1, to
	}
	return s[:end] + clipMark
}

// otherMember is the id of the other member of a direct conversation, ""
// in a group.
func otherMember(c *dm.Conversation, viewerID string) string {
	if c.Kind != dm.ConversationDirect {
		return ""
	}
	for _, m := range c.Members {
		if m.ID != viewerID {
			return m.ID
		}
	}
	return ""
}

// convo turns a native conversation (as the viewer sees it) into a
// convoView. Its rev is at, the viewer's event log position read before
// the conversation was (head): the view holds everything up to it, and
// every later log entry of the viewer's, for this conversation or another,
// has a higher rev. Bluesky's app compares the two and drops a log entry
// whose rev is not above the convo's; a per-conversation message seq (what
// the rev was) is no position in the log, and a member who joined late (a
// log at 0x19, a convo at message 0x28) lost every new message from the
// list. Its lastMessage carries the same rev.
func (h *Handler) convo(c *dm.Conversation, viewerID string, at int64) *convoView {
	group := c.Kind == dm.ConversationGroup
	v := &convoView{Type: typeConvoView, ID: c.ID, Rev: rev(at), Muted: c.Muted, Status: c.Status, UnreadCount: c.UnreadCount,
		Members: make([]profileViewBasic, 0, len(c.Members)), Kind: convoKind{Type: typeDirectConvo}}
	for _, m := range c.Members {
		v.Members = append(v.Members, h.profile(m, group))
	}
	if c.LastMessage != nil {
		v.LastMessage = h.message(c.LastMessage, viewerID, otherMember(c, viewerID), at)
	}
	if group {
		title := c.Title
		v.Kind = convoKind{Type: typeGroupConvo, CreatedAt: datetime(c.CreatedAt), LockStatus: "unlocked",
			MemberCount: len(c.Members), MemberLimit: dm.MaxGroupMembers, Name: &title}
	}
	return v
}
