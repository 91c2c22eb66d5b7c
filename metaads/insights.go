package metaads

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"sync"
	"time"
)

// InsightsService reads performance data: synchronous pages, asynchronous
// report runs and the chunking, narrowing runner. Create a client with
// NewClient and use its insights service; the zero InsightsService is not
// usable.
type InsightsService struct {
	c *Client

	mu    sync.Mutex
	slots map[AccountID]chan struct{} // per-account job slots of Run

	// sleep waits between report-run polls; nil uses a timer. Tests set it
	// to observe the backoff without real waiting.
	sleep func(ctx context.Context, d time.Duration) error

	jobGauge
}

// Default page sizes for insights reads and how far data-limit narrowing
// may shrink them.
const (
	defaultInsightsPageSize = 100
	minInsightsPageSize     = 5
)

func (s *InsightsService) check(acct AccountID) error {
	if s == nil || s.c == nil {
		return errors.New("metaads: insights service without a client: use NewClient")
	}
	if acct.IsZero() {
		return fmt.Errorf("metaads: insights: %w: want a non-zero AccountID", ErrInvalidParameter)
	}
	return nil
}

// request builds the GET for act_{id}/insights.
func (s *InsightsService) request(acct AccountID, p InsightsParams) (*Request, error) {
	if err := s.check(acct); err != nil {
		return nil, err
	}
	q, err := p.Values()
	if err != nil {
		return nil, err
	}
	return &Request{Path: acct.String() + "/insights", Account: acct, Query: q}, nil
}

// ListPage fetches one page of insights rows for the ad account, starting
// after the cursor after ("" for the first page). Store ListPage.After to
// resume a pull later. p is validated before anything is sent.
func (s *InsightsService) ListPage(ctx context.Context, acct AccountID, p InsightsParams, after string) (*Page[Insight], error) {
	req, err := s.request(acct, p)
	if err != nil {
		return nil, err
	}
	return s.c.fetchInsights(ctx, req, after)
}

// fetchInsights gets one page of insights rows, decoding it in one pass
// (see insightsPage), with the cursor rules of ListPage.
func (c *Client) fetchInsights(ctx context.Context, req *Request, after string) (*Page[Insight], error) {
	r := *req
	r.Query = cloneValues(req.Query)
	if after != "" {
		r.Query.Set("after", after)
		r.Query.Del("before")
	}
	var ip insightsPage
	resp, err := c.Do(ctx, &r, &ip)
	if err != nil {
		return nil, err
	}
	p := &Page[Insight]{Items: ip.rows, Before: ip.before, After: ip.after, HasNext: ip.next != "", Response: resp}
	if p.HasNext && p.After == "" {
		// Take the cursor of a bare next link, never its token.
		if u, err := url.Parse(ip.next); err == nil {
			p.After = u.Query().Get("after")
		}
		if p.After == "" {
			return p, fmt.Errorf("metaads: %s: the page announces a next page but carries no after cursor", r.Path)
		}
	}
	return p, nil
}

// List returns a lazy iterator over every insights row of the query, one
// page in memory at a time. When Meta answers a page with a data-limit
// error it retries that page with half the page size (down to 5 rows)
// before giving up, so no row is skipped or repeated. On error it yields
// (zero, err) once and stops.
func (s *InsightsService) List(ctx context.Context, acct AccountID, p InsightsParams) iter.Seq2[Insight, error] {
	req, err := s.request(acct, p)
	if err != nil {
		return func(yield func(Insight, error) bool) { yield(Insight{}, err) }
	}
	return func(yield func(Insight, error) bool) {
		s.c.pageRows(ctx, req, p.Limit, nil, func(r *Insight) bool { return yield(*r, nil) },
			func(err error) { yield(Insight{}, err) })
	}
}

// pageRows walks the pages of req, calling row for each row (false stops)
// and fail once on error. It narrows the page size on data-limit errors,
// continues past empty pages that announce a next page, stops on a
// repeated cursor and checks ctx between pages. With a throttle waiter
// (the runner's), a page refused by a throttle is read again, at the same
// cursor, once the throttle's wait is over. It returns the error it
// reported (nil when it finished or row stopped it).
func (c *Client) pageRows(ctx context.Context, req *Request, limit int, tw *throttleWaiter, row func(*Insight) bool, fail func(error)) error {
	if ctx == nil {
		err := errNilContext("reading insights")
		fail(err)
		return err
	}
	r := *req
	r.Query = cloneValues(req.Query)
	if limit <= 0 {
		limit = defaultInsightsPageSize
	}
	r.Query.Set("limit", fmt.Sprint(limit))
	seen := map[string]bool{}
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			err = fmt.Errorf("metaads: reading %s: %w", r.Path, err)
			fail(err)
			return err
		}
		p, err := c.fetchInsights(ctx, &r, after)
		if errors.Is(err, ErrDataLimit) && limit > minInsightsPageSize {
			limit = max(limit/2, minInsightsPageSize)
			r.Query.Set("limit", fmt.Sprint(limit))
			c.cfg.logger.DebugContext(ctx, "metaads: insights data limit, retrying with smaller pages", "path", r.Path, "limit", limit)
			continue
		}
		if err != nil && tw != nil && (tw.wait(ctx, err) || ctx.Err() != nil) {
			continue // read the page again, or report ctx's end above
		}
		if err != nil {
			fail(err)
			return err
		}
		tw.reset()
		for i := range p.Items {
			if !row(&p.Items[i]) {
				return nil
			}
		}
		if !p.HasNext || p.After == "" || seen[p.After] {
			return nil
		}
		seen[p.After] = true
		after = p.After
	}
}
