package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// After a bulk load the planner has sqlite_stat1 but no sqlite_stat4:
// with STAT4 rows SQLite prepares a statement again whenever a parameter
// compared to an indexed column changes, which made every FTS5 segment
// seek of a search parse and plan its '%_idx' lookup anew.
func TestFinishLoadLeavesNoStat4(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	b := &dm.BulkBatch{}
	for i := range 50 {
		b.Accounts = append(b.Accounts, dm.BulkAccount{Account: dm.Account{ID: dm.NewID(), Handle: fmt.Sprintf("u%d", i), Kind: dm.KindPerson, CreatedAt: now},
			Settings: dm.DefaultSettings()})
	}
	c := dm.BulkConversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: now, UpdatedAt: now, LastSeq: 100,
		Members: []dm.Membership{{UserID: b.Accounts[0].ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: now},
			{UserID: b.Accounts[1].ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: now}}}
	b.Conversations = append(b.Conversations, c)
	for seq := int64(1); seq <= 100; seq++ {
		b.Messages = append(b.Messages, dm.BulkMessage{ID: dm.NewID(), ConversationID: c.ID, Seq: seq, SenderID: b.Accounts[0].ID,
			Text: fmt.Sprintf("word%d common", seq%7), CreatedAt: now})
	}
	if _, err := db.LoadBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishLoad(ctx); err != nil {
		t.Fatal(err)
	}
	err := db.View(ctx, func(dt dm.Tx) error {
		var stat1, stat4 int
		if err := dt.(*tx).queryRow(ctx, `SELECT (SELECT count(*) FROM sqlite_stat1), (SELECT count(*) FROM sqlite_stat4)`).Scan(&stat1, &stat4); err != nil {
			return err
		}
		if stat1 == 0 || stat4 != 0 {
			t.Errorf("sqlite_stat1 has %d rows, sqlite_stat4 %d: want some, and none", stat1, stat4)
		}
		hits, err := dt.SearchMessages(ctx, dm.SearchQuery{UserID: b.Accounts[1].ID, Words: []string{"common"}, Limit: 5})
		if err != nil || len(hits) != 5 {
			t.Errorf("search after the load: %d hits, %v", len(hits), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
