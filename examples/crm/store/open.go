package store

import (
	"context"
	"sync"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
)

// Dialect names a database engine.
type Dialect = sqldb.Dialect

// The two engines.
const (
	SQLite   = sqldb.SQLite
	Postgres = sqldb.Postgres
)

// DB is an open database of either engine (package sqldb, shared with the
// agent): the database/sql handle every query goes through (SQL), on
// PostgreSQL the pgx pool it was made from (Pool), River's driver and the
// cross-process lock. The CRM adds its migrations and scs session store.
type DB struct {
	*sqldb.DB
}

// Open opens the database named by dsn: a "postgres://" or "postgresql://"
// URL opens PostgreSQL through pgx; anything else is a SQLite file path
// (optionally prefixed "sqlite://" or "file:"), created if missing. It pings
// the database but does not migrate it (see Migrate).
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	return &DB{DB: db}, nil
}

// SessionStore returns an alexedwards/scs store on the sessions table and the
// function that stops its cleanup goroutine (call it before Close).
func (db *DB) SessionStore(cleanup time.Duration) (scs.Store, func()) {
	if db.Dialect == Postgres {
		s := postgresstore.NewWithCleanupInterval(db.SQL, cleanup)
		return s, stopOnce(cleanup, s.StopCleanup)
	}
	s := sqlite3store.NewWithCleanupInterval(db.SQL, cleanup)
	return s, stopOnce(cleanup, s.StopCleanup)
}

func stopOnce(cleanup time.Duration, stop func()) func() {
	if cleanup <= 0 {
		return func() {}
	}
	var once sync.Once
	return func() { once.Do(stop) }
}
