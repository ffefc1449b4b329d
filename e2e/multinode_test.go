package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/dm"
	natsbus "github.com/parleyhq/parley/internal/nats"
	"github.com/parleyhq/parley/internal/postgres/pgtest"
)

// multiNodeEnv is two real `parley serve` processes ("nodes") on one
// PostgreSQL schema of their own and one NATS server.
type multiNodeEnv struct {
	bin, pgURL, natsURL string
}

// newMultiNodeEnv skips without PARLEY_TEST_POSTGRES and PARLEY_TEST_NATS,
// builds cmd/parley and creates a fresh schema, dropped when the test ends.
func newMultiNodeEnv(t *testing.T) *multiNodeEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("multi-node test skipped in -short mode: it builds cmd/parley and runs two servers; run without -short")
	}
	pg, nats := os.Getenv("PARLEY_TEST_POSTGRES"), os.Getenv("PARLEY_TEST_NATS")
	if pg == "" || nats == "" {
		t.Skip("PostgreSQL or NATS not reachable: set PARLEY_TEST_POSTGRES (postgres://postgres@127.0.0.1:5432/test) and PARLEY_TEST_NATS (nats://127.0.0.1:4222)")
	}
	// Registered before the nodes start, so the schema is dropped after they are killed.
	pgURL := pgtest.Schema(t, pg, "parley_e2e_")
	return &multiNodeEnv{bin: buildParley(t, t.TempDir()), pgURL: pgURL, natsURL: nats}
}

// node starts one `parley serve --postgres --nats` and waits until it is
// ready (store and bus reachable). The test kills it at the end if it still
// runs.
func (m *multiNodeEnv) node(t *testing.T, extra ...string) *process {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	p := &process{url: "http://" + addr, log: &logBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(m.bin, append([]string{"serve", "--addr", addr, "--postgres", m.pgURL, "--nats", m.natsURL, "--rate-limit", "off"}, extra...)...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start parley serve: %v", err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			t.Fatalf("parley serve exited before it was ready: %v\n%s", p.err, p.log)
		default:
		}
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("parley serve not ready after 60s\n%s", p.log)
	return nil
}

// kill ends the process at once (SIGKILL), as a crashed machine would.
func (p *process) kill() {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// multiUser signs up handle through one node and logs in through another:
// sessions live in PostgreSQL, so any node accepts them.
func multiUser(ctx context.Context, t *testing.T, signupURL, loginURL, handle string) (*client.Client, *client.Account) {
	t.Helper()
	if _, err := checkedClient(t, nil, signupURL).Signup(ctx, client.SignupParams{Handle: handle, Password: password(handle)}); err != nil {
		t.Fatalf("signup %s: %v", handle, err)
	}
	c := checkedClient(t, nil, loginURL)
	_, acc, err := c.Login(ctx, handle, password(handle))
	if err != nil {
		t.Fatalf("login %s: %v", handle, err)
	}
	return c, acc
}

// nextMessage reads bob's stream up to the next message.created event.
func nextMessage(ctx context.Context, t *testing.T, s *client.Stream) client.Event {
	t.Helper()
	for {
		ev := nextLogged(ctx, t, s)
		if ev.Type == "message.created" {
			return ev
		}
	}
}

// TestMultiNode runs two nodes on one PostgreSQL and one NATS: a message
// written through node A reaches a WebSocket on node B; when B dies, its
// client resumes on A from its cursor and gets exactly what it missed; and a
// direct conversation created for one pair on both nodes at once is one
// conversation.
func TestMultiNode(t *testing.T) {
	t.Parallel()
	env := newMultiNodeEnv(t)
	nodeA, nodeB := env.node(t), env.node(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	alice, _ := multiUser(ctx, t, nodeA.url, nodeA.url, "alice")
	bobOnB, bob := multiUser(ctx, t, nodeA.url, nodeB.url, "bob")
	if err := bobOnB.Follow(ctx, "alice"); err != nil { // alice's messages land in bob's inbox
		t.Fatal(err)
	}
	// Listen on bob's NATS subject too: the sockets also catch up from the
	// store on their keep-alive tick, so this is what shows that node A's
	// news reaches node B through NATS.
	nc, err := natsgo.Connect(env.natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	onNATS, err := nc.SubscribeSync(natsbus.DefaultSubjectPrefix + bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	// bob's socket is on node B; alice writes through node A.
	stream, err := bobOnB.Stream(ctx, "0")
	if err != nil {
		t.Fatalf("bob's stream on node B: %v", err)
	}
	defer stream.Close()
	readUntilReady(ctx, t, stream)
	conv, _, err := alice.CreateConversation(ctx, []string{"bob"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := alice.Send(ctx, conv.ID, client.SendParams{Text: "one"}); err != nil {
		t.Fatal(err)
	}
	ev := nextMessage(ctx, t, stream)
	if ev.Message == nil || ev.Message.Text != "one" || ev.ConversationID != conv.ID {
		t.Fatalf("bob on node B received %+v, want alice's message", ev)
	}
	for {
		msg, err := onNATS.NextMsgWithContext(ctx)
		if err != nil {
			t.Fatalf("no notification for bob on NATS: %v", err)
		}
		var n dm.Notification
		if err := json.Unmarshal(msg.Data, &n); err != nil {
			t.Fatalf("notification on NATS: %v", err)
		}
		if len(n.Events) > 0 && n.Events[0].Type == "message.created" && n.Events[0].Seq == ev.Seq {
			break
		}
	}
	cursor := stream.Cursor()

	// Node B dies under bob's socket; alice goes on writing through A.
	nodeB.kill()
	var missed []string
	for _, text := range []string{"two", "three", "four"} {
		m, _, err := alice.Send(ctx, conv.ID, client.SendParams{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		missed = append(missed, m.ID)
	}

	// bob reconnects to node A with his cursor: exactly the missed events,
	// in order, none twice, then live ones.
	bobOnA := checkedClient(t, nil, nodeA.url, client.WithToken(bobOnB.Token()))
	stream2, err := bobOnA.Stream(ctx, cursor)
	if err != nil {
		t.Fatalf("bob's stream on node A from cursor %s: %v", cursor, err)
	}
	defer stream2.Close()
	backlog := readUntilReady(ctx, t, stream2)
	after, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	checkConsecutive(t, "bob's backlog on node A", after, backlog)
	var got []string
	for _, e := range backlog {
		if e.Type == "message.created" {
			got = append(got, e.Message.ID)
		}
	}
	if len(got) != len(missed) {
		t.Fatalf("bob's backlog after the failover has messages %v, want exactly %v", got, missed)
	}
	for i := range missed {
		if got[i] != missed[i] {
			t.Fatalf("bob's backlog after the failover has messages %v, want %v", got, missed)
		}
	}
	if _, _, err := alice.Send(ctx, conv.ID, client.SendParams{Text: "five"}); err != nil {
		t.Fatal(err)
	}
	if ev := nextMessage(ctx, t, stream2); ev.Message == nil || ev.Message.Text != "five" {
		t.Fatalf("bob's live event on node A: %+v", ev)
	}
}

// TestMultiNodeDirectRace creates the direct conversation of one pair from
// both members on both nodes at once: there must be one conversation.
func TestMultiNodeDirectRace(t *testing.T) {
	t.Parallel()
	env := newMultiNodeEnv(t)
	nodes := []*process{env.node(t), env.node(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rio, _ := multiUser(ctx, t, nodes[0].url, nodes[0].url, "rio")
	sol, _ := multiUser(ctx, t, nodes[0].url, nodes[1].url, "sol")

	// Each member has a client on each node.
	clients := []struct {
		c     *client.Client
		other string
	}{
		{rio, "sol"},
		{checkedClient(t, nil, nodes[1].url, client.WithToken(rio.Token())), "sol"},
		{sol, "rio"},
		{checkedClient(t, nil, nodes[0].url, client.WithToken(sol.Token())), "rio"},
	}
	const n = 16
	ids := make([]string, n)
	created := make([]bool, n)
	errs := make([]error, n)
	startGun := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGun
			cl := clients[i%len(clients)]
			conv, c, err := cl.c.CreateConversation(ctx, []string{cl.other}, "")
			if err == nil {
				ids[i], created[i] = conv.ID, c
			}
			errs[i] = err
		}()
	}
	close(startGun)
	wg.Wait()

	distinct := map[string]bool{}
	nCreated := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("create %d: %v", i, errs[i])
			continue
		}
		distinct[ids[i]] = true
		if created[i] {
			nCreated++
		}
	}
	if len(distinct) != 1 || nCreated != 1 {
		t.Fatalf("%d racing creates on two nodes: %d conversations, %d answered 201; want 1 and 1", n, len(distinct), nCreated)
	}
	// An empty direct conversation is in nobody's lists: one message puts
	// it in both.
	_, _, err := rio.Send(ctx, ids[0], client.SendParams{Text: "hello"})
	must(t, err, "rio writes")
	for _, c := range []*client.Client{rio, sol} {
		var all []string
		for _, folder := range []string{"inbox", "requests"} {
			convs, _, err := c.Conversations(ctx, folder, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, cv := range convs {
				all = append(all, cv.ID)
			}
		}
		if len(all) != 1 {
			t.Errorf("a member lists %d conversations, want 1: %v", len(all), all)
		}
	}
}
