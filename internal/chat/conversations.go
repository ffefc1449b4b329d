package chat

import (
	"context"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

// CreateConversation opens the direct conversation between me and one other
// handle (get-or-create: created is false when it already existed), or a new
// group with two or more others.
func (s *Service) CreateConversation(ctx context.Context, me *dm.Account, handles []string, title string) (conv *dm.Conversation, created bool, err error) {
	title = strings.TrimSpace(title)
	if err := dm.ValidateTitle(title); err != nil {
		return nil, false, err
	}
	others := make([]string, 0, len(handles))
	seen := map[string]bool{me.Handle: true}
	for _, h := range handles {
		h = dm.NormalizeHandle(h)
		if !seen[h] {
			seen[h] = true
			others = append(others, h)
		}
	}
	switch {
	case len(others) == 0:
		return nil, false, dm.Errorf(dm.EINVALID, "members names at least one other account.")
	case len(others)+1 > dm.MaxGroupMembers:
		return nil, false, dm.Errorf(dm.EINVALID, "A group has at most %d members.", dm.MaxGroupMembers)
	}
	err = s.update(ctx, func(tx dm.Tx, o *outbox) error {
		accs := make([]*dm.Account, len(others))
		for i, h := range others {
			a, err := accountByHandle(ctx, tx, h)
			if err != nil {
				return err
			}
			accs[i] = a
		}
		if len(accs) == 1 {
			conv, created, err = s.openDirect(ctx, tx, o, me, accs[0], true)
			return err
		}
		conv, err = s.createGroup(ctx, tx, o, me, accs, title)
		created = err == nil
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return conv, created, nil
}

// openDirect gets or creates the direct conversation of me and to. With
// view false it returns the conversation's ID only, without reading it as
// me sees it (SendDirect needs no more).
func (s *Service) openDirect(ctx context.Context, tx dm.Tx, o *outbox, me, to *dm.Account, view bool) (*dm.Conversation, bool, error) {
	r, err := tx.Relationship(ctx, me.ID, to.ID)
	if err != nil {
		return nil, false, err
	}
	id, err := tx.DirectConversationID(ctx, me.ID, to.ID)
	if err == nil {
		if r.Blocked() {
			return nil, false, canStartDirect(ctx, tx, me, to, r)
		}
		m, err := tx.Membership(ctx, id, to.ID)
		if err != nil {
			return nil, false, err
		}
		if m.Status != dm.StatusAccepted {
			if err := canStartDirect(ctx, tx, me, to, r); err != nil {
				return nil, false, err
			}
		}
		if !view {
			return &dm.Conversation{ID: id}, false, nil
		}
		c, err := tx.Conversation(ctx, id, me.ID)
		return c, false, err
	}
	if !dm.IsCode(err, dm.ENOTFOUND) {
		return nil, false, err
	}
	if err := canStartDirect(ctx, tx, me, to, r); err != nil {
		return nil, false, err
	}
	if incomingStatus(r) == dm.StatusRequest {
		cost, err := s.standing(ctx, tx, me)
		if err != nil {
			return nil, false, err
		}
		if err := s.checkRequests(ctx, tx, me, []*dm.Account{to}, cost); err != nil {
			return nil, false, err
		}
	}
	t := s.now()
	c := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: t, UpdatedAt: t}
	ms := []dm.Membership{
		{ConversationID: c.ID, UserID: me.ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: t},
		{ConversationID: c.ID, UserID: to.ID, Role: dm.RoleMember, Status: incomingStatus(r), JoinedAt: t},
	}
	if err := tx.CreateConversation(ctx, c, ms); err != nil {
		return nil, false, err
	}
	// Only the caller's devices hear of it now: to the other person an
	// empty conversation does not exist yet (it is in none of their lists),
	// and their first news of it is the first message.
	if err := o.addConversation(ctx, tx, dm.EventConversationCreated, c.ID, ptr(me.Profile()), t, me.ID); err != nil {
		return nil, false, err
	}
	if !view {
		return c, true, nil
	}
	v, err := tx.Conversation(ctx, c.ID, me.ID)
	return v, true, err
}

// incomingStatus is where a conversation started by A lands for B, given r
// from A to B: B's inbox when B follows A, B's Requests otherwise.
func incomingStatus(r dm.Relationship) string {
	if r.BFollowsA {
		return dm.StatusAccepted
	}
	return dm.StatusRequest
}

// canAddToGroup applies the rules for putting to in a group made by me.
func canAddToGroup(ctx context.Context, tx dm.Tx, me, to *dm.Account) (dm.Relationship, error) {
	r, err := tx.Relationship(ctx, me.ID, to.ID)
	if err != nil {
		return r, err
	}
	if err := canStartDirect(ctx, tx, me, to, r); err != nil {
		return r, dm.Errorf(dm.EFORBIDDEN, "@%s can't be added: %s", to.Handle, dm.ErrorMessage(err))
	}
	return r, nil
}

func (s *Service) createGroup(ctx context.Context, tx dm.Tx, o *outbox, me *dm.Account, others []*dm.Account, title string) (*dm.Conversation, error) {
	t := s.now()
	c := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationGroup, Title: title, CreatedAt: t, UpdatedAt: t}
	ms := []dm.Membership{{ConversationID: c.ID, UserID: me.ID, Role: dm.RoleOwner, Status: dm.StatusAccepted, JoinedAt: t}}
	var strangers []*dm.Account
	for _, a := range others {
		r, err := canAddToGroup(ctx, tx, me, a)
		if err != nil {
			return nil, err
		}
		ms = append(ms, dm.Membership{ConversationID: c.ID, UserID: a.ID, Role: dm.RoleMember, Status: incomingStatus(r), JoinedAt: t})
		if incomingStatus(r) == dm.StatusRequest {
			strangers = append(strangers, a)
		}
	}
	cost, err := s.standing(ctx, tx, me)
	if err != nil {
		return nil, err
	}
	if err := s.checkGroupCreate(ctx, tx, me, cost); err != nil {
		return nil, err
	}
	if err := s.checkRequests(ctx, tx, me, strangers, cost); err != nil {
		return nil, err
	}
	if err := tx.CreateConversation(ctx, c, ms); err != nil {
		return nil, err
	}
	if err := o.addConversation(ctx, tx, dm.EventConversationCreated, c.ID, ptr(me.Profile()), t, memberIDs(ms)...); err != nil {
		return nil, err
	}
	return tx.Conversation(ctx, c.ID, me.ID)
}

func ptr[T any](v T) *T { return &v }

// Conversations lists the caller's conversations in a folder.
func (s *Service) Conversations(ctx context.Context, me *dm.Account, folder, cursor string, limit int) ([]dm.Conversation, string, error) {
	out, next, _, err := s.ConversationsPage(ctx, me, folder, cursor, limit)
	return out, next, err
}

// FolderCounts counts the caller's unread inbox conversations and requests
// (dm.FolderCounts), for badges that are right however few of the lists a
// client loaded; directOnly leaves groups out.
func (s *Service) FolderCounts(ctx context.Context, me *dm.Account, directOnly bool) (*dm.FolderCounts, error) {
	var out *dm.FolderCounts
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		out, err = tx.FolderCounts(ctx, me.ID, directOnly)
		return err
	})
	return out, err
}

// ConversationsPage is Conversations with, for a first page, the slot
// where the caller keeps its encoding while the page stays unchanged (see
// Encoded); nil for other pages.
func (s *Service) ConversationsPage(ctx context.Context, me *dm.Account, folder, cursor string, limit int) ([]dm.Conversation, string, *Encoded, error) {
	switch folder {
	case "":
		folder = dm.FolderInbox
	case dm.FolderInbox, dm.FolderRequests, dm.FolderArchived:
	default:
		return nil, "", nil, dm.Errorf(dm.EINVALID, "folder is inbox, requests or archived.")
	}
	if cursor == "" {
		key := pageKey{userID: me.ID, folder: folder, limit: limit}
		if p, ok := peekKept(s, &s.pages, me.ID, key); ok {
			return p.items, p.next, p.enc, nil
		}
		return keptRead(ctx, s, &s.pages, me.ID, key, func(tx dm.Tx) ([]dm.Conversation, string, error) {
			return tx.Conversations(ctx, me.ID, folder, "", limit)
		})
	}
	var out []dm.Conversation
	var next string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		out, next, err = tx.Conversations(ctx, me.ID, folder, cursor, limit)
		return err
	})
	if err != nil {
		return nil, "", nil, err
	}
	if out == nil {
		out = []dm.Conversation{}
	}
	return out, next, nil, nil
}

// Conversation returns one of the caller's conversations (ENOTFOUND to non-members).
func (s *Service) Conversation(ctx context.Context, me *dm.Account, id string) (*dm.Conversation, error) {
	var c *dm.Conversation
	err := s.store.View(ctx, func(tx dm.Tx) error {
		var err error
		c, err = conversationFor(ctx, tx, id, me.ID)
		return err
	})
	return c, err
}

// conversationFor is tx.Conversation with the message a stranger gets.
func conversationFor(ctx context.Context, tx dm.Tx, id, userID string) (*dm.Conversation, error) {
	c, err := tx.Conversation(ctx, id, userID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, notFoundConversation(id)
	}
	return c, err
}

// membershipFor returns the caller's membership, or the same 404 a
// stranger gets for any conversation: to them it does not exist.
func membershipFor(ctx context.Context, tx dm.Tx, id, userID string) (*dm.Membership, error) {
	m, err := tx.Membership(ctx, id, userID)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, notFoundConversation(id)
	}
	return m, err
}

func notFoundConversation(id string) error {
	return dm.Errorf(dm.ENOTFOUND, "No conversation %q.", dm.Truncate(id, 40))
}

// ConversationUpdate holds the fields of PATCH /conversations/{id}.
type ConversationUpdate struct {
	Muted    *bool
	Archived *bool
	Title    *string
}

// UpdateConversation changes the caller's own muted/archived state, or a group's title.
func (s *Service) UpdateConversation(ctx context.Context, me *dm.Account, id string, u ConversationUpdate) (*dm.Conversation, error) {
	if u.Title != nil {
		t := strings.TrimSpace(*u.Title)
		if err := dm.ValidateTitle(t); err != nil {
			return nil, err
		}
		u.Title = &t
	}
	var c *dm.Conversation
	err := s.update(ctx, func(tx dm.Tx, o *outbox) error {
		m, err := membershipFor(ctx, tx, id, me.ID)
		if err != nil {
			return err
		}
		t := s.now()
		if u.Title != nil {
			if c, err = tx.Conversation(ctx, id, me.ID); err != nil {
				return err
			}
			if c.Kind != dm.ConversationGroup {
				return dm.Errorf(dm.EINVALID, "Only a group has a title.")
			}
			if c.Title != *u.Title {
				cost, err := s.standing(ctx, tx, me)
				if err != nil {
					return err
				}
				if err := s.checkEdit(me, "title/"+id, cost); err != nil {
					return err
				}
				if err := tx.SetTitle(ctx, id, *u.Title, t); err != nil {
					return err
				}
				ms, err := tx.Memberships(ctx, id)
				if err != nil {
					return err
				}
				if err := o.addConversation(ctx, tx, dm.EventConversationUpdated, id, ptr(me.Profile()), t, memberIDs(ms)...); err != nil {
					return err
				}
			}
		}
		if (u.Muted != nil && *u.Muted != m.Muted) || (u.Archived != nil && *u.Archived != m.Archived) {
			if u.Muted != nil {
				m.Muted = *u.Muted
			}
			if u.Archived != nil {
				m.Archived = *u.Archived
			}
			if err := tx.UpdateMembership(ctx, m); err != nil {
				return err
			}
			// Muting and archiving are private: only the caller's devices hear of it.
			if err := o.addConversation(ctx, tx, dm.EventConversationUpdated, id, ptr(me.Profile()), t, me.ID); err != nil {
				return err
			}
		}
		c, err = tx.Conversation(ctx, id, me.ID)
		return err
	})
	return c, err
}

// Accept moves a request into the caller's inbox.
func (s *Service) Accept(ctx context.Context, me *dm.Account, id string) (*dm.Conversation, error) {
	var c *dm.Conversation
	err := s.update(ctx, func(tx dm.Tx, o *outbox) error {
		m, err := membershipFor(ctx, tx, id, me.ID)
		if err != nil {
			return err
		}
		if m.Status != dm.StatusAccepted {
			if err := s.accept(ctx, tx, o, me, m); err != nil {
				return err
			}
		}
		c, err = tx.Conversation(ctx, id, me.ID)
		return err
	})
	return c, err
}

// accept marks m accepted and tells every member (the sender learns that
// read receipts and the inbox now apply).
func (s *Service) accept(ctx context.Context, tx dm.Tx, o *outbox, me *dm.Account, m *dm.Membership) error {
	m.Status = dm.StatusAccepted
	if err := tx.UpdateMembership(ctx, m); err != nil {
		return err
	}
	ms, err := tx.Memberships(ctx, m.ConversationID)
	if err != nil {
		return err
	}
	return o.addConversation(ctx, tx, dm.EventConversationAccepted, m.ConversationID, ptr(me.Profile()), s.now(), memberIDs(ms)...)
}

// Delete deletes a conversation for the caller only: its history up to now is
// cleared for them and it leaves their folders until a newer message arrives.
func (s *Service) DeleteConversation(ctx context.Context, me *dm.Account, id string) error {
	return s.update(ctx, func(tx dm.Tx, o *outbox) error {
		m, err := membershipFor(ctx, tx, id, me.ID)
		if err != nil {
			return err
		}
		c, err := tx.Conversation(ctx, id, me.ID)
		if err != nil {
			return err
		}
		if m.Status != dm.StatusAccepted {
			// Deleting a request unanswered declines it.
			if err := s.strikeInviter(ctx, tx, me, id); err != nil {
				return err
			}
		}
		if c.LastMessage != nil && c.LastMessage.Seq > m.ClearedSeq {
			m.ClearedSeq = c.LastMessage.Seq
		}
		if m.LastReadSeq < m.ClearedSeq {
			m.LastReadSeq = m.ClearedSeq
		}
		if err := tx.UpdateMembership(ctx, m); err != nil {
			return err
		}
		return o.add(ctx, tx, me.ID, dm.Event{Type: dm.EventConversationDeleted, ConversationID: id, At: s.now()})
	})
}

// MarkRead moves the caller's read marker to a message (default: the newest).
// It never moves backwards. Other members hear of it only when both they and
// the caller allow read receipts and the caller has accepted the conversation.
func (s *Service) MarkRead(ctx context.Context, me *dm.Account, id, messageID string) error {
	return s.update(ctx, func(tx dm.Tx, o *outbox) error {
		m, err := membershipFor(ctx, tx, id, me.ID)
		if err != nil {
			return err
		}
		var seq int64
		if messageID != "" {
			msg, err := tx.Message(ctx, messageID, me.ID)
			if err != nil || msg.ConversationID != id {
				if err != nil && !dm.IsCode(err, dm.ENOTFOUND) {
					return err
				}
				return dm.Errorf(dm.ENOTFOUND, "message_id names no message of this conversation.")
			}
			seq = msg.Seq
		} else {
			c, err := tx.Conversation(ctx, id, me.ID)
			if err != nil {
				return err
			}
			if c.LastMessage != nil {
				seq = c.LastMessage.Seq
			}
		}
		if seq <= m.LastReadSeq {
			return nil
		}
		m.LastReadSeq = seq
		if err := tx.UpdateMembership(ctx, m); err != nil {
			return err
		}
		for _, r := range s.readers {
			if err := r.ReadMoved(ctx, tx, me, m); err != nil {
				return err
			}
		}
		return s.readUpdated(ctx, tx, o, me, m, false)
	})
}

// ReadMarkers returns how far the other members of conversation id have
// read, as their read.updated events would have told the caller (see
// readUpdated): only members who allow read receipts and have accepted the
// conversation, only when the caller allows them too, and in a direct
// conversation nothing while a block stands between the two. A device that
// was offline, or a new one, shows "Seen" from these as one that was online
// heard it live.
func (s *Service) ReadMarkers(ctx context.Context, me *dm.Account, id string) ([]dm.ReadMarker, error) {
	out := []dm.ReadMarker{}
	err := s.store.View(ctx, func(tx dm.Tx) error {
		if _, err := membershipFor(ctx, tx, id, me.ID); err != nil {
			return err
		}
		mine, err := tx.Settings(ctx, me.ID)
		if err != nil || !mine.ReadReceipts {
			return err
		}
		ms, err := tx.Memberships(ctx, id)
		if err != nil {
			return err
		}
		direct := isDirect(ms)
		for _, m := range ms {
			if m.UserID == me.ID || m.Status != dm.StatusAccepted || m.LastReadSeq == 0 {
				continue
			}
			if shown, err := receiptShared(ctx, tx, me, m.UserID, direct); err != nil {
				return err
			} else if shown {
				out = append(out, dm.ReadMarker{UserID: m.UserID, ReadSeq: m.LastReadSeq})
			}
		}
		return nil
	})
	return out, err
}

// readUpdated tells the caller's devices that m.LastReadSeq moved, and the
// other members too when both sides allow read receipts, the caller has
// accepted the conversation and, in a direct one, no block stands between
// the two. sent tells that a send moved the marker.
func (s *Service) readUpdated(ctx context.Context, tx dm.Tx, o *outbox, me *dm.Account, m *dm.Membership, sent bool) error {
	ev := dm.Event{Type: dm.EventReadUpdated, ConversationID: m.ConversationID, At: s.now(), Actor: ptr(me.Profile()), ReadSeq: m.LastReadSeq}
	if err := o.add(ctx, tx, me.ID, ev); err != nil {
		return err
	}
	if m.Status != dm.StatusAccepted {
		return nil
	}
	mine, err := tx.Settings(ctx, me.ID)
	if err != nil || !mine.ReadReceipts {
		return err
	}
	ms, err := tx.Memberships(ctx, m.ConversationID)
	if err != nil {
		return err
	}
	// A send there has just been allowed, which a block would have
	// refused (checkSend): no block to look for.
	blockMatters := !sent && isDirect(ms)
	for _, other := range ms {
		if other.UserID == me.ID {
			continue
		}
		shown, err := receiptShared(ctx, tx, me, other.UserID, blockMatters)
		if err != nil {
			return err
		}
		if !shown {
			continue
		}
		if err := o.add(ctx, tx, other.UserID, ev); err != nil {
			return err
		}
	}
	return nil
}

// receiptShared tells whether a read receipt passes between me (whose own
// read_receipts setting the caller has checked) and otherID: the other
// allows read receipts too and, when blockMatters (a direct conversation),
// no block stands between the two, since a block freezes a direct
// conversation in both directions, as it hides typing. readUpdated (the
// live events) and ReadMarkers (a conversation's GET) share this rule.
func receiptShared(ctx context.Context, tx dm.Tx, me *dm.Account, otherID string, blockMatters bool) (bool, error) {
	set, err := tx.Settings(ctx, otherID)
	if err != nil || !set.ReadReceipts {
		return false, err
	}
	if !blockMatters {
		return true, nil
	}
	blocked, err := blockedWith(ctx, tx, me, otherID)
	return !blocked, err
}

// strikeInviter records that me declined a request in conversation id: a
// strike against whoever put me there (the other person of a direct
// conversation, a group's owner).
func (s *Service) strikeInviter(ctx context.Context, tx dm.Tx, me *dm.Account, id string) error {
	ms, err := tx.Memberships(ctx, id)
	if err != nil {
		return err
	}
	direct := isDirect(ms)
	for _, x := range ms {
		if x.UserID != me.ID && (direct || x.Role == dm.RoleOwner) {
			if err := s.Strike(ctx, tx, x.UserID, me.ID, dm.StrikeDeclined); err != nil {
				return err
			}
		}
	}
	return nil
}
