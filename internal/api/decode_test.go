package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
)

// sendBody is the shape of the busiest request, used to exercise decoding.
type sendBody struct {
	Text     string   `json:"text"`
	ClientID string   `json:"client_id"`
	ReplyTo  string   `json:"reply_to"`
	Members  []string `json:"members"`
	Muted    *bool    `json:"muted"`
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, code, msg string
	}{
		{"empty", ``, dm.EINVALID, "needs a JSON body"},
		{"malformed", `{"text":`, dm.EINVALID, "Malformed JSON"},
		{"not an object", `[1,2]`, dm.EINVALID, "JSON object"},
		{"null", `null`, dm.EINVALID, "JSON object"},
		{"null with spaces", " \n null\t", dm.EINVALID, "JSON object"},
		{"wrong type", `{"text": 5}`, dm.EINVALID, `"text" must be of type string`},
		{"wrong nested type", `{"members": "bob"}`, dm.EINVALID, `"members" must be of type array`},
		{"wrong bool", `{"muted": "yes"}`, dm.EINVALID, `"muted" must be of type boolean`},
		{"invalid utf-8", "{\"text\": \"a\xffb\"}", dm.EINVALID, "not valid UTF-8"},
	} {
		var v sendBody
		err := decodeBytes([]byte(tc.body), &v)
		if dm.ErrorCode(err) != tc.code || !strings.Contains(dm.ErrorMessage(err), tc.msg) {
			t.Errorf("%s: got %v, want %s containing %q", tc.name, err, tc.code, tc.msg)
		}
	}
	var v sendBody
	if err := decodeBytes([]byte(`{"text":"hi","unknown":{"x":1}}`), &v); err != nil || v.Text != "hi" {
		t.Errorf("unknown fields must be ignored: %v %+v", err, v)
	}
}

// TestDecodeRequired: a listed field left out is a 400 naming it; present,
// even as null, it passes; the body is decoded either way.
func TestDecodeRequired(t *testing.T) {
	for _, tc := range []struct {
		body, msg string
	}{
		{`{}`, `Field "text" is required.`},
		{`{"text":"hi"}`, `Field "members" is required.`},
		{`{"text":"hi","members":null}`, ""},
		{`{"text":"hi","members":["bob"]}`, ""},
		{`{"text":5,"members":[]}`, `"text" must be of type string`},
		{`null`, "JSON object"},
	} {
		r := httptest.NewRequest(http.MethodPut, "/", strings.NewReader(tc.body))
		var v sendBody
		err := decodeRequired(r, &v, "text", "members")
		if tc.msg == "" {
			if err != nil || v.Text != "hi" {
				t.Errorf("%s: got %v %+v, want it decoded", tc.body, err, v)
			}
			continue
		}
		if dm.ErrorCode(err) != dm.EINVALID || !strings.Contains(dm.ErrorMessage(err), tc.msg) {
			t.Errorf("%s: got %v, want %s containing %q", tc.body, err, dm.EINVALID, tc.msg)
		}
	}
}

func TestDecodeBodyTooLarge(t *testing.T) {
	big := `{"text":"` + strings.Repeat("a", maxBody) + `"}`
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(big))
	w := httptest.NewRecorder()
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	var v sendBody
	if err := decode(r, &v); dm.ErrorCode(err) != dm.ETOOLARGE {
		t.Fatalf("got %v, want %s", err, dm.ETOOLARGE)
	}
}

// FuzzDecode feeds arbitrary bodies to the request decoder: it must never
// panic and must answer every bad body with a client error, never an
// internal one.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"text":"hi","client_id":"c1"}`, `{"members":["a","b"]}`, `{`, `null`, `{"muted":true}`, "\xff", `{"text":1e400}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v sendBody
		err := decodeBytes(body, &v)
		if err == nil {
			return
		}
		switch dm.ErrorCode(err) {
		case dm.EINVALID, dm.ETOOLARGE:
		default:
			t.Fatalf("body %q: error %v is not a client error", body, err)
		}
	})
}

// TestQueryValue checks that the in-place scan of a plain query answers as
// the full parse does, and that every other query takes the parse.
func TestQueryValue(t *testing.T) {
	for _, raw := range []string{
		"", "limit=5", "cursor=abc&limit=7", "limit=1&limit=2", "limit", "limit=", "=x&limit=3",
		"a=1&&limit=9", "limit=%35", "folder=a+b", "limit=4;cursor=x", "cursor=%zz&limit=2", "x=y=z&limit=2",
	} {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/conversations?"+raw, nil)
		for _, name := range []string{"limit", "cursor", "folder", "x", "a"} {
			if got, want := queryValue(r, name), r.URL.Query().Get(name); got != want {
				t.Errorf("query %q: queryValue(%q) = %q, want %q", raw, name, got, want)
			}
		}
	}
}

// A brand with no rules gets an empty list, not null (the reorder answer).
func TestNoRulesIsEmptyList(t *testing.T) {
	b, err := json.Marshal(map[string]any{"rules": towire.Rules(nil)})
	if err != nil || string(b) != `{"rules":[]}` {
		t.Errorf("no rules: %s %v", b, err)
	}
}
