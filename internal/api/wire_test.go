package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
)

// TestWireGolden holds the API to its JSON, byte for byte. The golden file
// was written by encoding these fixtures' domain values directly, as the
// API did when internal/dm's types were also the wire types; the answers now
// go through package wire, and must not have moved by one byte.
//
// Settings, rules and flows also travel the other way: read back into the
// domain from their wire form, they are what they were.
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
	qr := fxMessageQR()
	profileBot := accountProfile(fxProfileAnswer(), &on)
	profileBot.Bot = botEntry(fxBotEntry())
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
		"message_qr":        towire.Message(&qr),
		"profile_bot":       profileBot,
		"report_bot":        towire.AnalyticsReport(fxReportBot()),
		"automation":        towire.AutomationSettings(fxAutomation()),
		"automation_bare":   towire.AutomationSettings(fxAutomationBare()),
		"rules":             towire.Rules(fxRules()),
		"rule":              towire.Rule(&fxRules()[0]),
		"flows":             towire.Flows(fxFlows()),
		"log":               towire.AutomationLog(fxLog()),
	}
	for i, r := range fxDryRuns() {
		got[fmt.Sprintf("dryrun%d", i)] = dryRunResult(r)
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

func TestAutomationFromWire(t *testing.T) {
	set := fxAutomation()
	back := towire.AutomationSettingsFromWire(towire.AutomationSettings(set))
	back.BrandID = set.BrandID // not on the wire
	if !reflect.DeepEqual(&back, set) {
		t.Errorf("settings:\n got %+v\nwant %+v", back, *set)
	}
	for _, r := range fxRules() {
		w := towire.Rule(&r)
		got := dm.Rule{ID: r.ID, BrandID: r.BrandID, Name: r.Name, Enabled: r.Enabled, Position: r.Position,
			Trigger: towire.TriggerFromWire(w.Trigger), Conditions: towire.ConditionsFromWire(w.Conditions),
			Actions: towire.ActionsFromWire(w.Actions), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("rule %s:\n got %+v\nwant %+v", r.ID, got, r)
		}
	}
	for _, f := range fxFlows() {
		got := towire.FlowFromWire(towire.Flow(&f))
		got.BrandID = f.BrandID
		if !reflect.DeepEqual(got, f) {
			t.Errorf("flow %s:\n got %+v\nwant %+v", f.ID, got, f)
		}
	}
}
