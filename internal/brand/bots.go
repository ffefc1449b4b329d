package brand

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// This file holds what external bots need from the brand layer: bot tokens
// (a credential scoped to one brand with which a program answers as the
// brand's bot), the check that a caller manages a brand (for its
// integrations), and the hook through which others follow inbox changes.

// BotTokenPrefix starts every bot token, so that authentication tells one
// from a session token without a lookup, and so that a token pasted where it
// should not be is recognisable.
const BotTokenPrefix = "pbot_"

// Limits of bot tokens.
const (
	maxBotTokens   = 20
	maxBotNameRune = 40
)

// Bot is the caller of a request made with a bot token: the brand's bot.
type Bot struct {
	Token *dm.BotToken
	// Brand is the brand account the bot writes as.
	Brand *dm.Account
}

// ManagedBrand returns the brand of handle when me is one of its owners or
// admins (or the brand account itself). Anyone else, agents included, gets
// the 404 a stranger gets: a brand's integrations (webhook secrets, bot
// tokens) are its managers' business only.
func (s *Service) ManagedBrand(ctx context.Context, tx dm.Tx, me *dm.Account, handle string) (*dm.Account, error) {
	a, err := s.access(ctx, tx, me, handle)
	if err != nil {
		return nil, err
	}
	if !a.manager() {
		return nil, noBrand(handle)
	}
	return a.brand, nil
}

func validBotName(name string) (string, error) {
	name = strings.TrimSpace(name)
	n := 0
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", dm.Errorf(dm.EINVALID, "name may not contain control characters.")
		}
		n++
	}
	if n == 0 || n > maxBotNameRune {
		return "", dm.Errorf(dm.EINVALID, "name has 1 to %d characters.", maxBotNameRune)
	}
	return name, nil
}

// CreateBotToken makes a named bot token for a brand (owners and admins).
// The secret is returned here only; the store keeps its SHA-256 hash.
func (s *Service) CreateBotToken(ctx context.Context, me *dm.Account, handle, name string) (*dm.BotToken, string, error) {
	name, err := validBotName(name)
	if err != nil {
		return nil, "", err
	}
	b := make([]byte, 32) // 256 random bits
	rand.Read(b)
	secret := BotTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	var out *dm.BotToken
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		br, err := s.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		have, err := tx.BotTokens(ctx, br.ID)
		if err != nil {
			return err
		}
		if len(have) >= maxBotTokens {
			return dm.Errorf(dm.EINVALID, "A brand has at most %d bot tokens; revoke one first.", maxBotTokens)
		}
		out = &dm.BotToken{ID: dm.NewID(), BrandID: br.ID, Name: name, TokenHash: hashBotToken(secret), CreatedBy: me.ID, CreatedAt: s.now()}
		err = tx.CreateBotToken(ctx, out)
		if dm.IsCode(err, dm.ECONFLICT) {
			return dm.Errorf(dm.ECONFLICT, "The brand already has a bot token named %q.", name)
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return out, secret, nil
}

// BotTokens lists a brand's bot tokens, without their secrets.
func (s *Service) BotTokens(ctx context.Context, me *dm.Account, handle string) ([]dm.BotToken, error) {
	var out []dm.BotToken
	err := s.store.View(ctx, func(tx dm.Tx) error {
		br, err := s.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		out, err = tx.BotTokens(ctx, br.ID)
		return err
	})
	return out, err
}

// RevokeBotToken deletes a bot token. It stops working at once on this node
// and within botCacheTTL on the others.
func (s *Service) RevokeBotToken(ctx context.Context, me *dm.Account, handle, id string) error {
	var hash string
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		br, err := s.ManagedBrand(ctx, tx, me, handle)
		if err != nil {
			return err
		}
		ts, err := tx.BotTokens(ctx, br.ID)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if t.ID == id {
				hash = t.TokenHash
			}
		}
		err = tx.DeleteBotToken(ctx, br.ID, id)
		if dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No bot token %q.", dm.Truncate(id, 40))
		}
		return err
	})
	if err == nil {
		s.bots.drop(hash)
	}
	return err
}

func hashBotToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IsBotToken tells a bot token from a session token by its prefix.
func IsBotToken(token string) bool { return strings.HasPrefix(token, BotTokenPrefix) }

// AuthenticateBot returns the bot of a bot token (EUNAUTHENTICATED for an
// unknown or revoked one).
func (s *Service) AuthenticateBot(ctx context.Context, token string) (*Bot, error) {
	if !IsBotToken(token) || len(token) > 128 {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Unknown bot token.")
	}
	hash, now := hashBotToken(token), time.Now()
	if b := s.bots.get(hash, now); b != nil {
		return b, nil
	}
	var b *Bot
	err := s.store.View(ctx, func(tx dm.Tx) error {
		t, err := tx.BotTokenByHash(ctx, hash)
		if err != nil {
			return err
		}
		br, err := tx.Account(ctx, t.BrandID)
		if err != nil {
			return err
		}
		b = &Bot{Token: t, Brand: br}
		return nil
	})
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.EUNAUTHENTICATED, "Unknown bot token.")
	}
	if err != nil {
		return nil, err
	}
	s.bots.put(hash, b, now)
	return b, nil
}

// BotSend sends a reply as the brand, written by its bot: through chat.Send
// like an agent's reply, marked automated, with the bot's name shown as the
// writer's. A bot answers only its own brand's conversations: any other
// handle is the 404 a stranger gets. Its sends are rate limited per token.
func (s *Service) BotSend(ctx context.Context, bot *Bot, handle, convID string, r Reply) (*TeamMessage, bool, error) {
	if dm.NormalizeHandle(handle) != bot.Brand.Handle {
		return nil, false, noBrand(handle)
	}
	b, _, text, _, err := s.prepareReply(ctx, bot.Brand, handle, convID, r)
	if err != nil {
		return nil, false, err
	}
	if err := s.chat.TakeSend("bot:" + bot.Token.ID); err != nil {
		return nil, false, err
	}
	clientID := r.ClientID
	if clientID != "" {
		// Scoped per token, as an agent's are per agent (see Send).
		sum := sha256.Sum256([]byte(bot.Token.ID + "\x00" + clientID))
		clientID = "bot-" + hex.EncodeToString(sum[:16])
	}
	msg, created, err := s.chat.Send(ctx, b, convID, chat.SendParams{Text: text, ClientID: clientID, Automated: true, AgentName: bot.Token.Name})
	if err != nil {
		return nil, false, err
	}
	return &TeamMessage{Message: *msg}, created, nil
}

// botCacheTTL is how long a node trusts a bot token it has checked, like
// the session cache: a revocation is immediate on the node that made it
// and takes at most this long on the others.
const botCacheTTL = 10 * time.Second

// botCache maps token hashes to bots; bounded, it starts over when full.
type botCache struct {
	mu sync.Mutex
	m  map[string]cachedBot
}

type cachedBot struct {
	bot   *Bot
	until time.Time
}

func (c *botCache) get(hash string, now time.Time) *Bot {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok || now.After(e.until) {
		return nil
	}
	return e.bot
}

func (c *botCache) put(hash string, b *Bot, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= 10_000 {
		c.m = make(map[string]cachedBot)
	}
	c.m[hash] = cachedBot{bot: b, until: now.Add(botCacheTTL)}
}

func (c *botCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, hash)
}

// InboxChange is a change of a brand conversation's inbox state that
// systems outside the team follow (webhooks).
type InboxChange struct {
	// Type is a webhook event type: dm.WebhookConversationResolved,
	// dm.WebhookConversationAssigned or dm.WebhookConversationHandedOff.
	Type  string
	Brand *dm.Account
	Item  *dm.InboxItem
	// Actor made the change (nil: the brand layer did, e.g. round-robin).
	Actor *dm.Account
	At    time.Time
}

// InboxWatcher follows inbox changes inside their transaction: its writes
// and the jobs it enqueues commit or roll back with the change.
type InboxWatcher interface {
	InboxChanged(ctx context.Context, tx dm.Tx, out chat.Outbox, c InboxChange) error
}

// Watch adds a watcher of inbox changes. It must be called before serving.
func (s *Step) Watch(w InboxWatcher) { s.watchers = append(s.watchers, w) }

// Changed tells the watchers of an inbox change; the brand layer and the
// automation engine (a hand-off) call it in the change's transaction.
func (s *Step) Changed(ctx context.Context, tx dm.Tx, out chat.Outbox, c InboxChange) error {
	for _, w := range s.watchers {
		if err := w.InboxChanged(ctx, tx, out, c); err != nil {
			return err
		}
	}
	return nil
}

// Side tells whether a send belongs to a brand conversation, for other
// stages of the pipeline: the brand, the customer, and whether the brand
// wrote. b is nil for every other send, at the cost of a cached lookup.
func (s *Step) Side(ctx context.Context, tx dm.Tx, sent *chat.Sent) (b, customer *dm.Account, outbound bool, err error) {
	return s.brandSide(ctx, tx, sent)
}

// SideIDs is Side without reading accounts: the brand's and the customer's
// ids ("" for every other send), from the cache of account kinds alone, so
// that a stage with nothing to do for most brands (webhooks without
// endpoints) reads nothing more.
func (s *Step) SideIDs(ctx context.Context, tx dm.Tx, sent *chat.Sent) (brandID, customerID string, outbound bool, err error) {
	if !sent.Direct {
		return "", "", false, nil
	}
	otherID := sent.Members[0].UserID
	if otherID == sent.Sender.ID {
		otherID = sent.Members[1].UserID
	}
	kind, err := s.kinds.of(ctx, tx, otherID)
	if err != nil {
		return "", "", false, err
	}
	switch {
	case sent.Sender.Kind == dm.KindBrand && kind != dm.KindBrand:
		return sent.Sender.ID, otherID, true, nil
	case kind == dm.KindBrand && sent.Sender.Kind != dm.KindBrand:
		return otherID, sent.Sender.ID, false, nil
	}
	return "", "", false, nil
}
