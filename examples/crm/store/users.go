package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// User is a person who signs in to the CRM.
type User struct {
	ID           int64
	Email        string
	PasswordHash string
	CreatedAt    time.Time
}

// Key is the user's key in the OAuth token store (oauth.Key.User).
func (u *User) Key() string { return UserKey(u.ID) }

// UserKey is the oauth.Key.User of the CRM user id.
func UserKey(id int64) string { return fmt.Sprintf("u%d", id) }

// NormalizeEmail lower-cases and trims an address, the form it is stored in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser stores a new user; an address already taken gives ErrConflict.
func (s *Store) CreateUser(ctx context.Context, email, passwordHash string) (*User, error) {
	u := &User{Email: NormalizeEmail(email), PasswordHash: passwordHash, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	err := s.db.SQL.QueryRowContext(ctx,
		`INSERT INTO users (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id`,
		u.Email, u.PasswordHash, ms(u.CreatedAt)).Scan(&u.ID)
	if isUniqueViolation(err) {
		return nil, fmt.Errorf("store: user %q: %w", u.Email, ErrConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("store: creating user: %w", err)
	}
	return u, nil
}

// UserByEmail finds a user by address (ErrNotFound when none).
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	return s.user(ctx, `SELECT id, email, password_hash, created_at FROM users WHERE email = $1`, NormalizeEmail(email))
}

// UserByID finds a user by id (ErrNotFound when none).
func (s *Store) UserByID(ctx context.Context, id int64) (*User, error) {
	return s.user(ctx, `SELECT id, email, password_hash, created_at FROM users WHERE id = $1`, id)
}

func (s *Store) user(ctx context.Context, q string, arg any) (*User, error) {
	var u User
	var created int64
	err := s.db.SQL.QueryRowContext(ctx, q, arg).Scan(&u.ID, &u.Email, &u.PasswordHash, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading user: %w", err)
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

// Users yields the ids of all users (for scheduled work).
func (s *Store) UserIDs(ctx context.Context) ([]int64, error) {
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT id FROM users ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: listing users: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// RecordLoginFailure notes a failed sign-in for the address and client
// address, for rate limiting across replicas.
func (s *Store) RecordLoginFailure(ctx context.Context, email, ip string) error {
	_, err := s.db.SQL.ExecContext(ctx, `INSERT INTO login_failures (email, ip, at) VALUES ($1, $2, $3)`,
		NormalizeEmail(email), ip, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: recording a login failure: %w", err)
	}
	return nil
}

// LoginFailures counts the failed sign-ins since the given time for the
// address and for the client address.
func (s *Store) LoginFailures(ctx context.Context, email, ip string, since time.Time) (byEmail, byIP int, err error) {
	err = s.db.SQL.QueryRowContext(ctx,
		`SELECT (SELECT COUNT(*) FROM login_failures WHERE email = $1 AND at >= $3),
		        (SELECT COUNT(*) FROM login_failures WHERE ip = $2 AND at >= $3)`,
		NormalizeEmail(email), ip, ms(since)).Scan(&byEmail, &byIP)
	if err != nil {
		return 0, 0, fmt.Errorf("store: counting login failures: %w", err)
	}
	return byEmail, byIP, nil
}

// ClearLoginFailures forgets the failures of an address after a good
// sign-in, and drops entries older than before.
func (s *Store) ClearLoginFailures(ctx context.Context, email string, before time.Time) error {
	_, err := s.db.SQL.ExecContext(ctx, `DELETE FROM login_failures WHERE email = $1 OR at < $2`, NormalizeEmail(email), ms(before))
	if err != nil {
		return fmt.Errorf("store: clearing login failures: %w", err)
	}
	return nil
}
