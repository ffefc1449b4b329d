package e2e

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// TestAwayMessageSurvivesACrash kills the real server with SIGKILL after a
// customer message that calls for the brand's away message has committed
// and before the away message is delivered (the first life runs no jobs,
// which puts the kill exactly there), and checks that after a restart the
// away message arrives exactly once, and that a further restart does not
// send it again.
func TestAwayMessageSurvivesACrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode: it builds cmd/parley and kills it; run without -short")
	}
	t.Parallel()
	tmp := t.TempDir()
	bin := buildParley(t, tmp)
	data := filepath.Join(tmp, "data")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	p := serve(t, bin, data, "--job-workers", "-1")
	login := func(url, handle string) *client.Client {
		c := checkedClient(t, nil, url)
		if _, _, err := c.Login(ctx, handle, password(handle)); err != nil {
			t.Fatalf("login %s: %v", handle, err)
		}
		return c
	}
	for _, a := range []client.SignupParams{{Handle: "shop", Kind: "brand"}, {Handle: "cyd"}} {
		a.Password = password(a.Handle)
		if _, err := checkedClient(t, nil, p.url).Signup(ctx, a); err != nil {
			t.Fatalf("signup %s: %v", a.Handle, err)
		}
	}
	shop, cy := login(p.url, "shop"), login(p.url, "cyd")
	const away = "Closed now; we answer from 9:00."
	_, err := shop.PutBrandSettings(ctx, "shop", client.BrandSettings{TimeZone: "UTC", HoursEnabled: ptr(true),
		Hours: &[]client.BusinessHoursDay{}, AwayMessage: ptr(away)})
	must(t, err, "brand settings: never open, with an away message")
	conv := e2eDirect(ctx, t, cy, "shop")
	e2eSend(ctx, t, cy, conv.ID, "Is my order shipped?")
	if n := countAway(ctx, t, cy, conv.ID, away); n != 0 {
		t.Fatalf("%d away messages on a node that runs no jobs", n)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	<-p.exited

	p2 := serve(t, bin, data)
	cy2 := login(p2.url, "cyd")
	deadline := time.Now().Add(30 * time.Second)
	for countAway(ctx, t, cy2, conv.ID, away) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the away message never arrived after the restart\n%s", p2.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The job is recorded as done: /metrics counts one successful attempt.
	for !strings.Contains(metricsText(t, p2.url), `parley_jobs_total{kind="brand.away_message",outcome="done"} 1`) {
		if time.Now().After(deadline) {
			t.Fatalf("no finished away job in /metrics:\n%s", metricsText(t, p2.url))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p2.exited

	p3 := serve(t, bin, data)
	cy3 := login(p3.url, "cyd")
	time.Sleep(300 * time.Millisecond) // a third life polls its queue at once; give a stray re-run its chance
	if n := countAway(ctx, t, cy3, conv.ID, away); n != 1 {
		t.Fatalf("%d away messages after two restarts, want exactly 1", n)
	}
}

func e2eSend(ctx context.Context, t *testing.T, c *client.Client, convID, text string) {
	t.Helper()
	_, _, err := c.Send(ctx, convID, client.SendParams{Text: text})
	must(t, err, "send "+text)
}

func countAway(ctx context.Context, t *testing.T, c *client.Client, convID, text string) int {
	t.Helper()
	msgs, err := allMessages(ctx, c, convID)
	must(t, err, "list messages")
	n := 0
	for _, m := range msgs {
		if m.Text == text {
			if !m.Automated || m.Sender.Handle != "shop" {
				t.Errorf("away message %+v is not the brand's automated message", m)
			}
			n++
		}
	}
	return n
}

func metricsText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
