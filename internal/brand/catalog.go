package brand

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/recs"
)

// Product recommendations (issue 12, docs/recommendations.md): a brand's
// catalog, the interactions its customers have with the products (views
// from the brand's site, clicks on product links in DMs, product cards sent
// in a conversation, purchases from the conversion API), and the
// recommender of internal/recs fed from them.
//
// The recommender runs in memory, one model per brand, brought up to date
// on demand: every request for suggestions first applies the catalog
// changes and the interactions committed since the model's version (the
// store numbers a brand's interactions in commit order), so a purchase is
// never suggested back once its conversion call returned.

// Limits of the catalog's calls.
const (
	maxViewsPerCall  = 100
	maxOrderItems    = 100
	maxSuggestions   = 20
	attributionSpan  = 30 * 24 * time.Hour
	productsPageRead = 5000
	interactionsPage = 20000
	// maxModels bounds the brands whose model a node keeps in memory; the
	// least recently used one is dropped (and rebuilt when asked again).
	maxModels = 64
	// syncBuildMax is the largest backlog of interactions a model is built
	// from on a request (about a second of CPU); a larger one is built in
	// the background while the brand is served what is popular.
	syncBuildMax = 50_000
	// topWarm is how many popular items a build in progress publishes.
	topWarm = 100
)

// catalogAccess is access for the catalog: the team reads it, owners and
// admins write it (a bot token is the brand account: an owner).
func (s *Service) catalogAccess(ctx context.Context, tx dm.Tx, me *dm.Account, handle string, write bool) (*access, error) {
	if write {
		return s.manage(ctx, tx, me, handle)
	}
	return s.access(ctx, tx, me, handle)
}

// PutProduct creates or replaces one product (owners and admins). created
// tells whether the id was new.
func (s *Service) PutProduct(ctx context.Context, me *dm.Account, handle string, p dm.Product) (*dm.Product, bool, error) {
	if err := dm.ValidateProduct(&p); err != nil {
		return nil, false, err
	}
	var out *dm.Product
	created := false
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.catalogAccess(ctx, tx, me, handle, true)
		if err != nil {
			return err
		}
		_, err = tx.Product(ctx, a.brand.ID, p.ID)
		switch {
		case dm.IsCode(err, dm.ENOTFOUND):
			created = true
			n, err := tx.CountProducts(ctx, a.brand.ID)
			if err != nil {
				return err
			}
			if n >= dm.MaxCatalogItems {
				return dm.Errorf(dm.ECONFLICT, "The catalog has %d products, the limit.", dm.MaxCatalogItems)
			}
		case err != nil:
			return err
		}
		if err := tx.PutProducts(ctx, a.brand.ID, []dm.Product{p}, s.now()); err != nil {
			return err
		}
		out, err = tx.Product(ctx, a.brand.ID, p.ID)
		return err
	})
	return out, created, err
}

// Product returns one product of a brand (its team).
func (s *Service) Product(ctx context.Context, me *dm.Account, handle, id string) (*dm.Product, error) {
	var out *dm.Product
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.catalogAccess(ctx, tx, me, handle, false)
		if err != nil {
			return err
		}
		out, err = brandProduct(ctx, tx, a.brand.ID, id)
		return err
	})
	return out, err
}

func brandProduct(ctx context.Context, tx dm.Tx, brandID, id string) (*dm.Product, error) {
	p, err := tx.Product(ctx, brandID, id)
	if dm.IsCode(err, dm.ENOTFOUND) {
		return nil, dm.Errorf(dm.ENOTFOUND, "No product %q in the catalog.", dm.Truncate(id, 64))
	}
	return p, err
}

// Products lists a brand's catalog by id (its team); next is the cursor of
// the following page ("" at the end).
func (s *Service) Products(ctx context.Context, me *dm.Account, handle, after string, limit int) ([]dm.Product, string, error) {
	var out []dm.Product
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.catalogAccess(ctx, tx, me, handle, false)
		if err != nil {
			return err
		}
		out, err = tx.Products(ctx, a.brand.ID, after, limit+1)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	if out == nil {
		out = []dm.Product{}
	}
	return out, next, nil
}

// DeleteProduct removes a product (owners and admins). Cards already sent
// keep their copy; the recommender stops suggesting it.
func (s *Service) DeleteProduct(ctx context.Context, me *dm.Account, handle, id string) error {
	return s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.catalogAccess(ctx, tx, me, handle, true)
		if err != nil {
			return err
		}
		err = tx.DeleteProduct(ctx, a.brand.ID, id, s.now())
		if dm.IsCode(err, dm.ENOTFOUND) {
			return dm.Errorf(dm.ENOTFOUND, "No product %q in the catalog.", dm.Truncate(id, 64))
		}
		return err
	})
}

// View is a product view reported by the brand's site or bot.
type View struct {
	Customer  string // handle
	ProductID string
}

// RecordViews stores product views (the team or the brand's bot token).
// Every view names an existing customer and product, or none is stored.
func (s *Service) RecordViews(ctx context.Context, me *dm.Account, handle string, views []View) (int, error) {
	if len(views) == 0 || len(views) > maxViewsPerCall {
		return 0, dm.Errorf(dm.EINVALID, "views: 1 to %d.", maxViewsPerCall)
	}
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.catalogAccess(ctx, tx, me, handle, false)
		if err != nil {
			return err
		}
		now := s.now()
		ins := make([]dm.Interaction, 0, len(views))
		for i, v := range views {
			cust, err := customerByHandle(ctx, tx, v.Customer)
			if err != nil {
				return fieldErr(err, "views[%d].customer", i)
			}
			if v.ProductID == "" {
				// Missing, not unknown: a 400 like a missing customer's.
				return fieldErr(dm.Errorf(dm.EINVALID, "a product id is required."), "views[%d].product_id", i)
			}
			if _, err := brandProduct(ctx, tx, a.brand.ID, v.ProductID); err != nil {
				return fieldErr(err, "views[%d].product_id", i)
			}
			ins = append(ins, dm.Interaction{CustomerID: cust.ID, ProductID: v.ProductID, Kind: dm.InteractionView, At: now})
		}
		return tx.AddInteractions(ctx, a.brand.ID, ins)
	})
	if err != nil {
		return 0, err
	}
	return len(views), nil
}

// customerByHandle finds a person by handle (brands are no customers).
func customerByHandle(ctx context.Context, tx dm.Tx, handle string) (*dm.Account, error) {
	h := dm.NormalizeHandle(handle)
	if h == "" {
		return nil, dm.Errorf(dm.EINVALID, "a handle is required.")
	}
	acc, err := tx.AccountByHandle(ctx, h)
	if dm.IsCode(err, dm.ENOTFOUND) || (err == nil && acc.Kind == dm.KindBrand) {
		return nil, dm.Errorf(dm.ENOTFOUND, "No person @%s.", dm.Truncate(h, 40))
	}
	return acc, err
}

// Order is a conversion: a customer bought products.
type Order struct {
	OrderID  string
	Customer *dm.Account
	// Items are the purchases, each with what it is attributed to.
	Items []dm.Interaction
	At    time.Time
}

// RecordOrder stores a conversion (the team or the brand's bot token):
// one purchase per product, each attributed to the customer's last click
// on that product's link or card sent to them within 30 days. It is
// idempotent on the order id: a repeat returns the order first recorded
// (created false) and stores nothing.
func (s *Service) RecordOrder(ctx context.Context, me *dm.Account, handle, orderID, customer string, productIDs []string) (*Order, bool, error) {
	if orderID == "" || len(orderID) > dm.MaxOrderIDBytes {
		return nil, false, dm.Errorf(dm.EINVALID, "order_id: 1 to %d bytes.", dm.MaxOrderIDBytes)
	}
	if err := dm.ValidatePayload(orderID); err != nil {
		return nil, false, dm.Errorf(dm.EINVALID, "order_id: %s", dm.ErrorMessage(err))
	}
	if len(productIDs) == 0 || len(productIDs) > maxOrderItems {
		return nil, false, dm.Errorf(dm.EINVALID, "items: 1 to %d products.", maxOrderItems)
	}
	var out *Order
	created := false
	err := s.store.Update(ctx, func(tx dm.Tx) error {
		a, err := s.catalogAccess(ctx, tx, me, handle, false)
		if err != nil {
			return err
		}
		custID, ins, err := tx.OrderInteractions(ctx, a.brand.ID, orderID)
		if err == nil {
			cust, err := tx.Account(ctx, custID)
			if err != nil {
				return err
			}
			out = &Order{OrderID: orderID, Customer: cust, Items: ins}
			if len(ins) > 0 {
				out.At = ins[0].At
			}
			return nil
		}
		if !dm.IsCode(err, dm.ENOTFOUND) {
			return err
		}
		cust, err := customerByHandle(ctx, tx, customer)
		if err != nil {
			return fieldErr(err, "customer")
		}
		now := s.now()
		seen := map[string]bool{}
		ins = ins[:0]
		for i, id := range productIDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, err := brandProduct(ctx, tx, a.brand.ID, id); err != nil {
				return fieldErr(err, "items[%d].product_id", i)
			}
			in := dm.Interaction{CustomerID: cust.ID, ProductID: id, Kind: dm.InteractionPurchase, At: now, OrderID: orderID}
			touch, err := tx.LastTouch(ctx, a.brand.ID, cust.ID, id, now.Add(-attributionSpan))
			switch {
			case err == nil:
				in.Via, in.ViaMessageID = touch.Kind, touch.MessageID
			case !dm.IsCode(err, dm.ENOTFOUND):
				return err
			}
			ins = append(ins, in)
		}
		if err := tx.PutOrder(ctx, a.brand.ID, orderID, cust.ID, now); err != nil {
			return err
		}
		if err := tx.AddInteractions(ctx, a.brand.ID, ins); err != nil {
			return err
		}
		created = true
		out = &Order{OrderID: orderID, Customer: cust, Items: ins, At: now}
		return nil
	})
	return out, created, err
}

// Suggestion is a product suggested for a customer, with why.
type Suggestion struct {
	Product *dm.Product
	Reason  string
	// Because is the product of the customer's history behind it ("" for
	// a popularity pick).
	Because string
}

// ModelVersion is what a model has applied: the catalog version and the
// newest interaction seq.
type ModelVersion struct {
	Catalog      int64
	Interactions int64
}

// Suggest returns up to k products for the customer of a brand
// conversation (the team only).
func (s *Service) Suggest(ctx context.Context, me *dm.Account, handle, convID string, k int) ([]Suggestion, ModelVersion, error) {
	if k <= 0 {
		k = 5
	}
	k = min(k, maxSuggestions)
	var brandID, customerID string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		brandID, customerID = a.brand.ID, it.CustomerID
		return nil
	})
	if err != nil {
		return nil, ModelVersion{}, err
	}
	return s.suggestFor(ctx, brandID, customerID, k)
}

// suggestFor is Suggest once access is checked (campaigns and the bot call
// it too). While the brand's model is being built (in the background, see
// WarmRecs), it answers with what is popular so far.
func (s *Service) suggestFor(ctx context.Context, brandID, customerID string, k int) ([]Suggestion, ModelVersion, error) {
	br := s.recs.get(brandID)
	br.mu.Lock()
	if br.st.model == nil && !br.building {
		// A small brand's model is built on the request (well under a
		// second); a large one in the background.
		var cs dm.CatalogState
		if err := s.store.View(ctx, func(tx dm.Tx) (err error) {
			cs, err = tx.CatalogState(ctx, brandID)
			return err
		}); err != nil {
			br.mu.Unlock()
			return nil, ModelVersion{}, err
		}
		if cs.InteractionSeq > s.recs.syncMax() {
			s.startBuild(brandID, br)
		} else {
			br.st.model = recs.New(recs.Options{})
		}
	}
	if br.st.model == nil {
		top, ver := br.warm, br.warmVer
		br.mu.Unlock()
		return s.popularFor(ctx, brandID, customerID, k, top, ver)
	}
	if err := s.refreshBrand(ctx, brandID, &br.st, nil); err != nil {
		br.mu.Unlock()
		return nil, ModelVersion{}, err
	}
	// A few more than asked: the catalog is read again below, and a
	// product changed since the model's version is dropped, not shown.
	picks := br.st.model.Recommend(customerID, k+5)
	ver := ModelVersion{Catalog: br.st.version, Interactions: br.st.seq}
	br.mu.Unlock()
	return s.pickProducts(ctx, brandID, picks, k, ver)
}

// pickProducts reads the picks' products again and keeps the first k still
// in stock.
func (s *Service) pickProducts(ctx context.Context, brandID string, picks []recs.Pick, k int, ver ModelVersion) ([]Suggestion, ModelVersion, error) {
	ids := make([]string, len(picks))
	for i, p := range picks {
		ids[i] = p.Item
	}
	var ps map[string]*dm.Product
	if err := s.store.View(ctx, func(tx dm.Tx) (err error) {
		ps, err = tx.ProductsByID(ctx, brandID, ids)
		return err
	}); err != nil {
		return nil, ver, err
	}
	out := make([]Suggestion, 0, k)
	for _, p := range picks {
		if len(out) == k {
			break
		}
		if pr := ps[p.Item]; pr != nil && pr.InStock {
			out = append(out, Suggestion{Product: pr, Reason: p.Reason, Because: p.Because})
		}
	}
	return out, ver, nil
}

// popularFor answers while the model is being built: the most popular
// items of what the build has applied so far (top), less what the
// customer bought or touched lately (read from the store), "popular now".
func (s *Service) popularFor(ctx context.Context, brandID, customerID string, k int, top []string, ver ModelVersion) ([]Suggestion, ModelVersion, error) {
	var mine []dm.Interaction
	if err := s.store.View(ctx, func(tx dm.Tx) (err error) {
		mine, err = tx.CustomerInteractions(ctx, brandID, customerID, 200)
		return err
	}); err != nil {
		return nil, ver, err
	}
	known := map[string]bool{}
	for _, in := range mine {
		known[in.ProductID] = true
	}
	picks := make([]recs.Pick, 0, k+5)
	for _, id := range top {
		if len(picks) == k+5 {
			break
		}
		if !known[id] {
			picks = append(picks, recs.Pick{Item: id, Reason: "popular now"})
		}
	}
	return s.pickProducts(ctx, brandID, picks, k, ver)
}

// recsCache holds the brands' models on this node.
type recsCache struct {
	mu     sync.Mutex
	brands map[string]*brandRecs
	// ctx bounds background builds (WarmRecs sets it; Background before).
	ctx context.Context
	// Tests set these: the largest backlog built on a request (0: the
	// default), the page size of a build (0: interactionsPage), and a
	// hook called after each page of a background build.
	syncBuild int64
	page      int
	onPage    func(brandID string, seq int64)
}

func (c *recsCache) syncMax() int64 {
	if c.syncBuild > 0 {
		return c.syncBuild
	}
	return syncBuildMax
}

// modelState is a model and what it has applied.
type modelState struct {
	model   *recs.Model
	version int64  // catalog version applied ...
	afterID string // ... up to this product id within it
	seq     int64  // interactions applied
}

// brandRecs is one brand's model; mu guards all of it (a recs.Model is not
// safe for concurrent use). st.model is nil until the model is built; while
// a background build runs, warm is the most popular items of what it has
// applied so far, and warmVer how far it is.
type brandRecs struct {
	mu       sync.Mutex
	st       modelState
	building bool
	built    chan struct{} // closed when the build ends
	warm     []string
	warmVer  ModelVersion
	used     time.Time
}

func (c *recsCache) get(brandID string) *brandRecs {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.brands == nil {
		c.brands = map[string]*brandRecs{}
	}
	br := c.brands[brandID]
	if br == nil {
		if len(c.brands) >= maxModels {
			var oldest string
			var at time.Time
			for id, b := range c.brands {
				if oldest == "" || b.used.Before(at) {
					oldest, at = id, b.used
				}
			}
			delete(c.brands, oldest)
		}
		br = &brandRecs{}
		c.brands[brandID] = br
	}
	br.used = time.Now()
	return br
}

// WarmRecs builds, one after the other in the background of a starting
// node, the models of the brands with the most interactions (as many as a
// node keeps), so that the first agent to open a conversation does not
// wait for a build: until its brand's model is ready, suggestions are what
// is popular. It returns when the builds are done or ctx ends; the server
// runs it in a goroutine at start.
func (s *Service) WarmRecs(ctx context.Context) {
	s.recs.mu.Lock()
	s.recs.ctx = ctx
	s.recs.mu.Unlock()
	var ids []string
	if err := s.store.View(ctx, func(tx dm.Tx) (err error) {
		ids, err = tx.BusiestCatalogs(ctx, maxModels)
		return err
	}); err != nil {
		s.log.Warn("recommender warm-up: listing the catalogs failed", "err", err)
		return
	}
	for _, id := range ids {
		br := s.recs.get(id)
		br.mu.Lock()
		if br.st.model == nil && !br.building {
			s.startBuild(id, br)
		}
		done := br.built
		br.mu.Unlock()
		if done == nil {
			continue
		}
		select {
		case <-done:
		case <-ctx.Done():
			return
		}
	}
}

// startBuild builds br's model in a goroutine, outside br.mu, publishing
// what is popular after each page; br.mu is held.
func (s *Service) startBuild(brandID string, br *brandRecs) {
	br.building, br.built = true, make(chan struct{})
	done := br.built
	s.recs.mu.Lock()
	ctx := s.recs.ctx
	s.recs.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	go func() {
		defer close(done)
		start := time.Now()
		st := modelState{model: recs.New(recs.Options{})}
		err := s.refreshBrand(ctx, brandID, &st, func() {
			top := st.model.TopItems(topWarm)
			br.mu.Lock()
			br.warm, br.warmVer = top, ModelVersion{Catalog: st.version, Interactions: st.seq}
			br.mu.Unlock()
			if s.recs.onPage != nil {
				s.recs.onPage(brandID, st.seq)
			}
		})
		br.mu.Lock()
		if err == nil {
			br.st = st
		}
		br.building, br.warm = false, nil
		br.mu.Unlock()
		if err != nil {
			s.log.Warn("recommender: building a model failed", "brand", brandID, "err", err)
			return
		}
		s.log.Info("recommender model built", "brand", brandID, "interactions", st.seq, "took", time.Since(start).Round(time.Millisecond))
	}()
}

// refreshBrand applies to st what the store has beyond its version:
// catalog changes first (so that new interactions meet their products' tags
// and stock), then interactions in seq order, page by page, calling
// onPage (if not nil) after each page. The caller owns st (br.mu held, or a
// model being built that nobody else sees).
func (s *Service) refreshBrand(ctx context.Context, brandID string, st *modelState, onPage func()) error {
	for {
		var ps []dm.Product
		if err := s.store.View(ctx, func(tx dm.Tx) (err error) {
			ps, err = tx.ProductsChanged(ctx, brandID, st.version, st.afterID, productsPageRead)
			return err
		}); err != nil {
			return err
		}
		if len(ps) == 0 {
			break
		}
		items := make([]recs.Item, len(ps))
		for i, p := range ps {
			items[i] = recs.Item{ID: p.ID, Title: p.Title, Tags: p.Tags, InStock: p.InStock && !p.Deleted}
		}
		st.model.SetCatalog(items)
		last := ps[len(ps)-1]
		st.version, st.afterID = last.Version, last.ID
	}
	page := interactionsPage
	if s.recs.page > 0 {
		page = s.recs.page
	}
	applied := false
	for {
		var ins []dm.Interaction
		if err := s.store.View(ctx, func(tx dm.Tx) (err error) {
			ins, err = tx.Interactions(ctx, brandID, st.seq, page)
			return err
		}); err != nil {
			return err
		}
		if len(ins) == 0 {
			if applied {
				// Stale neighbour lists are ranked now, in the
				// update's time, not on the next requests'.
				st.model.Refresh()
			}
			return nil
		}
		applied = true
		batch := make([]recs.Interaction, len(ins))
		for i, in := range ins {
			batch[i] = recs.Interaction{Customer: in.CustomerID, Item: in.ProductID, Kind: recs.Kind(in.Kind), At: in.At}
		}
		st.model.Add(batch)
		st.seq = ins[len(ins)-1].Seq
		if onPage != nil {
			onPage()
		}
	}
}

// cardFor is the card of product p sent to customerID: a copy of the
// product with the URL its button opens.
func (s *Service) cardFor(ctx context.Context, brandID string, p *dm.Product, spec LinkSpec) (*dm.ProductCard, error) {
	u, err := s.productLink(ctx, brandID, p, spec)
	if err != nil {
		return nil, err
	}
	return &dm.ProductCard{ProductID: p.ID, Title: p.Title, PriceMinor: p.PriceMinor, Currency: p.Currency, ImageURL: p.ImageURL, URL: u}, nil
}

// cardText is the text of a card's message, for clients that show no
// cards (and the notification): the title and the price.
func cardText(c *dm.ProductCard) string {
	return c.Title + " · " + dm.FormatPrice(c.PriceMinor, c.Currency)
}

// ProductReply is an agent's product card for a conversation.
type ProductReply struct {
	ProductID string
	// Text goes with the card ("" sends the title and price).
	Text     string
	ClientID string
}

// SendProduct sends a product of the catalog as a card in a brand
// conversation, written by the caller (the team): a person's message, not
// automated. The product must be in stock.
func (s *Service) SendProduct(ctx context.Context, me *dm.Account, handle, convID string, r ProductReply) (*TeamMessage, bool, error) {
	if err := dm.ValidateClientID(r.ClientID); err != nil {
		return nil, false, err
	}
	if r.Text != "" {
		if err := dm.ValidateText(r.Text); err != nil {
			return nil, false, err
		}
	}
	var b, agent *dm.Account
	var p *dm.Product
	var customerID, agentName string
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		b, agent, customerID = a.brand, a.agent(), it.CustomerID
		if p, err = brandProduct(ctx, tx, b.ID, r.ProductID); err != nil {
			return err
		}
		if !p.InStock {
			return dm.Errorf(dm.ECONFLICT, "Product %q is out of stock.", p.ID)
		}
		set, err := loadSettings(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		if set.ShowAgentName && agent != nil {
			agentName = firstName(agent.DisplayName)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	card, err := s.cardFor(ctx, b.ID, p, LinkSpec{RecipientID: customerID})
	if err != nil {
		return nil, false, err
	}
	text := r.Text
	if text == "" {
		text = cardText(card)
	}
	clientID := r.ClientID
	if agent != nil && clientID != "" {
		clientID = agentClientID(agent, clientID)
	}
	msg, created, err := s.chat.Send(ctx, b, convID, chat.SendParams{Text: text, ClientID: clientID, Agent: agent, AgentName: agentName, Product: card})
	if err != nil {
		return nil, false, err
	}
	out := &TeamMessage{Message: *msg}
	if agent != nil {
		out.Author = ptr(agent.Profile())
	}
	return out, created, nil
}

// productSent stores the card a brand message carries and counts it as a
// mention of the product to the customer, inside the send's transaction.
func (s *Step) productSent(ctx context.Context, tx dm.Tx, b *dm.Account, it *dm.InboxItem, sent *chat.Sent) error {
	c := sent.Params.Product
	if err := tx.PutProductCard(ctx, sent.Message.ID, b.ID, c); err != nil {
		return err
	}
	return tx.AddInteractions(ctx, b.ID, []dm.Interaction{{CustomerID: it.CustomerID, ProductID: c.ProductID,
		Kind: dm.InteractionMention, At: sent.Message.CreatedAt, MessageID: sent.Message.ID}})
}

// decorateProducts sets the product cards of a brand's messages read back
// from the store.
func decorateProducts(ctx context.Context, tx dm.Tx, msgs []dm.Message, byID map[string]*dm.BrandMessage) error {
	var ids []string
	for i := range msgs {
		if r := byID[msgs[i].ID]; r != nil && r.Direction == dm.DirectionOut && msgs[i].Product == nil {
			ids = append(ids, msgs[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	cards, err := tx.ProductCards(ctx, ids)
	if err != nil || len(cards) == 0 {
		return err
	}
	for i := range msgs {
		if c, ok := cards[msgs[i].ID]; ok && !msgs[i].Deleted {
			msgs[i].Product = c
		}
	}
	return nil
}

// CustomerHistory is a customer's newest interactions with a brand (the
// team), newest first, for the console's panel.
func (s *Service) CustomerHistory(ctx context.Context, me *dm.Account, handle, convID string, limit int) ([]dm.Interaction, error) {
	var out []dm.Interaction
	err := s.store.View(ctx, func(tx dm.Tx) error {
		a, it, err := s.accessItem(ctx, tx, me, handle, convID)
		if err != nil {
			return err
		}
		out, err = tx.CustomerInteractions(ctx, a.brand.ID, it.CustomerID, limit)
		return err
	})
	return out, err
}

// fieldErr prefixes a caller's mistake (not found, invalid) with the
// field it is about; other errors pass unchanged.
func fieldErr(err error, field string, args ...any) error {
	switch dm.ErrorCode(err) {
	case dm.ENOTFOUND, dm.EINVALID:
		return dm.Errorf(dm.ErrorCode(err), "%s: %s", fmt.Sprintf(field, args...), dm.ErrorMessage(err))
	}
	return err
}

// topPickCard is the card of the top pick for the customer of a brand
// conversation, or nil when the recommender has none (an empty catalog).
func (s *Service) topPickCard(ctx context.Context, brandID, convID string) (*dm.ProductCard, error) {
	var customerID string
	if err := s.store.View(ctx, func(tx dm.Tx) error {
		it, err := itemFor(ctx, tx, brandID, convID)
		if err == nil {
			customerID = it.CustomerID
		}
		return err
	}); err != nil {
		return nil, err
	}
	return s.topPickFor(ctx, brandID, LinkSpec{RecipientID: customerID})
}

// topPickFor is the card of spec.RecipientID's top pick, or nil; spec is
// the attribution of its link.
func (s *Service) topPickFor(ctx context.Context, brandID string, spec LinkSpec) (*dm.ProductCard, error) {
	picks, _, err := s.suggestFor(ctx, brandID, spec.RecipientID, 1)
	if err != nil || len(picks) == 0 {
		return nil, err
	}
	return s.cardFor(ctx, brandID, picks[0].Product, spec)
}
