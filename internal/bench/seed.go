package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
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

// op is one write of the seed.
type op func(ctx context.Context, tx dm.Tx) error

// Seed fills an empty store through the dm.Store interface, in batched
// Updates: accounts, then direct conversations, then messages. Three
// accounts are made through the identity service so that they have real
// password hashes: the inbox account, the long conversation's two members;
// the other accounts reuse that hash. No events are appended: the seeded
// past predates every client's cursor, as after the event log's retention.
func Seed(ctx context.Context, store dm.Store, o SeedOptions) (*Manifest, error) {
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

	total := int64(partners + convs + m.Messages)
	bar := newBar(o.Progress, "seed", total, 0)
	defer bar.Done()
	// runPhase runs the ops that produce emits in batched Updates on
	// o.Workers goroutines, and returns once all are committed.
	runPhase := func(produce func(emit func(op))) error {
		ops := make(chan []op, 2*o.Workers)
		var mu sync.Mutex
		var firstErr error
		var wg sync.WaitGroup
		for range o.Workers {
			wg.Go(func() {
				for batch := range ops {
					err := store.Update(ctx, func(tx dm.Tx) error {
						for _, f := range batch {
							if err := f(ctx, tx); err != nil {
								return err
							}
						}
						return nil
					})
					bar.Add(int64(len(batch)))
					if err != nil {
						mu.Lock()
						firstErr = cmp.Or(firstErr, err)
						mu.Unlock()
					}
				}
			})
		}
		const batchSize = 64
		batch := make([]op, 0, batchSize)
		produce(func(f op) {
			batch = append(batch, f)
			if len(batch) == batchSize {
				ops <- batch
				batch = make([]op, 0, batchSize)
			}
		})
		if len(batch) > 0 {
			ops <- batch
		}
		close(ops)
		wg.Wait()
		return firstErr
	}

	t0 := time.Now().Add(-30 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	ids := make([]string, partners)
	if err := runPhase(func(emit func(op)) {
		for i := range partners {
			a := &dm.Account{ID: dm.NewID(), Handle: fmt.Sprintf("seed_u%d", i), Kind: dm.KindPerson, CreatedAt: t0}
			ids[i] = a.ID
			emit(func(ctx context.Context, tx dm.Tx) error {
				return tx.CreateAccount(ctx, a, dm.DefaultSettings(), hash)
			})
		}
	}); err != nil {
		return nil, fmt.Errorf("seed: accounts: %w", err)
	}

	// pairs[i] are the members of conversation i; conversation 0 is the long one.
	type conv struct {
		id   string
		a, b string
	}
	cs := make([]conv, 0, convs)
	cs = append(cs, conv{dm.NewID(), principal["seed_history"].ID, principal["seed_peer"].ID})
	for i := range partners {
		cs = append(cs, conv{dm.NewID(), principal["seed_inbox"].ID, ids[i]})
	}
	for k := 1; len(cs) < convs; k++ {
		for i := 0; i < partners && len(cs) < convs; i++ {
			if j := (i + k) % partners; k < partners-k || (k == partners-k && i < j) {
				cs = append(cs, conv{dm.NewID(), ids[i], ids[j]})
			}
		}
	}
	m.HistoryConversation = cs[0].id
	if err := runPhase(func(emit func(op)) {
		for _, c := range cs {
			emit(func(ctx context.Context, tx dm.Tx) error {
				return tx.CreateConversation(ctx, &dm.Conversation{ID: c.id, Kind: dm.ConversationDirect, CreatedAt: t0},
					[]dm.Membership{
						{UserID: c.a, Role: dm.RoleMember, Status: dm.StatusAccepted},
						{UserID: c.b, Role: dm.RoleMember, Status: dm.StatusAccepted},
					})
			})
		}
	}); err != nil {
		return nil, fmt.Errorf("seed: conversations: %w", err)
	}

	// Messages, alternating senders, one millisecond apart so that every
	// ordering is well defined. The long conversation first.
	at := t0
	send := func(emit func(op), c conv, n int, text string) string {
		msg := &dm.Message{ID: dm.NewID(), ConversationID: c.id, Sender: dm.Profile{ID: c.a}, Text: text, CreatedAt: at}
		if n%2 == 1 {
			msg.Sender.ID = c.b
		}
		at = at.Add(time.Millisecond)
		emit(func(ctx context.Context, tx dm.Tx) error { return tx.InsertMessage(ctx, msg, "") })
		return msg.ID
	}
	if err := runPhase(func(emit func(op)) {
		for n := range o.HistoryMessages {
			send(emit, cs[0], n, fmt.Sprintf("history message %d", n))
		}
		each, extra := 0, 0
		if len(cs) > 1 {
			each, extra = rest/(len(cs)-1), rest%(len(cs)-1)
		}
		for round := 0; round <= each; round++ {
			for i, c := range cs[1:] {
				if round < each || i < extra {
					send(emit, c, round, fmt.Sprintf("hello %d", round))
				}
			}
		}
	}); err != nil {
		return nil, fmt.Errorf("seed: messages: %w", err)
	}
	// History's deep pages start before messages of the middle half. They
	// are picked by seq once stored: the writers commit concurrent batches
	// in any order, so a message's place in the sending loop is not its seq.
	step := max(1, int64(o.HistoryMessages)/200)
	err := store.View(ctx, func(tx dm.Tx) error {
		for seq := int64(o.HistoryMessages/4) + 1; seq <= int64(3*o.HistoryMessages/4); seq += step {
			got, err := tx.Messages(ctx, cs[0].id, cs[0].a, seq+1, 1)
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].Seq != seq {
				return fmt.Errorf("the long conversation has no message %d", seq)
			}
			m.DeepMessages = append(m.DeepMessages, got[0].ID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seed: deep messages: %w", err)
	}
	m.Seconds = time.Since(start).Seconds()
	return m, nil
}
