package api

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/towire"
)

// TestWireGolden holds the API to its JSON, byte for byte. The golden file
// was written by encoding these fixtures' domain values directly, as the
// API did when internal/dm's types were also the wire types; the answers now
// go through package wire, and must not have moved by one byte.
func TestWireGolden(t *testing.T) {
	f, err := os.Open("testdata/wire.golden")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	golden := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		name, js, ok := strings.Cut(sc.Text(), "\t")
		if !ok {
			t.Fatalf("bad golden line %q", sc.Text())
		}
		golden[name] = js
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	on := true
	acc, msg, bare, nilMsg := fxAccount(), fxMessage(), fxMessageBare(), fxMessageNil()
	conv, convBare := fxConversation(), fxConversationBare()
	in, inBare, inNil := fxInbox(), fxInboxBare(), fxInboxNil()
	note, canned := fxNote(), fxCanned()
	team := fxTeam()
	got := map[string]any{
		"account":           towire.Account(&acc),
		"settings":          towire.Settings(fxSettings()),
		"message":           towire.Message(&msg),
		"message_bare":      towire.Message(&bare),
		"message_nil":       towire.Message(&nilMsg),
		"conversation":      towire.Conversation(&conv),
		"conversation_bare": towire.Conversation(&convBare),
		"inbox":             towire.InboxView(&in),
		"inbox_bare":        towire.InboxView(&inBare),
		"inbox_nil":         towire.InboxView(&inNil),
		"note":              towire.Note(&note),
		"canned":            towire.CannedReply(&canned),
		"events":            towire.Events(fxEvents()),
		"profile":           accountProfile(fxProfileAnswer(), nil),
		"profile_badge":     accountProfile(fxProfileAnswer(), &on),
		"team":              teamMembers(team),
		"mybrands":          myBrands(fxMyBrands()),
		"detail":            inboxDetail(fxDetail()),
		"detail_empty":      inboxDetail(fxDetailEmpty()),
		"report":            towire.AnalyticsReport(fxReport()),
		"report_empty":      towire.AnalyticsReport(fxReportEmpty()),
	}
	if len(got) != len(golden) {
		t.Errorf("%d cases, %d golden lines", len(got), len(golden))
	}
	for name, v := range got {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want, ok := golden[name]; !ok {
			t.Errorf("%s: no golden line", name)
		} else if string(b) != want {
			t.Errorf("%s changed on the wire:\n got %s\nwant %s", name, b, want)
		}
	}
	// One member of a list, on its own, encodes as in the list.
	if b, _ := json.Marshal(teamMember(&team[0])); !strings.HasPrefix(golden["team"], "["+string(b)+",") {
		t.Errorf("team member alone: %s", b)
	}
}
