package api

import (
	"net/http"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// Creator collaborations (internal/brand/creators.go): a brand's pipeline
// of creators, outreach by DM, codes and results. Owners, admins and agents
// with the partnerships permission; 404 for anyone else.

func creatorOf(c *brand.Creator) *wire.Creator {
	d := &c.Deal
	w := &wire.Creator{Creator: towire.Profile(c.Creator), Stage: d.Stage, Notes: d.Notes, Deliverables: make([]wire.Deliverable, len(d.Deliverables)),
		FeeMinor: d.FeeMinor, FeeCurrency: d.FeeCurrency, DueDate: d.DueDate,
		Outreach:  wire.Outreach{State: d.OutreachState, Sent: d.OutreachSent, LastSentAt: d.OutreachAt, ConversationID: d.ConversationID},
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	for i, x := range d.Deliverables {
		w.Deliverables[i] = wire.Deliverable{ID: x.ID, Title: x.Title, DueDate: x.DueDate, Done: x.Done, Due: c.Due[x.ID]}
	}
	if c.History != nil {
		w.History = make([]wire.StageMove, len(c.History))
		for i, h := range c.History {
			m := wire.StageMove{From: h.From, To: h.To, Reason: h.Reason, At: h.At}
			if h.By != nil {
				p := towire.Profile(*h.By)
				m.By = &p
			}
			w.History[i] = m
		}
	}
	if r := c.Results; r != nil {
		w.Results = &wire.CreatorResults{Codes: make([]wire.CreatorCode, len(r.Codes)), CodesGiven: r.CodesGiven, Redemptions: r.Redemptions,
			Links: r.Links, Clicks: r.Clicks, UniqueClicks: r.UniqueClicks}
		for i, k := range r.Codes {
			w.Results.Codes[i] = wire.CreatorCode{CampaignID: k.CampaignID, Code: k.Code, AssignedAt: k.AssignedAt, RedeemedAt: k.RedeemedAt}
		}
	}
	return w
}

func creatorInput(in wire.CreatorInput) brand.CreatorInput {
	out := brand.CreatorInput{Handle: in.Handle, Stage: in.Stage, Notes: in.Notes, FeeMinor: in.FeeMinor, FeeCurrency: in.FeeCurrency, DueDate: in.DueDate}
	if in.Deliverables != nil {
		ds := make([]dm.Deliverable, len(*in.Deliverables))
		for i, x := range *in.Deliverables {
			ds[i] = dm.Deliverable{ID: x.ID, Title: x.Title, DueDate: x.DueDate, Done: x.Done}
		}
		out.Deliverables = &ds
	}
	return out
}

func (a *API) listCreators(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	cs, err := a.brand.Creators(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := make([]wire.Creator, len(cs))
	for i := range cs {
		out[i] = *creatorOf(&cs[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{"creators": out})
}

func (a *API) addCreator(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in wire.CreatorInput
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	if in.Handle == "" {
		a.error(w, r, dm.Errorf(dm.EINVALID, "handle: the creator's handle is required."))
		return
	}
	c, err := a.brand.AddCreator(r.Context(), au.Account, h, creatorInput(in))
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"creator": creatorOf(c)})
}

// creatorHandler reads the {creator} path value.
func (a *API) creatorHandler(fn func(w http.ResponseWriter, r *http.Request, au *Auth, h, creator string)) http.HandlerFunc {
	return a.brandHandler(func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		c, err := pathValue(r, "creator")
		if err != nil {
			a.error(w, r, err)
			return
		}
		fn(w, r, au, h, c)
	})
}

func (a *API) getCreator(w http.ResponseWriter, r *http.Request, au *Auth, h, creator string) {
	c, err := a.brand.Creator(r.Context(), au.Account, h, creator)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"creator": creatorOf(c)})
}

func (a *API) updateCreator(w http.ResponseWriter, r *http.Request, au *Auth, h, creator string) {
	var in wire.CreatorInput
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	if in.Handle != "" {
		a.error(w, r, dm.Errorf(dm.EINVALID, "handle: a creator's handle is in the path; it cannot change."))
		return
	}
	c, err := a.brand.UpdateCreator(r.Context(), au.Account, h, creator, creatorInput(in))
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"creator": creatorOf(c)})
}

func (a *API) removeCreator(w http.ResponseWriter, r *http.Request, au *Auth, h, creator string) {
	if err := a.brand.RemoveCreator(r.Context(), au.Account, h, creator); err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) startOutreach(w http.ResponseWriter, r *http.Request, au *Auth, h, creator string) {
	var in wire.OutreachInput
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	o := brand.OutreachInput{Text: in.Text}
	for _, f := range in.FollowUps {
		o.FollowUps = append(o.FollowUps, brand.FollowUpInput{DelayMinutes: f.DelayMinutes, Text: f.Text})
	}
	c, msg, err := a.brand.Outreach(r.Context(), au.Account, h, creator, o)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"creator": creatorOf(c), "message": towire.Message(msg)})
}

func (a *API) stopOutreach(w http.ResponseWriter, r *http.Request, au *Auth, h, creator string) {
	c, err := a.brand.StopOutreach(r.Context(), au.Account, h, creator)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"creator": creatorOf(c)})
}

func (a *API) giveCreatorCodes(w http.ResponseWriter, r *http.Request, au *Auth, h, creator string) {
	var in wire.CreatorCodesInput
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	c, err := a.brand.GiveCodes(r.Context(), au.Account, h, creator, brand.CodesInput{CampaignID: in.CampaignID, Codes: in.Codes, Count: in.Count})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"creator": creatorOf(c)})
}

func (a *API) creatorLink(w http.ResponseWriter, r *http.Request, au *Auth, h, creator string) {
	var in wire.CreatorLinkInput
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	link, c, err := a.brand.CreatorLink(r.Context(), au.Account, h, creator, in.URL)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"url": link, "creator": creatorOf(c)})
}
