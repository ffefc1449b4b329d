package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// LoadBatch runs its conversation, member, message, reaction and hidden
// message inserts (and the last-message update) with
// session_replication_role = replica, which turns off every ordinary
// trigger, not only the foreign-key checks: a trigger added on one of
// those tables would silently not fire for loaded rows. Such a trigger
// must be made ALWAYS (or the load changed) first.
func TestBulkReplicaTables(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rows, err := db.pool.Query(ctx, `SELECT tgrelid::regclass::text, tgname FROM pg_trigger
		WHERE NOT tgisinternal AND tgenabled <> 'A'
		AND tgrelid::regclass::text IN ('conversations', 'members', 'messages', 'reactions', 'hidden_messages')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table, name string
		if err := rows.Scan(&table, &name); err != nil {
			t.Fatal(err)
		}
		t.Errorf("trigger %s on %s would not fire for rows the bulk load writes (see LoadBatch)", name, table)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// A batch loaded with the checks off still writes what it should, leaves
// the session's role as it was, and a batch that breaks a unique rule is
// refused whole.
func TestLoadBatchReplica(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if !db.mayReplica(ctx) {
		t.Log("this role is not a superuser: the load keeps its foreign-key checks")
	}
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	a, z := dm.NewID(), dm.NewID()
	acc := func(id, h string) dm.BulkAccount {
		return dm.BulkAccount{Account: dm.Account{ID: id, Handle: h, Kind: dm.KindPerson, CreatedAt: t0}, Settings: dm.DefaultSettings(), PasswordHash: "h"}
	}
	conv := dm.BulkConversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: t0, UpdatedAt: t0, LastSeq: 2,
		Members: []dm.Membership{{UserID: a, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: t0},
			{UserID: z, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: t0}}}
	msgs := []dm.BulkMessage{
		{ID: dm.NewID(), ConversationID: conv.ID, Seq: 1, SenderID: a, Text: "one", CreatedAt: t0,
			Reactions: []dm.BulkReaction{{Emoji: "👍", UserID: z}}},
		{ID: dm.NewID(), ConversationID: conv.ID, Seq: 2, SenderID: z, Text: "two", CreatedAt: t0, HiddenFor: []string{a}},
	}
	n, err := db.LoadBatch(ctx, &dm.BulkBatch{Accounts: []dm.BulkAccount{acc(a, "ann"), acc(z, "zed")},
		Conversations: []dm.BulkConversation{conv}, Messages: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if n.Accounts != 2 || n.Conversations != 1 || n.Members != 2 || n.Messages != 2 || n.Reactions != 1 || n.Hidden != 1 {
		t.Errorf("inserted %+v", n)
	}
	var role string
	if err := db.pool.QueryRow(ctx, `SHOW session_replication_role`).Scan(&role); err != nil || role != "origin" {
		t.Errorf("session_replication_role %q after a load (%v), want origin", role, err)
	}
	// A second message with the seq of an existing one: refused whole.
	bad := dm.BulkMessage{ID: dm.NewID(), ConversationID: conv.ID, Seq: 1, SenderID: a, Text: "again", CreatedAt: t0}
	good := dm.BulkConversation{ID: dm.NewID(), Kind: dm.ConversationGroup, Title: "g", CreatedAt: t0, UpdatedAt: t0,
		Members: []dm.Membership{{UserID: a, Role: dm.RoleOwner, Status: dm.StatusAccepted, JoinedAt: t0}}}
	if _, err := db.LoadBatch(ctx, &dm.BulkBatch{Conversations: []dm.BulkConversation{good}, Messages: []dm.BulkMessage{bad}}); err == nil {
		t.Fatal("a batch with a message whose seq exists was loaded")
	}
	err = db.View(ctx, func(tx dm.Tx) error {
		if _, err := tx.Conversation(ctx, good.ID, a); !dm.IsCode(err, dm.ENOTFOUND) {
			t.Errorf("the refused batch's conversation: %v, want not found", err)
		}
		page, _, err := tx.Conversations(ctx, a, dm.FolderInbox, "", 10)
		if err != nil {
			return err
		}
		if len(page) != 1 || page[0].LastMessage == nil || page[0].LastMessage.Text != "two" {
			t.Errorf("ann's inbox after the load: %+v", page)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
