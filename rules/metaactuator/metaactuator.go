package metaactuator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Notifier delivers the message of a notify decision (e-mail, Slack, a CRM
// inbox). It is called once per applied notify decision.
type Notifier interface {
	Notify(ctx context.Context, c rules.Change) error
}

// NotifierFunc adapts a function to [Notifier].
type NotifierFunc func(ctx context.Context, c rules.Change) error

// Notify calls f(ctx, c).
func (f NotifierFunc) Notify(ctx context.Context, c rules.Change) error { return f(ctx, c) }

// ErrNoNotifier is returned for a notify change when the Actuator has no Notifier.
var ErrNoNotifier = errors.New("metaactuator: notify decision but no Notifier configured")

// ErrStale is returned, without writing, for a budget or bid change whose
// Change.From differs from the value Meta holds now: someone (a person in
// Ads Manager, another tool) changed it after the snapshot, and the rule's
// decision was made on a value that is gone. The next evaluation, on a
// fresh snapshot, decides again. Changes with From 0 (unknown) are not
// checked.
var ErrStale = errors.New("metaactuator: the value changed since the snapshot")

// readError marks a failed read before a write: the write was not sent, so
// the outcome is known (nothing changed) whatever the read error was.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// ErrUnsupported is returned for a change the adapter cannot carry out
// (an unknown action, a budget on an ad).
var ErrUnsupported = errors.New("metaactuator: unsupported change")

// Actuator applies rule decisions to Meta through a [metaads.Client]. It is
// safe for concurrent use.
type Actuator struct {
	client   *metaads.Client
	notifier Notifier
}

// Option configures an [Actuator].
type Option func(*Actuator) error

// WithNotifier sets the notifier for notify decisions.
func WithNotifier(n Notifier) Option {
	return func(a *Actuator) error {
		if n == nil {
			return errors.New("metaactuator: WithNotifier(nil); expected a Notifier")
		}
		a.notifier = n
		return nil
	}
}

// New returns an Actuator writing through client.
func New(client *metaads.Client, opts ...Option) (*Actuator, error) {
	if client == nil {
		return nil, errors.New("metaactuator: New(nil client); expected a *metaads.Client")
	}
	a := &Actuator{client: client}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("metaactuator: nil Option")
		}
		if err := o(a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

var _ rules.Actuator = (*Actuator)(nil)

// Apply carries out one change: pause and unpause set the status, budget
// changes set the absolute new budget, bid changes set bid_amount, and
// notify calls the Notifier. Before a budget or bid write it reads the
// current value and returns [ErrStale] without writing when it is no
// longer Change.From (a person changed it since the snapshot).
//
// Writes are absolute values, sent as idempotent. Errors from the client
// are returned wrapped, so errors.Is(err, metaads.ErrRateLimited) and
// errors.As(err, **metaads.Error) work. A write whose outcome cannot be
// known (a transient server error, a transport error after the request
// may have left, a deadline or cancellation) also wraps
// [rules.ErrOutcomeUnknown], so the executor never repeats it blindly.
func (a *Actuator) Apply(ctx context.Context, c rules.Change) error {
	err := a.apply(ctx, c)
	if err != nil && c.Action != rules.ActionNotify && outcomeUnknown(err) {
		return fmt.Errorf("%w: %w", rules.ErrOutcomeUnknown, err)
	}
	return err
}

// outcomeUnknown reports whether a write that failed with err may still
// have happened: a transient server error (5xx, Graph codes 1 and 2), a
// transport error after the request may have left (any but a failed
// dial), or a deadline or cancellation. Graph errors such as invalid
// parameters, permissions or throttles prove the write was refused.
func outcomeUnknown(err error) bool {
	var re *readError
	if errors.As(err, &re) {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, metaads.ErrTransient) {
		return true
	}
	var ue *url.Error
	if !errors.As(err, &ue) {
		return false
	}
	var op *net.OpError
	return !(errors.As(err, &op) && op.Op == "dial")
}

// apply carries out one change: pause and unpause set the status, budget
// changes set the absolute new budget, bid changes set bid_amount (each
// after checking that the value is still Change.From, else [ErrStale]),
// and notify calls the Notifier. Writes are absolute values, so they are sent
// as idempotent (safe for the client to retry). Errors from the client are
// returned wrapped, so errors.Is(err, metaads.ErrRateLimited) and
// errors.As(err, **metaads.Error) work.
func (a *Actuator) apply(ctx context.Context, c rules.Change) error {
	if c.Action == rules.ActionNotify {
		if a.notifier == nil {
			return ErrNoNotifier
		}
		return a.notifier.Notify(ctx, c)
	}
	if c.EntityID == "" {
		return fmt.Errorf("%w: change %s has no entity id", ErrUnsupported, c.DecisionID)
	}
	acct, err := metaads.ParseAccountID(c.Account)
	if err != nil {
		return fmt.Errorf("metaactuator: change %s on %s: account %q: %w", c.DecisionID, c.EntityID, c.Account, err)
	}
	switch c.Action {
	case rules.ActionPause, rules.ActionUnpause:
		status := metaads.StatusPaused
		if c.Action == rules.ActionUnpause {
			status = metaads.StatusActive
		}
		switch c.Level {
		case metrics.LevelCampaign:
			return a.client.Campaigns.UpdateStatus(ctx, acct, c.EntityID, status, metaads.Idempotent())
		case metrics.LevelAdSet:
			return a.client.AdSets.UpdateStatus(ctx, acct, c.EntityID, status, metaads.Idempotent())
		case metrics.LevelAd:
			return a.client.Ads.UpdateStatus(ctx, acct, c.EntityID, status, metaads.Idempotent())
		}
	case rules.ActionScaleBudget, rules.ActionSetBudget:
		if c.To <= 0 {
			return fmt.Errorf("%w: budget change %s to %d; expected a positive amount", ErrUnsupported, c.DecisionID, c.To)
		}
		var b metaads.Budget
		switch c.Budget {
		case rules.BudgetDaily:
			b.Daily = c.To
		case rules.BudgetLifetime:
			b.Lifetime = c.To
		default:
			return fmt.Errorf("%w: budget change %s names no budget kind", ErrUnsupported, c.DecisionID)
		}
		switch c.Level {
		case metrics.LevelCampaign:
			if err := a.checkFresh(ctx, acct, c); err != nil {
				return err
			}
			return a.client.Campaigns.UpdateBudget(ctx, acct, c.EntityID, b, metaads.Idempotent())
		case metrics.LevelAdSet:
			if err := a.checkFresh(ctx, acct, c); err != nil {
				return err
			}
			return a.client.AdSets.UpdateBudget(ctx, acct, c.EntityID, b, metaads.Idempotent())
		}
	case rules.ActionChangeBid:
		if c.Level == metrics.LevelAdSet && c.To > 0 {
			if err := a.checkFresh(ctx, acct, c); err != nil {
				return err
			}
			return a.client.AdSets.UpdateBid(ctx, acct, c.EntityID, c.To, metaads.Idempotent())
		}
	case rules.ActionFreeze:
		return nil // nothing to do outside the evaluation
	}
	return fmt.Errorf("%w: %s at level %s (decision %s)", ErrUnsupported, c.Action, c.Level, c.DecisionID)
}

// checkFresh reads the budget or bid a change writes and returns
// [ErrStale] when it is no longer Change.From (no check when From is 0).
func (a *Actuator) checkFresh(ctx context.Context, acct metaads.AccountID, c rules.Change) error {
	if c.From <= 0 {
		return nil
	}
	var daily, lifetime, bid int64
	switch c.Level {
	case metrics.LevelCampaign:
		camp, err := a.client.Campaigns.Get(ctx, acct, c.EntityID, metaads.GetOptions{Fields: []string{"id", "daily_budget", "lifetime_budget"}})
		if err != nil {
			return &readError{fmt.Errorf("metaactuator: reading campaign %s before change %s: %w", c.EntityID, c.DecisionID, err)}
		}
		daily, lifetime = camp.DailyBudget, camp.LifetimeBudget
	default:
		set, err := a.client.AdSets.Get(ctx, acct, c.EntityID, metaads.GetOptions{Fields: []string{"id", "daily_budget", "lifetime_budget", "bid_amount"}})
		if err != nil {
			return &readError{fmt.Errorf("metaactuator: reading ad set %s before change %s: %w", c.EntityID, c.DecisionID, err)}
		}
		daily, lifetime, bid = set.DailyBudget, set.LifetimeBudget, set.BidAmount
	}
	now, what := bid, "bid_amount"
	if c.Action != rules.ActionChangeBid {
		now, what = daily, "daily_budget"
		if c.Budget == rules.BudgetLifetime {
			now, what = lifetime, "lifetime_budget"
		}
	}
	if now != c.From {
		return fmt.Errorf("%w: %s of %s %s is %d, the decision %s was made on %d; not written", ErrStale, what, c.Level, c.EntityID, now, c.DecisionID, c.From)
	}
	return nil
}
