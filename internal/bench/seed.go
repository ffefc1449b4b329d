package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/transfer"
)

// SeedOptions sizes the seeded database.
type SeedOptions struct {
	// Conversations and Messages are the totals, the long conversation and
	// the inbox account's conversations included.
	Conversations int
	Messages      int
	// InboxConversations is how many conversations the inbox account has.
	InboxConversations int
	// HistoryMessages is the length of the long conversation.
	HistoryMessages int
	// Workers is how many Updates run at once (the SQLite store runs them
	// on its one writer; PostgreSQL runs them in parallel).
	Workers int
	// Progress, when not nil, draws a progress bar.
	Progress io.Writer
}

// FullSeed is the database of issue 5's budget.
func FullSeed() SeedOptions {
	return SeedOptions{Conversations: 1_000_000, Messages: 10_000_000, InboxConversations: 100_000, HistoryMessages: 1_000_000, Workers: 32}
}

// Manifest tells inbox and history where the seeded data is. Seed writes it
// next to the database.
type Manifest struct {
	Password            string   `json:"password"`
	InboxHandle         string   `json:"inbox_handle"`
	InboxConversations  int      `json:"inbox_conversations"`
	HistoryHandle       string   `json:"history_handle"`
	HistoryConversation string   `json:"history_conversation"`
	HistoryMessages     int      `json:"history_messages"`
	DeepMessages        []string `json:"deep_messages"`
	Conversations       int      `json:"conversations"`
	Messages            int      `json:"messages"`
	Seconds             float64  `json:"seconds"`
	// Records is what the loader wrote (accounts, conversations and
	// messages); CPUSeconds the seeding process's CPU time (utime + stime)
	// and DBCPUSeconds the PostgreSQL backends' (0 on SQLite).
	Records      int64   `json:"records,omitempty"`
	CPUSeconds   float64 `json:"cpu_seconds,omitempty"`
	DBCPUSeconds float64 `json:"db_cpu_seconds,omitempty"`
}

// ReadManifest reads a manifest written by WriteManifest.
func ReadManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no seeded database described at %s (run parley bench seed): %w", path, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// WriteManifest writes m to path.
func WriteManifest(path string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// op is one write of the seed (SeedSearch's).
type op func(ctx context.Context, tx dm.Tx) error

// seedBatch is how many records one transaction of the seed loads.
const seedBatch = 4 * transfer.DefaultBatch

// Seed fills an empty store through the bulk loader of parley import
// (transfer.Loader, dm.Bulk): accounts, then direct conversations, then
// messages, in batches of multi-row inserts whose seqs, folder keys and
// conversation heads are computed here, not by per-row counters. Three
// accounts are made through the identity service so that they have real
// password hashes: the inbox account, the long conversation's two members;
// the other accounts reuse that hash. No events are appended: the seeded
// past predates every client's cursor, as after the event log's retention.
func Seed(ctx context.Context, store dm.BulkStore, o SeedOptions) (*Manifest, error) {
	start := time.Now()
	if o.InboxConversations < 1 || o.HistoryMessages < 100 || o.Workers < 1 {
		return nil, fmt.Errorf("seed: needs at least one inbox conversation, 100 history messages and one worker")
	}
	identities := identity.New(store, identity.Config{RateLimitOff: true})
	m := &Manifest{Password: benchPassword, InboxHandle: "seed_inbox", HistoryHandle: "seed_history"}
	principal := map[string]*dm.Account{}
	for _, h := range []string{"seed_inbox", "seed_history", "seed_peer"} {
		a, err := identities.Signup(ctx, identity.SignupParams{Handle: h, Password: benchPassword})
		if err != nil {
			return nil, fmt.Errorf("seed: %s: %w (seed needs an empty database)", h, err)
		}
		principal[h] = a
	}
	var hash string
	if err := store.View(ctx, func(tx dm.Tx) error {
		var err error
		_, hash, err = tx.Credentials(ctx, "seed_inbox")
		return err
	}); err != nil {
		return nil, err
	}

	// Partners: one account per inbox conversation; the remaining
	// conversations pair partners (i, i+k) for k = 1, 2, ...
	partners := o.InboxConversations
	others := max(0, o.Conversations-1-partners)
	if maxOthers := partners * (partners - 1) / 2; others > maxOthers {
		others = maxOthers
	}
	convs := 1 + partners + others
	rest := max(0, o.Messages-o.HistoryMessages)
	m.InboxConversations, m.HistoryMessages = partners, o.HistoryMessages
	m.Conversations, m.Messages = convs, o.HistoryMessages+rest

	bar := transfer.NewBar(o.Progress, "seed", 0, int64(partners+convs+m.Messages))
	defer bar.Done()
	// Batches of one phase do not depend on each other: PostgreSQL loads
	// them side by side, SQLite's writer commits those that wait together.
	l := transfer.NewLoader(store, bar, min(o.Workers, 8))
	bt := newBatcher(ctx, l, "seed")

	t0 := time.Now().Add(-30 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	ids := make([]string, partners)
	for i := range partners {
		a := dm.BulkAccount{Account: dm.Account{ID: dm.NewID(), Handle: fmt.Sprintf("seed_u%d", i), Kind: dm.KindPerson, CreatedAt: t0},
			Settings: dm.DefaultSettings(), PasswordHash: hash}
		ids[i] = a.ID
		bt.b.Accounts = append(bt.b.Accounts, a)
		if err := bt.full(); err != nil {
			return nil, fmt.Errorf("seed: accounts: %w", err)
		}
	}
	if err := bt.phase("accounts"); err != nil {
		return nil, err
	}

	// cs[i] are the members of conversation i; conversation 0 is the long
	// one. Each conversation's messages are known in advance (the long
	// one's, then an even share of the rest), and so are their times: one
	// millisecond apart, conversation after conversation, so that every
	// ordering is well defined. That gives each conversation its last seq
	// and last activity before any message is written.
	type conv struct {
		id   string
		a, b string
		n    int64 // messages
		base int64 // milliseconds after t0 of the message before its first
	}
	cs := make([]conv, 0, convs)
	cs = append(cs, conv{id: dm.NewID(), a: principal["seed_history"].ID, b: principal["seed_peer"].ID})
	for i := range partners {
		cs = append(cs, conv{id: dm.NewID(), a: principal["seed_inbox"].ID, b: ids[i]})
	}
	for k := 1; len(cs) < convs; k++ {
		for i := 0; i < partners && len(cs) < convs; i++ {
			if j := (i + k) % partners; k < partners-k || (k == partners-k && i < j) {
				cs = append(cs, conv{id: dm.NewID(), a: ids[i], b: ids[j]})
			}
		}
	}
	// Written in id order, the conversations get search ordinals and the
	// messages primary-key positions in ascending order: every insert
	// appends to its B-tree instead of touching pages all over it.
	history := cs[0].id
	slices.SortFunc(cs, func(x, y conv) int { return strings.Compare(x.id, y.id) })
	each, extra := 0, 0
	if len(cs) > 1 {
		each, extra = rest/(len(cs)-1), rest%(len(cs)-1)
	}
	var at int64
	k := 0 // among the conversations other than the long one
	for i := range cs {
		switch {
		case cs[i].id == history:
			cs[i].n = int64(o.HistoryMessages)
		case k < extra:
			cs[i].n, k = int64(each+1), k+1
		default:
			cs[i].n, k = int64(each), k+1
		}
		cs[i].base = at
		at += cs[i].n
	}
	m.HistoryConversation = history
	msAfter := func(n int64) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	for _, c := range cs {
		members := []dm.Membership{
			{UserID: c.a, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: t0},
			{UserID: c.b, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: t0},
		}
		updated := t0
		if c.n > 0 {
			updated = msAfter(c.base + c.n)
		}
		bt.b.Conversations = append(bt.b.Conversations, dm.BulkConversation{ID: c.id, Kind: dm.ConversationDirect, CreatedAt: t0,
			UpdatedAt: updated, LastSeq: c.n, Members: members})
		if err := bt.full(); err != nil {
			return nil, fmt.Errorf("seed: conversations: %w", err)
		}
	}
	if err := bt.phase("conversations"); err != nil {
		return nil, err
	}

	// Messages, alternating senders. History's deep pages start before
	// messages of the middle half, picked by seq.
	step := max(1, int64(o.HistoryMessages)/200)
	for _, c := range cs {
		for seq := int64(1); seq <= c.n; seq++ {
			msg := dm.BulkMessage{ID: dm.NewID(), ConversationID: c.id, Seq: seq, SenderID: c.a, CreatedAt: msAfter(c.base + seq)}
			if seq%2 == 0 {
				msg.SenderID = c.b
			}
			if c.id == history {
				msg.Text = "history message " + strconv.FormatInt(seq-1, 10)
				if lo := int64(o.HistoryMessages/4) + 1; seq >= lo && seq <= int64(3*o.HistoryMessages/4) && (seq-lo)%step == 0 {
					m.DeepMessages = append(m.DeepMessages, msg.ID)
				}
			} else {
				msg.Text = "hello " + strconv.FormatInt(seq-1, 10)
			}
			bt.b.Messages = append(bt.b.Messages, msg)
			if err := bt.full(); err != nil {
				return nil, fmt.Errorf("seed: messages: %w", err)
			}
		}
	}
	if err := bt.phase("messages"); err != nil {
		return nil, err
	}
	if err := store.FinishLoad(ctx); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	m.Seconds = time.Since(start).Seconds()
	m.Records = int64(partners + convs + m.Messages)
	return m, nil
}

// batcher fills the bulk batches of a seeder and hands each full one to
// the loader.
type batcher struct {
	ctx  context.Context
	l    *transfer.Loader
	name string // the seeder, for errors
	b    *dm.BulkBatch
}

func newBatcher(ctx context.Context, l *transfer.Loader, name string) *batcher {
	return &batcher{ctx: ctx, l: l, name: name, b: &dm.BulkBatch{}}
}

// full loads the batch once it holds seedBatch records.
func (s *batcher) full() error {
	if s.b.Len() < seedBatch {
		return nil
	}
	err := s.l.Load(s.ctx, s.b, 0, 0)
	s.b = &dm.BulkBatch{}
	return err
}

// phase loads what is left and waits for every batch so far: the next
// phase's records refer to this one's.
func (s *batcher) phase(what string) error {
	if s.b.Len() > 0 {
		if err := s.l.Load(s.ctx, s.b, 0, 0); err != nil {
			return fmt.Errorf("%s: %s: %w", s.name, what, err)
		}
		s.b = &dm.BulkBatch{}
	}
	if err := s.l.Wait(); err != nil {
		return fmt.Errorf("%s: %s: %w", s.name, what, err)
	}
	return nil
}
