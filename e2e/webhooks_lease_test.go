package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// TestWebhookLeasedOnEnqueueSurvivesACrash: on a node that runs jobs, a
// delivery is leased to the node in its enqueue and attempted at once,
// without a claim. The node is killed with SIGKILL while that first
// attempt hangs on the receiver; after a restart, once the lease has run
// out, the delivery is made, and the receiver gets the event exactly once.
func TestWebhookLeasedOnEnqueueSurvivesACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode: it builds cmd/parley and kills it; run without -short")
	}
	t.Parallel()
	tmp := t.TempDir()
	bin := buildParley(t, tmp)
	data := filepath.Join(tmp, "data")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	rcv := newHookReceiver(t)
	// The first request hangs until the test ends; later ones reach rcv.
	hung := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		first := false
		once.Do(func() { first = true })
		if first {
			close(hung)
			<-release
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rcv.srv.Config.Handler.ServeHTTP(w, req)
	}))
	t.Cleanup(gate.Close)
	t.Cleanup(func() { close(release) })

	// A lease longer than an attempt's timeout (10 s + 10 s to record), so
	// the node runs the delivery it leased itself.
	const lease = "25s"
	p := serve(t, bin, data, "--webhook-allow", "127.0.0.0/8", "--job-lease", lease)
	for _, a := range []client.SignupParams{{Handle: "shop", Kind: "brand"}, {Handle: "cyd"}} {
		a.Password = password(a.Handle)
		if _, err := checkedClient(t, nil, p.url).Signup(ctx, a); err != nil {
			t.Fatalf("signup %s: %v", a.Handle, err)
		}
	}
	login := func(url, handle string) *client.Client {
		c := checkedClient(t, nil, url)
		if _, _, err := c.Login(ctx, handle, password(handle)); err != nil {
			t.Fatalf("login %s: %v", handle, err)
		}
		return c
	}
	shop, cy := login(p.url, "shop"), login(p.url, "cyd")
	_, secret, err := shop.CreateWebhook(ctx, "shop", client.WebhookParams{URL: gate.URL, Events: []string{"message.received"}})
	must(t, err, "register the webhook")
	rcv.setSecret(secret)
	conv := e2eDirect(ctx, t, cy, "shop")
	sent := time.Now()
	e2eSend(ctx, t, cy, conv.ID, "Where is my parcel?")
	select {
	case <-hung:
	case <-time.After(15 * time.Second):
		t.Fatal("the node made no attempt after the commit")
	}
	if d := time.Since(sent); d > 5*time.Second {
		t.Errorf("first attempt %v after the send; want it at once", d)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	<-p.exited

	p2 := serve(t, bin, data, "--webhook-allow", "127.0.0.0/8", "--job-lease", lease)
	evs := rcv.waitEvents(t, 1, 60*time.Second)
	if evs[0].Data.Message.Text != "Where is my parcel?" {
		t.Errorf("event = %+v", evs[0])
	}
	shop2 := login(p2.url, "shop")
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, _, err := shop2.WebhookDeliveries(ctx, "shop", "", "", 10)
		must(t, err, "delivery log")
		if len(ds) == 1 && ds[0].Status == "succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery log after restart: %+v", ds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if evs, byEvent, _ := rcv.snapshot(); len(evs) != 1 || byEvent[evs[0].ID] != 1 {
		t.Fatalf("%d deliveries after the restart, want exactly 1", len(evs))
	}
}
