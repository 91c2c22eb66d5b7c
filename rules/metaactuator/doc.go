// Package metaactuator binds the rule engine to the Meta Marketing API: its
// [Actuator] implements rules.Actuator over a metaads.Client, so the rules
// package itself stays pure.
//
// # Changes
//
// Pause and unpause set status (campaigns and ad sets through the typed
// services, ads through a raw POST), budget changes write the absolute new
// daily or lifetime budget, bid changes write bid_amount on ad sets, and
// notify decisions go to a caller-supplied [Notifier]. Every write is an
// absolute value, so it is marked idempotent and the client may retry it.
//
// # Errors
//
// Client errors come back unchanged, so the executor's *rules.ActionError
// unwraps to *metaads.Error and the metaads error kinds
// (errors.Is(err, metaads.ErrRateLimited)). A change the adapter cannot
// carry out is [ErrUnsupported]; a notify decision without a notifier is
// [ErrNoNotifier].
package metaactuator
