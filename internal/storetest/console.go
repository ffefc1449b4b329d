package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// consoleTests check dm.ConsoleTx.
var consoleTests = []test{
	{"Console", testConsole},
}

// testConsole covers dm.ConsoleTx: service levels, the open count behind
// the per-agent cap, agent teams, macros, customer notes, the audit trail
// in thread order, a conversation's threads, canned replies' owners and
// the inbox's wait and priority orders with their offset paging.
func testConsole(t *testing.T, s dm.Store) {
	ctx := context.Background()
	brand := newAccount(t, s, "acme")
	bob := newAccount(t, s, "bob")
	dan := newAccount(t, s, "dan")
	erin := newAccount(t, s, "erin")
	fay := newAccount(t, s, "fay")

	t.Run("ServiceLevels", func(t *testing.T) {
		view(t, s, func(tx dm.Tx) error {
			_, err := tx.ServiceLevels(ctx, brand.ID)
			wantCode(t, "ServiceLevels never saved", err, dm.ENOTFOUND)
			return nil
		})
		for _, n := range []int{30, 45} {
			update(t, s, func(tx dm.Tx) error {
				return tx.PutServiceLevels(ctx, &dm.ServiceLevels{BrandID: brand.ID, FirstResponseMinutes: n, NextResponseMinutes: 10, MaxOpenPerAgent: 3, UpdatedAt: at(n)})
			})
		}
		view(t, s, func(tx dm.Tx) error {
			l, err := tx.ServiceLevels(ctx, brand.ID)
			if err != nil || l.FirstResponseMinutes != 45 || l.NextResponseMinutes != 10 || l.MaxOpenPerAgent != 3 {
				t.Errorf("ServiceLevels = %+v, %v", l, err)
			} else {
				wantUTC(t, "updated_at", l.UpdatedAt, at(45))
			}
			return nil
		})
	})

	// Three customers: dan (urgent, waiting since 3), erin (low, waiting
	// since 1), fay (nobody waiting, newest message).
	convs := map[string]*dm.Conversation{}
	for i, c := range []*dm.Account{dan, erin, fay} {
		conv := newConversation(t, s, dm.ConversationDirect, at(i), accepted(c), accepted(brand))
		convs[c.Handle] = conv
		send(t, s, conv.ID, c, "hello", at(10+i))
	}
	items := map[string]*dm.InboxItem{
		"dan":  {Priority: dm.PriorityUrgent, WaitingSince: ptrTime(at(3)), Status: dm.InboxOpen, AssigneeID: bob.ID},
		"erin": {Priority: dm.PriorityLow, WaitingSince: ptrTime(at(1)), Status: dm.InboxPending, AssigneeID: bob.ID},
		"fay":  {Priority: dm.PriorityNone, Status: dm.InboxResolved, AssigneeID: bob.ID},
	}
	update(t, s, func(tx dm.Tx) error {
		for i, h := range []string{"dan", "erin", "fay"} {
			it := items[h]
			c := map[string]*dm.Account{"dan": dan, "erin": erin, "fay": fay}[h]
			it.ConversationID, it.BrandID, it.CustomerID, it.Labels = convs[h].ID, brand.ID, c.ID, []string{}
			it.LastMessageAt, it.CreatedAt, it.UpdatedAt = at(20+i), at(i), at(i)
			if err := tx.PutInboxItem(ctx, it); err != nil {
				return err
			}
		}
		return nil
	})

	t.Run("OpenAssigned", func(t *testing.T) {
		view(t, s, func(tx dm.Tx) error {
			n, err := tx.OpenAssigned(ctx, brand.ID, bob.ID)
			if err != nil || n != 2 {
				t.Errorf("OpenAssigned = %d, %v; want 2 (resolved ones do not count)", n, err)
			}
			return nil
		})
	})

	t.Run("InboxOrders", func(t *testing.T) {
		order := func(sort string, limit int, cursor string) ([]string, string) {
			var out []string
			var next string
			view(t, s, func(tx dm.Tx) error {
				its, n, err := tx.Inbox(ctx, brand.ID, dm.InboxFilter{Sort: sort, Limit: limit, Cursor: cursor, Now: at(100)})
				for _, it := range its {
					out = append(out, it.CustomerID)
				}
				next = n
				return err
			})
			return out, next
		}
		if got, _ := order("", 10, ""); !slices.Equal(got, []string{fay.ID, erin.ID, dan.ID}) {
			t.Errorf("latest first = %v", got)
		}
		if got, _ := order(dm.InboxSortWaiting, 10, ""); !slices.Equal(got, []string{erin.ID, dan.ID, fay.ID}) {
			t.Errorf("waiting longest first = %v", got)
		}
		if got, _ := order(dm.InboxSortPriority, 10, ""); !slices.Equal(got, []string{dan.ID, erin.ID, fay.ID}) {
			t.Errorf("most urgent first = %v", got)
		}
		p1, next := order(dm.InboxSortPriority, 2, "")
		p2, last := order(dm.InboxSortPriority, 2, next)
		if !slices.Equal(append(p1, p2...), []string{dan.ID, erin.ID, fay.ID}) || last != "" {
			t.Errorf("pages %v %v (next %q)", p1, p2, last)
		}
		view(t, s, func(tx dm.Tx) error {
			_, _, err := tx.Inbox(ctx, brand.ID, dm.InboxFilter{Sort: dm.InboxSortWaiting, Cursor: "123:abc"})
			wantCode(t, "a keyset cursor on an offset order", err, dm.EINVALID)
			return nil
		})
	})

	t.Run("AgentTeams", func(t *testing.T) {
		team := &dm.AgentTeam{ID: dm.NewID(), BrandID: brand.ID, Name: "billing", Members: []string{bob.ID}, CreatedAt: at(1), UpdatedAt: at(1)}
		update(t, s, func(tx dm.Tx) error { return tx.PutAgentTeam(ctx, team) })
		team.Members, team.RoundRobinLast, team.UpdatedAt = []string{bob.ID, erin.ID}, bob.ID, at(2)
		update(t, s, func(tx dm.Tx) error { return tx.PutAgentTeam(ctx, team) })
		err := s.Update(ctx, func(tx dm.Tx) error {
			return tx.PutAgentTeam(ctx, &dm.AgentTeam{ID: dm.NewID(), BrandID: brand.ID, Name: "billing", CreatedAt: at(3), UpdatedAt: at(3)})
		})
		wantCode(t, "a second team of the same name", err, dm.ECONFLICT)
		view(t, s, func(tx dm.Tx) error {
			ts, err := tx.AgentTeams(ctx, brand.ID)
			if err != nil || len(ts) != 1 || !slices.Equal(ts[0].Members, []string{bob.ID, erin.ID}) || ts[0].RoundRobinLast != bob.ID {
				t.Errorf("AgentTeams = %+v, %v", ts, err)
			} else {
				wantUTC(t, "created_at", ts[0].CreatedAt, at(1))
			}
			return nil
		})
		update(t, s, func(tx dm.Tx) error { return tx.DeleteAgentTeam(ctx, brand.ID, team.ID) })
		err = s.Update(ctx, func(tx dm.Tx) error { return tx.DeleteAgentTeam(ctx, brand.ID, team.ID) })
		wantCode(t, "DeleteAgentTeam twice", err, dm.ENOTFOUND)
	})

	t.Run("Macros", func(t *testing.T) {
		shared := &dm.Macro{ID: dm.NewID(), BrandID: brand.ID, Title: "Refund", Text: "Sorry", AddLabels: []string{"refund"}, Status: dm.InboxPending,
			Priority: dm.PriorityHigh, Assign: "team:billing", CreatedAt: at(1), UpdatedAt: at(1)}
		own := &dm.Macro{ID: dm.NewID(), BrandID: brand.ID, OwnerID: bob.ID, Title: "Refund", Assign: "me", CreatedAt: at(2), UpdatedAt: at(2)}
		update(t, s, func(tx dm.Tx) error {
			if err := tx.PutMacro(ctx, shared); err != nil {
				return err
			}
			return tx.PutMacro(ctx, own) // the same title, another owner
		})
		err := s.Update(ctx, func(tx dm.Tx) error {
			return tx.PutMacro(ctx, &dm.Macro{ID: dm.NewID(), BrandID: brand.ID, OwnerID: bob.ID, Title: "Refund", CreatedAt: at(3), UpdatedAt: at(3)})
		})
		wantCode(t, "an owner's second macro of a title", err, dm.ECONFLICT)
		view(t, s, func(tx dm.Tx) error {
			ms, err := tx.Macros(ctx, brand.ID)
			if err != nil || len(ms) != 2 {
				t.Fatalf("Macros = %+v, %v", ms, err)
			}
			i := slices.IndexFunc(ms, func(m dm.Macro) bool { return m.ID == shared.ID })
			if m := ms[i]; m.OwnerID != "" || m.Text != "Sorry" || !slices.Equal(m.AddLabels, []string{"refund"}) || m.Status != dm.InboxPending ||
				m.Priority != dm.PriorityHigh || m.Assign != "team:billing" {
				t.Errorf("shared macro = %+v", m)
			}
			return nil
		})
		update(t, s, func(tx dm.Tx) error { return tx.DeleteMacro(ctx, brand.ID, own.ID) })
		err = s.Update(ctx, func(tx dm.Tx) error { return tx.DeleteMacro(ctx, "other-brand", shared.ID) })
		wantCode(t, "DeleteMacro of another brand", err, dm.ENOTFOUND)
	})

	t.Run("CustomerNotes", func(t *testing.T) {
		update(t, s, func(tx dm.Tx) error {
			for i, text := range []string{"first", "second"} {
				if err := tx.AddCustomerNote(ctx, &dm.CustomerNote{ID: dm.NewID(), BrandID: brand.ID, CustomerID: dan.ID, Author: bob.Profile(), Text: text, CreatedAt: at(i)}); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx dm.Tx) error {
			ns, err := tx.CustomerNotes(ctx, brand.ID, dan.ID)
			if err != nil || len(ns) != 2 || ns[0].Text != "first" || ns[1].Author.Handle != "bob" {
				t.Errorf("CustomerNotes = %+v, %v", ns, err)
			}
			ns, err = tx.CustomerNotes(ctx, brand.ID, erin.ID)
			if err != nil || len(ns) != 0 {
				t.Errorf("CustomerNotes of another customer = %+v, %v", ns, err)
			}
			return nil
		})
	})

	t.Run("Audit", func(t *testing.T) {
		conv := convs["dan"]
		add := func(field string, i int) {
			update(t, s, func(tx dm.Tx) error {
				e := &dm.AuditEntry{ID: dm.NewID(), BrandID: brand.ID, ConversationID: conv.ID, ActorID: bob.ID, Field: field, From: "a", To: "b", At: at(i)}
				if err := tx.AddAuditEntry(ctx, e); err != nil {
					return err
				}
				if e.AfterSeq != int64(map[string]int{"status": 1, "labels": 2}[field]) {
					t.Errorf("after_seq of %s = %d", field, e.AfterSeq)
				}
				return nil
			})
		}
		add("status", 50)
		send(t, s, conv.ID, brand, "answer", at(51))
		// An earlier clock on another node: the seq still orders it last.
		add("labels", 40)
		view(t, s, func(tx dm.Tx) error {
			es, err := tx.AuditEntries(ctx, brand.ID, conv.ID)
			if err != nil || len(es) != 2 || es[0].Field != "status" || es[1].Field != "labels" || es[1].ActorID != bob.ID || es[1].From != "a" {
				t.Errorf("AuditEntries = %+v, %v", es, err)
			}
			es, err = tx.AuditEntries(ctx, "other-brand", conv.ID)
			if err != nil || len(es) != 0 {
				t.Errorf("AuditEntries of another brand = %+v, %v", es, err)
			}
			return nil
		})
	})

	t.Run("ConversationThreads", func(t *testing.T) {
		conv := convs["erin"]
		update(t, s, func(tx dm.Tx) error {
			for i := range 2 {
				if err := tx.PutThread(ctx, &dm.Thread{ID: dm.NewID(), BrandID: brand.ID, ConversationID: conv.ID, OpenedAt: at(10 * (2 - i))}); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, s, func(tx dm.Tx) error {
			ths, err := tx.ConversationThreads(ctx, conv.ID)
			if err != nil || len(ths) != 2 || !ths[0].OpenedAt.Before(ths[1].OpenedAt) {
				t.Errorf("ConversationThreads = %+v, %v", ths, err)
			}
			return nil
		})
	})

	t.Run("CannedOwners", func(t *testing.T) {
		update(t, s, func(tx dm.Tx) error {
			if err := tx.PutCannedReply(ctx, &dm.CannedReply{ID: dm.NewID(), BrandID: brand.ID, Title: "Hi", Text: "x", CreatedAt: at(1), UpdatedAt: at(1)}); err != nil {
				return err
			}
			return tx.PutCannedReply(ctx, &dm.CannedReply{ID: dm.NewID(), BrandID: brand.ID, OwnerID: bob.ID, Title: "Hi", Text: "y", CreatedAt: at(1), UpdatedAt: at(1)})
		})
		err := s.Update(ctx, func(tx dm.Tx) error {
			return tx.PutCannedReply(ctx, &dm.CannedReply{ID: dm.NewID(), BrandID: brand.ID, OwnerID: bob.ID, Title: "Hi", Text: "z", CreatedAt: at(2), UpdatedAt: at(2)})
		})
		wantCode(t, "an owner's second reply of a title", err, dm.ECONFLICT)
		view(t, s, func(tx dm.Tx) error {
			cs, err := tx.CannedReplies(ctx, brand.ID)
			if err != nil || len(cs) != 2 || cs[0].OwnerID == cs[1].OwnerID {
				t.Errorf("CannedReplies = %+v, %v", cs, err)
			}
			return nil
		})
	})
}

func ptrTime(t time.Time) *time.Time { return &t }
