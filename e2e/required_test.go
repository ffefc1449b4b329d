package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/parleyhq/parley/client"
)

// TestRequiredFieldsEnforced holds the API document to its word about
// request bodies: for every operation whose JSON body lists required
// properties (readOnly ones excepted: OpenAPI 3.0 requires those in
// answers only), a body with one of them left out, at the top level or one
// level down (an object property, an array's first item), is refused with
// 400 invalid_request and a message naming the field. A server that takes
// such a body would read the missing field as its zero value: a full
// replace of the bot's settings from {} switched the bot off.
//
// Each probe starts from a minimal valid body sent by an account allowed
// to call the operation (a brand's owner for brand routes), so a refusal
// is about the missing field, not about who asks. Every documented
// operation with required body fields must have a probe here.
func TestRequiredFieldsEnforced(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	d, err := loadDoc()
	if err != nil {
		t.Fatal(err)
	}
	acme := e.brandAccount("acme", "Acme")
	cus := e.user("cus")
	e.user("bob")
	e.user("dan")
	e.user("eve")
	conv := e.direct(cus, "acme")
	msg := e.send(cus, conv.ID, "hello acme")
	group, _, err := cus.CreateConversation(ctx, []string{"bob", "dan"}, "group")
	must(t, err, "group")
	canned, err := acme.CreateCannedReply(ctx, "acme", "hi", "Hello")
	must(t, err, "canned reply")
	var out struct {
		Creator  struct{ Handle string } `json:"creator"`
		Campaign struct{ ID string }     `json:"campaign"`
		Survey   struct{ ID string }     `json:"survey"`
	}
	do := func(c *client.Client, method, path, body string) {
		t.Helper()
		if _, err := c.Do(ctx, method, path, strings.NewReader(body), &out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	b := "/api/v1/brands/acme"
	do(acme, "POST", b+"/creators", `{"handle":"bob"}`)
	do(acme, "POST", b+"/surveys", `{"name":"s","kind":"csat","question":"How was it?"}`)
	survey := out.Survey.ID
	campaign := `{"name":"c","audience":{"followers":true},"steps":[{"variants":[{"name":"A","text":"hi","weight":1}]}]}`
	do(acme, "POST", b+"/campaigns", campaign)
	camp := out.Campaign.ID
	c := b + "/conversations/" + conv.ID
	rule := `{"name":"r","enabled":true,"trigger":{"type":"keyword","keywords":["price"]},"conditions":[{"type":"unassigned"}],"actions":[{"type":"reply","text":"hi"}]}`
	flow := `{"name":"f","steps":[{"id":"s1","text":"Pick","options":[{"title":"A"}]}]}`
	var ids struct {
		Rule struct{ ID string } `json:"rule"`
		Flow struct{ ID string } `json:"flow"`
	}
	if _, err := acme.Do(ctx, "POST", b+"/automation/rules", strings.NewReader(rule), &ids); err != nil {
		t.Fatal(err)
	}
	if _, err := acme.Do(ctx, "POST", b+"/automation/flows", strings.NewReader(flow), &ids); err != nil {
		t.Fatal(err)
	}
	product := `{"title":"Mug","price_minor":900,"currency":"EUR","url":"https://example.com/mug"}`

	type call struct {
		who          *client.Client
		method, path string
		body         string
	}
	anon := e.anon()
	calls := []call{
		{anon, "POST", "/api/v1/accounts", `{"handle":"newbie","password":"pw-newbie-long-enough"}`},
		{anon, "POST", "/api/v1/sessions", `{"handle":"cus","password":"` + password("cus") + `"}`},
		{cus, "POST", "/api/v1/conversations", `{"members":["bob"]}`},
		{cus, "POST", "/api/v1/conversations/" + group.ID + "/members", `{"members":["eve"]}`},
		{cus, "POST", "/api/v1/conversations/" + conv.ID + "/messages", `{"text":"hi"}`},
		{cus, "PATCH", "/api/v1/messages/" + msg.ID, `{"text":"hello again"}`},
		{cus, "POST", "/api/v1/me/password", `{"current_password":"` + password("cus") + `","new_password":"a-new-long-password"}`},
		{anon, "POST", "/api/v1/password-reset", `{"token":"nosuchtoken","password":"a-new-long-password"}`},
		{cus, "POST", "/api/v1/uploads/sessions", `{"size":10}`},
		{acme, "POST", b + "/team", `{"handle":"dan"}`},
		{acme, "POST", c + "/notes", `{"text":"a note"}`},
		{acme, "POST", c + "/render", `{"canned_reply_id":"` + canned.ID + `"}`},
		{acme, "POST", c + "/presence", `{"state":"viewing"}`},
		{acme, "POST", c + "/macro", `{"macro_id":"nosuchmacro"}`},
		{acme, "POST", c + "/product-cards", `{"product_id":"mug"}`},
		{acme, "POST", b + "/canned-replies", `{"title":"t","text":"x"}`},
		{acme, "PUT", b + "/automation", `{"enabled":true,"handoff_words":["human"],"handoff_message":"A person will answer.","loop_guard":3,"ice_breakers":[{"title":"Prices?","payload":"prices"}],"menu":[{"title":"Help","payload":"help"}]}`},
		{acme, "POST", b + "/automation/rules", rule},
		{acme, "PUT", b + "/automation/rules/" + ids.Rule.ID, rule},
		{acme, "POST", b + "/automation/rules/order", `{"ids":[]}`},
		{acme, "POST", b + "/automation/flows", flow},
		{acme, "PUT", b + "/automation/flows/" + ids.Flow.ID, flow},
		{acme, "POST", b + "/automation/dry-run", `{"text":"price?"}`},
		{acme, "PUT", b + "/customers/cus/attributes", `{"attributes":{"tier":"gold"}}`},
		{acme, "POST", b + "/customers/cus/notes", `{"text":"a note"}`},
		{acme, "POST", b + "/webhooks", `{"url":"https://example.com/hook","events":["message.received"]}`},
		{acme, "POST", b + "/bot-tokens", `{"name":"bot"}`},
		{acme, "POST", b + "/agent-teams", `{"name":"tier 1"}`},
		{acme, "POST", b + "/macros", `{"title":"m"}`},
		{acme, "POST", b + "/campaigns", campaign},
		{acme, "PUT", b + "/campaigns/" + camp, campaign},
		{acme, "POST", b + "/campaigns/" + camp + "/redeem", `{"code":"NOSUCHCODE"}`},
		{acme, "POST", b + "/audience/preview", `{"audience":{"followers":true}}`},
		{acme, "PUT", b + "/consent-settings", `{"stop_words":["ARRET"],"start_words":["REPRISE"],"frequency_cap":1,"window_24h":true}`},
		{acme, "POST", b + "/creators/bob/outreach", `{"text":"Hi {{first_name|there}}"}`},
		{acme, "POST", b + "/creators/bob/codes", `{"campaign_id":"` + camp + `","count":1}`},
		{acme, "POST", b + "/creators/bob/links", `{"url":"https://example.com/"}`},
		{acme, "POST", b + "/surveys", `{"name":"s","kind":"csat","question":"q?"}`},
		{acme, "PUT", b + "/surveys/" + survey, `{"name":"s","kind":"csat","question":"q?"}`},
		{acme, "PUT", b + "/products/mug", product},
		{acme, "POST", b + "/product-views", `{"views":[{"customer":"cus","product_id":"mug"}]}`},
		{acme, "POST", b + "/orders", `{"order_id":"o1","customer":"cus","items":["mug"]}`},
	}

	covered := map[string]bool{}
	for _, cl := range calls {
		req, _ := http.NewRequest(cl.method, cl.path, nil)
		route, _, err := d.router.FindRoute(req)
		if err != nil {
			t.Errorf("%s %s: no operation of the document: %v", cl.method, cl.path, err)
			continue
		}
		covered[cl.method+" "+route.Path] = true
		schema := jsonBodySchema(route.Operation)
		if schema == nil {
			t.Errorf("%s %s: no JSON request body in the document", cl.method, route.Path)
			continue
		}
		var body map[string]any
		if err := json.Unmarshal([]byte(cl.body), &body); err != nil {
			t.Fatalf("%s %s: bad probe body: %v", cl.method, cl.path, err)
		}
		for _, miss := range missingProbes(schema, body) {
			what := fmt.Sprintf("%s %s without %s", cl.method, route.Path, miss.field)
			raw, _ := json.Marshal(miss.body)
			_, err := cl.who.Do(ctx, cl.method, cl.path, strings.NewReader(string(raw)), nil)
			ce := wantStatus(t, err, http.StatusBadRequest, what)
			if ce == nil || ce.Status != http.StatusBadRequest {
				continue
			}
			if ce.Code != "invalid_request" {
				t.Errorf("%s: code %q, want invalid_request", what, ce.Code)
			}
			if !namesField(ce.Message, miss.key) {
				t.Errorf("%s: the message %q does not name %q", what, ce.Message, miss.key)
			}
		}
	}
	// SurveyInput cannot list kind as required (a PUT keeps the kind), but
	// creating a survey needs it, as its description says.
	_, err = acme.Do(ctx, "POST", b+"/surveys", strings.NewReader(`{"name":"s","question":"q?"}`), nil)
	ce := wantStatus(t, err, http.StatusBadRequest, "POST .../surveys without kind")
	if ce != nil && !namesField(ce.Message, "kind") {
		t.Errorf("POST .../surveys without kind: the message %q does not name kind", ce.Message)
	}
	_, err = acme.Do(ctx, "PUT", b+"/surveys/"+survey, strings.NewReader(`{"name":"s2","question":"q2?"}`), nil)
	must(t, err, "PUT .../surveys/{id} without kind")

	// What the document leaves optional on purpose, with a default, the
	// server takes: a rule without enabled is enabled, without conditions
	// has none; a flow step without options has no buttons.
	var made struct {
		Rule client.Rule `json:"rule"`
		Flow client.Flow `json:"flow"`
	}
	if _, err := acme.Do(ctx, "POST", b+"/automation/rules", strings.NewReader(`{"name":"bare","trigger":{"type":"message"},"actions":[{"type":"add_label","value":"x"}]}`), &made); err != nil {
		t.Errorf("a rule without enabled and conditions: %v", err)
	} else if !made.Rule.Enabled || len(made.Rule.Conditions) != 0 {
		t.Errorf("a rule without enabled and conditions: got enabled %v, conditions %v; want enabled, none", made.Rule.Enabled, made.Rule.Conditions)
	}
	if _, err := acme.Do(ctx, "POST", b+"/automation/flows", strings.NewReader(`{"name":"bare","steps":[{"id":"s1","text":"The end."}]}`), &made); err != nil {
		t.Errorf("a flow step without options: %v", err)
	} else if len(made.Flow.Steps) != 1 || len(made.Flow.Steps[0].Options) != 0 {
		t.Errorf("a flow step without options: got %+v", made.Flow.Steps)
	}

	// Every operation with required body fields has a probe above.
	var missing []string
	for path, item := range d.doc.Paths.Map() {
		for method, op := range item.Operations() {
			s := jsonBodySchema(op)
			if s == nil || len(writableRequired(s)) == 0 || covered[method+" "+path] {
				continue
			}
			missing = append(missing, method+" "+path)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s: required request fields, but no probe in TestRequiredFieldsEnforced", m)
	}
}

// jsonBodySchema is the schema of an operation's JSON request body, if any.
func jsonBodySchema(op *openapi3.Operation) *openapi3.Schema {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	mt := op.RequestBody.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

// writableRequired are the properties of s a request must have: the
// required ones that are not readOnly. A schema that is a one-element allOf
// (a $ref with a description) counts as its element.
func writableRequired(s *openapi3.Schema) []string {
	s = unwrap(s)
	var out []string
	for _, k := range s.Required {
		if p := s.Properties[k]; p != nil && p.Value != nil && unwrap(p.Value).ReadOnly {
			continue
		}
		if p := s.Properties[k]; p != nil && p.Value != nil && p.Value.ReadOnly {
			continue
		}
		out = append(out, k)
	}
	return out
}

func unwrap(s *openapi3.Schema) *openapi3.Schema {
	for len(s.AllOf) == 1 && len(s.Properties) == 0 && s.AllOf[0].Value != nil {
		s = s.AllOf[0].Value
	}
	return s
}

// missingProbe is a body with one required field left out.
type missingProbe struct {
	field string // its path, as "a" or "a.b" or "a[0].b"
	key   string // its own name
	body  map[string]any
}

// missingProbes returns, for each required field of s present in body (and
// each required field one level down, in an object property or the first
// item of an array property), a copy of body without it. A required field
// body lacks is a mistake of the probe's table.
func missingProbes(s *openapi3.Schema, body map[string]any) []missingProbe {
	s = unwrap(s)
	var out []missingProbe
	for _, k := range writableRequired(s) {
		if _, ok := body[k]; !ok {
			out = append(out, missingProbe{field: k + " (absent from the probe's own body: fix the table)", key: k, body: body})
			continue
		}
		cp := cloneJSON(body)
		delete(cp, k)
		out = append(out, missingProbe{field: k, key: k, body: cp})
	}
	for _, k := range slices.Sorted(mapsKeys(body)) {
		p := s.Properties[k]
		if p == nil || p.Value == nil {
			continue
		}
		ps := unwrap(p.Value)
		switch v := body[k].(type) {
		case map[string]any:
			for _, n := range writableRequired(ps) {
				if _, ok := v[n]; !ok {
					continue
				}
				cp := cloneJSON(body)
				delete(cp[k].(map[string]any), n)
				out = append(out, missingProbe{field: k + "." + n, key: n, body: cp})
			}
		case []any:
			if len(v) == 0 || ps.Items == nil || ps.Items.Value == nil {
				continue
			}
			item, ok := v[0].(map[string]any)
			if !ok {
				continue
			}
			for _, n := range writableRequired(ps.Items.Value) {
				if _, ok := item[n]; !ok {
					continue
				}
				cp := cloneJSON(body)
				delete(cp[k].([]any)[0].(map[string]any), n)
				out = append(out, missingProbe{field: k + "[0]." + n, key: n, body: cp})
			}
		}
	}
	return out
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func cloneJSON(m map[string]any) map[string]any {
	raw, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		panic(err)
	}
	return out
}

// namesField reports whether an error message names the JSON field k (as
// k, or with its underscores as spaces).
func namesField(msg, k string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, strings.ToLower(k)) || strings.Contains(m, strings.ReplaceAll(strings.ToLower(k), "_", " "))
}
