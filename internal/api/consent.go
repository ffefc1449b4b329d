package api

import (
	"net/http"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// The consent endpoints: a brand's consent settings (its own STOP words, a
// lower frequency cap, the 24-hour window), and a person's own view of what
// they allowed a brand ("Manage messages from Acme").

func (a *API) getConsentSettings(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	set, err := a.brand.ConsentSettings(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"consent_settings": consentSettingsJSON(set)})
}

func consentSettingsJSON(s *dm.ConsentSettings) wire.ConsentSettings {
	out := wire.ConsentSettings{StopWords: s.StopWords, StartWords: s.StartWords, FrequencyCap: s.FrequencyCap, Window24h: s.Window24h}
	if out.StopWords == nil {
		out.StopWords = []string{}
	}
	if out.StartWords == nil {
		out.StartWords = []string{}
	}
	return out
}

func (a *API) putConsentSettings(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in wire.ConsentSettings
	// A full replace: a setting left out would be reset, not kept.
	if err := decodeRequired(r, &in, "stop_words", "start_words", "frequency_cap", "window_24h"); err != nil {
		a.error(w, r, err)
		return
	}
	set, err := a.brand.PutConsentSettings(r.Context(), au.Account, h, dm.ConsentSettings{StopWords: in.StopWords, StartWords: in.StartWords,
		FrequencyCap: in.FrequencyCap, Window24h: in.Window24h})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"consent_settings": consentSettingsJSON(set)})
}

func messagesConsentJSON(mc *brand.MessagesConsent) map[string]any {
	return map[string]any{"messages_consent": wire.MessagesConsent{
		Brand: towire.Profile(mc.Brand.Profile()), Follows: mc.Follows, OptedIn: mc.OptedIn, OptedOut: mc.OptedOut,
	}}
}

func (a *API) getMyConsent(w http.ResponseWriter, r *http.Request, au *Auth) {
	h, err := pathValue(r, "handle")
	if err != nil {
		a.error(w, r, err)
		return
	}
	mc, err := a.brand.MyConsent(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messagesConsentJSON(mc))
}

func (a *API) putMyConsent(w http.ResponseWriter, r *http.Request, au *Auth) {
	h, err := pathValue(r, "handle")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var in wire.MessagesConsentUpdate
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	mc, err := a.brand.SetMyConsent(r.Context(), au.Account, h, in.OptedIn, in.OptedOut)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, messagesConsentJSON(mc))
}
