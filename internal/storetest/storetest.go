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
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// Run runs the whole suite. open must return a new, empty store for each
// call and close it when t ends (t.Cleanup); subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) dm.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s dm.Store)
	}{
		{"Accounts", testAccounts},
		{"SearchAccounts", testSearchAccounts},
		{"Sessions", testSessions},
		{"Graph", testGraph},
		{"FollowPaging", testFollowPaging},
		{"DirectPair", testDirectPair},
		{"ConversationView", testConversationView},
		{"UnreadAndLastMessage", testUnreadAndLastMessage},
		{"Members", testMembers},
		{"Folders", testFolders},
		{"FolderPaging", testFolderPaging},
		{"ClearedConversation", testClearedConversation},
		{"Messages", testMessages},
		{"ClientID", testClientID},
		{"MessagePaging", testMessagePaging},
		{"EditAndDelete", testEditAndDelete},
		{"Reactions", testReactions},
		{"Events", testEvents},
		{"PruneEvents", testPruneEvents},
		{"ConcurrentSends", testConcurrentSends},
		{"FailedUpdates", testFailedUpdates},
		{"CanceledUpdate", testCanceledUpdate},
		{"Brand", testBrand},
		{"Jobs", testJobs},
		{"JobKeys", testJobKeys},
		{"JobClaimRace", testJobClaimRace},
		{"Automation", testAutomation},
		{"Webhooks", testWebhooks},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
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

func testAccounts(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a := newAccount(t, s, "alice")
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Account(ctx, a.ID)
		if err != nil {
			t.Fatalf("Account: %v", err)
		}
		if got.ID != a.ID || got.Handle != "alice" || got.DisplayName != a.DisplayName || got.Kind != dm.KindPerson {
			t.Errorf("Account = %+v, want %+v", got, a)
		}
		wantUTC(t, "CreatedAt", got.CreatedAt, t0)
		got, err = tx.AccountByHandle(ctx, "alice")
		if err != nil || got.ID != a.ID {
			t.Errorf("AccountByHandle = %v, %v", got, err)
		}
		got, hash, err := tx.Credentials(ctx, "alice")
		if err != nil || got.ID != a.ID || hash != "hash-alice" {
			t.Errorf("Credentials = %v, %q, %v", got, hash, err)
		}
		st, err := tx.Settings(ctx, a.ID)
		if err != nil || st != dm.DefaultSettings() {
			t.Errorf("Settings = %+v, %v; want defaults", st, err)
		}
		_, err = tx.Account(ctx, dm.NewID())
		wantCode(t, "Account(unknown)", err, dm.ENOTFOUND)
		_, err = tx.AccountByHandle(ctx, "nobody_here")
		wantCode(t, "AccountByHandle(unknown)", err, dm.ENOTFOUND)
		_, _, err = tx.Credentials(ctx, "nobody_here")
		wantCode(t, "Credentials(unknown)", err, dm.ENOTFOUND)
		return nil
	})

	err := s.Update(ctx, func(tx dm.Tx) error {
		dup := &dm.Account{ID: dm.NewID(), Handle: "alice", Kind: dm.KindPerson, CreatedAt: t0}
		return tx.CreateAccount(ctx, dup, dm.DefaultSettings(), "x")
	})
	wantCode(t, "CreateAccount(taken handle)", err, dm.ECONFLICT)

	a.DisplayName, a.Bio = "Alice A.", "Hello.\nSecond line."
	settings := dm.Settings{AllowIncoming: dm.AllowFollowing, ReadReceipts: false}
	update(t, s, func(tx dm.Tx) error { return tx.UpdateAccount(ctx, a, settings) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Account(ctx, a.ID)
		if err != nil || got.DisplayName != "Alice A." || got.Bio != a.Bio {
			t.Errorf("after UpdateAccount: %+v, %v", got, err)
		}
		st, err := tx.Settings(ctx, a.ID)
		if err != nil || st != settings {
			t.Errorf("Settings after UpdateAccount = %+v, %v; want %+v", st, err, settings)
		}
		_, err = tx.Settings(ctx, dm.NewID())
		wantCode(t, "Settings(unknown)", err, dm.ENOTFOUND)
		return nil
	})
	err = s.Update(ctx, func(tx dm.Tx) error {
		return tx.UpdateAccount(ctx, &dm.Account{ID: dm.NewID()}, settings)
	})
	wantCode(t, "UpdateAccount(unknown)", err, dm.ENOTFOUND)
}

func testSearchAccounts(t *testing.T, s dm.Store) {
	ctx := context.Background()
	alice := newAccount(t, s, "alice")
	alfred := newAccount(t, s, "alfred")
	underscore := newAccount(t, s, "al_x")
	newAccount(t, s, "alxy") // "al_" must not match it: "_" is no wildcard
	bob := newAccount(t, s, "bob")
	bob.DisplayName = "Albert Bob"
	update(t, s, func(tx dm.Tx) error { return tx.UpdateAccount(ctx, bob, dm.DefaultSettings()) })
	newAccount(t, s, "carol")

	search := func(q string, limit int) []string {
		var out []string
		view(t, s, func(tx dm.Tx) error {
			as, err := tx.SearchAccounts(ctx, q, limit)
			for _, a := range as {
				out = append(out, a.Handle)
			}
			return err
		})
		return out
	}
	got := search("al", 10)
	// Handles first (in any order), then display names.
	if len(got) != 5 || got[4] != "bob" {
		t.Fatalf(`SearchAccounts("al") = %v, want the four al* handles, then bob`, got)
	}
	wantSet := []string{alice.Handle, alfred.Handle, underscore.Handle, "alxy"}
	first := slices.Clone(got[:4])
	slices.Sort(first)
	slices.Sort(wantSet)
	if !slices.Equal(first, wantSet) {
		t.Errorf(`SearchAccounts("al") handles = %v, want %v`, first, wantSet)
	}
	if got := search("AL", 10); len(got) != 5 {
		t.Errorf(`SearchAccounts("AL") = %v: the search is case-insensitive`, got)
	}
	if got := search("al_", 10); !slices.Equal(got, []string{"al_x"}) {
		t.Errorf(`SearchAccounts("al_") = %v, want [al_x]`, got)
	}
	if got := search("al", 2); len(got) != 2 {
		t.Errorf(`SearchAccounts("al", 2) = %v, want 2 accounts`, got)
	}
	if got := search("zed", 10); len(got) != 0 {
		t.Errorf(`SearchAccounts("zed") = %v, want none`, got)
	}
}

func testSessions(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a := newAccount(t, s, "alice")
	expires := t0.Add(time.Hour)
	update(t, s, func(tx dm.Tx) error { return tx.CreateSession(ctx, "token-hash-1", a.ID, expires) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.SessionAccount(ctx, "token-hash-1", t0)
		if err != nil || got.ID != a.ID || got.Handle != "alice" {
			t.Errorf("SessionAccount = %v, %v", got, err)
		}
		_, err = tx.SessionAccount(ctx, "token-hash-1", expires)
		wantCode(t, "SessionAccount(expired)", err, dm.ENOTFOUND)
		_, err = tx.SessionAccount(ctx, "token-hash-1", expires.Add(time.Minute))
		wantCode(t, "SessionAccount(long expired)", err, dm.ENOTFOUND)
		_, err = tx.SessionAccount(ctx, "other", t0)
		wantCode(t, "SessionAccount(unknown)", err, dm.ENOTFOUND)
		return nil
	})
	update(t, s, func(tx dm.Tx) error { return tx.DeleteSession(ctx, "token-hash-1") })
	view(t, s, func(tx dm.Tx) error {
		_, err := tx.SessionAccount(ctx, "token-hash-1", t0)
		wantCode(t, "SessionAccount(deleted)", err, dm.ENOTFOUND)
		return nil
	})
}

func testGraph(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	rel := func() dm.Relationship {
		var r dm.Relationship
		view(t, s, func(tx dm.Tx) (err error) { r, err = tx.Relationship(ctx, a.ID, b.ID); return err })
		return r
	}
	counts := func(u *dm.Account) [2]int {
		var c [2]int
		view(t, s, func(tx dm.Tx) (err error) { c[0], c[1], err = tx.FollowCounts(ctx, u.ID); return err })
		return c
	}
	if r := rel(); r != (dm.Relationship{}) {
		t.Errorf("Relationship of strangers = %+v", r)
	}
	for range 2 { // idempotent
		update(t, s, func(tx dm.Tx) error { return tx.SetFollow(ctx, a.ID, b.ID, true) })
	}
	if r := rel(); r != (dm.Relationship{AFollowsB: true}) {
		t.Errorf("after a follows b: %+v", r)
	}
	if ca, cb := counts(a), counts(b); ca != [2]int{0, 1} || cb != [2]int{1, 0} {
		t.Errorf("FollowCounts a = %v (want [0 1]), b = %v (want [1 0])", ca, cb)
	}
	update(t, s, func(tx dm.Tx) error { return tx.SetFollow(ctx, b.ID, a.ID, true) })
	if r := rel(); r != (dm.Relationship{AFollowsB: true, BFollowsA: true}) {
		t.Errorf("after mutual follows: %+v", r)
	}
	for range 2 {
		update(t, s, func(tx dm.Tx) error { return tx.SetFollow(ctx, a.ID, b.ID, false) })
	}
	if r := rel(); r != (dm.Relationship{BFollowsA: true}) {
		t.Errorf("after a unfollows b: %+v", r)
	}
	if ca, cb := counts(a), counts(b); ca != [2]int{1, 0} || cb != [2]int{0, 1} {
		t.Errorf("FollowCounts a = %v (want [1 0]), b = %v (want [0 1])", ca, cb)
	}
	for range 2 {
		update(t, s, func(tx dm.Tx) error { return tx.SetBlock(ctx, b.ID, a.ID, true) })
	}
	if r := rel(); r != (dm.Relationship{BFollowsA: true, BBlocksA: true}) || !r.Blocked() {
		t.Errorf("after b blocks a: %+v", r)
	}
	update(t, s, func(tx dm.Tx) error { return tx.SetBlock(ctx, a.ID, b.ID, true) })
	if r := rel(); !r.ABlocksB || !r.BBlocksA {
		t.Errorf("after both block: %+v", r)
	}
	for range 2 {
		update(t, s, func(tx dm.Tx) error {
			if err := tx.SetBlock(ctx, a.ID, b.ID, false); err != nil {
				return err
			}
			return tx.SetBlock(ctx, b.ID, a.ID, false)
		})
	}
	if r := rel(); r.Blocked() {
		t.Errorf("after unblocking: %+v", r)
	}
	view(t, s, func(tx dm.Tx) error {
		_, _, err := tx.FollowCounts(ctx, dm.NewID())
		wantCode(t, "FollowCounts(unknown)", err, dm.ENOTFOUND)
		return nil
	})
}

func testFollowPaging(t *testing.T, s dm.Store) {
	ctx := context.Background()
	star := newAccount(t, s, "star")
	var fans []string
	for i := range 7 {
		f := newAccount(t, s, fmt.Sprintf("fan%d", i))
		fans = append(fans, f.ID)
		update(t, s, func(tx dm.Tx) error {
			if err := tx.SetFollow(ctx, f.ID, star.ID, true); err != nil {
				return err
			}
			return tx.SetFollow(ctx, star.ID, f.ID, true)
		})
	}
	for _, list := range []string{"Followers", "Following"} {
		var got []string
		cursor := ""
		for page := 0; ; page++ {
			if page > 10 {
				t.Fatalf("%s: the cursors never end", list)
			}
			var as []dm.Account
			var next string
			view(t, s, func(tx dm.Tx) (err error) {
				if list == "Followers" {
					as, next, err = tx.Followers(ctx, star.ID, cursor, 3)
				} else {
					as, next, err = tx.Following(ctx, star.ID, cursor, 3)
				}
				return err
			})
			if len(as) > 3 {
				t.Fatalf("%s: a page of %d with limit 3", list, len(as))
			}
			for _, a := range as {
				got = append(got, a.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		sorted := slices.Clone(got)
		slices.Sort(sorted)
		want := slices.Clone(fans)
		slices.Sort(want)
		if !slices.Equal(sorted, want) {
			t.Errorf("%s over all pages = %v, want each of %v once", list, got, fans)
		}
	}
}

func testDirectPair(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol")
	conv := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), request(b))
	view(t, s, func(tx dm.Tx) error {
		for _, pair := range [][2]string{{a.ID, b.ID}, {b.ID, a.ID}} {
			id, err := tx.DirectConversationID(ctx, pair[0], pair[1])
			if err != nil || id != conv.ID {
				t.Errorf("DirectConversationID = %q, %v; want %s", id, err, conv.ID)
			}
		}
		_, err := tx.DirectConversationID(ctx, a.ID, c.ID)
		wantCode(t, "DirectConversationID(no conversation)", err, dm.ENOTFOUND)
		return nil
	})
	for _, order := range [][2]*dm.Account{{a, b}, {b, a}} {
		second := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: at(1), UpdatedAt: at(1)}
		err := s.Update(ctx, func(tx dm.Tx) error {
			return tx.CreateConversation(ctx, second, []dm.Membership{
				{ConversationID: second.ID, UserID: order[0].ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: at(1)},
				{ConversationID: second.ID, UserID: order[1].ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: at(1)},
			})
		})
		wantCode(t, "a second direct conversation", err, dm.ECONFLICT)
	}
	// A group of the same pair is no direct conversation.
	newConversation(t, s, dm.ConversationGroup, at(2), owner(a), accepted(b))
	view(t, s, func(tx dm.Tx) error {
		id, err := tx.DirectConversationID(ctx, a.ID, b.ID)
		if err != nil || id != conv.ID {
			t.Errorf("DirectConversationID after a group = %q, %v; want %s", id, err, conv.ID)
		}
		return nil
	})
}

func testConversationView(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c, d := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol"), newAccount(t, s, "dave")
	// Join order is the order given, not the order of ids or handles.
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(c), accepted(a), request(b))

	got := getConversation(t, s, conv.ID, b)
	if got.ID != conv.ID || got.Kind != dm.ConversationGroup || got.Title != conv.Title {
		t.Errorf("Conversation = %+v, want %+v", got, conv)
	}
	want := []dm.Member{
		{Profile: c.Profile(), Role: dm.RoleOwner},
		{Profile: a.Profile(), Role: dm.RoleMember},
		{Profile: b.Profile(), Role: dm.RoleMember},
	}
	if !slices.Equal(got.Members, want) {
		t.Errorf("Members = %+v, want %+v", got.Members, want)
	}
	if got.Status != dm.StatusRequest || got.Muted || got.Archived || got.UnreadCount != 0 || got.LastReadSeq != 0 || got.LastMessage != nil {
		t.Errorf("b's view of a new conversation = %+v", got)
	}
	wantUTC(t, "CreatedAt", got.CreatedAt, at(0))
	wantUTC(t, "UpdatedAt of a new conversation", got.UpdatedAt, at(0))
	if got := getConversation(t, s, conv.ID, a); got.Status != dm.StatusAccepted {
		t.Errorf("a's Status = %s, want accepted", got.Status)
	}

	changeMembership(t, s, conv.ID, b, func(m *dm.Membership) {
		m.Status, m.Muted, m.Archived, m.LastReadSeq = dm.StatusAccepted, true, true, 0
	})
	got = getConversation(t, s, conv.ID, b)
	if got.Status != dm.StatusAccepted || !got.Muted || !got.Archived {
		t.Errorf("b's view after accept, mute, archive = %+v", got)
	}
	if got := getConversation(t, s, conv.ID, a); got.Muted || got.Archived {
		t.Errorf("b's mute and archive leaked into a's view: %+v", got)
	}

	update(t, s, func(tx dm.Tx) error { return tx.SetTitle(ctx, conv.ID, "Renamed", at(5)) })
	got = getConversation(t, s, conv.ID, a)
	if got.Title != "Renamed" {
		t.Errorf("Title = %q after SetTitle", got.Title)
	}
	wantUTC(t, "UpdatedAt after SetTitle", got.UpdatedAt, at(5))
	send(t, s, conv.ID, a, "hello", at(9))
	wantUTC(t, "UpdatedAt after a message", getConversation(t, s, conv.ID, b).UpdatedAt, at(9))

	view(t, s, func(tx dm.Tx) error {
		_, err := tx.Conversation(ctx, conv.ID, d.ID)
		wantCode(t, "Conversation(non-member)", err, dm.ENOTFOUND)
		_, err = tx.Conversation(ctx, dm.NewID(), a.ID)
		wantCode(t, "Conversation(unknown)", err, dm.ENOTFOUND)
		return nil
	})
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.SetTitle(ctx, dm.NewID(), "x", at(6)) })
	wantCode(t, "SetTitle(unknown)", err, dm.ENOTFOUND)
}

func testUnreadAndLastMessage(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol")
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(a), accepted(b), accepted(c))
	unread := func(u *dm.Account) int { return getConversation(t, s, conv.ID, u).UnreadCount }

	m1 := send(t, s, conv.ID, a, "one", at(1))
	send(t, s, conv.ID, b, "two", at(2))
	m3 := send(t, s, conv.ID, c, "three", at(3))
	m4 := send(t, s, conv.ID, a, "four", at(4))
	// Others' messages only.
	if ua, ub, uc := unread(a), unread(b), unread(c); ua != 2 || ub != 3 || uc != 3 {
		t.Errorf("unread a, b, c = %d, %d, %d; want 2, 3, 3", ua, ub, uc)
	}
	lm := getConversation(t, s, conv.ID, b).LastMessage
	if lm == nil || lm.ID != m4.ID || lm.Seq != 4 || lm.Text != "four" || lm.Sender.ID != a.ID || lm.Sender.Handle != "alice" {
		t.Errorf("LastMessage = %+v, want message 4 from alice", lm)
	} else {
		wantUTC(t, "LastMessage.CreatedAt", lm.CreatedAt, at(4))
	}

	// Reading up to seq 3 leaves message 4.
	changeMembership(t, s, conv.ID, b, func(m *dm.Membership) { m.LastReadSeq = 3 })
	if got := getConversation(t, s, conv.ID, b); got.UnreadCount != 1 || got.LastReadSeq != 3 {
		t.Errorf("b after reading to 3: unread %d, last_read_seq %d; want 1, 3", got.UnreadCount, got.LastReadSeq)
	}
	// Deleted for everyone: unread for nobody.
	update(t, s, func(tx dm.Tx) error {
		m1.Text, m1.Deleted = "", true
		return tx.UpdateMessage(ctx, m1)
	})
	if uc := unread(c); uc != 2 {
		t.Errorf("c's unread after a message was deleted for everyone = %d, want 2", uc)
	}
	// Hidden by c: unread for c no more, still for b.
	update(t, s, func(tx dm.Tx) error { return tx.HideMessage(ctx, m4.ID, c.ID) })
	if uc, ub := unread(c), unread(b); uc != 1 || ub != 1 {
		t.Errorf("after c hid message 4: unread c %d (want 1), b %d (want 1)", uc, ub)
	}
	// Cleared by a: no last message, nothing unread; a newer message is both.
	changeMembership(t, s, conv.ID, a, func(m *dm.Membership) { m.ClearedSeq = 4 })
	if got := getConversation(t, s, conv.ID, a); got.LastMessage != nil || got.UnreadCount != 0 {
		t.Errorf("a after clearing: last message %+v, unread %d; want none, 0", got.LastMessage, got.UnreadCount)
	}
	if got := getConversation(t, s, conv.ID, b); got.LastMessage == nil || got.LastMessage.Seq != 4 {
		t.Errorf("a's clear changed b's last message: %+v", got.LastMessage)
	}
	m5 := send(t, s, conv.ID, c, "five", at(5))
	if got := getConversation(t, s, conv.ID, a); got.LastMessage == nil || got.LastMessage.ID != m5.ID || got.UnreadCount != 1 {
		t.Errorf("a after a newer message: last %+v, unread %d; want message 5, 1", got.LastMessage, got.UnreadCount)
	}
	// The last message keeps its place when deleted for everyone.
	update(t, s, func(tx dm.Tx) error {
		m5.Text, m5.Deleted = "", true
		return tx.UpdateMessage(ctx, m5)
	})
	if got := getConversation(t, s, conv.ID, b); got.LastMessage == nil || got.LastMessage.ID != m5.ID || !got.LastMessage.Deleted {
		t.Errorf("last message deleted for everyone: %+v", got.LastMessage)
	}
	_ = m3
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

func testFolders(t *testing.T, s dm.Store) {
	u, o := newAccount(t, s, "user"), newAccount(t, s, "other")
	c1 := newConversation(t, s, dm.ConversationGroup, at(1), owner(u), accepted(o))
	c2 := newConversation(t, s, dm.ConversationGroup, at(2), owner(o), accepted(u))
	c3 := newConversation(t, s, dm.ConversationGroup, at(3), owner(o), request(u))
	c4 := newConversation(t, s, dm.ConversationGroup, at(4), owner(o), accepted(u))
	changeMembership(t, s, c4.ID, u, func(m *dm.Membership) { m.Archived = true })

	check := func(step string, a *dm.Account, name string, want ...string) {
		t.Helper()
		for _, limit := range []int{1, 2, 50} {
			if got := ids(folder(t, s, a, name, limit)); !slices.Equal(got, want) {
				t.Errorf("%s: %s of %s (limit %d) = %v, want %v", step, name, a.Handle, limit, got, want)
			}
		}
	}
	check("start", u, dm.FolderInbox, c2.ID, c1.ID)
	check("start", u, dm.FolderRequests, c3.ID)
	check("start", u, dm.FolderArchived, c4.ID)
	check("start", o, dm.FolderInbox, c4.ID, c3.ID, c2.ID, c1.ID)

	// A message moves its conversation to the top of every member's folder.
	send(t, s, c1.ID, o, "hi", at(10))
	check("after a message in c1", u, dm.FolderInbox, c1.ID, c2.ID)
	check("after a message in c1", o, dm.FolderInbox, c1.ID, c4.ID, c3.ID, c2.ID)
	send(t, s, c3.ID, o, "a request", at(11))
	check("after a message in c3", u, dm.FolderRequests, c3.ID)
	check("after a message in c3", u, dm.FolderInbox, c1.ID, c2.ID)

	// Accepting and unarchiving move conversations to the inbox, in order.
	changeMembership(t, s, c3.ID, u, func(m *dm.Membership) { m.Status = dm.StatusAccepted })
	changeMembership(t, s, c4.ID, u, func(m *dm.Membership) { m.Archived = false })
	check("after accept and unarchive", u, dm.FolderInbox, c3.ID, c1.ID, c4.ID, c2.ID)
	check("after accept and unarchive", u, dm.FolderRequests)
	check("after accept and unarchive", u, dm.FolderArchived)

	// The conversations carry the viewer's view.
	for _, c := range folder(t, s, u, dm.FolderInbox, 50) {
		if len(c.Members) != 2 || c.Status != dm.StatusAccepted {
			t.Errorf("inbox conversation %s: %+v", c.ID, c)
		}
		if c.ID == c3.ID && (c.LastMessage == nil || c.LastMessage.Text != "a request" || c.UnreadCount != 1) {
			t.Errorf("inbox conversation c3: last %+v, unread %d", c.LastMessage, c.UnreadCount)
		}
	}
	view(t, s, func(tx dm.Tx) error {
		_, _, err := tx.Conversations(context.Background(), u.ID, "trash", "", 10)
		if err == nil {
			t.Errorf("Conversations(unknown folder) succeeded")
		}
		return nil
	})
}

func testFolderPaging(t *testing.T, s dm.Store) {
	u := newAccount(t, s, "user")
	// 23 conversations; several share the same activity time, so that the
	// order must break ties to page without duplicates or gaps.
	for i := range 23 {
		peer := newAccount(t, s, fmt.Sprintf("peer%d", i))
		newConversation(t, s, dm.ConversationDirect, at(i/3), accepted(u), accepted(peer))
	}
	all := folder(t, s, u, dm.FolderInbox, 50)
	if len(all) != 23 {
		t.Fatalf("inbox has %d conversations, want 23", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].UpdatedAt.After(all[i-1].UpdatedAt) {
			t.Errorf("inbox not most recent first at %d: %v after %v", i, all[i].UpdatedAt, all[i-1].UpdatedAt)
		}
	}
	for _, limit := range []int{1, 4, 5, 22, 23, 24} {
		if got := ids(folder(t, s, u, dm.FolderInbox, limit)); !slices.Equal(got, ids(all)) {
			t.Errorf("inbox by pages of %d = %v, want %v", limit, got, ids(all))
		}
	}
	// New activity between two pages moves a conversation to the top: the
	// rest of the pages still hold each other conversation once.
	var first []dm.Conversation
	var next string
	view(t, s, func(tx dm.Tx) (err error) {
		first, next, err = tx.Conversations(context.Background(), u.ID, dm.FolderInbox, "", 5)
		return err
	})
	moved := all[10].ID
	send(t, s, moved, u, "bump", at(100))
	seen := ids(first)
	for next != "" {
		var page []dm.Conversation
		cursor := next
		view(t, s, func(tx dm.Tx) (err error) {
			page, next, err = tx.Conversations(context.Background(), u.ID, dm.FolderInbox, cursor, 5)
			return err
		})
		seen = append(seen, ids(page)...)
	}
	for _, c := range all {
		n := 0
		for _, id := range seen {
			if id == c.ID {
				n++
			}
		}
		if c.ID != moved && n != 1 {
			t.Errorf("conversation %s seen %d times while paging", c.ID, n)
		}
	}
}

func testClearedConversation(t *testing.T, s dm.Store) {
	u, o := newAccount(t, s, "user"), newAccount(t, s, "other")
	c1 := newConversation(t, s, dm.ConversationDirect, at(1), accepted(u), accepted(o))
	c2 := newConversation(t, s, dm.ConversationGroup, at(2), owner(o), accepted(u))
	send(t, s, c1.ID, o, "one", at(3))
	send(t, s, c1.ID, u, "two", at(4))
	changeMembership(t, s, c1.ID, u, func(m *dm.Membership) { m.ClearedSeq = 2 })
	for _, name := range []string{dm.FolderInbox, dm.FolderRequests, dm.FolderArchived} {
		for _, c := range folder(t, s, u, name, 10) {
			if c.ID == c1.ID {
				t.Errorf("cleared conversation in %s", name)
			}
		}
	}
	if got := ids(folder(t, s, o, dm.FolderInbox, 10)); !slices.Equal(got, []string{c1.ID, c2.ID}) {
		t.Errorf("u's clear changed o's inbox: %v", got)
	}
	if ms := listMessages(t, s, c1.ID, u, 0, 10); len(ms) != 0 {
		t.Errorf("cleared messages still listed: %v", seqs(ms))
	}
	send(t, s, c1.ID, o, "three", at(5))
	if got := ids(folder(t, s, u, dm.FolderInbox, 10)); !slices.Equal(got, []string{c1.ID, c2.ID}) {
		t.Errorf("inbox after a newer message = %v, want c1 back on top", got)
	}
	if got := seqs(listMessages(t, s, c1.ID, u, 0, 10)); !slices.Equal(got, []int64{3}) {
		t.Errorf("messages after the clear = %v, want [3]", got)
	}
	if got := seqs(listMessages(t, s, c1.ID, o, 0, 10)); !slices.Equal(got, []int64{3, 2, 1}) {
		t.Errorf("o's messages = %v, want [3 2 1]", got)
	}
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
	if got := seqs(listMessages(t, s, c1.ID, a, 0, 10)); !slices.Equal(got, []int64{4, 3, 2, 1}) {
		t.Errorf("a's messages = %v, want [4 3 2 1]", got)
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

func appendEvent(t *testing.T, s dm.Store, u *dm.Account, e dm.Event) dm.Event {
	t.Helper()
	update(t, s, func(tx dm.Tx) error { return tx.AppendEvent(context.Background(), u.ID, &e) })
	return e
}

func events(t *testing.T, s dm.Store, u *dm.Account, after int64, limit int) ([]dm.Event, error) {
	t.Helper()
	var es []dm.Event
	err := s.View(context.Background(), func(tx dm.Tx) (err error) {
		es, err = tx.Events(context.Background(), u.ID, after, limit)
		return err
	})
	return es, err
}

func eventSeqs(t *testing.T, s dm.Store, u *dm.Account, after int64, limit int) []int64 {
	t.Helper()
	es, err := events(t, s, u, after, limit)
	if err != nil {
		t.Fatalf("Events(%s, %d, %d): %v", u.Handle, after, limit, err)
	}
	out := []int64{}
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func lastEventSeq(t *testing.T, s dm.Store, u *dm.Account) int64 {
	t.Helper()
	var seq int64
	view(t, s, func(tx dm.Tx) (err error) {
		seq, err = tx.LastEventSeq(context.Background(), u.ID)
		return err
	})
	return seq
}

func testEvents(t *testing.T, s dm.Store) {
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	m := send(t, s, c.ID, a, "hello", at(1))
	if got := lastEventSeq(t, s, a); got != 0 {
		t.Errorf("LastEventSeq of an empty log = %d", got)
	}
	actor := b.Profile()
	in := []dm.Event{
		{Type: dm.EventMessageCreated, ConversationID: c.ID, At: at(1), Message: m},
		{Type: dm.EventReactionAdded, ConversationID: c.ID, At: at(2), Actor: &actor, Emoji: "👍"},
		{Type: dm.EventReadUpdated, ConversationID: c.ID, At: at(3), Actor: &actor, ReadSeq: 1},
		{Type: dm.EventConversationCreated, ConversationID: c.ID, At: at(4), Conversation: getConversation(t, s, c.ID, a)},
	}
	for i, e := range in {
		got := appendEvent(t, s, a, e)
		if got.Seq != int64(i+1) {
			t.Errorf("event %d of a has seq %d", i+1, got.Seq)
		}
	}
	if got := appendEvent(t, s, b, in[0]); got.Seq != 1 {
		t.Errorf("b's first event has seq %d: logs are per user", got.Seq)
	}
	es, err := events(t, s, a, 0, 10)
	if err != nil || len(es) != 4 {
		t.Fatalf("Events(a, 0) = %+v, %v", es, err)
	}
	for i, e := range es {
		w := in[i]
		if e.Seq != int64(i+1) || e.Type != w.Type || e.ConversationID != c.ID || e.Emoji != w.Emoji || e.ReadSeq != w.ReadSeq {
			t.Errorf("event %d = %+v, want %+v", i+1, e, w)
		}
		wantUTC(t, "Event.At", e.At, w.At)
		if (e.Actor == nil) != (w.Actor == nil) || e.Actor != nil && *e.Actor != *w.Actor {
			t.Errorf("event %d actor = %+v, want %+v", i+1, e.Actor, w.Actor)
		}
	}
	if es[0].Message == nil || es[0].Message.ID != m.ID || es[0].Message.Text != "hello" || es[0].Message.Seq != 1 ||
		es[0].Message.Sender != a.Profile() {
		t.Errorf("event message = %+v, want %+v", es[0].Message, m)
	}
	if cv := es[3].Conversation; cv == nil || cv.ID != c.ID || len(cv.Members) != 2 {
		t.Errorf("event conversation = %+v", cv)
	}
	if got := eventSeqs(t, s, a, 1, 10); !slices.Equal(got, []int64{2, 3, 4}) {
		t.Errorf("Events(a, after 1) = %v", got)
	}
	if got := eventSeqs(t, s, a, 1, 2); !slices.Equal(got, []int64{2, 3}) {
		t.Errorf("Events(a, after 1, limit 2) = %v", got)
	}
	if got := eventSeqs(t, s, a, 4, 10); len(got) != 0 {
		t.Errorf("Events(a, after 4) = %v, want none", got)
	}
	if la, lb := lastEventSeq(t, s, a), lastEventSeq(t, s, b); la != 4 || lb != 1 {
		t.Errorf("LastEventSeq a, b = %d, %d; want 4, 1", la, lb)
	}
}

func testPruneEvents(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b, c := newAccount(t, s, "alice"), newAccount(t, s, "bob"), newAccount(t, s, "carol")
	conv := newConversation(t, s, dm.ConversationGroup, at(0), owner(a), accepted(b), accepted(c))
	for i := range 5 {
		appendEvent(t, s, a, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(i), ReadSeq: int64(i)})
	}
	appendEvent(t, s, b, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(10)})
	pruneN := func(before time.Time, limit int) int64 {
		var n int64
		update(t, s, func(tx dm.Tx) (err error) { n, err = tx.PruneEvents(ctx, before, limit); return err })
		return n
	}
	prune := func(before time.Time) int64 { return pruneN(before, 1000) }
	// A slice: the two oldest only.
	if n := pruneN(at(3), 2); n != 2 {
		t.Errorf("PruneEvents(before event 4, limit 2) = %d, want 2", n)
	}
	_, err := events(t, s, a, 1, 10)
	wantCode(t, "Events(a, after 1) once 1-2 are pruned", err, dm.EGONE)
	if got := eventSeqs(t, s, a, 2, 10); !slices.Equal(got, []int64{3, 4, 5}) {
		t.Errorf("Events(a, after 2) after a slice of 2 = %v, want [3 4 5]", got)
	}
	if n := prune(at(3)); n != 1 {
		t.Errorf("PruneEvents(before event 4) after the slice = %d, want 1", n)
	}
	for _, after := range []int64{0, 1, 2} {
		_, err := events(t, s, a, after, 10)
		wantCode(t, fmt.Sprintf("Events(a, after %d) once 1-3 are pruned", after), err, dm.EGONE)
	}
	if got := eventSeqs(t, s, a, 3, 10); !slices.Equal(got, []int64{4, 5}) {
		t.Errorf("Events(a, after 3) = %v, want [4 5]", got)
	}
	if got := eventSeqs(t, s, a, 5, 10); len(got) != 0 {
		t.Errorf("Events(a, after 5) = %v, want none", got)
	}
	if got := eventSeqs(t, s, b, 0, 10); !slices.Equal(got, []int64{1}) {
		t.Errorf("b's log = %v: pruning a's old events touched it", got)
	}
	if got := eventSeqs(t, s, c, 0, 10); len(got) != 0 {
		t.Errorf("c's empty log = %v", got)
	}
	// Pruning everything keeps the seqs going.
	if n := prune(at(100)); n != 3 {
		t.Errorf("PruneEvents(everything) = %d, want 3", n)
	}
	if got := lastEventSeq(t, s, a); got != 5 {
		t.Errorf("LastEventSeq after pruning everything = %d, want 5", got)
	}
	if got := eventSeqs(t, s, a, 5, 10); len(got) != 0 {
		t.Errorf("Events(a, current cursor) = %v, want none and no error", got)
	}
	if e := appendEvent(t, s, a, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(200)}); e.Seq != 6 {
		t.Errorf("seq after pruning everything = %d, want 6", e.Seq)
	}
	if got := eventSeqs(t, s, a, 5, 10); !slices.Equal(got, []int64{6}) {
		t.Errorf("Events(a, after 5) = %v, want [6]", got)
	}
	_, err = events(t, s, a, 4, 10)
	wantCode(t, "Events(a, after 4)", err, dm.EGONE)
	if got := lastEventSeq(t, s, b); got != 1 {
		t.Errorf("LastEventSeq(b) after pruning = %d, want 1", got)
	}

	// After a clock step back, the newest event can be the oldest by time:
	// pruning it must not let its seq be given out again.
	appendEvent(t, s, c, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(500)})
	appendEvent(t, s, c, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(300)})
	if n := prune(at(400)); n != 2 {
		t.Errorf("PruneEvents(between c's two events) = %d, want 2 (a's at 200, c's at 300)", n)
	}
	if got := lastEventSeq(t, s, c); got != 2 {
		t.Errorf("LastEventSeq(c) after its newest event was pruned = %d, want 2", got)
	}
	if e := appendEvent(t, s, c, dm.Event{Type: dm.EventReadUpdated, ConversationID: conv.ID, At: at(600)}); e.Seq != 3 {
		t.Errorf("c's next seq = %d, want 3", e.Seq)
	}
	_, err = events(t, s, c, 1, 10)
	wantCode(t, "Events(c, after 1) once seq 2 is pruned", err, dm.EGONE)
	if got := eventSeqs(t, s, c, 2, 10); !slices.Equal(got, []int64{3}) {
		t.Errorf("Events(c, after 2) = %v, want [3]", got)
	}
}

func testConcurrentSends(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	gotSeqs := make(chan int64, n)
	for i := range n {
		wg.Go(func() {
			m := &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: a.Profile(), Text: fmt.Sprint(i), CreatedAt: at(i)}
			errs <- s.Update(ctx, func(tx dm.Tx) error {
				if err := tx.InsertMessage(ctx, m, fmt.Sprintf("c%d", i)); err != nil {
					return err
				}
				for _, u := range []*dm.Account{a, b} {
					e := dm.Event{Type: dm.EventMessageCreated, ConversationID: c.ID, At: m.CreatedAt, Message: m}
					if err := tx.AppendEvent(ctx, u.ID, &e); err != nil {
						return err
					}
				}
				return nil
			})
			gotSeqs <- m.Seq
		})
	}
	wg.Wait()
	close(errs)
	close(gotSeqs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent send: %v", err)
		}
	}
	var returned []int64
	for s := range gotSeqs {
		returned = append(returned, s)
	}
	slices.Sort(returned)
	if !slices.Equal(returned, seqRange(1, n)) {
		t.Errorf("seqs given to the senders = %v, want 1..%d once each", returned, n)
	}
	if got := seqs(listMessages(t, s, c.ID, a, 0, 2*n)); !slices.Equal(got, seqRange(n, 1)) {
		t.Errorf("stored message seqs = %v, want %d..1", got, n)
	}
	for _, u := range []*dm.Account{a, b} {
		if got := eventSeqs(t, s, u, 0, 2*n); !slices.Equal(got, seqRange(1, n)) {
			t.Errorf("%s's event seqs = %v, want 1..%d", u.Handle, got, n)
		}
	}
}

func testFailedUpdates(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	c := newConversation(t, s, dm.ConversationDirect, at(0), accepted(a), accepted(b))
	const n = 60
	var wg sync.WaitGroup
	type result struct {
		fail bool
		id   string
		err  error
	}
	results := make(chan result, n)
	for i := range n {
		wg.Go(func() {
			fail := i%3 == 1
			boom := fmt.Errorf("boom %d", i)
			m := &dm.Message{ID: dm.NewID(), ConversationID: c.ID, Sender: b.Profile(), Text: fmt.Sprint(i), CreatedAt: at(i)}
			err := s.Update(ctx, func(tx dm.Tx) error {
				if err := tx.InsertMessage(ctx, m, ""); err != nil {
					return err
				}
				e := dm.Event{Type: dm.EventMessageCreated, ConversationID: c.ID, At: m.CreatedAt, Message: m}
				if err := tx.AppendEvent(ctx, a.ID, &e); err != nil {
					return err
				}
				if fail {
					return boom
				}
				return nil
			})
			if fail && !errors.Is(err, boom) {
				t.Errorf("failing Update returned %v, want its own error", err)
			}
			results <- result{fail, m.ID, err}
		})
	}
	wg.Wait()
	close(results)
	ok := 0
	for r := range results {
		if !r.fail && r.err != nil {
			t.Fatalf("Update next to failing ones: %v", r.err)
		}
		err := s.View(ctx, func(tx dm.Tx) error { _, err := tx.Message(ctx, r.id, a.ID); return err })
		switch {
		case r.fail:
			wantCode(t, "message of a failed Update", err, dm.ENOTFOUND)
		case err != nil:
			t.Errorf("message of a committed Update: %v", err)
		default:
			ok++
		}
	}
	if got := seqs(listMessages(t, s, c.ID, a, 0, 2*n)); !slices.Equal(got, seqRange(int64(ok), 1)) {
		t.Errorf("message seqs = %v, want %d..1 without gaps", got, ok)
	}
	if got := eventSeqs(t, s, a, 0, 2*n); !slices.Equal(got, seqRange(1, int64(ok))) {
		t.Errorf("event seqs = %v, want 1..%d without gaps", got, ok)
	}
}

func testCanceledUpdate(t *testing.T, s dm.Store) {
	a := newAccount(t, s, "alice")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Update(ctx, func(tx dm.Tx) error {
		return tx.UpdateAccount(ctx, &dm.Account{ID: a.ID, DisplayName: "Changed"}, dm.DefaultSettings())
	})
	if err == nil {
		t.Errorf("Update with a canceled context succeeded")
	}
	if err := s.View(ctx, func(dm.Tx) error { return nil }); err == nil {
		t.Errorf("View with a canceled context succeeded")
	}
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Account(context.Background(), a.ID)
		if err == nil && got.DisplayName != a.DisplayName {
			t.Errorf("the write of a canceled Update happened: %+v", got)
		}
		return err
	})
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}
