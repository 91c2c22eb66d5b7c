package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
)

// Errors of the store, for errors.Is.
var (
	// ErrNotFound: no row matches (or it belongs to another user).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a row with the same unique key exists.
	ErrConflict = errors.New("store: already exists")
)

// Store runs the CRM's queries. Every query is written once, with $N
// placeholders, and runs on both engines. Methods that read or change a
// user's data take the user id and filter on it, so one user never sees
// another's rows.
type Store struct {
	db  *DB
	now func() time.Time
}

// New returns a Store on db. now is the clock (nil means time.Now).
func New(db *DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// DB returns the database the store uses.
func (s *Store) DB() *DB { return s.db }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.SQL.PingContext(ctx) }

// WithTx runs f in a transaction, committing when it returns nil.
func (s *Store) WithTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	return s.db.WithTx(ctx, f)
}

// isUniqueViolation reports whether err is a unique-key violation on
// either engine.
func isUniqueViolation(err error) bool { return sqldb.IsUniqueViolation(err) }

// ms converts a time to the stored Unix milliseconds (0 for the zero time).
func ms(t time.Time) int64 { return sqldb.MS(t) }

// fromMS converts stored Unix milliseconds back (0 is the zero time).
func fromMS(v int64) time.Time { return sqldb.FromMS(v) }
