// Package inmem is the in-process Bus: notifications go straight to the
// subscribers of this process. It is the default on one machine.
package inmem

import (
	"context"
	"sync"

	"github.com/parleyhq/parley/internal/dm"
)

var _ dm.Bus = (*Bus)(nil)

// Bus delivers notifications to subscribers in the same process. Publish calls
// the subscribers' functions directly; they must not block (dm.Bus).
type Bus struct {
	mu     sync.RWMutex
	subs   map[string]map[*subscription]struct{}
	closed bool
}

type subscription struct{ fn func(dm.Notification) }

// New returns an empty bus.
func New() *Bus {
	return &Bus{subs: make(map[string]map[*subscription]struct{})}
}

// Publish hands each notification to the current subscribers of its user.
func (b *Bus) Publish(ctx context.Context, ns ...dm.Notification) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return dm.Errorf(dm.EINTERNAL, "bus closed")
	}
	for _, n := range ns {
		for s := range b.subs[n.UserID] {
			s.fn(n)
		}
	}
	return nil
}

// Subscribe registers fn for userID's notifications.
func (b *Bus) Subscribe(userID string, fn func(dm.Notification)) (func(), error) {
	s := &subscription{fn: fn}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, dm.Errorf(dm.EINTERNAL, "bus closed")
	}
	m := b.subs[userID]
	if m == nil {
		m = make(map[*subscription]struct{})
		b.subs[userID] = m
	}
	m[s] = struct{}{}
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			delete(b.subs[userID], s)
			if len(b.subs[userID]) == 0 {
				delete(b.subs, userID)
			}
		})
	}, nil
}

// Ping always succeeds: the bus is in this process.
func (b *Bus) Ping(context.Context) error { return nil }

// Close drops every subscription; later calls fail.
func (b *Bus) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.subs = nil
	return nil
}
