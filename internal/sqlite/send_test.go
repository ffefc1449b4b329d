package sqlite

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// After PrepareSend, the send's three reads (client_id, members,
// relationship) answer as they would have read, without a statement; any
// statement in between makes them read again, so that a write (here the
// sender's membership, a follow) is seen.
func TestPrepareSend(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	a, b, c := account("alice"), account("bob"), account("carol")
	for _, x := range []*dm.Account{a, b, c} {
		createAccount(t, db, x)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	member := func(conv, user, role string) dm.Membership {
		return dm.Membership{ConversationID: conv, UserID: user, Role: role, Status: dm.StatusAccepted, JoinedAt: now}
	}
	direct := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: now, UpdatedAt: now}
	group := &dm.Conversation{ID: dm.NewID(), Kind: "group", Title: "g", CreatedAt: now, UpdatedAt: now}
	sent := &dm.Message{ID: dm.NewID(), ConversationID: direct.ID, Sender: a.Profile(), Text: "hi", CreatedAt: now}
	err := db.Update(ctx, func(d dm.Tx) error {
		if err := d.CreateConversation(ctx, direct, []dm.Membership{member(direct.ID, a.ID, dm.RoleMember), member(direct.ID, b.ID, dm.RoleMember)}); err != nil {
			return err
		}
		if err := d.CreateConversation(ctx, group, []dm.Membership{member(group.ID, a.ID, dm.RoleOwner), member(group.ID, b.ID, dm.RoleMember), member(group.ID, c.ID, dm.RoleMember)}); err != nil {
			return err
		}
		if err := d.SetFollow(ctx, b.ID, a.ID, true); err != nil {
			return err
		}
		return d.InsertMessage(ctx, sent, "used")
	})
	if err != nil {
		t.Fatal(err)
	}

	type reads struct {
		Members       []dm.Membership
		Rel           dm.Relationship
		Unused, Used  string // the error or message id MessageByClientID gives
		RelErr, MsErr error
	}
	read := func(d *tx, conv, other string) reads {
		t.Helper()
		var r reads
		r.Members, r.MsErr = d.Memberships(ctx, conv)
		r.Rel, r.RelErr = d.Relationship(ctx, a.ID, other)
		if _, err := d.MessageByClientID(ctx, a.ID, "unused"); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Errorf("MessageByClientID(unused) = %v, want not found", err)
		}
		m, err := d.MessageByClientID(ctx, a.ID, "used")
		if err != nil || m.ID != sent.ID {
			t.Errorf("MessageByClientID(used) = %v, %v; want %s", m, err, sent.ID)
		}
		return r
	}
	err = db.Update(ctx, func(dt dm.Tx) error {
		d := dt.(*tx)
		for _, conv := range []*dm.Conversation{direct, group} {
			other := b.ID
			want := read(d, conv.ID, other)
			if err := d.PrepareSend(ctx, a.ID, conv.ID, "unused"); err != nil {
				return err
			}
			ran := d.c.ran
			ms, err := d.Memberships(ctx, conv.ID)
			if err != nil || !reflect.DeepEqual(ms, want.Members) {
				t.Errorf("%s: prepared members %+v, %v; want %+v", conv.Kind, ms, err, want.Members)
			}
			if _, err := d.MessageByClientID(ctx, a.ID, "unused"); !dm.IsCode(err, dm.ENOTFOUND) {
				t.Errorf("%s: prepared MessageByClientID = %v, want not found", conv.Kind, err)
			}
			if conv == direct {
				if r, err := d.Relationship(ctx, a.ID, other); err != nil || r != want.Rel || !r.BFollowsA {
					t.Errorf("prepared relationship %+v, %v; want %+v (bob follows alice)", r, err, want.Rel)
				}
			}
			if d.c.ran != ran {
				t.Errorf("%s: the prepared reads ran %d statements", conv.Kind, d.c.ran-ran)
			}
			// A used client_id and another relationship read for themselves.
			if err := d.PrepareSend(ctx, a.ID, conv.ID, "used"); err != nil {
				return err
			}
			if got := read(d, conv.ID, other); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: after PrepareSend(used) %+v, want %+v", conv.Kind, got, want)
			}
		}

		// A statement in between: the writes are seen.
		if err := d.PrepareSend(ctx, a.ID, direct.ID, "unused"); err != nil {
			return err
		}
		m := member(direct.ID, a.ID, dm.RoleMember)
		m.LastReadSeq = 1
		if err := d.UpdateMembership(ctx, &m); err != nil {
			return err
		}
		if err := d.SetFollow(ctx, a.ID, b.ID, true); err != nil {
			return err
		}
		ms, err := d.Memberships(ctx, direct.ID)
		if err != nil || len(ms) != 2 || ms[0].LastReadSeq != 1 {
			t.Errorf("members after an update: %+v, %v; want alice's last_read_seq 1", ms, err)
		}
		if r, err := d.Relationship(ctx, a.ID, b.ID); err != nil || !r.AFollowsB {
			t.Errorf("relationship after a follow: %+v, %v; want alice follows bob", r, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
