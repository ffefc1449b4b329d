package sqlite

// Benchmarks of the hot paths, in a form benchstat reads:
//
//	go test -run '^$' -bench . -count 6 ./internal/sqlite/ | tee new.txt
//	benchstat old.txt new.txt
//
// The read benchmarks seed at the scale of the design (a user with 100,000
// conversations, a conversation with 1,000,000 messages) with set-based SQL,
// so that seeding takes seconds; PARLEY_BENCH_CONVERSATIONS and
// PARLEY_BENCH_MESSAGES change the scale, and PARLEY_BENCH_BACKGROUND=900000
// adds other people's conversations (ten messages each) around the inbox.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
)

func benchScale(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func benchDB(b *testing.B) *DB {
	b.Helper()
	db, err := Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// seed runs set-based SQL on the writer (benchmarks only).
func seed(b *testing.B, db *DB, queries ...string) {
	b.Helper()
	start := time.Now()
	err := db.Update(context.Background(), func(d dm.Tx) error {
		for _, q := range queries {
			if _, err := d.(*tx).exec(context.Background(), q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded in %v", time.Since(start).Round(time.Millisecond))
}

// seedAccounts creates accounts u0 ... u<n-1> with ids "u0" ...
func seedAccounts(n int) string {
	return fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		INSERT INTO accounts (id, handle, display_name, bio, kind, created_at, password_hash, allow_incoming, read_receipts)
		SELECT 'u' || i, 'u' || i, 'User ' || i, '', 'person', 0, 'x', 'everyone', 1 FROM n`, n-1)
}

// BenchmarkSend is the send path: InsertMessage and two AppendEvents in one
// Update, on a file with synchronous=FULL. "serial" pays one commit per
// send; "parallel" lets group commit batch the senders.
func BenchmarkSend(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			db := benchDB(b)
			ctx := context.Background()
			seed(b, db, seedAccounts(200),
				`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
				INSERT INTO conversations (id, kind, title, direct_key, created_at, updated_at) SELECT 'c' || i, 'direct', '', 'u' || i || ':v' || i, 0, 0 FROM n`,
				`INSERT INTO members (conversation_id, user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at, last_seq, active_at)
				SELECT c.id, 'u' || (substr(c.id, 2) * 2 + k.k), 'member', 'accepted', 0, 0, 0, 0, 0, 0, 0 FROM conversations c, (SELECT 0 AS k UNION ALL SELECT 1) k`)
			send := func(i int) {
				c := i % 100
				from := dm.Profile{ID: "u" + strconv.Itoa(c*2)}
				m := &dm.Message{ID: dm.NewID(), ConversationID: "c" + strconv.Itoa(c), Sender: from, Text: "Hello there, how are you today?", CreatedAt: time.Now()}
				err := db.Update(ctx, func(tx dm.Tx) error {
					if err := tx.InsertMessage(ctx, m, ""); err != nil {
						return err
					}
					for k := range 2 {
						e := dm.Event{Type: dm.EventMessageCreated, ConversationID: m.ConversationID, At: m.CreatedAt, Message: m}
						if err := tx.AppendEvent(ctx, "u"+strconv.Itoa(c*2+k), &e); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Error(err)
				}
			}
			if mode == "serial" {
				i := 0
				for b.Loop() {
					send(i)
					i++
				}
				return
			}
			b.SetParallelism(32) // 32 senders per CPU
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(time.Now().UnixNano() % 100)
				for pb.Next() {
					send(i)
					i++
				}
			})
		})
	}
}

// seedInbox gives u0 a direct conversation with each of u1 ... u<n>, two
// messages each (u0's, then the other's, unread by u0); conversation i was
// last active at i.
func seedInbox(b *testing.B, db *DB, n int) {
	b.Helper()
	seed(b, db, seedAccounts(n+1),
		// u0 talks with every other account; conversation i was last active at i.
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		INSERT INTO conversations (id, kind, title, direct_key, created_at, updated_at, last_seq)
		SELECT 'c' || i, 'direct', '', 'u0:u' || i, i, i * 1000, 2 FROM n`, n),
		`INSERT INTO members (conversation_id, user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at, last_seq, active_at)
		SELECT id, 'u0', 'member', 'accepted', 0, 0, 1, 0, created_at, 2, updated_at FROM conversations`,
		`INSERT INTO members (conversation_id, user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at, last_seq, active_at)
		SELECT id, 'u' || substr(id, 2), 'member', 'accepted', 0, 0, 2, 0, created_at, 2, updated_at FROM conversations`,
		`INSERT INTO messages (conversation_id, seq, id, sender_id, text, reply_to, created_at)
		SELECT id, k.seq, id || '-' || k.seq, CASE k.seq WHEN 1 THEN 'u0' ELSE 'u' || substr(id, 2) END, 'Hello, how are things?', '', updated_at
		FROM conversations, (SELECT 1 AS seq UNION ALL SELECT 2) k`)
}

// BenchmarkFolderCounts is the badges' count (GET
// /api/v1/conversations/counts) of an account with 100,000 conversations:
// "unread" when every one has an unread message (the count stops at 100),
// "read" when none has (the read looks at the 2,000 most recent and stops).
func BenchmarkFolderCounts(b *testing.B) {
	n := benchScale("PARLEY_BENCH_CONVERSATIONS", 100_000)
	db := benchDB(b)
	ctx := context.Background()
	seedInbox(b, db, n)
	run := func(b *testing.B, want int) {
		for b.Loop() {
			err := db.View(ctx, func(tx dm.Tx) error {
				c, err := tx.FolderCounts(ctx, "u0", false)
				if err == nil && len(c.InboxUnread) != want {
					err = fmt.Errorf("%d unread, want %d", len(c.InboxUnread), want)
				}
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("unread", func(b *testing.B) { run(b, dm.MaxFolderCount) })
	seed(b, db, `UPDATE members SET last_read_seq = 2 WHERE user_id = 'u0'`)
	b.Run("read", func(b *testing.B) { run(b, 0) })
}

// BenchmarkConversationsFirstPage: the first inbox page of 50 of a user
// with 100,000 conversations, each with its last message and unread count.
func BenchmarkConversationsFirstPage(b *testing.B) {
	n := benchScale("PARLEY_BENCH_CONVERSATIONS", 100_000)
	db := benchDB(b)
	ctx := context.Background()
	seedInbox(b, db, n)
	if bg := benchScale("PARLEY_BENCH_BACKGROUND", 0); bg > 0 {
		// Other people's conversations, ten messages each, so that the
		// indexes have the depth of a big database (900,000 here make the
		// design's 1,000,000 conversations and 10,000,000 messages).
		seed(b, db, fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
			INSERT INTO conversations (id, kind, title, direct_key, created_at, updated_at, last_seq)
			SELECT 'b' || i, 'direct', '', 'b' || i, i, i * 1000, 10 FROM n`, bg),
			fmt.Sprintf(`INSERT INTO members (conversation_id, user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at, last_seq, active_at)
			SELECT c.id, 'u' || ((substr(c.id, 2) + k.k) %% %d + 1), 'member', 'accepted', 0, 0, 10, 0, c.created_at, 10, c.updated_at
			FROM conversations c, (SELECT 0 AS k UNION ALL SELECT 1) k WHERE c.id LIKE 'b%%'`, n),
			`WITH RECURSIVE k(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM k WHERE seq < 10)
			INSERT INTO messages (conversation_id, seq, id, sender_id, text, reply_to, created_at)
			SELECT c.id, k.seq, c.id || '-' || k.seq, 'u1', 'Some message text of an ordinary length.', '', c.updated_at
			FROM conversations c, k WHERE c.id LIKE 'b%'`)
	}
	for b.Loop() {
		err := db.View(ctx, func(tx dm.Tx) error {
			convs, next, err := tx.Conversations(ctx, "u0", dm.FolderInbox, "", 50)
			if err == nil && (len(convs) != 50 || next == "" || convs[0].UnreadCount != 1 || convs[0].LastMessage == nil) {
				err = fmt.Errorf("unexpected page: %d conversations, next %q", len(convs), next)
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessagesPage: a page of 50 messages in the middle of a
// conversation of 1,000,000 messages.
func BenchmarkMessagesPage(b *testing.B) {
	n := benchScale("PARLEY_BENCH_MESSAGES", 1_000_000)
	db := benchDB(b)
	ctx := context.Background()
	seed(b, db, seedAccounts(2),
		fmt.Sprintf(`INSERT INTO conversations (id, kind, title, direct_key, created_at, updated_at, last_seq) VALUES ('c', 'direct', '', 'u0:u1', 0, %d, %d)`, n, n),
		fmt.Sprintf(`INSERT INTO members (conversation_id, user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at, last_seq, active_at)
		SELECT 'c', id, 'member', 'accepted', 0, 0, 0, 0, 0, %d, %d FROM accounts`, n, n),
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		INSERT INTO messages (conversation_id, seq, id, sender_id, text, reply_to, created_at)
		SELECT 'c', i, 'm' || i, 'u' || (i %% 2), 'Message number ' || i || ', with a few more words.', '', i FROM n`, n),
		`INSERT INTO reactions (conversation_id, seq, emoji, user_id) SELECT 'c', seq, '👍', 'u0' FROM messages WHERE seq % 10 = 0`)
	mid := int64(n / 2)
	for b.Loop() {
		err := db.View(ctx, func(tx dm.Tx) error {
			ms, err := tx.Messages(ctx, "c", "u1", mid, 50)
			if err == nil && (len(ms) != 50 || ms[0].Seq != mid-1) {
				err = fmt.Errorf("unexpected page: %d messages", len(ms))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventsAfter: 100 events after a cursor in the middle of a log
// of 100,000 events, in a table holding 200,000.
func BenchmarkEventsAfter(b *testing.B) {
	const n = 100_000
	db := benchDB(b)
	ctx := context.Background()
	seed(b, db, fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
		INSERT INTO events (user_id, seq, at, data)
		SELECT u.id, i, i, '{"type":"message.created","conversation_id":"c","message":{"id":"m' || i || '","text":"Hello there"}}'
		FROM n, (SELECT 'u0' AS id UNION ALL SELECT 'u1') u`, n))
	for b.Loop() {
		err := db.View(ctx, func(tx dm.Tx) error {
			es, err := tx.Events(ctx, "u0", n/2, 100)
			if err == nil && (len(es) != 100 || es[0].Seq != n/2+1) {
				err = fmt.Errorf("unexpected events: %d", len(es))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendAllowance is what counting a limit in the store costs a hot
// write (docs/deployment.md, "Abuse limits"): the parallel send of
// BenchmarkSend, "plain", and with one TakeAllowance in its transaction,
// "allowance", as an edit or a reaction would pay if its per-account limit
// were shared across nodes. cpu-µs/op is the process's CPU time (user +
// system) per send, the steadier figure on a shared machine.
func BenchmarkSendAllowance(b *testing.B) {
	al := dm.Allowance{Burst: 1e9, PerSecond: 1e9} // never refuses
	for _, mode := range []string{"plain", "allowance"} {
		b.Run(mode, func(b *testing.B) {
			db := benchDB(b)
			ctx := context.Background()
			seed(b, db, seedAccounts(200),
				`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99)
				INSERT INTO conversations (id, kind, title, direct_key, created_at, updated_at) SELECT 'c' || i, 'direct', '', 'u' || i || ':v' || i, 0, 0 FROM n`,
				`INSERT INTO members (conversation_id, user_id, role, status, muted, archived, last_read_seq, cleared_seq, joined_at, last_seq, active_at)
				SELECT c.id, 'u' || (substr(c.id, 2) * 2 + k.k), 'member', 'accepted', 0, 0, 0, 0, 0, 0, 0 FROM conversations c, (SELECT 0 AS k UNION ALL SELECT 1) k`)
			send := func(i int) {
				c := i % 100
				from := dm.Profile{ID: "u" + strconv.Itoa(c*2)}
				m := &dm.Message{ID: dm.NewID(), ConversationID: "c" + strconv.Itoa(c), Sender: from, Text: "Hello there, how are you today?", CreatedAt: time.Now()}
				err := db.Update(ctx, func(tx dm.Tx) error {
					if mode == "allowance" {
						if _, err := tx.TakeAllowance(ctx, "edit/"+from.ID, al, 1, m.CreatedAt); err != nil {
							return err
						}
					}
					if err := tx.InsertMessage(ctx, m, ""); err != nil {
						return err
					}
					for k := range 2 {
						e := dm.Event{Type: dm.EventMessageCreated, ConversationID: m.ConversationID, At: m.CreatedAt, Message: m}
						if err := tx.AppendEvent(ctx, "u"+strconv.Itoa(c*2+k), &e); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Error(err)
				}
			}
			b.SetParallelism(32)
			cpu0 := processCPU()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(time.Now().UnixNano() % 100)
				for pb.Next() {
					send(i)
					i++
				}
			})
			b.StopTimer()
			b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// processCPU is this process's CPU time so far (user + system).
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
