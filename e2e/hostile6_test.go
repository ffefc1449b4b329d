package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
	"github.com/parleyhq/parley/internal/server"
)

// The tests of this file come from a sixth hostile probe, of the core DM
// features (groups, requests, blocks, edits and reactions, the stream,
// idempotent sends): each attacks the running server through its public
// surface and asserts the secure outcome.

// TestHostile6RetryAfterRemoval: a send retried with its client_id
// answered with the stored message before checking that the sender was
// still a member. A member removed from a group (or who left it) got 200
// and the message as it stands now, with the reactions others added after
// the removal: a view into a conversation that, to them, no longer exists.
// Now the retry of a non-member is the 404 a stranger gets, while a
// member's retry still returns the first message.
func TestHostile6RetryAfterRemoval(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	own, mel, ned := e.user("own"), e.user("mel"), e.user("ned")
	must(t, mel.Follow(ctx, "own"), "mel follows own")
	must(t, ned.Follow(ctx, "own"), "ned follows own")
	g, _, err := own.CreateConversation(ctx, []string{"mel", "ned"}, "club")
	must(t, err, "the group")
	first, _, err := ned.Send(ctx, g.ID, client.SendParams{Text: "hello from ned", ClientID: "ned-1"})
	must(t, err, "ned's send")
	again, created, err := ned.Send(ctx, g.ID, client.SendParams{Text: "hello from ned", ClientID: "ned-1"})
	if ok(t, err, "ned's retry while a member") && (created || again.ID != first.ID) {
		t.Errorf("a member's retry: want the first message %s again (200), got created=%v id %s", first.ID, created, again.ID)
	}

	must(t, own.RemoveMember(ctx, g.ID, "ned"), "the owner removes ned")
	must(t, own.React(ctx, first.ID, "👍"), "the owner reacts to ned's message after the removal")
	m, _, err := ned.Send(ctx, g.ID, client.SendParams{Text: "hello from ned", ClientID: "ned-1"})
	if wantStatus(t, err, http.StatusNotFound, "removed ned retries his old send") == nil && m != nil {
		t.Errorf("removed ned's retry answered the message as it stands now: reactions %+v", m.Reactions)
	}

	must(t, mel.RemoveMember(ctx, g.ID, "mel"), "mel leaves")
	_, _, err = mel.Send(ctx, g.ID, client.SendParams{Text: "chapter 3?", ClientID: "mel-1"})
	wantStatus(t, err, http.StatusNotFound, "mel, gone, sends with a fresh client_id")
}

// TestHostile6GroupMembersRace: on PostgreSQL, where writes run side by
// side, adding and removing members decided from a member list read
// before the conversation's lock. Ten adds of two racing for the last ten
// seats of a group of 90 all counted 90 members and all went in: a group
// of 111 where the cap is 100 (and every later answer about it broke the
// API document's maxItems). And the owner leaving while the next in line
// left too handed the role to a member already gone: a group without an
// owner, which nobody could manage any more. Now both read the members
// under the lock every change of them takes, on both stores.
func TestHostile6GroupMembersRace(t *testing.T) {
	t.Parallel()
	onBothStores(t, testGroupMembersRace)
}

func testGroupMembersRace(t *testing.T, pgURL string) {
	e := startWith(t, limitsOff, func(cfg *server.Config) { cfg.PostgresURL = pgURL })
	ctx := e.ctx
	own := e.user("own")
	hs := e.signupMany("mem", 110)
	g, _, err := own.CreateConversation(ctx, hs[:89], "almost full")
	must(t, err, "a group of 90")
	race := func(n int, fn func(i int)) {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				fn(i)
			}()
		}
		close(start)
		wg.Wait()
	}
	race(10, func(i int) { own.AddMembers(ctx, g.ID, hs[89+2*i:91+2*i]) })
	g, err = own.Conversation(ctx, g.ID)
	if ok(t, err, "the group after the racing adds") && len(g.Members) > 100 {
		t.Errorf("ten adds of two raced for the last ten seats: %d members, the cap is 100", len(g.Members))
	}

	for round := range 12 {
		a, b, c := fmt.Sprintf("ga%d", round), fmt.Sprintf("gb%d", round), fmt.Sprintf("gc%d", round)
		ca, cb, cc := e.user(a), e.user(b), e.user(c)
		gr, _, err := ca.CreateConversation(ctx, []string{b, c}, "")
		must(t, err, "a group of three")
		race(2, func(i int) {
			if i == 0 {
				ca.RemoveMember(ctx, gr.ID, a) // the owner leaves
			} else {
				cb.RemoveMember(ctx, gr.ID, b) // the next in line leaves
			}
		})
		left, err := cc.Conversation(ctx, gr.ID)
		if !ok(t, err, "the last member reads the group") {
			continue
		}
		owners := 0
		for _, m := range left.Members {
			if m.Role == "owner" {
				owners++
			}
		}
		if owners != 1 {
			t.Errorf("round %d: after the owner and the next in line left side by side, the group has %d owners: %+v", round, owners, left.Members)
		}
	}
}

// TestHostile6RequestTurnedAway: a stranger's request waits in the
// recipient's Requests folder; the recipient then sets allow_incoming to
// "nobody" (or "following"), and the stranger's next message is refused.
// But their edits and new reactions on the messages already waiting still
// went through and reached the recipient (each an event on every device,
// the request's preview rewritten), so "nobody" did not mean nobody. Now a
// change the recipient would see obeys the rules of a send while they
// have not accepted; taking a reaction back and unsending stay allowed,
// and once the recipient accepts, the conversation stays open as for
// sends.
func TestHostile6RequestTurnedAway(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	car, mal := e.user("car"), e.user("mal")
	d := e.direct(mal, "car")
	first := e.send(mal, d.ID, "hi, got a minute?")
	second := e.send(mal, d.ID, "about your car")
	must(t, mal.React(ctx, second.ID, "👀"), "mal reacts to his own message while car allows everyone")

	for _, setting := range []string{"nobody", "following"} {
		_, _, err := car.UpdateMe(ctx, client.MeUpdate{AllowIncoming: ptr(setting)})
		must(t, err, "car allows "+setting)
		_, _, err = mal.Send(ctx, d.ID, client.SendParams{Text: "still there?"})
		wantStatus(t, err, http.StatusForbidden, "mal sends after car chose "+setting)
		_, err = mal.EditMessage(ctx, second.ID, "CLICK HERE")
		wantStatus(t, err, http.StatusForbidden, "mal edits his waiting request after car chose "+setting)
		wantStatus(t, mal.React(ctx, first.ID, "🔥"), http.StatusForbidden, "mal reacts in his waiting request after car chose "+setting)
	}
	reqs, _, err := car.Conversations(ctx, "requests", "", 50)
	if ok(t, err, "car's requests") && len(reqs) == 1 && reqs[0].LastMessage != nil && reqs[0].LastMessage.Text != "about your car" {
		t.Errorf("car's request preview: want mal's last message unchanged, got %q", reqs[0].LastMessage.Text)
	}
	ok(t, mal.Unreact(ctx, second.ID, "👀"), "mal takes his reaction back")
	ok(t, mal.DeleteMessage(ctx, second.ID, true), "mal unsends a message")

	// Accepted, the conversation stays open whatever the setting says.
	_, err = car.Accept(ctx, d.ID)
	must(t, err, "car accepts")
	_, err = mal.EditMessage(ctx, first.ID, "hi, got a minute? (edited)")
	ok(t, err, "mal edits once car accepted")
	ok(t, mal.React(ctx, first.ID, "🙏"), "mal reacts once car accepted")
}

// TestHostile6OneEmojiPerReaction: "a reaction is one emoji", but a
// symbol could carry any number of variation selectors or skin tones
// (within 32 bytes), which draw nothing more: one person put 👍 on a
// message ten times over, each a reaction of its own that looked the same,
// counted apart from everyone else's 👍. Meanwhile a keycap (1️⃣), one
// emoji, was refused. Now a symbol carries at most one of each mark, and
// keycaps are taken; taking back a reaction an older server let in still
// works.
func TestHostile6OneEmojiPerReaction(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	amy, bob := e.user("amy"), e.user("bob")
	must(t, bob.Follow(ctx, "amy"), "bob follows amy")
	d := e.direct(amy, "bob")
	m := e.send(amy, d.ID, "vote!")
	must(t, bob.React(ctx, m.ID, "👍"), "bob's 👍")
	for _, look := range []string{"👍\ufe0f\ufe0f", "👍\ufe0f\ufe0f\ufe0f", "👍🏻🏻", "👍\ufe0e\ufe0f"} {
		wantStatus(t, bob.React(ctx, m.ID, look), http.StatusBadRequest, fmt.Sprintf("bob's 👍 again, as %+q", look))
	}
	for _, keycap := range []string{"1️⃣", "#️⃣"} {
		ok(t, bob.React(ctx, m.ID, keycap), "bob reacts "+keycap)
	}
	ok(t, bob.Unreact(ctx, m.ID, "👍\ufe0f\ufe0f"), "bob takes back a reaction of an older server's making")
	msgs, _, err := amy.Messages(ctx, d.ID, "", 1)
	if ok(t, err, "amy's history") && len(msgs) == 1 && len(msgs[0].Reactions) != 3 {
		t.Errorf("reactions on amy's message: want 👍 1️⃣ #️⃣, got %+v", msgs[0].Reactions)
	}
}

// TestHostile6TypingTurnedAway: once the recipient of a waiting request
// sets allow_incoming to "nobody", the stranger's messages, edits and
// reactions are refused, but his typing notices still reached every open
// device of hers, once a second for as long as he liked. Now a notice goes
// only where a message from the caller would (no block either way, and a
// recipient who has not accepted a direct conversation must still allow
// the caller); a request from someone she allows still shows the typing.
func TestHostile6TypingTurnedAway(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	car, mal, ali := e.user("car"), e.user("mal"), e.user("ali")
	must(t, car.Follow(ctx, "ali"), "car follows ali")
	req := e.direct(mal, "car")
	e.send(mal, req.ID, "hi, got a minute?")
	friends := e.direct(ali, "car")

	sc, err := car.Stream(ctx, "")
	must(t, err, "car's stream")
	defer sc.Close()
	readUntilReady(ctx, t, sc)
	sm, err := mal.Stream(ctx, "")
	must(t, err, "mal's stream")
	defer sm.Close()
	readUntilReady(ctx, t, sm)

	// typingSeen has mal type, then ali send car a message, and reads car's
	// stream up to that message: did mal's notice come first?
	typingSeen := func(text string) bool {
		t.Helper()
		must(t, sm.SendTyping(ctx, req.ID), "mal types")
		time.Sleep(300 * time.Millisecond)
		e.send(ali, friends.ID, text)
		seen := false
		for {
			ev, err := sc.Next(ctx)
			must(t, err, "car's stream")
			if ev.Type == "typing" && ev.Actor != nil && ev.Actor.Handle == "mal" {
				seen = true
			}
			if ev.Type == "message.created" && ev.Message != nil && ev.Message.Text == text {
				return seen
			}
		}
	}
	if !typingSeen("one") {
		t.Fatalf("car allows everyone: mal's typing in his request should reach her (the test sees nothing)")
	}
	_, _, err = car.UpdateMe(ctx, client.MeUpdate{AllowIncoming: ptr("nobody")})
	must(t, err, "car allows nobody")
	time.Sleep(1100 * time.Millisecond) // past the one-a-second thinning
	if typingSeen("two") {
		t.Errorf("car allows nobody: mal's typing in his request still reached her")
	}
}

// TestHostile6HiddenMessageGone: a message the caller deleted for themself
// is, by the API's own description, one that does not exist for them (404
// on the edit, delete and reaction calls). But only a cleared
// conversation counted: a member who had deleted a message for themself
// still reacted to it, and so reached its sender with reactions to a
// message gone from their own history, and its sender who had deleted it
// for themself still edited it for everyone. Now all of these are the
// 404 the description promises.
func TestHostile6HiddenMessageGone(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	amy, bob := e.user("amy"), e.user("bob")
	must(t, bob.Follow(ctx, "amy"), "bob follows amy")
	d := e.direct(amy, "bob")
	m := e.send(amy, d.ID, "hello")
	mine := e.send(amy, d.ID, "a typo")
	must(t, bob.DeleteMessage(ctx, m.ID, false), "bob deletes amy's message for himself")
	must(t, amy.DeleteMessage(ctx, mine.ID, false), "amy deletes her own message for herself")

	wantStatus(t, bob.React(ctx, m.ID, "👍"), http.StatusNotFound, "bob reacts to the message he deleted for himself")
	wantStatus(t, bob.DeleteMessage(ctx, m.ID, false), http.StatusNotFound, "bob deletes it for himself again")
	_, err := amy.EditMessage(ctx, mine.ID, "a typo, edited")
	wantStatus(t, err, http.StatusNotFound, "amy edits the message she deleted for herself")
	wantStatus(t, amy.React(ctx, mine.ID, "👍"), http.StatusNotFound, "amy reacts to the message she deleted for herself")

	// For the others, the message is still there.
	ok(t, amy.React(ctx, m.ID, "👍"), "amy reacts to her message bob deleted for himself")
	ok(t, bob.React(ctx, mine.ID, "👀"), "bob reacts to the message amy deleted for herself")
	_, err = amy.EditMessage(ctx, m.ID, "hello, edited")
	ok(t, err, "amy edits her message bob deleted for himself")
}

// TestHostile6ReactionsPerPersonRace: a person puts at most 10 different
// reactions on one message, but the bound was counted before the
// conversation's lock: on PostgreSQL, twenty reactions of one person sent
// side by side all counted the same few and all went in (20 on one
// message). Now they are counted under the lock, on both stores.
func TestHostile6ReactionsPerPersonRace(t *testing.T) {
	t.Parallel()
	onBothStores(t, testReactionsPerPersonRace)
}

func testReactionsPerPersonRace(t *testing.T, pgURL string) {
	e := startWith(t, limitsOff, func(cfg *server.Config) { cfg.PostgresURL = pgURL })
	ctx := e.ctx
	amy, bob := e.user("amy"), e.user("bob")
	must(t, bob.Follow(ctx, "amy"), "bob follows amy")
	d := e.direct(amy, "bob")
	m := e.send(amy, d.ID, "pick one")
	emoji := []string{"😀", "😁", "😂", "🤣", "😃", "😄", "😅", "😆", "😉", "😊", "😋", "😎", "😍", "😘", "🥰", "😗", "😙", "🥲", "😚", "🙂"}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, em := range emoji {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			bob.React(ctx, m.ID, em)
		}()
	}
	close(start)
	wg.Wait()
	msgs, _, err := amy.Messages(ctx, d.ID, "", 1)
	if ok(t, err, "amy's history") && len(msgs) == 1 && len(msgs[0].Reactions) > 10 {
		t.Errorf("twenty reactions of bob's side by side: %d on the message, the bound is 10 per person", len(msgs[0].Reactions))
	}
}
