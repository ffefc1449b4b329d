package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/postgres/pgtest"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/transfer"
)

func openSQLite(t *testing.T) dm.BulkStore {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func openPostgres(t *testing.T) dm.BulkStore {
	t.Helper()
	base := os.Getenv("PARLEY_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL not reachable: set PARLEY_TEST_POSTGRES")
	}
	db, err := postgres.Open(context.Background(), pgtest.Schema(t, base, "transfer_"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fill writes a small world through the ordinary Store methods: accounts
// with every setting, follows, a block, a direct conversation and a group
// with member state, messages with an edit, an unsend, a reply, a client_id,
// reactions and a message hidden by one member, and event log entries.
func fill(t *testing.T, store dm.Store) {
	t.Helper()
	ctx := context.Background()
	t0 := time.Date(2026, 11, 1, 9, 30, 0, 123_000_000, time.UTC)
	ids := map[string]string{}
	err := store.Update(ctx, func(tx dm.Tx) error {
		for i, h := range []string{"alice", "bob", "carol", "acme"} {
			a := &dm.Account{ID: dm.NewID(), Handle: h, DisplayName: strings.ToUpper(h[:1]) + h[1:] + " <b>&", Bio: "bio of " + h,
				Kind: dm.KindPerson, CreatedAt: t0.Add(time.Duration(i) * time.Minute)}
			if h == "acme" {
				a.Kind = dm.KindBrand
			}
			s := dm.Settings{AllowIncoming: []string{dm.AllowEveryone, dm.AllowFollowing, dm.AllowNobody, dm.AllowEveryone}[i],
				ReadReceipts: i%2 == 0, TimeZone: []string{"", "Europe/Paris", "", "America/New_York"}[i]}
			if err := tx.CreateAccount(ctx, a, s, "$argon2id$v=19$hash-of-"+h); err != nil {
				return err
			}
			ids[h] = a.ID
		}
		if err := tx.SetRole(ctx, ids["carol"], dm.RoleOperator); err != nil {
			return err
		}
		at := t0.Add(time.Hour)
		if err := tx.SetSuspended(ctx, ids["bob"], &at); err != nil {
			return err
		}
		if err := tx.SetVerified(ctx, ids["acme"], true); err != nil {
			return err
		}
		for _, f := range [][2]string{{"bob", "acme"}, {"alice", "acme"}, {"alice", "bob"}, {"carol", "alice"}} {
			if err := tx.SetFollow(ctx, ids[f[0]], ids[f[1]], true); err != nil {
				return err
			}
		}
		return tx.SetBlock(ctx, ids["carol"], ids["bob"], true)
	})
	if err != nil {
		t.Fatal(err)
	}
	var direct, group string
	err = store.Update(ctx, func(tx dm.Tx) error {
		d := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationDirect, CreatedAt: t0.Add(2 * time.Hour)}
		if err := tx.CreateConversation(ctx, d, []dm.Membership{
			{UserID: ids["alice"], Role: dm.RoleMember, Status: dm.StatusAccepted},
			{UserID: ids["bob"], Role: dm.RoleMember, Status: dm.StatusRequest},
		}); err != nil {
			return err
		}
		g := &dm.Conversation{ID: dm.NewID(), Kind: dm.ConversationGroup, Title: "Tea & <cake>", CreatedAt: t0.Add(3 * time.Hour)}
		if err := tx.CreateConversation(ctx, g, []dm.Membership{
			{UserID: ids["carol"], Role: dm.RoleOwner, Status: dm.StatusAccepted},
			{UserID: ids["alice"], Role: dm.RoleMember, Status: dm.StatusAccepted},
			{UserID: ids["acme"], Role: dm.RoleMember, Status: dm.StatusAccepted},
		}); err != nil {
			return err
		}
		direct, group = d.ID, g.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*dm.Message
	for i := range 12 {
		conv, sender := direct, []string{"alice", "bob"}[i%2]
		if i >= 5 {
			conv, sender = group, []string{"carol", "alice", "acme"}[i%3]
		}
		m := &dm.Message{ID: dm.NewID(), ConversationID: conv, Sender: dm.Profile{ID: ids[sender]},
			Text: fmt.Sprintf("message %d: \"quoted\" <i>é</i> 👍", i), CreatedAt: t0.Add(4*time.Hour + time.Duration(i)*time.Second)}
		if i == 7 {
			m.ReplyTo = msgs[6].ID
		}
		clientID := ""
		if i%4 == 0 {
			clientID = fmt.Sprintf("client-%d", i)
		}
		if err := store.Update(ctx, func(tx dm.Tx) error { return tx.InsertMessage(ctx, m, clientID) }); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	err = store.Update(ctx, func(tx dm.Tx) error {
		edited := msgs[6].CreatedAt.Add(time.Minute)
		msgs[6].Text, msgs[6].EditedAt = "edited text", &edited
		if err := tx.UpdateMessage(ctx, msgs[6]); err != nil {
			return err
		}
		msgs[8].Deleted, msgs[8].Text = true, ""
		if err := tx.UpdateMessage(ctx, msgs[8]); err != nil {
			return err
		}
		for _, r := range []struct {
			m          int
			who, emoji string
		}{{6, "carol", "🎉"}, {6, "alice", "👍"}, {6, "acme", "🎉"}, {1, "alice", "❤️"}} {
			if _, err := tx.SetReaction(ctx, msgs[r.m].ID, ids[r.who], r.emoji, true); err != nil {
				return err
			}
		}
		if err := tx.HideMessage(ctx, msgs[9].ID, ids["alice"]); err != nil {
			return err
		}
		if err := tx.HideMessage(ctx, msgs[9].ID, ids["carol"]); err != nil {
			return err
		}
		if err := tx.UpdateMembership(ctx, &dm.Membership{ConversationID: group, UserID: ids["alice"], Role: dm.RoleMember,
			Status: dm.StatusAccepted, Muted: true, Archived: true, LastReadSeq: 5, ClearedSeq: 2}); err != nil {
			return err
		}
		for i := range 3 {
			if err := tx.AppendEvent(ctx, ids["alice"], &dm.Event{Type: dm.EventReadUpdated, ConversationID: group, At: t0, ReadSeq: int64(i)}); err != nil {
				return err
			}
		}
		return tx.AppendEvent(ctx, ids["carol"], &dm.Event{Type: dm.EventReadUpdated, ConversationID: group, At: t0, ReadSeq: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func export(t *testing.T, store dm.Bulk) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := transfer.Export(context.Background(), store, &buf, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func load(t *testing.T, store dm.Bulk, file []byte) *transfer.ImportResult {
	t.Helper()
	r, err := transfer.Import(context.Background(), store, bytes.NewReader(file), transfer.ImportOptions{Batch: 7})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// roundTrip fills from, exports it, imports into to, exports that, and
// back into a third store: the three exports must be byte-identical, and a
// second import must insert nothing.
func roundTrip(t *testing.T, from, to, back dm.BulkStore) {
	fill(t, from)
	first := export(t, from)
	if n := bytes.Count(first, []byte("\n")); n < 20 {
		t.Fatalf("export has %d lines:\n%s", n, first)
	}
	got := load(t, to, first)
	if got.Inserted.Messages != 12 || got.Inserted.Accounts != 4 || got.Inserted.Reactions != 4 || got.Inserted.Hidden != 2 {
		t.Errorf("first import inserted %+v", got.Inserted)
	}
	second := export(t, to)
	if !bytes.Equal(first, second) {
		t.Fatalf("export after import differs:\n--- first\n%s\n--- second\n%s", first, second)
	}
	again := load(t, to, first)
	if again.Inserted != (dm.BulkCounts{}) {
		t.Errorf("a second import inserted %+v, want nothing", again.Inserted)
	}
	if third := export(t, to); !bytes.Equal(first, third) {
		t.Fatalf("a second import changed the export:\n%s", third)
	}
	load(t, back, second)
	if third := export(t, back); !bytes.Equal(first, third) {
		t.Fatalf("export after the way back differs:\n--- first\n%s\n--- third\n%s", first, third)
	}
	checkReads(t, to, first)
}

// checkReads reads the imported data through the ordinary Store methods.
func checkReads(t *testing.T, store dm.Store, file []byte) {
	ctx := context.Background()
	err := store.View(ctx, func(tx dm.Tx) error {
		alice, err := tx.AccountByHandle(ctx, "alice")
		if err != nil {
			return err
		}
		followers, following, err := tx.FollowCounts(ctx, alice.ID)
		if err != nil {
			return err
		}
		if followers != 1 || following != 2 {
			t.Errorf("alice's follow counts %d/%d, want 1/2", followers, following)
		}
		if seq, err := tx.LastEventSeq(ctx, alice.ID); err != nil || seq != 3 {
			t.Errorf("alice's event log head %d, %v; want 3", seq, err)
		}
		page, _, err := tx.Conversations(ctx, alice.ID, dm.FolderInbox, "", 10)
		if err != nil {
			return err
		}
		if len(page) != 1 || page[0].LastMessage == nil {
			t.Errorf("alice's inbox: %+v", page)
		}
		hits, err := tx.SearchMessages(ctx, dm.SearchQuery{UserID: alice.ID, Words: []string{"quoted"}, Limit: 50})
		if err != nil {
			return err
		}
		if len(hits) == 0 {
			t.Errorf("search finds no imported message")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRoundTripSQLite(t *testing.T) {
	roundTrip(t, openSQLite(t), openSQLite(t), openSQLite(t))
}

func TestRoundTripSQLitePostgresSQLite(t *testing.T) {
	pg := openPostgres(t)
	roundTrip(t, openSQLite(t), pg, openSQLite(t))
}

func TestRoundTripPostgresSQLitePostgres(t *testing.T) {
	pg1 := openPostgres(t)
	roundTrip(t, pg1, openSQLite(t), openPostgres(t))
}

// A bad record is named by its line, and nothing of its batch is written.
func TestBadRecord(t *testing.T) {
	src := openSQLite(t)
	fill(t, src)
	lines := strings.SplitAfter(string(export(t, src)), "\n")
	// Break the 9th message's seq (line numbers start at 1).
	bad := -1
	count := 0
	for i, l := range lines {
		if strings.Contains(l, `"type":"message"`) {
			if count++; count == 9 {
				bad = i
			}
		}
	}
	lines[bad] = strings.Replace(lines[bad], `"seq":`, `"seq":-`, 1)
	dst := openSQLite(t)
	_, err := transfer.Import(context.Background(), dst, strings.NewReader(strings.Join(lines, "")), transfer.ImportOptions{Batch: 1000})
	var le *transfer.LineError
	if !errors.As(err, &le) || le.First != bad+1 || le.Imported != 1 || !strings.Contains(err.Error(), fmt.Sprintf("line %d: message.seq", bad+1)) {
		t.Fatalf("error %v, want one naming line %d", err, bad+1)
	}
	// One batch of 1000 held everything: nothing is written.
	if got := export(t, dst); bytes.Count(got, []byte("\n")) != 1 {
		t.Errorf("a failed batch left rows behind:\n%s", got)
	}
	for _, tc := range []struct{ line, want string }{
		{`{"type":"what"}`, `unknown record type "what"`},
		{`{"type":"follow","follower_id":"a","followee_id":"b"}`, "is not an account of an earlier line"},
		{`{"type":"account","acount":{}}`, `unknown field "acount"`},
		{`not json`, "not JSON"},
	} {
		_, err := transfer.Import(context.Background(), dst, strings.NewReader(lines[0]+tc.line+"\n"), transfer.ImportOptions{})
		if err == nil || !strings.Contains(err.Error(), "line 2: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want line 2: ...%s", tc.line, err, tc.want)
		}
	}
	if _, err := transfer.Import(context.Background(), dst, strings.NewReader(`{"format":"parley-export","version":2}`+"\n"), transfer.ImportOptions{}); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("version 2: %v", err)
	}
}

// On PostgreSQL an import takes the store's lock exclusively: refused while
// another process (a server) has the database open, and a server refused
// while an import holds it.
func TestPostgresImportExcludesServers(t *testing.T) {
	base := os.Getenv("PARLEY_TEST_POSTGRES")
	if base == "" {
		t.Skip("PostgreSQL not reachable: set PARLEY_TEST_POSTGRES")
	}
	ctx := context.Background()
	url := pgtest.Schema(t, base, "transfer_lock_")
	server, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	importer, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer importer.Close()
	if err := importer.LockExclusive(ctx); !errors.Is(err, postgres.ErrInUse) {
		t.Fatalf("LockExclusive beside a server: %v, want ErrInUse", err)
	}
	server.Close()
	if err := importer.LockExclusive(ctx); err != nil {
		t.Fatalf("LockExclusive alone: %v", err)
	}
	if s, err := postgres.Open(ctx, url); err == nil || !strings.Contains(err.Error(), "import") {
		if s != nil {
			s.Close()
		}
		t.Fatalf("a server opened during an import: %v", err)
	}
}

// A batch the store refuses is reported with its lines, and no later batch
// is written: here the second of three batches holds an account whose
// handle another account already has in the target (skipping it silently
// would lose it).
func TestRefusedBatch(t *testing.T) {
	for name, open := range map[string]func(*testing.T) dm.BulkStore{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			dst := open(t)
			err := dst.Update(ctx, func(tx dm.Tx) error {
				return tx.CreateAccount(ctx, &dm.Account{ID: dm.NewID(), Handle: "taken", Kind: dm.KindPerson, CreatedAt: time.Now()}, dm.DefaultSettings(), "h")
			})
			if err != nil {
				t.Fatal(err)
			}
			var file strings.Builder
			file.WriteString(`{"format":"parley-export","version":1}` + "\n")
			for i := range 6 {
				h := fmt.Sprintf("user%d", i)
				if i == 3 {
					h = "taken"
				}
				fmt.Fprintf(&file, `{"type":"account","account":{"id":%q,"handle":%q,"display_name":"","bio":"","kind":"person","created_at":"2026-11-01T00:00:00Z"},"settings":{"allow_incoming":"everyone","read_receipts":true,"time_zone":""},"password_hash":"h","suspended_at":null}`+"\n", dm.NewID(), h)
			}
			_, err = transfer.Import(ctx, dst, strings.NewReader(file.String()), transfer.ImportOptions{Batch: 2})
			var le *transfer.LineError
			if !errors.As(err, &le) || le.First != 4 || le.Last != 5 || le.Imported != 3 || !strings.Contains(err.Error(), "lines 4-5 (one batch, not written)") {
				t.Fatalf("error %v, want the batch of lines 4-5 refused", err)
			}
			// "taken" and the batch of lines 2-3.
			if n := bytes.Count(export(t, dst), []byte(`"type":"account"`)); n != 3 {
				t.Errorf("%d accounts after a refused batch, want 3", n)
			}
		})
	}
}
