package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// memberTests check dm.MemberTx: members and their own state.
var memberTests = []test{
	{"Members", testMembers},
	{"LockMemberships", testLockMemberships},
}

func testMembers(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c, d := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol"), newAccount(t, s, "dave")
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(b), accepted(a))
	update(t, s, func(tx dm.Tx) error {
		for _, u := range []*dm.Account{d, c} {
			if err := tx.AddMembership(ctx, &dm.Membership{ConversationID: conv.ID, UserID: u.ID, Role: dm.RoleMember,
				Status: dm.StatusRequest, JoinedAt: at(1)}); err != nil {
				return err
			}
		}
		return nil
	})
	memberIDs := func() []string {
		var out []string
		view(t, s, func(tx dm.Tx) error {
			ms, err := tx.Memberships(ctx, conv.ID)
			for _, m := range ms {
				out = append(out, m.UserID)
			}
			return err
		})
		return out
	}
	if got, want := memberIDs(), []string{b.ID, a.ID, d.ID, c.ID}; !slices.Equal(got, want) {
		t.Errorf("Memberships = %v, want join order %v", got, want)
	}
	m := getMembership(t, s, conv.ID, d)
	if m.Role != dm.RoleMember || m.Status != dm.StatusRequest || m.UserID != d.ID || m.ConversationID != conv.ID {
		t.Errorf("Membership(d) = %+v", m)
	}
	wantUTC(t, "JoinedAt", m.JoinedAt, at(1))
	err := s.Update(ctx, func(tx dm.Tx) error {
		return tx.AddMembership(ctx, &dm.Membership{ConversationID: conv.ID, UserID: a.ID, Role: dm.RoleMember,
			Status: dm.StatusAccepted, JoinedAt: at(2)})
	})
	wantCode(t, "AddMembership(already a member)", err, dm.ECONFLICT)

	changeMembership(t, s, conv.ID, d, func(m *dm.Membership) {
		m.Status, m.Muted, m.Archived, m.LastReadSeq, m.ClearedSeq = dm.StatusAccepted, true, true, 7, 5
		m.Role = dm.RoleOwner
	})
	m = getMembership(t, s, conv.ID, d)
	if m.Status != dm.StatusAccepted || !m.Muted || !m.Archived || m.LastReadSeq != 7 || m.ClearedSeq != 5 || m.Role != dm.RoleOwner {
		t.Errorf("Membership after UpdateMembership = %+v", m)
	}
	if got := memberIDs(); got[2] != d.ID {
		t.Errorf("UpdateMembership moved d in the join order: %v", got)
	}

	update(t, s, func(tx dm.Tx) error { return tx.RemoveMembership(ctx, conv.ID, a.ID) })
	if got, want := memberIDs(), []string{b.ID, d.ID, c.ID}; !slices.Equal(got, want) {
		t.Errorf("Memberships after removing a = %v, want %v", got, want)
	}
	if got := getConversation(t, s, conv.ID, b); len(got.Members) != 3 || got.Members[1].ID != d.ID {
		t.Errorf("Conversation members after removing a = %+v", got.Members)
	}
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.Membership(ctx, conv.ID, a.ID)
		wantCode(t, "Membership(removed)", err, dm.ENOTFOUND)
		_, err = tx.Conversation(ctx, conv.ID, a.ID)
		wantCode(t, "Conversation(removed member)", err, dm.ENOTFOUND)
		return nil
	})
	err = s.Update(ctx, func(tx dm.Tx) error {
		return tx.UpdateMembership(ctx, &dm.Membership{ConversationID: conv.ID, UserID: a.ID, Status: dm.StatusAccepted})
	})
	wantCode(t, "UpdateMembership(not a member)", err, dm.ENOTFOUND)

	// Rejoining puts a at the end of the join order.
	update(t, s, func(tx dm.Tx) error {
		return tx.AddMembership(ctx, &dm.Membership{ConversationID: conv.ID, UserID: a.ID, Role: dm.RoleMember,
			Status: dm.StatusAccepted, JoinedAt: at(3)})
	})
	if got, want := memberIDs(), []string{b.ID, d.ID, c.ID, a.ID}; !slices.Equal(got, want) {
		t.Errorf("Memberships after a rejoined = %v, want %v", got, want)
	}
}

// testLockMemberships: the member list a write reads with LockMemberships
// stays true until it commits. A second write that locks the members while
// the first holds them (and is about to remove one) reads the list only
// once the first has committed, so it never decides from a member who is
// gone: on a store whose writes run side by side, two owners' adds racing
// for a group's last seat, or two members leaving at once, depend on it.
func testLockMemberships(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol")
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(a), accepted(b), accepted(c))
	ids := func(ms []dm.Membership) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.UserID)
		}
		return out
	}
	view(t, s, func(tx dm.Tx) error {
		ms, err := tx.LockMemberships(ctx, conv.ID)
		if got, want := ids(ms), []string{a.ID, b.ID, c.ID}; err == nil && !slices.Equal(got, want) {
			t.Errorf("LockMemberships in a read = %v, want join order %v", got, want)
		}
		return err
	})
	update(t, s, func(tx dm.Tx) error {
		ms, err := tx.LockMemberships(ctx, "no-such-conversation")
		if err == nil && len(ms) != 0 {
			t.Errorf("LockMemberships(unknown) = %v, want none", ms)
		}
		return err
	})

	locked := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- s.Update(ctx, func(tx dm.Tx) error {
			if _, err := tx.LockMemberships(ctx, conv.ID); err != nil {
				return err
			}
			close(locked)
			// Long enough for the second write to reach its lock.
			time.Sleep(150 * time.Millisecond)
			return tx.RemoveMembership(ctx, conv.ID, b.ID)
		})
	}()
	<-locked
	var seen []string
	update(t, s, func(tx dm.Tx) error {
		ms, err := tx.LockMemberships(ctx, conv.ID)
		seen = ids(ms)
		return err
	})
	if err := <-first; err != nil {
		t.Fatalf("the first write: %v", err)
	}
	if want := []string{a.ID, c.ID}; !slices.Equal(seen, want) {
		t.Errorf("a write that locked the members while another removed bob read %v, want %v (read after the removal committed)", seen, want)
	}
}
