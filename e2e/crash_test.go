package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// process is one running `parley serve`.
type process struct {
	cmd    *exec.Cmd
	url    string
	log    *logBuffer
	exited chan struct{} // closed once the process has ended; then err is set
	err    error
}

// logBuffer collects a process's output; the test may print it while the
// process still writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// buildParley compiles cmd/parley into dir and returns the binary's path.
func buildParley(t *testing.T, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("crash test needs the go tool on PATH to build cmd/parley: %v", err)
	}
	bin := filepath.Join(dir, "parley")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool, append(args, "./cmd/parley")...)
	cmd.Dir = ".." // the module root, from e2e/
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/parley: %v\n%s", err, out)
	}
	return bin
}

// freePort asks the kernel for a port that is free now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// serve starts the binary on a data folder, with extra flags, and waits
// until /healthz answers.
func serve(t *testing.T, bin, dataDir string, extra ...string) *process {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	p := &process{url: "http://" + addr, log: &logBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", dataDir, "--rate-limit", "off"}, extra...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start parley serve: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			t.Fatalf("parley serve exited before it was healthy: %v\n%s", p.err, p.log)
		default:
		}
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("parley serve not healthy after 60s\n%s", p.log)
	return nil
}

// TestCrashDurability kills the real server with SIGKILL in the middle of a
// burst of sends and checks, after a restart on the same data folder, that
// every acknowledged message is stored exactly once.
func TestCrashDurability(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode: it builds cmd/parley and kills it mid-burst; run without -short")
	}
	t.Parallel()
	tmp := t.TempDir()
	bin := buildParley(t, tmp)
	data := filepath.Join(tmp, "data")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	p := serve(t, bin, data)
	hc := &http.Client{Timeout: 30 * time.Second}
	mk := func(url, handle string) *client.Client {
		c := client.New(url, client.WithHTTPClient(hc))
		if _, _, err := c.Login(ctx, handle, password(handle)); err != nil {
			t.Fatalf("login %s: %v\n%s", handle, err, p.log)
		}
		return c
	}
	for _, h := range []string{"ack", "bea"} {
		if _, err := checkedClient(t, nil, p.url).Signup(ctx, client.SignupParams{Handle: h, Password: password(h)}); err != nil {
			t.Fatalf("signup %s: %v", h, err)
		}
	}
	ack, bea := mk(p.url, "ack"), mk(p.url, "bea")
	must(t, bea.Follow(ctx, "ack"), "bea follows ack")
	conv := e2eDirect(ctx, t, ack, "bea")

	// The burst: 32 senders with distinct client_ids, until the kill.
	const senders, killAfter = 32, 300
	var (
		mu     sync.Mutex
		acked  = map[string]string{} // client_id -> message id
		nAcked atomic.Int64
		reach  = make(chan struct{})
		once   sync.Once
		wg     sync.WaitGroup
	)
	for g := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				cid := fmt.Sprintf("g%02d-%05d", g, i)
				m, _, err := ack.Send(ctx, conv.ID, client.SendParams{Text: cid, ClientID: cid})
				if err != nil {
					return // the server is gone (or the test timed out)
				}
				mu.Lock()
				acked[cid] = m.ID
				mu.Unlock()
				if nAcked.Add(1) >= killAfter {
					once.Do(func() { close(reach) })
				}
			}
		}()
	}
	select {
	case <-reach:
	case <-ctx.Done():
		t.Fatalf("fewer than %d acks before the timeout: %d\n%s", killAfter, nAcked.Load(), p.log)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9: %v", err)
	}
	<-p.exited
	wg.Wait()
	t.Logf("killed after %d acknowledged sends", len(acked))

	// Restart on the same folder.
	p2 := serve(t, bin, data)
	ack2, bea2 := mk(p2.url, "ack"), mk(p2.url, "bea")
	all, err := allMessages(ctx, bea2, conv.ID)
	must(t, err, "list all messages after the restart")

	byID := map[string]int{}
	byText := map[string]int{}
	for _, m := range all {
		byID[m.ID]++
		byText[m.Text]++
	}
	for id, n := range byID {
		if n > 1 {
			t.Errorf("message %s listed %d times", id, n)
		}
	}
	for text, n := range byText {
		if n > 1 {
			t.Errorf("client_id %s stored %d times", text, n)
		}
	}
	lost := 0
	for cid, id := range acked {
		if byID[id] != 1 || byText[cid] != 1 {
			lost++
			if lost <= 10 {
				t.Errorf("acknowledged message %s (client_id %s) is not stored exactly once after the crash", id, cid)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged messages lost or duplicated", lost, len(acked))
	}
	for i, m := range all {
		if want := int64(len(all) - i); m.Seq != want {
			t.Errorf("after the crash: message %d has seq %d, want %d (seqs 1..N without gaps)", i, m.Seq, want)
			break
		}
	}
	t.Logf("%d messages stored, %d acknowledged", len(all), len(acked))

	// Retrying acknowledged client_ids gets the stored message back.
	n := 0
	for cid, id := range acked {
		if n == 5 {
			break
		}
		n++
		m, created, err := ack2.Send(ctx, conv.ID, client.SendParams{Text: cid, ClientID: cid})
		if ok(t, err, "retry "+cid+" after the crash") && (created || m.ID != id) {
			t.Errorf("retry of %s after the crash: want 200 and id %s, got created=%v id %s", cid, id, created, m.ID)
		}
	}

	// The event log is as durable as the messages: one message.created per
	// stored message, seqs without gaps.
	created := map[string]int{}
	var last int64
	cursor := "0"
	for {
		evs, next, err := bea2.Events(ctx, cursor, 200)
		must(t, err, "bea's events")
		last = checkConsecutive(t, "bea's log after the crash", last, evs)
		for _, ev := range evs {
			if ev.Type == "message.created" && ev.Message != nil {
				created[ev.Message.ID]++
			}
		}
		if len(evs) == 0 {
			break
		}
		cursor = next
	}
	for _, m := range all {
		if created[m.ID] != 1 {
			t.Errorf("message %s has %d message.created events in bea's log, want 1", m.ID, created[m.ID])
			break
		}
	}

	// Search finds the messages acknowledged just before the kill: the
	// SQLite store indexes them after the acknowledgement (a queue that
	// survives the crash), and a search first catches up with it.
	newest := map[int]string{} // sender -> its last acknowledged client_id
	for cid := range acked {
		var g, i int
		fmt.Sscanf(cid, "g%02d-%05d", &g, &i)
		if old, ok := newest[g]; !ok || cid > old {
			newest[g] = cid
		}
	}
	checked := 0
	for _, cid := range newest {
		if checked == 5 {
			break
		}
		checked++
		res, _, err := bea2.Search(ctx, client.SearchParams{Q: cid, Conversation: conv.ID})
		if ok(t, err, "search "+cid+" after the crash") && (len(res) != 1 || res[0].Message.ID != acked[cid]) {
			t.Errorf("search for %s after the crash: %d results, want its message %s", cid, len(res), acked[cid])
		}
	}

	// SIGTERM shuts down gracefully.
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-p2.exited:
		if p2.err != nil {
			t.Errorf("parley serve after SIGTERM: want exit status 0, got %v\n%s", p2.err, p2.log)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("parley serve still running 30s after SIGTERM")
	}
	for i, pr := range []*process{p, p2} {
		if out := pr.log.String(); strings.Contains(out, "DATA RACE") {
			t.Errorf("the race detector flagged server run %d:\n%s", i+1, out)
		}
	}
}

// e2eDirect opens a direct conversation outside an env (the crash test runs
// its own processes).
func e2eDirect(ctx context.Context, t *testing.T, c *client.Client, handle string) *client.Conversation {
	t.Helper()
	conv, _, err := c.CreateConversation(ctx, []string{handle}, "")
	must(t, err, "create conversation")
	return conv
}
