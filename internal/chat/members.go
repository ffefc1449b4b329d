package chat

import (
	"context"

	"github.com/parleyhq/parley/internal/dm"
)

// AddMembers adds accounts to a group; only its owner may.
func (s *Service) AddMembers(ctx context.Context, me *dm.Account, id string, handles []string) (*dm.Conversation, error) {
	if len(handles) == 0 {
		return nil, dm.Errorf(dm.EINVALID, "members names at least one account.")
	}
	if len(handles) > dm.MaxGroupMembers {
		return nil, dm.Errorf(dm.EINVALID, "A group has at most %d members.", dm.MaxGroupMembers)
	}
	var c *dm.Conversation
	err := s.update(ctx, func(tx dm.Tx, o *outbox) error {
		// The members are read under the lock every change of them takes,
		// so that two adds racing for a group's last seats (on PostgreSQL,
		// where writes run side by side) cannot both count the members
		// before either added any.
		ms, err := tx.LockMemberships(ctx, id)
		if err != nil {
			return err
		}
		m := findMember(ms, me.ID)
		if m == nil {
			return notFoundConversation(id)
		}
		if c, err = tx.Conversation(ctx, id, me.ID); err != nil {
			return err
		}
		if c.Kind != dm.ConversationGroup {
			return dm.Errorf(dm.EINVALID, "Members can only be added to a group.")
		}
		if m.Role != dm.RoleOwner {
			return dm.Errorf(dm.EFORBIDDEN, "Only the group's owner adds members.")
		}
		cost, err := s.standing(ctx, tx, me)
		if err != nil {
			return err
		}
		if err := s.checkMemberChange(ctx, tx, me, cost); err != nil {
			return err
		}
		present := make(map[string]bool, len(ms))
		for _, x := range ms {
			present[x.UserID] = true
		}
		var added, strangers []*dm.Account
		for _, h := range handles {
			a, err := accountByHandle(ctx, tx, h)
			if err != nil {
				return err
			}
			if present[a.ID] {
				continue
			}
			present[a.ID] = true
			r, err := canAddToGroup(ctx, tx, me, a)
			if err != nil {
				return err
			}
			added = append(added, a)
			if incomingStatus(r) == dm.StatusRequest {
				strangers = append(strangers, a)
			}
			if len(ms)+len(added) > dm.MaxGroupMembers {
				return dm.Errorf(dm.EINVALID, "A group has at most %d members.", dm.MaxGroupMembers)
			}
			t := s.now()
			if err := tx.AddMembership(ctx, &dm.Membership{ConversationID: id, UserID: a.ID, Role: dm.RoleMember, Status: incomingStatus(r), JoinedAt: t}); err != nil {
				return err
			}
		}
		if err := s.checkRequests(ctx, tx, me, strangers, cost); err != nil {
			return err
		}
		// The newcomers' devices learn of the conversation, everyone else's
		// of each newcomer. Each member's view is built once, with all the
		// newcomers in it: this runs inside the write transaction.
		t := s.now()
		isNew := make(map[string]bool, len(added))
		for _, a := range added {
			isNew[a.ID] = true
		}
		all, err := tx.Memberships(ctx, id)
		if err != nil {
			return err
		}
		for _, x := range all {
			view, err := tx.Conversation(ctx, id, x.UserID)
			if err != nil {
				return err
			}
			if isNew[x.UserID] {
				if err := o.add(ctx, tx, x.UserID, dm.Event{Type: dm.EventConversationCreated, ConversationID: id, At: t, Conversation: view, Actor: ptr(me.Profile())}); err != nil {
					return err
				}
				continue
			}
			for _, a := range added {
				if err := o.add(ctx, tx, x.UserID, dm.Event{Type: dm.EventMemberAdded, ConversationID: id, At: t, Conversation: view, Actor: ptr(a.Profile())}); err != nil {
					return err
				}
			}
		}
		c, err = tx.Conversation(ctx, id, me.ID)
		return err
	})
	return c, err
}

// RemoveMember takes an account out of a group: the owner may remove anyone,
// a member only themself (leaving). When the owner leaves, the longest-standing
// member becomes the owner.
func (s *Service) RemoveMember(ctx context.Context, me *dm.Account, id, handle string) error {
	return s.update(ctx, func(tx dm.Tx, o *outbox) error {
		// Read under the members' lock: the owner leaving while the next
		// in line leaves too (on PostgreSQL, side by side) would otherwise
		// hand the role to a member already gone and leave the group
		// without an owner, which nobody could then manage and which,
		// down to two members, would pass for a direct conversation.
		ms, err := tx.LockMemberships(ctx, id)
		if err != nil {
			return err
		}
		m := findMember(ms, me.ID)
		if m == nil {
			return notFoundConversation(id)
		}
		c, err := tx.Conversation(ctx, id, me.ID)
		if err != nil {
			return err
		}
		if c.Kind != dm.ConversationGroup {
			return dm.Errorf(dm.EINVALID, "Nobody leaves a direct conversation; delete it instead.")
		}
		target, err := accountByHandle(ctx, tx, handle)
		if err != nil {
			return err
		}
		if target.ID != me.ID && m.Role != dm.RoleOwner {
			return dm.Errorf(dm.EFORBIDDEN, "Only the group's owner removes other members.")
		}
		tm := findMember(ms, target.ID)
		if tm == nil {
			return dm.Errorf(dm.ENOTFOUND, "@%s is not a member.", target.Handle)
		}
		if target.ID != me.ID {
			cost, err := s.standing(ctx, tx, me)
			if err != nil {
				return err
			}
			if err := s.checkMemberChange(ctx, tx, me, cost); err != nil {
				return err
			}
		} else if tm.Status != dm.StatusAccepted {
			// Leaving a group one never accepted declines it.
			if err := s.strikeInviter(ctx, tx, me, id); err != nil {
				return err
			}
		}
		t := s.now()
		if err := tx.RemoveMembership(ctx, id, target.ID); err != nil {
			return err
		}
		// The one removed hears of it without the conversation, which they
		// may no longer see.
		if err := o.add(ctx, tx, target.ID, dm.Event{Type: dm.EventMemberRemoved, ConversationID: id, At: t, Actor: ptr(target.Profile())}); err != nil {
			return err
		}
		if tm.Role == dm.RoleOwner {
			for _, x := range ms {
				if x.UserID == target.ID {
					continue
				}
				x.Role = dm.RoleOwner
				if err := tx.UpdateMembership(ctx, &x); err != nil {
					return err
				}
				break
			}
		}
		rest := make([]string, 0, len(ms))
		for _, y := range ms {
			if y.UserID != target.ID {
				rest = append(rest, y.UserID)
			}
		}
		return o.addConversation(ctx, tx, dm.EventMemberRemoved, id, ptr(target.Profile()), t, rest...)
	})
}
