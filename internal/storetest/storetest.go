// Package storetest is the conformance suite of dm.Store: every store
// (internal/sqlite, internal/postgres) runs it from its own tests with
//
//	storetest.Run(t, func(t *testing.T) dm.Store { ... a new, empty store ... })
//
// It tests only the documented contract of dm.Store and dm.Tx, never how a
// store keeps its data, so that both stores behave the same for the service.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Run runs the whole suite. open must return a new, empty store for each
// call and close it when t ends (t.Cleanup); subtests run in parallel.
//
// The suite has one file per part of dm.Tx (accounts.go for dm.AccountTx,
// and so on), each with its list of tests; a new part of the contract adds
// its file and its list here.
func Run(t *testing.T, open func(t *testing.T) dm.Store) {
	groups := [][]test{
		accountTests,
		graphTests,
		conversationTests,
		memberTests,
		messageTests,
		eventTests,
		transactionTests,
		brandTests,
		brandStateTests,
		jobTests,
		automationTests,
		consentTests,
		campaignTests,
		mediaTests,
		webhookTests,
		abuseTests,
		consoleTests,
		moderationTests,
		catalogTests,
		surveyTests,
		creatorTests,
		linkTests,
		funnelTests,
	}
	for _, tests := range groups {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.fn(t, open(t))
			})
		}
	}
}

// test is one named test of the suite, run on a new, empty store.
type test struct {
	name string
	fn   func(t *testing.T, s dm.Store)
}

// t0 is the suite's clock: whole milliseconds, so that every store keeps
// times exactly.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)

func at(i int) time.Time { return t0.Add(time.Duration(i) * time.Second) }

func update(t *testing.T, s dm.Store, fn func(tx dm.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s dm.Store, fn func(tx dm.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// wantCode fails unless err is a *dm.Error with code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if !dm.IsCode(err, code) {
		t.Errorf("%s: got error %v, want code %s", what, err, code)
	}
}

func wantUTC(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want %v in UTC", what, got, want)
	}
}

func newAccount(t *testing.T, s dm.Store, handle string) *dm.Account {
	t.Helper()
	a := &dm.Account{ID: dm.NewID(), Handle: handle, DisplayName: "Name of " + handle, Kind: dm.KindPerson, CreatedAt: t0}
	update(t, s, func(tx dm.Tx) error {
		return tx.CreateAccount(context.Background(), a, dm.DefaultSettings(), "hash-"+handle)
	})
	return a
}

// member describes one member of a conversation made by newConversation.
type member struct {
	a      *dm.Account
	role   string
	status string
}

func owner(a *dm.Account) member    { return member{a, dm.RoleOwner, dm.StatusAccepted} }
func accepted(a *dm.Account) member { return member{a, dm.RoleMember, dm.StatusAccepted} }
func request(a *dm.Account) member  { return member{a, dm.RoleMember, dm.StatusRequest} }

func newConversation(t *testing.T, s dm.Store, kind string, created time.Time, members ...member) *dm.Conversation {
	t.Helper()
	c := &dm.Conversation{ID: dm.NewID(), Kind: kind, CreatedAt: created, UpdatedAt: created}
	if kind == dm.ConversationGroup {
		c.Title = "group " + c.ID
	}
	var ms []dm.Membership
	for _, m := range members {
		ms = append(ms, dm.Membership{ConversationID: c.ID, UserID: m.a.ID, Role: m.role, Status: m.status, JoinedAt: created})
	}
	update(t, s, func(tx dm.Tx) error { return tx.CreateConversation(context.Background(), c, ms) })
	return c
}

func send(t *testing.T, s dm.Store, convID string, from *dm.Account, text string, when time.Time) *dm.Message {
	t.Helper()
	m := &dm.Message{ID: dm.NewID(), ConversationID: convID, Sender: from.Profile(), Text: text, CreatedAt: when}
	update(t, s, func(tx dm.Tx) error { return tx.InsertMessage(context.Background(), m, "") })
	return m
}

func getConversation(t *testing.T, s dm.Store, id string, viewer *dm.Account) *dm.Conversation {
	t.Helper()
	var c *dm.Conversation
	view(t, s, func(tx dm.Tx) (err error) {
		c, err = tx.Conversation(context.Background(), id, viewer.ID)
		return err
	})
	return c
}

func getMembership(t *testing.T, s dm.Store, convID string, a *dm.Account) *dm.Membership {
	t.Helper()
	var m *dm.Membership
	view(t, s, func(tx dm.Tx) (err error) {
		m, err = tx.Membership(context.Background(), convID, a.ID)
		return err
	})
	return m
}

// changeMembership reads a's membership, applies change and writes it back.
func changeMembership(t *testing.T, s dm.Store, convID string, a *dm.Account, change func(m *dm.Membership)) {
	t.Helper()
	update(t, s, func(tx dm.Tx) error {
		ctx := context.Background()
		m, err := tx.Membership(ctx, convID, a.ID)
		if err != nil {
			return err
		}
		change(m)
		return tx.UpdateMembership(ctx, m)
	})
}

func getMessage(t *testing.T, s dm.Store, id string, viewer *dm.Account) *dm.Message {
	t.Helper()
	var m *dm.Message
	view(t, s, func(tx dm.Tx) (err error) {
		m, err = tx.Message(context.Background(), id, viewer.ID)
		return err
	})
	return m
}

func listMessages(t *testing.T, s dm.Store, convID string, viewer *dm.Account, before int64, limit int) []dm.Message {
	t.Helper()
	var ms []dm.Message
	view(t, s, func(tx dm.Tx) (err error) {
		ms, err = tx.Messages(context.Background(), convID, viewer.ID, before, limit)
		return err
	})
	return ms
}

func seqs(ms []dm.Message) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.Seq)
	}
	return out
}

func seqRange(from, to int64) []int64 {
	out := []int64{}
	if from <= to {
		for s := from; s <= to; s++ {
			out = append(out, s)
		}
	} else {
		for s := from; s >= to; s-- {
			out = append(out, s)
		}
	}
	return out
}

// folder lists a whole folder, following cursors with pages of limit, and
// checks the paging rules on the way.
func folder(t *testing.T, s dm.Store, a *dm.Account, name string, limit int) []dm.Conversation {
	t.Helper()
	var all []dm.Conversation
	cursor := ""
	for page := 0; ; page++ {
		if page > 1000 {
			t.Fatalf("folder %s: the cursors never end", name)
		}
		var convs []dm.Conversation
		var next string
		view(t, s, func(tx dm.Tx) (err error) {
			convs, next, err = tx.Conversations(context.Background(), a.ID, name, cursor, limit)
			return err
		})
		if len(convs) > limit {
			t.Fatalf("folder %s: page of %d with limit %d", name, len(convs), limit)
		}
		all = append(all, convs...)
		if next == "" {
			break
		}
		if len(convs) < limit {
			t.Fatalf("folder %s: a short page (%d < %d) has a next cursor", name, len(convs), limit)
		}
		cursor = next
	}
	return all
}

func ids(convs []dm.Conversation) []string {
	out := []string{}
	for _, c := range convs {
		out = append(out, c.ID)
	}
	return out
}
