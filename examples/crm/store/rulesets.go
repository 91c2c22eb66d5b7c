package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RuleSet is a user's rules document (the JSON the rules package compiles).
type RuleSet struct {
	ID        int64
	UserID    int64
	Name      string
	Spec      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SaveRuleSet creates the user's rule set (ID 0) or replaces the spec and
// name of an existing one of the user's; another user's id gives ErrNotFound,
// a name the user already uses ErrConflict.
func (s *Store) SaveRuleSet(ctx context.Context, rs *RuleSet) error {
	now := s.now().UTC().Truncate(time.Millisecond)
	if rs.ID == 0 {
		err := s.db.SQL.QueryRowContext(ctx, `INSERT INTO rule_sets (user_id, name, spec, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $4) RETURNING id`, rs.UserID, rs.Name, rs.Spec, ms(now)).Scan(&rs.ID)
		if isUniqueViolation(err) {
			return fmt.Errorf("store: rule set %q: %w", rs.Name, ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("store: creating rule set: %w", err)
		}
		rs.CreatedAt, rs.UpdatedAt = now, now
		return nil
	}
	res, err := s.db.SQL.ExecContext(ctx, `UPDATE rule_sets SET name = $3, spec = $4, updated_at = $5 WHERE id = $1 AND user_id = $2`,
		rs.ID, rs.UserID, rs.Name, rs.Spec, ms(now))
	if isUniqueViolation(err) {
		return fmt.Errorf("store: rule set %q: %w", rs.Name, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("store: saving rule set %d: %w", rs.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: rule set %d: %w", rs.ID, ErrNotFound)
	}
	rs.UpdatedAt = now
	return nil
}

const ruleSetCols = `id, user_id, name, spec, created_at, updated_at`

func scanRuleSet(sc interface{ Scan(...any) error }) (*RuleSet, error) {
	var r RuleSet
	var c, u int64
	if err := sc.Scan(&r.ID, &r.UserID, &r.Name, &r.Spec, &c, &u); err != nil {
		return nil, err
	}
	r.CreatedAt, r.UpdatedAt = fromMS(c), fromMS(u)
	return &r, nil
}

// RuleSet returns one of the user's rule sets (ErrNotFound otherwise).
func (s *Store) RuleSet(ctx context.Context, userID, id int64) (*RuleSet, error) {
	r, err := scanRuleSet(s.db.SQL.QueryRowContext(ctx, `SELECT `+ruleSetCols+` FROM rule_sets WHERE id = $1 AND user_id = $2`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: rule set %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading rule set %d: %w", id, err)
	}
	return r, nil
}

// RuleSets lists the user's rule sets by name.
func (s *Store) RuleSets(ctx context.Context, userID int64) ([]*RuleSet, error) {
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT `+ruleSetCols+` FROM rule_sets WHERE user_id = $1 ORDER BY name, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: listing rule sets: %w", err)
	}
	defer rows.Close()
	var out []*RuleSet
	for rows.Next() {
		r, err := scanRuleSet(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteRuleSet removes one of the user's rule sets (ErrNotFound otherwise).
func (s *Store) DeleteRuleSet(ctx context.Context, userID, id int64) error {
	res, err := s.db.SQL.ExecContext(ctx, `DELETE FROM rule_sets WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("store: deleting rule set %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: rule set %d: %w", id, ErrNotFound)
	}
	return nil
}
