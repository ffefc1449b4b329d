package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

// A chunk of messages with no reply, edit, deletion or client id is
// inserted with those columns as literals: the stored rows must be the
// same, to the column types, as through bound values.
func TestLoadBatchPlainMessages(t *testing.T) {
	ctx := context.Background()
	ann := account("ann")
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	c := dm.BulkConversation{ID: dm.NewID(), Kind: dm.ConversationGroup, Title: "g", CreatedAt: t0, UpdatedAt: t0, LastSeq: 3,
		Members: []dm.Membership{{UserID: ann.ID, Role: dm.RoleOwner, Status: dm.StatusAccepted, JoinedAt: t0}}}
	var msgs []dm.BulkMessage
	for seq := int64(1); seq <= 2; seq++ {
		msgs = append(msgs, dm.BulkMessage{ID: dm.NewID(), ConversationID: c.ID, Seq: seq, SenderID: ann.ID, Text: "hello", CreatedAt: t0})
	}
	rows := func(withClientID bool) []string {
		db, _ := openFile(t)
		createAccount(t, db, ann)
		if _, err := db.LoadBatch(ctx, &dm.BulkBatch{Conversations: []dm.BulkConversation{c}}); err != nil {
			t.Fatal(err)
		}
		b := &dm.BulkBatch{Messages: msgs}
		if withClientID { // one message of the chunk needs bound values
			b.Messages = append(append([]dm.BulkMessage(nil), msgs...),
				dm.BulkMessage{ID: dm.NewID(), ConversationID: c.ID, Seq: 3, SenderID: ann.ID, Text: "x", CreatedAt: t0, ClientID: "k"})
		}
		if !plainMessages(msgs) || plainMessages(b.Messages) != !withClientID {
			t.Fatal("plainMessages is wrong")
		}
		if _, err := db.LoadBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
		var got []string
		err := db.View(ctx, func(dt dm.Tx) error {
			rs, err := dt.(*tx).query(ctx, `SELECT quote(conversation_id) || quote(seq) || quote(id) || quote(sender_id) || quote(text) ||
				quote(reply_to) || quote(created_at) || quote(edited_at) || quote(deleted) || quote(client_id)
				FROM messages WHERE seq <= 2 ORDER BY seq`)
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var s string
				if err := rs.Scan(&s); err != nil {
					return err
				}
				got = append(got, s)
			}
			return rs.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	literal, bound := rows(false), rows(true)
	if len(literal) != 2 || len(bound) != 2 || literal[0] != bound[0] || literal[1] != bound[1] {
		t.Errorf("rows through literals %q, through bound values %q", literal, bound)
	}
}
