package api

import (
	"net/http"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
)

func (a *API) createConversation(w http.ResponseWriter, r *http.Request, au *Auth) {
	var in struct {
		Members []string `json:"members"`
		Title   string   `json:"title"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	c, created, err := a.chat.CreateConversation(r.Context(), au.Account, in.Members, in.Title)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeMaybeCreated(w, created, "conversation", towire.Conversation(c))
}

func (a *API) listConversations(w http.ResponseWriter, r *http.Request, au *Auth) {
	cursor, n, err := page(r, "cursor")
	if err != nil {
		a.error(w, r, err)
		return
	}
	folder, err := param(r, "folder")
	if err != nil {
		a.error(w, r, err)
		return
	}
	cs, next, enc, err := a.chat.ConversationsPage(r.Context(), au.Account, folder, cursor, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	// An unchanged first page is encoded once for all its readers.
	writeEncoded(w, http.StatusOK, enc.Bytes(func() []byte {
		return encodeJSON(map[string]any{"conversations": towire.Conversations(cs), "next_cursor": next})
	}))
}

// folderCounts answers the caller's badges: unread inbox conversations and
// requests, with their ids (wire.FolderCounts).
func (a *API) folderCounts(w http.ResponseWriter, r *http.Request, au *Auth) {
	c, err := a.chat.FolderCounts(r.Context(), au.Account, false)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, towire.FolderCounts(c))
}

// withID wraps a handler of /conversations/{id} or /messages/{id}.
func (a *API) withID(fn func(w http.ResponseWriter, r *http.Request, au *Auth, id string)) func(http.ResponseWriter, *http.Request, *Auth) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		id, err := pathValue(r, "id")
		if err != nil {
			a.error(w, r, err)
			return
		}
		fn(w, r, au, id)
	}
}

func (a *API) writeConversation(w http.ResponseWriter, r *http.Request, c *dm.Conversation, err error) {
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": towire.Conversation(c)})
}

func (a *API) noContent(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// getConversation answers one conversation with how far the others have
// read it ("reads"), so that a device that was not online when they read
// shows "Seen" too.
func (a *API) getConversation(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	c, err := a.chat.Conversation(r.Context(), au.Account, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	reads, err := a.chat.ReadMarkers(r.Context(), au.Account, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversation": towire.Conversation(c), "reads": towire.ReadMarkers(reads)})
}

func (a *API) updateConversation(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	var in struct {
		Muted    *bool   `json:"muted"`
		Archived *bool   `json:"archived"`
		Title    *string `json:"title"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.chat.UpdateConversation(r.Context(), au.Account, id, chat.ConversationUpdate{Muted: in.Muted, Archived: in.Archived, Title: in.Title})
	a.writeConversation(w, r, c, err)
}

func (a *API) deleteConversation(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	a.noContent(w, r, a.chat.DeleteConversation(r.Context(), au.Account, id))
}

func (a *API) accept(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	c, err := a.chat.Accept(r.Context(), au.Account, id)
	a.writeConversation(w, r, c, err)
}

func (a *API) markRead(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	var in struct {
		MessageID string `json:"message_id"`
	}
	// The body is optional: none means "up to the newest message".
	if err := decodeOptional(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.chat.MarkRead(r.Context(), au.Account, id, in.MessageID))
}

func (a *API) addMembers(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	var in struct {
		Members []string `json:"members"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.chat.AddMembers(r.Context(), au.Account, id, in.Members)
	a.writeConversation(w, r, c, err)
}

func (a *API) removeMember(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	h, err := pathValue(r, "handle")
	if err == nil {
		err = a.chat.RemoveMember(r.Context(), au.Account, id, h)
	}
	a.noContent(w, r, err)
}
