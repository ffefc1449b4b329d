package e2e

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/client"
)

const catalogCSV = `id,title,price_minor,currency,url,image_url,tags,in_stock
tent-2,Trail Tent 2,19900,EUR,https://shop.example/tent-2,https://img.example/tent-2.png,camping|tents,true
stove,Camp Stove,4500,EUR,https://shop.example/stove,https://img.example/stove.png,camping|cooking,true
mug,Enamel Mug,1200,EUR,https://shop.example/mug,,camping|cooking,true
boots,Hiking Boots,12900,EUR,https://shop.example/boots,,hiking,true
lamp,Sold Out Lamp,3000,EUR,https://shop.example/lamp,,camping,false
`

// TestProductRecommendations follows issue 12's recommendations over HTTP:
// a bad CSV is refused with line numbers and imports nothing, the good one
// imports; the brand's site reports views with a bot token; an agent sees
// suggestions (strangers get 404) and sends one as a card; the customer
// receives the card live and opens its tracked link (a click); a purchase is
// attributed to the click and is then never suggested again.
func TestProductRecommendations(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	bob, dan, eve := e.user("bob"), e.user("dan"), e.user("eve")
	e.user("sam")
	e.user("sue")
	_, err := acme.AddTeamMember(ctx, "acme", "bob", "agent")
	must(t, err, "add bob")

	// A bad file: every bad row named, nothing imported.
	bad := "id,title,price_minor,currency,url\nok,Fine,100,EUR,https://shop.example/ok\nbad id,Bad,100,EUR,https://shop.example/b\nok2,Bad URL,100,EUR,javascript:alert(1)\n"
	_, err = acme.ImportProducts(ctx, "acme", "csv", bad)
	var ie *client.ImportError
	if !errors.As(err, &ie) || ie.Total != 2 || ie.Rows[0].Line != 3 || ie.Rows[0].Field != "id" || ie.Rows[1].Line != 4 || ie.Rows[1].Field != "url" {
		t.Fatalf("bad import: %v %+v", err, ie)
	}
	wantStatus(t, err, http.StatusBadRequest, "bad import")
	list, err := acme.Products(ctx, "acme", "", 0)
	must(t, err, "list")
	if len(list.Products) != 0 {
		t.Fatalf("products after a refused import: %d", len(list.Products))
	}
	_, err = bob.ImportProducts(ctx, "acme", "csv", catalogCSV)
	wantStatus(t, err, http.StatusForbidden, "an agent imports")
	_, err = eve.ImportProducts(ctx, "acme", "csv", catalogCSV)
	wantStatus(t, err, http.StatusNotFound, "a stranger imports")
	res, err := acme.ImportProducts(ctx, "acme", "csv", catalogCSV)
	if err != nil || res.Created != 5 {
		t.Fatalf("import: %+v %v", res, err)
	}
	_, err = eve.Product(ctx, "acme", "stove")
	wantStatus(t, err, http.StatusNotFound, "a stranger reads a product")
	_, err = eve.Products(ctx, "acme", "", 0)
	wantStatus(t, err, http.StatusNotFound, "a stranger lists the catalog")
	p, created, err := acme.PutProduct(ctx, "acme", "socks", client.ProductInput{Title: "Wool Socks", PriceMinor: 1500, Currency: "eur", URL: "https://shop.example/socks", Tags: []string{"Hiking"}})
	if err != nil || !created || p.Currency != "EUR" || p.Price != "15.00 EUR" || !p.InStock || p.Tags[0] != "hiking" {
		t.Fatalf("put socks: %+v %v", p, err)
	}
	_, _, err = acme.PutProduct(ctx, "acme", "x", client.ProductInput{Title: "X", PriceMinor: 1, Currency: "EUR", URL: "https://shop.example/x", ImageURL: "data:image/png;base64,AAAA"})
	wantStatus(t, err, http.StatusBadRequest, "a data: image URL")

	// The shop's site reports views with the brand's bot token.
	_, token, err := acme.CreateBotToken(ctx, "acme", "Shop")
	must(t, err, "bot token")
	site := e.client(e.url, client.WithToken(token))
	for _, h := range []string{"sam", "sue"} {
		for _, id := range []string{"tent-2", "stove"} {
			must(t, site.RecordView(ctx, "acme", h, id), "view")
		}
	}
	must(t, site.RecordView(ctx, "acme", "dan", "tent-2"), "dan's view")
	err = site.RecordView(ctx, "acme", "dan", "nope")
	wantStatus(t, err, http.StatusNotFound, "a view of an unknown product")

	// dan writes; bob sees suggestions; eve gets 404.
	conv := e.direct(dan, "acme")
	e.send(dan, conv.ID, "Anything for cooking at camp?")
	_, err = eve.Suggestions(ctx, "acme", conv.ID, 0)
	wantStatus(t, err, http.StatusNotFound, "a stranger's suggestions")
	sug, err := bob.Suggestions(ctx, "acme", conv.ID, 3)
	must(t, err, "suggestions")
	if len(sug.Suggestions) == 0 || sug.Suggestions[0].Product.ID != "stove" || sug.Suggestions[0].BecauseProductID != "tent-2" ||
		!strings.Contains(sug.Suggestions[0].Reason, "Trail Tent 2") {
		t.Fatalf("suggestions: %+v", sug)
	}
	for _, s := range sug.Suggestions {
		if s.Product.ID == "lamp" || s.Product.ID == "tent-2" {
			t.Errorf("suggested %s", s.Product.ID)
		}
	}

	// bob sends the top suggestion as a card; dan receives it live.
	stream, err := dan.Stream(ctx, "0")
	must(t, err, "stream")
	defer stream.Close()
	m, created, err := bob.SendProductCard(ctx, "acme", conv.ID, sug.Suggestions[0].Product.ID, "", "card-1")
	if err != nil || !created || m.Product == nil || m.Product.Title != "Camp Stove" || m.Product.Price != "45.00 EUR" || m.Text != "Camp Stove · 45.00 EUR" {
		t.Fatalf("card: %+v %v", m, err)
	}
	again, created, err := bob.SendProductCard(ctx, "acme", conv.ID, "stove", "", "card-1")
	if err != nil || created || again.ID != m.ID || again.Product == nil {
		t.Errorf("card retry: %+v %v %v", again, created, err)
	}
	streamUntil(t, stream, "the card", func(ev client.Event) bool {
		return ev.Type == "message.created" && ev.Message != nil && ev.Message.ID == m.ID && ev.Message.Product != nil && ev.Message.Product.URL != ""
	})
	msgs, err := allMessages(ctx, dan, conv.ID)
	must(t, err, "dan's messages")
	if msgs[0].Product == nil || msgs[0].Product.ProductID != "stove" || msgs[0].Product.ImageURL != "https://img.example/stove.png" {
		t.Errorf("dan's newest message: %+v", msgs[0])
	}
	_, _, err = bob.SendProductCard(ctx, "acme", conv.ID, "lamp", "", "")
	wantStatus(t, err, http.StatusConflict, "a card of a sold-out product")
	_, _, err = eve.SendProductCard(ctx, "acme", conv.ID, "stove", "", "")
	wantStatus(t, err, http.StatusNotFound, "a stranger sends a card")

	// dan opens the card's button: a tracked link to the product's page,
	// whose click becomes an interaction (a durable job after the redirect).
	sug, err = bob.Suggestions(ctx, "acme", conv.ID, 5)
	must(t, err, "suggestions after the card")
	before := sug.Model.Interactions
	if !strings.Contains(m.Product.URL, "/l/") {
		t.Errorf("the card's button is not a tracked link: %s", m.Product.URL)
	}
	dest, err := dan.FollowLink(ctx, m.Product.URL)
	if err != nil || dest != "https://shop.example/stove" {
		t.Fatalf("the card's link goes to %q, %v", dest, err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		sug, err = bob.Suggestions(ctx, "acme", conv.ID, 5)
		must(t, err, "suggestions after the click")
		if sug.Model.Interactions > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the click never became an interaction (model %+v)", sug.Model)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// dan buys the stove: attributed to the click; a repeat is the same order.
	o, created, err := site.RecordOrder(ctx, "acme", "A-1", "dan", "stove")
	if err != nil || !created || len(o.Items) != 1 || o.Items[0].AttributedTo != "click" {
		t.Fatalf("order: %+v %v", o, err)
	}
	o2, created, err := site.RecordOrder(ctx, "acme", "A-1", "dan", "mug")
	if err != nil || created || o2.Items[0].ProductID != "stove" {
		t.Errorf("order repeat: %+v %v %v", o2, created, err)
	}
	sug, err = bob.Suggestions(ctx, "acme", conv.ID, 5)
	must(t, err, "suggestions after the purchase")
	for _, s := range sug.Suggestions {
		if s.Product.ID == "stove" {
			t.Errorf("the bought stove is suggested again: %+v", sug.Suggestions)
		}
	}
	must(t, acme.DeleteProduct(ctx, "acme", "mug"), "delete mug")
	err = acme.DeleteProduct(ctx, "acme", "mug")
	wantStatus(t, err, http.StatusNotFound, "delete twice")
}

// TestCampaignTopPick: a campaign step with top_pick sends each follower
// their own top product pick as a card (through the consent gate, marked
// automated): a camper and a hiker get different products.
func TestCampaignTopPick(t *testing.T) {
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	// The real clock runs here: the brand's zone is one where it is 14:00
	// now, far from the quiet hours (from 21:00 UTC on, the followers'
	// messages were held for the morning).
	_, err := acme.PutBrandSettings(ctx, "acme", client.BrandSettings{TimeZone: afternoonZone()})
	must(t, err, "brand settings")
	_, err = acme.ImportProducts(ctx, "acme", "csv", catalogCSV)
	must(t, err, "import")
	// Others looked at tents with stoves, and boots with mugs.
	for _, h := range []string{"sam", "sue"} {
		e.user(h)
		must(t, acme.RecordView(ctx, "acme", h, "tent-2"), "view")
		must(t, acme.RecordView(ctx, "acme", h, "stove"), "view")
	}
	for _, h := range []string{"tom", "tia"} {
		e.user(h)
		must(t, acme.RecordView(ctx, "acme", h, "boots"), "view")
		must(t, acme.RecordView(ctx, "acme", h, "mug"), "view")
	}
	camper, hiker := e.user("dan"), e.user("erin")
	must(t, camper.Follow(ctx, "acme"), "follow")
	must(t, hiker.Follow(ctx, "acme"), "follow")
	must(t, acme.RecordView(ctx, "acme", "dan", "tent-2"), "view")
	must(t, acme.RecordView(ctx, "acme", "erin", "boots"), "view")
	steps := oneMessage("Picked for you, {{first_name|friend}}:")
	steps[0].TopPick = true
	c, err := acme.CreateCampaign(ctx, "acme", client.CampaignInput{Name: "Top picks", Audience: &client.Audience{Followers: true}, Steps: steps, RatePerMinute: 600})
	must(t, err, "create")
	if len(c.Steps) != 1 || !c.Steps[0].TopPick {
		t.Fatalf("campaign steps: %+v", c.Steps)
	}
	_, err = acme.CampaignAction(ctx, "acme", c.ID, "start")
	must(t, err, "start")
	waitCampaign(t, ctx, acme, "acme", c.ID, "the campaign to finish", func(c *client.Campaign) bool { return c.Status == "done" })
	for _, x := range []struct {
		who  *client.Client
		want string
	}{{camper, "stove"}, {hiker, "mug"}} {
		conv := e.direct(x.who, "acme")
		msgs, err := allMessages(ctx, x.who, conv.ID)
		must(t, err, "messages")
		if len(msgs) != 1 || !msgs[0].Automated || msgs[0].CampaignID != c.ID || msgs[0].Product == nil || msgs[0].Product.ProductID != x.want {
			t.Errorf("campaign message: %+v (card %+v), want a card of %s", msgs, msgs[0].Product, x.want)
		}
	}
}

// TestProductImportBrokenCSV: a CSV that stops being CSV (a quote left
// open, a stray quote) is a 400 naming its line, never a 500, and imports
// nothing. An open quote in a row's first field made the reader's position
// lookup panic.
func TestProductImportBrokenCSV(t *testing.T) {
	t.Parallel()
	e := start(t, limitsOff)
	ctx := e.ctx
	acme := e.brandAccount("acme", "Acme Outdoor")
	head := "id,title,price_minor,currency,url\n"
	for _, tc := range []struct {
		name, body string
		line       int
	}{
		{"an open quote in the first field", head + "\"tent,Tent,100,EUR,https://shop.example/t\n", 2},
		{"an open quote after a good row", head + "ok,Fine,100,EUR,https://shop.example/ok\n\"tent,Tent,100,EUR,https://shop.example/t\n", 3},
		{"a stray quote in the first field", head + "te\"nt,Tent,100,EUR,https://shop.example/t\n", 2},
		{"an open quote in a later field", head + "tent,\"Tent,100,EUR,https://shop.example/t\n", 2},
	} {
		_, err := acme.ImportProducts(ctx, "acme", "csv", tc.body)
		wantStatus(t, err, http.StatusBadRequest, tc.name)
		var ie *client.ImportError
		if errors.As(err, &ie) && (ie.Total != 1 || ie.Rows[0].Line != tc.line) {
			t.Errorf("%s: want one bad row at line %d, got %+v", tc.name, tc.line, ie)
		}
	}
	list, err := acme.Products(ctx, "acme", "", 0)
	must(t, err, "list")
	if len(list.Products) != 0 {
		t.Errorf("products after refused imports: %d", len(list.Products))
	}
}
