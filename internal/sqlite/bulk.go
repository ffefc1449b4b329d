package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

// This file is the bulk path (dm.Bulk): parley import, parley export and
// bench seed. A batch is one Update (so one transaction on the writer) of
// multi-row INSERT ... ON CONFLICT DO NOTHING statements: seqs, folder keys
// and search rowids come from the batch, not from per-row counters, and a
// row that exists already is skipped, which makes a second load of the same
// file a no-op. Only a row with the same key counts as existing: any other
// unique rule broken (a handle, a direct pair, a client_id that another row
// has in the target) refuses the batch, rather than dropping a row silently.
var _ dm.Bulk = (*DB)(nil)

// bulkRows is how many rows one INSERT carries: SQLite binds at most 32,766
// values per statement, and past a few hundred rows the gain is nil.
const bulkRows = 200

// insertRows runs "head VALUES (row),(row)... tail" over n rows in chunks
// of bulkRows, args(i) giving row i's values; it returns the rows changed.
// Each chunk size is one prepared statement, cached on the writer.
func (t *tx) insertRows(ctx context.Context, head, row, tail string, n int, args func(i int, dst []any) []any) (int64, error) {
	var total int64
	var vals []any
	for lo := 0; lo < n; lo += bulkRows {
		hi := min(n, lo+bulkRows)
		vals = vals[:0]
		for i := lo; i < hi; i++ {
			vals = args(i, vals)
		}
		q := head + " VALUES " + strings.TrimSuffix(strings.Repeat(row+",", hi-lo), ",") + " " + tail
		got, err := t.affected(ctx, q, vals...)
		if err != nil {
			return total, err
		}
		total += got
	}
	return total, nil
}

// LoadBatch writes b in one transaction (see dm.Bulk).
func (db *DB) LoadBatch(ctx context.Context, b *dm.BulkBatch) (dm.BulkCounts, error) {
	var n dm.BulkCounts
	err := db.updateAlone(ctx, func(dt dm.Tx) error {
		n = dm.BulkCounts{}
		return dt.(*tx).loadBatch(ctx, b, &n)
	})
	if err != nil {
		return dm.BulkCounts{}, err
	}
	return n, nil
}

func (t *tx) loadBatch(ctx context.Context, b *dm.BulkBatch, n *dm.BulkCounts) error {
	var err error
	if len(b.Accounts) > 0 {
		n.Accounts, err = t.insertRows(ctx, `INSERT INTO accounts (id, handle, display_name, bio, kind, created_at, password_hash,
			allow_incoming, read_receipts, time_zone, role, suspended_at, verified)`, `(?,?,?,?,?,?,?,?,?,?,?,?,?)`, `ON CONFLICT (id) DO NOTHING`,
			len(b.Accounts), func(i int, v []any) []any {
				a := &b.Accounts[i]
				return append(v, a.ID, a.Handle, a.DisplayName, a.Bio, a.Kind, ms(a.CreatedAt), a.PasswordHash,
					a.Settings.AllowIncoming, a.Settings.ReadReceipts, a.Settings.TimeZone, a.Role, nullMS(a.SuspendedAt), a.Verified)
			})
		if err != nil {
			return wrap(err, "accounts")
		}
	}
	if len(b.Follows) > 0 {
		n.Follows, err = t.insertRows(ctx, `INSERT INTO follows (follower_id, followee_id)`, `(?,?)`, `ON CONFLICT (follower_id, followee_id) DO NOTHING`,
			len(b.Follows), func(i int, v []any) []any { return append(v, b.Follows[i].Follower, b.Follows[i].Followee) })
		if err != nil {
			return wrap(err, "follows")
		}
		if n.Follows > 0 {
			// The counters SetFollow keeps, recounted for the accounts the
			// batch touched: exact whatever existed before.
			ids := map[string]bool{}
			for _, f := range b.Follows {
				ids[f.Follower], ids[f.Followee] = true, true
			}
			list := make([]any, 0, len(ids))
			for id := range ids {
				list = append(list, id)
			}
			_, err = t.insertRows(ctx, `UPDATE accounts SET followers_count = (SELECT count(*) FROM follows WHERE followee_id = accounts.id),
				following_count = (SELECT count(*) FROM follows WHERE follower_id = accounts.id) WHERE id IN (`, `(?)`, `)`,
				len(list), func(i int, v []any) []any { return append(v, list[i]) })
			if err != nil {
				return wrap(err, "follow counts")
			}
		}
	}
	if len(b.Blocks) > 0 {
		n.Blocks, err = t.insertRows(ctx, `INSERT INTO blocks (blocker_id, blocked_id)`, `(?,?)`, `ON CONFLICT (blocker_id, blocked_id) DO NOTHING`,
			len(b.Blocks), func(i int, v []any) []any { return append(v, b.Blocks[i].Blocker, b.Blocks[i].Blocked) })
		if err != nil {
			return wrap(err, "blocks")
		}
	}
	if len(b.Conversations) > 0 {
		// The insert trigger gives each new conversation its search ordinal.
		n.Conversations, err = t.insertRows(ctx, `INSERT INTO conversations (id, kind, title, direct_key, created_at, updated_at, last_seq)`,
			`(?,?,?,?,?,?,?)`, `ON CONFLICT (id) DO NOTHING`, len(b.Conversations), func(i int, v []any) []any {
				c := &b.Conversations[i]
				return append(v, c.ID, c.Kind, c.Title, nullString(bulkDirectKey(c)), ms(c.CreatedAt), ms(c.UpdatedAt), c.LastSeq)
			})
		if err != nil {
			return wrap(err, "conversations")
		}
		type member struct {
			c *dm.BulkConversation
			m *dm.Membership
		}
		var mems []member
		for i := range b.Conversations {
			c := &b.Conversations[i]
			for j := range c.Members {
				mems = append(mems, member{c, &c.Members[j]})
			}
		}
		n.Members, err = t.insertRows(ctx, `INSERT INTO members (conversation_id, user_id, role, status, muted, archived,
			last_read_seq, cleared_seq, joined_at, last_seq, active_at)`, `(?,?,?,?,?,?,?,?,?,?,?)`, `ON CONFLICT (conversation_id, user_id) DO NOTHING`,
			len(mems), func(i int, v []any) []any {
				c, m := mems[i].c, mems[i].m
				return append(v, c.ID, m.UserID, m.Role, m.Status, m.Muted, m.Archived, m.LastReadSeq, m.ClearedSeq,
					ms(m.JoinedAt), c.LastSeq, ms(c.UpdatedAt))
			})
		if err != nil {
			return wrap(err, "members")
		}
	}
	if len(b.Messages) > 0 {
		if err := t.loadMessages(ctx, b.Messages, n); err != nil {
			return err
		}
	}
	if len(b.EventLogs) > 0 {
		n.EventLogs, err = t.insertRows(ctx, `INSERT INTO event_logs (user_id, pruned_seq)`, `(?,?)`,
			`ON CONFLICT (user_id) DO UPDATE SET pruned_seq = excluded.pruned_seq WHERE excluded.pruned_seq > pruned_seq`,
			len(b.EventLogs), func(i int, v []any) []any { return append(v, b.EventLogs[i].UserID, b.EventLogs[i].Seq) })
		if err != nil {
			return wrap(err, "event logs")
		}
	}
	return nil
}

// bulkDirectKey is a direct conversation's pair key ("" for a group).
func bulkDirectKey(c *dm.BulkConversation) string {
	if c.Kind != dm.ConversationDirect || len(c.Members) != 2 {
		return ""
	}
	return dm.DirectKey(c.Members[0].UserID, c.Members[1].UserID)
}

// plainMessages says whether none of msgs is a reply, edited, deleted or
// has a client id.
func plainMessages(msgs []dm.BulkMessage) bool {
	for i := range msgs {
		if m := &msgs[i]; m.ReplyTo != "" || m.EditedAt != nil || m.Deleted || m.ClientID != "" {
			return false
		}
	}
	return true
}

// seqRun is the seqs lo to hi of one conversation.
type seqRun struct {
	conv   string
	lo, hi int64
}

// searchRuns appends to dst the runs of consecutive seqs of msgs, in their
// order.
func searchRuns(msgs []dm.BulkMessage, dst []seqRun) []seqRun {
	for i := range msgs {
		m := &msgs[i]
		if k := len(dst) - 1; k >= 0 && dst[k].conv == m.ConversationID && dst[k].hi+1 == m.Seq {
			dst[k].hi++
			continue
		}
		dst = append(dst, seqRun{m.ConversationID, m.Seq, m.Seq})
	}
	return dst
}

// qLoadSearch indexes for search the stored messages of runs of seqs (a
// JSON array of [conversation, lo, hi]) with their current text; with
// qLoadSearchOld, only those not indexed yet (every stored message with
// text is indexed, so the rows of a run that existed before a load are).
const (
	qLoadSearch = `INSERT INTO message_fts (rowid, text) SELECT sc.ord << 32 | m.seq, m.text FROM json_each(?1) r
		CROSS JOIN search_conversations sc ON sc.conversation_id = r.value ->> 0
		CROSS JOIN messages m ON m.conversation_id = r.value ->> 0 AND m.seq BETWEEN r.value ->> 1 AND r.value ->> 2
		WHERE NOT m.deleted AND m.text <> ''`
	qLoadSearchOld = qLoadSearch + ` AND NOT EXISTS (SELECT 1 FROM message_fts f WHERE f.rowid = sc.ord << 32 | m.seq)`
)

func (t *tx) loadMessages(ctx context.Context, msgs []dm.BulkMessage, n *dm.BulkCounts) error {
	var inserted int64
	for lo := 0; lo < len(msgs); lo += bulkRows {
		chunk := msgs[lo:min(len(msgs), lo+bulkRows)]
		row, args := `(?,?,?,?,?,?,?,?,?,?)`, func(i int, v []any) []any {
			m := &chunk[i]
			return append(v, m.ConversationID, m.Seq, m.ID, m.SenderID, m.Text, m.ReplyTo, ms(m.CreatedAt),
				nullMS(m.EditedAt), m.Deleted, nullString(m.ClientID))
		}
		if plainMessages(chunk) {
			// The same values, the constant ones as literals: binding is
			// a tenth of a load's CPU (each value is copied into C memory),
			// and most messages have no reply, edit, deletion or client id.
			row, args = `(?,?,?,?,?,'',?,NULL,0,NULL)`, func(i int, v []any) []any {
				m := &chunk[i]
				return append(v, m.ConversationID, m.Seq, m.ID, m.SenderID, m.Text, ms(m.CreatedAt))
			}
		}
		got, err := t.insertRows(ctx, `INSERT INTO messages (conversation_id, seq, id, sender_id, text, reply_to,
			created_at, edited_at, deleted, client_id)`, row, `ON CONFLICT (conversation_id, seq) DO NOTHING`, len(chunk), args)
		if err != nil {
			return wrap(err, "messages")
		}
		inserted += got
	}
	n.Messages += inserted
	// The batch's search rows go in one statement after its messages, read
	// back from them by runs of consecutive seqs (a batch of an export or
	// a seed holds a few conversations' messages in order): FTS5 writes a
	// segment at the end of every statement, and a segment per chunk of
	// bulkRows cost a flush each and merges of those small segments.
	if inserted > 0 {
		runs := searchRuns(msgs, nil)
		keys := make([]any, len(runs))
		for i, r := range runs {
			keys[i] = []any{r.conv, r.lo, r.hi}
		}
		list, err := json.Marshal(keys)
		if err != nil {
			return err
		}
		q := qLoadSearch
		if inserted < int64(len(msgs)) {
			q = qLoadSearchOld // a batch partly loaded before
		}
		if _, err := t.exec(ctx, q, string(list)); err != nil {
			return wrap(err, "search index")
		}
	}
	type reaction struct {
		m *dm.BulkMessage
		r dm.BulkReaction
	}
	type hidden struct {
		m    *dm.BulkMessage
		user string
	}
	var rs []reaction
	var hs []hidden
	for i := range msgs {
		for _, r := range msgs[i].Reactions {
			rs = append(rs, reaction{&msgs[i], r})
		}
		for _, u := range msgs[i].HiddenFor {
			hs = append(hs, hidden{&msgs[i], u})
		}
	}
	var err error
	if len(rs) > 0 {
		n.Reactions, err = t.insertRows(ctx, `INSERT INTO reactions (conversation_id, seq, emoji, user_id)`, `(?,?,?,?)`, `ON CONFLICT (conversation_id, seq, emoji, user_id) DO NOTHING`,
			len(rs), func(i int, v []any) []any {
				return append(v, rs[i].m.ConversationID, rs[i].m.Seq, rs[i].r.Emoji, rs[i].r.UserID)
			})
		if err != nil {
			return wrap(err, "reactions")
		}
	}
	if len(hs) > 0 {
		n.Hidden, err = t.insertRows(ctx, `INSERT INTO hidden_messages (user_id, conversation_id, seq)`, `(?,?,?)`, `ON CONFLICT (user_id, conversation_id, seq) DO NOTHING`,
			len(hs), func(i int, v []any) []any { return append(v, hs[i].user, hs[i].m.ConversationID, hs[i].m.Seq) })
		if err != nil {
			return wrap(err, "hidden messages")
		}
	}
	return nil
}

// FinishLoad gives the planner statistics of the loaded tables: the
// per-index row estimates of sqlite_stat1 only. The driver's SQLite has
// STAT4, and with sqlite_stat4 rows a statement whose bound parameter is
// compared to an indexed column is prepared again every time that
// parameter changes: after an ANALYZE, every seek of an FTS5 term into a
// segment (its '%_idx' lookup) and the app's keyed statements were parsed
// and planned anew at each call (55% of a search's CPU).
func (db *DB) FinishLoad(ctx context.Context) error {
	return db.Update(ctx, func(dt dm.Tx) error {
		t := dt.(*tx)
		_, err := t.exec(ctx, `ANALYZE`)
		if err == nil {
			_, err = t.exec(ctx, `DELETE FROM sqlite_stat4`)
		}
		if err == nil {
			_, err = t.exec(ctx, `ANALYZE sqlite_schema`)
		}
		return wrap(err, "analyze")
	})
}

// Dump reads the export from one read snapshot (see dm.BulkSink for the
// order). Messages hidden by a member are read first into memory: they are
// few, and their table is keyed by user, not by message.
func (db *DB) Dump(ctx context.Context, sink dm.BulkSink) error {
	return db.View(ctx, func(dt dm.Tx) error { return dt.(*tx).dump(ctx, sink) })
}

func (t *tx) dump(ctx context.Context, sink dm.BulkSink) error {
	each := func(what, q string, scan func(rows *sql.Rows) error) error {
		rows, err := t.query(ctx, q)
		if err != nil {
			return wrap(err, what)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return wrap(rows.Err(), what)
	}
	err := each("accounts", `SELECT id, handle, display_name, bio, kind, created_at, password_hash, allow_incoming, read_receipts,
		time_zone, role, suspended_at, verified FROM accounts ORDER BY id`, func(rows *sql.Rows) error {
		var a dm.BulkAccount
		var created int64
		var suspended sql.NullInt64
		if err := rows.Scan(&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &created, &a.PasswordHash, &a.Settings.AllowIncoming,
			&a.Settings.ReadReceipts, &a.Settings.TimeZone, &a.Role, &suspended, &a.Verified); err != nil {
			return err
		}
		a.CreatedAt, a.SuspendedAt = utc(created), nullUTC(suspended)
		a.Suspended = a.SuspendedAt != nil
		return sink.Account(&a)
	})
	if err == nil {
		err = each("follows", `SELECT follower_id, followee_id FROM follows ORDER BY id`, func(rows *sql.Rows) error {
			var f dm.BulkFollow
			if err := rows.Scan(&f.Follower, &f.Followee); err != nil {
				return err
			}
			return sink.Follow(&f)
		})
	}
	if err == nil {
		err = each("blocks", `SELECT blocker_id, blocked_id FROM blocks ORDER BY blocker_id, blocked_id`, func(rows *sql.Rows) error {
			var b dm.BulkBlock
			if err := rows.Scan(&b.Blocker, &b.Blocked); err != nil {
				return err
			}
			return sink.Block(&b)
		})
	}
	if err == nil {
		err = each("conversations", `SELECT c.id, c.kind, c.title, c.created_at, c.updated_at, c.last_seq,
			(SELECT json_group_array(json_array(user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at) ORDER BY ord)
			 FROM members WHERE conversation_id = c.id)
			FROM conversations c ORDER BY c.id`, func(rows *sql.Rows) error {
			var c dm.BulkConversation
			var created, updated int64
			var members string
			if err := rows.Scan(&c.ID, &c.Kind, &c.Title, &created, &updated, &c.LastSeq, &members); err != nil {
				return err
			}
			c.CreatedAt, c.UpdatedAt = utc(created), utc(updated)
			var raw [][]any
			if err := json.Unmarshal([]byte(members), &raw); err != nil {
				return fmt.Errorf("sqlite: members of %s: %w", c.ID, err)
			}
			for _, r := range raw {
				c.Members = append(c.Members, dm.Membership{ConversationID: c.ID, UserID: r[0].(string), Role: r[1].(string),
					Status: r[2].(string), Muted: r[3].(float64) != 0, Archived: r[4].(float64) != 0,
					LastReadSeq: int64(r[5].(float64)), ClearedSeq: int64(r[6].(float64)), JoinedAt: utc(int64(r[7].(float64)))})
			}
			return sink.Conversation(&c)
		})
	}
	if err != nil {
		return err
	}
	hidden := map[searchRow][]string{}
	err = each("hidden messages", `SELECT conversation_id, seq, user_id FROM hidden_messages ORDER BY user_id`, func(rows *sql.Rows) error {
		var k searchRow
		var u string
		if err := rows.Scan(&k.conv, &k.seq, &u); err != nil {
			return err
		}
		hidden[k] = append(hidden[k], u)
		return nil
	})
	if err == nil {
		err = each("messages", `SELECT m.conversation_id, m.seq, m.id, m.sender_id, m.text, m.reply_to, coalesce(m.client_id, ''),
			m.created_at, m.edited_at, m.deleted,
			(SELECT json_group_array(json_array(r.emoji, r.user_id) ORDER BY r.id) FROM reactions r
			 WHERE r.conversation_id = m.conversation_id AND r.seq = m.seq)
			FROM messages m ORDER BY m.conversation_id, m.seq`, func(rows *sql.Rows) error {
			var m dm.BulkMessage
			var created int64
			var edited sql.NullInt64
			var reactions string
			if err := rows.Scan(&m.ConversationID, &m.Seq, &m.ID, &m.SenderID, &m.Text, &m.ReplyTo, &m.ClientID, &created, &edited,
				&m.Deleted, &reactions); err != nil {
				return err
			}
			m.CreatedAt, m.EditedAt = utc(created), nullUTC(edited)
			if reactions != "[]" {
				var raw [][2]string
				if err := json.Unmarshal([]byte(reactions), &raw); err != nil {
					return fmt.Errorf("sqlite: reactions of %s: %w", m.ID, err)
				}
				for _, r := range raw {
					m.Reactions = append(m.Reactions, dm.BulkReaction{Emoji: r[0], UserID: r[1]})
				}
			}
			m.HiddenFor = hidden[searchRow{m.ConversationID, m.Seq}]
			return sink.Message(&m)
		})
	}
	if err == nil {
		err = each("event logs", `SELECT user_id, max(seq) FROM (
				SELECT user_id, max(seq) AS seq FROM events GROUP BY user_id
				UNION ALL SELECT user_id, pruned_seq FROM event_logs)
			GROUP BY user_id HAVING max(seq) > 0 ORDER BY user_id`, func(rows *sql.Rows) error {
			var l dm.BulkEventLog
			if err := rows.Scan(&l.UserID, &l.Seq); err != nil {
				return err
			}
			return sink.EventLog(&l)
		})
	}
	return err
}
