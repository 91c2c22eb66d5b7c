// Package analysis is the optimization pass of adpilot, written once so
// that every program built on the SDK (the example CRM, the agent, its MCP
// tools, a user's own service) runs the same pass instead of rebuilding
// snapshots and windows by hand.
//
// A pass over one ad account has four steps:
//
//  1. [Collect] reads the account into a [Dataset]: the account, its
//     campaigns, ad sets and ads (budgets, bids, statuses, learning stage
//     and last significant edit, times, targeting), daily insights per
//     entity at each level, hourly insights in the account's time zone,
//     and Meta's totals of each window (de-duplicated reach, ad rankings),
//     in as few Graph calls as Meta allows (32 for the demo shop with the
//     default options: see Collect). [FromRows] builds the same Dataset
//     from rows a caller already has (a warehouse), and [ReadCSV] reads an
//     Ads Manager export into those rows; bad rows are errors naming the
//     row and the column ([RowError]).
//  2. [Dataset.Snapshot] turns the Dataset into a rules.Snapshot at a
//     given time in the account's time zone: every window (today,
//     yesterday and each single day to 7 days ago, the last 3, 7, 14 and
//     30 days, the week before last, the launch week, the best week, the
//     lifetime) as exact sums of days, with reach from Meta's window totals
//     and never summed, and each campaign's own conversion event
//     ([ConversionEvent]: a lead campaign counts leads, never purchases).
//  3. The rules are evaluated on the snapshot (a dry run, bound to the
//     account's currency and the goals' conversion event), campaign
//     statistics are computed ([Dataset.Statistics]), and the pure signal
//     functions of package analysis/signals run on the Dataset when given
//     ([SignalFunc]).
//  4. An [Analyzer] turns the facts ([Input]) into ranked recommendations
//     ([Result]); [Heuristic] is the deterministic, offline default, and
//     LLM analyzers live in their own modules. Package analysistest has a
//     conformance suite for any Analyzer and a fake one.
//
// [Run] does all four for an account and returns one [Report] (JSON, or
// [Report.Markdown]), reporting progress (phases, requests, rows) through
// a [ProgressFunc]; [RunDataset] runs steps 2 to 4 on a Dataset already in
// hand.
//
//	rep, err := analysis.Run(ctx, client, acct, analysis.RunOptions{
//		Goals: analysis.Goals{TargetCPA: 3000, GrossMargin: 0.5}, // $30.00
//		Progress: func(p analysis.Progress) { log.Println(p.Phase, p.Requests, p.Rows) },
//	})
//	fmt.Println(rep.Markdown()) // the pass; rep.Result.Markdown() the recommendations alone
//
// # What the heuristic finds without signals
//
// On the demo business (metaadstest.DemoBusiness) metrics and rules alone
// rank the money-losing ad set first (urgent), the over-pacing ad set and
// the fatiguing creative next; the overlapping pair and the hour-of-day
// effect are found by the signals of analysis/signals, which the heuristic
// ranks by severity, confidence and their money-at-stake estimate
// ([FigureMoneyAtStake]) when the pass is given them
// (RunOptions{Signals: signals.Func()}); a pacing or fatigue signal about
// an entity the metrics already flagged is merged into that finding. With
// the signals and Meta's reach estimates for the overlap, every planted
// problem of the demo shop is among its top six recommendations (tested
// in analysis/signals; without the estimates the overlap is a
// low-confidence, medium-priority finding). On a seeded business with
// no planted problem it recommends nothing urgent or high.
//
// # Decorators
//
// [Timeout], [Fallback], [Cache] and [Logged] are Analyzers that wrap
// another: a deadline that holds even for an analyzer that ignores its
// context, the heuristic (or another analyzer) when the first fails with
// the failure in Result.Failures, results kept in a [CacheStore] by a
// hash of the Input and the analyzer's [Fingerprinter] configuration,
// and slog records with no data, prompt or key at Info. The LLM
// analyzers (package analysis/llm and the provider modules) record in
// Result.Dropped what their grounding check refused, and why.
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
//   - Intervals: metrics.Interval, in rules.Evidence and in [Figure].
//   - Actions: a recommendation's [ActionKind] holds the rule engine's
//     action types under the same names and strings, and more (refresh
//     the creative, adjust the audience, ...); [ActionKindOf] converts a
//     rules.ActionType.
//   - Units: metrics.Unit everywhere: a metric's unit (metrics.Metric),
//     a rule condition's (rules.Evidence.Unit) and a [Figure]'s are the
//     same type and the same JSON strings ("count", "money", "fraction",
//     "ratio", "milliseconds", "hours", "days"). Nothing to convert.
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
