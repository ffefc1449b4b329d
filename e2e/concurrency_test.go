package e2e

import (
	"net/http"
	"sync"
	"testing"

	"github.com/parleyhq/parley/client"
)

func TestConcurrentDirectCreate(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	rio, sol := e.user("rio"), e.user("sol")

	const n = 20
	type result struct {
		id      string
		created bool
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			c, other := rio, "sol"
			if i%2 == 1 {
				c, other = sol, "rio"
			}
			conv, created, err := c.CreateConversation(ctx, []string{other}, "")
			if err == nil {
				results[i] = result{conv.ID, created, nil}
			} else {
				results[i] = result{err: err}
			}
		}()
	}
	close(startGun)
	wg.Wait()

	ids := map[string]int{}
	createdCount := 0
	for i, r := range results {
		if r.err != nil {
			t.Errorf("create %d: %v", i, r.err)
			continue
		}
		ids[r.id]++
		if r.created {
			createdCount++
		}
	}
	if len(ids) != 1 {
		t.Errorf("20 concurrent creates of one pair: want 1 conversation, got %d: %v", len(ids), ids)
	}
	if createdCount != 1 {
		t.Errorf("20 concurrent creates of one pair: want exactly one 201, got %d", createdCount)
	}
	for _, c := range []*client.Client{rio, sol} {
		all := append(e.folder(c, "inbox"), e.folder(c, "requests")...)
		if len(all) > 1 {
			t.Errorf("a member lists %d conversations, want at most 1: %v", len(all), all)
		}
	}
}

func TestIdempotentSendRace(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	tao, uli := e.user("tao"), e.user("uli")
	conv := e.direct(tao, "uli")

	const n = 16
	type result struct {
		msg     *client.Message
		created bool
		err     error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	startGun := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			m, created, err := tao.Send(ctx, conv.ID, client.SendParams{Text: "only once", ClientID: "retry-me-7"})
			results[i] = result{m, created, err}
		}()
	}
	close(startGun)
	wg.Wait()

	created := 0
	ids := map[string]bool{}
	for i, r := range results {
		if r.err != nil {
			t.Errorf("send %d: %v", i, r.err)
			continue
		}
		ids[r.msg.ID] = true
		if r.created {
			created++
		}
	}
	if created != 1 || len(ids) != 1 {
		t.Errorf("16 racing sends of one client_id: want one 201 and one message id, got %d created and ids %v", created, ids)
	}
	msgs, _, err := uli.Messages(ctx, conv.ID, "", 0)
	if ok(t, err, "list") && len(msgs) != 1 {
		t.Errorf("16 racing sends of one client_id: want 1 stored message, got %d", len(msgs))
	}
	// A later retry gets the same message; the same client_id from the other
	// sender is a different message.
	m, again, err := tao.Send(ctx, conv.ID, client.SendParams{Text: "only once", ClientID: "retry-me-7"})
	if ok(t, err, "late retry") && (again || !ids[m.ID]) {
		t.Errorf("late retry: want 200 and the same id, got created=%v id %s", again, m.ID)
	}
	m2, created2, err := uli.Send(ctx, conv.ID, client.SendParams{Text: "mine", ClientID: "retry-me-7"})
	if ok(t, err, "other sender, same client_id") && (!created2 || ids[m2.ID]) {
		t.Errorf("another sender's client_id is their own: want a new message, got created=%v id %s", created2, m2.ID)
	}
	_, _, err = tao.Send(ctx, conv.ID, client.SendParams{Text: "x", ClientID: string(make([]byte, 65))})
	wantStatus(t, err, http.StatusBadRequest, "send with a client_id of 65 NUL bytes")
}
