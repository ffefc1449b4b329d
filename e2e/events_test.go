package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

// checkConsecutive reports events whose seqs do not follow after, after+1, ...
// and returns the last seq.
func checkConsecutive(t *testing.T, what string, after int64, evs []client.Event) int64 {
	t.Helper()
	for _, ev := range evs {
		if ev.Seq != after+1 {
			t.Errorf("%s: want seq %d, got %d (%s): gap or duplicate", what, after+1, ev.Seq, ev.Type)
		}
		after = ev.Seq
	}
	return after
}

func seqOf(t *testing.T, cursor string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(cursor, 10, 64)
	if err != nil {
		t.Fatalf("cursor %q is not a decimal seq: %v", cursor, err)
	}
	return n
}

func TestEventsPoll(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	ida, jon := e.user("ida"), e.user("jon")

	// Without a cursor: nothing, and the current cursor.
	conv := e.direct(ida, "jon")
	e.send(ida, conv.ID, "before the cursor")
	evs, cur, err := jon.Events(ctx, "", 0)
	must(t, err, "events without a cursor")
	if len(evs) != 0 || cur == "" {
		t.Errorf("events without a cursor: want no events and a cursor, got %d events and %q", len(evs), cur)
	}
	start := seqOf(t, cur)
	if start < 1 {
		t.Errorf("jon already has a message: want a cursor >= 1, got %d", start)
	}
	// The full log from 0 holds them.
	evs, _, err = jon.Events(ctx, "0", 0)
	if ok(t, err, "events from 0") {
		checkConsecutive(t, "jon's log from 0", 0, evs)
		if int64(len(evs)) != start {
			t.Errorf("events from 0: want %d, got %d", start, len(evs))
		}
	}

	for _, bad := range []string{"abc", "-1x", "1.5"} {
		_, _, err := jon.Events(ctx, bad, 0)
		wantStatus(t, err, http.StatusBadRequest, "GET /events?cursor="+bad)
	}

	m := e.send(ida, conv.ID, "after the cursor")
	_, err = ida.EditMessage(ctx, m.ID, "after the cursor, edited")
	must(t, err, "edit")
	must(t, ida.React(ctx, m.ID, "👍"), "react")
	must(t, jon.MarkRead(ctx, conv.ID, ""), "read")
	evs, next, err := jon.Events(ctx, cur, 0)
	must(t, err, "events after the cursor")
	checkConsecutive(t, "jon's events after the cursor", start, evs)
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Type)
		if ev.ConversationID != conv.ID || ev.At.IsZero() {
			t.Errorf("event %s: want conversation %s and a time, got %+v", ev.Type, conv.ID, ev)
		}
		if (ev.Type == "message.created" || ev.Type == "message.edited") && (ev.Message == nil || ev.Message.ID != m.ID) {
			t.Errorf("event %s must carry message %s, got %+v", ev.Type, m.ID, ev.Message)
		}
	}
	want := []string{"message.created", "message.edited", "reaction.added", "read.updated"}
	if !subsequence(want, types) {
		t.Errorf("jon's events: want %v in this order, got %v", want, types)
	}
	if len(evs) > 0 && next != strconv.FormatInt(evs[len(evs)-1].Seq, 10) {
		t.Errorf("cursor: want the last event's seq %d, got %q", evs[len(evs)-1].Seq, next)
	}
	// The sender's own log has the message too, for her other devices.
	own, _, err := ida.Events(ctx, "0", 200)
	if ok(t, err, "ida's log") {
		found := false
		for _, ev := range own {
			found = found || ev.Type == "message.created" && ev.Message != nil && ev.Message.ID == m.ID
		}
		if !found {
			t.Errorf("ida's log lacks message.created for her own message %s", m.ID)
		}
	}
	// Polling again from there is empty and keeps the cursor.
	evs, again, err := jon.Events(ctx, next, 0)
	if ok(t, err, "events at the head") && (len(evs) != 0 || again != next) {
		t.Errorf("events at the head: want none and cursor %s, got %d and %s", next, len(evs), again)
	}
	// limit pages the log.
	evs, c2, err := jon.Events(ctx, cur, 2)
	if ok(t, err, "events limit 2") {
		if len(evs) != 2 || c2 != strconv.FormatInt(start+2, 10) {
			t.Errorf("events limit 2: want 2 and cursor %d, got %d and %s", start+2, len(evs), c2)
		}
	}
}

// subsequence reports whether want appears in got in order, perhaps with
// other entries between.
func subsequence(want, got []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// readUntilReady collects the backlog of a fresh stream.
func readUntilReady(ctx context.Context, t *testing.T, s *client.Stream) []client.Event {
	t.Helper()
	var evs []client.Event
	for {
		ev, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("stream backlog: %v", err)
		}
		if ev.Type == client.EventReady {
			return evs
		}
		evs = append(evs, ev)
	}
}

// nextLogged returns the next event that is in the log (skipping typing).
func nextLogged(ctx context.Context, t *testing.T, s *client.Stream) client.Event {
	t.Helper()
	for {
		ev, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		if ev.Type == client.EventReady {
			t.Fatalf("a second ready frame on one stream")
		}
		if ev.Seq > 0 {
			return ev
		}
	}
}

func TestStreamResume(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	kai, leo := e.user("kai"), e.user("leo")
	must(t, leo.Follow(ctx, "kai"), "leo follows kai")
	conv := e.direct(kai, "leo")

	_, cur, err := leo.Events(ctx, "", 0)
	must(t, err, "leo's cursor")
	s, err := leo.Stream(ctx, cur)
	must(t, err, "open stream")
	if backlog := readUntilReady(ctx, t, s); len(backlog) != 0 {
		t.Errorf("stream from the head: want no backlog, got %d events", len(backlog))
	}
	if s.Cursor() != cur {
		t.Errorf("ready cursor: want %s, got %s", cur, s.Cursor())
	}
	last := seqOf(t, cur)

	// Live events.
	sent := map[string]bool{}
	for i := range 5 {
		sent[e.send(kai, conv.ID, fmt.Sprintf("live %d", i)).ID] = false
	}
	var got []client.Event
	for range 5 {
		got = append(got, nextLogged(ctx, t, s))
	}
	last = checkConsecutive(t, "live events", last, got)
	for _, ev := range got {
		if ev.Type != "message.created" || ev.Message == nil {
			t.Errorf("live: want message.created, got %+v", ev)
			continue
		}
		sent[ev.Message.ID] = true
	}
	must(t, s.Close(), "close")
	if _, err := s.Next(ctx); err != client.ErrStreamClosed {
		t.Errorf("Next after Close: want ErrStreamClosed, got %v", err)
	}
	resume := s.Cursor()
	if seqOf(t, resume) != last {
		t.Errorf("Cursor after 5 events: want %d, got %s", last, resume)
	}

	// Missed while disconnected: exactly these come back, then live ones.
	for i := range 7 {
		sent[e.send(kai, conv.ID, fmt.Sprintf("missed %d", i)).ID] = false
	}
	s2, err := leo.Stream(ctx, resume)
	must(t, err, "reopen stream")
	defer s2.Close()
	backlog := readUntilReady(ctx, t, s2)
	if len(backlog) != 7 {
		t.Errorf("backlog after 7 missed messages: want 7 events, got %d", len(backlog))
	}
	last = checkConsecutive(t, "backlog", last, backlog)
	for _, ev := range backlog {
		if ev.Message != nil {
			if sent[ev.Message.ID] {
				t.Errorf("message %s delivered twice", ev.Message.ID)
			}
			sent[ev.Message.ID] = true
		}
	}
	for i := range 3 {
		sent[e.send(kai, conv.ID, fmt.Sprintf("after %d", i)).ID] = false
	}
	got = got[:0]
	for range 3 {
		got = append(got, nextLogged(ctx, t, s2))
	}
	checkConsecutive(t, "live after resume", last, got)
	for _, ev := range got {
		if ev.Message != nil {
			sent[ev.Message.ID] = true
		}
	}
	for id, seen := range sent {
		if !seen {
			t.Errorf("message %s never reached leo's stream", id)
		}
	}
}

// TestStreamSeam connects while messages are being sent, so that events
// land while the server switches from the backlog to live delivery: each must
// arrive once, in order.
func TestStreamSeam(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	moe, ned := e.user("moe"), e.user("ned")
	conv := e.direct(moe, "ned")
	_, cur, err := ned.Events(ctx, "", 0)
	must(t, err, "cursor")
	start := seqOf(t, cur)

	const n = 60
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if _, _, err := moe.Send(ctx, conv.ID, client.SendParams{Text: fmt.Sprintf("burst %d", i)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	// Reconnect a few times during the burst, each time from the cursor the
	// previous stream reached.
	var all []client.Event
	for round := 0; len(all) < n; round++ {
		if round > 100 {
			t.Fatalf("no progress after 100 reconnects: %d of %d events", len(all), n)
		}
		s, err := ned.Stream(ctx, s2c(start, all))
		must(t, err, "stream")
		for k := 0; k < 10 && len(all) < n; k++ {
			ev, err := s.Next(ctx)
			must(t, err, "next")
			if ev.Seq > 0 {
				all = append(all, ev)
			}
		}
		s.Close()
	}
	if err := <-done; err != nil {
		t.Fatalf("burst: %v", err)
	}
	checkConsecutive(t, "events across reconnects", start, all)
	for i, ev := range all {
		if ev.Message == nil || ev.Message.Text != fmt.Sprintf("burst %d", i) {
			t.Errorf("event %d: want message 'burst %d', got %+v", i, i, ev.Message)
			break
		}
	}
}

// s2c is the cursor after the events received so far.
func s2c(start int64, evs []client.Event) string {
	if len(evs) == 0 {
		return strconv.FormatInt(start, 10)
	}
	return strconv.FormatInt(evs[len(evs)-1].Seq, 10)
}

func TestStreamTyping(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	ozz, pam := e.user("ozz"), e.user("pam")
	conv := e.direct(ozz, "pam")
	e.send(ozz, conv.ID, "hi")
	_, cur, err := pam.Events(ctx, "", 0)
	must(t, err, "cursor")

	so, err := ozz.Stream(ctx, "")
	must(t, err, "oz's stream")
	defer so.Close()
	readUntilReady(ctx, t, so)
	sp, err := pam.Stream(ctx, cur)
	must(t, err, "pam's stream")
	defer sp.Close()
	readUntilReady(ctx, t, sp)

	must(t, so.SendTyping(ctx, conv.ID), "oz types")
	ev, err := sp.Next(ctx)
	must(t, err, "pam's next event")
	if ev.Type != "typing" || ev.Seq != 0 || ev.ConversationID != conv.ID || ev.Actor == nil || ev.Actor.Handle != "ozz" {
		t.Errorf("pam: want a typing event without seq from oz in %s, got %+v (actor %+v)", conv.ID, ev, ev.Actor)
	}
	// Typing is not in the log.
	evs, _, err := pam.Events(ctx, cur, 0)
	if ok(t, err, "pam's log") && len(evs) != 0 {
		t.Errorf("typing must not be logged, got %+v", evs)
	}
	// After the typing, the next logged event follows the cursor directly.
	e.send(ozz, conv.ID, "typed")
	if ev := nextLogged(ctx, t, sp); ev.Seq != seqOf(t, cur)+1 {
		t.Errorf("after typing: want seq %d, got %d", seqOf(t, cur)+1, ev.Seq)
	}
}

func TestStreamAuth(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	_, err := e.anon().Stream(ctx, "")
	wantStatus(t, err, http.StatusUnauthorized, "stream without a token")
	_, err = e.client(e.url, client.WithToken("forged")).Stream(ctx, "")
	wantStatus(t, err, http.StatusUnauthorized, "stream with a forged token")
	c := e.user("quy")
	_, err = c.Stream(ctx, "soon")
	wantStatus(t, err, http.StatusBadRequest, "stream with cursor=soon")
}
