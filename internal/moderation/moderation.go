// Package moderation is reports and what operators do with them: a person
// reports an account, or messages of it, from a chat; operators (accounts
// with role "operator", set from the command line) read the queue, suspend
// and unsuspend accounts, mark brands verified, and every action of theirs
// goes into the moderation log.
//
// A report copies the reported messages, and only those, as they are when
// reported: a later edit or unsend does not change what the moderator reads.
//
// To anyone who is not an operator every operator route answers ENOTFOUND,
// as if it did not exist.
package moderation

import (
	"context"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/ratelimit"
)

// Limits on a report.
const (
	MaxReportMessages = 50
	MaxReasonRunes    = 1000
)

// Service is the moderation service. It is safe for concurrent use.
type Service struct {
	chat     *chat.Service
	identity *identity.Service
	store    dm.Store
	now      func() time.Time
	reports  *ratelimit.Limiter // reports filed, per reporter
}

// Config tunes the service; the zero value is the production setting.
type Config struct {
	// Now is the clock of reports and the log (time.Now if nil).
	Now func() time.Time
	// RateLimitOff lifts the limit on reports (benchmarks and load tests).
	RateLimitOff bool
}

// New returns a moderation service.
func New(c *chat.Service, ids *identity.Service, cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{chat: c, identity: ids, store: c.Store(), now: cfg.Now}
	if !cfg.RateLimitOff {
		// Twenty reports at once, then one a minute: plenty for a person,
		// and a bound on what one account can pour into the queue.
		s.reports = ratelimit.New(1.0/60, 20)
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// ReportParams is what a person reports: an account (Handle), or messages
// (MessageIDs, all sent by one account in one conversation the reporter is
// in), or both, with a reason.
type ReportParams struct {
	Handle     string
	MessageIDs []string
	Reason     string
}

// Report files a report. The messages are copied into it.
func (s *Service) Report(ctx context.Context, me *dm.Account, p ReportParams) (*dm.Report, error) {
	reason := strings.TrimSpace(p.Reason)
	if err := dm.ValidateField("reason", reason, MaxReasonRunes, true, true); err != nil {
		return nil, err
	}
	if len(p.MessageIDs) > MaxReportMessages {
		return nil, dm.Errorf(dm.EINVALID, "A report has at most %d messages.", MaxReportMessages)
	}
	if p.Handle == "" && len(p.MessageIDs) == 0 {
		return nil, dm.Errorf(dm.EINVALID, "Name the account (handle) or the messages (message_ids) you report.")
	}
	if d := s.reports.Take(me.ID, time.Now()); d > 0 {
		return nil, &dm.Error{Code: dm.ERATELIMITED, Message: "Too many reports. Try again later.", RetryAfter: d}
	}
	r := &dm.Report{ID: dm.NewID(), ReporterID: me.ID, Reason: reason, Status: dm.ReportOpen, CreatedAt: s.clock(),
		Messages: []dm.ReportedMessage{}}
	if p.Handle != "" {
		acc, err := s.identity.AccountByHandle(ctx, p.Handle)
		if err != nil {
			return nil, err
		}
		r.SubjectID = acc.ID
	}
	seen := map[string]bool{}
	for _, id := range p.MessageIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		// chat.Message answers ENOTFOUND for what the reporter may not see.
		m, err := s.chat.Message(ctx, me, id)
		if err != nil {
			return nil, err
		}
		if m.Deleted {
			return nil, dm.Errorf(dm.EINVALID, "Message %s was unsent: there is nothing to report.", id)
		}
		switch {
		case m.Sender.ID == me.ID:
			return nil, dm.Errorf(dm.EINVALID, "You cannot report your own message.")
		case r.SubjectID == "":
			r.SubjectID = m.Sender.ID
		case m.Sender.ID != r.SubjectID:
			return nil, dm.Errorf(dm.EINVALID, "The reported messages must all be from the reported account.")
		}
		if r.ConversationID == "" {
			r.ConversationID = m.ConversationID
		} else if m.ConversationID != r.ConversationID {
			return nil, dm.Errorf(dm.EINVALID, "The reported messages must all be from one conversation.")
		}
		r.Messages = append(r.Messages, dm.ReportedMessage{ID: m.ID, Seq: m.Seq, SenderID: m.Sender.ID, Text: m.Text,
			CreatedAt: m.CreatedAt, EditedAt: m.EditedAt})
	}
	if r.SubjectID == me.ID {
		return nil, dm.Errorf(dm.EINVALID, "You cannot report yourself.")
	}
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		if err := tx.CreateReport(ctx, r); err != nil {
			return err
		}
		// A report is a strike against the account: the abuse limits
		// (internal/chat's reputation) grow stricter for it.
		return tx.AddStrike(ctx, r.SubjectID, me.ID, dm.StrikeReported, r.CreatedAt)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// MyReport is a report as its reporter sees it: what they reported and
// where it stands (the operator's resolution note and who closed it are
// the moderators' own).
type MyReport struct {
	dm.Report
	Subject dm.Profile
}

// MyReports pages the reports me filed, newest first, with their status.
func (s *Service) MyReports(ctx context.Context, me *dm.Account, cursor string, limit int) ([]MyReport, string, error) {
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	var out []MyReport
	var next string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		rs, n, err := tx.ReportsBy(ctx, me.ID, cursor, limit)
		if err != nil {
			return err
		}
		next = n
		people := map[string]dm.Profile{}
		out = make([]MyReport, 0, len(rs))
		for _, r := range rs {
			p, ok := people[r.SubjectID]
			if !ok {
				a, err := tx.Account(ctx, r.SubjectID)
				if err != nil {
					return err
				}
				p = a.Profile()
				people[r.SubjectID] = p
			}
			out = append(out, MyReport{Report: r, Subject: p})
		}
		return nil
	})
	return out, next, err
}

// ReportCount is how many distinct people reported an account since a time:
// its reputation, for the abuse limits (stricter for often-reported accounts).
func (s *Service) ReportCount(ctx context.Context, userID string, since time.Time) (int, error) {
	return ReportCount(ctx, s.store, userID, since)
}

// ReportCount is Service.ReportCount for callers that hold only a store.
func ReportCount(ctx context.Context, store dm.Store, userID string, since time.Time) (int, error) {
	var n int
	err := store.View(ctx, func(tx dm.Tx) error {
		var err error
		n, err = tx.CountReports(ctx, userID, since)
		return err
	})
	return n, err
}

// notFound is what a non-operator hears from every operator route.
var notFound = dm.Errorf(dm.ENOTFOUND, "Not found.")

// IsOperator reports whether an account moderates this server.
func IsOperator(acc *dm.Account) bool {
	return acc != nil && acc.Role == dm.RoleOperator && !acc.Suspended
}

// ReportView is a report with its people, for the queue.
type ReportView struct {
	dm.Report
	Reporter dm.Profile
	Subject  dm.Account
	// Reports is how many distinct people reported the subject (ever).
	Reports int
}

func (s *Service) view(ctx context.Context, tx dm.Tx, r dm.Report, people map[string]*dm.Account) (ReportView, error) {
	get := func(id string) (*dm.Account, error) {
		if a, ok := people[id]; ok {
			return a, nil
		}
		a, err := tx.Account(ctx, id)
		if err != nil {
			return nil, err
		}
		people[id] = a
		return a, nil
	}
	rep, err := get(r.ReporterID)
	if err != nil {
		return ReportView{}, err
	}
	sub, err := get(r.SubjectID)
	if err != nil {
		return ReportView{}, err
	}
	n, err := tx.CountReports(ctx, r.SubjectID, time.Unix(0, 0))
	if err != nil {
		return ReportView{}, err
	}
	return ReportView{Report: r, Reporter: rep.Profile(), Subject: *sub, Reports: n}, nil
}

// Queue lists reports with a status (open by default), oldest first.
func (s *Service) Queue(ctx context.Context, op *dm.Account, status, cursor string, limit int) ([]ReportView, string, error) {
	if !IsOperator(op) {
		return nil, "", notFound
	}
	switch status {
	case "":
		status = dm.ReportOpen
	case dm.ReportOpen, dm.ReportClosed:
	default:
		return nil, "", dm.Errorf(dm.EINVALID, "status is open or closed.")
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	var out []ReportView
	var next string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		rs, n, err := tx.Reports(ctx, status, cursor, limit)
		if err != nil {
			return err
		}
		next = n
		people := map[string]*dm.Account{}
		out = make([]ReportView, 0, len(rs))
		for _, r := range rs {
			v, err := s.view(ctx, tx, r, people)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, next, err
}

// GetReport returns one report.
func (s *Service) GetReport(ctx context.Context, op *dm.Account, id string) (*ReportView, error) {
	if !IsOperator(op) {
		return nil, notFound
	}
	var out ReportView
	err := s.store.View(ctx, func(tx dm.Tx) error {
		r, err := tx.Report(ctx, id)
		if err != nil {
			return err
		}
		out, err = s.view(ctx, tx, *r, map[string]*dm.Account{})
		return err
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.ENOTFOUND, "No report with that id.")
	}
	return &out, err
}

// CloseReport closes an open report with a resolution note.
func (s *Service) CloseReport(ctx context.Context, op *dm.Account, id, resolution string) error {
	if !IsOperator(op) {
		return notFound
	}
	resolution = strings.TrimSpace(resolution)
	if err := dm.ValidateField("resolution", resolution, MaxReasonRunes, true, true); err != nil {
		return err
	}
	return s.store.Update(ctx, func(tx dm.Tx) error {
		r, err := tx.Report(ctx, id)
		if err != nil {
			return err
		}
		at := s.clock()
		if err := tx.ResolveReport(ctx, id, op.ID, resolution, at); err != nil {
			return dm.Errorf(dm.ECONFLICT, "The report is already closed.")
		}
		return tx.AddModerationLog(ctx, &dm.ModerationEntry{At: at, OperatorID: op.ID, Action: dm.ModClose, SubjectID: r.SubjectID, ReportID: id, Note: resolution})
	})
}

// Action is a moderator's action on an account.
type Action struct {
	Handle   string
	ReportID string // the report it answers, if any ("" otherwise)
	Note     string
}

// validate checks what an action keeps in the log with the rules of a
// report's reason: no NUL or other control character (PostgreSQL refuses
// a NUL in text; a log is read on terminals and in the moderation page).
//
// The note is trimmed first, and kept as checked: a leading or trailing
// control character that TrimSpace removes (\v, \f) was checked away but
// stored.
func (a *Action) validate() error {
	a.Note = strings.TrimSpace(a.Note)
	if err := dm.ValidateField("note", a.Note, MaxReasonRunes, true, true); err != nil {
		return err
	}
	return dm.ValidateField("report_id", a.ReportID, 128, true, false)
}

// Suspend suspends (on) or unsuspends an account: a suspended account's
// sessions end on every node, it cannot log in, its pending requests leave
// their recipients' folders, and its messages show as from a suspended
// account. op nil is the command line.
func (s *Service) Suspend(ctx context.Context, op *dm.Account, a Action, on bool) (*dm.Account, error) {
	opID, err := s.operatorID(op)
	if err != nil {
		return nil, err
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	acc, err := s.identity.AccountByHandle(ctx, a.Handle)
	if err != nil {
		return nil, err
	}
	if acc.ID == opID {
		return nil, dm.Errorf(dm.EINVALID, "You cannot suspend yourself.")
	}
	at := s.clock()
	action := dm.ModUnsuspend
	var when *time.Time
	if on {
		action, when = dm.ModSuspend, &at
	}
	err = s.chat.Update(ctx, func(tx dm.Tx, out chat.Outbox) error {
		if err := tx.SetSuspended(ctx, acc.ID, when); err != nil {
			return err
		}
		if on {
			hidden, err := tx.HideRequestsFrom(ctx, acc.ID)
			if err != nil {
				return err
			}
			for _, m := range hidden {
				// The recipient's apps drop the conversation, as after "delete for me".
				if err := out.Add(ctx, m.UserID, dm.Event{Type: dm.EventConversationDeleted, ConversationID: m.ConversationID, At: at}); err != nil {
					return err
				}
			}
		}
		return tx.AddModerationLog(ctx, &dm.ModerationEntry{At: at, OperatorID: opID, Action: action, SubjectID: acc.ID, ReportID: a.ReportID, Note: a.Note})
	})
	if err != nil {
		return nil, err
	}
	if on {
		if err := s.identity.EndAllSessions(ctx, acc.ID); err != nil {
			return nil, err
		}
	}
	acc.Suspended = on
	return acc, nil
}

// Verify marks a brand verified (on) or not.
func (s *Service) Verify(ctx context.Context, op *dm.Account, a Action, on bool) (*dm.Account, error) {
	opID, err := s.operatorID(op)
	if err != nil {
		return nil, err
	}
	if err := a.validate(); err != nil {
		return nil, err
	}
	acc, err := s.identity.AccountByHandle(ctx, a.Handle)
	if err != nil {
		return nil, err
	}
	if acc.Kind != dm.KindBrand {
		return nil, dm.Errorf(dm.EINVALID, "Only brands are verified; @%s is a person.", acc.Handle)
	}
	action := dm.ModUnverify
	if on {
		action = dm.ModVerify
	}
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		if err := tx.SetVerified(ctx, acc.ID, on); err != nil {
			return err
		}
		return tx.AddModerationLog(ctx, &dm.ModerationEntry{At: s.clock(), OperatorID: opID, Action: action, SubjectID: acc.ID, ReportID: a.ReportID, Note: a.Note})
	})
	if err != nil {
		return nil, err
	}
	acc.Verified = on
	return acc, nil
}

// SetOperator grants (on) or revokes the operator role; the command line's.
func (s *Service) SetOperator(ctx context.Context, handle string, on bool) (*dm.Account, error) {
	acc, err := s.identity.AccountByHandle(ctx, handle)
	if err != nil {
		return nil, err
	}
	role, action := "", dm.ModRevokeRole
	if on {
		role, action = dm.RoleOperator, dm.ModGrantRole
	}
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		if err := tx.SetRole(ctx, acc.ID, role); err != nil {
			return err
		}
		return tx.AddModerationLog(ctx, &dm.ModerationEntry{At: s.clock(), Action: action, SubjectID: acc.ID})
	})
	if err != nil {
		return nil, err
	}
	// Cached sessions carry the account: the role must apply at once.
	if err := s.identity.RefreshAccount(ctx, acc.ID); err != nil {
		return nil, err
	}
	acc.Role = role
	return acc, nil
}

// ResetLink issues a password reset token for an account and logs it (the
// command line's; op nil).
func (s *Service) ResetLink(ctx context.Context, handle string, ttl time.Duration) (string, time.Time, error) {
	token, expires, err := s.identity.IssueResetLink(ctx, handle, ttl)
	if err != nil {
		return "", time.Time{}, err
	}
	acc, err := s.identity.AccountByHandle(ctx, handle)
	if err != nil {
		return "", time.Time{}, err
	}
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		return tx.AddModerationLog(ctx, &dm.ModerationEntry{At: s.clock(), Action: dm.ModResetLink, SubjectID: acc.ID})
	})
	return token, expires, err
}

// LogEntry is a moderation log entry with its people.
type LogEntry struct {
	dm.ModerationEntry
	Operator *dm.Profile // nil: the command line
	Subject  dm.Profile
}

// Log pages the moderation log, newest first (before: an entry id, 0 for the newest).
func (s *Service) Log(ctx context.Context, op *dm.Account, before int64, limit int) ([]LogEntry, error) {
	if !IsOperator(op) {
		return nil, notFound
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	var out []LogEntry
	err := s.store.View(ctx, func(tx dm.Tx) error {
		es, err := tx.ModerationLog(ctx, before, limit)
		if err != nil {
			return err
		}
		people := map[string]dm.Profile{}
		get := func(id string) (dm.Profile, error) {
			if p, ok := people[id]; ok {
				return p, nil
			}
			a, err := tx.Account(ctx, id)
			if err != nil {
				return dm.Profile{}, err
			}
			people[id] = a.Profile()
			return people[id], nil
		}
		out = make([]LogEntry, 0, len(es))
		for _, e := range es {
			le := LogEntry{ModerationEntry: e}
			if le.Subject, err = get(e.SubjectID); err != nil {
				return err
			}
			if e.OperatorID != "" {
				p, err := get(e.OperatorID)
				if err != nil {
					return err
				}
				le.Operator = &p
			}
			out = append(out, le)
		}
		return nil
	})
	return out, err
}

func (s *Service) operatorID(op *dm.Account) (string, error) {
	if op == nil {
		return "", nil
	}
	if !IsOperator(op) {
		return "", notFound
	}
	return op.ID, nil
}
