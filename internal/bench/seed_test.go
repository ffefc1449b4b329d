package bench

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/transfer"
)

// The seed writes through the bulk loader what the store's own methods
// would have written: its export passes every check of parley import (seqs
// 1..last_seq in order, members, references) and loads into another store
// unchanged, and the long conversation's deep messages are where the
// manifest says.
func TestSeedIsAValidExport(t *testing.T) {
	ctx := context.Background()
	open := func() *sqlite.DB {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	src := open()
	m, err := Seed(ctx, src, SeedOptions{Conversations: 90, Messages: 1000, InboxConversations: 30, HistoryMessages: 400, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if _, err := transfer.Export(ctx, src, &first, nil); err != nil {
		t.Fatal(err)
	}
	dst := open()
	r, err := transfer.Import(ctx, dst, bytes.NewReader(first.Bytes()), transfer.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Inserted.Messages != 1000 || r.Inserted.Conversations != 90 || r.Inserted.Accounts != 33 {
		t.Errorf("import of the seed inserted %+v", r.Inserted)
	}
	var second bytes.Buffer
	if _, err := transfer.Export(ctx, dst, &second, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("the seed's export changed through an import")
	}
	err = dst.View(ctx, func(tx dm.Tx) error {
		inbox, err := tx.AccountByHandle(ctx, m.InboxHandle)
		if err != nil {
			return err
		}
		page, _, err := tx.Conversations(ctx, inbox.ID, dm.FolderInbox, "", 100)
		if err != nil {
			return err
		}
		if len(page) != m.InboxConversations {
			t.Errorf("inbox has %d conversations, want %d", len(page), m.InboxConversations)
		}
		for i := 1; i < len(page); i++ {
			if page[i].UpdatedAt.After(page[i-1].UpdatedAt) {
				t.Errorf("inbox out of order at %d", i)
			}
		}
		history, err := tx.AccountByHandle(ctx, m.HistoryHandle)
		if err != nil {
			return err
		}
		for _, id := range m.DeepMessages {
			msg, err := tx.Message(ctx, id, history.ID)
			if err != nil {
				return err
			}
			if msg.ConversationID != m.HistoryConversation || msg.Seq <= int64(m.HistoryMessages/4) || msg.Seq > int64(3*m.HistoryMessages/4) {
				t.Errorf("deep message %s is seq %d of %s", id, msg.Seq, msg.ConversationID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
