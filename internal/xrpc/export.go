package xrpc

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"

	"github.com/parleyhq/parley/internal/chat"
)

// answered is the output of a method that wrote its answer itself.
type answered struct{}

// exportLine is one line of exportAccountData: a messageView (or
// deletedMessageView) with the id of its conversation, which the view
// itself does not carry.
type exportLine struct {
	*messageView
	ConvoID string `json:"convoId"`
}

// exportAccountData is chat.bsky.actor.exportAccountData, the file behind
// Bluesky's "Download chat data": every message of every conversation the
// caller is in, as the caller sees it (chat.Service.Export: the same
// membership, clear and delete-for-me rules as getMessages), one line each,
// newest first within a conversation, as application/jsonl written page by
// page. A second export while one runs is a 429; a failure once lines are
// written ends the file there.
func (h *Handler) exportAccountData(ctx context.Context, c *call) (any, error) {
	at, err := h.chat.LastSeq(ctx, c.me)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(c.w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	started := false
	start := func() {
		if !started {
			started = true
			hd := c.w.Header()
			hd.Set("Content-Type", "application/jsonl")
			hd.Set("Cache-Control", "no-store")
			hd.Set("X-Content-Type-Options", "nosniff")
			c.w.WriteHeader(http.StatusOK)
		}
	}
	other, convID := "", ""
	err = h.chat.Export(ctx, c.me, func(it chat.ExportItem) error {
		switch it.Kind {
		case chat.ExportConversation:
			other, convID = otherMember(it.Conversation, c.me.ID), it.Conversation.ID
			return nil
		case chat.ExportMessage:
			start()
			return enc.Encode(exportLine{h.message(it.Message, c.me.ID, other, at), convID})
		}
		return nil
	})
	if !started {
		if err != nil {
			return nil, err
		}
		start() // nothing to export: an empty file
	} else if err != nil && ctx.Err() == nil {
		h.cfg.Logger.Warn("exportAccountData", "account", c.me.ID, "err", err)
	}
	_ = bw.Flush()
	return answered{}, nil
}
