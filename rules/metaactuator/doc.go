// Package metaactuator binds the rule engine to the Meta Marketing API: its
// [Actuator] implements rules.Actuator over a metaads.Client, so the rules
// package itself stays pure, and [CreateAdRules] creates the rules
// rules.RuleSet.ExportMeta exports in Meta's own rules library, so Meta
// runs them ([AdRuleSpec] converts one).
//
// # Changes
//
// Pause and unpause set status through the typed services, budget changes
// write the absolute new daily or lifetime budget, bid changes write
// bid_amount on ad sets (AdSetsService.UpdateBid), and notify decisions go
// to a caller-supplied [Notifier]. Every write is an absolute value, so it
// is marked idempotent and the client may retry it.
//
// Before a budget or bid write the adapter reads the current value; when
// it is no longer the decision's Change.From (a person changed it in Ads
// Manager after the snapshot) it writes nothing and returns [ErrStale].
//
// # Meta's automated rules
//
// CreateAdRules creates each exported rule with metaads
// (AdRulesService.Create, never resent unless Meta certainly did not
// process it) and stops at the first refusal, returning what it created.
// An export bound to a currency (Spec.Currency) is refused on an account
// in another one with rules.ErrCurrencyMismatch, before anything is
// created. ExampleCreateAdRules is the whole round trip on the demo
// business: export, create, read back, preview.
//
// # Errors
//
// Client errors come back unchanged, so the executor's *rules.ActionError
// unwraps to *metaads.Error and the metaads error kinds
// (errors.Is(err, metaads.ErrRateLimited)). A change the adapter cannot
// carry out is [ErrUnsupported]; a notify decision without a notifier is
// [ErrNoNotifier]. A write whose outcome cannot be known (metaads.ErrTransient,
// a transport error after the request may have left, a deadline or
// cancellation) also wraps rules.ErrOutcomeUnknown, so the executor records
// it as unknown and never repeats it blindly; a failed read before a write
// is a definite failure.
package metaactuator
