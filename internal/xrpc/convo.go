package xrpc

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/rivo/uniseg"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// members resolves the members parameter to the native handles of the
// others (the caller may name themself; they are left out).
func (h *Handler) members(ctx context.Context, c *call) ([]string, error) {
	idents, err := c.list("members", 1, 10)
	if err != nil {
		return nil, err
	}
	var others []string
	for _, id := range idents {
		n, err := h.nativeHandle(ctx, id)
		if err != nil {
			return nil, recipientError(err)
		}
		if n != c.me.Handle {
			others = append(others, n)
		}
	}
	switch len(others) {
	case 0:
		return nil, invalid("Params/members must name someone other than you.")
	case 1:
		return others, nil
	}
	// A group would be a new one on every call: Bluesky opens groups with
	// chat.bsky.group.createGroup, which this server does not implement.
	return nil, invalid("Params/members names one other account here: group conversations are opened through the native API.")
}

func (h *Handler) getConvoForMembers(ctx context.Context, c *call) (any, error) {
	others, err := h.members(ctx, c)
	if err != nil {
		return nil, err
	}
	at, err := h.head(ctx, c.me)
	if err != nil {
		return nil, err
	}
	conv, _, err := h.chat.CreateConversation(ctx, c.me, others, "")
	if err != nil {
		return nil, recipientError(err)
	}
	return map[string]any{"convo": h.convo(conv, c.me.ID, at)}, nil
}

func (h *Handler) getConvoAvailability(ctx context.Context, c *call) (any, error) {
	others, err := h.members(ctx, c)
	if err != nil {
		return nil, err
	}
	p, err := h.chat.Profile(ctx, c.me, others[0])
	if dm.IsCode(err, dm.ENOTFOUND) {
		return map[string]any{"canChat": false}, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"canChat": p.CanMessage}, nil
}

// listConvos maps status to the native folders: accepted (the default) is
// the inbox, request the Requests folder. readState and kind filter the
// page the folder returned.
func (h *Handler) listConvos(ctx context.Context, c *call) (any, error) {
	status, err := c.param("status", false)
	if err != nil {
		return nil, err
	}
	folder := dm.FolderInbox
	switch status {
	case "", "accepted":
	case "request":
		folder = dm.FolderRequests
	default:
		return nil, invalid("Params/status is request or accepted.")
	}
	return h.listFolder(ctx, c, folder, "convos", false)
}

func (h *Handler) listConvoRequests(ctx context.Context, c *call) (any, error) {
	return h.listFolder(ctx, c, dm.FolderRequests, "requests", true)
}

func (h *Handler) listFolder(ctx context.Context, c *call, folder, key string, filtersOff bool) (any, error) {
	n, err := c.limit()
	if err != nil {
		return nil, err
	}
	cursor, err := c.param("cursor", false)
	if err != nil {
		return nil, err
	}
	var readState, kind string
	if !filtersOff {
		if readState, err = c.param("readState", false); err != nil {
			return nil, err
		}
		if kind, err = c.param("kind", false); err != nil {
			return nil, err
		}
		if readState != "" && readState != "unread" {
			return nil, invalid("Params/readState is unread.")
		}
		if kind != "" && kind != dm.ConversationDirect && kind != dm.ConversationGroup {
			return nil, invalid("Params/kind is direct or group.")
		}
	}
	at, err := h.head(ctx, c.me)
	if err != nil {
		return nil, err
	}
	convs, next, err := h.chat.Conversations(ctx, c.me, folder, cursor, n)
	if err != nil {
		return nil, err
	}
	out := make([]*convoView, 0, len(convs))
	for i := range convs {
		cv := &convs[i]
		if (readState == "unread" && cv.UnreadCount == 0) || (kind != "" && cv.Kind != kind) {
			continue
		}
		out = append(out, h.convo(cv, c.me.ID, at))
	}
	res := map[string]any{key: out}
	if next != "" {
		res["cursor"] = next
	}
	return res, nil
}

// convoID reads the convoId parameter of a query.
func (c *call) convoID() (string, error) { return c.param("convoId", true) }

// conversation returns one of the caller's conversations, InvalidConvo to
// anyone else.
func (h *Handler) conversation(ctx context.Context, c *call, id string) (*dm.Conversation, error) {
	conv, err := h.chat.Conversation(ctx, c.me, id)
	return conv, convoError(err)
}

// conversationAt is conversation with the caller's log position read
// before it, the rev of its view.
func (h *Handler) conversationAt(ctx context.Context, c *call, id string) (*dm.Conversation, int64, error) {
	at, err := h.head(ctx, c.me)
	if err != nil {
		return nil, 0, err
	}
	conv, err := h.conversation(ctx, c, id)
	return conv, at, err
}

func (h *Handler) getConvo(ctx context.Context, c *call) (any, error) {
	id, err := c.convoID()
	if err != nil {
		return nil, err
	}
	conv, at, err := h.conversationAt(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"convo": h.convo(conv, c.me.ID, at)}, nil
}

// getConvoMembers lists every member at once: a conversation has at most
// dm.MaxGroupMembers.
func (h *Handler) getConvoMembers(ctx context.Context, c *call) (any, error) {
	id, err := c.convoID()
	if err != nil {
		return nil, err
	}
	if _, err := c.limit(); err != nil {
		return nil, err
	}
	conv, err := h.conversation(ctx, c, id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"members": h.convo(conv, c.me.ID, 0).Members}, nil
}

// convoInput is the body of the procedures that name only a conversation.
type convoInput struct {
	ConvoID string `json:"convoId"`
}

func (c *call) convoInput() (string, error) {
	var in convoInput
	if err := c.decode(&in); err != nil {
		return "", err
	}
	if in.ConvoID == "" {
		return "", invalid("Input must have the property \"convoId\".")
	}
	return in.ConvoID, nil
}

func (h *Handler) acceptConvo(ctx context.Context, c *call) (any, error) {
	id, err := c.convoInput()
	if err != nil {
		return nil, err
	}
	// The lexicon's rev is absent when the convo was already accepted:
	// that is how a client tells a no-op from an accept.
	conv, at, err := h.conversationAt(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if conv.Status == dm.StatusAccepted {
		return struct{}{}, nil
	}
	if _, err = h.chat.Accept(ctx, c.me, id); err != nil {
		return nil, convoError(err)
	}
	return map[string]any{"rev": rev(at)}, nil
}

// leaveConvo leaves a group; a direct conversation, which nobody leaves
// natively, is deleted for the caller (its history is cleared for them and
// it leaves their lists until a new message arrives), which is what
// leaving one does in Bluesky's apps.
func (h *Handler) leaveConvo(ctx context.Context, c *call) (any, error) {
	id, err := c.convoInput()
	if err != nil {
		return nil, err
	}
	conv, at, err := h.conversationAt(ctx, c, id)
	if err != nil {
		return nil, err
	}
	if conv.Kind == dm.ConversationDirect {
		err = h.chat.DeleteConversation(ctx, c.me, id)
	} else {
		err = h.chat.RemoveMember(ctx, c.me, id, c.me.Handle)
	}
	if err != nil {
		return nil, convoError(err)
	}
	return map[string]any{"convoId": id, "rev": rev(at)}, nil
}

func (h *Handler) muteConvo(muted bool) func(context.Context, *call) (any, error) {
	return func(ctx context.Context, c *call) (any, error) {
		id, err := c.convoInput()
		if err != nil {
			return nil, err
		}
		at, err := h.head(ctx, c.me)
		if err != nil {
			return nil, err
		}
		conv, err := h.chat.UpdateConversation(ctx, c.me, id, chat.ConversationUpdate{Muted: &muted})
		if err != nil {
			return nil, convoError(err)
		}
		return map[string]any{"convo": h.convo(conv, c.me.ID, at)}, nil
	}
}

func (h *Handler) updateRead(ctx context.Context, c *call) (any, error) {
	var in struct {
		ConvoID   string `json:"convoId"`
		MessageID string `json:"messageId"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ConvoID == "" {
		return nil, invalid("Input must have the property \"convoId\".")
	}
	if _, err := h.conversation(ctx, c, in.ConvoID); err != nil {
		return nil, err
	}
	if err := h.chat.MarkRead(ctx, c.me, in.ConvoID, in.MessageID); err != nil {
		return nil, err // the conversation exists: a not-found is the message
	}
	conv, at, err := h.conversationAt(ctx, c, in.ConvoID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"convo": h.convo(conv, c.me.ID, at)}, nil
}

// maxReadAll bounds how many conversations one updateAllRead walks.
const maxReadAll = 10_000

// getUnreadCounts is the badges' counts: the accepted and the request
// conversations with an unread message, muted ones left out, each up to
// 100 (the lexicon's "100 means more than 99"); includeGroupChats=false
// leaves groups out. Parley has no join requests, which the lexicon also
// counts for a group's owner.
func (h *Handler) getUnreadCounts(ctx context.Context, c *call) (any, error) {
	v, err := c.param("includeGroupChats", false)
	if err != nil {
		return nil, err
	}
	if v != "" && v != "true" && v != "false" {
		return nil, invalid("Params/includeGroupChats must be a boolean.")
	}
	counts, err := h.chat.FolderCounts(ctx, c.me, v == "false")
	if err != nil {
		return nil, err
	}
	return map[string]any{"unreadAcceptedConvos": len(counts.InboxUnread), "unreadRequestConvos": len(counts.RequestsUnread)}, nil
}

func (h *Handler) updateAllRead(ctx context.Context, c *call) (any, error) {
	var in struct {
		Status string `json:"status"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	var folders []string
	switch in.Status {
	case "":
		folders = []string{dm.FolderInbox, dm.FolderRequests}
	case "accepted":
		folders = []string{dm.FolderInbox}
	case "request":
		folders = []string{dm.FolderRequests}
	default:
		return nil, invalid("Input/status is request or accepted.")
	}
	updated, seen := 0, 0
	for _, f := range folders {
		cursor := ""
		for seen < maxReadAll {
			convs, next, err := h.chat.Conversations(ctx, c.me, f, cursor, 200)
			if err != nil {
				return nil, err
			}
			for _, cv := range convs {
				seen++
				if cv.UnreadCount == 0 {
					continue
				}
				if err := h.chat.MarkRead(ctx, c.me, cv.ID, ""); err != nil {
					return nil, err
				}
				updated++
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return map[string]any{"updatedCount": updated}, nil
}

func (h *Handler) getMessages(ctx context.Context, c *call) (any, error) {
	id, err := c.convoID()
	if err != nil {
		return nil, err
	}
	n, err := c.limit()
	if err != nil {
		return nil, err
	}
	cursor, err := c.param("cursor", false)
	if err != nil {
		return nil, err
	}
	// A rev is no cursor of this method (the cursor is a message id), but
	// Bluesky's app passes one: when a getLog entry of a conversation comes
	// before its first page, the entry's rev becomes the history cursor
	// (Bluesky's message cursors are revs; here they are message ids).
	// It starts from the newest message, which loses nothing: the page
	// holds what came before that entry, and perhaps a message or two the
	// client already has from the log.
	if _, isRev := parseRev(cursor); isRev {
		cursor = ""
	}
	conv, at, err := h.conversationAt(ctx, c, id)
	if err != nil {
		return nil, err
	}
	msgs, next, err := h.chat.Messages(ctx, c.me, id, cursor, n)
	if err != nil {
		return nil, err // the conversation exists: a not-found is the cursor
	}
	other := otherMember(conv, c.me.ID)
	out := make([]*messageView, len(msgs))
	for i := range msgs {
		out[i] = h.message(&msgs[i], c.me.ID, other, at)
	}
	res := map[string]any{"messages": out}
	if next != "" {
		res["cursor"] = next
	}
	return res, nil
}

// messageInput is chat.bsky.convo.defs#messageInput.
type messageInput struct {
	Text   string `json:"text"`
	Facets any    `json:"facets"`
	Embed  any    `json:"embed"`
}

// Limits of messageInput.text in the lexicon.
const (
	maxTextGraphemes = 1000
	maxTextBytes     = 10000
)

// checkMessage applies the lexicon's limits, tighter than the native 4,000
// characters, before the native checks run in Send. Facets (rich-text
// annotations) are accepted and dropped; embeds are refused, since they
// would be lost.
func checkMessage(m messageInput) error {
	if m.Embed != nil {
		return invalid("Message embeds are not supported by this server.")
	}
	if len(m.Text) > maxTextBytes {
		return invalid("Input/message/text must not be longer than %d bytes.", maxTextBytes)
	}
	// Counting graphemes costs more than counting runes, and there are
	// never more graphemes than runes.
	if utf8.RuneCountInString(m.Text) > maxTextGraphemes && uniseg.GraphemeClusterCount(m.Text) > maxTextGraphemes {
		return invalid("Input/message/text must not be longer than %d graphemes.", maxTextGraphemes)
	}
	return dm.ValidateText(m.Text)
}

// sendMessage answers the message with the caller's log position read
// after the send as its rev: above the rev of every view read before, at
// or above the rev of its own logCreateMessage entry (the send also logs
// the sender's read marker after it), and never above a view read later.
// The exact entry would cost reading the log back on every send.
func (h *Handler) sendMessage(ctx context.Context, c *call) (any, error) {
	var in struct {
		ConvoID string        `json:"convoId"`
		Message *messageInput `json:"message"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if in.ConvoID == "" || in.Message == nil {
		return nil, invalid("Input must have the properties \"convoId\" and \"message\".")
	}
	if err := checkMessage(*in.Message); err != nil {
		return nil, err
	}
	msg, _, err := h.chat.Send(ctx, c.me, in.ConvoID, chat.SendParams{Text: in.Message.Text})
	if err != nil {
		return nil, sendError(c.me, err)
	}
	at, err := h.head(ctx, c.me)
	if err != nil {
		return nil, err
	}
	return h.message(msg, c.me.ID, "", at), nil
}

// maxBatch is the lexicon's bound on sendMessageBatch items.
const maxBatch = 100

// sendMessageBatch checks every item (text, and that the caller is in each
// conversation) before sending any, so that a malformed batch writes
// nothing. The sends themselves are one by one: a refusal that only the
// send can find (a block, the rate limit) stops the batch there.
func (h *Handler) sendMessageBatch(ctx context.Context, c *call) (any, error) {
	var in struct {
		Items []struct {
			ConvoID string        `json:"convoId"`
			Message *messageInput `json:"message"`
		} `json:"items"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.Items) == 0 || len(in.Items) > maxBatch {
		return nil, invalid("Input/items must have 1 to %d items.", maxBatch)
	}
	checked := map[string]bool{}
	for i, it := range in.Items {
		if it.ConvoID == "" || it.Message == nil {
			return nil, invalid("Input/items/%d must have the properties \"convoId\" and \"message\".", i)
		}
		if err := checkMessage(*it.Message); err != nil {
			return nil, err
		}
		if !checked[it.ConvoID] {
			if _, err := h.conversation(ctx, c, it.ConvoID); err != nil {
				return nil, err
			}
			checked[it.ConvoID] = true
		}
	}
	// One transaction: a batch refused part-way stores nothing, so that
	// the client's retry sends nothing twice.
	items := make([]chat.SendItem, len(in.Items))
	for i, it := range in.Items {
		items[i] = chat.SendItem{ConvID: it.ConvoID, Params: chat.SendParams{Text: it.Message.Text}}
	}
	msgs, err := h.chat.SendBatch(ctx, c.me, items)
	if err != nil {
		return nil, sendError(c.me, err)
	}
	at, err := h.head(ctx, c.me)
	if err != nil {
		return nil, err
	}
	out := make([]*messageView, len(msgs))
	for i, msg := range msgs {
		out[i] = h.message(msg, c.me.ID, "", at)
	}
	return map[string]any{"items": out}, nil
}

// messageIn returns a message of a conversation the caller is in:
// InvalidConvo when they are not, InvalidRequest when the message is not
// one of the conversation's (or not one they may see).
func (h *Handler) messageIn(ctx context.Context, c *call, convID, msgID string) (*dm.Conversation, *dm.Message, error) {
	if convID == "" || msgID == "" {
		return nil, nil, invalid("Input must have the properties \"convoId\" and \"messageId\".")
	}
	conv, err := h.conversation(ctx, c, convID)
	if err != nil {
		return nil, nil, err
	}
	msg, err := h.chat.Message(ctx, c.me, msgID)
	if err != nil {
		return nil, nil, err
	}
	if msg.ConversationID != convID {
		return nil, nil, invalid("No message %q in this conversation.", dm.Truncate(msgID, 40))
	}
	return conv, msg, nil
}

func (h *Handler) deleteMessageForSelf(ctx context.Context, c *call) (any, error) {
	var in struct {
		ConvoID   string `json:"convoId"`
		MessageID string `json:"messageId"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	at, err := h.head(ctx, c.me)
	if err != nil {
		return nil, err
	}
	_, msg, err := h.messageIn(ctx, c, in.ConvoID, in.MessageID)
	if err != nil {
		return nil, err
	}
	if err := h.chat.Delete(ctx, c.me, msg.ID, false); err != nil {
		return nil, err
	}
	gone := *msg
	gone.Deleted = true
	return h.message(&gone, c.me.ID, "", at), nil
}

func (h *Handler) reaction(on bool) func(context.Context, *call) (any, error) {
	return func(ctx context.Context, c *call) (any, error) {
		var in struct {
			ConvoID   string `json:"convoId"`
			MessageID string `json:"messageId"`
			Value     string `json:"value"`
		}
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		if len(in.Value) > 64 || uniseg.GraphemeClusterCount(in.Value) != 1 || dm.ValidateEmoji(in.Value) != nil {
			return nil, errorf(http.StatusBadRequest, "ReactionInvalidValue", "A reaction is one emoji.")
		}
		conv, msg, err := h.messageIn(ctx, c, in.ConvoID, in.MessageID)
		if err != nil {
			return nil, err
		}
		err = h.chat.React(ctx, c.me, msg.ID, in.Value, on)
		switch {
		case dm.IsCode(err, dm.ECONFLICT):
			return nil, errorf(http.StatusBadRequest, "ReactionMessageDeleted", "%s", dm.ErrorMessage(err))
		case dm.IsCode(err, dm.EINVALID):
			// The value passed the same check above: what is left is the limit.
			return nil, errorf(http.StatusBadRequest, "ReactionLimitReached", "%s", dm.ErrorMessage(err))
		case err != nil:
			return nil, err
		}
		at, err := h.head(ctx, c.me)
		if err != nil {
			return nil, err
		}
		if msg, err = h.chat.Message(ctx, c.me, msg.ID); err != nil {
			return nil, err
		}
		return map[string]any{"message": h.message(msg, c.me.ID, otherMember(conv, c.me.ID), at)}, nil
	}
}

// getStatus reports what this server lets the caller do: chat, not
// Bluesky's group calls.
func (h *Handler) getStatus(ctx context.Context, c *call) (any, error) {
	return map[string]any{"chatDisabled": false, "canCreateGroups": false, "groupMemberLimit": dm.MaxGroupMembers}, nil
}
