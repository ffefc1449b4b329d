package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley/internal/dm"
)

// This file is the bulk path (dm.Bulk): parley import, parley export and
// bench seed. A batch is one transaction whose statements travel in one
// pgx batch (one round trip): each table's rows are one INSERT ... SELECT
// FROM unnest(arrays) ... ON CONFLICT (key) DO NOTHING, so a statement's
// plan and cost do not depend on the number of rows, a row whose key exists
// is skipped (loading a file twice is a no-op) while any other unique rule
// broken refuses the batch, and seqs and folder keys come from the batch. Ids order as bytes (COLLATE "C") in a dump, as they do in SQLite.
var _ dm.Bulk = (*DB)(nil)

// LoadBatch writes b in one transaction (see dm.Bulk).
func (db *DB) LoadBatch(ctx context.Context, b *dm.BulkBatch) (dm.BulkCounts, error) {
	var n dm.BulkCounts
	type step struct {
		what string
		into *int64
	}
	var steps []step
	q := &pgx.Batch{}
	add := func(what string, into *int64, sql string, args ...any) {
		q.Queue(sql, args...)
		steps = append(steps, step{what, into})
	}
	var skip int64
	if len(b.Accounts) > 0 {
		k := len(b.Accounts)
		id, handle, name, bio, kind, hash, allow, tz, role := strs(k), strs(k), strs(k), strs(k), strs(k), strs(k), strs(k), strs(k), strs(k)
		created, suspended := make([]time.Time, k), make([]*time.Time, k)
		receipts, verified := make([]bool, k), make([]bool, k)
		for i, a := range b.Accounts {
			id[i], handle[i], name[i], bio[i], kind[i], hash[i] = a.ID, a.Handle, a.DisplayName, a.Bio, a.Kind, a.PasswordHash
			allow[i], tz[i], role[i], receipts[i], verified[i] = a.Settings.AllowIncoming, a.Settings.TimeZone, a.Role, a.Settings.ReadReceipts, a.Verified
			created[i], suspended[i] = a.CreatedAt, a.SuspendedAt
		}
		add("accounts", &n.Accounts, `INSERT INTO accounts (id, handle, display_name, bio, kind, created_at, password_hash,
			allow_incoming, read_receipts, time_zone, role, suspended_at, verified)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
				$8::text[], $9::bool[], $10::text[], $11::text[], $12::timestamptz[], $13::bool[])
			ON CONFLICT (id) DO NOTHING`, id, handle, name, bio, kind, created, hash, allow, receipts, tz, role, suspended, verified)
		// CreateAccount gives every account its event-log counter row.
		add("event logs", &skip, `INSERT INTO event_logs (user_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, id)
	}
	if len(b.Follows) > 0 {
		k := len(b.Follows)
		from, to := strs(k), strs(k)
		touched := map[string]bool{}
		for i, f := range b.Follows {
			from[i], to[i] = f.Follower, f.Followee
			touched[f.Follower], touched[f.Followee] = true, true
		}
		ids := make([]string, 0, len(touched))
		for id := range touched {
			ids = append(ids, id)
		}
		// follows.id orders the follower lists: insert in the file's order.
		add("follows", &n.Follows, `INSERT INTO follows (follower_id, followee_id)
			SELECT f, e FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(f, e, n) ORDER BY n
			ON CONFLICT (follower_id, followee_id) DO NOTHING`, from, to)
		add("follow counts", &skip, `UPDATE accounts SET
			followers_count = (SELECT count(*) FROM follows WHERE followee_id = accounts.id),
			following_count = (SELECT count(*) FROM follows WHERE follower_id = accounts.id)
			WHERE id = ANY($1)`, ids)
	}
	if len(b.Blocks) > 0 {
		k := len(b.Blocks)
		from, to := strs(k), strs(k)
		for i, x := range b.Blocks {
			from[i], to[i] = x.Blocker, x.Blocked
		}
		add("blocks", &n.Blocks, `INSERT INTO blocks (blocker_id, blocked_id) SELECT * FROM unnest($1::text[], $2::text[])
			ON CONFLICT (blocker_id, blocked_id) DO NOTHING`, from, to)
	}
	// The rows below reference accounts, conversations and messages that
	// the caller checked exist (earlier in the file, or in the batch:
	// see dm.Bulk): their foreign-key checks, one trigger call and one
	// index probe per reference and row, were a third of a batch's time.
	// With session_replication_role = replica those triggers do not fire,
	// as in pg_restore --disable-triggers; the tables these statements
	// touch have no other triggers (TestBulkReplicaTables). Only a
	// superuser may set it; others keep the checks.
	replica := (len(b.Conversations) > 0 || len(b.Messages) > 0) && db.mayReplica(ctx)
	if replica {
		add("replica role", &skip, `SET LOCAL session_replication_role = replica`)
	}
	if len(b.Conversations) > 0 {
		k := len(b.Conversations)
		id, kind, title := strs(k), strs(k), strs(k)
		key := make([]*string, k)
		created, updated := make([]time.Time, k), make([]time.Time, k)
		last := make([]int64, k)
		var mConv, mUser, mRole, mStatus []string
		var mMuted, mArchived, mHidden []bool
		var mRead, mCleared []int64
		var mJoined, mSort []time.Time
		for i, c := range b.Conversations {
			id[i], kind[i], title[i], created[i], updated[i], last[i] = c.ID, c.Kind, c.Title, c.CreatedAt, c.UpdatedAt, c.LastSeq
			if c.Kind == dm.ConversationDirect && len(c.Members) == 2 {
				k := dm.DirectKey(c.Members[0].UserID, c.Members[1].UserID)
				key[i] = &k
			}
			for _, m := range c.Members {
				mConv, mUser, mRole, mStatus = append(mConv, c.ID), append(mUser, m.UserID), append(mRole, m.Role), append(mStatus, m.Status)
				mMuted, mArchived = append(mMuted, m.Muted), append(mArchived, m.Archived)
				mHidden = append(mHidden, m.ClearedSeq > 0 && m.ClearedSeq >= c.LastSeq)
				mRead, mCleared = append(mRead, m.LastReadSeq), append(mCleared, m.ClearedSeq)
				mJoined, mSort = append(mJoined, m.JoinedAt), append(mSort, c.UpdatedAt)
			}
		}
		add("conversations", &n.Conversations, `INSERT INTO conversations (id, kind, title, created_at, updated_at, last_seq, direct_key)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::bigint[], $7::text[])
			ON CONFLICT (id) DO NOTHING`, id, kind, title, created, updated, last, key)
		// members.ord is the join order: insert in the file's order.
		add("members", &n.Members, `INSERT INTO members (conversation_id, user_id, role, status, muted, archived,
				last_read_seq, cleared_seq, hidden, joined_at, sort_at)
			SELECT c, u, r, s, mu, a, lr, cl, h, j, so FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[],
				$6::bool[], $7::bigint[], $8::bigint[], $9::bool[], $10::timestamptz[], $11::timestamptz[])
				WITH ORDINALITY AS u(c, u, r, s, mu, a, lr, cl, h, j, so, n) ORDER BY n
			ON CONFLICT (conversation_id, user_id) DO NOTHING`, mConv, mUser, mRole, mStatus, mMuted, mArchived, mRead, mCleared, mHidden, mJoined, mSort)
	}
	if len(b.Messages) > 0 {
		k := len(b.Messages)
		id, conv, sender, text, reply := strs(k), strs(k), strs(k), strs(k), strs(k)
		client := make([]*string, k)
		seq := make([]int64, k)
		created, edited := make([]time.Time, k), make([]*time.Time, k)
		deleted := make([]bool, k)
		convs := map[string]bool{}
		var rMsg, rUser, rEmoji, hUser, hConv, hMsg []string
		for i := range b.Messages {
			m := &b.Messages[i]
			id[i], conv[i], sender[i], text[i], reply[i], seq[i] = m.ID, m.ConversationID, m.SenderID, m.Text, m.ReplyTo, m.Seq
			if m.ClientID != "" {
				client[i] = &m.ClientID
			}
			created[i], edited[i], deleted[i] = m.CreatedAt, m.EditedAt, m.Deleted
			convs[m.ConversationID] = true
			for _, r := range m.Reactions {
				rMsg, rUser, rEmoji = append(rMsg, m.ID), append(rUser, r.UserID), append(rEmoji, r.Emoji)
			}
			for _, u := range m.HiddenFor {
				hUser, hConv, hMsg = append(hUser, u), append(hConv, m.ConversationID), append(hMsg, m.ID)
			}
		}
		ids := make([]string, 0, len(convs))
		for c := range convs {
			ids = append(ids, c)
		}
		add("messages", &n.Messages, `INSERT INTO messages (id, conversation_id, seq, sender_id, text, reply_to, client_id,
				created_at, edited_at, deleted)
			SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[],
				$8::timestamptz[], $9::timestamptz[], $10::bool[])
			ON CONFLICT (id) DO NOTHING`, id, conv, seq, sender, text, reply, client, created, edited, deleted)
		add("last messages", &skip, `UPDATE conversations c SET last_message_id = m.id FROM messages m
			WHERE c.id = ANY($1) AND m.conversation_id = c.id AND m.seq = c.last_seq AND c.last_message_id IS DISTINCT FROM m.id`, ids)
		if len(rMsg) > 0 {
			// reactions.id orders a message's emoji by first use.
			add("reactions", &n.Reactions, `INSERT INTO reactions (message_id, user_id, emoji)
				SELECT m, u, e FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS x(m, u, e, n) ORDER BY n
				ON CONFLICT (message_id, user_id, emoji) DO NOTHING`, rMsg, rUser, rEmoji)
		}
		if len(hUser) > 0 {
			add("hidden messages", &n.Hidden, `INSERT INTO hidden_messages (user_id, conversation_id, message_id)
				SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT (user_id, conversation_id, message_id) DO NOTHING`, hUser, hConv, hMsg)
		}
	}
	if replica {
		add("origin role", &skip, `SET LOCAL session_replication_role = origin`)
	}
	if len(b.EventLogs) > 0 {
		k := len(b.EventLogs)
		user, seq := strs(k), make([]int64, k)
		for i, l := range b.EventLogs {
			user[i], seq[i] = l.UserID, l.Seq
		}
		// The counter continues after the head; the prune mark tells a
		// client with an older cursor that those events are gone.
		add("event logs", &n.EventLogs, `INSERT INTO event_logs AS l (user_id, last_seq) SELECT * FROM unnest($1::text[], $2::bigint[])
			ON CONFLICT (user_id) DO UPDATE SET last_seq = excluded.last_seq WHERE excluded.last_seq > l.last_seq`, user, seq)
		add("event prunes", &skip, `INSERT INTO event_prunes AS p (user_id, pruned_seq) SELECT * FROM unnest($1::text[], $2::bigint[])
			ON CONFLICT (user_id) DO UPDATE SET pruned_seq = excluded.pruned_seq WHERE excluded.pruned_seq > p.pruned_seq`, user, seq)
	}
	if len(steps) == 0 {
		return n, nil
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return dm.BulkCounts{}, fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	br := tx.SendBatch(ctx, q)
	for _, s := range steps {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return dm.BulkCounts{}, wrap(err, s.what)
		}
		*s.into = tag.RowsAffected()
	}
	if err := br.Close(); err != nil {
		return dm.BulkCounts{}, wrap(err, "batch")
	}
	if err := tx.Commit(ctx); err != nil {
		return dm.BulkCounts{}, fmt.Errorf("postgres: commit: %w", err)
	}
	return n, nil
}

func strs(n int) []string { return make([]string, n) }

// mayReplica says whether this role may set session_replication_role
// (a superuser), asked once.
func (db *DB) mayReplica(ctx context.Context) bool {
	if v := db.replica.Load(); v != 0 {
		return v > 0
	}
	var super bool
	if err := db.pool.QueryRow(ctx, `SELECT current_setting('is_superuser') = 'on'`).Scan(&super); err != nil {
		return false // asked again next time
	}
	db.replica.Store(map[bool]int32{true: 1, false: -1}[super])
	return super
}

// memberRow is one member of a dumped conversation (joined_at in ms).
type memberRow struct {
	User, Role, Status string
	Muted, Archived    bool
	Read, Cleared      int64
	Joined             int64
}

// FinishLoad gives the planner statistics: autovacuum may be off (it is on
// these machines), and a freshly loaded table without them gets plans made
// for an empty one.
func (db *DB) FinishLoad(ctx context.Context) error {
	_, err := db.pool.Exec(ctx, `ANALYZE accounts, follows, blocks, conversations, members, messages, reactions,
		hidden_messages, event_logs, event_prunes`)
	return wrap(err, "analyze")
}

// Dump reads the export from one REPEATABLE READ snapshot (see
// dm.BulkSink for the order). Messages hidden by a member are read first
// into memory: they are few, and their table is keyed by user.
func (db *DB) Dump(ctx context.Context, sink dm.BulkSink) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	each := func(what, q string, scan func(rows pgx.Rows) error) error {
		rows, err := tx.Query(ctx, q)
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
	err = each("accounts", `SELECT id, handle, display_name, bio, kind, created_at, password_hash, allow_incoming, read_receipts,
		time_zone, role, suspended_at, verified FROM accounts ORDER BY id COLLATE "C"`, func(rows pgx.Rows) error {
		var a dm.BulkAccount
		if err := rows.Scan(&a.ID, &a.Handle, &a.DisplayName, &a.Bio, &a.Kind, &a.CreatedAt, &a.PasswordHash, &a.Settings.AllowIncoming,
			&a.Settings.ReadReceipts, &a.Settings.TimeZone, &a.Role, &a.SuspendedAt, &a.Verified); err != nil {
			return err
		}
		a.Suspended = a.SuspendedAt != nil
		return sink.Account(&a)
	})
	if err == nil {
		err = each("follows", `SELECT follower_id, followee_id FROM follows ORDER BY id`, func(rows pgx.Rows) error {
			var f dm.BulkFollow
			if err := rows.Scan(&f.Follower, &f.Followee); err != nil {
				return err
			}
			return sink.Follow(&f)
		})
	}
	if err == nil {
		err = each("blocks", `SELECT blocker_id, blocked_id FROM blocks ORDER BY blocker_id COLLATE "C", blocked_id COLLATE "C"`,
			func(rows pgx.Rows) error {
				var b dm.BulkBlock
				if err := rows.Scan(&b.Blocker, &b.Blocked); err != nil {
					return err
				}
				return sink.Block(&b)
			})
	}
	if err == nil {
		err = each("conversations", `SELECT c.id, c.kind, c.title, c.created_at, c.updated_at, c.last_seq,
			(SELECT json_agg(json_build_array(user_id, role, status, muted, archived, last_read_seq, cleared_seq,
				floor(extract(epoch FROM joined_at) * 1000)::bigint) ORDER BY ord)
			 FROM members WHERE conversation_id = c.id)
			FROM conversations c ORDER BY c.id COLLATE "C"`, func(rows pgx.Rows) error {
			var c dm.BulkConversation
			var members []byte
			if err := rows.Scan(&c.ID, &c.Kind, &c.Title, &c.CreatedAt, &c.UpdatedAt, &c.LastSeq, &members); err != nil {
				return err
			}
			var raw []memberRow
			if members != nil {
				var rs [][]json.RawMessage
				if err := json.Unmarshal(members, &rs); err != nil {
					return fmt.Errorf("postgres: members of %s: %w", c.ID, err)
				}
				raw = make([]memberRow, len(rs))
				for i, r := range rs {
					x := &raw[i]
					for j, dst := range []any{&x.User, &x.Role, &x.Status, &x.Muted, &x.Archived, &x.Read, &x.Cleared, &x.Joined} {
						if err := json.Unmarshal(r[j], dst); err != nil {
							return fmt.Errorf("postgres: members of %s: %w", c.ID, err)
						}
					}
				}
			}
			for _, r := range raw {
				c.Members = append(c.Members, dm.Membership{ConversationID: c.ID, UserID: r.User, Role: r.Role, Status: r.Status,
					Muted: r.Muted, Archived: r.Archived, LastReadSeq: r.Read, ClearedSeq: r.Cleared, JoinedAt: time.UnixMilli(r.Joined).UTC()})
			}
			return sink.Conversation(&c)
		})
	}
	if err != nil {
		return err
	}
	type key struct {
		conv string
		seq  int64
	}
	hidden := map[key][]string{}
	err = each("hidden messages", `SELECT m.conversation_id, m.seq, h.user_id FROM hidden_messages h JOIN messages m ON m.id = h.message_id
		ORDER BY h.user_id COLLATE "C"`, func(rows pgx.Rows) error {
		var k key
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
			(SELECT json_agg(json_build_array(r.emoji, r.user_id) ORDER BY r.id) FROM reactions r WHERE r.message_id = m.id)
			FROM messages m ORDER BY m.conversation_id COLLATE "C", m.seq`, func(rows pgx.Rows) error {
			var m dm.BulkMessage
			var reactions []byte
			if err := rows.Scan(&m.ConversationID, &m.Seq, &m.ID, &m.SenderID, &m.Text, &m.ReplyTo, &m.ClientID, &m.CreatedAt, &m.EditedAt,
				&m.Deleted, &reactions); err != nil {
				return err
			}
			if reactions != nil {
				var raw [][2]string
				if err := json.Unmarshal(reactions, &raw); err != nil {
					return fmt.Errorf("postgres: reactions of %s: %w", m.ID, err)
				}
				for _, r := range raw {
					m.Reactions = append(m.Reactions, dm.BulkReaction{Emoji: r[0], UserID: r[1]})
				}
			}
			m.HiddenFor = hidden[key{m.ConversationID, m.Seq}]
			return sink.Message(&m)
		})
	}
	if err == nil {
		err = each("event logs", `SELECT user_id, last_seq FROM event_logs WHERE last_seq > 0 ORDER BY user_id COLLATE "C"`,
			func(rows pgx.Rows) error {
				var l dm.BulkEventLog
				if err := rows.Scan(&l.UserID, &l.Seq); err != nil {
					return err
				}
				return sink.EventLog(&l)
			})
	}
	return err
}
