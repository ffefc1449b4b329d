package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/client"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/identity"
	"github.com/parleyhq/parley/internal/transfer"
)

// SearchSeedOptions sizes the database of the search budget (issue 13):
// a store of Messages messages in which one account, the searcher, has
// SearcherMessages of them over SearcherConversations conversations.
type SearchSeedOptions struct {
	Messages              int
	SearcherMessages      int
	SearcherConversations int
	// OtherConversations hold the other messages, between OtherAccounts
	// accounts.
	OtherConversations int
	OtherAccounts      int
	Workers            int
	Progress           io.Writer
}

// FullSearchSeed is the budget's size: 10,000,000 messages, 100,000 of
// them the searcher's.
func FullSearchSeed() SearchSeedOptions {
	return SearchSeedOptions{Messages: 10_000_000, SearcherMessages: 100_000, SearcherConversations: 200,
		OtherConversations: 50_000, OtherAccounts: 10_000, Workers: 32}
}

// SearchManifest tells the search scenario what the seed holds.
type SearchManifest struct {
	Password         string  `json:"password"`
	SearcherHandle   string  `json:"searcher_handle"`
	SearcherMessages int     `json:"searcher_messages"`
	Conversations    int     `json:"searcher_conversations"`
	AConversation    string  `json:"a_conversation"`
	Messages         int     `json:"messages"`
	Seconds          float64 `json:"seconds"`
}

// searchWord is the word of rank r (0 the most frequent) of the seed's
// vocabulary: two or three syllables, letters only.
func searchWord(r int) string {
	syl := [...]string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "be", "da", "fo", "gu", "ha", "ji", "pe", "qu", "ro", "si", "tu", "wa"}
	w := syl[r%20] + syl[r/20%20]
	if r >= 400 {
		w += syl[r/400%20]
	}
	return w
}

// searchVocabulary is the number of distinct words.
const searchVocabulary = 5000

// searchText makes a message of 4 to 14 words drawn with Zipf's law (as
// words are in real text: a few very common, most rare).
func searchText(z *rand.Zipf, rng *rand.Rand) string {
	var b strings.Builder
	n := 4 + rng.IntN(11)
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(searchWord(int(z.Uint64())))
	}
	return b.String()
}

// SeedSearch fills an empty store for the search scenario through the
// dm.Store interface in batched Updates, as Seed does: the searcher (made
// through the identity service, so it can log in), the other accounts,
// the conversations, then the messages, round after round over the
// conversations so that creation times interleave as in real use.
func SeedSearch(ctx context.Context, store dm.Store, o SearchSeedOptions) (*SearchManifest, error) {
	start := time.Now()
	if o.SearcherConversations < 1 || o.OtherAccounts < 2 || o.Workers < 1 || o.Messages < o.SearcherMessages {
		return nil, fmt.Errorf("seed-search: needs searcher conversations, two other accounts, a worker, and messages >= searcher messages")
	}
	identities := identity.New(store, identity.Config{RateLimitOff: true})
	searcher, err := identities.Signup(ctx, identity.SignupParams{Handle: "seed_searcher", Password: benchPassword})
	if err != nil {
		return nil, fmt.Errorf("seed-search: %w (it needs an empty database)", err)
	}
	var hash string
	if err := store.View(ctx, func(tx dm.Tx) error {
		_, hash, err = tx.Credentials(ctx, "seed_searcher")
		return err
	}); err != nil {
		return nil, err
	}
	accounts := max(o.OtherAccounts, o.SearcherConversations)
	others := o.Messages - o.SearcherMessages
	if bs, ok := store.(dm.BulkStore); ok {
		if err := seedSearchBulk(ctx, bs, o, searcher.ID, hash, accounts, others, start); err != nil {
			return nil, err
		}
		return &SearchManifest{Password: benchPassword, SearcherHandle: "seed_searcher", SearcherMessages: o.SearcherMessages,
			Conversations: o.SearcherConversations, AConversation: bulkFirstConv, Messages: o.Messages, Seconds: time.Since(start).Seconds()}, nil
	}
	total := int64(accounts + o.SearcherConversations + o.OtherConversations + o.Messages)
	bar := newBar(o.Progress, "seed-search", total, 0)
	defer bar.Done()

	run := func(produce func(emit func(op))) error {
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
		batch := make([]op, 0, 64)
		produce(func(f op) {
			batch = append(batch, f)
			if len(batch) == cap(batch) {
				ops <- batch
				batch = make([]op, 0, 64)
			}
		})
		if len(batch) > 0 {
			ops <- batch
		}
		close(ops)
		wg.Wait()
		return firstErr
	}

	t0 := time.Now().Add(-365 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	ids := make([]string, accounts)
	if err := run(func(emit func(op)) {
		for i := range accounts {
			a := &dm.Account{ID: dm.NewID(), Handle: fmt.Sprintf("seed_s%d", i), Kind: dm.KindPerson, CreatedAt: t0}
			ids[i] = a.ID
			emit(func(ctx context.Context, tx dm.Tx) error { return tx.CreateAccount(ctx, a, dm.DefaultSettings(), hash) })
		}
	}); err != nil {
		return nil, fmt.Errorf("seed-search: accounts: %w", err)
	}
	type conv struct{ id, a, b string }
	mine := make([]conv, o.SearcherConversations)
	for i := range mine {
		mine[i] = conv{dm.NewID(), searcher.ID, ids[i]}
	}
	rest := make([]conv, 0, o.OtherConversations)
	for k := 1; len(rest) < o.OtherConversations; k++ {
		for i := 0; i < accounts && len(rest) < o.OtherConversations; i++ {
			rest = append(rest, conv{dm.NewID(), ids[i], ids[(i+k)%accounts]})
		}
	}
	if err := run(func(emit func(op)) {
		for _, c := range append(append([]conv{}, mine...), rest...) {
			emit(func(ctx context.Context, tx dm.Tx) error {
				return tx.CreateConversation(ctx, &dm.Conversation{ID: c.id, Kind: dm.ConversationDirect, CreatedAt: t0},
					[]dm.Membership{
						{UserID: c.a, Role: dm.RoleMember, Status: dm.StatusAccepted},
						{UserID: c.b, Role: dm.RoleMember, Status: dm.StatusAccepted},
					})
			})
		}
	}); err != nil {
		return nil, fmt.Errorf("seed-search: conversations: %w", err)
	}
	rng := rand.New(rand.NewPCG(13, 13))
	z := rand.NewZipf(rng, 1.1, 2, searchVocabulary-1)
	// Both groups advance together: round r sends the r-th message of
	// every conversation that still has one, the searcher's first.
	perMine, perRest := o.SearcherMessages/len(mine), 0
	if len(rest) > 0 {
		perRest = others / len(rest)
	}
	rounds := max(perMine, perRest) + 1
	at := t0
	if err := run(func(emit func(op)) {
		sendIn := func(cs []conv, per, extra, round int) {
			for i, c := range cs {
				if round < per || (round == per && i < extra) {
					msg := &dm.Message{ID: dm.NewID(), ConversationID: c.id, Sender: dm.Profile{ID: c.a}, Text: searchText(z, rng), CreatedAt: at}
					if round%2 == 1 {
						msg.Sender.ID = c.b
					}
					at = at.Add(time.Millisecond)
					emit(func(ctx context.Context, tx dm.Tx) error { return tx.InsertMessage(ctx, msg, "") })
				}
			}
		}
		for r := range rounds {
			sendIn(mine, perMine, o.SearcherMessages-perMine*len(mine), r)
			if len(rest) > 0 {
				sendIn(rest, perRest, others-perRest*len(rest), r)
			}
		}
	}); err != nil {
		return nil, fmt.Errorf("seed-search: messages: %w", err)
	}
	return &SearchManifest{Password: benchPassword, SearcherHandle: "seed_searcher", SearcherMessages: o.SearcherMessages,
		Conversations: len(mine), AConversation: mine[0].id, Messages: o.Messages, Seconds: time.Since(start).Seconds()}, nil
}

// ReadSearchManifest reads what WriteSearchManifest wrote.
func ReadSearchManifest(path string) (*SearchManifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("no search seed described at %s (run parley bench seed-search): %w", path, err)
	}
	var m SearchManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}

// WriteSearchManifest writes m to path.
func WriteSearchManifest(path string, m *SearchManifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o600)
}

// SearchSeeded measures search on a database seeded by SeedSearch, as its
// searcher: single words from the most frequent of the vocabulary (found
// in most of the searcher's messages) to rare ones, two words, a phrase,
// and a word in one conversation, in turn, for o.Duration. Per query
// class it reports p99; overall p50 and p99, and with the server's pid its
// CPU time per query.
func SearchSeeded(ctx context.Context, o Options) (*Result, error) {
	m := o.SearchSeed
	c := client.New(o.URL, client.WithHTTPClient(httpClient(2)))
	if _, _, err := c.Login(ctx, m.SearcherHandle, m.Password); err != nil {
		return nil, fmt.Errorf("logging in as the seeded %s: %w", m.SearcherHandle, err)
	}
	type class struct {
		name string
		q    client.SearchParams
		lat  latencies
	}
	classes := []*class{
		{name: "word_rank0", q: client.SearchParams{Q: searchWord(0)}},
		{name: "word_rank10", q: client.SearchParams{Q: searchWord(10)}},
		{name: "word_rank100", q: client.SearchParams{Q: searchWord(100)}},
		{name: "word_rank1000", q: client.SearchParams{Q: searchWord(1000)}},
		{name: "two_words", q: client.SearchParams{Q: searchWord(3) + " " + searchWord(40)}},
		{name: "phrase", q: client.SearchParams{Q: `"` + searchWord(0) + " " + searchWord(1) + `"`}},
		{name: "in_conversation", q: client.SearchParams{Q: searchWord(5), Conversation: m.AConversation}},
	}
	// One query of each first, unmeasured (the cache warms up).
	for _, k := range classes {
		if _, _, err := c.Search(ctx, k.q); err != nil {
			return nil, fmt.Errorf("search %q: %w", k.q.Q, err)
		}
	}
	r := &Result{Params: map[string]any{"messages": m.Messages, "searcher_messages": m.SearcherMessages,
		"searcher_conversations": m.Conversations, "duration": o.Duration.String()}}
	var all latencies
	bar := newBar(o.Progress, "search", 0, o.Duration)
	c0, cerr := processCPU(o.ServerPID)
	deadline := time.Now().Add(o.Duration)
	for i := 0; time.Now().Before(deadline) || i < 2*len(classes); i++ {
		k := classes[i%len(classes)]
		t0 := time.Now()
		if _, _, err := c.Search(ctx, k.q); err != nil {
			r.Errors++
			r.FirstError = cmp.Or(r.FirstError, err.Error())
			continue
		}
		d := time.Since(t0)
		k.lat, all = append(k.lat, d), append(all, d)
	}
	c1, cerr1 := processCPU(o.ServerPID)
	bar.Done()
	slices.Sort(all)
	r.add("p50", all.pct(50), "ms")
	r.budget("p99", all.pct(99), "ms", "<=", 50)
	for _, k := range classes {
		slices.Sort(k.lat)
		r.add(k.name+"_p99", k.lat.pct(99), "ms")
	}
	if o.ServerPID > 0 && cerr == nil && cerr1 == nil && len(all) > 0 {
		r.add("server_cpu_per_query", float64((c1-c0).Microseconds())/float64(len(all)), "µs")
	}
	r.add("queries", float64(len(all)), "queries")
	return r, nil
}

// bulkFirstConv is the searcher's first conversation of the last bulk
// seed (set by seedSearchBulk).
var bulkFirstConv string

// seedSearchBulk writes the same store as SeedSearch's Update path
// through the bulk loader (as bench seed does: several times less CPU
// per record): the accounts, the conversations with their final last seq
// and activity, then the messages in 20 rounds, each round a run of
// about a twentieth of every conversation's messages (the searcher's
// first), so that the search index is built from interleaved
// conversations as in real use and not one conversation after another.
func seedSearchBulk(ctx context.Context, store dm.BulkStore, o SearchSeedOptions, searcherID, hash string, accounts, others int, start time.Time) error {
	total := int64(accounts + o.SearcherConversations + o.OtherConversations + o.Messages)
	bar := transfer.NewBar(o.Progress, "seed-search", 0, total)
	defer bar.Done()
	l := transfer.NewLoader(store, bar, min(o.Workers, 8))
	bt := newBatcher(ctx, l, "seed-search")
	t0 := time.Now().Add(-365 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	ids := make([]string, accounts)
	for i := range accounts {
		a := dm.BulkAccount{Account: dm.Account{ID: dm.NewID(), Handle: fmt.Sprintf("seed_s%d", i), Kind: dm.KindPerson, CreatedAt: t0},
			Settings: dm.DefaultSettings(), PasswordHash: hash}
		ids[i] = a.ID
		bt.b.Accounts = append(bt.b.Accounts, a)
		if err := bt.full(); err != nil {
			return fmt.Errorf("seed-search: accounts: %w", err)
		}
	}
	if err := bt.phase("accounts"); err != nil {
		return err
	}
	type conv struct {
		id, a, b string
		n, sent  int64
	}
	cs := make([]conv, 0, o.SearcherConversations+o.OtherConversations)
	perMine := o.SearcherMessages / o.SearcherConversations
	for i := range o.SearcherConversations {
		n := perMine
		if i < o.SearcherMessages-perMine*o.SearcherConversations {
			n++
		}
		cs = append(cs, conv{id: dm.NewID(), a: searcherID, b: ids[i], n: int64(n)})
	}
	bulkFirstConv = cs[0].id
	if o.OtherConversations > 0 {
		per, extra := others/o.OtherConversations, others%o.OtherConversations
		for k := 1; len(cs) < o.SearcherConversations+o.OtherConversations; k++ {
			for i := 0; i < accounts && len(cs) < o.SearcherConversations+o.OtherConversations; i++ {
				n := per
				if len(cs)-o.SearcherConversations < extra {
					n++
				}
				cs = append(cs, conv{id: dm.NewID(), a: ids[i], b: ids[(i+k)%accounts], n: int64(n)})
			}
		}
	}
	// Times: round r, conversation i's j-th message of the round is at
	// t0 + (r*len(cs)*run + i*run + j) ms, so every conversation's last
	// message time is known before its row is written.
	const rounds = 20
	runOf := func(c *conv) int64 { return (c.n + rounds - 1) / rounds }
	maxRun := int64(1)
	for i := range cs {
		maxRun = max(maxRun, runOf(&cs[i]))
	}
	at := func(r, i, j int64) time.Time {
		return t0.Add(time.Duration(r*int64(len(cs))*maxRun+i*maxRun+j) * time.Millisecond)
	}
	for i := range cs {
		c := &cs[i]
		updated := t0
		if c.n > 0 {
			run := runOf(c)
			last := c.n - 1
			updated = at(last/run, int64(i), last%run)
		}
		bt.b.Conversations = append(bt.b.Conversations, dm.BulkConversation{ID: c.id, Kind: dm.ConversationDirect, CreatedAt: t0,
			UpdatedAt: updated, LastSeq: c.n, Members: []dm.Membership{
				{UserID: c.a, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: t0},
				{UserID: c.b, Role: dm.RoleMember, Status: dm.StatusAccepted, JoinedAt: t0},
			}})
		if err := bt.full(); err != nil {
			return fmt.Errorf("seed-search: conversations: %w", err)
		}
	}
	if err := bt.phase("conversations"); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(13, 13))
	z := rand.NewZipf(rng, 1.1, 2, searchVocabulary-1)
	for r := int64(0); r < rounds; r++ {
		for i := range cs {
			c := &cs[i]
			run := runOf(c)
			for j := int64(0); j < run && c.sent < c.n; j++ {
				c.sent++
				msg := dm.BulkMessage{ID: dm.NewID(), ConversationID: c.id, Seq: c.sent, SenderID: c.a, Text: searchText(z, rng),
					CreatedAt: at(r, int64(i), j)}
				if c.sent%2 == 0 {
					msg.SenderID = c.b
				}
				bt.b.Messages = append(bt.b.Messages, msg)
				if err := bt.full(); err != nil {
					return fmt.Errorf("seed-search: messages: %w", err)
				}
			}
		}
	}
	if err := bt.phase("messages"); err != nil {
		return err
	}
	return store.FinishLoad(ctx)
}
