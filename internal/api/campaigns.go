package api

import (
	"encoding/json"
	"net/http"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// The campaign endpoints, /api/v1/brands/{handle}/campaigns/...: drafts,
// start / pause / resume / cancel, progress, and the audience preview.
// The team reads; owners and admins change (internal/brand checks both).

func campaignInput(in *wire.CampaignInput) (brand.CampaignInput, error) {
	out := brand.CampaignInput{Name: in.Name, Type: in.Type, RatePerMinute: in.RatePerMinute, StartAt: in.StartAt, SurveyID: in.SurveyID}
	if o := in.Offer; o != nil {
		out.Offer = &campaign.Offer{Generate: o.Generate, Prefix: o.Prefix}
	}
	if e := in.Event; e != nil {
		out.Event = &campaign.Event{Title: e.Title, StartsAt: e.StartsAt, TimeZone: e.TimeZone, Place: e.Place, Link: e.Link,
			Capacity: e.Capacity, ReminderMinutes: e.ReminderMinutes}
	}
	// The wire and the rules share their JSON shape.
	if in.Audience != nil {
		b, _ := json.Marshal(in.Audience)
		out.Audience = &campaign.Audience{}
		if err := json.Unmarshal(b, out.Audience); err != nil {
			return out, err
		}
	}
	b, _ := json.Marshal(in.Steps)
	if err := json.Unmarshal(b, &out.Steps); err != nil {
		return out, err
	}
	return out, nil
}

func campaignJSON(v *brand.CampaignView) wire.Campaign {
	return towire.Campaign(v.Campaign, v.Progress)
}

func (a *API) listCampaigns(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	vs, err := a.brand.Campaigns(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaigns": each(vs, campaignJSON)})
}

func (a *API) putCampaign(create bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		var in wire.CampaignInput
		if err := decode(r, &in); err != nil {
			a.error(w, r, err)
			return
		}
		ci, err := campaignInput(&in)
		if err != nil {
			a.error(w, r, err)
			return
		}
		var v *brand.CampaignView
		status := http.StatusOK
		if create {
			v, err = a.brand.CreateCampaign(r.Context(), au.Account, h, ci)
			status = http.StatusCreated
		} else {
			id, perr := pathValue(r, "id")
			if perr != nil {
				a.error(w, r, perr)
				return
			}
			v, err = a.brand.UpdateCampaign(r.Context(), au.Account, h, id, ci)
		}
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeJSON(w, status, map[string]any{"campaign": campaignJSON(v)})
	}
}

func (a *API) getCampaign(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	v, err := a.brand.Campaign(r.Context(), au.Account, h, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"campaign": campaignJSON(v)})
}

func (a *API) campaignAction(action string) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		id, err := pathValue(r, "id")
		if err != nil {
			a.error(w, r, err)
			return
		}
		v, err := a.brand.CampaignAct(r.Context(), au.Account, h, id, action)
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"campaign": campaignJSON(v)})
	}
}

func (a *API) previewAudience(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		Audience *wire.Audience `json:"audience"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	ci, err := campaignInput(&wire.CampaignInput{Audience: in.Audience})
	if err != nil {
		a.error(w, r, err)
		return
	}
	n, sample, err := a.brand.PreviewAudience(r.Context(), au.Account, h, ci.Audience)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := wire.AudiencePreview{Count: n, Sample: make([]wire.Profile, len(sample))}
	for i, p := range sample {
		out.Sample[i] = towire.Profile(p)
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) eventICS(w http.ResponseWriter, r *http.Request, au *Auth) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	ics, err := a.brand.EventICS(r.Context(), au.Account, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="event.ics"`)
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(ics))
}

func (a *API) addOfferCodes(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	if !utf8.Valid(body) {
		a.error(w, r, dm.Errorf(dm.EINVALID, "The codes are not UTF-8 text."))
		return
	}
	added, tally, err := a.brand.AddCodes(r.Context(), au.Account, h, id, string(body))
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"added": added, "offer": wire.OfferTally{Pool: tally.Pool, Assigned: tally.Assigned, Redeemed: tally.Redeemed}})
}

func (a *API) redeemCode(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var in struct {
		Code string `json:"code"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	red, err := a.brand.RedeemCode(r.Context(), au.Account, h, id, in.Code)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"redemption": wire.Redemption{Code: red.Code.Code, Customer: towire.Profile(red.Customer.Profile()),
		RedeemedAt: *red.Code.RedeemedAt}})
}

func funnelCounts(c brand.FunnelCounts) wire.FunnelCounts {
	sk := c.Skipped
	if sk == nil {
		sk = map[string]int{}
	}
	return wire.FunnelCounts{Targeted: c.Targeted, Pending: c.Pending, Sent: c.Sent, Failed: c.Failed, Cancelled: c.Cancelled,
		Skipped: sk, Read: c.Read, Replied: c.Replied, Clicked: c.Clicked, Acted: c.Acted, OptedOut: c.OptedOut}
}

func (a *API) campaignFunnel(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	f, ok := a.funnel(w, r, au, h)
	if !ok {
		return
	}
	out := wire.CampaignFunnel{CampaignID: f.Campaign.ID, Name: f.Campaign.Name, Type: f.Campaign.Type, Status: f.Campaign.Status,
		Total: funnelCounts(f.Total), Variants: make([]wire.FunnelVariant, len(f.Variants)), Clicks: f.Clicks}
	for i, v := range f.Variants {
		out.Variants[i] = wire.FunnelVariant{Step: v.Step, Variant: v.Variant, FunnelCounts: funnelCounts(v.FunnelCounts)}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) campaignFunnelCSV(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	f, ok := a.funnel(w, r, au, h)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="campaign-`+f.Campaign.ID+`-funnel.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	if err := brand.WriteFunnelCSV(w, f); err != nil {
		a.log.Warn("writing funnel csv", "err", err)
	}
}

func (a *API) funnel(w http.ResponseWriter, r *http.Request, au *Auth, h string) (*brand.Funnel, bool) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return nil, false
	}
	f, err := a.brand.CampaignFunnel(r.Context(), au.Account, h, id)
	if err != nil {
		a.error(w, r, err)
		return nil, false
	}
	return f, true
}
