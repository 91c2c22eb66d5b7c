package metaads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
)

// Page is one page of a Graph list (an edge such as act_1/campaigns).
type Page[T any] struct {
	// Items are the page's elements; possibly empty even when HasNext is true.
	Items []T
	// Before and After are the paging cursors. Pass After to FetchPage to
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

// FetchPage gets one page of the list described by req, starting after the
// cursor after ("" for the first page). req is not modified.
func FetchPage[T any](ctx context.Context, c *Client, req *Request, after string) (*Page[T], error) {
	if c == nil {
		return nil, errors.New("metaads: FetchPage: nil client")
	}
	if req == nil {
		return nil, errors.New("metaads: FetchPage: nil request")
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

// All returns a lazy iterator over every element of the list described by
// req. It fetches one page at a time (only that page is held in memory),
// checks ctx between pages, applies the account's token to every page,
// continues past empty pages that still announce a next page, and stops when
// Meta repeats a cursor. On error it yields (zero, err) once and stops.
func All[T any](ctx context.Context, c *Client, req *Request) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if req == nil {
			yield(zero, errors.New("metaads: All: nil request"))
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
			p, err := FetchPage[T](ctx, c, &r, after)
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
