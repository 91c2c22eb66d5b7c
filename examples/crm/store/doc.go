// Package store is the CRM's storage: one database, SQLite (modernc.org/sqlite,
// no cgo; the default) or PostgreSQL (pgx; for several replicas), with one
// migration history (goose, embedded, a folder per engine with the same
// versions) and one set of queries written with $N placeholders that runs on
// both. What the engines do differently (driver and pragmas, migrations
// folder, scs session store, River driver, cross-process locks) sits behind
// an internal engine interface with one implementation per engine.
//
// It holds users and login failures, scs sessions, the oauth.Store of sealed
// token rows (wrap it in oauth.EncryptedStore: the store never sees a
// plaintext token), the oauth.ReplayStore (single-use OAuth state across
// replicas), connected ad accounts, rule sets, a per-user rules.Ledger whose
// Claim is atomic across replicas, analysis reports, hashed and scoped
// service tokens with their audit log, and River's tables. DB.Lock takes a
// PostgreSQL advisory lock (an in-process lock on SQLite); DB.RenewLocker
// serializes token renewals of one user across replicas with it.
//
// A new table comes as a new numbered migration in both folders
// (migrations/sqlite and migrations/postgres), plus its queries here.
package store
