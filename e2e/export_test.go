package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/parleyhq/parley/client"
)

// The export's JSON Lines are checked line by line against the document's
// ExportRecord schema.
func init() {
	openapi3filter.RegisterBodyDecoder("application/x-ndjson", func(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		sc := bufio.NewScanner(body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var first any
		for n := 1; sc.Scan(); n++ {
			var v any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			if err := schema.Value.VisitJSON(v); err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			if first == nil {
				first = v
			}
		}
		return first, sc.Err()
	})
}

// TestExport: a person's data export holds their account, whom they follow
// and block, and exactly the conversations and messages they can read, as
// they read them: not another pair's conversation, not a group they left,
// nothing from before they cleared a conversation, no message they deleted
// for themselves, an unsent one as deleted; long histories whole, newest
// first; the file ends with counts that match its lines.
func TestExport(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	amy, bob, dan := e.user("amy"), e.user("bob"), e.user("dan")
	e.user("cat")
	must(t, amy.Follow(ctx, "bob"), "amy follows bob")
	must(t, amy.Block(ctx, "cat"), "amy blocks cat")

	direct := e.direct(amy, "bob")
	var texts []string
	for i := range 230 { // over one page of the export's reads
		m := e.send(bob, direct.ID, fmt.Sprintf("bob %d", i))
		texts = append(texts, m.Text)
	}
	hidden := e.send(bob, direct.ID, "hidden by amy")
	must(t, amy.DeleteMessage(ctx, hidden.ID, false), "amy deletes a message for herself")
	unsent := e.send(amy, direct.ID, "unsent")
	must(t, amy.DeleteMessage(ctx, unsent.ID, true), "amy unsends")

	group, _, err := bob.CreateConversation(ctx, []string{"amy", "dan"}, "Trip")
	must(t, err, "bob's group")
	e.send(dan, group.ID, "before the clear")
	must(t, amy.DeleteConversation(ctx, group.ID), "amy clears the group")
	after := e.send(dan, group.ID, "after the clear")

	left, _, err := bob.CreateConversation(ctx, []string{"amy", "dan"}, "Left")
	must(t, err, "another group")
	e.send(bob, left.ID, "amy will leave")
	must(t, amy.RemoveMember(ctx, left.ID, "amy"), "amy leaves")
	others := e.direct(bob, "dan")
	e.send(bob, others.ID, "not amy's")

	var recs []*client.ExportRecord
	must(t, amy.Export(ctx, func(r *client.ExportRecord) error { recs = append(recs, r); return nil }), "amy's export")
	if len(recs) < 2 || recs[0].Type != "account" || recs[0].Account == nil || recs[0].Account.Handle != "amy" || recs[0].Settings == nil || recs[0].ExportedAt == nil {
		t.Fatalf("the first line: %+v", recs[0])
	}
	var following, blocked, convs []string
	msgs := map[string][]string{}
	current := ""
	for _, r := range recs[1 : len(recs)-1] {
		switch r.Type {
		case "following":
			following = append(following, r.Account.Handle)
		case "blocked":
			blocked = append(blocked, r.Account.Handle)
		case "conversation":
			current = r.Conversation.ID
			convs = append(convs, current)
		case "message":
			if r.Message.ConversationID != current {
				t.Fatalf("message %s of %s under conversation %s", r.Message.ID, r.Message.ConversationID, current)
			}
			text := r.Message.Text
			if r.Message.Deleted {
				text = "(deleted)"
			}
			msgs[current] = append(msgs[current], text)
		default:
			t.Fatalf("an unexpected line: %+v", r)
		}
	}
	if !slices.Equal(following, []string{"bob"}) || !slices.Equal(blocked, []string{"cat"}) {
		t.Errorf("following %v, blocked %v; want [bob], [cat]", following, blocked)
	}
	if slices.Sort(convs); !slices.Equal(convs, sorted(direct.ID, group.ID)) {
		t.Errorf("conversations %v, want the direct one and the group (not the one she left, not bob and dan's)", convs)
	}
	if got := msgs[group.ID]; !slices.Equal(got, []string{after.Text}) {
		t.Errorf("the cleared group's messages: %v, want only %q", got, after.Text)
	}
	want := []string{"(deleted)"}
	for i := len(texts) - 1; i >= 0; i-- {
		want = append(want, texts[i])
	}
	if got := msgs[direct.ID]; !slices.Equal(got, want) {
		t.Errorf("the direct conversation: %d messages (first %v), want %d newest first, the unsent one as deleted, without the one she deleted", len(got), got[:min(3, len(got))], len(want))
	}
	end := recs[len(recs)-1]
	if end.Type != "end" || end.Counts == nil || end.Counts.Following != 1 || end.Counts.Blocked != 1 || end.Counts.Conversations != 2 || end.Counts.Messages != len(want)+1 {
		t.Errorf("the end line: %+v %+v, want counts 1, 1, 2, %d", end, end.Counts, len(want)+1)
	}

	// The file is a download; without a session there is none.
	res, err := http.Get(e.url + "/api/v1/me/export")
	must(t, err, "export without a session")
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("export without a session: %d, want 401", res.StatusCode)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/api/v1/me/export", nil)
	req.Header.Set("Authorization", "Bearer "+dan.Token())
	res, err = http.DefaultClient.Do(req)
	must(t, err, "dan's export")
	res.Body.Close()
	if cd := res.Header.Get("Content-Disposition"); res.StatusCode != http.StatusOK || !strings.HasPrefix(cd, `attachment; filename="parley-dan-`) || res.Header.Get("Content-Type") != "application/x-ndjson; charset=utf-8" {
		t.Errorf("dan's export: %d %q %q", res.StatusCode, cd, res.Header.Get("Content-Type"))
	}
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}
