package brand

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// InboxQuery selects conversations of a brand's inbox.
type InboxQuery struct {
	// View is "all" (default), "mine" (assigned to the caller) or "unassigned".
	View string
	// Status, Label and Assignee (a handle) filter; Q is a prefix of the
	// customer's handle or display name.
	Status, Label, Assignee, Q string
	Cursor                     string
	Limit                      int
}

// Inbox lists a brand's conversations, most recent message first.
func (s *Service) Inbox(ctx context.Context, me *dm.Account, handle string, q InboxQuery) ([]dm.InboxView, string, error) {
	f := dm.InboxFilter{Status: q.Status, Label: q.Label, Cursor: q.Cursor, Limit: q.Limit, Now: s.now()}
	switch q.Status {
	case "", dm.InboxOpen, dm.InboxPending, dm.InboxSnoozed, dm.InboxResolved:
	default:
		return nil, "", dm.Errorf(dm.EINVALID, "status is open, pending, snoozed or resolved.")
	}
	if q.Label != "" {
		l, err := normalizeLabel(q.Label)
		if err != nil {
			return nil, "", err
		}
		f.Label = l
	}
	f.Query = strings.TrimPrefix(strings.TrimSpace(q.Q), "@")
	if err := dm.ValidateQuery(f.Query); err != nil {
		return nil, "", err
	}
	if len(f.Cursor) > 200 {
		return nil, "", dm.Errorf(dm.EINVALID, "Bad cursor.")
	}
	out := []dm.InboxView{}
	var next string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.access(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		switch q.View {
		case "", "all":
		case "mine":
			f.Assignee = me.ID
		case "unassigned":
			f.Unassigned = true
		default:
			return dm.Errorf(dm.EINVALID, "view is all, mine or unassigned.")
		}
		if q.Assignee != "" && (q.View == "" || q.View == "all") {
			acc, _, err := teamMemberByHandle(ctx, tx, a.brand.ID, q.Assignee)
			if err != nil {
				return err
			}
			f.Assignee = acc.ID
		}
		items, n, err := tx.Inbox(ctx, a.brand.ID, f)
		if err != nil {
			return err
		}
		next = n
		for i := range items {
			v, err := s.step.view(ctx, tx, a.brand, &items[i], nil)
			if err != nil {
				return err
			}
			out = append(out, *v)
		}
		return nil
	})
	return out, next, err
}

// TeamMessage is a message of a brand conversation as the team sees it:
// with the agent who wrote it.
type TeamMessage struct {
	dm.Message
	// Author is the team member who wrote an outbound message; nil for the
	// customer's messages and for the brand account's or a bot's.
	Author *dm.Profile
}

// Detail is one brand conversation for the team.
type Detail struct {
	Inbox *dm.InboxView
	Notes []dm.Note
	// Messages are the newest messages, newest first.
	Messages []TeamMessage
}

// itemFor returns the inbox item of one of the brand's conversations, or
// the same 404 a stranger gets.
func itemFor(ctx context.Context, tx dm.Tx, brandID, convID string) (*dm.InboxItem, error) {
	it, err := tx.InboxItem(ctx, convID)
	if dm.IsCode(err, dm.ENOTFOUND) || (err == nil && it.BrandID != brandID) {
		return nil, dm.Errorf(dm.ENOTFOUND, "No conversation %q in this inbox.", dm.Truncate(convID, 40))
	}
	return it, err
}

// accessItem checks that me is on the brand's team and that convID is one of
// the brand's conversations: every per-conversation action starts here.
func (s *Service) accessItem(ctx context.Context, tx dm.Tx, me *dm.Account, handle, convID string) (*access, *dm.InboxItem, error) {
	a, err := s.access(ctx, tx, me, handle)
	if err != nil {
		return nil, nil, err
	}
	it, err := itemFor(ctx, tx, a.brand.ID, convID)
	if err != nil {
		return nil, nil, err
	}
	return a, it, nil
}

// Conversation returns a brand conversation's inbox state, notes and
// latest messages (with authors) for a team member.
func (s *Service) Conversation(ctx context.Context, me *dm.Account, handle, convID string, limit int) (*Detail, error) {
	if limit <= 0 {
		limit = 50
	}
	var d Detail
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		if d.Inbox, err = s.step.view(ctx, tx, a.brand, it, nil); err != nil {
			return err
		}
		if d.Notes, err = tx.Notes(ctx, a.brand.ID, convID); err != nil {
			return err
		}
		msgs, err := tx.Messages(ctx, convID, a.brand.ID, 0, limit)
		if err != nil {
			return err
		}
		// The bot's buttons, as the customer saw them; the attribution
		// records read for them also name each message's agent.
		recs, err := s.step.decorate(ctx, tx, msgs)
		if err != nil {
			return err
		}
		d.Messages, err = teamMessages(ctx, tx, msgs, recs)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

// teamMessages gives decorated messages their authors, from the
// attribution records (by message id) that decorate read.
func teamMessages(ctx context.Context, tx dm.Tx, msgs []dm.Message, byID map[string]*dm.BrandMessage) ([]TeamMessage, error) {
	authors := map[string]*dm.Profile{}
	out := make([]TeamMessage, len(msgs))
	for i, m := range msgs {
		out[i].Message = m
		r := byID[m.ID]
		if r == nil || r.AgentID == "" {
			continue
		}
		p, ok := authors[r.AgentID]
		if !ok {
			acc, err := tx.Account(ctx, r.AgentID)
			if err != nil {
				return nil, err
			}
			p = ptr(acc.Profile())
			authors[r.AgentID] = p
		}
		out[i].Author = p
	}
	return out, nil
}

// InboxUpdate changes a conversation's inbox state; nil fields stay.
type InboxUpdate struct {
	Status       *string
	SnoozedUntil *time.Time
	// Assignee is a team member's handle, or "" to unassign.
	Assignee *string
	Labels   *[]string
	Priority *string
}

const (
	maxLabels     = 20
	maxLabelBytes = 32
)

// normalizeLabel lower-cases a label and checks it: 1-32 of a-z, 0-9, _ and -.
func normalizeLabel(l string) (string, error) {
	l = strings.ToLower(strings.TrimSpace(l))
	if l == "" || len(l) > maxLabelBytes {
		return "", dm.Errorf(dm.EINVALID, "A label has 1 to %d characters.", maxLabelBytes)
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return "", dm.Errorf(dm.EINVALID, "A label may only use a-z, 0-9, _ and -.")
		}
	}
	return l, nil
}

func validPriority(p string) bool {
	switch p {
	case dm.PriorityNone, dm.PriorityLow, dm.PriorityMedium, dm.PriorityHigh, dm.PriorityUrgent:
		return true
	}
	return false
}

// UpdateConversation applies u to a brand conversation (any team member)
// and tells the team. Resolving closes the current thread; a later
// customer message opens a new one.
func (s *Service) UpdateConversation(ctx context.Context, me *dm.Account, handle, convID string, u InboxUpdate) (*dm.InboxView, error) {
	var labels []string
	if u.Labels != nil {
		if len(*u.Labels) > maxLabels {
			return nil, dm.Errorf(dm.EINVALID, "At most %d labels.", maxLabels)
		}
		labels = []string{}
		for _, l := range *u.Labels {
			n, err := normalizeLabel(l)
			if err != nil {
				return nil, err
			}
			if !slices.Contains(labels, n) {
				labels = append(labels, n)
			}
		}
	}
	if u.Priority != nil && !validPriority(*u.Priority) {
		return nil, dm.Errorf(dm.EINVALID, "priority is none, low, medium, high or urgent.")
	}
	t := s.now()
	if u.Status != nil {
		switch *u.Status {
		case dm.InboxOpen, dm.InboxPending, dm.InboxResolved:
			if u.SnoozedUntil != nil {
				return nil, dm.Errorf(dm.EINVALID, "snoozed_until goes with status snoozed.")
			}
		case dm.InboxSnoozed:
			if u.SnoozedUntil == nil || !u.SnoozedUntil.After(t) {
				return nil, dm.Errorf(dm.EINVALID, "Snoozing needs snoozed_until, a time in the future.")
			}
		default:
			return nil, dm.Errorf(dm.EINVALID, "status is open, pending, snoozed or resolved.")
		}
	} else if u.SnoozedUntil != nil {
		return nil, dm.Errorf(dm.EINVALID, "snoozed_until goes with status snoozed.")
	}
	var out *dm.InboxView
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		old, oldAssignee := it.Status, it.AssigneeID
		var th *dm.Thread
		if it.ThreadID != "" {
			if th, err = tx.Thread(ctx, it.ThreadID); err != nil {
				return err
			}
		}
		if u.Assignee != nil {
			it.AssigneeID = ""
			if *u.Assignee != "" {
				acc, _, err := teamMemberByHandle(ctx, tx, a.brand.ID, *u.Assignee)
				if err != nil {
					return err
				}
				it.AssigneeID = acc.ID
			}
			if th != nil && th.ResolvedAt == nil {
				th.AssigneeID = it.AssigneeID
			}
		}
		if u.Labels != nil {
			it.Labels = labels
		}
		if u.Priority != nil {
			it.Priority = *u.Priority
		}
		if u.Status != nil {
			it.Status, it.SnoozedUntil = *u.Status, nil
			if *u.Status == dm.InboxSnoozed {
				until := u.SnoozedUntil.UTC().Truncate(time.Millisecond)
				it.SnoozedUntil = &until
			}
			if th != nil {
				switch {
				case *u.Status == dm.InboxResolved && th.ResolvedAt == nil:
					th.ResolvedAt, th.ResolverID = &t, me.ID
				case *u.Status != dm.InboxResolved && th.ResolvedAt != nil:
					// Reopened by hand: the same thread goes on.
					th.ResolvedAt, th.ResolverID = nil, ""
				}
			}
		}
		it.UpdatedAt = t
		if th != nil {
			if err := tx.PutThread(ctx, th); err != nil {
				return err
			}
		}
		if u.Status != nil && *u.Status == dm.InboxResolved && old != dm.InboxResolved {
			if err := s.step.resolved(ctx, tx, ob, a.brand, it); err != nil {
				return err
			}
			if err := s.step.Changed(ctx, tx, ob, InboxChange{Type: dm.WebhookConversationResolved, Brand: a.brand, Item: it, Actor: me, At: t}); err != nil {
				return err
			}
		}
		if it.AssigneeID != "" && it.AssigneeID != oldAssignee {
			if err := s.step.Changed(ctx, tx, ob, InboxChange{Type: dm.WebhookConversationAssigned, Brand: a.brand, Item: it, Actor: me, At: t}); err != nil {
				return err
			}
		}
		if err := tx.PutInboxItem(ctx, it); err != nil {
			return err
		}
		if out, err = s.step.view(ctx, tx, a.brand, it, nil); err != nil {
			return err
		}
		return tellTeam(ctx, tx, ob, a.brand.ID, dm.Event{Type: dm.EventInboxUpdated, ConversationID: convID, At: t,
			Brand: a.brand.Handle, Actor: ptr(me.Profile()), Inbox: out})
	})
	return out, err
}

// AddNote adds a private note to a brand conversation and tells the team.
// Notes live only in the brand's tables and the team's events.
func (s *Service) AddNote(ctx context.Context, me *dm.Account, handle, convID, text string) (*dm.Note, error) {
	if err := dm.ValidateText(text); err != nil {
		return nil, err
	}
	var n *dm.Note
	err := s.chat.Update(ctx, func(tx dm.Tx, ob chat.Outbox) error {
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		n = &dm.Note{ID: dm.NewID(), BrandID: a.brand.ID, ConversationID: convID, Author: me.Profile(), Text: text, CreatedAt: s.now()}
		if err := tx.AddNote(ctx, n); err != nil {
			return err
		}
		v, err := s.step.view(ctx, tx, a.brand, it, nil)
		if err != nil {
			return err
		}
		return tellTeam(ctx, tx, ob, a.brand.ID, dm.Event{Type: dm.EventInboxNote, ConversationID: convID, At: n.CreatedAt,
			Brand: a.brand.Handle, Actor: ptr(me.Profile()), Note: n, Inbox: v})
	})
	return n, err
}

// Reply is a message a team member sends as the brand.
type Reply struct {
	Text string
	// CannedReplyID renders a canned reply for the customer; Text must then
	// be empty.
	CannedReplyID string
	ClientID      string
}

// prepareReply checks access and renders the text of a reply; it returns
// the brand and the agent (nil when the brand account itself writes).
func (s *Service) prepareReply(ctx context.Context, me *dm.Account, handle, convID string, r Reply) (b, agent *dm.Account, text, agentName string, err error) {
	if err := dm.ValidateClientID(r.ClientID); err != nil {
		return nil, nil, "", "", err
	}
	if (r.Text == "") == (r.CannedReplyID == "") {
		return nil, nil, "", "", dm.Errorf(dm.EINVALID, "Send text or canned_reply_id (one of them).")
	}
	err = s.store.View(ctx, func(tx dm.Tx) error {
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		b, agent, text = a.brand, a.agent(), r.Text
		set, err := loadSettings(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		if set.ShowAgentName && agent != nil {
			agentName = firstName(agent.DisplayName)
		}
		if r.CannedReplyID == "" {
			return nil
		}
		c, err := tx.CannedReply(ctx, a.brand.ID, r.CannedReplyID)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No canned reply %q.", dm.Truncate(r.CannedReplyID, 40))
		}
		if err != nil {
			return err
		}
		cust, err := tx.Account(ctx, it.CustomerID)
		if err != nil {
			return err
		}
		tpl, err := ParseTemplate(c.Text)
		if err != nil {
			return err
		}
		text = tpl.Render(templateVars(cust, a.brand, agent))
		return nil
	})
	return b, agent, text, agentName, err
}

// Render returns the text a canned reply gives for this conversation's
// customer and the caller, for the console to show before sending.
func (s *Service) Render(ctx context.Context, me *dm.Account, handle, convID, cannedID string) (string, error) {
	if cannedID == "" {
		return "", dm.Errorf(dm.EINVALID, "canned_reply_id is required.")
	}
	_, _, text, _, err := s.prepareReply(ctx, me, handle, convID, Reply{CannedReplyID: cannedID})
	return text, err
}

// Send sends a message as the brand, written by the caller: through
// chat.Send with the brand as sender (so every rule of the spine applies and
// the customer sees the brand), with the caller recorded as the author.
func (s *Service) Send(ctx context.Context, me *dm.Account, handle, convID string, r Reply) (*TeamMessage, bool, error) {
	b, agent, text, agentName, err := s.prepareReply(ctx, me, handle, convID, r)
	if err != nil {
		return nil, false, err
	}
	clientID := r.ClientID
	if agent != nil && clientID != "" {
		// Agents share the brand as sender, and client ids are unique per
		// sender: scope each agent's ids so that two agents' "k1" are two
		// messages, while an agent's retry still finds their first send.
		sum := sha256.Sum256([]byte(agent.ID + "\x00" + clientID))
		clientID = "agent-" + hex.EncodeToString(sum[:16])
	}
	msg, created, err := s.chat.Send(ctx, b, convID, chat.SendParams{Text: text, ClientID: clientID, Agent: agent, AgentName: agentName})
	if err != nil {
		return nil, false, err
	}
	out := &TeamMessage{Message: *msg}
	if agent != nil {
		out.Author = ptr(agent.Profile())
	}
	return out, created, nil
}

// Presence states a team member can announce on a brand conversation.
const (
	PresenceViewing = "viewing"
	PresenceTyping  = "typing"
	PresenceLeft    = "left"
)

// Presence tells the other team members that the caller is viewing, typing
// in, or has left a brand conversation, so two agents do not answer the same
// customer at once. Like typing, it is ephemeral: bus only, no log.
func (s *Service) Presence(ctx context.Context, me *dm.Account, handle, convID, state string) error {
	switch state {
	case PresenceViewing, PresenceTyping, PresenceLeft:
	default:
		return dm.Errorf(dm.EINVALID, "state is viewing, typing or left.")
	}
	var ns []dm.Notification
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, _, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		ids, err := teamRecipients(ctx, tx, a.brand.ID)
		if err != nil {
			return err
		}
		ev := dm.Event{Type: dm.EventInboxPresence, ConversationID: convID, At: s.now(), Brand: a.brand.Handle, Actor: ptr(me.Profile()), State: state}
		for _, id := range ids {
			if id != me.ID {
				ns = append(ns, dm.Notification{UserID: id, Events: []dm.Event{ev}})
			}
		}
		return nil
	})
	if err != nil || len(ns) == 0 {
		return err
	}
	// Checked after access, so an outsider's answer never depends on it.
	if !s.chat.AllowNotice("presence/" + me.ID + "/" + convID + "/" + state) {
		return nil
	}
	return s.bus.Publish(ctx, ns...)
}
