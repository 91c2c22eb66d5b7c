package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// Account is an ad account a user connected, with the state of its stored
// token (never the token itself).
type Account struct {
	UserID         int64
	ID             metaads.AccountID
	Name           string
	Currency       string
	Timezone       string
	AccountStatus  int // Meta's account_status
	ConnectedAt    time.Time
	LastVerifiedAt time.Time

	// From the token row (oauth_tokens).
	Status           oauth.ConnectionStatus // "" when the token row is gone
	Expiry           time.Time
	DataAccessExpiry time.Time
	Scopes           []string

	// Goals are the advertiser's goals for the account (SaveGoals); the
	// zero value when none were set. Goals.Currency is the currency they
	// were saved in.
	Goals analysis.Goals
}

// SaveAccounts records the ad accounts a connection granted to the user
// (updating names and settings of known ones).
func (s *Store) SaveAccounts(ctx context.Context, userID int64, accts []metaads.AdAccount) error {
	now := ms(s.now())
	return s.WithTx(ctx, func(tx *sql.Tx) error {
		for _, a := range accts {
			if a.ID.IsZero() {
				continue
			}
			_, err := tx.ExecContext(ctx, `
				INSERT INTO ad_accounts (user_id, account_id, name, currency, timezone, account_status, connected_at, last_verified_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
				ON CONFLICT (user_id, account_id) DO UPDATE SET name = excluded.name, currency = excluded.currency,
					timezone = excluded.timezone, account_status = excluded.account_status,
					connected_at = excluded.connected_at, last_verified_at = excluded.last_verified_at`,
				userID, a.ID.String(), a.Name, a.Currency, a.TimezoneName, int(a.AccountStatus), now)
			if err != nil {
				return fmt.Errorf("store: saving ad account %s: %w", a.ID, err)
			}
		}
		return nil
	})
}

// MarkVerified records that the user's connection was verified with Meta now.
func (s *Store) MarkVerified(ctx context.Context, userID int64) error {
	_, err := s.db.SQL.ExecContext(ctx, `UPDATE ad_accounts SET last_verified_at = $2 WHERE user_id = $1`, userID, ms(s.now()))
	if err != nil {
		return fmt.Errorf("store: marking accounts verified: %w", err)
	}
	return nil
}

const accountQuery = `
	SELECT a.user_id, a.account_id, a.name, a.currency, a.timezone, a.account_status, a.connected_at, a.last_verified_at,
	       COALESCE(t.status, ''), COALESCE(t.expiry, 0), COALESCE(t.data_access_expiry, 0), COALESCE(t.scopes, ''),
	       COALESCE(g.currency, ''), COALESCE(g.target_cpa, 0), COALESCE(g.target_roas, 0), COALESCE(g.gross_margin, 0),
	       COALESCE(g.priority, ''), COALESCE(g.conversion_event, '')
	FROM ad_accounts a
	LEFT JOIN oauth_tokens t ON t.user_key = 'u' || CAST(a.user_id AS TEXT) AND t.account = a.account_id
	LEFT JOIN account_goals g ON g.user_id = a.user_id AND g.account_id = a.account_id`

func scanAccount(sc interface{ Scan(...any) error }) (*Account, error) {
	var a Account
	var id, status, scopes, priority string
	var conn, ver, exp, dexp int64
	g := &a.Goals
	if err := sc.Scan(&a.UserID, &id, &a.Name, &a.Currency, &a.Timezone, &a.AccountStatus, &conn, &ver, &status, &exp, &dexp, &scopes,
		&g.Currency, &g.TargetCPA, &g.TargetROAS, &g.GrossMargin, &priority, &g.ConversionEvent); err != nil {
		return nil, err
	}
	g.Priority = analysis.GoalPriority(priority)
	aid, err := metaads.ParseAccountID(id)
	if err != nil {
		return nil, fmt.Errorf("store: stored ad account %q: %w", id, err)
	}
	a.ID, a.ConnectedAt, a.LastVerifiedAt = aid, fromMS(conn), fromMS(ver)
	a.Status, a.Expiry, a.DataAccessExpiry = oauth.ConnectionStatus(status), fromMS(exp), fromMS(dexp)
	if scopes != "" {
		a.Scopes = strings.Split(scopes, " ")
	}
	return &a, nil
}

// Accounts lists the user's ad accounts by name.
func (s *Store) Accounts(ctx context.Context, userID int64) ([]*Account, error) {
	return s.accounts(ctx, accountQuery+` WHERE a.user_id = $1 ORDER BY a.name, a.account_id`, userID)
}

// ConnectedAccounts lists every user's accounts whose token row is usable
// (connected or expiring), for scheduled work.
func (s *Store) ConnectedAccounts(ctx context.Context) ([]*Account, error) {
	return s.accounts(ctx, accountQuery+` WHERE t.status IN ('connected', 'expiring') ORDER BY a.user_id, a.account_id`)
}

func (s *Store) accounts(ctx context.Context, q string, args ...any) ([]*Account, error) {
	rows, err := s.db.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing ad accounts: %w", err)
	}
	defer rows.Close()
	var out []*Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Account returns one of the user's accounts; another user's account, or
// one never connected, gives ErrNotFound.
func (s *Store) Account(ctx context.Context, userID int64, id metaads.AccountID) (*Account, error) {
	a, err := scanAccount(s.db.SQL.QueryRowContext(ctx, accountQuery+` WHERE a.user_id = $1 AND a.account_id = $2`, userID, id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: ad account %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading ad account %s: %w", id, err)
	}
	return a, nil
}

// RenewLocker returns the oauth.RenewLocker of the database: renewals of
// one user's token take the lock "renew:<user>" (a PostgreSQL advisory lock,
// so replicas take turns).
func (db *DB) RenewLocker() oauth.RenewLocker { return renewLocker{db} }

type renewLocker struct{ db *DB }

func (r renewLocker) LockRenewal(ctx context.Context, user string) (func(), error) {
	return r.db.Lock(ctx, "renew:"+user)
}
