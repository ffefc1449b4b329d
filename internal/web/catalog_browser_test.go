package web_test

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserProductSuggestions: beside the console chat an agent sees
// "Suggested products" with their reasons, and sends one as a card in one
// click; the card shows in the thread and in the customer's chat (image
// placeholder, title, price, a button that opens the product's page),
// with the catalog's text shown as text. At desktop and phone width.
func TestBrowserProductSuggestions(t *testing.T) {
	w := newWorld(t)
	acme := w.brandAccount("acme", "Acme Outdoor")
	bob := w.account("bob", "Bob Okafor")
	acme.api("POST", "/api/v1/brands/acme/team", map[string]any{"handle": "bob", "role": "agent"}, nil)
	products := []map[string]any{
		{"id": "tent-2", "title": "Trail Tent 2", "price_minor": 19900, "currency": "EUR", "url": "https://shop.example/tent-2", "tags": []string{"camping"}},
		{"id": "stove", "title": "Camp Stove <img src=x onerror=alert(1)>", "price_minor": 4500, "currency": "EUR", "url": "https://shop.example/stove", "tags": []string{"camping"}},
		{"id": "mug", "title": "Enamel Mug", "price_minor": 1200, "currency": "EUR", "url": "https://shop.example/mug", "tags": []string{"camping"}},
	}
	for _, p := range products {
		id := p["id"].(string)
		delete(p, "id")
		acme.api("PUT", "/api/v1/brands/acme/products/"+id, p, nil)
	}
	for _, h := range []string{"sam", "sue"} {
		w.account(h, h)
		acme.api("POST", "/api/v1/brands/acme/product-views", map[string]any{"views": []map[string]string{{"customer": h, "product_id": "tent-2"}, {"customer": h, "product_id": "stove"}}}, nil)
	}
	bob.login()
	for i, size := range widths {
		customer := []struct{ handle, name string }{{"dan", "Dan Rossi"}, {"erin", "Erin Hunter"}}[i]
		c := w.account(customer.handle, customer.name)
		conv := c.openConversation("", "acme")
		c.send(conv.ID, "What goes with my tent?")
		acme.api("POST", "/api/v1/brands/acme/product-views", map[string]any{"views": []map[string]string{{"customer": customer.handle, "product_id": "tent-2"}}}, nil)

		bob.viewport(size.width, size.height)
		bob.do("open the conversation at "+size.name+" width", chromedp.Navigate(w.base+"/brands/acme/c/"+conv.ID))
		bob.waitText("#inbox-thread li.msg.theirs .text", "What goes with my tent?")
		if size.name == "phone" {
			bob.waitFor("suggestions start folded on a phone", `() => document.getElementById('suggestion-panel')?.open === false`)
			bob.click("#suggestion-panel summary", "Suggested products")
		}
		bob.waitText(`#suggestions [data-product="stove"] .suggestion-title`, "Camp Stove <img src=x onerror=alert(1)>")
		bob.waitText(`#suggestions [data-product="stove"] .suggestion-reason`, "because you looked at Trail Tent 2")
		bob.waitText(`#suggestions [data-product="stove"] .suggestion-price`, "45.00 EUR")
		bob.axe("console chat with suggestions at " + size.name + " width")
		// Pressed from the keyboard, Send keeps the focus in the panel once
		// the suggestions are drawn again (it fell to the page).
		bob.do("press Send", chromedp.Focus(chromedp.CSS(`#suggestions [data-send="stove"]`)), chromedp.Evaluate[chromedp.Void](`document.activeElement.click()`))
		bob.waitText("#inbox-thread li.msg.mine .product-card .product-title", "Camp Stove <img src=x onerror=alert(1)>")
		bob.waitFor("the focus in the panel", `() => document.getElementById('suggestion-panel').contains(document.activeElement) &&
			(document.activeElement.matches('[data-send]') || document.activeElement.id === 'suggestions-refresh')`)
		bob.waitFor("no markup from the catalog", `() => !document.querySelector('#inbox-thread img[src="x"]') && !document.querySelector('#suggestions img[src="x"]')`)
		bob.shotIf("60-console-suggestions-" + size.name)

		c.login()
		c.viewport(size.width, size.height)
		c.click("#conversation-list a", "Acme Outdoor")
		c.waitText("#message-list li.msg .product-card .product-title", "Camp Stove")
		c.waitText("#message-list li.msg .product-card .product-price", "45.00 EUR")
		// The button opens the product's page through this server's tracked
		// link (the click counts for the recommender), in a new tab.
		c.waitFor("the button opens the product's page", `() => {
			const a = document.querySelector('#message-list .product-card a.product-open');
			return a && a.href.startsWith(location.origin + '/l/') && a.rel.includes('noopener') && a.target === '_blank';
		}`)
		href, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.querySelector('#message-list .product-card a.product-open').href`))
		if err != nil {
			t.Fatal(err)
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := noFollow.Head(href)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Location"); res.StatusCode != http.StatusFound || got != "https://shop.example/stove" {
			t.Errorf("the card's link answers %d to %q, want 302 to the product's page", res.StatusCode, got)
		}
		c.axe("customer's chat with a product card at " + size.name + " width")
		c.shotIf("61-chat-product-card-" + size.name)
	}
}
