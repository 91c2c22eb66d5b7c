package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/adpilot/adpilot/metaads"
)

// Report is a stored result of the analysis pass for one account.
type Report struct {
	ID        int64
	UserID    int64
	Account   metaads.AccountID
	Period    string // the schedule slot the pass ran for; one report per slot
	CreatedAt time.Time
	Summary   string // one line
	Markdown  string // the report as Markdown
	Body      string // the report as JSON
}

// SaveReport stores a report; a second report of the same user, account and
// period gives ErrConflict (the pass ran twice for one slot).
func (s *Store) SaveReport(ctx context.Context, r *Report) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = s.now().UTC().Truncate(time.Millisecond)
	}
	err := s.db.SQL.QueryRowContext(ctx, `INSERT INTO reports (user_id, account_id, period, created_at, summary, markdown, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		r.UserID, r.Account.String(), r.Period, ms(r.CreatedAt), r.Summary, r.Markdown, r.Body).Scan(&r.ID)
	if isUniqueViolation(err) {
		return fmt.Errorf("store: report of %s for %s: %w", r.Account, r.Period, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: saving report: %w", err)
	}
	return nil
}

const reportCols = `id, user_id, account_id, period, created_at, summary, markdown, body`

func scanReport(sc interface{ Scan(...any) error }) (*Report, error) {
	var r Report
	var acct string
	var c int64
	if err := sc.Scan(&r.ID, &r.UserID, &acct, &r.Period, &c, &r.Summary, &r.Markdown, &r.Body); err != nil {
		return nil, err
	}
	id, err := metaads.ParseAccountID(acct)
	if err != nil {
		return nil, fmt.Errorf("store: report %d: %w", r.ID, err)
	}
	r.Account, r.CreatedAt = id, fromMS(c)
	return &r, nil
}

// Report returns one of the user's reports (ErrNotFound otherwise).
func (s *Store) Report(ctx context.Context, userID, id int64) (*Report, error) {
	r, err := scanReport(s.db.SQL.QueryRowContext(ctx, `SELECT `+reportCols+` FROM reports WHERE id = $1 AND user_id = $2`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: report %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading report %d: %w", id, err)
	}
	return r, nil
}

// LatestReport returns the newest report of the user's account
// (ErrNotFound when there is none).
func (s *Store) LatestReport(ctx context.Context, userID int64, acct metaads.AccountID) (*Report, error) {
	r, err := scanReport(s.db.SQL.QueryRowContext(ctx, `SELECT `+reportCols+` FROM reports
		WHERE user_id = $1 AND account_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`, userID, acct.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: report of %s: %w", acct, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading the latest report of %s: %w", acct, err)
	}
	return r, nil
}

// Reports lists the user's reports of an account (zero: all accounts),
// newest first, without their bodies, at most limit.
func (s *Store) Reports(ctx context.Context, userID int64, acct metaads.AccountID, limit int) ([]*Report, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT id, user_id, account_id, period, created_at, summary, '', '' FROM reports
		WHERE user_id = $1 AND ($2 = '' OR account_id = $2) ORDER BY created_at DESC, id DESC LIMIT $3`,
		userID, accountKey(acct), limit)
	if err != nil {
		return nil, fmt.Errorf("store: listing reports: %w", err)
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
