package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metaads"
)

// ErrBadCredential: a service token that is malformed, unknown, revoked or
// whose secret does not match. The cause is not told apart, on purpose.
var ErrBadCredential = errors.New("store: invalid or revoked service token")

// ServiceTokenPrefix starts every service token.
const ServiceTokenPrefix = "adp_"

// ServiceToken is a credential the agent uses to call the credentials API
// on behalf of a user, limited to some of the user's ad accounts. Only a
// SHA-256 of its secret is stored; the token is shown once, when created.
type ServiceToken struct {
	ID         string // public part, in the token after the prefix
	UserID     int64
	Name       string
	Accounts   []metaads.AccountID // the accounts it may act on, sorted
	CreatedAt  time.Time
	RevokedAt  time.Time // zero while valid
	LastUsedAt time.Time
}

// Allows reports whether the token may act on account.
func (t *ServiceToken) Allows(account metaads.AccountID) bool {
	return slices.Contains(t.Accounts, account)
}

// CreateServiceToken creates a token for the user scoped to accounts, which
// must all be the user's (ErrNotFound names the first that is not), and
// returns it in the clear with its stored description.
func (s *Store) CreateServiceToken(ctx context.Context, userID int64, name string, accounts []metaads.AccountID) (string, *ServiceToken, error) {
	if len(accounts) == 0 {
		return "", nil, errors.New("store: a service token needs at least one ad account")
	}
	idb := make([]byte, 8)
	secret := make([]byte, 32)
	rand.Read(idb)
	rand.Read(secret)
	t := &ServiceToken{ID: hex.EncodeToString(idb), UserID: userID, Name: name, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	t.Accounts = slices.Clone(accounts)
	slices.SortFunc(t.Accounts, func(a, b metaads.AccountID) int { return strings.Compare(a.String(), b.String()) })
	t.Accounts = slices.Compact(t.Accounts)
	sum := sha256.Sum256(secret)
	err := s.WithTx(ctx, func(tx *sql.Tx) error {
		for _, a := range t.Accounts {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM ad_accounts WHERE user_id = $1 AND account_id = $2`, userID, a.String()).Scan(&n); err != nil {
				return fmt.Errorf("store: checking account %s: %w", a, err)
			}
			if n == 0 {
				return fmt.Errorf("store: ad account %s: %w", a, ErrNotFound)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO service_tokens (id, user_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)`,
			t.ID, userID, name, sum[:], ms(t.CreatedAt)); err != nil {
			return fmt.Errorf("store: creating service token: %w", err)
		}
		for _, a := range t.Accounts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO service_token_accounts (token_id, account_id) VALUES ($1, $2)`, t.ID, a.String()); err != nil {
				return fmt.Errorf("store: creating service token: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	return ServiceTokenPrefix + t.ID + "_" + base64.RawURLEncoding.EncodeToString(secret), t, nil
}

// parseServiceToken splits a token into id and secret.
func parseServiceToken(tok string) (id string, secret []byte, ok bool) {
	rest, ok := strings.CutPrefix(tok, ServiceTokenPrefix)
	if !ok {
		return "", nil, false
	}
	id, enc, ok := strings.Cut(rest, "_")
	if !ok || len(id) != 16 || strings.Trim(id, "0123456789abcdef") != "" {
		return "", nil, false
	}
	// Strict: the last character carries two padding bits, which must be
	// zero, so one secret has exactly one spelling.
	secret, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil || len(secret) != 32 {
		return "", nil, false
	}
	return id, secret, true
}

// AuthenticateServiceToken checks a token presented to the credentials
// API and returns its description, recording the use. Anything but a
// valid, unrevoked token gives ErrBadCredential.
func (s *Store) AuthenticateServiceToken(ctx context.Context, tok string) (*ServiceToken, error) {
	id, secret, ok := parseServiceToken(tok)
	if !ok {
		return nil, ErrBadCredential
	}
	var hash []byte
	var revoked int64
	t, err := s.serviceToken(ctx, `WHERE id = $1`, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrBadCredential
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.SQL.QueryRowContext(ctx, `SELECT secret_hash, revoked_at FROM service_tokens WHERE id = $1`, id).Scan(&hash, &revoked); err != nil {
		return nil, fmt.Errorf("store: reading service token: %w", err)
	}
	sum := sha256.Sum256(secret)
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 || revoked != 0 {
		return nil, ErrBadCredential
	}
	now := s.now()
	if _, err := s.db.SQL.ExecContext(ctx, `UPDATE service_tokens SET last_used_at = $2 WHERE id = $1`, id, ms(now)); err != nil {
		return nil, fmt.Errorf("store: recording service token use: %w", err)
	}
	t.LastUsedAt = now.UTC().Truncate(time.Millisecond)
	return t, nil
}

func (s *Store) serviceToken(ctx context.Context, where string, args ...any) (*ServiceToken, error) {
	ts, err := s.serviceTokens(ctx, where, args...)
	if err != nil {
		return nil, err
	}
	if len(ts) == 0 {
		return nil, ErrNotFound
	}
	return ts[0], nil
}

func (s *Store) serviceTokens(ctx context.Context, where string, args ...any) ([]*ServiceToken, error) {
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT id, user_id, name, created_at, revoked_at, last_used_at FROM service_tokens `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing service tokens: %w", err)
	}
	var out []*ServiceToken
	for rows.Next() {
		var t ServiceToken
		var c, r, u int64
		if err := rows.Scan(&t.ID, &t.UserID, &t.Name, &c, &r, &u); err != nil {
			rows.Close()
			return nil, err
		}
		t.CreatedAt, t.RevokedAt, t.LastUsedAt = fromMS(c), fromMS(r), fromMS(u)
		out = append(out, &t)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}
	for _, t := range out {
		rows, err := s.db.SQL.QueryContext(ctx, `SELECT account_id FROM service_token_accounts WHERE token_id = $1 ORDER BY account_id`, t.ID)
		if err != nil {
			return nil, fmt.Errorf("store: listing service token accounts: %w", err)
		}
		for rows.Next() {
			var a string
			if err := rows.Scan(&a); err != nil {
				rows.Close()
				return nil, err
			}
			if id, err := metaads.ParseAccountID(a); err == nil {
				t.Accounts = append(t.Accounts, id)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ServiceTokens lists the user's service tokens (revoked ones too).
func (s *Store) ServiceTokens(ctx context.Context, userID int64) ([]*ServiceToken, error) {
	return s.serviceTokens(ctx, `WHERE user_id = $1`, userID)
}

// RevokeServiceToken revokes one of the user's tokens (ErrNotFound
// otherwise). Revoking twice is not an error.
func (s *Store) RevokeServiceToken(ctx context.Context, userID int64, id string) error {
	res, err := s.db.SQL.ExecContext(ctx, `UPDATE service_tokens SET revoked_at = CASE WHEN revoked_at = 0 THEN $3 ELSE revoked_at END
		WHERE id = $1 AND user_id = $2`, id, userID, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: revoking service token: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: service token %q: %w", id, ErrNotFound)
	}
	return nil
}

// AuditEntry is one line of the audit log: a use of the credentials API
// or another sensitive action.
type AuditEntry struct {
	ID      int64
	At      time.Time
	UserID  int64
	TokenID string // the service token used, when any
	Action  string // like "token.issue", "account.report_190", "token.revoke"
	Account string // the ad account concerned, when any
	Outcome string // "ok", "denied", "error"
	Detail  string // words; never a secret
	Remote  string // client address
}

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	_, err := s.db.SQL.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, token_id, action, account_id, outcome, detail, remote)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ms(e.At), e.UserID, e.TokenID, e.Action, e.Account, e.Outcome, e.Detail, e.Remote)
	if err != nil {
		return fmt.Errorf("store: writing the audit log: %w", err)
	}
	return nil
}

// AuditLog returns the user's newest audit entries, at most limit.
func (s *Store) AuditLog(ctx context.Context, userID int64, limit int) ([]AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT id, at, user_id, token_id, action, account_id, outcome, detail, remote
		FROM audit_log WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: reading the audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.TokenID, &e.Action, &e.Account, &e.Outcome, &e.Detail, &e.Remote); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
