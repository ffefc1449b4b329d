package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// A bulk batch is loaded without SQLite's foreign-key lookups (dm.Bulk:
// its caller checks references), and the writer checks them again for the
// Updates that follow it, whether the batch committed or failed.
func TestLoadBatchForeignKeys(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	ann := account("ann")
	createAccount(t, db, ann)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	c := dm.BulkConversation{ID: dm.NewID(), Kind: dm.ConversationGroup, Title: "g", CreatedAt: t0, UpdatedAt: t0, LastSeq: 2,
		Members: []dm.Membership{{UserID: ann.ID, Role: dm.RoleOwner, Status: dm.StatusAccepted, JoinedAt: t0}}}
	if _, err := db.LoadBatch(ctx, &dm.BulkBatch{Conversations: []dm.BulkConversation{c}}); err != nil {
		t.Fatal(err)
	}
	// The sender of seq 2 is not stored: without the lookups, the batch
	// takes it (the caller vouched for it).
	msgs := []dm.BulkMessage{{ID: dm.NewID(), ConversationID: c.ID, Seq: 1, SenderID: ann.ID, Text: "a", CreatedAt: t0},
		{ID: dm.NewID(), ConversationID: c.ID, Seq: 2, SenderID: dm.NewID(), Text: "b", CreatedAt: t0}}
	if n, err := db.LoadBatch(ctx, &dm.BulkBatch{Messages: msgs}); err != nil || n.Messages != 2 {
		t.Fatalf("LoadBatch = %+v, %v; want 2 messages loaded", n, err)
	}
	checked := func(when string) {
		t.Helper()
		err := db.Update(ctx, func(dt dm.Tx) error {
			var on int
			if err := dt.(*tx).queryRow(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil {
				return err
			}
			if on != 1 {
				t.Errorf("%s: foreign_keys = %d on the writer", when, on)
			}
			_, err := dt.(*tx).exec(ctx, `INSERT INTO messages (conversation_id, seq, id, sender_id, text, reply_to, created_at)
				VALUES (?, 1, ?, ?, 'x', '', 0)`, dm.NewID(), dm.NewID(), ann.ID)
			return err
		})
		if err == nil {
			t.Errorf("%s: a message of a conversation that does not exist was stored by an Update", when)
		}
	}
	checked("after a batch that committed")
	// A batch that fails (a second account with ann's handle) rolls back.
	bad := dm.BulkAccount{Account: dm.Account{ID: dm.NewID(), Handle: "ann", Kind: dm.KindPerson, CreatedAt: t0}, Settings: dm.DefaultSettings()}
	if _, err := db.LoadBatch(ctx, &dm.BulkBatch{Accounts: []dm.BulkAccount{bad}}); err == nil {
		t.Fatal("LoadBatch took a second account with the same handle")
	}
	checked("after a batch that failed")
}
