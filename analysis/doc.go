// Package analysis is the optimization pass of adpilot, written once so
// that every program built on the SDK (the example CRM, the agent, its MCP
// tools, a user's own service) runs the same pass instead of rebuilding
// snapshots and windows by hand.
//
// A pass over one ad account has four steps:
//
//  1. Collect reads the account into a [Dataset]: the account, its
//     campaigns, ad sets and ads (budgets, bids, statuses, learning stage,
//     times, targeting), daily insights per entity at each level, hourly
//     insights in the account's time zone, and de-duplicated totals (reach)
//     per window, in as few Graph calls as Meta allows. FromRows builds the
//     same Dataset from rows a caller already has (a warehouse, an Ads
//     Manager CSV export).
//  2. [Dataset.Snapshot] turns the Dataset into a rules.Snapshot at a given
//     time: every window (today, yesterday, the last 3/7/14/30 days, the
//     week before last, the launch week, the best week, the lifetime, and
//     each single day) as exact sums of days in the account's time zone,
//     with reach from Meta's window totals and never summed.
//  3. The rules are evaluated on the snapshot (a dry run) and the pure
//     signal functions of package analysis/signals run on the Dataset.
//  4. An [Analyzer] turns the facts ([Input]) into ranked recommendations
//     ([Result]); [Heuristic] is the deterministic, offline default, and
//     LLM analyzers live in their own modules.
//
// Run does all four and returns one [Report], reporting progress through a
// [ProgressFunc].
//
// # Types from metaads, metrics and rules
//
// The pass joins three packages, and each concept has one type or one
// conversion between them:
//
//   - Level: metrics.Level everywhere (insights queries, rule specs and
//     entities, the rows of a Dataset, EntityRef).
//   - Ad account: metaads.AccountID in metaads and here (AdAccount.ID,
//     Campaign.AccountID, Insight.AccountID, ...); rules keeps the Graph
//     string form, so rules.Entity.Account = id.String() and
//     metaads.ParseAccountID(change.Account) reads it back.
//   - Counts of an entity: metrics.Counts per row and per window;
//     rules.Entity.Totals(window) gives the metrics.EntityTotals that
//     metrics.CampaignStatistics takes.
//   - Dates: metaads.Date and metaads.TimeRange (days in the account's
//     time zone); rules windows (rules.Window) name ranges of them.
//
// # Numbers and their windows
//
// Every number a recommendation or signal shows is a [Figure]: a value
// with its unit, whether it was measured (from the Dataset, over a
// [Period] of days), estimated (with its method), configured or a goal.
// Money is int64 minor units of the account currency throughout, rates
// are ratios of sums over a window, and reach is Meta's de-duplicated
// reach of the window.
//
// # Signals
//
// The signal type is defined here ([Signal]) and produced by package
// analysis/signals, which imports this package (this package never
// imports it): a signal names its kind and entities, states its finding,
// carries its evidence as Figures and in words, a [Confidence] a person can
// read (with the method's false-alarm rate when known), a [Severity], and
// optionally a rule spec the user can adopt.
//
// # JSON and Markdown
//
// Dataset, Result, Signal and Report encode to JSON with stable snake_case
// field names, so a pass can be stored and replayed; [Result.Markdown]
// renders a result for people.
package analysis
