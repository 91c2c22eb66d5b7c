package sqldb

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
// query goes through and, on PostgreSQL, the pgx pool it was made from
// (River listens on it).
type DB struct {
	// SQL is the handle all queries use. On SQLite it holds one
	// connection (see Open): close rows and end transactions before the
	// next query.
	SQL *sql.DB
	// Pool is the pgx pool on PostgreSQL; nil on SQLite.
	Pool *pgxpool.Pool
	// Dialect is the engine.
	Dialect Dialect

	locks keyedMutex // SQLite: in-process locks
}

// IsPostgresURL reports whether dsn names a PostgreSQL database
// ("postgres://" or "postgresql://"); anything else is a SQLite path.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a "postgres://" or "postgresql://"
// URL opens PostgreSQL through pgx; anything else is a SQLite file path
// (optionally prefixed "sqlite://" or "file:"), created with its directory
// if missing. It pings the database but does not migrate it (see Migrate).
// Errors never repeat the URL, which may hold a password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	switch {
	case dsn == "":
		return nil, errors.New("sqldb: empty database DSN; want a SQLite path or a postgres:// URL")
	case IsPostgresURL(dsn):
		return openPostgres(ctx, dsn)
	default:
		return openSQLite(ctx, dsn)
	}
}

// Close closes the database (and the pgx pool).
func (db *DB) Close() error {
	err := db.SQL.Close()
	if db.Pool != nil {
		db.Pool.Close()
	}
	return err
}

// RiverDriver returns River's driver for the engine: riversqlite on SQLite,
// riverdatabasesql with a pgx listener (LISTEN/NOTIFY) on PostgreSQL. Both
// work on *sql.Tx, so one River client type serves both engines.
func (db *DB) RiverDriver() riverdriver.Driver[*sql.Tx] {
	if db.Dialect == Postgres {
		return riverdatabasesql.NewWithPgxListener(db.SQL, db.Pool)
	}
	return riversqlite.New(db.SQL)
}

// WithTx runs f in a transaction, committing when it returns nil and
// rolling back otherwise.
func (db *DB) WithTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqldb: begin: %w", err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqldb: commit: %w", err)
	}
	return nil
}

// Lock takes an exclusive lock named key: on PostgreSQL a session advisory
// lock, which also excludes other processes sharing the database; on SQLite
// (one process owns the file) an in-process lock. It waits until the lock is
// free or ctx ends. unlock is safe to call more than once.
func (db *DB) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if db.Dialect != Postgres {
		return db.locks.lock(ctx, key)
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("sqldb: lock %q: %w", key, err)
	}
	id := LockID(key)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", id); err != nil {
		conn.Release()
		return nil, fmt.Errorf("sqldb: lock %q: %w", key, err)
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

// LockID maps a lock name to the 64-bit key of pg_advisory_lock.
func LockID(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte("adpilot-crm:" + key))
	return int64(h.Sum64())
}

func openSQLite(ctx context.Context, dsn string) (*DB, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		return nil, fmt.Errorf("sqldb: SQLite DSN %q: parameters are not accepted; give a file path (the pragmas are set here)", dsn)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sqldb: creating the SQLite directory: %w", err)
		}
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqldb: opening SQLite %q: %w", path, err)
	}
	// One connection: River's advice for SQLite (concurrent writers get
	// SQLITE_BUSY). Every query must therefore finish (rows closed, tx
	// committed) before the next one starts on another goroutine.
	sdb.SetMaxOpenConns(1)
	sdb.SetConnMaxLifetime(0)
	sdb.SetConnMaxIdleTime(0)
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("sqldb: opening SQLite %q: %w", path, err)
	}
	return &DB{SQL: sdb, Dialect: SQLite}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx errors can repeat the DSN, password included: say only what
		// kind of problem it is.
		return nil, errors.New("sqldb: the PostgreSQL URL does not parse; want postgres://user:password@host:port/database")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqldb: connecting to PostgreSQL at %s: %w", cfg.ConnConfig.Host, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("sqldb: connecting to PostgreSQL at %s:%d database %q: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	return &DB{SQL: stdlib.OpenDBFromPool(pool), Pool: pool, Dialect: Postgres}, nil
}

// IsUniqueViolation reports whether err is a unique-key violation on
// either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	type sqlState interface{ SQLState() string }
	var pe sqlState
	if errors.As(err, &pe) && pe.SQLState() == "23505" {
		return true
	}
	type sqliteCode interface{ Code() int }
	var se sqliteCode
	if errors.As(err, &se) {
		// SQLITE_CONSTRAINT_UNIQUE (2067) and SQLITE_CONSTRAINT_PRIMARYKEY (1555).
		return se.Code() == 2067 || se.Code() == 1555
	}
	return false
}

// MS converts a time to the stored Unix milliseconds (0 for the zero time).
// Times are stored this way on both engines (INTEGER / BIGINT).
func MS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// FromMS converts stored Unix milliseconds back (0 is the zero time).
func FromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

// US converts a time to stored Unix microseconds (0 for the zero time),
// for columns whose order within a millisecond matters (the usage
// observations of package usagestore).
func US(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// FromUS converts stored Unix microseconds back (0 is the zero time).
func FromUS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
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
		return nil, fmt.Errorf("sqldb: lock %q: %w", key, ctx.Err())
	}
	var once sync.Once
	return func() { once.Do(func() { <-ch }) }, nil
}
