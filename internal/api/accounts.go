package api

import (
	"encoding/json"
	"net/http"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/httpauth"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/towire"
)

func (a *API) signup(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Handle      string `json:"handle"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
		Kind        string `json:"kind"`
	}
	if err := httpauth.CheckNotCrossSite(r); err != nil {
		a.error(w, r, err)
		return
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	acc, err := a.identity.Signup(r.Context(), identity.SignupParams{Handle: in.Handle, Password: in.Password, DisplayName: in.DisplayName, Kind: in.Kind, Remote: a.remoteAddr(r)})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"account": towire.Account(acc)})
}

func (a *API) login(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Handle   string `json:"handle"`
		Password string `json:"password"`
		// Cookie asks for an HttpOnly session cookie instead of a token in
		// the body (the web app).
		Cookie bool `json:"cookie"`
	}
	if err := decodeRequired(r, &in, "handle", "password"); err != nil {
		a.error(w, r, err)
		return
	}
	if in.Cookie {
		// A cookie login must come from a page of this site as JSON: a form
		// elsewhere could otherwise log a visitor into the attacker's account.
		if err := httpauth.CheckCookieLogin(r); err != nil {
			a.error(w, r, err)
			return
		}
	}
	s, err := a.identity.LoginFrom(r.Context(), in.Handle, in.Password, a.remoteAddr(r), r.UserAgent())
	if err != nil {
		a.error(w, r, err)
		return
	}
	if in.Cookie {
		httpauth.SetSessionCookie(w, s.Token, a.identity.SessionTTL(), a.cfg.SecureCookies)
		writeJSON(w, http.StatusCreated, map[string]any{"account": towire.Me(s.Account), "csrf_token": identity.CSRFToken(s.Token)})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": s.Token, "account": towire.Account(s.Account)})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request, au *Auth) {
	if err := a.identity.Logout(r.Context(), au.Token); err != nil {
		a.error(w, r, err)
		return
	}
	if a.cfg.EndSession != nil {
		a.cfg.EndSession(au.Token) // this node's open sockets of the session close now
	}
	if au.Cookie {
		httpauth.ClearSessionCookie(w, a.cfg.SecureCookies)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) writeMe(w http.ResponseWriter, au *Auth, acc *dm.Account, set dm.Settings) {
	out := map[string]any{"account": towire.Me(acc), "settings": towire.Settings(set)}
	if au.Cookie {
		out["csrf_token"] = identity.CSRFToken(au.Token)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) me(w http.ResponseWriter, r *http.Request, au *Auth) {
	acc, set, err := a.identity.Me(r.Context(), au.Account)
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.writeMe(w, au, acc, set)
}

func (a *API) updateMe(w http.ResponseWriter, r *http.Request, au *Auth) {
	var in struct {
		DisplayName   *string `json:"display_name"`
		Bio           *string `json:"bio"`
		AllowIncoming *string `json:"allow_incoming"`
		ReadReceipts  *bool   `json:"read_receipts"`
		// Password is not changed here: it needs the current one.
		Password json.RawMessage `json:"password"`
		TimeZone *string         `json:"time_zone"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	if in.Password != nil {
		a.error(w, r, dm.Errorf(dm.EINVALID, "The password is changed with POST /api/v1/me/password {\"current_password\", \"new_password\"}."))
		return
	}
	acc, set, err := a.identity.UpdateMe(r.Context(), au.Account, identity.MeUpdate{
		DisplayName: in.DisplayName, Bio: in.Bio, AllowIncoming: in.AllowIncoming, ReadReceipts: in.ReadReceipts,
		TimeZone: in.TimeZone,
	})
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.writeMe(w, au, acc, set)
}

func (a *API) searchAccounts(w http.ResponseWriter, r *http.Request, au *Auth) {
	q, n, err := page(r, "q")
	if err != nil {
		a.error(w, r, err)
		return
	}
	accs, err := a.chat.Search(r.Context(), au.Account, q, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": towire.Accounts(accs)})
}

func (a *API) profile(w http.ResponseWriter, r *http.Request, au *Auth) {
	h, err := pathValue(r, "handle")
	if err != nil {
		a.error(w, r, err)
		return
	}
	p, err := a.chat.Profile(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a.withBadge(r, p))
}

func (a *API) follow(on bool) func(http.ResponseWriter, *http.Request, *Auth) {
	return a.graphEdit(func(r *http.Request, au *Auth, h string) error {
		return a.chat.Follow(r.Context(), au.Account, h, on)
	})
}

func (a *API) block(on bool) func(http.ResponseWriter, *http.Request, *Auth) {
	return a.graphEdit(func(r *http.Request, au *Auth, h string) error {
		return a.chat.Block(r.Context(), au.Account, h, on)
	})
}

func (a *API) graphEdit(fn func(*http.Request, *Auth, string) error) func(http.ResponseWriter, *http.Request, *Auth) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		h, err := pathValue(r, "handle")
		if err == nil {
			err = fn(r, au, h)
		}
		if err != nil {
			a.error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// blocked lists the caller's blocked accounts.
func (a *API) blocked(w http.ResponseWriter, r *http.Request, au *Auth) {
	cursor, n, err := page(r, "cursor")
	if err != nil {
		a.error(w, r, err)
		return
	}
	accs, next, err := a.chat.Blocked(r.Context(), au.Account, cursor, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"accounts": towire.Accounts(accs), "next_cursor": next})
}

func (a *API) followers(following bool) func(http.ResponseWriter, *http.Request, *Auth) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		h, err := pathValue(r, "handle")
		if err != nil {
			a.error(w, r, err)
			return
		}
		cursor, n, err := page(r, "cursor")
		if err != nil {
			a.error(w, r, err)
			return
		}
		accs, next, err := a.chat.Followers(r.Context(), au.Account, h, following, cursor, n)
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"accounts": towire.Accounts(accs), "next_cursor": next})
	}
}
