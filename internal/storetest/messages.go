package storetest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// messageTests check dm.MessageTx: messages, client ids, paging, edits, deletes and reactions.
var messageTests = []test{
	{"Messages", testMessages},
	{"ClientID", testClientID},
	{"MessagePaging", testMessagePaging},
	{"EditAndDelete", testEditAndDelete},
	{"Reactions", testReactions},
}

func testMessages(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c1 := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	c2 := newConversation(t, s, dm.ConversationGroup, at(0), owner(a), accepted(b))
	var sent []*dm.Message
	for i := range 3 {
		for _, c := range []*dm.Conversation{c1, c2} {
			m := send(t, s, c.ID, a, fmt.Sprintf("m%d", i), at(i+1))
			if m.Seq != int64(i+1) {
				t.Errorf("message %d of %s has seq %d", i+1, c.ID, m.Seq)
			}
			sent = append(sent, m)
		}
	}
	reply := &dm.Message{ID: dm.NewID(), ConversationID: c1.ID, Sender: b.Profile(), Text: "re: m0\nwith a second line",
		ReplyTo: sent[0].ID, CreatedAt: at(9)}
	update(t, s, func(tx dm.Tx) error { return tx.InsertMessage(ctx, reply, "") })
	if reply.Seq != 4 {
		t.Errorf("reply seq = %d, want 4", reply.Seq)
	}
	got := getMessage(t, s, reply.ID, a)
	if got.ID != reply.ID || got.ConversationID != c1.ID || got.Seq != 4 || got.Text != reply.Text ||
		got.ReplyTo != sent[0].ID || got.Sender != b.Profile() || got.Deleted || got.EditedAt != nil {
		t.Errorf("Message = %+v, want %+v", got, reply)
	}
	if got.Reactions == nil || len(got.Reactions) != 0 {
		t.Errorf("Reactions of a message without any = %#v, want an empty, non-nil slice", got.Reactions)
	}
	wantUTC(t, "Message.CreatedAt", got.CreatedAt, at(9))
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.Message(ctx, dm.NewID(), a.ID)
		wantCode(t, "Message(unknown)", err, dm.ENOTFOUND)
		return nil
	})
	for _, op := range []func(tx dm.Tx) error{
		func(tx dm.Tx) error { return tx.UpdateMessage(ctx, &dm.Message{ID: dm.NewID(), Text: "x"}) },
		func(tx dm.Tx) error { return tx.HideMessage(ctx, dm.NewID(), a.ID) },
		func(tx dm.Tx) error { _, err := tx.SetReaction(ctx, dm.NewID(), a.ID, "👍", true); return err },
	} {
		wantCode(t, "change of an unknown message", s.Update(ctx, op), dm.ENOTFOUND)
	}

	// Hiding is for one viewer only.
	update(t, s, func(tx dm.Tx) error { return tx.HideMessage(ctx, sent[2].ID, b.ID) })
	update(t, s, func(tx dm.Tx) error { return tx.HideMessage(ctx, sent[2].ID, b.ID) }) // idempotent
	if got := seqs(listMessages(t, s, c1.ID, b, 0, 10)); !slices.Equal(got, []int64{4, 3, 1}) {
		t.Errorf("b's messages after hiding seq 2 = %v, want [4 3 1]", got)
	}
	page := listMessages(t, s, c1.ID, a, 0, 10)
	if got := seqs(page); !slices.Equal(got, []int64{4, 3, 2, 1}) {
		t.Errorf("a's messages = %v, want [4 3 2 1]", got)
	}
	// Each message of a page has its own sender's profile (two here).
	for _, m := range page {
		want := a.Profile()
		if m.Seq == 4 {
			want = b.Profile()
		}
		if m.Sender != want {
			t.Errorf("sender of seq %d = %+v, want %+v", m.Seq, m.Sender, want)
		}
	}
}

func testClientID(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	m := &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: a.Profile(), Text: "once", CreatedAt: at(1)}
	update(t, s, func(tx dm.Tx) error { return tx.InsertMessage(ctx, m, "client-1") })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.MessageByClientID(ctx, a.ID, "client-1")
		if err != nil || got.ID != m.ID || got.Text != "once" || got.Seq != 1 {
			t.Errorf("MessageByClientID = %+v, %v; want %s", got, err, m.ID)
		}
		_, err = tx.MessageByClientID(ctx, b.ID, "client-1")
		wantCode(t, "MessageByClientID(other sender)", err, dm.ENOTFOUND)
		_, err = tx.MessageByClientID(ctx, a.ID, "client-2")
		wantCode(t, "MessageByClientID(other client id)", err, dm.ENOTFOUND)
		return nil
	})
	again := &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: a.Profile(), Text: "twice", CreatedAt: at(2)}
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.InsertMessage(ctx, again, "client-1") })
	wantCode(t, "InsertMessage(same sender and client id)", err, dm.ECONFLICT)
	// Another sender may use the same client id; seqs stay gap-free.
	other := &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: b.Profile(), Text: "mine", CreatedAt: at(3)}
	update(t, s, func(tx dm.Tx) error { return tx.InsertMessage(ctx, other, "client-1") })
	if other.Seq != 2 {
		t.Errorf("seq after a refused duplicate = %d, want 2", other.Seq)
	}
	if got := seqs(listMessages(t, s, c.ID, a, 0, 10)); !slices.Equal(got, []int64{2, 1}) {
		t.Errorf("messages = %v, want [2 1]", got)
	}
}

func testMessagePaging(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	var msgs []*dm.Message
	update(t, s, func(tx dm.Tx) error {
		for i := range 120 {
			from := a
			if i%3 == 0 {
				from = b
			}
			m := &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: from.Profile(), Text: fmt.Sprint(i + 1), CreatedAt: at(i)}
			if err := tx.InsertMessage(ctx, m, ""); err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		return nil
	})
	for i, m := range msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("message %d has seq %d", i+1, m.Seq)
		}
	}
	page := func(v *dm.Account, before int64, limit int) []int64 {
		return seqs(listMessages(t, s, c.ID, v, before, limit))
	}
	if got := page(a, 0, 50); !slices.Equal(got, seqRange(120, 71)) {
		t.Errorf("first page = %v", got)
	}
	if got := page(a, 71, 50); !slices.Equal(got, seqRange(70, 21)) {
		t.Errorf("second page = %v", got)
	}
	if got := page(a, 21, 50); !slices.Equal(got, seqRange(20, 1)) {
		t.Errorf("last page = %v", got)
	}
	if got := page(a, 1, 50); len(got) != 0 {
		t.Errorf("page before seq 1 = %v, want empty", got)
	}
	ms := listMessages(t, s, c.ID, a, 3, 1)
	if len(ms) != 1 || ms[0].ID != msgs[1].ID || ms[0].Text != "2" || ms[0].Sender != a.Profile() || ms[0].Reactions == nil {
		t.Errorf("page (before 3, limit 1) = %+v, want message 2", ms)
	}

	// Hidden and cleared messages are left out for that viewer only.
	update(t, s, func(tx dm.Tx) error {
		for _, i := range []int{99, 100, 101} {
			if err := tx.HideMessage(ctx, msgs[i-1].ID, b.ID); err != nil {
				return err
			}
		}
		return nil
	})
	changeMembership(t, s, c.ID, b, func(m *dm.Membership) { m.ClearedSeq = 10 })
	var all []int64
	for before := int64(0); ; {
		p := page(b, before, 30)
		if len(p) == 0 {
			break
		}
		all = append(all, p...)
		before = p[len(p)-1]
	}
	var want []int64
	for s := int64(120); s > 10; s-- {
		if s < 99 || s > 101 {
			want = append(want, s)
		}
	}
	if !slices.Equal(all, want) {
		t.Errorf("b's pages = %v, want %v", all, want)
	}
	if got := page(a, 0, 200); !slices.Equal(got, seqRange(120, 1)) {
		t.Errorf("a's messages changed by b's hide and clear: %v", got)
	}
	// GoneMessages: cleared (seq 1), hidden (seq 99) and unknown ids are
	// gone for b; for a only the unknown one is.
	unknown := dm.NewID()
	ids := []string{msgs[0].ID, msgs[98].ID, msgs[50].ID, unknown}
	view(t, s, func(tx dm.Tx) error {
		for _, tc := range []struct {
			who  *dm.Account
			want map[string]bool
		}{
			{b, map[string]bool{msgs[0].ID: true, msgs[98].ID: true, unknown: true}},
			{a, map[string]bool{unknown: true}},
		} {
			got, err := tx.GoneMessages(ctx, tc.who.ID, ids)
			if err != nil || !maps.Equal(got, tc.want) {
				t.Errorf("GoneMessages for %s = %v, %v; want %v", tc.who.Handle, got, err, tc.want)
			}
		}
		if got, err := tx.GoneMessages(ctx, a.ID, nil); err != nil || len(got) != 0 {
			t.Errorf("GoneMessages of no ids = %v, %v", got, err)
		}
		return nil
	})
}

func testEditAndDelete(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	m := send(t, s, c.ID, a, "helo", at(1))
	edited := at(2)
	update(t, s, func(tx dm.Tx) error {
		m.Text, m.EditedAt = "hello", &edited
		return tx.UpdateMessage(ctx, m)
	})
	got := getMessage(t, s, m.ID, b)
	if got.Text != "hello" || got.EditedAt == nil || got.Deleted {
		t.Fatalf("after edit: %+v", got)
	}
	wantUTC(t, "EditedAt", *got.EditedAt, edited)

	update(t, s, func(tx dm.Tx) error {
		for _, u := range []*dm.Account{a, b} {
			if _, err := tx.SetReaction(ctx, m.ID, u.ID, "👍", true); err != nil {
				return err
			}
		}
		return nil
	})
	if got := getMessage(t, s, m.ID, b); len(got.Reactions) != 1 || got.Reactions[0].Count != 2 {
		t.Fatalf("reactions before delete = %+v", got.Reactions)
	}
	update(t, s, func(tx dm.Tx) error {
		m.Text, m.Deleted = "", true
		return tx.UpdateMessage(ctx, m)
	})
	got = getMessage(t, s, m.ID, b)
	if !got.Deleted || got.Text != "" || got.Seq != 1 {
		t.Errorf("after delete for everyone: %+v", got)
	}
	if got.Reactions == nil || len(got.Reactions) != 0 {
		t.Errorf("reactions of a deleted message = %#v, want []", got.Reactions)
	}
	// A deleted message keeps its place.
	if ms := listMessages(t, s, c.ID, a, 0, 10); len(ms) != 1 || !ms[0].Deleted || len(ms[0].Reactions) != 0 {
		t.Errorf("messages after delete = %+v", ms)
	}
	view(t, s, func(tx dm.Tx) error {
		if got, err := tx.GoneMessages(ctx, b.ID, []string{m.ID}); err != nil || !got[m.ID] {
			t.Errorf("GoneMessages after a delete for everyone = %v, %v", got, err)
		}
		return nil
	})
	// And stays deleted: an edit decided on an older read does not bring
	// it back, a reaction does not land on it; removing one is a no-op.
	stale := *m
	stale.Text, stale.Deleted, stale.EditedAt = "back?", false, &edited
	wantCode(t, "UpdateMessage of a deleted message", s.Update(ctx, func(tx dm.Tx) error { return tx.UpdateMessage(ctx, &stale) }), dm.ECONFLICT)
	wantCode(t, "SetReaction on a deleted message", s.Update(ctx, func(tx dm.Tx) error {
		_, err := tx.SetReaction(ctx, m.ID, b.ID, "🎉", true)
		return err
	}), dm.ECONFLICT)
	update(t, s, func(tx dm.Tx) error {
		changed, err := tx.SetReaction(ctx, m.ID, b.ID, "👍", false)
		if err == nil && changed {
			t.Error("removing a reaction the delete took: changed")
		}
		return err
	})
	if got := getMessage(t, s, m.ID, b); !got.Deleted || got.Text != "" || len(got.Reactions) != 0 {
		t.Errorf("after a stale edit and a reaction: %+v", got)
	}
}

func testReactions(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol")
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(a), accepted(b), accepted(c))
	m := send(t, s, conv.ID, a, "react to me", at(1))
	other := send(t, s, conv.ID, a, "not me", at(2))
	react := func(u *dm.Account, emoji string, on, wantChanged bool) {
		t.Helper()
		update(t, s, func(tx dm.Tx) error {
			changed, err := tx.SetReaction(ctx, m.ID, u.ID, emoji, on)
			if err == nil && changed != wantChanged {
				t.Errorf("SetReaction(%s, %s, %v) changed = %v, want %v", u.Handle, emoji, on, changed, wantChanged)
			}
			return err
		})
	}
	// "❤️" sorts before "👍" as a string, and is also used first: both
	// allowed orders (first use, or emoji) agree.
	react(a, "❤️", true, true)
	react(a, "❤️", true, false)
	react(b, "👍", true, true)
	react(a, "👍", true, true)
	react(c, "👍", true, true)
	react(c, "👍", false, true)
	react(c, "👍", false, false)

	want := map[*dm.Account][]dm.Reaction{
		a: {{Emoji: "❤️", Count: 1, Me: true}, {Emoji: "👍", Count: 2, Me: true}},
		b: {{Emoji: "❤️", Count: 1, Me: false}, {Emoji: "👍", Count: 2, Me: true}},
		c: {{Emoji: "❤️", Count: 1, Me: false}, {Emoji: "👍", Count: 2, Me: false}},
	}
	for u, w := range want {
		if got := getMessage(t, s, m.ID, u).Reactions; !slices.Equal(got, w) {
			t.Errorf("Message reactions for %s = %+v, want %+v", u.Handle, got, w)
		}
		ms := listMessages(t, s, conv.ID, u, 0, 10)
		if len(ms) != 2 || ms[1].ID != m.ID || !slices.Equal(ms[1].Reactions, w) {
			t.Errorf("Messages reactions for %s = %+v, want %+v", u.Handle, ms, w)
		} else if ms[0].ID != other.ID || ms[0].Reactions == nil || len(ms[0].Reactions) != 0 {
			t.Errorf("reactions leaked to another message: %#v", ms[0].Reactions)
		}
	}
	react(a, "❤️", false, true)
	if got := getMessage(t, s, m.ID, a).Reactions; !slices.Equal(got, []dm.Reaction{{Emoji: "👍", Count: 2, Me: true}}) {
		t.Errorf("reactions after a removed ❤️ = %+v", got)
	}
}
