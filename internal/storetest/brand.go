package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
)

// brandTests check dm.BrandTx.
var brandTests = []test{
	{"Brand", testBrand},
}

// testBrand covers dm.BrandTx: the team, settings, inbox items with their
// filters and paging, threads, notes, canned replies and attribution.
func testBrand(t *testing.T, s dm.Store) {
	ctx := context.Background()
	brand := newAccount(t, s, "acme")
	bob := newAccount(t, s, "bob")
	carol := newAccount(t, s, "carol")
	dan := newAccount(t, s, "dan")
	erin := newAccount(t, s, "erin")

	t.Run("Team", func(t *testing.T) {
		update(t, s, func(tx dm.Tx) error {
			if err := tx.PutTeamMember(ctx, &dm.TeamMember{BrandID: brand.ID, UserID: bob.ID, Role: dm.TeamAgent, Available: true, AddedAt: at(1)}); err != nil {
				return err
			}
			if err := tx.PutTeamMember(ctx, &dm.TeamMember{BrandID: brand.ID, UserID: carol.ID, Role: dm.TeamAdmin, AddedAt: at(2)}); err != nil {
				return err
			}
			// A second put updates role and availability, not the order.
			return tx.PutTeamMember(ctx, &dm.TeamMember{BrandID: brand.ID, UserID: bob.ID, Role: dm.TeamAdmin, Available: false, AddedAt: at(9)})
		})
		view(t, s, func(tx dm.Tx) error {
			ms, err := tx.TeamMembers(ctx, brand.ID)
			if err != nil {
				return err
			}
			if len(ms) != 2 || ms[0].UserID != bob.ID || ms[0].Role != dm.TeamAdmin || ms[0].Available || ms[1].UserID != carol.ID {
				t.Errorf("TeamMembers = %+v", ms)
			}
			wantUTC(t, "added_at", ms[0].AddedAt, at(1))
			m, err := tx.TeamMember(ctx, brand.ID, carol.ID)
			if err != nil || m.Role != dm.TeamAdmin {
				t.Errorf("TeamMember = %+v, %v", m, err)
			}
			_, err = tx.TeamMember(ctx, brand.ID, dan.ID)
			wantCode(t, "TeamMember of a stranger", err, dm.ENOTFOUND)
			bs, err := tx.MemberBrands(ctx, bob.ID)
			if err != nil || len(bs) != 1 || bs[0].BrandID != brand.ID {
				t.Errorf("MemberBrands = %+v, %v", bs, err)
			}
			return nil
		})
		update(t, s, func(tx dm.Tx) error {
			if err := tx.DeleteTeamMember(ctx, brand.ID, carol.ID); err != nil {
				return err
			}
			wantCode(t, "delete twice", tx.DeleteTeamMember(ctx, brand.ID, carol.ID), dm.ENOTFOUND)
			return nil
		})
		view(t, s, func(tx dm.Tx) error {
			_, err := tx.TeamMember(ctx, brand.ID, carol.ID)
			wantCode(t, "TeamMember after delete", err, dm.ENOTFOUND)
			return nil
		})
	})

	t.Run("Settings", func(t *testing.T) {
		view(t, s, func(tx dm.Tx) error {
			_, err := tx.BrandSettings(ctx, brand.ID)
			wantCode(t, "BrandSettings before any", err, dm.ENOTFOUND)
			return nil
		})
		want := dm.BrandSettings{BrandID: brand.ID, TimeZone: "Europe/Paris", HoursEnabled: true,
			Hours: []dm.OpenSpan{{Day: 1, Open: 540, Close: 1080}}, AwayMessage: "Back soon", ShowAgentName: true,
			AutoAssign: true, RoundRobinLast: bob.ID, UpdatedAt: at(3)}
		update(t, s, func(tx dm.Tx) error {
			if err := tx.LockBrand(ctx, brand.ID); err != nil {
				return err
			}
			first := want
			first.TimeZone = "UTC"
			if err := tx.PutBrandSettings(ctx, &first); err != nil {
				return err
			}
			return tx.PutBrandSettings(ctx, &want)
		})
		view(t, s, func(tx dm.Tx) error {
			got, err := tx.BrandSettings(ctx, brand.ID)
			if err != nil {
				return err
			}
			if got.TimeZone != want.TimeZone || !got.HoursEnabled || !slices.Equal(got.Hours, want.Hours) || got.AwayMessage != want.AwayMessage ||
				!got.ShowAgentName || !got.AutoAssign || got.RoundRobinLast != bob.ID {
				t.Errorf("BrandSettings = %+v, want %+v", got, want)
			}
			wantUTC(t, "settings updated_at", got.UpdatedAt, at(3))
			return nil
		})
	})

	// Three conversations: dan (labels vip, at 10), erin (at 20, assigned to
	// bob), carol (resolved, at 30).
	convs := map[string]*dm.Conversation{}
	items := map[string]*dm.InboxItem{}
	for i, c := range []*dm.Account{dan, erin, carol} {
		conv := newConversation(t, s, dm.ConversationDirect, at(i), accepted(c), accepted(brand))
		convs[c.Handle] = conv
		it := &dm.InboxItem{ConversationID: conv.ID, BrandID: brand.ID, CustomerID: c.ID, Status: dm.InboxOpen,
			Labels: []string{}, Priority: dm.PriorityNone, ThreadID: "th-" + c.Handle,
			LastMessageAt: at(10 * (i + 1)), CreatedAt: at(i), UpdatedAt: at(i)}
		items[c.Handle] = it
	}
	items["dan"].Labels = []string{"vip", "shipping"}
	w := at(10)
	items["dan"].WaitingSince = &w
	items["erin"].AssigneeID = bob.ID
	items["carol"].Status = dm.InboxResolved

	t.Run("Inbox", func(t *testing.T) {
		update(t, s, func(tx dm.Tx) error {
			for _, it := range items {
				if err := tx.PutInboxItem(ctx, it); err != nil {
					return err
				}
			}
			// Replacing the labels drops the old ones from the filter.
			items["dan"].Labels = []string{"vip", "returns"}
			return tx.PutInboxItem(ctx, items["dan"])
		})
		list := func(f dm.InboxFilter) []string {
			t.Helper()
			var out []string
			view(t, s, func(tx dm.Tx) error {
				f.Now = at(100)
				got, _, err := tx.Inbox(ctx, brand.ID, f)
				for _, it := range got {
					out = append(out, it.CustomerID)
				}
				return err
			})
			return out
		}
		names := func(as ...*dm.Account) []string {
			var out []string
			for _, a := range as {
				out = append(out, a.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    dm.InboxFilter
			want []string
		}{
			{"all", dm.InboxFilter{}, names(carol, erin, dan)},
			{"open", dm.InboxFilter{Status: dm.InboxOpen}, names(erin, dan)},
			{"resolved", dm.InboxFilter{Status: dm.InboxResolved}, names(carol)},
			{"assignee", dm.InboxFilter{Assignee: bob.ID}, names(erin)},
			{"unassigned", dm.InboxFilter{Unassigned: true}, names(carol, dan)},
			{"label", dm.InboxFilter{Label: "vip"}, names(dan)},
			{"old label", dm.InboxFilter{Label: "shipping"}, nil},
			{"query handle", dm.InboxFilter{Query: "er"}, names(erin)},
			{"query name", dm.InboxFilter{Query: "name of d"}, names(dan)},
			{"query wildcard", dm.InboxFilter{Query: "%"}, nil},
		} {
			if got := list(tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}
		// Paging: one at a time, newest first, no repeats.
		var seen []string
		cursor := ""
		for range 4 {
			var next string
			view(t, s, func(tx dm.Tx) error {
				got, n, err := tx.Inbox(ctx, brand.ID, dm.InboxFilter{Limit: 1, Cursor: cursor, Now: at(100)})
				for _, it := range got {
					seen = append(seen, it.CustomerID)
				}
				next = n
				return err
			})
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(seen, names(carol, erin, dan)) {
			t.Errorf("paging: %v", seen)
		}
		// A snooze that has expired counts as open.
		until := at(50)
		items["carol"].Status, items["carol"].SnoozedUntil = dm.InboxSnoozed, &until
		update(t, s, func(tx dm.Tx) error { return tx.PutInboxItem(ctx, items["carol"]) })
		if got := list(dm.InboxFilter{Status: dm.InboxOpen}); !slices.Equal(got, names(carol, erin, dan)) {
			t.Errorf("open with an expired snooze: %v", got)
		}
		if got := list(dm.InboxFilter{Status: dm.InboxSnoozed}); got != nil {
			t.Errorf("snoozed after it expired: %v", got)
		}
		view(t, s, func(tx dm.Tx) error {
			got, err := tx.InboxItem(ctx, convs["dan"].ID)
			if err != nil {
				return err
			}
			if !slices.Equal(got.Labels, []string{"vip", "returns"}) || got.WaitingSince == nil || got.ThreadID != "th-dan" {
				t.Errorf("InboxItem = %+v", got)
			}
			wantUTC(t, "waiting_since", *got.WaitingSince, at(10))
			wantUTC(t, "last_message_at", got.LastMessageAt, at(10))
			_, err = tx.InboxItem(ctx, "nope")
			wantCode(t, "InboxItem of nothing", err, dm.ENOTFOUND)
			return nil
		})
	})

	t.Run("Threads", func(t *testing.T) {
		r := at(60)
		ths := []dm.Thread{
			{ID: "t1", BrandID: brand.ID, ConversationID: convs["dan"].ID, OpenedAt: at(10)},
			{ID: "t2", BrandID: brand.ID, ConversationID: convs["erin"].ID, OpenedAt: at(-100), ResolvedAt: &r, ResolverID: bob.ID},
			{ID: "t3", BrandID: brand.ID, ConversationID: convs["carol"].ID, OpenedAt: at(-200)},
		}
		update(t, s, func(tx dm.Tx) error {
			for i := range ths {
				if err := tx.PutThread(ctx, &ths[i]); err != nil {
					return err
				}
			}
			fr := at(12)
			ths[0].FirstResponseAt, ths[0].FirstResponderID, ths[0].AssigneeID = &fr, bob.ID, bob.ID
			return tx.PutThread(ctx, &ths[0])
		})
		view(t, s, func(tx dm.Tx) error {
			got, err := tx.Threads(ctx, brand.ID, at(0), at(100))
			if err != nil {
				return err
			}
			if len(got) != 2 || got[0].ID != "t2" || got[1].ID != "t1" {
				t.Fatalf("Threads = %+v", got)
			}
			if got[1].FirstResponseAt == nil || got[1].FirstResponderID != bob.ID || got[0].ResolverID != bob.ID {
				t.Errorf("Threads = %+v", got)
			}
			th, err := tx.Thread(ctx, "t1")
			if err != nil || th.AssigneeID != bob.ID {
				t.Errorf("Thread = %+v, %v", th, err)
			}
			return nil
		})
	})

	t.Run("Notes", func(t *testing.T) {
		update(t, s, func(tx dm.Tx) error {
			for i, text := range []string{"first", "second"} {
				n := &dm.Note{ID: dm.NewID(), BrandID: brand.ID, ConversationID: convs["dan"].ID, Author: bob.Profile(), Text: text, CreatedAt: at(i)}
				if err := tx.AddNote(ctx, n); err != nil {
					return err
				}
			}
			return nil
		})
		// A note written after a message sits after it in the thread even
		// when its clock says earlier (another node's clock): it carries
		// the seq of the newest message stored before it.
		before := getConversation(t, s, convs["dan"].ID, brand)
		var beforeSeq int64
		if before.LastMessage != nil {
			beforeSeq = before.LastMessage.Seq
		}
		m := send(t, s, convs["dan"].ID, brand, "an answer", at(5))
		third := &dm.Note{ID: dm.NewID(), BrandID: brand.ID, ConversationID: convs["dan"].ID, Author: bob.Profile(), Text: "third", CreatedAt: at(0)}
		update(t, s, func(tx dm.Tx) error { return tx.AddNote(ctx, third) })
		if third.AfterSeq != m.Seq {
			t.Errorf("AddNote after message %d: AfterSeq = %d", m.Seq, third.AfterSeq)
		}
		view(t, s, func(tx dm.Tx) error {
			ns, err := tx.Notes(ctx, brand.ID, convs["dan"].ID)
			if err != nil {
				return err
			}
			if len(ns) != 3 || ns[0].Text != "first" || ns[1].Author != bob.Profile() || ns[2].Text != "third" {
				t.Errorf("Notes = %+v", ns)
			} else if ns[0].AfterSeq != beforeSeq || ns[2].AfterSeq != m.Seq {
				t.Errorf("Notes after_seq = %d, %d, %d; want %d, _, %d", ns[0].AfterSeq, ns[1].AfterSeq, ns[2].AfterSeq, beforeSeq, m.Seq)
			}
			other, err := tx.Notes(ctx, brand.ID, convs["erin"].ID)
			if err != nil || len(other) != 0 {
				t.Errorf("Notes of another conversation = %+v, %v", other, err)
			}
			return nil
		})
	})

	t.Run("CannedReplies", func(t *testing.T) {
		c := &dm.CannedReply{ID: "c1", BrandID: brand.ID, Title: "hello", Text: "Hi {{first_name}}", CreatedAt: at(1), UpdatedAt: at(1)}
		update(t, s, func(tx dm.Tx) error {
			if err := tx.PutCannedReply(ctx, c); err != nil {
				return err
			}
			c.Text, c.UpdatedAt = "Hello {{first_name|there}}", at(2)
			if err := tx.PutCannedReply(ctx, c); err != nil {
				return err
			}
			return tx.PutCannedReply(ctx, &dm.CannedReply{ID: "c2", BrandID: brand.ID, Title: "bye", Text: "Bye", CreatedAt: at(1), UpdatedAt: at(1)})
		})
		err := s.Update(ctx, func(tx dm.Tx) error {
			return tx.PutCannedReply(ctx, &dm.CannedReply{ID: "c3", BrandID: brand.ID, Title: "hello", Text: "x", CreatedAt: at(1), UpdatedAt: at(1)})
		})
		wantCode(t, "a second reply with a title", err, dm.ECONFLICT)
		view(t, s, func(tx dm.Tx) error {
			all, err := tx.CannedReplies(ctx, brand.ID)
			if err != nil {
				return err
			}
			if len(all) != 2 || all[0].Title != "bye" || all[1].Text != "Hello {{first_name|there}}" {
				t.Errorf("CannedReplies = %+v", all)
			}
			wantUTC(t, "updated_at", all[1].UpdatedAt, at(2))
			_, err = tx.CannedReply(ctx, dan.ID, "c1")
			wantCode(t, "another brand's reply", err, dm.ENOTFOUND)
			return nil
		})
		update(t, s, func(tx dm.Tx) error {
			if err := tx.DeleteCannedReply(ctx, brand.ID, "c2"); err != nil {
				return err
			}
			wantCode(t, "delete twice", tx.DeleteCannedReply(ctx, brand.ID, "c2"), dm.ENOTFOUND)
			return nil
		})
	})

	t.Run("Attribution", func(t *testing.T) {
		update(t, s, func(tx dm.Tx) error {
			for i, m := range []dm.BrandMessage{
				{MessageID: "m1", Direction: dm.DirectionIn},
				{MessageID: "m2", Direction: dm.DirectionOut, AgentID: bob.ID, AgentName: "Bob"},
				{MessageID: "m3", Direction: dm.DirectionOut, Automated: true},
			} {
				m.BrandID, m.ConversationID, m.At = brand.ID, convs["dan"].ID, at(i*10)
				if err := tx.PutBrandMessage(ctx, &m); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx dm.Tx) error {
			got, err := tx.BrandMessages(ctx, brand.ID, at(0), at(20))
			if err != nil {
				return err
			}
			if len(got) != 2 || got[0].MessageID != "m1" || got[1].AgentID != bob.ID || got[1].AgentName != "Bob" {
				t.Errorf("BrandMessages = %+v", got)
			}
			wantUTC(t, "at", got[1].At, at(10))
			byID, err := tx.BrandMessagesByID(ctx, []string{"m3", "zz"})
			if err != nil || len(byID) != 1 || !byID[0].Automated {
				t.Errorf("BrandMessagesByID = %+v, %v", byID, err)
			}
			return nil
		})
	})
}
