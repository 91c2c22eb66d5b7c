package metaads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/go-querystring/query"
)

// Page is one page of a Graph list (an edge such as act_1/campaigns).
type Page[T any] struct {
	// Items are the page's elements; possibly empty even when HasNext is true.
	Items []T
	// Before and After are the paging cursors. Pass After to ListPage to
	// get the next page; store it to resume later.
	Before, After string
	// HasNext reports whether Meta announced a next page.
	HasNext bool
	// Summary is the edge's "summary" object when requested (summary=true).
	Summary json.RawMessage
	// Response describes the HTTP exchange (status, headers, usage).
	Response *Response
}

type wirePage[T any] struct {
	Data   []T `json:"data"`
	Paging struct {
		Cursors struct {
			Before string `json:"before"`
			After  string `json:"after"`
		} `json:"cursors"`
		Next     string `json:"next"`
		Previous string `json:"previous"`
	} `json:"paging"`
	Summary json.RawMessage `json:"summary"`
}

// ListPage gets one page of the list described by req, starting after the
// cursor after ("" for the first page). req is not modified.
func ListPage[T any](ctx context.Context, c *Client, req *Request, after string) (*Page[T], error) {
	if c == nil {
		return nil, errors.New("metaads: ListPage: nil client")
	}
	if req == nil {
		return nil, errors.New("metaads: ListPage: nil request")
	}
	r := *req
	r.Query = cloneValues(req.Query)
	if after != "" {
		r.Query.Set("after", after)
		r.Query.Del("before")
	}
	var wp wirePage[T]
	resp, err := c.Do(ctx, &r, &wp)
	if err != nil {
		return nil, err
	}
	p := &Page[T]{Items: wp.Data, Before: wp.Paging.Cursors.Before, After: wp.Paging.Cursors.After,
		HasNext: wp.Paging.Next != "", Summary: wp.Summary, Response: resp}
	if p.HasNext && p.After == "" {
		// Some edges give only a next link: take its cursor, never its token.
		if u, err := url.Parse(wp.Paging.Next); err == nil {
			p.After = u.Query().Get("after")
		}
		if p.After == "" {
			return p, fmt.Errorf("metaads: %s: the page announces a next page but carries no after cursor", r.Path)
		}
	}
	return p, nil
}

// List returns a lazy iterator over every element of the list described by
// req. It fetches one page at a time (only that page is held in memory),
// checks ctx between pages, applies the account's token to every page,
// continues past empty pages that still announce a next page, and stops when
// Meta repeats a cursor. On error it yields (zero, err) once and stops.
func List[T any](ctx context.Context, c *Client, req *Request) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if ctx == nil {
			yield(zero, errNilContext("List"))
			return
		}
		if req == nil {
			yield(zero, errors.New("metaads: List: nil request"))
			return
		}
		r := *req
		r.Query = cloneValues(req.Query)
		seen := map[string]bool{}
		after := ""
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, fmt.Errorf("metaads: listing %s: %w", r.Path, err))
				return
			}
			p, err := ListPage[T](ctx, c, &r, after)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range p.Items {
				if !yield(it, nil) {
					return
				}
			}
			if !p.HasNext || p.After == "" || seen[p.After] {
				return
			}
			seen[p.After] = true
			after = p.After
		}
	}
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v)+1)
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// ListOptions selects and filters list results. The zero value lists every
// object with the default fields.
type ListOptions struct {
	// Fields to return; empty uses the service's default field list.
	Fields []string `url:"fields,comma,omitempty"`
	// Limit is the page size; 0 lets Meta choose.
	Limit int `url:"limit,omitempty"`
	// EffectiveStatus filters by delivery status (sent as a JSON list).
	EffectiveStatus StatusFilter `url:"effective_status,omitempty"`
	// Parent lists under a parent object instead of the ad account: a
	// campaign id for ad sets and ads, an ad set id for ads.
	Parent string `url:"-"`
}

// StatusFilter is a list of effective statuses, encoded as a JSON array.
type StatusFilter []EffectiveStatus

// EncodeValues implements query.Encoder.
func (f StatusFilter) EncodeValues(key string, v *url.Values) error {
	if len(f) == 0 {
		return nil
	}
	b, err := json.Marshal([]EffectiveStatus(f))
	if err != nil {
		return err
	}
	v.Set(key, string(b))
	return nil
}

func (o ListOptions) encode(defaultFields []string) (url.Values, error) {
	if o.Limit < 0 || o.Limit > 5000 {
		return nil, fmt.Errorf("metaads: ListOptions.Limit %d: want 0 to 5000", o.Limit)
	}
	if len(o.Fields) == 0 {
		o.Fields = defaultFields
	}
	return encodeOptions("ListOptions", o, o.Fields)
}

// GetOptions selects what a Get reads. The zero value reads the service's
// default fields. Fields works as in [ListOptions].
type GetOptions struct {
	// Fields to return; empty uses the service's default field list.
	Fields []string `url:"fields,comma,omitempty"`
}

func (o GetOptions) encode(defaultFields []string) (url.Values, error) {
	if len(o.Fields) == 0 {
		o.Fields = defaultFields
	}
	return encodeOptions("GetOptions", o, o.Fields)
}

// encodeOptions validates the fields of the options o (of the type named
// name) and encodes o as a query.
func encodeOptions(name string, o any, fields []string) (url.Values, error) {
	for _, f := range fields {
		if f == "" || strings.ContainsAny(f, ", &=") {
			return nil, fmt.Errorf("metaads: %s.Fields: invalid field name %q: want a Graph field name such as \"name\"", name, f)
		}
	}
	v, err := query.Values(o)
	if err != nil {
		return nil, fmt.Errorf("metaads: encoding %s: %w", name, err)
	}
	return v, nil
}

// objectID validates a Graph node id (digits).
func objectID(kind, id string) error {
	if id == "" {
		return fmt.Errorf("metaads: %s id is empty: want the numeric id", kind)
	}
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return fmt.Errorf("metaads: %s id %q: want digits only", kind, id)
	}
	return nil
}

func requireAccount(kind string, acct AccountID) error {
	if acct.IsZero() {
		return fmt.Errorf("metaads: %s: the ad account is zero: want the account whose token and rate-limit budget to use", kind)
	}
	return nil
}

// edge describes a list endpoint.
type edge struct {
	kind       string   // "campaign", ...
	name       string   // "campaigns"
	fields     []string // defaults
	parentKind string   // allowed parent kind, "" when none
}

func (e edge) request(acct AccountID, o ListOptions) (*Request, error) {
	if err := requireAccount("listing "+e.name, acct); err != nil {
		return nil, err
	}
	q, err := o.encode(e.fields)
	if err != nil {
		return nil, err
	}
	path := acct.String() + "/" + e.name
	if o.Parent != "" {
		if e.parentKind == "" {
			return nil, fmt.Errorf("metaads: listing %s: ListOptions.Parent is not supported", e.name)
		}
		if err := objectID(e.parentKind, o.Parent); err != nil {
			return nil, err
		}
		path = o.Parent + "/" + e.name
	}
	return &Request{Path: path, Account: acct, Query: q}, nil
}

// getObject reads the object id of the given kind with the token of acct.
func getObject[T any](ctx context.Context, c *Client, kind string, acct AccountID, id string, o GetOptions, defaults []string) (*T, error) {
	if err := requireAccount("getting a "+kind, acct); err != nil {
		return nil, err
	}
	if err := objectID(kind, id); err != nil {
		return nil, err
	}
	return getNode[T](ctx, c, acct, id, o, defaults)
}

// getNode reads the Graph node at path with the token of acct.
func getNode[T any](ctx context.Context, c *Client, acct AccountID, path string, o GetOptions, defaults []string) (*T, error) {
	q, err := o.encode(defaults)
	if err != nil {
		return nil, err
	}
	out := new(T)
	if _, err := c.Do(ctx, &Request{Path: path, Account: acct, Query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

func listAll[T any](ctx context.Context, c *Client, e edge, acct AccountID, o ListOptions) iter.Seq2[T, error] {
	req, err := e.request(acct, o)
	if err != nil {
		return func(yield func(T, error) bool) { var zero T; yield(zero, err) }
	}
	return List[T](ctx, c, req)
}

func listPage[T any](ctx context.Context, c *Client, e edge, acct AccountID, o ListOptions, after string) (*Page[T], error) {
	req, err := e.request(acct, o)
	if err != nil {
		return nil, err
	}
	return ListPage[T](ctx, c, req, after)
}
