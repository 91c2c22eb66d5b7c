package metaads

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Budget is a budget change in minor units of the account currency
// (USD 1000 = $10.00). Set exactly one of Daily and Lifetime.
type Budget struct {
	Daily    int64 // budget per day, minor units
	Lifetime int64 // budget for the object's lifetime, minor units
}

func (b Budget) form() (url.Values, error) {
	switch {
	case b.Daily < 0 || b.Lifetime < 0:
		return nil, fmt.Errorf("metaads: budget %+v: amounts must not be negative", b)
	case (b.Daily > 0) == (b.Lifetime > 0):
		return nil, fmt.Errorf("metaads: budget %+v: set exactly one of Daily and Lifetime (minor units, > 0)", b)
	case b.Daily > 0:
		return url.Values{"daily_budget": {strconv.FormatInt(b.Daily, 10)}}, nil
	default:
		return url.Values{"lifetime_budget": {strconv.FormatInt(b.Lifetime, 10)}}, nil
	}
}

// WriteOption adjusts one write call.
type WriteOption func(*writeOptions)

type writeOptions struct{ idempotent bool }

// Idempotent marks a write as safe to send twice, allowing the client to
// retry it on transient failures. Without it a write is retried only when
// the failure proves Meta did not process it (a throttle, or a connection
// that could not be made).
func Idempotent() WriteOption { return func(o *writeOptions) { o.idempotent = true } }

// write posts form to the object id and checks {"success": true}.
func (c *Client) write(ctx context.Context, kind string, acct AccountID, id string, form url.Values, opts []WriteOption) error {
	if err := requireAccount("updating a "+kind, acct); err != nil {
		return err
	}
	if err := objectID(kind, id); err != nil {
		return err
	}
	var wo writeOptions
	for _, o := range opts {
		if o != nil {
			o(&wo)
		}
	}
	var out struct {
		Success *bool `json:"success"`
	}
	req := &Request{Method: http.MethodPost, Path: id, Account: acct, Form: form, Idempotent: wo.idempotent}
	if _, err := c.Do(ctx, req, &out); err != nil {
		return err
	}
	if out.Success != nil && !*out.Success {
		return fmt.Errorf("metaads: POST %s: Meta answered success=false", id)
	}
	return nil
}

func statusForm(s Status) (url.Values, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("metaads: status %q: want ACTIVE, PAUSED, ARCHIVED or DELETED", s)
	}
	return url.Values{"status": {string(s)}}, nil
}

func (c *Client) updateStatus(ctx context.Context, kind string, acct AccountID, id string, status Status, opts []WriteOption) error {
	f, err := statusForm(status)
	if err != nil {
		return err
	}
	return c.write(ctx, kind, acct, id, f, opts)
}

func (c *Client) updateBudget(ctx context.Context, kind string, acct AccountID, id string, b Budget, opts []WriteOption) error {
	f, err := b.form()
	if err != nil {
		return err
	}
	return c.write(ctx, kind, acct, id, f, opts)
}
