package brand

import (
	"context"
	"slices"
	"sync"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

// brandState is what a customer's message to a brand reads of the brand
// besides its conversation, and that rarely changes: the brand's account,
// settings, team, bot settings' version, webhook endpoints and consent
// settings. The Step keeps it in memory per brand, checked on every send
// against the brand's state version (dm.BrandTx.BrandStateVersion, one
// indexed read of one integer that the store's triggers change whenever any
// of these rows changes, whoever writes it), so every node sees a change at
// once and a send reads one row instead of six. A customer's message reads
// that integer with its conversation (dm.BrandConversation.StateVersion),
// in the same statement.
//
// A brandState is shared by concurrent sends: nobody changes it. The
// settings' round-robin cursor moves without a new version, so it is not
// to be read from here (roundRobin reads the settings again, under the
// brand's lock).
type brandState struct {
	version  int64
	account  *dm.Account
	settings *dm.BrandSettings
	team     []dm.TeamMember
	// automation is the bot settings' version, -1 when the brand has none.
	automation int64
	endpoints  []dm.WebhookEndpoint
	consent    *dm.ConsentSettings
}

// stateCache holds brandStates by brand id. Bounded: when full it starts over.
type stateCache struct {
	mu sync.Mutex
	m  map[string]*brandState
}

// state returns brand brandID's state as of tx: from memory when its
// version is the stored one, read from the store otherwise.
func (s *Step) state(ctx context.Context, tx dm.Tx, brandID string) (*brandState, error) {
	v, err := tx.BrandStateVersion(ctx, brandID)
	if err != nil {
		return nil, err
	}
	return s.stateAt(ctx, tx, brandID, v)
}

// stateAt is state when the caller read the version v in tx (a customer's
// message reads it with the conversation: BrandConversation).
func (s *Step) stateAt(ctx context.Context, tx dm.Tx, brandID string, v int64) (*brandState, error) {
	var err error
	c := &s.states
	c.mu.Lock()
	st := c.m[brandID]
	c.mu.Unlock()
	if st != nil && st.version == v {
		return st, nil
	}
	// Read after the version: a change committed in between is newer
	// than the version kept with it, so the next send reads it again
	// (never the other way round).
	st = &brandState{version: v, automation: -1}
	if st.account, err = tx.Account(ctx, brandID); err != nil {
		return nil, err
	}
	if st.settings, err = loadSettings(ctx, tx, brandID); err != nil {
		return nil, err
	}
	if st.team, err = tx.TeamMembers(ctx, brandID); err != nil {
		return nil, err
	}
	if av, err := tx.AutomationVersion(ctx, brandID); err == nil {
		st.automation = av
	} else if !dm.IsCode(err, dm.ENOTFOUND) {
		return nil, err
	}
	if st.endpoints, err = tx.WebhookEndpoints(ctx, brandID); err != nil {
		return nil, err
	}
	if st.consent, err = loadConsentSettings(ctx, tx, brandID); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= 10_000 {
		c.m = make(map[string]*brandState)
	}
	c.m[brandID] = st
	c.mu.Unlock()
	return st, nil
}

// settingsCopy is the state's settings, for a caller that may change them.
func (st *brandState) settingsCopy() *dm.BrandSettings {
	set := *st.settings
	set.Hours = slices.Clone(set.Hours)
	return &set
}

// stateKey keys, in a chat.Sent, the brand state its brand stage used, for
// the stages after it in the same send (the webhooks' Endpoints).
type stateKey struct{}

// Endpoints returns the webhook endpoints of the brand of a send that the
// brand stage handled (MessageStored runs before the webhooks' stage), from
// the state it read; otherwise it reads them.
func (s *Step) Endpoints(ctx context.Context, tx dm.Tx, sent *chat.Sent, brandID string) ([]dm.WebhookEndpoint, *dm.Account, error) {
	if v, ok := sent.Value(stateKey{}).(*brandState); ok && v.account.ID == brandID {
		return v.endpoints, v.account, nil
	}
	st, err := s.state(ctx, tx, brandID)
	if err != nil {
		return nil, nil, err
	}
	return st.endpoints, st.account, nil
}
