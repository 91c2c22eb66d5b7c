// Package sqldb is the database engine layer the example programs share
// (examples/crm and examples/agent): one database, SQLite (modernc.org/sqlite,
// no cgo) for one process or PostgreSQL (pgx) for several, behind one
// *sql.DB on which every query is written once with $N placeholders.
//
// What the engines do differently sits here: opening (SQLite pragmas and one
// connection, a pgx pool and its database/sql handle), River's driver
// (riversqlite, or riverdatabasesql with a pgx listener, both on *sql.Tx so
// one River client type serves both engines), cross-process locks (a
// PostgreSQL advisory lock, an in-process lock on SQLite) and migrations
// (goose on a folder per engine with the same versions, then River's
// tables, under one lock since rivermigrate takes none).
//
// Ledger is a rules.Ledger on the rule_ledger and rule_claims tables whose
// Claim is atomic across processes; each program's migrations create those
// tables (see Ledger for their columns).
//
// A new table comes as a new numbered migration in both folders of the
// program that owns it. Tables several programs share (the rate-limit
// state of package usagestore) come in a set of their own with its own
// version table, which each program passes to Migrate after its own.
package sqldb
