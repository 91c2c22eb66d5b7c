// Package runner runs the optimization pass for one ad account with the
// agent's credentials and settings: it takes the account's token from a
// creds.Source, calls analysis.Run (collect, snapshot, statistics, rules,
// signals, analyzer) on a Graph client shared by every account of one
// endpoint (so the client's rate-limit scheduler paces them together), and,
// when applying, executes the live rules' allowed decisions through
// rules.Executor with metaactuator and the database ledger, so a decision
// is applied once however often a run is retried.
//
// A Meta error 190 during the pass or the changes makes the runner report
// the account to its source (creds.Source.Invalid: the CRM marks it for
// reconnection) and ends that account with StatusNeedsReconnect; other
// accounts are unaffected. Every Outcome says what happened, with the
// number of Graph calls the account cost.
//
// RunAll runs many accounts with a bounded pool (the in-process path; the
// queue package runs the same Pass as River jobs). Package report renders
// Outcomes and analysis reports as JSON, Markdown and HTML.
package runner
