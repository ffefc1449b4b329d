package apidoc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Obj is a JSON object that keeps its keys in document order, so that a
// rewrite of openapi.json changes only what the generator owns and the
// lead's key-by-key merges stay small.
type Obj struct {
	Keys []string
	M    map[string]any
}

// NewObj returns an empty object.
func NewObj() *Obj { return &Obj{M: map[string]any{}} }

// Get returns the value of key (nil when absent).
func (o *Obj) Get(key string) any { return o.M[key] }

// Has reports whether key is present.
func (o *Obj) Has(key string) bool { _, ok := o.M[key]; return ok }

// Set sets key, appending it when new and keeping its place otherwise.
func (o *Obj) Set(key string, v any) {
	if _, ok := o.M[key]; !ok {
		o.Keys = append(o.Keys, key)
	}
	o.M[key] = v
}

// Delete removes key.
func (o *Obj) Delete(key string) {
	if _, ok := o.M[key]; !ok {
		return
	}
	delete(o.M, key)
	for i, k := range o.Keys {
		if k == key {
			o.Keys = append(o.Keys[:i:i], o.Keys[i+1:]...)
			break
		}
	}
}

// ObjAt returns o[key] as an object, or nil.
func (o *Obj) ObjAt(key string) *Obj {
	v, _ := o.M[key].(*Obj)
	return v
}

// MarshalJSON writes the keys in order.
func (o *Obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.Keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := marshal(k)
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		vb, err := marshal(o.M[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Parse decodes JSON into *Obj, []any, string, json.Number, bool and nil.
func Parse(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("apidoc: trailing data after the JSON value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := NewObj()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				if o.Has(k) {
					return nil, fmt.Errorf("apidoc: duplicate key %q", k)
				}
				o.Set(k, v)
			}
			_, err := dec.Token() // }
			return o, err
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token() // ]
			return arr, err
		}
		return nil, fmt.Errorf("apidoc: unexpected %v", t)
	default:
		return t, nil
	}
}

// Format writes v the way openapi.json is kept: two-space indentation, no
// HTML escaping, a final newline (the same bytes as Python's
// json.dumps(indent=2, ensure_ascii=False), which the merge tooling uses).
func Format(v any) ([]byte, error) {
	raw, err := marshal(v)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
