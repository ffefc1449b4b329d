package brand

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/dm"
)

// Placeholders are the names a canned reply may use, with what each one
// becomes for a recipient. The API documents the same list.
var Placeholders = []struct{ Name, Meaning string }{
	{"first_name", "the customer's first name (first word of their display name)"},
	{"name", "the customer's display name"},
	{"handle", "the customer's handle, without @"},
	{"brand_name", "the brand's display name"},
	{"agent_first_name", "the first name of the agent who sends the reply"},
	{"agent_name", "the display name of the agent who sends the reply"},
}

func knownPlaceholder(name string) bool {
	for _, p := range Placeholders {
		if p.Name == name {
			return true
		}
	}
	return false
}

// maxFallbackRunes bounds a placeholder's fallback text.
const maxFallbackRunes = 100

// Template is a parsed canned reply: literal text and placeholders
// {{name}} or {{name|fallback}}. The fallback is used when the value is
// empty. Literal braces outside a placeholder are kept as they are, except
// that "{{" always starts one.
type Template struct {
	parts []part
}

type part struct {
	text     string // literal text when name == ""
	name     string
	fallback string
}

// ParseTemplate parses a canned reply's text. A malformed or unknown
// placeholder is an EINVALID error that says where it is, so a reply is
// rejected when it is saved, never when it is sent.
func ParseTemplate(s string) (*Template, error) {
	if !utf8.ValidString(s) {
		return nil, dm.Errorf(dm.EINVALID, "The text is not valid UTF-8.")
	}
	var t Template
	rest := s
	for rest != "" {
		i := strings.Index(rest, "{{")
		if i < 0 {
			t.parts = append(t.parts, part{text: rest})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, part{text: rest[:i]})
		}
		pos := len(s) - len(rest) + i
		body, after, ok := strings.Cut(rest[i+2:], "}}")
		if !ok {
			return nil, dm.Errorf(dm.EINVALID, "The placeholder at character %d is not closed with }}.", runeIndex(s, pos))
		}
		p, err := parsePlaceholder(body)
		if err != nil {
			return nil, dm.Errorf(dm.EINVALID, "The placeholder at character %d: %s", runeIndex(s, pos), err)
		}
		t.parts = append(t.parts, p)
		rest = after
	}
	return &t, nil
}

func runeIndex(s string, byteOffset int) int {
	return utf8.RuneCountInString(s[:byteOffset]) + 1
}

func parsePlaceholder(body string) (part, error) {
	name, fallback, hasFallback := strings.Cut(body, "|")
	name = strings.TrimSpace(name)
	if name == "" {
		return part{}, fmt.Errorf("it has no name; use one of %s.", placeholderNames())
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c == '_') {
			return part{}, fmt.Errorf("%q is not a placeholder name; use one of %s.", dm.Truncate(name, 40), placeholderNames())
		}
	}
	if !knownPlaceholder(name) {
		return part{}, fmt.Errorf("unknown placeholder %q; use one of %s.", name, placeholderNames())
	}
	if hasFallback {
		fallback = strings.TrimSpace(fallback)
		if strings.ContainsAny(fallback, "{}|\n\r") {
			return part{}, fmt.Errorf("the fallback of %s may not contain braces, | or a new line.", name)
		}
		if utf8.RuneCountInString(fallback) > maxFallbackRunes {
			return part{}, fmt.Errorf("the fallback of %s has more than %d characters.", name, maxFallbackRunes)
		}
	}
	return part{name: name, fallback: fallback}, nil
}

func placeholderNames() string {
	names := make([]string, len(Placeholders))
	for i, p := range Placeholders {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// Render fills the placeholders from vars; a missing or blank value gives
// the placeholder's fallback (which may be empty).
func (t *Template) Render(vars map[string]string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.name == "" {
			b.WriteString(p.text)
			continue
		}
		v := strings.TrimSpace(vars[p.name])
		if v == "" {
			v = p.fallback
		}
		b.WriteString(v)
	}
	return b.String()
}

// Names lists the placeholders the template uses, in order.
func (t *Template) Names() []string {
	var out []string
	for _, p := range t.parts {
		if p.name != "" {
			out = append(out, p.name)
		}
	}
	return out
}

// firstName is the first word of a display name.
func firstName(displayName string) string {
	f := strings.Fields(displayName)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// givenName is the name a person gave, "" when they gave none. Sign-up
// used to copy the handle into the display name of those who gave none, so a
// display name exactly equal to the handle (handles are lower case) counts as
// none: a greeting must fall back rather than say "Hi dan1". "Dan" for @dan
// is a name someone typed, and is kept.
func givenName(a *dm.Account) string {
	n := strings.TrimSpace(a.DisplayName)
	if n == a.Handle {
		return ""
	}
	return n
}

// templateVars are the values of the placeholders for one customer, brand
// and agent (agent may be nil: the brand account itself writes).
func templateVars(customer, brand, agent *dm.Account) map[string]string {
	name := givenName(customer)
	v := map[string]string{
		"first_name": firstName(name),
		"name":       name,
		"handle":     customer.Handle,
		"brand_name": brand.DisplayName,
	}
	if brand.DisplayName == "" {
		v["brand_name"] = brand.Handle
	}
	if agent != nil {
		an := givenName(agent)
		v["agent_first_name"] = firstName(an)
		v["agent_name"] = an
	}
	return v
}
