// Package adpilot is the root of the adpilot module, a Go SDK for optimizing
// Meta (Facebook and Instagram) ad campaigns. It holds no code of its own;
// this page is the map of the module and of how its packages fit together.
//
// # Who it is for
//
// Go services that connect their customers' Meta ad accounts and optimize
// them: agencies' tools, CRMs, in-house growth teams. Teams that only want
// trustworthy metric formulas for their own data (CSV exports, warehouse
// rows) can import the metrics package alone.
//
// # Packages
//
//   - [github.com/adpilot/adpilot/metrics]: pure metric functions over raw
//     counts (CTR, CPA, ROAS, frequency, profit, video and ranking metrics),
//     campaign statistics and the statistics rules need (Wilson intervals,
//     Bayesian comparisons, false discovery control, trends). Standard library
//     only; no I/O and no clock.
//   - [github.com/adpilot/adpilot/metaads]: a typed, concurrency-safe client
//     for the Graph and Marketing API. One client serves every ad account of
//     every customer, choosing the token per account on every request, with
//     typed insights (numbers as numbers), lazy pagination, batch, async
//     report runs, safe retries and a rate-limit scheduler.
//   - [github.com/adpilot/adpilot/metaads/metaadstest]: an in-process fake of
//     the Graph API, named like net/http/httptest, for tests and for demos.
//   - [github.com/adpilot/adpilot/oauth]: the Meta login flow (signed state,
//     PKCE, code and long-lived exchange, debug_token), token lifecycle
//     (verify, renew, revoke), encrypted token storage and a per-account
//     token provider for the metaads client.
//   - [github.com/adpilot/adpilot/rules]: a declarative optimization rule
//     engine: compile rule specs, evaluate them purely against a snapshot,
//     execute decisions with safeguards and an idempotent ledger, export what
//     Meta's own automated rules can express.
//   - [github.com/adpilot/adpilot/analysis]: the optimization pass. Collect
//     reads an ad account into a Dataset (or FromRows and ReadCSV build one
//     from warehouse rows or an Ads Manager export), Dataset.Snapshot gives
//     the rules exact windows in the account's time zone, the Analyzer
//     interface (with the deterministic Heuristic) turns the facts into
//     ranked recommendations, and Run does it all in one call, returning a
//     Report the CRM, the agent and users' services store and show.
//   - [github.com/adpilot/adpilot/analysis/signals]: pure signal
//     functions over a Dataset (hour-of-day and day-of-week tables,
//     seasonality and trends, creative fatigue, budget pacing, audience
//     overlap, benchmarks), each with its evidence, typed tables a UI can
//     draw, rule specs to adopt and a false-alarm rate measured on data
//     without the pattern; signals.Func plugs them into Run.
//   - [github.com/adpilot/adpilot/analysis/analysistest]: a conformance
//     suite for any Analyzer and a fake one for tests.
//
// # Examples
//
// The examples module holds runnable programs on these packages only.
// examples/crm (`go run ./examples/crm`) is the complete OAuth backend and
// web UI: sign-up and sessions, Connect Meta Account through oauth's
// handlers, tokens sealed with oauth.EncryptedStore in SQLite or PostgreSQL,
// a per-user oauth.Provider, dashboards drawn from analysis reports, rules
// with dry runs and a database ledger, River jobs for token refresh and the
// scheduled pass, and a credentials API for the agent; with no configuration
// it runs a demo over metaadstest.
//
// # Import direction
//
// metrics imports nothing from this module; rules imports metrics; metaads
// imports metrics (an insights row yields metrics.Counts); metaadstest is an
// independent implementation of the wire protocol and imports no client
// code; oauth imports metaads; the adapter that binds rule actions to the API
// and creates exported rules in Meta's rules library (rules/metaactuator) is
// the only place where rule actions meet metaads; analysis joins metrics,
// rules and metaads to run the pass, and analysis/signals imports analysis
// (never the other way). Nothing in
// the SDK imports the examples module, and example-only dependencies
// (database and browser drivers) live in examples/go.mod. A test in this
// package enforces these edges.
package adpilot
