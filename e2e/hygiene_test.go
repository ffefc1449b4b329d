package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parleyhq/parley/client"
)

// TestInputHygiene: a lone surrogate in any text field is a 400 that names
// the field (encoding/json would have stored U+FFFD); display names and
// group titles refuse direction controls, invisible characters, names with
// nothing visible, and display names that read as another account's
// handle; nothing refused is stored.
func TestInputHygiene(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	amy, bob := e.user("amy"), e.user("bob")
	must(t, bob.Follow(ctx, "amy"), "bob follows amy")
	conv := e.direct(amy, "bob")
	e.send(amy, conv.ID, "before")

	raw := func(c *client.Client, method, path, body, field, what string) {
		t.Helper()
		_, err := c.Do(ctx, method, path, strings.NewReader(body), nil)
		ce := wantStatus(t, err, http.StatusBadRequest, what)
		if ce != nil && !strings.Contains(ce.Message, field) {
			t.Errorf("%s: the message %q does not name %s", what, ce.Message, field)
		}
	}
	// Lone surrogates, in every kind of text field.
	for _, s := range []string{`\ud800`, `x\udbff`, `\udc00y`, `\ud800\u0041`} {
		raw(amy, "POST", "/api/v1/conversations/"+conv.ID+"/messages", `{"text":"`+s+`"}`, "text", "a message with "+s)
		raw(amy, "PATCH", "/api/v1/me", `{"bio":"`+s+`"}`, "bio", "a bio with "+s)
		raw(amy, "PATCH", "/api/v1/me", `{"display_name":"`+s+`"}`, "display_name", "a display name with "+s)
		raw(amy, "POST", "/api/v1/conversations", `{"members":["bob","`+s+`"],"title":"t"}`, "members", "a member handle with "+s)
	}
	msgs, _, err := bob.Messages(ctx, conv.ID, "", 10)
	must(t, err, "messages")
	if len(msgs) != 1 {
		t.Errorf("bob has %d messages after refused ones, want 1", len(msgs))
	}
	// A proper pair (an emoji) still goes through.
	_, err = amy.Do(ctx, "POST", "/api/v1/conversations/"+conv.ID+"/messages", strings.NewReader(`{"text":"\ud83d\ude00"}`), nil)
	ok(t, err, "a message with a surrogate pair")

	// Names.
	badNames := map[string]string{
		"override":            "evil\u202eliam",
		"right-to-left mark":  "Dan\u200f",
		"Hangul filler":       "\u3164",
		"Hangul fillers":      "\u3164\u3164\u3164",
		"halfwidth filler":    "\uffa0",
		"zero-width space":    "a\u200bb",
		"word joiner":         "a\u2060b",
		"byte order mark":     "\ufeffamy",
		"blank braille":       "\u2800",
		"another's handle":    "bob",
		"@handle":             "@bob",
		"upper-case handle":   "BOB",
		"Cyrillic look-alike": "b\u043eb",
		"fullwidth handle":    "\uff42\uff4f\uff42",
	}
	for what, name := range badNames {
		_, _, err := amy.UpdateMe(ctx, client.MeUpdate{DisplayName: &name})
		ce := wantStatus(t, err, http.StatusBadRequest, "display name: "+what)
		if ce != nil && !strings.Contains(ce.Message, "display_name") {
			t.Errorf("display name %s: the message %q does not name display_name", what, ce.Message)
		}
	}
	me, _, err := amy.Me(ctx)
	must(t, err, "me")
	if me.DisplayName != "Amy" {
		t.Errorf("amy's name is %q after refused changes, want Amy", me.DisplayName)
	}
	for _, name := range []string{"Amy \u2764\ufe0f", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", "amy", "Zoë Ø", "\uae40\ubbfc\uc900"} {
		_, _, err := amy.UpdateMe(ctx, client.MeUpdate{DisplayName: &name})
		ok(t, err, "display name "+name)
	}
	// A sign-up may not take another's handle as its name either.
	_, err = e.anon().Signup(ctx, client.SignupParams{Handle: "mallory", Password: password("mallory"), DisplayName: "@Amy"})
	wantStatus(t, err, http.StatusBadRequest, "a sign-up named @Amy")
	_, err = e.anon().Signup(ctx, client.SignupParams{Handle: "mallory", Password: password("mallory"), DisplayName: "\u3164"})
	wantStatus(t, err, http.StatusBadRequest, "a sign-up with an invisible name")

	// Group titles.
	e.user("cat")
	for what, title := range map[string]string{"override": "a\u202eb", "filler": "\u3164", "zero-width": "\u200b\u200b"} {
		_, _, err := amy.CreateConversation(ctx, []string{"bob", "cat"}, title)
		ce := wantStatus(t, err, http.StatusBadRequest, "group title: "+what)
		if ce != nil && !strings.Contains(ce.Message, "title") {
			t.Errorf("group title %s: the message %q does not name title", what, ce.Message)
		}
	}
	if n := len(e.folder(amy, "inbox")); n != 1 {
		t.Errorf("amy has %d conversations after refused groups, want 1", n)
	}
}
