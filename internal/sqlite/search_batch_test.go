package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// The writer indexes a batch's new messages for search after its
// savepoints (flushSearch): what a savepoint rolled back, or edited or
// deleted after the insert in the same batch, must be indexed as it ends up.
func TestSearchIndexedPerBatch(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	ann, bo := account("ann"), account("bo")
	createAccount(t, db, ann)
	createAccount(t, db, bo)
	conv := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	err := db.Update(ctx, func(tx dm.Tx) error {
		return tx.CreateConversation(ctx, conv, []dm.Membership{
			{ConversationID: conv.ID, UserID: ann.ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: conv.CreatedAt},
			{ConversationID: conv.ID, UserID: bo.ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: conv.CreatedAt},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	msg := func(text string) *dm.Message {
		return &dm.Message{ID: dm.NewID(), ConversationID: conv.ID, Sender: ann.Profile(), Text: text, CreatedAt: time.Now()}
	}
	// Many concurrent sends share batches; one of every four edits its
	// message in the same Update, one deletes it, one fails after the insert.
	const n = 64
	var wg sync.WaitGroup
	oops := errors.New("oops")
	for i := range n {
		wg.Go(func() {
			m := msg(fmt.Sprintf("plain%d common", i))
			err := db.Update(ctx, func(tx dm.Tx) error {
				if err := tx.InsertMessage(ctx, m, ""); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					m.Text = fmt.Sprintf("edited%d common", i)
					return tx.UpdateMessage(ctx, m)
				case 2:
					m.Text, m.Deleted = "", true
					return tx.UpdateMessage(ctx, m)
				case 3:
					return oops
				}
				return nil
			})
			if (i%4 == 3) != (err == oops) {
				t.Errorf("send %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	count := func(word string) int {
		var hits []dm.SearchHit
		err := db.View(ctx, func(tx dm.Tx) (err error) {
			hits, err = tx.SearchMessages(ctx, dm.SearchQuery{UserID: bo.ID, Words: []string{word}, Limit: 100})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits)
	}
	if got := count("common"); got != n/2 {
		t.Errorf("common: %d hits, want %d (kept and edited messages, once each)", got, n/2)
	}
	for i := range n {
		plain, edited := count(fmt.Sprintf("plain%d", i)), count(fmt.Sprintf("edited%d", i))
		wantPlain, wantEdited := 0, 0
		switch i % 4 {
		case 0:
			wantPlain = 1
		case 1:
			wantEdited = 1
		}
		if plain != wantPlain || edited != wantEdited {
			t.Errorf("message %d: plain %d edited %d, want %d %d", i, plain, edited, wantPlain, wantEdited)
		}
	}
	// One FTS row per searchable message, none for the deleted ones.
	err = db.View(ctx, func(d dm.Tx) error {
		var fts int
		if err := d.(*tx).queryRow(ctx, `SELECT count(*) FROM message_fts`).Scan(&fts); err != nil {
			return err
		}
		if fts != n/2 {
			t.Errorf("message_fts has %d rows, want %d", fts, n/2)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
