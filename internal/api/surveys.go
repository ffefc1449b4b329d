package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/campaign"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// The survey endpoints, /api/v1/brands/{handle}/surveys/...: the brand's
// feedback questions, their dashboard and their CSV. The team reads;
// owners and admins write (internal/brand checks both).

func surveyJSON(s *dm.Survey) wire.Survey {
	return wire.Survey{ID: s.ID, Name: s.Name, Kind: s.Kind, Question: s.Question, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

func (a *API) listSurveys(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	ss, err := a.brand.Surveys(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"surveys": each(ss, surveyJSON)})
}

func (a *API) putSurvey(create bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		var in wire.SurveyInput
		if err := decode(r, &in); err != nil {
			a.error(w, r, err)
			return
		}
		si := brand.SurveyInput{Name: in.Name, Kind: in.Kind, Question: in.Question}
		var s *dm.Survey
		var err error
		status := http.StatusOK
		if create {
			s, err = a.brand.CreateSurvey(r.Context(), au.Account, h, si)
			status = http.StatusCreated
		} else {
			id, perr := pathValue(r, "id")
			if perr != nil {
				a.error(w, r, perr)
				return
			}
			s, err = a.brand.UpdateSurvey(r.Context(), au.Account, h, id, si)
		}
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeJSON(w, status, map[string]any{"survey": surveyJSON(s)})
	}
}

// surveyDays reads ?days= (1 to 365; default 30).
func surveyDays(r *http.Request) (int, error) {
	v, err := param(r, "days")
	if err != nil || v == "" {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > brand.MaxSurveyDays {
		return 0, dm.Errorf(dm.EINVALID, "days: 1 to %d.", brand.MaxSurveyDays)
	}
	return n, nil
}

func (a *API) surveyResults(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	days, err := surveyDays(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	res, err := a.brand.SurveyResults(r.Context(), au.Account, h, id, days)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := wire.SurveyResults{Survey: surveyJSON(res.Survey), From: res.From, To: res.To, Sent: res.Sent, Answered: res.Answered,
		Score: res.Score, Distribution: res.Distribution, Trend: []wire.SurveyPoint{}, Agents: []wire.SurveyAgent{},
		Texts: []wire.SurveyTextAnswer{}, Truncated: res.Truncated}
	for _, p := range res.Trend {
		out.Trend = append(out.Trend, wire.SurveyPoint{Day: p.Day.UTC(), Score: p.Score, Count: p.Count})
	}
	prof := func(p *dm.Profile) *wire.Profile {
		if p == nil {
			return nil
		}
		v := towire.Profile(*p)
		return &v
	}
	for _, ag := range res.Agents {
		out.Agents = append(out.Agents, wire.SurveyAgent{Agent: prof(ag.Agent), Score: ag.Score, Count: ag.Count})
	}
	for _, t := range res.Texts {
		out.Texts = append(out.Texts, wire.SurveyTextAnswer{Customer: towire.Profile(t.Customer), Agent: prof(t.Agent),
			ConversationID: t.ConversationID, Text: t.Text, AnsweredAt: t.At})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

func (a *API) surveyCSV(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	days, err := surveyDays(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	rows, err := a.brand.SurveyCSV(r.Context(), au.Account, h, id, days)
	if err != nil {
		a.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="survey-%s.csv"`, id))
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	for _, row := range rows {
		for i := range row {
			row[i] = campaign.SafeCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			a.log.Warn("writing survey csv", "err", err)
			return
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		a.log.Warn("writing survey csv", "err", err)
	}
}
