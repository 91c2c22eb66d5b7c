package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/sqlite3store"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver, "sqlite"
)

// Dialect names a database engine.
type Dialect string

// The two engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database of either engine: the database/sql handle every
// query goes through, and on PostgreSQL the pgx pool it was made from (River
// listens on it). What differs between the engines (driver, migrations,
// session store, River driver, cross-process locks) is behind the engine
// interface; the queries are shared.
type DB struct {
	// SQL is the handle all queries use. On SQLite it holds one
	// connection (see Open).
	SQL *sql.DB
	// Pool is the pgx pool on PostgreSQL; nil on SQLite.
	Pool *pgxpool.Pool
	// Dialect is the engine.
	Dialect Dialect

	eng engine
}

// engine is what the two implementations do differently.
type engine interface {
	// migrationsDir is the folder of the embedded goose migrations.
	migrationsDir() string
	// sessionStore returns the scs store on the engine's sessions table
	// and a function that stops its cleanup goroutine.
	sessionStore(cleanup time.Duration) (scs.Store, func())
	// riverDriver returns River's driver for the engine.
	riverDriver() riverdriver.Driver[*sql.Tx]
	// lock takes an exclusive lock named key that also excludes other
	// processes sharing the database, until unlock.
	lock(ctx context.Context, key string) (unlock func(), err error)
	close()
}

// Open opens the database named by dsn: a "postgres://" or "postgresql://"
// URL opens PostgreSQL through pgx; anything else is a SQLite file path
// (optionally prefixed "sqlite://" or "file:"), created if missing. It pings
// the database but does not migrate it (see Migrate).
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case dsn == "":
		return nil, errors.New("store: empty database DSN; want a SQLite path or a postgres:// URL")
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return openPostgres(ctx, dsn)
	default:
		return openSQLite(ctx, dsn)
	}
}

// Close closes the database.
func (db *DB) Close() error {
	db.eng.close()
	return db.SQL.Close()
}

// SessionStore returns an alexedwards/scs store on the sessions table and the
// function that stops its cleanup goroutine (call it before Close).
func (db *DB) SessionStore(cleanup time.Duration) (scs.Store, func()) {
	return db.eng.sessionStore(cleanup)
}

// RiverDriver returns River's driver for the engine: riversqlite on SQLite,
// riverdatabasesql with a pgx listener on PostgreSQL. Both work on *sql.Tx,
// so one River client type serves both engines.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] { return db.eng.riverDriver() }

// Lock takes an exclusive lock named key: on PostgreSQL a session advisory
// lock, which also excludes other processes and replicas; on SQLite (one
// process owns the file) an in-process lock. It waits until the lock is
// free or ctx ends.
func (db *DB) Lock(ctx context.Context, key string) (unlock func(), err error) {
	return db.eng.lock(ctx, key)
}

// sqlite

type sqliteEngine struct {
	db    *sql.DB
	locks keyedMutex
}

func openSQLite(ctx context.Context, dsn string) (*DB, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return nil, fmt.Errorf("store: SQLite DSN %q: parameters are not accepted; give a file path (pragmas are set by the CRM)", dsn)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("store: creating the SQLite directory: %w", err)
		}
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: opening SQLite %q: %w", path, err)
	}
	// One connection: River's advice for SQLite (concurrent writers get
	// SQLITE_BUSY). Every query must therefore finish (rows closed, tx
	// committed) before the next one starts on another goroutine.
	sdb.SetMaxOpenConns(1)
	sdb.SetConnMaxLifetime(0)
	sdb.SetConnMaxIdleTime(0)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("store: opening SQLite %q: %w", path, err)
	}
	return &DB{SQL: sdb, Dialect: SQLite, eng: &sqliteEngine{db: sdb}}, nil
}

func (e *sqliteEngine) migrationsDir() string { return "migrations/sqlite" }
func (e *sqliteEngine) sessionStore(cleanup time.Duration) (scs.Store, func()) {
	s := sqlite3store.NewWithCleanupInterval(e.db, cleanup)
	return s, stopOnce(cleanup, s.StopCleanup)
}
func (e *sqliteEngine) riverDriver() riverdriver.Driver[*sql.Tx] { return riversqlite.New(e.db) }
func (e *sqliteEngine) lock(ctx context.Context, key string) (func(), error) {
	return e.locks.lock(ctx, key)
}
func (e *sqliteEngine) close() {}

// postgres

type pgEngine struct {
	db   *sql.DB
	pool *pgxpool.Pool
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx errors can repeat the DSN, password included: say only what
		// kind of problem it is.
		return nil, errors.New("store: the PostgreSQL URL does not parse; want postgres://user:password@host:port/database")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: connecting to PostgreSQL at %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connecting to PostgreSQL at %s:%d database %q: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	sdb := stdlib.OpenDBFromPool(pool)
	return &DB{SQL: sdb, Pool: pool, Dialect: Postgres, eng: &pgEngine{db: sdb, pool: pool}}, nil
}

func (e *pgEngine) migrationsDir() string { return "migrations/postgres" }
func (e *pgEngine) sessionStore(cleanup time.Duration) (scs.Store, func()) {
	s := postgresstore.NewWithCleanupInterval(e.db, cleanup)
	return s, stopOnce(cleanup, s.StopCleanup)
}
func (e *pgEngine) riverDriver() riverdriver.Driver[*sql.Tx] {
	return riverdatabasesql.NewWithPgxListener(e.db, e.pool)
}

// lock holds a session-level advisory lock on a connection taken from the
// pool for as long as the lock is held.
func (e *pgEngine) lock(ctx context.Context, key string) (func(), error) {
	conn, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: lock %q: %w", key, err)
	}
	id := lockID(key)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", id); err != nil {
		conn.Release()
		return nil, fmt.Errorf("store: lock %q: %w", key, err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", id); err != nil {
				// The session still holds the lock: close the connection
				// so PostgreSQL releases it.
				_ = conn.Conn().Close(ctx)
			}
			conn.Release()
		})
	}, nil
}
func (e *pgEngine) close() { e.pool.Close() }

// lockID maps a lock name to the 64-bit key of pg_advisory_lock.
func lockID(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte("adpilot-crm:" + key))
	return int64(h.Sum64())
}

func stopOnce(cleanup time.Duration, stop func()) func() {
	if cleanup <= 0 {
		return func() {}
	}
	var once sync.Once
	return func() { once.Do(stop) }
}

// keyedMutex is a set of in-process locks by name that honour contexts.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]chan struct{}
}

func (k *keyedMutex) lock(ctx context.Context, key string) (func(), error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]chan struct{}{}
	}
	ch := k.m[key]
	if ch == nil {
		ch = make(chan struct{}, 1)
		k.m[key] = ch
	}
	k.mu.Unlock()
	select {
	case ch <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("store: lock %q: %w", key, ctx.Err())
	}
	var once sync.Once
	return func() { once.Do(func() { <-ch }) }, nil
}
