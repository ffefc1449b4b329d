package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/server"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestCampaignSendSmoke runs campaign-send in a tiny configuration (300
// followers, 2 paced senders, phases of a second) against a server in this
// process, and checks that the campaign sent, the senders sent in both
// phases, and every figure is there. It asserts no timing.
func TestCampaignSendSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: it needs a live server seeded with 300 followers and three one-second phases (about 10 s); run without -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = SeedFollowers(ctx, db, 300)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Config{Addr: "127.0.0.1:0", DataDir: dir, RateLimitOff: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	r, err := CampaignSend(ctx, Options{URL: srv.URL(), Duration: time.Second, Senders: 2, Rate: 50, ServerPID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range r.Figures {
		got[f.Name] = f.Value
	}
	for _, name := range []string{"campaign_msgs_per_s_with_p2p", "campaign_msgs_per_s_alone", "p2p_p99_without", "p2p_p99_with", "p2p_p99_ratio",
		"campaign_sent", "server_cpu_per_msg"} {
		if _, ok := got[name]; !ok {
			t.Errorf("no figure %s in %+v", name, r.Figures)
		}
	}
	if got["campaign_sent"] < 1 || got["p2p_msgs_without"] < 1 || got["p2p_msgs_with"] < 1 {
		t.Errorf("nothing sent: %+v", got)
	}
	if r.Errors != 0 {
		t.Errorf("%d errors", r.Errors)
	}
}
