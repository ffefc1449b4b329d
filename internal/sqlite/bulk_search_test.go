package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// LoadBatch indexes a batch's messages in one statement that reads them
// back by runs of consecutive seqs (searchRuns): the index must hold
// exactly the stored messages with text, whatever the batch's shape (runs
// interleaved across conversations, more messages than a chunk of
// bulkRows, deleted and empty messages, a batch partly loaded before).
func TestLoadBatchSearchIndex(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	ann, bo := account("ann"), account("bo")
	createAccount(t, db, ann)
	createAccount(t, db, bo)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	const convs, per = 5, 90
	var cs []dm.BulkConversation
	for range convs {
		c := dm.BulkConversation{ID: dm.NewID(), Kind: dm.ConversationGroup, Title: "g", CreatedAt: t0, UpdatedAt: t0, LastSeq: per,
			Members: []dm.Membership{{UserID: ann.ID, Role: dm.RoleOwner, Status: dm.StatusAccepted, JoinedAt: t0},
				{UserID: bo.ID, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: t0}}}
		cs = append(cs, c)
	}
	if _, err := db.LoadBatch(ctx, &dm.BulkBatch{Conversations: cs}); err != nil {
		t.Fatal(err)
	}
	text := func(c int, seq int64) string {
		switch {
		case seq%7 == 3:
			return "" // an attachment-only message
		case seq%11 == 5:
			return "gone" // deleted below
		}
		return fmt.Sprintf("word%dx%d common", c, seq)
	}
	msg := func(c int, seq int64) dm.BulkMessage {
		m := dm.BulkMessage{ID: dm.NewID(), ConversationID: cs[c].ID, Seq: seq, SenderID: ann.ID, Text: text(c, seq), CreatedAt: t0}
		if m.Text == "gone" {
			m.Deleted, m.Text = true, ""
		}
		return m
	}
	// First: every other seq of conversations 0-2, interleaved message by
	// message (each a run of its own: more runs than 128).
	var first []dm.BulkMessage
	for seq := int64(1); seq <= per; seq += 2 {
		for c := range 3 {
			first = append(first, msg(c, seq))
		}
	}
	if _, err := db.LoadBatch(ctx, &dm.BulkBatch{Messages: first}); err != nil {
		t.Fatal(err)
	}
	// Then everything, conversation after conversation: the chunks are
	// partly new (the odd seqs exist), conversations 3 and 4 all new.
	var all []dm.BulkMessage
	for c := range convs {
		for seq := int64(1); seq <= per; seq++ {
			all = append(all, msg(c, seq))
		}
	}
	n, err := db.LoadBatch(ctx, &dm.BulkBatch{Messages: all})
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(convs*per - len(first)); n.Messages != want {
		t.Errorf("second load inserted %d messages, want %d", n.Messages, want)
	}
	if _, err := db.LoadBatch(ctx, &dm.BulkBatch{Messages: all}); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{}
	err = db.View(ctx, func(d dm.Tx) error {
		for c := range convs {
			var ord int64
			if err := d.(*tx).queryRow(ctx, `SELECT ord FROM search_conversations WHERE conversation_id = ?`, cs[c].ID).Scan(&ord); err != nil {
				return err
			}
			for seq := int64(1); seq <= per; seq++ {
				if m := msg(c, seq); m.Text != "" {
					want[ord<<32|seq] = m.Text
				}
			}
		}
		rows, err := d.(*tx).query(ctx, `SELECT rowid, text FROM message_fts`)
		if err != nil {
			return err
		}
		defer rows.Close()
		got := 0
		for rows.Next() {
			var r int64
			var s string
			if err := rows.Scan(&r, &s); err != nil {
				return err
			}
			got++
			if want[r] != s {
				t.Errorf("index row %d (conversation ord %d, seq %d): %q, want %q", r, r>>32, r&0xffffffff, s, want[r])
			}
		}
		if got != len(want) {
			t.Errorf("message_fts has %d rows, want %d", got, len(want))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	var hits []dm.SearchHit
	err = db.View(ctx, func(tx dm.Tx) (err error) {
		hits, err = tx.SearchMessages(ctx, dm.SearchQuery{UserID: bo.ID, Words: []string{"word4x89"}, Limit: 10})
		return err
	})
	if err != nil || len(hits) != 1 {
		t.Errorf("search for one loaded message: %d hits, %v", len(hits), err)
	}
}

func TestSearchRuns(t *testing.T) {
	m := func(c string, seq int64) dm.BulkMessage { return dm.BulkMessage{ConversationID: c, Seq: seq} }
	got := searchRuns([]dm.BulkMessage{m("a", 1), m("a", 2), m("a", 3), m("b", 1), m("b", 3), m("c", 7), m("a", 4)}, nil)
	want := []seqRun{{"a", 1, 3}, {"b", 1, 1}, {"b", 3, 3}, {"c", 7, 7}, {"a", 4, 4}}
	if len(got) != len(want) {
		t.Fatalf("runs %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("run %d: %v, want %v", i, got[i], want[i])
		}
	}
}
