package brand_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
)

const goodCSV = `id,title,price_minor,currency,url,image_url,tags,in_stock
tent-2,Trail Tent 2,19900,eur,https://shop.example/tent-2,https://img.example/tent-2.png,camping|tents,true
stove,Camp Stove,4500,EUR,https://shop.example/stove,,camping|cooking,yes
mug,Enamel Mug,1200,EUR,https://shop.example/mug,,camping|cooking,1
boots,Hiking Boots,12900,EUR,https://shop.example/boots,,hiking,true
socks,Wool Socks,1500,EUR,https://shop.example/socks,,hiking,true
sold,Sold Out Lamp,3000,EUR,https://shop.example/lamp,,camping,false
`

// TestCatalogImportRejectsBadRows: a CSV with bad rows is refused with the
// line and field of each, and nothing of it is imported.
func TestCatalogImportRejectsBadRows(t *testing.T) { stores(t, testCatalogImportRejectsBadRows) }

func testCatalogImportRejectsBadRows(t *testing.T, open func(t *testing.T) dm.Store) {
	w := newWorld(t, time.Now(), open)
	ctx := context.Background()
	acme := w.account("acme", "Acme", dm.KindBrand)
	bad := `id,title,price_minor,currency,url,tags
ok-1,Fine Product,100,EUR,https://shop.example/1,a
bad id,Spaces In Id,100,EUR,https://shop.example/2,a
ok-2,,100,EUR,https://shop.example/3,a
ok-3,Bad Price,12.50,EUR,https://shop.example/4,a
ok-4,Bad URL,100,EUR,javascript:alert(1),a
ok-5,Bad Currency,100,EURO,https://shop.example/5,a
ok-1,Duplicate,100,EUR,https://shop.example/6,a
`
	_, err := w.brand.ImportProducts(ctx, acme, "acme", brand.ImportCSV, strings.NewReader(bad))
	var ie *brand.ImportErrors
	if !errors.As(err, &ie) {
		t.Fatalf("import of a bad CSV: %v", err)
	}
	want := []brand.RowError{{Line: 3, Field: "id"}, {Line: 4, Field: "title"}, {Line: 5, Field: "price_minor"}, {Line: 6, Field: "url"}, {Line: 7, Field: "currency"}, {Line: 8, Field: "id"}}
	if ie.Total != len(want) || len(ie.Rows) != len(want) {
		t.Fatalf("errors = %+v, want %d", ie.Rows, len(want))
	}
	for i, e := range ie.Rows {
		if e.Line != want[i].Line || e.Field != want[i].Field || e.Message == "" {
			t.Errorf("error %d = %+v, want line %d field %s", i, e, want[i].Line, want[i].Field)
		}
	}
	ps, _, err := w.brand.Products(ctx, acme, "acme", "", 50)
	if err != nil || len(ps) != 0 {
		t.Errorf("products after a refused import = %d, %v; want none", len(ps), err)
	}

	// A JSON file: line numbers of pretty-printed objects are where each starts.
	badJSON := "[\n  {\"id\": \"a\", \"title\": \"A\", \"price_minor\": 1, \"currency\": \"EUR\", \"url\": \"https://x.example/a\"},\n" +
		"  {\n    \"id\": \"b\",\n    \"title\": \"B\",\n    \"price_minor\": \"free\",\n    \"currency\": \"EUR\",\n    \"url\": \"https://x.example/b\"\n  },\n" +
		"  {\"id\": \"c\", \"title\": \"C\", \"price_minor\": 1, \"currency\": \"EUR\", \"url\": \"ftp://x.example/c\", \"colour\": \"red\"}\n]"
	_, err = w.brand.ImportProducts(ctx, acme, "acme", brand.ImportJSON, strings.NewReader(badJSON))
	if !errors.As(err, &ie) || ie.Total != 2 || ie.Rows[0].Line != 3 || ie.Rows[0].Field != "price_minor" || ie.Rows[1].Line != 10 || ie.Rows[1].Field != "colour" {
		t.Fatalf("JSON errors = %v %+v", err, ie.Rows)
	}

	// The good file imports, twice without change (an upsert by id).
	for i := range 2 {
		res, err := w.brand.ImportProducts(ctx, acme, "acme", brand.ImportCSV, strings.NewReader(goodCSV))
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 6 || (i == 0 && res.Created != 6) || (i == 1 && res.Updated != 6) {
			t.Errorf("import %d = %+v", i, res)
		}
	}
	p, err := w.brand.Product(ctx, acme, "acme", "tent-2")
	if err != nil || p.Currency != "EUR" || p.PriceMinor != 19900 || len(p.Tags) != 2 || !p.InStock {
		t.Errorf("tent-2 = %+v, %v", p, err)
	}
}

// TestRecommendationsFlow: views and a card feed the model; suggestions
// carry reasons, never what is out of stock or bought; a purchase is
// attributed to the card; strangers get 404.
func TestRecommendationsFlow(t *testing.T) { stores(t, testRecommendationsFlow) }

func testRecommendationsFlow(t *testing.T, open func(t *testing.T) dm.Store) {
	w := newWorld(t, time.Now(), open)
	ctx := context.Background()
	acme := w.account("acme", "Acme", dm.KindBrand)
	bob := w.account("bob", "Bob", dm.KindPerson)
	eve := w.account("eve", "Eve", dm.KindPerson)
	must(w.brand.AddMember(ctx, acme, "acme", "bob", dm.TeamAgent))
	if _, err := w.brand.ImportProducts(ctx, bob, "acme", brand.ImportCSV, strings.NewReader(goodCSV)); !dm.IsCode(err, dm.EFORBIDDEN) {
		t.Errorf("an agent imports: %v", err)
	}
	if _, err := w.brand.ImportProducts(ctx, eve, "acme", brand.ImportCSV, strings.NewReader(goodCSV)); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("a stranger imports: %v", err)
	}
	must(w.brand.ImportProducts(ctx, acme, "acme", brand.ImportCSV, strings.NewReader(goodCSV)))
	// Other customers bought tents with stoves, and boots with socks.
	var custs []*dm.Account
	for _, h := range []string{"cust1", "cust2", "cust3", "cust4"} {
		custs = append(custs, w.account(h, h, dm.KindPerson))
	}
	view := func(c *dm.Account, ids ...string) {
		t.Helper()
		for _, id := range ids {
			if _, err := w.brand.RecordViews(ctx, acme, "acme", []brand.View{{Customer: c.Handle, ProductID: id}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	view(custs[0], "tent-2", "stove", "lamp-missing-is-refused"[:0]+"mug")
	view(custs[1], "tent-2", "stove")
	view(custs[2], "boots", "socks")
	view(custs[3], "boots", "socks", "boots")
	if _, err := w.brand.RecordViews(ctx, acme, "acme", []brand.View{{Customer: "cust1", ProductID: "nope"}}); !dm.IsCode(err, dm.ENOTFOUND) || !strings.Contains(dm.ErrorMessage(err), "views[0].product_id") {
		t.Errorf("a view of an unknown product: %v", err)
	}

	// dan writes to the brand, having looked at the tent.
	dan := w.account("dan", "Dan", dm.KindPerson)
	conv, _ := must2(w.chat.CreateConversation(ctx, dan, []string{"acme"}, ""))
	must2(w.chat.Send(ctx, dan, conv.ID, chat.SendParams{Text: "Anything to go with my tent?"}))
	view(dan, "tent-2")
	if _, _, err := w.brand.Suggest(ctx, eve, "acme", conv.ID, 5); !dm.IsCode(err, dm.ENOTFOUND) {
		t.Errorf("a stranger's suggestions: %v", err)
	}
	sug, ver, err := w.brand.Suggest(ctx, bob, "acme", conv.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(sug) == 0 || sug[0].Product.ID != "stove" || sug[0].Because != "tent-2" || sug[0].Reason != "because you looked at Trail Tent 2" {
		t.Fatalf("suggestions = %+v", sug)
	}
	if ver.Interactions != 11 {
		t.Errorf("model version = %+v, want 11 interactions", ver)
	}
	for _, s := range sug {
		if s.Product.ID == "sold" || s.Product.ID == "tent-2" {
			t.Errorf("suggested %s (out of stock, or already seen)", s.Product.ID)
		}
	}

	// bob sends the stove as a card: the customer gets it, it is a mention.
	m, created, err := w.brand.SendProduct(ctx, bob, "acme", conv.ID, brand.ProductReply{ProductID: "stove", ClientID: "k1"})
	if err != nil || !created {
		t.Fatal(err)
	}
	if m.Product == nil || m.Product.Title != "Camp Stove" || m.Product.URL == "" || m.Text != "Camp Stove · 45.00 EUR" || m.Automated {
		t.Errorf("card message = %+v", m.Message)
	}
	var last dm.Event
	for _, e := range w.events(dan) {
		if e.Type == dm.EventMessageCreated {
			last = e
		}
	}
	if last.Message == nil || last.Message.Product == nil || last.Message.Product.ProductID != "stove" {
		t.Errorf("dan's last event = %+v", last)
	}
	hist := must3(w.chat.Messages(ctx, dan, conv.ID, "", 10))
	if hist[0].Product == nil || hist[0].Product.PriceMinor != 4500 {
		t.Errorf("history's card = %+v", hist[0])
	}
	if _, _, err := w.brand.SendProduct(ctx, bob, "acme", conv.ID, brand.ProductReply{ProductID: "sold"}); !dm.IsCode(err, dm.ECONFLICT) {
		t.Errorf("a card of a sold-out product: %v", err)
	}

	// dan buys it: attributed to the card, idempotent, never suggested again.
	o, created, err := w.brand.RecordOrder(ctx, acme, "acme", "order-1", "dan", []string{"stove"})
	if err != nil || !created || len(o.Items) != 1 || o.Items[0].Via != dm.InteractionMention || o.Items[0].ViaMessageID != m.ID {
		t.Fatalf("order = %+v, %v", o, err)
	}
	o2, created, err := w.brand.RecordOrder(ctx, acme, "acme", "order-1", "dan", []string{"stove", "mug"})
	if err != nil || created || len(o2.Items) != 1 || o2.Customer.ID != dan.ID {
		t.Errorf("order again = %+v %v %v", o2, created, err)
	}
	sug, _, err = w.brand.Suggest(ctx, bob, "acme", conv.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sug {
		if s.Product.ID == "stove" {
			t.Errorf("suggested the stove after its purchase: %+v", sug)
		}
	}
	// Out of stock after the model was built: not suggested either.
	mug := must(w.brand.Product(ctx, acme, "acme", "mug"))
	mug.InStock = false
	must3(w.brand.PutProduct(ctx, acme, "acme", *mug))
	sug, _, _ = w.brand.Suggest(ctx, bob, "acme", conv.ID, 5)
	for _, s := range sug {
		if s.Product.ID == "mug" {
			t.Errorf("suggested the mug once out of stock: %+v", sug)
		}
	}
}

// TestRecommendRule: an automation rule answers "recommend me something"
// with the customer's top pick as a card, automated, through the consent
// gate (a reply to the customer's message).
func TestRecommendRule(t *testing.T) { stores(t, testRecommendRule) }

func testRecommendRule(t *testing.T, open func(t *testing.T) dm.Store) {
	w := newWorld(t, time.Now(), open)
	ctx := context.Background()
	acme := w.account("acme", "Acme", dm.KindBrand)
	must(w.brand.ImportProducts(ctx, acme, "acme", brand.ImportCSV, strings.NewReader(goodCSV)))
	w.account("sam", "Sam", dm.KindPerson)
	for _, id := range []string{"boots", "socks"} {
		must(w.brand.RecordViews(ctx, acme, "acme", []brand.View{{Customer: "sam", ProductID: id}}))
	}
	must(w.brand.PutAutomation(ctx, acme, "acme", dm.AutomationSettings{Enabled: true, LoopGuard: 3, HandoffWords: []string{}, IceBreakers: []dm.QuickReply{}, Menu: []dm.QuickReply{}}))
	_, _, err := w.brand.PutRule(ctx, acme, "acme", "", brand.RuleInput{Name: "recommend", Enabled: true,
		Trigger: dm.Trigger{Type: dm.TriggerKeyword, Keywords: []string{"recommend"}},
		Actions: []dm.Action{{Type: dm.ActRecommend, Text: "Hi {{first_name|there}}, you might like this:"}}})
	if err != nil {
		t.Fatal(err)
	}
	dan := w.account("dan", "Dan Rossi", dm.KindPerson)
	must(w.brand.RecordViews(ctx, acme, "acme", []brand.View{{Customer: "dan", ProductID: "boots"}}))
	conv, _ := must2(w.chat.CreateConversation(ctx, dan, []string{"acme"}, ""))
	must2(w.chat.Send(ctx, dan, conv.ID, chat.SendParams{Text: "Can you recommend me something?"}))
	w.runJobs()
	msgs := must3(w.chat.Messages(ctx, dan, conv.ID, "", 10))
	if len(msgs) != 2 {
		t.Fatalf("messages = %+v", msgs)
	}
	m := msgs[0]
	if !m.Automated || m.Product == nil || m.Product.ProductID != "socks" || m.Text != "Hi Dan, you might like this:" {
		t.Errorf("the bot's answer = %+v (card %+v)", m, m.Product)
	}
}
