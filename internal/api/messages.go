package api

import (
	"net/http"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
)

func (a *API) send(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	var in struct {
		Text     string `json:"text"`
		ClientID string `json:"client_id"`
		ReplyTo  string `json:"reply_to"`
		// The payload of the quick reply, ice breaker or menu entry tapped.
		Payload string `json:"quick_reply_payload"`
		// Ids of the caller's uploads (POST /api/v1/uploads).
		Attachments []string `json:"attachments"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	m, created, err := a.chat.Send(r.Context(), au.Account, id, chat.SendParams{Text: in.Text, ClientID: in.ClientID, ReplyTo: in.ReplyTo, Payload: in.Payload, Attachments: in.Attachments})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeMaybeCreated(w, created, "message", towire.Message(m))
}

func (a *API) listMessages(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	before, n, err := page(r, "before")
	if err != nil {
		a.error(w, r, err)
		return
	}
	ms, next, enc, err := a.chat.MessagesPage(r.Context(), au.Account, id, before, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	// An unchanged page is encoded once for all its reads.
	writeEncoded(w, http.StatusOK, enc.Bytes(func() []byte {
		return encodeJSON(map[string]any{"messages": towire.Messages(ms), "next_cursor": next})
	}))
}

func (a *API) editMessage(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	m, err := a.chat.Edit(r.Context(), au.Account, id, in.Text)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": towire.Message(m)})
}

func (a *API) deleteMessage(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
	var everyone bool
	switch r.URL.Query().Get("for") {
	case "", "me":
	case "everyone":
		everyone = true
	default:
		a.error(w, r, dm.Errorf(dm.EINVALID, "for is me or everyone."))
		return
	}
	a.noContent(w, r, a.chat.Delete(r.Context(), au.Account, id, everyone))
}

func (a *API) react(on bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, id string) {
		a.noContent(w, r, a.chat.React(r.Context(), au.Account, id, r.PathValue("emoji"), on))
	}
}
