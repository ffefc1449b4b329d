package storetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// moderationTests check account security (session details, reset tokens,
// moderation flags; dm.AccountTx) and dm.ModerationTx: reports, the
// moderation log, and hiding a suspended account's requests.
var moderationTests = []test{
	{"SessionDetails", testSessionDetails},
	{"PasswordResets", testPasswordResets},
	{"ModerationFlags", testModerationFlags},
	{"Reports", testReports},
	{"ModerationLog", testModerationLog},
	{"HideRequestsFrom", testHideRequestsFrom},
}

func testSessionDetails(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a, b := newAccount(t, s, "alice"), newAccount(t, s, "bob")
	update(t, s, func(tx dm.Tx) error {
		for i, h := range []string{"h1", "h2", "h3"} {
			if err := tx.CreateSession(ctx, h, a.ID, t0.Add(time.Hour)); err != nil {
				return err
			}
			if err := tx.TouchSession(ctx, h, at(i), "agent "+h, "192.0.2.1"); err != nil {
				return err
			}
		}
		return tx.CreateSession(ctx, "hb", b.ID, t0.Add(time.Hour))
	})
	update(t, s, func(tx dm.Tx) error { return tx.TouchSession(ctx, "h1", at(10), "", "") })
	view(t, s, func(tx dm.Tx) error {
		ss, err := tx.Sessions(ctx, a.ID, t0)
		if err != nil {
			t.Fatalf("Sessions: %v", err)
		}
		var hashes []string
		for _, si := range ss {
			hashes = append(hashes, si.TokenHash)
		}
		if !slices.Equal(hashes, []string{"h3", "h2", "h1"}) {
			t.Fatalf("Sessions = %v, want newest first h3 h2 h1", hashes)
		}
		h1 := ss[2]
		wantUTC(t, "CreatedAt", h1.CreatedAt, at(0))
		wantUTC(t, "LastSeenAt", h1.LastSeenAt, at(10))
		wantUTC(t, "ExpiresAt", h1.ExpiresAt, t0.Add(time.Hour))
		if h1.UserAgent != "agent h1" || h1.Address != "192.0.2.1" {
			t.Errorf("session h1 = %+v: a touch without device must keep the device", h1)
		}
		if ss, _ := tx.Sessions(ctx, a.ID, t0.Add(time.Hour)); len(ss) != 0 {
			t.Errorf("Sessions after expiry = %d, want 0", len(ss))
		}
		return nil
	})
	var ended []string
	update(t, s, func(tx dm.Tx) (err error) {
		ended, err = tx.DeleteUserSessions(ctx, a.ID, "h2")
		return err
	})
	slices.Sort(ended)
	if !slices.Equal(ended, []string{"h1", "h3"}) {
		t.Errorf("DeleteUserSessions(except h2) = %v, want h1 h3", ended)
	}
	view(t, s, func(tx dm.Tx) error {
		if _, err := tx.SessionAccount(ctx, "h2", t0); err != nil {
			t.Errorf("the kept session: %v", err)
		}
		if _, err := tx.SessionAccount(ctx, "hb", t0); err != nil {
			t.Errorf("another user's session: %v", err)
		}
		return nil
	})
	update(t, s, func(tx dm.Tx) (err error) {
		ended, err = tx.DeleteUserSessions(ctx, a.ID, "")
		return err
	})
	if !slices.Equal(ended, []string{"h2"}) {
		t.Errorf("DeleteUserSessions(all) = %v, want h2", ended)
	}
}

func testPasswordResets(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a := newAccount(t, s, "alice")
	update(t, s, func(tx dm.Tx) error {
		if err := tx.CreatePasswordReset(ctx, "r1", a.ID, t0, t0.Add(time.Hour)); err != nil {
			return err
		}
		return tx.CreatePasswordReset(ctx, "r2", a.ID, t0, t0.Add(time.Hour))
	})
	var user string
	update(t, s, func(tx dm.Tx) (err error) {
		user, err = tx.UsePasswordReset(ctx, "r1", t0.Add(time.Minute))
		return err
	})
	if user != a.ID {
		t.Errorf("UsePasswordReset = %q, want %q", user, a.ID)
	}
	err := s.Update(ctx, func(tx dm.Tx) error {
		_, err := tx.UsePasswordReset(ctx, "r1", t0.Add(time.Minute))
		return err
	})
	wantCode(t, "UsePasswordReset(used)", err, dm.ENOTFOUND)
	err = s.Update(ctx, func(tx dm.Tx) error {
		_, err := tx.UsePasswordReset(ctx, "r2", t0.Add(time.Hour))
		return err
	})
	wantCode(t, "UsePasswordReset(expired)", err, dm.ENOTFOUND)
	update(t, s, func(tx dm.Tx) error { return tx.SetPasswordHash(ctx, a.ID, "new-hash") })
	view(t, s, func(tx dm.Tx) error {
		if h, err := tx.PasswordHash(ctx, a.ID); err != nil || h != "new-hash" {
			t.Errorf("PasswordHash = %q, %v", h, err)
		}
		return nil
	})
}

func testModerationFlags(t *testing.T, s dm.Store) {
	ctx := context.Background()
	a := newAccount(t, s, "alice")
	c := newConversation(t, s, dm.ConversationDirect, t0, accepted(a), accepted(newAccount(t, s, "bob")))
	msg := send(t, s, c.ID, a, "hi", at(1))
	suspended := at(2)
	update(t, s, func(tx dm.Tx) error {
		if err := tx.SetRole(ctx, a.ID, dm.RoleOperator); err != nil {
			return err
		}
		if err := tx.SetVerified(ctx, a.ID, true); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, "h", a.ID, t0.Add(time.Hour)); err != nil {
			return err
		}
		return tx.SetSuspended(ctx, a.ID, &suspended)
	})
	view(t, s, func(tx dm.Tx) error {
		for what, get := range map[string]func() (*dm.Account, error){
			"Account":         func() (*dm.Account, error) { return tx.Account(ctx, a.ID) },
			"AccountByHandle": func() (*dm.Account, error) { return tx.AccountByHandle(ctx, "alice") },
			"SessionAccount":  func() (*dm.Account, error) { return tx.SessionAccount(ctx, "h", t0) },
			"Credentials": func() (*dm.Account, error) {
				acc, _, err := tx.Credentials(ctx, "alice")
				return acc, err
			},
		} {
			got, err := get()
			if err != nil || got.Role != dm.RoleOperator || !got.Suspended || !got.Verified {
				t.Errorf("%s = %+v, %v: want operator, suspended, verified", what, got, err)
			}
		}
		m, err := tx.Message(ctx, msg.ID, a.ID)
		if err != nil || !m.Sender.Suspended || !m.Sender.Verified {
			t.Errorf("Message sender = %+v, %v: want suspended and verified", m, err)
		}
		// A page reads its senders apart from its messages (SQLite).
		page, err := tx.Messages(ctx, msg.ConversationID, a.ID, 0, 10)
		if err != nil || len(page) != 1 || page[0].ID != msg.ID || page[0].Sender.Handle != "alice" || !page[0].Sender.Suspended || !page[0].Sender.Verified {
			t.Errorf("Messages sender = %+v, %v: want alice, suspended and verified", page, err)
		}
		return nil
	})
	update(t, s, func(tx dm.Tx) error { return tx.SetSuspended(ctx, a.ID, nil) })
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Account(ctx, a.ID)
		if err != nil || got.Suspended {
			t.Errorf("after unsuspending: %+v, %v", got, err)
		}
		return nil
	})
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.SetRole(ctx, dm.NewID(), "") })
	wantCode(t, "SetRole(unknown)", err, dm.ENOTFOUND)
}

func testReports(t *testing.T, s dm.Store) {
	ctx := context.Background()
	rep, rep2, sub := newAccount(t, s, "rep"), newAccount(t, s, "rep2"), newAccount(t, s, "sub")
	edited := at(3)
	r1 := &dm.Report{ID: "r1", ReporterID: rep.ID, SubjectID: sub.ID, ConversationID: "c1", Reason: "spam", Status: dm.ReportOpen, CreatedAt: at(1),
		Messages: []dm.ReportedMessage{{ID: "m1", Seq: 4, SenderID: sub.ID, Text: "buy", CreatedAt: at(0), EditedAt: &edited}}}
	r2 := &dm.Report{ID: "r2", ReporterID: rep.ID, SubjectID: sub.ID, Status: dm.ReportOpen, CreatedAt: at(2)}
	r3 := &dm.Report{ID: "r3", ReporterID: rep2.ID, SubjectID: sub.ID, Status: dm.ReportOpen, CreatedAt: at(2)}
	update(t, s, func(tx dm.Tx) error {
		for _, r := range []*dm.Report{r1, r2, r3} {
			if err := tx.CreateReport(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Report(ctx, "r1")
		if err != nil || got.Reason != "spam" || len(got.Messages) != 1 || got.Messages[0].Text != "buy" || got.Messages[0].EditedAt == nil {
			t.Fatalf("Report = %+v, %v", got, err)
		}
		wantUTC(t, "Report.CreatedAt", got.CreatedAt, at(1))
		wantUTC(t, "ReportedMessage.EditedAt", *got.Messages[0].EditedAt, edited)
		page, next, err := tx.Reports(ctx, dm.ReportOpen, "", 2)
		if err != nil || len(page) != 2 || page[0].ID != "r1" || page[1].ID != "r2" || next == "" {
			t.Fatalf("Reports page 1 = %v, %q, %v", page, next, err)
		}
		page, next, err = tx.Reports(ctx, dm.ReportOpen, next, 2)
		if err != nil || len(page) != 1 || page[0].ID != "r3" || next != "" {
			t.Fatalf("Reports page 2 = %v, %q, %v", page, next, err)
		}
		if page[0].Messages == nil {
			t.Error("a report without messages must read back an empty list, not nil")
		}
		n, err := tx.CountReports(ctx, sub.ID, t0)
		if err != nil || n != 2 {
			t.Errorf("CountReports = %d, %v; want 2 distinct reporters", n, err)
		}
		n, _ = tx.CountReports(ctx, sub.ID, at(2))
		if n != 2 {
			t.Errorf("CountReports(since r2) = %d, want 2", n)
		}
		n, _ = tx.CountReports(ctx, sub.ID, at(3))
		if n != 0 {
			t.Errorf("CountReports(after all) = %d, want 0", n)
		}
		return nil
	})
	update(t, s, func(tx dm.Tx) error { return tx.ResolveReport(ctx, "r1", rep2.ID, "warned", at(5)) })
	err := s.Update(ctx, func(tx dm.Tx) error { return tx.ResolveReport(ctx, "r1", rep2.ID, "again", at(6)) })
	wantCode(t, "ResolveReport(closed)", err, dm.ENOTFOUND)
	view(t, s, func(tx dm.Tx) error {
		got, err := tx.Report(ctx, "r1")
		if err != nil || got.Status != dm.ReportClosed || got.ResolvedBy != rep2.ID || got.Resolution != "warned" || got.ResolvedAt == nil {
			t.Fatalf("closed report = %+v, %v", got, err)
		}
		closed, _, err := tx.Reports(ctx, dm.ReportClosed, "", 10)
		if err != nil || len(closed) != 1 {
			t.Errorf("closed reports = %v, %v", closed, err)
		}
		_, err = tx.Report(ctx, "nope")
		wantCode(t, "Report(unknown)", err, dm.ENOTFOUND)
		// A reporter's own reports, newest first, open and closed.
		mine, next, err := tx.ReportsBy(ctx, rep.ID, "", 1)
		if err != nil || len(mine) != 1 || mine[0].ID != "r2" || next == "" {
			t.Fatalf("ReportsBy page 1 = %v, %q, %v", mine, next, err)
		}
		mine, next, err = tx.ReportsBy(ctx, rep.ID, next, 1)
		if err != nil || len(mine) != 1 || mine[0].ID != "r1" || mine[0].Status != dm.ReportClosed || next != "" {
			t.Fatalf("ReportsBy page 2 = %v, %q, %v; want r1, closed, and the end", mine, next, err)
		}
		if mine, _, err = tx.ReportsBy(ctx, sub.ID, "", 10); err != nil || len(mine) != 0 {
			t.Errorf("ReportsBy of the reported account = %v, %v; want none", mine, err)
		}
		_, _, err = tx.ReportsBy(ctx, rep.ID, "bad", 10)
		wantCode(t, "ReportsBy(bad cursor)", err, dm.EINVALID)
		return nil
	})
}

func testModerationLog(t *testing.T, s dm.Store) {
	ctx := context.Background()
	op, sub := newAccount(t, s, "op"), newAccount(t, s, "sub")
	var ids []int64
	update(t, s, func(tx dm.Tx) error {
		for i, act := range []string{dm.ModSuspend, dm.ModUnsuspend, dm.ModVerify} {
			e := &dm.ModerationEntry{At: at(i), OperatorID: op.ID, Action: act, SubjectID: sub.ID, Note: "n"}
			if err := tx.AddModerationLog(ctx, e); err != nil {
				return err
			}
			ids = append(ids, e.ID)
		}
		return nil
	})
	if !(ids[0] > 0 && ids[0] < ids[1] && ids[1] < ids[2]) {
		t.Fatalf("entry ids %v: want increasing", ids)
	}
	view(t, s, func(tx dm.Tx) error {
		es, err := tx.ModerationLog(ctx, 0, 2)
		if err != nil || len(es) != 2 || es[0].Action != dm.ModVerify || es[1].Action != dm.ModUnsuspend {
			t.Fatalf("ModerationLog = %+v, %v", es, err)
		}
		wantUTC(t, "At", es[0].At, at(2))
		es, err = tx.ModerationLog(ctx, es[1].ID, 10)
		if err != nil || len(es) != 1 || es[0].Action != dm.ModSuspend {
			t.Fatalf("ModerationLog(before) = %+v, %v", es, err)
		}
		return nil
	})
}

func testHideRequestsFrom(t *testing.T, s dm.Store) {
	ctx := context.Background()
	spam, bob, carol, dan := newAccount(t, s, "spam"), newAccount(t, s, "bob"), newAccount(t, s, "carol"), newAccount(t, s, "dan")
	toBob := newConversation(t, s, dm.ConversationDirect, t0, accepted(spam), request(bob))
	send(t, s, toBob.ID, spam, "offer", at(1))
	toCarol := newConversation(t, s, dm.ConversationDirect, t0, accepted(spam), accepted(carol)) // accepted: stays
	send(t, s, toCarol.ID, spam, "hi", at(1))
	group := newConversation(t, s, dm.ConversationGroup, t0, owner(spam), request(dan), accepted(carol))
	send(t, s, group.ID, spam, "join", at(2))
	// A group someone else owns, where spam is a member: dan's request stays.
	other := newConversation(t, s, dm.ConversationGroup, t0, owner(carol), accepted(spam), request(dan))
	send(t, s, other.ID, carol, "welcome", at(3))

	var hidden []dm.Membership
	update(t, s, func(tx dm.Tx) (err error) {
		hidden, err = tx.HideRequestsFrom(ctx, spam.ID)
		return err
	})
	var got []string
	for _, m := range hidden {
		got = append(got, m.ConversationID+"/"+m.UserID)
	}
	slices.Sort(got)
	want := []string{toBob.ID + "/" + bob.ID, group.ID + "/" + dan.ID}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("HideRequestsFrom = %v, want %v", got, want)
	}
	folder := func(a *dm.Account) []string {
		var ids []string
		view(t, s, func(tx dm.Tx) error {
			cs, _, err := tx.Conversations(ctx, a.ID, dm.FolderRequests, "", 50)
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return err
		})
		return ids
	}
	if r := folder(bob); len(r) != 0 {
		t.Errorf("bob's Requests = %v, want empty", r)
	}
	if r := folder(dan); !slices.Equal(r, []string{other.ID}) {
		t.Errorf("dan's Requests = %v, want only the group spam does not own", r)
	}
	update(t, s, func(tx dm.Tx) (err error) {
		hidden, err = tx.HideRequestsFrom(ctx, spam.ID)
		return err
	})
	if len(hidden) != 0 {
		t.Errorf("HideRequestsFrom twice = %v, want nothing more", hidden)
	}
}
