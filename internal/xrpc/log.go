package xrpc

import (
	"context"
	"strconv"

	"github.com/parleyhq/parley/internal/dm"
)

// logPage is how many native events getLog reads at a time, and
// maxLogPages how many pages one getLog reads at most while they yield no
// entry.
const (
	logPage     = 100
	maxLogPages = 20
)

// logEntry is any chat.bsky.convo.defs#log* object; the fields that a kind
// does not have stay empty.
type logEntry struct {
	Type            string             `json:"$type"`
	Rev             string             `json:"rev"`
	ConvoID         string             `json:"convoId"`
	Message         *messageView       `json:"message,omitempty"`
	Reaction        *reactionView      `json:"reaction,omitempty"`
	RelatedProfiles []profileViewBasic `json:"relatedProfiles,omitempty"`
}

const logDefs = "chat.bsky.convo.defs#"

// getLog is the caller's native event log in Bluesky's shape. A log
// entry's rev is its event's seq (as a rev), and the cursor is the rev of
// the last event read, so a client resumes exactly where it stopped, like
// the native event cursor. Without a cursor it answers the current cursor
// and no entries: a client starts from now.
//
// Native events without a Bluesky counterpart (edits, title changes, other
// members' accepts and leaves, the brand inbox's) are skipped but still
// move the cursor. Read markers appear only for the caller's own reads:
// other members' read receipts are not part of this log.
func (h *Handler) getLog(ctx context.Context, c *call) (any, error) {
	cursor, err := c.param("cursor", false)
	if err != nil {
		return nil, err
	}
	native := ""
	if cursor != "" {
		seq, ok := parseRev(cursor)
		if !ok {
			return nil, invalid("Params/cursor is a rev from this log.")
		}
		native = strconv.FormatInt(seq, 10)
	}
	// Bluesky's app polls with the rev of the last entry it received as the
	// cursor, not with the answer's cursor: events skipped after the last
	// entry would be read again on every poll, and a page of nothing but
	// skipped events would stop it for good. So getLog reads on while the
	// pages yield no entry (up to maxLogPages), and the last entry's rev is
	// that of the last event read: resuming from it skips nothing that
	// would have had an entry.
	var last int64
	logs := []*logEntry{}
	for range maxLogPages {
		events, next, err := h.chat.Events(ctx, c.me, native, logPage)
		if err != nil {
			return nil, err
		}
		last, _ = strconv.ParseInt(next, 10, 64)
		for i := range events {
			begin, err := h.beginsWith(ctx, c.me, &events[i])
			if err != nil {
				return nil, err
			}
			if begin != nil {
				logs = append(logs, begin)
			}
			e, err := h.logEntry(ctx, c.me, &events[i])
			if err != nil {
				return nil, err
			}
			if e != nil {
				logs = append(logs, e)
			}
		}
		if len(logs) > 0 || len(events) < logPage || next == native {
			break
		}
		native = next
	}
	if n := len(logs); n > 0 && logs[n-1].Rev < rev(last) {
		logs[n-1].Rev = rev(last)
		if m := logs[n-1].Message; m != nil {
			m.Rev = rev(last) // a message's rev is its entry's
		}
	}
	return map[string]any{"logs": logs, "cursor": rev(last)}, nil
}

// beginsWith returns the logBeginConvo of a direct conversation that begins
// for the caller with e, its first message from the other member: Parley
// shows nobody an empty direct conversation, so the recipient's native log
// has no conversation.created, while a Bluesky log begins every convo. Its
// rev (beginRev) sorts just before the message's.
func (h *Handler) beginsWith(ctx context.Context, me *dm.Account, e *dm.Event) (*logEntry, error) {
	if e.Type != dm.EventMessageCreated || e.Message == nil || e.Message.Seq != 1 || e.Message.Sender.ID == me.ID {
		return nil, nil
	}
	conv, err := h.chat.Conversation(ctx, me, e.ConversationID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, nil // left or deleted since: the rest of the log says so
	}
	if err != nil || conv.Kind != dm.ConversationDirect {
		return nil, err
	}
	return &logEntry{Type: logDefs + "logBeginConvo", Rev: beginRev(e.Seq), ConvoID: e.ConversationID}, nil
}

// logEntry maps one native event to a log entry, or nil to skip it.
func (h *Handler) logEntry(ctx context.Context, me *dm.Account, e *dm.Event) (*logEntry, error) {
	le := &logEntry{Rev: rev(e.Seq), ConvoID: e.ConversationID}
	mine := e.Actor != nil && e.Actor.ID == me.ID
	// In a direct conversation the other member is the only other reactor.
	other := ""
	if e.Conversation != nil {
		other = otherMember(e.Conversation, me.ID)
	}
	switch e.Type {
	case dm.EventConversationCreated:
		le.Type = logDefs + "logBeginConvo"
	case dm.EventMemberAdded:
		if !mine {
			return nil, nil
		}
		le.Type = logDefs + "logBeginConvo"
	case dm.EventConversationAccepted:
		if !mine {
			return nil, nil
		}
		le.Type = logDefs + "logAcceptConvo"
	case dm.EventConversationDeleted:
		le.Type = logDefs + "logLeaveConvo"
	case dm.EventMemberRemoved:
		if !mine {
			return nil, nil
		}
		le.Type = logDefs + "logLeaveConvo"
	case dm.EventConversationUpdated:
		// The caller's own muting (and archiving or renaming, which carry
		// the same state): the entry tells the current mute state.
		if !mine || e.Conversation == nil {
			return nil, nil
		}
		le.Type = logDefs + "logUnmuteConvo"
		if e.Conversation.Muted {
			le.Type = logDefs + "logMuteConvo"
		}
	case dm.EventMessageCreated:
		if e.Message == nil {
			return nil, nil
		}
		le.Type = logDefs + "logCreateMessage"
		le.Message = h.message(e.Message, me.ID, "", e.Seq)
		le.RelatedProfiles = []profileViewBasic{h.related(e.Message.Sender)}
	case dm.EventMessageDeleted:
		if e.Message == nil {
			return nil, nil
		}
		le.Type = logDefs + "logDeleteMessage"
		gone := *e.Message
		gone.Deleted = true
		le.Message = h.message(&gone, me.ID, "", e.Seq)
	case dm.EventReactionAdded, dm.EventReactionRemoved:
		if e.Message == nil || e.Actor == nil {
			return nil, nil
		}
		le.Type = logDefs + "logAddReaction"
		if e.Type == dm.EventReactionRemoved {
			le.Type = logDefs + "logRemoveReaction"
		}
		if !mine {
			other = e.Actor.ID
		}
		le.Message = h.message(e.Message, me.ID, other, e.Seq)
		le.Reaction = &reactionView{Value: e.Emoji, Sender: didRef{h.ids.did(e.Actor.ID)}, CreatedAt: datetime(e.At)}
		le.RelatedProfiles = []profileViewBasic{h.related(*e.Actor)}
	case dm.EventReadUpdated:
		// Only the caller's own reads: other members' receipts stay out.
		if !mine {
			return nil, nil
		}
		msg, err := h.chat.MessageAt(ctx, me, e.ConversationID, e.ReadSeq)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return nil, nil // left since, or the message is gone for them
		}
		if err != nil {
			return nil, err
		}
		le.Type = logDefs + "logReadConvo"
		le.Message = h.message(msg, me.ID, "", e.Seq)
	default:
		return nil, nil
	}
	return le, nil
}
