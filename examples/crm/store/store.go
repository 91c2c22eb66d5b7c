package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
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
	tx, err := s.db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is a unique-key violation on
// either engine.
func isUniqueViolation(err error) bool {
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

// ms converts a time to the stored Unix milliseconds (0 for the zero time).
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS converts stored Unix milliseconds back (0 is the zero time).
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
