package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/httpauth"
	"github.com/parleyhq/parley/internal/moderation"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// Account security (identity) and moderation (internal/moderation).

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request, au *Auth) {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decodeRequired(r, &in, "current_password", "new_password"); err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.identity.ChangePassword(r.Context(), au.Account, au.Token, in.Current, in.New, a.remoteAddr(r)); err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request, au *Auth) {
	ss, err := a.identity.Sessions(r.Context(), au.Account, au.Token)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := make([]wire.Session, len(ss))
	for i, s := range ss {
		out[i] = wire.Session{ID: s.ID, Current: s.Current, CreatedAt: timePtr(s.CreatedAt), LastSeenAt: timePtr(s.LastSeenAt),
			ExpiresAt: s.ExpiresAt, UserAgent: s.UserAgent, Address: s.Address}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sessions": out})
}

func (a *API) endSession(w http.ResponseWriter, r *http.Request, au *Auth) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.identity.EndSession(r.Context(), au.Account, id); err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// logoutEverywhere ends every session of the caller, this one included
// (?keep_current=true keeps this one).
func (a *API) logoutEverywhere(w http.ResponseWriter, r *http.Request, au *Auth) {
	keep := r.URL.Query().Get("keep_current") == "true"
	token := ""
	if keep {
		token = au.Token
	}
	n, err := a.identity.EndOtherSessions(r.Context(), au.Account, token)
	if err != nil {
		a.error(w, r, err)
		return
	}
	if !keep {
		if a.cfg.EndSession != nil {
			a.cfg.EndSession(au.Token)
		}
		if au.Cookie {
			httpauth.ClearSessionCookie(w, a.cfg.SecureCookies)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"ended": n})
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeRequired(r, &in, "token", "password"); err != nil {
		a.error(w, r, err)
		return
	}
	acc, err := a.identity.ResetPasswordFrom(r.Context(), in.Token, in.Password, a.remoteAddr(r))
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"handle": acc.Handle})
}

func (a *API) report(w http.ResponseWriter, r *http.Request, au *Auth) {
	var in struct {
		Handle     string   `json:"handle"`
		MessageIDs []string `json:"message_ids"`
		Reason     string   `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	rep, err := a.cfg.Moderation.Report(r.Context(), au.Account, moderation.ReportParams{Handle: in.Handle, MessageIDs: in.MessageIDs, Reason: in.Reason})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"report": wire.ReportReceipt{ID: rep.ID, Status: rep.Status, CreatedAt: rep.CreatedAt, Messages: len(rep.Messages)}})
}

// myReports lists the caller's own reports, newest first.
func (a *API) myReports(w http.ResponseWriter, r *http.Request, au *Auth) {
	cursor, n, err := page(r, "cursor")
	if err != nil {
		a.error(w, r, err)
		return
	}
	rs, next, err := a.cfg.Moderation.MyReports(r.Context(), au.Account, cursor, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := make([]wire.MyReport, len(rs))
	for i, x := range rs {
		out[i] = wire.MyReport{ID: x.ID, Status: x.Status, Reason: x.Reason, ConversationID: x.ConversationID,
			Subject: towire.Profile(x.Subject), Messages: len(x.Messages), CreatedAt: x.CreatedAt, ResolvedAt: x.ResolvedAt}
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": out, "next_cursor": next})
}

// operator wraps the handler of a /moderation/ route: to anyone but an
// operator it is the 404 of a route that does not exist, before anything is read.
func (a *API) operator(fn func(http.ResponseWriter, *http.Request, *Auth)) http.HandlerFunc {
	return a.auth(func(w http.ResponseWriter, r *http.Request, au *Auth) {
		if !moderation.IsOperator(au.Account) {
			a.error(w, r, errNoRoute)
			return
		}
		fn(w, r, au)
	})
}

func reportWire(v *moderation.ReportView) wire.Report {
	msgs := make([]wire.ReportedMessage, len(v.Messages))
	for i, m := range v.Messages {
		msgs[i] = wire.ReportedMessage(m)
	}
	return wire.Report{ID: v.ID, Status: v.Status, Reason: v.Reason, ConversationID: v.ConversationID,
		Reporter: towire.Profile(v.Reporter), Subject: *towire.Account(&v.Subject), SubjectReports: v.Reports,
		Messages: msgs, CreatedAt: v.CreatedAt, ResolvedAt: v.ResolvedAt, Resolution: v.Resolution}
}

func (a *API) reportQueue(w http.ResponseWriter, r *http.Request, au *Auth) {
	cursor, n, err := page(r, "cursor")
	if err != nil {
		a.error(w, r, err)
		return
	}
	status, err := param(r, "status")
	if err != nil {
		a.error(w, r, err)
		return
	}
	vs, next, err := a.cfg.Moderation.Queue(r.Context(), au.Account, status, cursor, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"reports": each(vs, reportWire), "next_cursor": next})
}

func (a *API) getReport(w http.ResponseWriter, r *http.Request, au *Auth) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	v, err := a.cfg.Moderation.GetReport(r.Context(), au.Account, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"report": reportWire(v)})
}

func (a *API) closeReport(w http.ResponseWriter, r *http.Request, au *Auth) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var in struct {
		Resolution string `json:"resolution"`
	}
	if err := decodeOptional(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.cfg.Moderation.CloseReport(r.Context(), au.Account, id, in.Resolution); err != nil {
		a.error(w, r, err)
		return
	}
	v, err := a.cfg.Moderation.GetReport(r.Context(), au.Account, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"report": reportWire(v)})
}

// moderate serves PUT and DELETE of an account's suspension or verified mark.
func (a *API) moderate(fn func(*moderation.Service) func(r *http.Request, op *dm.Account, act moderation.Action) (*dm.Account, error)) func(http.ResponseWriter, *http.Request, *Auth) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		h, err := pathValue(r, "handle")
		if err != nil {
			a.error(w, r, err)
			return
		}
		var in struct {
			ReportID string `json:"report_id"`
			Note     string `json:"note"`
		}
		if err := decodeOptional(r, &in); err != nil {
			a.error(w, r, err)
			return
		}
		if len(in.Note) > 4*moderation.MaxReasonRunes || len(in.ReportID) > 128 {
			a.error(w, r, dm.Errorf(dm.EINVALID, "note is at most %d characters.", moderation.MaxReasonRunes))
			return
		}
		acc, err := fn(a.cfg.Moderation)(r, au.Account, moderation.Action{Handle: h, ReportID: in.ReportID, Note: in.Note})
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"account": towire.Account(acc)})
	}
}

func suspend(on bool) func(*moderation.Service) func(*http.Request, *dm.Account, moderation.Action) (*dm.Account, error) {
	return func(m *moderation.Service) func(*http.Request, *dm.Account, moderation.Action) (*dm.Account, error) {
		return func(r *http.Request, op *dm.Account, act moderation.Action) (*dm.Account, error) {
			return m.Suspend(r.Context(), op, act, on)
		}
	}
}

func verify(on bool) func(*moderation.Service) func(*http.Request, *dm.Account, moderation.Action) (*dm.Account, error) {
	return func(m *moderation.Service) func(*http.Request, *dm.Account, moderation.Action) (*dm.Account, error) {
		return func(r *http.Request, op *dm.Account, act moderation.Action) (*dm.Account, error) {
			return m.Verify(r.Context(), op, act, on)
		}
	}
}

func (a *API) moderationLog(w http.ResponseWriter, r *http.Request, au *Auth) {
	b, n, err := page(r, "before")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var before int64
	if b != "" {
		if before, err = strconv.ParseInt(b, 10, 64); err != nil || before <= 0 {
			a.error(w, r, dm.Errorf(dm.EINVALID, "before is an entry id."))
			return
		}
	}
	es, err := a.cfg.Moderation.Log(r.Context(), au.Account, before, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := make([]wire.ModerationEntry, len(es))
	for i, e := range es {
		out[i] = wire.ModerationEntry{ID: e.ID, At: e.At, Action: e.Action, Subject: towire.Profile(e.Subject), ReportID: e.ReportID, Note: e.Note}
		if e.Operator != nil {
			p := towire.Profile(*e.Operator)
			out[i].Operator = &p
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": out})
}
