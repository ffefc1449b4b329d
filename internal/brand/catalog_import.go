package brand

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/parleyhq/parley/internal/dm"
)

// Catalog import: a brand uploads its catalog as CSV or JSON. The file is
// parsed as a stream, every row checked, and every bad row reported with
// its line and field; only when all rows are valid are they written, in one
// transaction, as an upsert by id (importing the same file twice changes
// nothing but the catalog's version).

// Import limits.
const (
	MaxImportRows = 50_000
	// maxImportErrors bounds the rows reported (the total is counted).
	maxImportErrors = 100
)

// Import formats.
const (
	ImportCSV  = "csv"
	ImportJSON = "json"
)

// csvColumns are the columns a CSV may have (a header line names them, in
// any order); the first five are required.
var csvColumns = []string{"id", "title", "price_minor", "currency", "url", "image_url", "tags", "in_stock"}

// RowError is one bad row of an import.
type RowError struct {
	Line    int
	Field   string
	Message string
}

// ImportErrors is an import refused because of bad rows (nothing was
// written): the first rows' errors, and how many there were.
type ImportErrors struct {
	Rows  []RowError
	Total int
}

func (e *ImportErrors) Error() string {
	return fmt.Sprintf("%d invalid rows; nothing was imported.", e.Total)
}

func (e *ImportErrors) add(line int, field, msg string) {
	e.Total++
	if len(e.Rows) < maxImportErrors {
		e.Rows = append(e.Rows, RowError{Line: line, Field: field, Message: msg})
	}
}

// ImportResult counts an import's rows.
type ImportResult struct {
	Rows    int
	Created int
	Updated int
}

// importRow is one product of an import, with its line.
type importRow struct {
	line int
	p    dm.Product
}

// ImportProducts imports a catalog file (owners and admins). A file with bad
// rows returns *ImportErrors and writes nothing.
func (s *Service) ImportProducts(ctx context.Context, me *dm.Account, handle, format string, r io.Reader) (*ImportResult, error) {
	var brandID string
	if err := s.store.View(ctx, func(tx dm.Tx) error {
		a, err := s.catalogAccess(ctx, tx, me, handle, true)
		if err == nil {
			brandID = a.brand.ID
		}
		return err
	}); err != nil {
		return nil, err
	}
	var rows []importRow
	var err error
	switch format {
	case ImportCSV:
		rows, err = parseCSV(r)
	case ImportJSON:
		rows, err = parseJSON(r)
	default:
		return nil, dm.Errorf(dm.EINVALID, "format: csv or json.")
	}
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, dm.Errorf(dm.EINVALID, "The file has no products.")
	}
	ps := make([]dm.Product, len(rows))
	ids := make([]string, len(rows))
	for i, row := range rows {
		ps[i], ids[i] = row.p, row.p.ID
	}
	res := &ImportResult{Rows: len(ps)}
	err = s.store.Update(ctx, func(tx dm.Tx) error {
		had, err := tx.ProductsByID(ctx, brandID, ids)
		if err != nil {
			return err
		}
		n, err := tx.CountProducts(ctx, brandID)
		if err != nil {
			return err
		}
		res.Updated, res.Created = len(had), len(ps)-len(had)
		if n+res.Created > dm.MaxCatalogItems {
			return dm.Errorf(dm.ECONFLICT, "The catalog would have %d products; the limit is %d.", n+res.Created, dm.MaxCatalogItems)
		}
		return tx.PutProducts(ctx, brandID, ps, s.now())
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// rowChecker validates rows as they are parsed, so that errors come in
// line order: each product, and ids unique in the file.
type rowChecker struct {
	first map[string]int
	errs  *ImportErrors
	rows  []importRow
}

func (c *rowChecker) check(line int, p dm.Product) {
	if err := dm.ValidateProduct(&p); err != nil {
		msg := dm.ErrorMessage(err)
		c.errs.add(line, fieldOf(msg), msg)
		return
	}
	if l, dup := c.first[p.ID]; dup {
		c.errs.add(line, "id", fmt.Sprintf("id %q is on line %d already.", p.ID, l))
		return
	}
	c.first[p.ID] = line
	c.rows = append(c.rows, importRow{line: line, p: p})
}

func (c *rowChecker) result() ([]importRow, error) {
	if c.errs.Total > 0 {
		return nil, c.errs
	}
	return c.rows, nil
}

// fieldOf is the field a validation message starts with ("url: ...",
// "title is empty.").
func fieldOf(msg string) string {
	if i := strings.IndexAny(msg, ": "); i > 0 {
		return msg[:i]
	}
	return ""
}

// readErr turns a failed read of the upload into the caller's error: a
// body over the limit stays the 413 the API made of it.
func readErr(err error, line int) error {
	var de *dm.Error
	if errors.As(err, &de) {
		return err
	}
	return dm.Errorf(dm.EINVALID, "line %d: %v", line, err)
}

func parseCSV(r io.Reader) ([]importRow, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, dm.Errorf(dm.EINVALID, "The file is empty; its first line names the columns (%s).", strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, readErr(err, 1)
	}
	col := map[string]int{}
	errs := &ImportErrors{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !slicesContains(csvColumns, h) {
			errs.add(1, h, fmt.Sprintf("unknown column %q; the columns are %s.", dm.Truncate(h, 40), strings.Join(csvColumns, ",")))
			continue
		}
		if _, dup := col[h]; dup {
			errs.add(1, h, fmt.Sprintf("column %q appears twice.", h))
		}
		col[h] = i
	}
	for _, c := range csvColumns[:5] {
		if _, ok := col[c]; !ok {
			errs.add(1, c, fmt.Sprintf("the required column %q is missing.", c))
		}
	}
	if errs.Total > 0 {
		return nil, errs
	}
	cell := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	rc := &rowChecker{first: map[string]int{}, errs: errs}
	n, line := 0, 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		// After a parse error the record may have no field, and FieldPos
		// panics on it: the line is the error's, or the one after the last.
		if len(rec) > 0 {
			line, _ = cr.FieldPos(0)
		} else {
			line++
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && !errors.Is(pe.Err, csv.ErrFieldCount) {
				// The file is not CSV from here on: report it, stop.
				errs.add(pe.Line, "", pe.Err.Error())
				return nil, errs
			}
			if errors.As(err, &pe) {
				errs.add(pe.Line, "", fmt.Sprintf("%d columns; the header has %d.", len(rec), len(header)))
				continue
			}
			return nil, readErr(err, line)
		}
		if n++; n > MaxImportRows {
			return nil, dm.Errorf(dm.ETOOLARGE, "An import has at most %d products.", MaxImportRows)
		}
		p := dm.Product{ID: cell(rec, "id"), Title: cell(rec, "title"), Currency: cell(rec, "currency"), URL: cell(rec, "url"), ImageURL: cell(rec, "image_url"), InStock: true}
		price, err := strconv.ParseInt(cell(rec, "price_minor"), 10, 64)
		if err != nil {
			errs.add(line, "price_minor", "price_minor: a whole number of minor units (1999 for 19.99).")
			continue
		}
		p.PriceMinor = price
		if t := cell(rec, "tags"); t != "" {
			p.Tags = strings.Split(t, "|")
		}
		if v := cell(rec, "in_stock"); v != "" {
			b, ok := parseBool(v)
			if !ok {
				errs.add(line, "in_stock", "in_stock: true or false (also yes/no, 1/0).")
				continue
			}
			p.InStock = b
		}
		rc.check(line, p)
	}
	return rc.result()
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "yes", "1", "y":
		return true, true
	case "false", "no", "0", "n":
		return false, true
	}
	return false, false
}

// jsonProduct is a product of a JSON import.
type jsonProduct struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	PriceMinor *int64   `json:"price_minor"`
	Currency   string   `json:"currency"`
	ImageURL   string   `json:"image_url"`
	URL        string   `json:"url"`
	Tags       []string `json:"tags"`
	InStock    *bool    `json:"in_stock"`
}

// lineCounter remembers where the newlines of a stream are, so that a byte
// offset the decoder has passed can be told as a line. Offsets asked for
// only grow, so newlines before them are dropped as counted: the queue
// holds only what the decoder has read ahead.
type lineCounter struct {
	r    io.Reader
	off  int64
	nl   []int64
	base int
}

func (l *lineCounter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.nl = append(l.nl, l.off+int64(i))
		}
	}
	l.off += int64(n)
	return n, err
}

// line is the line of byte offset off (1-based).
func (l *lineCounter) line(off int64) int {
	k := 0
	for k < len(l.nl) && l.nl[k] < off {
		k++
	}
	l.base += k
	l.nl = l.nl[k:]
	return l.base + 1
}

func parseJSON(r io.Reader) ([]importRow, error) {
	lc := &lineCounter{r: r}
	dec := json.NewDecoder(lc)
	tok, err := dec.Token()
	if err == io.EOF {
		return nil, dm.Errorf(dm.EINVALID, "The file is empty; it is a JSON array of products.")
	}
	if err != nil {
		return nil, readErr(err, lc.line(dec.InputOffset()))
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, dm.Errorf(dm.EINVALID, "line %d: the file is a JSON array of products.", lc.line(dec.InputOffset()))
	}
	errs := &ImportErrors{}
	rc := &rowChecker{first: map[string]int{}, errs: errs}
	n := 0
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				errs.add(lc.line(se.Offset), "", "not JSON: "+se.Error())
				return nil, errs
			}
			return nil, readErr(err, lc.line(dec.InputOffset()))
		}
		line := lc.line(dec.InputOffset() - int64(len(raw)))
		if n++; n > MaxImportRows {
			return nil, dm.Errorf(dm.ETOOLARGE, "An import has at most %d products.", MaxImportRows)
		}
		var jp jsonProduct
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&jp); err != nil {
			var te *json.UnmarshalTypeError
			switch {
			case errors.As(err, &te):
				errs.add(line, te.Field, fmt.Sprintf("%s: %s is expected, not a %s.", te.Field, jsonKind(te.Type.Kind()), te.Value))
			case strings.HasPrefix(err.Error(), "json: unknown field "):
				f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
				errs.add(line, f, fmt.Sprintf("unknown field %q.", dm.Truncate(f, 40)))
			default:
				errs.add(line, "", "each product is a JSON object.")
			}
			continue
		}
		if jp.PriceMinor == nil {
			errs.add(line, "price_minor", "price_minor is required (1999 for 19.99).")
			continue
		}
		p := dm.Product{ID: jp.ID, Title: jp.Title, PriceMinor: *jp.PriceMinor, Currency: jp.Currency, ImageURL: jp.ImageURL, URL: jp.URL, Tags: jp.Tags, InStock: jp.InStock == nil || *jp.InStock}
		rc.check(line, p)
	}
	if _, err := dec.Token(); err != nil {
		return nil, readErr(err, lc.line(dec.InputOffset()))
	}
	return rc.result()
}

// jsonKind names what a field of a JSON import holds.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.Int64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of strings"
	}
	return "a string"
}
