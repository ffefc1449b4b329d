package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/brand"
	"github.com/parleyhq/parley/internal/dm"
	"github.com/parleyhq/parley/internal/towire"
	"github.com/parleyhq/parley/wire"
)

// Product catalogs and recommendations (internal/brand/catalog.go,
// docs/recommendations.md).

// maxImportBody caps a catalog import's body (16 MiB: 50,000 products of
// about 300 bytes).
const maxImportBody = 16 << 20

// isImportPath tells the one catalog route whose body may exceed maxBody.
func isImportPath(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/api/v1/brands/") && strings.HasSuffix(r.URL.Path, "/products/import")
}

func (a *API) listProducts(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	cursor, n, err := page(r, "cursor")
	if err != nil {
		a.error(w, r, err)
		return
	}
	ps, next, err := a.brand.Products(r.Context(), au.Account, h, cursor, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := wire.ProductList{Products: make([]wire.Product, len(ps)), NextCursor: next}
	for i := range ps {
		out.Products[i] = towire.Product(&ps[i])
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) getProduct(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "product")
	if err != nil {
		a.error(w, r, err)
		return
	}
	p, err := a.brand.Product(r.Context(), au.Account, h, id)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"product": towire.Product(p)})
}

func (a *API) putProduct(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "product")
	if err != nil {
		a.error(w, r, err)
		return
	}
	var in wire.ProductInput
	// A product without a price would be on sale for 0.
	if err := decodeRequired(r, &in, "title", "price_minor", "currency", "url"); err != nil {
		a.error(w, r, err)
		return
	}
	p := dm.Product{ID: id, Title: in.Title, PriceMinor: in.PriceMinor, Currency: in.Currency, ImageURL: in.ImageURL, URL: in.URL, Tags: in.Tags, InStock: in.InStock == nil || *in.InStock}
	out, created, err := a.brand.PutProduct(r.Context(), au.Account, h, p)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeMaybeCreated(w, created, "product", towire.Product(out))
}

func (a *API) deleteProduct(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	id, err := pathValue(r, "product")
	if err != nil {
		a.error(w, r, err)
		return
	}
	if err := a.brand.DeleteProduct(r.Context(), au.Account, h, id); err != nil {
		a.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// importBody turns the body limit's error into the 413 of an import.
type importBody struct{ r io.Reader }

func (b importBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return n, dm.Errorf(dm.ETOOLARGE, "An import is at most %d bytes.", maxImportBody)
	}
	return n, err
}

// importProducts takes a catalog file as the raw body: CSV (text/csv) or
// JSON (application/json), or as ?format= says.
func (a *API) importProducts(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	format, err := param(r, "format")
	if err != nil {
		a.error(w, r, err)
		return
	}
	if format == "" {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch mt {
		case "text/csv":
			format = brand.ImportCSV
		case "application/json":
			format = brand.ImportJSON
		}
	}
	res, err := a.brand.ImportProducts(r.Context(), au.Account, h, format, importBody{r.Body})
	var ie *brand.ImportErrors
	if errors.As(err, &ie) {
		rows := make([]wire.ImportRowError, len(ie.Rows))
		for i, e := range ie.Rows {
			rows[i] = wire.ImportRowError{Line: e.Line, Field: e.Field, Message: e.Message}
		}
		writeJSON(w, http.StatusBadRequest, map[string]any{
			"error": map[string]string{"code": dm.EINVALID, "message": ie.Error()},
			"rows":  rows, "total": ie.Total,
		})
		return
	}
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.ImportResult{Rows: res.Rows, Created: res.Created, Updated: res.Updated})
}

func (a *API) recordViews(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		Views []struct {
			Customer  string `json:"customer"`
			ProductID string `json:"product_id"`
		} `json:"views"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	vs := make([]brand.View, len(in.Views))
	for i, v := range in.Views {
		vs[i] = brand.View{Customer: v.Customer, ProductID: v.ProductID}
	}
	n, err := a.brand.RecordViews(r.Context(), au.Account, h, vs)
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"recorded": n})
}

func (a *API) recordOrder(w http.ResponseWriter, r *http.Request, au *Auth, h string) {
	var in struct {
		OrderID  string   `json:"order_id"`
		Customer string   `json:"customer"`
		Items    []string `json:"items"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	o, created, err := a.brand.RecordOrder(r.Context(), au.Account, h, in.OrderID, in.Customer, in.Items)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := wire.Order{OrderID: o.OrderID, Customer: towire.Profile(o.Customer.Profile()), Items: make([]wire.Purchase, len(o.Items)), CreatedAt: o.At}
	for i, it := range o.Items {
		out.Items[i] = wire.Purchase{ProductID: it.ProductID, AttributedTo: it.Via, MessageID: it.ViaMessageID}
	}
	writeMaybeCreated(w, created, "order", out)
}

func (a *API) suggestions(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	n := 5
	if r.URL.Query().Get("limit") != "" {
		var err error
		if n, err = limit(r); err != nil {
			a.error(w, r, err)
			return
		}
	}
	ss, ver, err := a.brand.Suggest(r.Context(), au.Account, h, id, n)
	if err != nil {
		a.error(w, r, err)
		return
	}
	out := wire.SuggestionList{Suggestions: make([]wire.Suggestion, len(ss)), Model: wire.ModelVersion{Catalog: ver.Catalog, Interactions: ver.Interactions}}
	for i, s := range ss {
		out.Suggestions[i] = wire.Suggestion{Product: towire.Product(s.Product), Reason: s.Reason, BecauseProductID: s.Because}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *API) sendProductCard(w http.ResponseWriter, r *http.Request, au *Auth, h, id string) {
	var in struct {
		ProductID string `json:"product_id"`
		Text      string `json:"text"`
		ClientID  string `json:"client_id"`
	}
	if err := decode(r, &in); err != nil {
		a.error(w, r, err)
		return
	}
	if in.ProductID == "" {
		a.error(w, r, dm.Errorf(dm.EINVALID, "product_id is required."))
		return
	}
	m, created, err := a.brand.SendProduct(r.Context(), au.Account, h, id, brand.ProductReply{ProductID: in.ProductID, Text: in.Text, ClientID: in.ClientID})
	if err != nil {
		a.error(w, r, err)
		return
	}
	writeMaybeCreated(w, created, "message", teamMessage(m))
}
