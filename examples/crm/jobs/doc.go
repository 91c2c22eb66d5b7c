// Package jobs runs the CRM's scheduled work on River: token renewal (the
// oauth Refresher) and the periodic analysis pass of every connected ad
// account. Every replica runs the same client with the same periodic jobs;
// River elects one leader, which alone enqueues them, and unique jobs keep a
// slot's work from being enqueued twice. The same client type serves both
// engines (riversqlite on SQLite, riverdatabasesql with a pgx listener on
// PostgreSQL), so jobs are inserted in the application's *sql.Tx.
package jobs
