// Package usagestore is a metaads.SharedUsageStore on the examples'
// database (package sqldb): the rate-limit state that the agent's
// processes and the CRM's replicas share, so that together they stay
// inside Meta's budgets, which are per app, ad account and business use
// case, not per process. SQLite serves one machine; PostgreSQL serves
// many.
//
// What is shared: per budget (metaads.UsageKey), the newest response's
// usage figure, a throttle's block, the learned cost of a call, and every
// client's number of requests in flight. Concurrent writers merge instead
// of overwriting each other (metaads.MergeUsage in one SQL upsert): the
// last response's headers are the truth for a budget, a block only grows,
// and each client's in-flight count has a row of its own, so the estimate
// every process makes between responses adds up the others' calls. What
// is not shared: each client's pacing limiters and retry budget
// (metaads.WithRetryBudget), and the state each client falls back on when
// the store fails (the metaads scheduler logs the failure once and goes
// on; no request fails because of the store).
//
// Clocks: the tables hold every time in the database's clock. On
// PostgreSQL each store measures its server's clock against the process's
// once a minute (WithClockSync; one query) and converts, so processes on
// machines whose clocks differ agree on which headers are the newest, when
// a throttle's block ends and what has expired: without it, a process
// whose clock is 30 seconds ahead made its older headers win over the
// others' newer ones for 30 seconds, and the others ignored the calls in
// flight of one whose clock was more than the in-flight TTL behind. On
// SQLite every process is on the database's machine, with one clock.
//
// Expiry: a state observed longer ago than Meta's window (WithWindow,
// default one hour) and not blocked is unknown to loads; an in-flight
// count not updated within WithInFlightTTL (a process that died) is not
// counted. Rows are deleted every WithPurgeEvery by an update.
//
// Cost per request: the scheduler calls LoadShared and UpdateShared once
// when it admits a request and once when the answer arrives, each covering
// all the budgets the request counts against (3 to 5): two one-statement
// reads and two writes (on PostgreSQL one statement each; on SQLite the
// write with both in-flight counts and states is one transaction of two),
// and on PostgreSQL one clock reading a minute per process.
// On PostgreSQL the two tables are UNLOGGED: their writes skip the
// write-ahead log, so a request waits for no disk flush; a crash of the
// server empties them, which loses nothing the next responses' headers do
// not bring back (and standbys do not have them). BenchmarkStoreRequest and
// BenchmarkClientRequest measure the cost per engine.
//
// The tables come from Migrations, with their own goose version table, so
// every program that shares the database runs them with its own
// (sqldb.DB.Migrate takes more sets after the program's).
package usagestore
