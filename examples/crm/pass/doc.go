// Package pass runs the analysis pass of package analysis for the CRM and
// defines what the CRM stores of it. The pass itself (collect, snapshot,
// rules dry run, signals, analyzer) is analysis.Run; this package adds only
// what the CRM's pages draw: the daily spend and CPA trend read off the
// Dataset's campaign rows.
package pass
