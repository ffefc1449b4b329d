package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// export streams the caller's data as JSON Lines (wire.ExportRecord):
// their account and settings, whom they follow and block, and every
// conversation they are in with its messages, as they see them. A refusal
// before the first line is an ordinary error answer; once lines are
// written, a failure ends the file with an "error" line, and only a
// complete file ends with "end".
func (a *API) export(w http.ResponseWriter, r *http.Request, au *Auth) {
	acc, set, err := a.identity.Me(r.Context(), au.Account)
	if err != nil {
		a.error(w, r, err)
		return
	}
	now := time.Now().UTC()
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var counts wire.ExportCounts
	started := false
	start := func() error {
		if started {
			return nil
		}
		started = true
		w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="parley-%s-%s.jsonl"`, acc.Handle, now.Format("2006-01-02")))
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		me, s := towire.Me(acc), towire.Settings(set)
		return enc.Encode(wire.ExportRecord{Type: "account", Account: me, Settings: &s, ExportedAt: &now})
	}
	err = a.chat.Export(r.Context(), au.Account, func(it chat.ExportItem) error {
		if err := start(); err != nil {
			return err
		}
		rec := wire.ExportRecord{Type: it.Kind}
		switch it.Kind {
		case chat.ExportFollowing, chat.ExportBlocked:
			rec.Account = towire.Account(it.Account)
			if it.Kind == chat.ExportFollowing {
				counts.Following++
			} else {
				counts.Blocked++
			}
		case chat.ExportConversation:
			rec.Conversation = towire.Conversation(it.Conversation)
			counts.Conversations++
		case chat.ExportMessage:
			rec.Message = towire.Message(it.Message)
			counts.Messages++
		}
		return enc.Encode(rec)
	})
	if err == nil {
		err = start()
	}
	if !started {
		// Refused before anything was written (a second export at once).
		a.error(w, r, err)
		return
	}
	if err != nil {
		if r.Context().Err() != nil {
			return // the client went away
		}
		a.log.Warn("export", "account", au.Account.ID, "err", err)
		_ = enc.Encode(wire.ExportRecord{Type: "error", Error: "The export stopped part-way; try again."})
	} else {
		_ = enc.Encode(wire.ExportRecord{Type: "end", Counts: &counts})
	}
	_ = bw.Flush()
}
