// Package brand is the brand layer on top of the messaging spine: a brand's
// team, its shared inbox (status, assignment, labels, priority, private
// notes), canned replies with placeholders, business hours with an away
// message, round-robin assignment, and response analytics.
//
// Agents act as the brand: their messages go through chat.Send with the brand
// account as sender, and the brand layer records which agent wrote each one.
// The layer joins every send as a stage of the send pipeline (Step, step.go),
// inside the send's transaction, so inbox state and analytics commit
// atomically with messages; what follows a send (the away message) is a
// durable job enqueued in that transaction (RegisterJobs).
//
// Visibility: the team learns of inbox changes through events appended to
// each member's own event log in the same transaction (types inbox.*), so a
// member removed from the team stops receiving them at once, open WebSockets
// included, and every read checks membership again. Customers never receive
// these events and no customer-facing endpoint reads the brand tables, except
// for the Automated and AgentName fields of the brand's own messages.
package brand

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/consent"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/jobs"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Config tunes the brand service.
type Config struct {
	Logger *slog.Logger
	// Now is the clock (default time.Now); tests may fix it.
	Now func() time.Time
	// Limits are the operator's bounds on brands' automated messages.
	Limits Limits
	// SendLease is how long a campaign lane holds the deliveries it
	// claimed before another may take them (default 1 min).
	SendLease time.Duration
	// PublicURL returns the server's public address (such as
	// https://chat.example.com), which links in messages start with: tracked
	// links, calendar links. It is a function because a server listening on
	// port 0 knows its address only once it listens.
	PublicURL func() string
	// RateLimitOff lifts the per-address limit on tracked-link clicks and
	// the per-account limit on audience previews (benchmarks and load
	// tests only).
	RateLimitOff bool
}

// Service is the brand service. It is safe for concurrent use.
type Service struct {
	chat  *chat.Service
	store dm.Store
	bus   dm.Bus
	log   *slog.Logger
	clock func() time.Time

	step *Step

	mu     sync.Mutex
	badges map[string]badge // brand id -> cached "very responsive" verdict

	bots botCache // bot tokens checked lately (bots.go)

	recs recsCache // the brands' recommender models on this node (catalog.go)

	// worker names this process's leases on campaign deliveries.
	worker    string
	sendLease time.Duration

	// Tracked links (links.go): the public address, the clicks' rate
	// limit per address, the handlers of clicks.
	publicURL  func() string
	clickLimit *ratelimit.Limiter
	clickFuncs []LinkClickFunc

	// previewLimit bounds each account's audience previews.
	previewLimit *ratelimit.Limiter
}

type badge struct {
	on      bool
	expires time.Time
}

// badgeTTL is how long a brand's badge verdict is reused: it summarises
// seven days, so a minute of staleness is invisible, and a popular profile
// does not recompute it on every view.
const badgeTTL = time.Minute

// New returns the brand service over c, whose send pipeline must include
// step (chat.Config.Steps), so that every send through c updates the brand
// inboxes. The service shares the step's clock and logger.
func New(c *chat.Service, step *Step) *Service {
	s := &Service{chat: c, store: c.Store(), bus: c.Bus(), log: step.log, clock: step.clock, step: step, badges: map[string]badge{},
		worker: workerName(), sendLease: step.sendLease, publicURL: step.publicURL, clickLimit: step.clickLimit,
		previewLimit: step.previewLimit}
	// A click on a product link is an interaction of the recommender (catalog.go).
	s.OnLinkClick(s.productClicked)
	return s
}

// sendAwayMessage sends the away message a customer message called for. Its
// client_id is the job's, so a job that runs again after a crash (its effect
// committed, its finish not) finds the message it sent and sends no second one.
func (s *Service) sendAwayMessage(ctx context.Context, j *dm.Job) error {
	var p awayJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(err)
	}
	var b *dm.Account
	if err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		b, err = tx.Account(ctx, p.BrandID)
		return err
	}); err != nil {
		if dm.IsCode(err, dm.ENOTFOUND) {
			return jobs.Permanent(err)
		}
		return err
	}
	_, _, err := s.chat.Send(ctx, b, p.ConversationID, chat.SendParams{Text: p.Text, Automated: true, Purpose: consent.Reply, ClientID: "job:" + j.ID})
	switch dm.ErrorCode(err) {
	case dm.ENOTFOUND, dm.EFORBIDDEN, dm.EINVALID, dm.ECONFLICT:
		// The customer blocked the brand or left, or the text is refused:
		// trying again cannot help.
		s.log.Info("away message not sent", "brand", b.Handle, "conversation", p.ConversationID, "err", err)
		return jobs.Permanent(err)
	}
	return err
}

// now is the service's clock, in UTC at millisecond precision, as stored.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Millisecond) }

// access is the caller's standing in a brand.
type access struct {
	brand *dm.Account
	me    *dm.Account
	role  string
	perms []string // an agent's extra permissions (dm.TeamPermissions)
}

func (a *access) manager() bool { return a.role == dm.TeamOwner || a.role == dm.TeamAdmin }

// can tells whether the caller has a permission: owners and admins have
// them all, an agent those given to them.
func (a *access) can(perm string) bool { return a.manager() || slices.Contains(a.perms, perm) }

// agent is the team member writing, or nil when the brand account itself acts.
func (a *access) agent() *dm.Account {
	if a.me.ID == a.brand.ID {
		return nil
	}
	return a.me
}

func noBrand(handle string) error {
	return dm.Errorf(dm.ENOTFOUND, "No brand @%s among your teams.", dm.Truncate(handle, 40))
}

// access finds the brand of a handle and the caller's role in it. To anyone
// outside its team a brand's inbox does not exist: ENOTFOUND, never
// EFORBIDDEN. The brand account itself is an owner.
func (s *Service) access(ctx context.Context, tx dm.Tx, me *dm.Account, handle string) (*access, error) {
	handle = dm.NormalizeHandle(handle)
	b, err := tx.AccountByHandle(ctx, handle)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, noBrand(handle)
	}
	if err != nil {
		return nil, err
	}
	if b.Kind != dm.KindBrand {
		return nil, noBrand(handle)
	}
	if b.ID == me.ID {
		return &access{brand: b, me: me, role: dm.TeamOwner}, nil
	}
	m, err := tx.TeamMember(ctx, b.ID, me.ID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, noBrand(handle)
	}
	if err != nil {
		return nil, err
	}
	return &access{brand: b, me: me, role: m.Role, perms: m.Permissions}, nil
}

// Authorize answers ENOTFOUND unless me is on the team of the brand with
// handle (or is the brand, or its bot): the API asks it before it reads a
// request's body or query, so that someone outside the team learns nothing
// from which of their requests are malformed. Each operation checks access
// again, with the role it needs, inside its own transaction.
func (s *Service) Authorize(ctx context.Context, me *dm.Account, handle string) error {
	return s.store.View(ctx, func(tx dm.Tx) error {
		_, err := s.access(ctx, tx, me, handle)
		return err
	})
}

func (s *Service) manage(ctx context.Context, tx dm.Tx, me *dm.Account, handle string) (*access, error) {
	a, err := s.access(ctx, tx, me, handle)
	if err != nil {
		return nil, err
	}
	if !a.manager() {
		return nil, dm.Errorf(dm.EFORBIDDEN, "Only the brand's owners and admins can do this.")
	}
	return a, nil
}

// teamRecipients are the accounts that receive a brand's inbox events: the
// brand account and every team member, in id order. The order matters on
// PostgreSQL, where appending to a log locks it until commit: the spine
// locks a conversation's member logs in id order, and appending to the
// team's logs in that same order means that a send to the brand and, say,
// two agents messaging each other take their locks in one global order
// instead of deadlocking.
func teamRecipients(ctx context.Context, tx dm.Tx, brandID string) ([]string, error) {
	ms, err := tx.TeamMembers(ctx, brandID)
	if err != nil {
		return nil, err
	}
	return recipientsOf(brandID, ms), nil
}

// recipientsOf is teamRecipients over a team list already read.
func recipientsOf(brandID string, ms []dm.TeamMember) []string {
	ids := make([]string, 0, len(ms)+1)
	ids = append(ids, brandID)
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	slices.Sort(ids)
	return ids
}

// tellTeam appends e to the log of the brand account and of every member.
func tellTeam(ctx context.Context, tx dm.Tx, out chat.Outbox, brandID string, e dm.Event) error {
	if e.Type == dm.EventCampaignProgress && e.Campaign != nil {
		funnels.markedCampaign(e.Campaign.CampaignID) // its funnel changed (funnelcache.go)
	}
	ids, err := teamRecipients(ctx, tx, brandID)
	if err != nil {
		return err
	}
	return tellIDs(ctx, out, ids, e)
}

// tellIDs appends e to the logs of ids (teamRecipients' order), encoding
// it once for the whole team.
func tellIDs(ctx context.Context, out chat.Outbox, ids []string, e dm.Event) error {
	return out.AddAll(ctx, ids, e)
}

// FilterEvents (chat.EventFilter) withholds a brand's team events (the
// inbox's messages, notes, audit trail, campaign progress: everything
// naming the brand but team.updated) from a reader's log once the reader
// has left the brand's team. The log keeps events for weeks: without this
// a removed agent could page back through the customers' messages they
// received while on the team. team.updated stays: it tells them they were
// removed. One read per brand named in the page; a page without brand
// events (a person's) costs a loop.
func (s *Step) FilterEvents(ctx context.Context, tx dm.Tx, readerID string, evs []dm.Event) ([]dm.Event, error) {
	var onTeam map[string]bool // by brand handle
	out := evs[:0]
	for _, ev := range evs {
		if ev.Brand != "" && ev.Type != dm.EventTeamUpdated {
			ok, seen := onTeam[ev.Brand]
			if !seen {
				var err error
				if ok, err = stillOnTeam(ctx, tx, readerID, ev.Brand); err != nil {
					return nil, err
				}
				if onTeam == nil {
					onTeam = map[string]bool{}
				}
				onTeam[ev.Brand] = ok
			}
			if !ok {
				continue
			}
		}
		out = append(out, ev)
	}
	return out, nil
}

// stillOnTeam tells whether readerID is the brand with this handle or on
// its team now. A handle that names no account now is nobody's team: its
// events are withheld (handles do not change, so a brand's own and its
// team's always resolve; an account removed by hand from the database
// leaves none to check against).
func stillOnTeam(ctx context.Context, tx dm.Tx, readerID, handle string) (bool, error) {
	b, err := tx.AccountByHandle(ctx, handle)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if b.ID == readerID {
		return true, nil
	}
	_, err = tx.TeamMember(ctx, b.ID, readerID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return false, nil
	}
	return err == nil, err
}

// Member is a team member as the team sees them.
type Member struct {
	Account     dm.Profile
	Role        string
	Available   bool
	AddedAt     time.Time
	Permissions []string
}

// memberOf is a team member as the team sees them.
func memberOf(acc *dm.Account, m *dm.TeamMember) *Member {
	perms := m.Permissions
	if perms == nil {
		perms = []string{}
	}
	return &Member{Account: acc.Profile(), Role: m.Role, Available: m.Available, AddedAt: m.AddedAt, Permissions: perms}
}

// Team lists a brand's team (members only).
func (s *Service) Team(ctx context.Context, me *dm.Account, handle string) ([]Member, error) {
	var out []Member
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = teamList(ctx, tx, a.brand.ID)
		return err
	})
	return out, err
}

func teamList(ctx context.Context, tx dm.Tx, brandID string) ([]Member, error) {
	ms, err := tx.TeamMembers(ctx, brandID)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(ms))
	for _, m := range ms {
		acc, err := tx.Account(ctx, m.UserID)
		if err != nil {
			return nil, err
		}
		out = append(out, *memberOf(acc, &m))
	}
	return out, nil
}

func validRole(role string) error {
	switch role {
	case dm.TeamOwner, dm.TeamAdmin, dm.TeamAgent:
		return nil
	}
	return dm.Errorf(dm.EINVALID, "role is owner, admin or agent.")
}

// validPermissions checks and normalises a member's permissions (sorted,
// without repeats).
func validPermissions(perms []string) ([]string, error) {
	out := []string{}
	for i, p := range perms {
		if !slices.Contains(dm.TeamPermissions, p) {
			return nil, dm.Errorf(dm.EINVALID, "permissions[%d]: %q is not a permission; the permissions are %s.", i, dm.Truncate(p, 40), strings.Join(dm.TeamPermissions, ", "))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

// AddMember invites an existing person to the team (owners and admins;
// only owners make owners). A new member starts available.
func (s *Service) AddMember(ctx context.Context, me *dm.Account, handle, memberHandle, role string) (*Member, error) {
	return s.AddMemberWith(ctx, me, handle, memberHandle, role, nil)
}

// AddMemberWith is AddMember with the member's permissions
// (dm.TeamPermissions, such as "partnerships").
func (s *Service) AddMemberWith(ctx context.Context, me *dm.Account, handle, memberHandle, role string, perms []string) (*Member, error) {
	if role == "" {
		role = dm.TeamAgent
	}
	if err := validRole(role); err != nil {
		return nil, err
	}
	perms, err := validPermissions(perms)
	if err != nil {
		return nil, err
	}
	var out *Member
	err = s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if role == dm.TeamOwner && a.role != dm.TeamOwner {
			return dm.Errorf(dm.EFORBIDDEN, "Only owners can add owners.")
		}
		acc, err := tx.AccountByHandle(ctx, dm.NormalizeHandle(memberHandle))
		if dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No account @%s.", dm.Truncate(dm.NormalizeHandle(memberHandle), 40))
		}
		if err != nil {
			return err
		}
		if acc.Kind != dm.KindPerson {
			return dm.Errorf(dm.EINVALID, "Only people join a brand's team.")
		}
		// A block stands here as it does for a group: nobody is pulled into
		// a team (and its stream of customer conversations) by a brand they
		// blocked or that blocked them, nor by someone they blocked.
		for _, by := range []string{a.brand.ID, me.ID} {
			if by == acc.ID {
				continue
			}
			r, err := tx.Relationship(ctx, by, acc.ID)
			if err != nil {
				return err
			}
			if r.Blocked() {
				return dm.Errorf(dm.EFORBIDDEN, "@%s can't be added to the team: there is a block between them and you or the brand.", acc.Handle)
			}
		}
		if _, err := tx.TeamMember(ctx, a.brand.ID, acc.ID); err == nil {
			return dm.Errorf(dm.ECONFLICT, "@%s is already on the team.", acc.Handle)
		} else if !dm.IsCode(err, dm.ENOTFOUND) {
			return err
		}
		m := &dm.TeamMember{BrandID: a.brand.ID, UserID: acc.ID, Role: role, Available: true, AddedAt: s.now(), Permissions: perms}
		if err := tx.PutTeamMember(ctx, m); err != nil {
			return err
		}
		out = memberOf(acc, m)
		return tellTeam(ctx, tx, ob, a.brand.ID, dm.Event{Type: dm.EventTeamUpdated, At: m.AddedAt, Brand: a.brand.Handle, Actor: ptr(acc.Profile()), State: "added"})
	})
	return out, err
}

// MemberUpdate changes a member's role (owners and admins) or availability
// (also the member themself).
type MemberUpdate struct {
	Role      *string
	Available *bool
	// Permissions replaces the member's permissions (owners and admins).
	Permissions *[]string
}

// UpdateMember applies u to a team member.
func (s *Service) UpdateMember(ctx context.Context, me *dm.Account, handle, memberHandle string, u MemberUpdate) (*Member, error) {
	if u.Role != nil {
		if err := validRole(*u.Role); err != nil {
			return nil, err
		}
	}
	if u.Permissions != nil {
		perms, err := validPermissions(*u.Permissions)
		if err != nil {
			return nil, err
		}
		u.Permissions = &perms
	}
	var out *Member
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		acc, m, err := teamMemberByHandle(ctx, tx, a.brand.ID, memberHandle)
		if err != nil {
			return err
		}
		self := acc.ID == me.ID
		if u.Role != nil && *u.Role != m.Role {
			if !a.manager() {
				return dm.Errorf(dm.EFORBIDDEN, "Only the brand's owners and admins change roles.")
			}
			if (*u.Role == dm.TeamOwner || m.Role == dm.TeamOwner) && a.role != dm.TeamOwner {
				return dm.Errorf(dm.EFORBIDDEN, "Only owners make or unmake owners.")
			}
			m.Role = *u.Role
		}
		if u.Permissions != nil && !slices.Equal(*u.Permissions, m.Permissions) {
			if !a.manager() {
				return dm.Errorf(dm.EFORBIDDEN, "Only the brand's owners and admins change permissions.")
			}
			m.Permissions = *u.Permissions
		}
		if u.Available != nil {
			if !self && !a.manager() {
				return dm.Errorf(dm.EFORBIDDEN, "Agents change only their own availability.")
			}
			m.Available = *u.Available
		}
		if err := tx.PutTeamMember(ctx, m); err != nil {
			return err
		}
		out = memberOf(acc, m)
		return tellTeam(ctx, tx, ob, a.brand.ID, dm.Event{Type: dm.EventTeamUpdated, At: s.now(), Brand: a.brand.Handle, Actor: ptr(acc.Profile()), State: "updated"})
	})
	return out, err
}

func teamMemberByHandle(ctx context.Context, tx dm.Tx, brandID, handle string) (*dm.Account, *dm.TeamMember, error) {
	h := dm.NormalizeHandle(handle)
	acc, err := tx.AccountByHandle(ctx, h)
	if err == nil {
		var m *dm.TeamMember
		m, err = tx.TeamMember(ctx, brandID, acc.ID)
		if err == nil {
			return acc, m, nil
		}
	}
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, nil, dm.Errorf(dm.ENOTFOUND, "@%s is not on the team.", dm.Truncate(h, 40))
	}
	return nil, nil, err
}

// RemoveMember removes a member (owners and admins, or the member leaving).
// Access ends with the commit: every later request checks membership, and
// inbox events are no longer appended to the member's log, so their open
// WebSockets fall silent too. The removed member gets one last team.updated
// event ("removed") so that their console can close the brand. The
// conversations assigned to them become unassigned. The bot tokens they
// made are revoked with them: a token is a key to the whole inbox, and one
// made by an admin who leaves (or is let go) must not keep it open to them.
func (s *Service) RemoveMember(ctx context.Context, me *dm.Account, handle, memberHandle string) error {
	var revoked []string // hashes of the member's bot tokens
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		revoked = revoked[:0]
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		acc, m, err := teamMemberByHandle(ctx, tx, a.brand.ID, memberHandle)
		if err != nil {
			return err
		}
		if acc.ID != me.ID {
			if !a.manager() {
				return dm.Errorf(dm.EFORBIDDEN, "Only the brand's owners and admins remove members.")
			}
			if m.Role == dm.TeamOwner && a.role != dm.TeamOwner {
				return dm.Errorf(dm.EFORBIDDEN, "Only owners remove owners.")
			}
		}
		if err := tx.DeleteTeamMember(ctx, a.brand.ID, acc.ID); err != nil {
			return err
		}
		tokens, err := tx.BotTokens(ctx, a.brand.ID)
		if err != nil {
			return err
		}
		for _, bt := range tokens {
			if bt.CreatedBy != acc.ID {
				continue
			}
			if err := tx.DeleteBotToken(ctx, a.brand.ID, bt.ID); err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
				return err
			}
			revoked = append(revoked, bt.TokenHash)
		}
		t := s.now()
		if err := s.unassignAll(ctx, tx, ob, a.brand, acc.ID, me, t); err != nil {
			return err
		}
		ev := dm.Event{Type: dm.EventTeamUpdated, At: t, Brand: a.brand.Handle, Actor: ptr(acc.Profile()), State: "removed"}
		if err := ob.Add(ctx, acc.ID, ev); err != nil {
			return err
		}
		return tellTeam(ctx, tx, ob, a.brand.ID, ev)
	})
	if err == nil {
		// At once on this node, within botCacheTTL on the others, as
		// RevokeBotToken.
		for _, h := range revoked {
			s.bots.drop(h)
		}
	}
	return err
}

// unassignAll unassigns a former member's conversations, a page at a time,
// recording by in each one's audit trail.
func (s *Service) unassignAll(ctx context.Context, tx dm.Tx, ob chat.Outbox, b *dm.Account, userID string, by *dm.Account, t time.Time) error {
	cursor := ""
	for {
		items, next, err := tx.Inbox(ctx, b.ID, dm.InboxFilter{Assignee: userID, Now: t, Cursor: cursor, Limit: 200})
		if err != nil {
			return err
		}
		for i := range items {
			it := &items[i]
			before := cloneItem(it)
			it.AssigneeID, it.UpdatedAt = "", t
			if err := s.step.audit(ctx, tx, ob, b, before, it, by, t); err != nil {
				return err
			}
			if err := tx.PutInboxItem(ctx, it); err != nil {
				return err
			}
			v, err := s.step.view(ctx, tx, b, it, nil)
			if err != nil {
				return err
			}
			if err := tellTeam(ctx, tx, ob, b.ID, dm.Event{Type: dm.EventInboxUpdated, ConversationID: it.ConversationID, At: t, Brand: b.Handle, Inbox: v}); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
}

// MyBrand is one team the caller belongs to.
type MyBrand struct {
	Brand     dm.Profile
	Role      string
	Available bool
	// Permissions are what the caller may do beyond the role's rights
	// (owners and admins: every permission).
	Permissions []string
}

// MyBrands lists the caller's teams, and the caller itself when it is a brand.
func (s *Service) MyBrands(ctx context.Context, me *dm.Account) ([]MyBrand, error) {
	out := []MyBrand{}
	err := s.store.View(ctx, func(tx dm.Tx) error {
		if me.Kind == dm.KindBrand {
			out = append(out, MyBrand{Brand: me.Profile(), Role: dm.TeamOwner, Available: true, Permissions: slices.Clone(dm.TeamPermissions)})
		}
		ms, err := tx.MemberBrands(ctx, me.ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			b, err := tx.Account(ctx, m.BrandID)
			if err != nil {
				return err
			}
			perms := m.Permissions
			if m.Role == dm.TeamOwner || m.Role == dm.TeamAdmin {
				perms = slices.Clone(dm.TeamPermissions)
			} else if perms == nil {
				perms = []string{}
			}
			out = append(out, MyBrand{Brand: b.Profile(), Role: m.Role, Available: m.Available, Permissions: perms})
		}
		return nil
	})
	return out, err
}

// defaultSettings are a brand's settings before it saves any: always open,
// no away message, automatic round-robin assignment on.
func defaultSettings(brandID string) *dm.BrandSettings {
	return &dm.BrandSettings{BrandID: brandID, TimeZone: "UTC", Hours: []dm.OpenSpan{}, AutoAssign: true}
}

func loadSettings(ctx context.Context, tx dm.Tx, brandID string) (*dm.BrandSettings, error) {
	set, err := tx.BrandSettings(ctx, brandID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return defaultSettings(brandID), nil
	}
	return set, err
}

// Settings returns a brand's inbox settings (any member).
func (s *Service) Settings(ctx context.Context, me *dm.Account, handle string) (*dm.BrandSettings, error) {
	var out *dm.BrandSettings
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = loadSettings(ctx, tx, a.brand.ID)
		return err
	})
	return out, err
}

// maxAwayRunes bounds the away message.
const maxAwayRunes = 1000

// PutSettings replaces a brand's settings (owners and admins). The
// round-robin cursor is kept.
func (s *Service) PutSettings(ctx context.Context, me *dm.Account, handle string, in dm.BrandSettings) (*dm.BrandSettings, error) {
	if _, err := time.LoadLocation(in.TimeZone); err != nil || in.TimeZone == "" || in.TimeZone == "Local" {
		return nil, dm.Errorf(dm.EINVALID, "time_zone %q is not an IANA time zone such as Europe/Paris.", dm.Truncate(in.TimeZone, 60))
	}
	if len(in.Hours) > 7*4 {
		return nil, dm.Errorf(dm.EINVALID, "At most %d spans of business hours.", 7*4)
	}
	for _, h := range in.Hours {
		if h.Day < 0 || h.Day > 6 || h.Open < 0 || h.Close > 24*60 || h.Close <= h.Open {
			return nil, dm.Errorf(dm.EINVALID, "Each span of hours is one day, and opens before it closes (00:00 to 24:00).")
		}
	}
	in.AwayMessage = strings.TrimSpace(in.AwayMessage)
	if in.AwayMessage != "" {
		if err := dm.ValidateText(in.AwayMessage); err != nil {
			return nil, dm.Errorf(dm.EINVALID, "away_message: %s", dm.ErrorMessage(err))
		}
		if len([]rune(in.AwayMessage)) > maxAwayRunes {
			return nil, dm.Errorf(dm.EINVALID, "away_message has at most %d characters.", maxAwayRunes)
		}
	}
	slices.SortFunc(in.Hours, func(a, b dm.OpenSpan) int {
		if a.Day != b.Day {
			return a.Day - b.Day
		}
		return a.Open - b.Open
	})
	var out *dm.BrandSettings
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.manage(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		if err := tx.LockBrand(ctx, a.brand.ID); err != nil {
			return err
		}
		old, err := loadSettings(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		set := in
		set.BrandID, set.RoundRobinLast, set.UpdatedAt = a.brand.ID, old.RoundRobinLast, s.now()
		if set.Hours == nil {
			set.Hours = []dm.OpenSpan{}
		}
		if err := tx.PutBrandSettings(ctx, &set); err != nil {
			return err
		}
		out = &set
		return nil
	})
	return out, err
}

func ptr[T any](v T) *T { return &v }
