package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// The brand endpoints, /api/v1/brands/{handle}/...: thin handlers over
// internal/brand, which checks that the caller is on the brand's team (404
// otherwise) and, for team and settings changes, an owner or admin (403).

// brandHandler wraps a handler that works on one brand's handle.
func (a *API) brandHandler(fn func(w http.ResponseWriter, r *http.Request, au *Auth, handle string)) http.HandlerFunc {
	return a.auth(a.brandHandle(fn))
}

// brandBot is brandHandler for the routes a brand's bot token may use too:
// reading and answering the brand's conversations. The brand layer scopes
// a bot to its own brand (any other is a 404).
func (a *API) brandBot(fn func(w http.ResponseWriter, r *http.Request, au *Auth, handle string)) http.HandlerFunc {
	return a.botAuth(a.brandHandle(fn))
}

func (a *API) brandHandle(fn func(w http.ResponseWriter, r *http.Request, au *Auth, handle string)) func(http.ResponseWriter, *http.Request, *Auth) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth) {
		h, err := pathValue(r, "handle")
		if err != nil {
			a.error(w, r, err)
			return
		}
		// Outside the brand's team every route is a 404, whatever the
		// request holds: the team check comes before any validation.
		if err := a.brand.Authorize(r.Context(), au.Account, h); err != nil {
			a.error(w, r, err)
			return
		}
		fn(w, r, au, h)
	}
}

func (a *API) myBrands(w http.ResponseWriter, r *http.Request, au *Auth) {
	bs, err := a.brand.MyBrands(r.Context(), au.Account)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"brands": myBrands(bs)})
}

func (a *API) brandTeam(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	ms, err := a.brand.Team(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"members": teamMembers(ms)})
}

func (a *API) addBrandMember(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		Handle      string   `json:"handle"`
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	}
	if err := decodeRequired(r, &in, "handle"); err != nil {
		a.error(w, r, err)
		return
	}
	m, err := a.brand.AddMemberWith(r.Context(), au.Account, h, in.Handle, in.Role, in.Permissions)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"member": teamMember(m)})
}

func (a *API) updateBrandMember(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	member, err := pathValue(r, "member")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var in struct {
		Role        *string   `json:"role"`
		Available   *bool     `json:"available"`
		Permissions *[]string `json:"permissions"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	m, err := a.brand.UpdateMember(r.Context(), au.Account, h, member, brand.MemberUpdate{Role: in.Role, Available: in.Available, Permissions: in.Permissions})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"member": teamMember(m)})
}

func (a *API) removeBrandMember(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	member, err := pathValue(r, "member")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.brand.RemoveMember(r.Context(), au.Account, h, member))
}

func (a *API) brandInbox(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	cursor, n, err := page(r, "cursor")
	if err != nil {
		a.error(w, r, err)
		return
	}
	q := brand.InboxQuery{Cursor: cursor, Limit: n}
	for _, p := range []struct {
		name string
		to   *string
	}{{"view", &q.View}, {"status", &q.Status}, {"label", &q.Label}, {"assignee", &q.Assignee}, {"q", &q.Q}, {"sort", &q.Sort}} {
		if *p.to, err = param(r, p.name); err != nil {
			a.error(w, r, err)
			return
		}
	}
	items, next, err := a.brand.Inbox(r.Context(), au.Account, h, q)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"conversations": towire.InboxViews(items), "next_cursor": next})
}

// brandConv wraps a handler of one brand conversation.
func (a *API) brandConv(fn func(w http.ResponseWriter, r *http.Request, au *Auth, handle, id string)) http.HandlerFunc {
	return a.brandHandler(withConvID(a, fn))
}

// brandBotConv is brandConv for the routes a bot token may use too.
func (a *API) brandBotConv(fn func(w http.ResponseWriter, r *http.Request, au *Auth, handle, id string)) http.HandlerFunc {
	return a.brandBot(withConvID(a, fn))
}

func withConvID(a *API, fn func(w http.ResponseWriter, r *http.Request, au *Auth, handle, id string)) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		id, err := pathValue(r, "id")
		if err != nil {
			a.error(w, r, err)
			return
		}
		fn(w, r, au, h, id)
	}
}

func (a *API) brandConversation(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	n, err := limit(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	d, err := a.brand.Conversation(r.Context(), au.Account, h, id, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, inboxDetail(d))
}

func (a *API) updateBrandConversation(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	var in struct {
		Status       *string    `json:"status"`
		SnoozedUntil *time.Time `json:"snoozed_until"`
		Assignee     *string    `json:"assignee"`
		Labels       *[]string  `json:"labels"`
		Priority     *string    `json:"priority"`
		Team         *string    `json:"team"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	if in.Assignee != nil {
		v := dm.NormalizeHandle(*in.Assignee)
		in.Assignee = &v
	}
	v, err := a.brand.UpdateConversation(r.Context(), au.Account, h, id, brand.InboxUpdate{
		Status: in.Status, SnoozedUntil: in.SnoozedUntil, Assignee: in.Assignee, Labels: in.Labels, Priority: in.Priority, Team: in.Team})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"inbox": towire.InboxView(v)})
}

func (a *API) addBrandNote(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	var in struct {
		Text string `json:"text"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	n, err := a.brand.AddNote(r.Context(), au.Account, h, id, in.Text)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"note": towire.Note(n)})
}

func (a *API) sendAsBrand(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	var in struct {
		Text          string `json:"text"`
		CannedReplyID string `json:"canned_reply_id"`
		ClientID      string `json:"client_id"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	reply := brand.Reply{Text: in.Text, CannedReplyID: in.CannedReplyID, ClientID: in.ClientID}
	var m *brand.TeamMessage
	var created bool
	var err error
	if b := bot(au); b != nil {
		m, created, err = a.brand.BotSend(r.Context(), b, h, id, reply)
	} else {
		m, created, err = a.brand.Send(r.Context(), au.Account, h, id, reply)
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeMaybeCreated(w, created, "message", teamMessage(m))
}

func (a *API) renderCanned(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	var in struct {
		CannedReplyID string `json:"canned_reply_id"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	text, err := a.brand.Render(r.Context(), au.Account, h, id, in.CannedReplyID)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"text": text})
}

func (a *API) brandPresence(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	var in struct {
		State string `json:"state"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.brand.Presence(r.Context(), au.Account, h, id, in.State))
}

func (a *API) listCanned(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	cs, err := a.brand.CannedReplies(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"canned_replies": towire.CannedReplies(cs)})
}

func (a *API) putCanned(create bool) func(http.ResponseWriter, *http.Request, *Auth, string) {
	return func(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
		id, err := idUnlessCreate(r, create)
		if err != nil {
			a.error(w, r, err)
			return
		}
		var in struct {
			Title    *string `json:"title"`
			Text     *string `json:"text"`
			Personal bool    `json:"personal"`
		}
		if err := decode(r, &in); err != nil {
			a.error(w, r, err)
			return
		}
		c, err := a.brand.PutCannedReply(r.Context(), au.Account, h, id, brand.CannedUpdate{Title: in.Title, Text: in.Text, Personal: in.Personal})
		if err != nil {
			a.error(w, r, err)
			return
		}
		writeMaybeCreated(w, create, "canned_reply", towire.CannedReply(c))
	}
}

func (a *API) deleteCanned(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "id")
	if err != nil {
		a.error(w, r, err)
		return
	}
	a.noContent(w, r, a.brand.DeleteCannedReply(r.Context(), au.Account, h, id))
}

// Business hours travel as {"day": "mon", "open": "09:00", "close": "17:30"}.
var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

type spanJSON struct {
	Day   string `json:"day"`
	Open  string `json:"open"`
	Close string `json:"close"`
}

type settingsJSON struct {
	TimeZone      string     `json:"time_zone"`
	HoursEnabled  bool       `json:"hours_enabled"`
	Hours         []spanJSON `json:"hours"`
	AwayMessage   string     `json:"away_message"`
	ShowAgentName bool       `json:"show_agent_name"`
	AutoAssign    bool       `json:"auto_assign"`
	UpdatedAt     *time.Time `json:"updated_at"`
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(hh) != 2 || len(mm) != 2 || h < 0 || m < 0 || m > 59 || h*60+m > 24*60 {
		return 0, dm.Errorf(dm.EINVALID, "%q is not a time of day HH:MM (00:00 to 24:00).", dm.Truncate(s, 20))
	}
	return h*60 + m, nil
}

func settingsOut(s *dm.BrandSettings) settingsJSON {
	out := settingsJSON{TimeZone: s.TimeZone, HoursEnabled: s.HoursEnabled, Hours: []spanJSON{}, AwayMessage: s.AwayMessage,
		ShowAgentName: s.ShowAgentName, AutoAssign: s.AutoAssign}
	if !s.UpdatedAt.IsZero() {
		out.UpdatedAt = &s.UpdatedAt
	}
	for _, h := range s.Hours {
		out.Hours = append(out.Hours, spanJSON{Day: dayNames[h.Day], Open: clock(h.Open), Close: clock(h.Close)})
	}
	return out
}

func (a *API) brandSettings(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	s, err := a.brand.Settings(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": settingsOut(s)})
}

// putBrandSettings replaces the settings; a field left out keeps its value.
func (a *API) putBrandSettings(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		TimeZone      *string     `json:"time_zone"`
		HoursEnabled  *bool       `json:"hours_enabled"`
		Hours         *[]spanJSON `json:"hours"`
		AwayMessage   *string     `json:"away_message"`
		ShowAgentName *bool       `json:"show_agent_name"`
		AutoAssign    *bool       `json:"auto_assign"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	cur, err := a.brand.Settings(r.Context(), au.Account, h)
	if err != nil {
		a.error(w, r, err)
		return
	}
	set := *cur
	if in.TimeZone != nil {
		set.TimeZone = *in.TimeZone
	}
	if in.HoursEnabled != nil {
		set.HoursEnabled = *in.HoursEnabled
	}
	if in.AwayMessage != nil {
		set.AwayMessage = *in.AwayMessage
	}
	if in.ShowAgentName != nil {
		set.ShowAgentName = *in.ShowAgentName
	}
	if in.AutoAssign != nil {
		set.AutoAssign = *in.AutoAssign
	}
	if in.Hours != nil {
		set.Hours = []dm.OpenSpan{}
		for _, sp := range *in.Hours {
			day := -1
			for i, n := range dayNames {
				if strings.EqualFold(sp.Day, n) {
					day = i
				}
			}
			if day < 0 {
				a.error(w, r, dm.Errorf(dm.EINVALID, "day is one of sun, mon, tue, wed, thu, fri, sat."))
				return
			}
			open, err := parseClock(sp.Open)
			if err == nil {
				var cl int
				cl, err = parseClock(sp.Close)
				set.Hours = append(set.Hours, dm.OpenSpan{Day: day, Open: open, Close: cl})
			}
			if err != nil {
				a.error(w, r, err)
				return
			}
		}
	}
	s, err := a.brand.PutSettings(r.Context(), au.Account, h, set)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": settingsOut(s)})
}

// period reads ?from= and ?to= (RFC 3339; default: the last seven days).
func period(r *http.Request) (from, to time.Time, err error) {
	for _, p := range []struct {
		name string
		to   *time.Time
	}{{"from", &from}, {"to", &to}} {
		v, err := param(r, p.name)
		if err != nil {
			return from, to, err
		}
		if v == "" {
			continue
		}
		if *p.to, err = time.Parse(time.RFC3339, v); err != nil {
			return from, to, dm.Errorf(dm.EINVALID, "%s is an RFC 3339 time such as 2026-11-02T00:00:00Z.", p.name)
		}
	}
	return from, to, nil
}

func (a *API) brandAnalytics(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	from, to, err := period(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	rep, err := a.brand.Analytics(r.Context(), au.Account, h, from, to)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, towire.AnalyticsReport(rep))
}

func (a *API) brandAnalyticsCSV(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	from, to, err := period(r)
	if err != nil {
		a.error(w, r, err)
		return
	}
	table, err := param(r, "table")
	if err == nil && table != "" && table != "summary" && table != "days" {
		err = dm.Errorf(dm.EINVALID, "table is summary or days.")
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	if table == "" {
		table = "summary"
	}
	rep, err := a.brand.Analytics(r.Context(), au.Account, h, from, to)
	if err != nil {
		a.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.csv"`, rep.Brand, table, rep.From.Format("2006-01-02")))
	w.Header().Set("Cache-Control", "no-store")
	if err := brand.WriteCSV(w, rep, table); err != nil {
		a.log.Warn("writing analytics csv", "err", err)
	}
}

// withBadge is a profile with the brand badge merged in: very_responsive is
// present on brands only (computed by internal/brand, see VeryResponsive),
// and bot is what a customer sees of a brand's bot before writing: ice
// breakers, the persistent menu and the "Talk to a person" button.
func (a *API) withBadge(r *http.Request, p *chat.Profile) wire.AccountProfile {
	if p.Account == nil || p.Account.Kind != dm.KindBrand {
		return accountProfile(p, nil)
	}
	on, err := a.brand.VeryResponsive(r.Context(), p.Account)
	if err != nil {
		// The badge is a decoration: a failure leaves it out, not the profile.
		a.log.Warn("very responsive badge", "brand", p.Account.Handle, "err", err)
		return accountProfile(p, nil)
	}
	v := accountProfile(p, &on)
	bot, err := a.brand.BotEntry(r.Context(), p.Account)
	if err != nil {
		a.log.Warn("brand bot entry", "brand", p.Account.Handle, "err", err)
	}
	v.Bot = botEntry(bot)
	return v
}
