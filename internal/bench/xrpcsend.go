package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/client"
)

// xrpcRounds is how many times each side runs in XRPCSend: alternating
// short phases spread the drift of a shared machine (other processes, the
// database growing, the SQLite checkpoints) evenly over both sides.
const xrpcRounds = 4

// XRPCSend compares an XRPC chat.bsky.convo.sendMessage with a native send:
// the same senders and conversations, the same text, phases of each kind
// alternating (native, XRPC, XRPC, native, ...). For each side it reports
// acknowledged messages per second and, when the server's process id is
// known, the server's CPU time per message (utime + stime from
// /proc/PID/stat over the phase, divided by the messages). Both sides send
// without an idempotency key, since sendMessage has none.
func XRPCSend(ctx context.Context, o Options) (*Result, error) {
	hc := httpClient(o.Senders)
	defer hc.CloseIdleConnections()
	bar := newBar(o.Progress, "xrpc-send: accounts", int64(2*o.Senders), 0)
	pairs, err := makePairs(ctx, o.URL, hc, "x"+runID(), o.Senders, bar)
	bar.Done()
	if err != nil {
		return nil, err
	}
	tokens := make([]string, len(pairs))
	for i, p := range pairs {
		if tokens[i], err = xrpcLogin(ctx, hc, o.URL, p.from.handle); err != nil {
			return nil, err
		}
	}
	phase := o.Duration / xrpcRounds
	type side struct {
		msgs  int
		cpu   time.Duration
		wall  time.Duration
		errs  int64
		first string
	}
	var native, xrpc side
	cpuKnown := o.ServerPID > 0
	bar = newBar(o.Progress, "xrpc-send: sending", 0, 2*o.Duration)
	for round := range 2 * xrpcRounds {
		// n x x n n x x n: each side goes first as often as second.
		useXRPC := (round+round/2)%2 == 1
		cpu0, err := processCPU(o.ServerPID)
		if err != nil {
			cpuKnown = false
		}
		var send func(i, n int) error
		if useXRPC {
			send = func(i, n int) error {
				return xrpcSend(ctx, hc, o.URL, tokens[i], pairs[i].conv, fmt.Sprintf("message %d from sender %d", n, i))
			}
		} else {
			send = func(i, n int) error {
				_, _, err := pairs[i].from.c.Send(ctx, pairs[i].conv, client.SendParams{Text: fmt.Sprintf("message %d from sender %d", n, i)})
				return err
			}
		}
		n, errs, first, wall := sendPhase(ctx, len(pairs), phase, send, bar)
		cpu1, err := processCPU(o.ServerPID)
		if err != nil {
			cpuKnown = false
		}
		s := &native
		if useXRPC {
			s = &xrpc
		}
		s.msgs += n
		s.wall += wall
		s.cpu += cpu1 - cpu0
		s.errs += errs
		if s.first == "" {
			s.first = first
		}
	}
	bar.Done()
	r := &Result{Params: map[string]any{"senders": o.Senders, "duration": o.Duration.String(), "rounds": xrpcRounds},
		Errors: native.errs + xrpc.errs, FirstError: native.first}
	if r.FirstError == "" {
		r.FirstError = xrpc.first
	}
	if native.msgs == 0 || xrpc.msgs == 0 {
		return r, errors.New("a side sent no message")
	}
	nRate := float64(native.msgs) / native.wall.Seconds()
	xRate := float64(xrpc.msgs) / xrpc.wall.Seconds()
	r.add("native_throughput", nRate, "msgs/s")
	r.add("xrpc_throughput", xRate, "msgs/s")
	r.add("xrpc_throughput_loss", 100*(1-xRate/nRate), "%")
	// A phase shorter than a few clock ticks cannot be costed.
	if cpuKnown && native.cpu > 0 && xrpc.cpu > 0 {
		nCPU := float64(native.cpu.Microseconds()) / float64(native.msgs)
		xCPU := float64(xrpc.cpu.Microseconds()) / float64(xrpc.msgs)
		r.add("native_cpu_per_msg", nCPU, "µs")
		r.add("xrpc_cpu_per_msg", xCPU, "µs")
		r.budget("xrpc_extra_cost", 100*(xCPU/nCPU-1), "%", "<=", 15)
	}
	r.add("messages", float64(native.msgs+xrpc.msgs), "msgs")
	return r, nil
}

// sendPhase runs senders goroutines for d, each calling send(i, n) in a
// loop, and returns the messages sent, the failures, the first failure's
// text and the elapsed time.
func sendPhase(ctx context.Context, senders int, d time.Duration, send func(i, n int) error, bar *Bar) (int, int64, string, time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var sent, errs atomic.Int64
	var firstMu sync.Mutex
	first := ""
	var wg sync.WaitGroup
	start := time.Now()
	for i := range senders {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				if err := send(i, n); err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
						firstMu.Lock()
						if first == "" {
							first = err.Error()
						}
						firstMu.Unlock()
					}
					continue
				}
				sent.Add(1)
				bar.Add(1)
			}
		})
	}
	wg.Wait()
	return int(sent.Load()), errs.Load(), first, time.Since(start)
}

// processCPU is CPUTime for the server's process, which the caller may not know.
func processCPU(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, errors.New("no server process id")
	}
	return CPUTime(pid)
}

// xrpcLogin opens an XRPC session (com.atproto.server.createSession) and
// returns its access token.
func xrpcLogin(ctx context.Context, hc *http.Client, base, handle string) (string, error) {
	var out struct {
		AccessJwt string `json:"accessJwt"`
	}
	err := xrpcPost(ctx, hc, base, "", "com.atproto.server.createSession",
		map[string]string{"identifier": handle, "password": benchPassword}, &out)
	if err != nil {
		return "", fmt.Errorf("xrpc login %s: %w", handle, err)
	}
	return out.AccessJwt, nil
}

// xrpcSend sends one message with chat.bsky.convo.sendMessage.
func xrpcSend(ctx context.Context, hc *http.Client, base, token, convID, text string) error {
	var out struct {
		ID string `json:"id"`
	}
	in := map[string]any{"convoId": convID, "message": map[string]string{"text": text}}
	if err := xrpcPost(ctx, hc, base, token, "chat.bsky.convo.sendMessage", in, &out); err != nil {
		return err
	}
	if out.ID == "" {
		return errors.New("sendMessage answered no message id")
	}
	return nil
}

// xrpcPost calls an XRPC procedure; anything but a 200 is an error.
func xrpcPost(ctx context.Context, hc *http.Client, base, token, method string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/xrpc/"+method, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %d %s", method, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return json.Unmarshal(b, out)
}
