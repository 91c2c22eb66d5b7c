package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Ledger is a rules.Ledger on the tables rule_ledger and rule_claims,
// optionally scoped by one column (the CRM keeps one ledger per user in
// user_id; the agent one ledger in scope). Claim is atomic across
// processes: each attempt of a decision id inserts a row with a unique key
// (scope, decision id, attempt) into rule_claims, so of two executors
// claiming the same attempt only one insert succeeds.
//
// The tables, in each program's migrations (BIGINT on PostgreSQL, INTEGER
// on SQLite; times are Unix milliseconds):
//
//	rule_ledger (seq identity primary key, {scope} NOT NULL, decision_id, rule_id,
//	  entity_id, account, level, action, budget, from_value, to_value, outcome,
//	  error, at, attempt)
//	rule_claims ({scope}, decision_id, attempt, PRIMARY KEY ({scope}, decision_id, attempt))
type Ledger struct {
	db    *DB
	col   string
	scope any
}

var _ rules.Ledger = (*Ledger)(nil)

// NewLedger returns the ledger of scope in column scopeColumn of the
// ledger tables (a column name of the program's schema, never user input).
func NewLedger(db *DB, scopeColumn string, scope any) *Ledger {
	return &Ledger{db: db, col: scopeColumn, scope: scope}
}

const ledgerCols = `decision_id, rule_id, entity_id, account, level, action, budget, from_value, to_value, outcome, error, at, attempt`

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func (l *Ledger) insert(ctx context.Context, x execer, e rules.Entry) error {
	_, err := x.ExecContext(ctx, `INSERT INTO rule_ledger (`+l.col+`, `+ledgerCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		l.scope, e.DecisionID, e.RuleID, e.EntityID, e.Account, e.Level.String(), e.Action.String(), int64(e.Budget),
		e.From, e.To, string(e.Outcome), e.Error, MS(e.At), e.Attempt)
	if err != nil {
		return fmt.Errorf("ledger: insert of decision %s: %w", e.DecisionID, err)
	}
	return nil
}

// Record implements rules.Ledger.
func (l *Ledger) Record(ctx context.Context, e rules.Entry) error {
	return l.insert(ctx, l.db.SQL, e)
}

func scanEntry(sc interface{ Scan(...any) error }) (rules.Entry, error) {
	var e rules.Entry
	var level, action, outcome string
	var budget, at int64
	if err := sc.Scan(&e.DecisionID, &e.RuleID, &e.EntityID, &e.Account, &level, &action, &budget, &e.From, &e.To, &outcome, &e.Error, &at, &e.Attempt); err != nil {
		return e, err
	}
	lv, err := metrics.ParseLevel(level)
	if err != nil {
		return e, fmt.Errorf("ledger: row %s: %w", e.DecisionID, err)
	}
	e.Level = lv
	if err := e.Action.UnmarshalText([]byte(action)); err != nil {
		return e, fmt.Errorf("ledger: row %s: %w", e.DecisionID, err)
	}
	e.Budget = rules.BudgetKind(budget)
	e.Outcome, e.At = rules.Outcome(outcome), FromMS(at)
	return e, nil
}

func (l *Ledger) latest(ctx context.Context, x execer, id string) (rules.Entry, bool, error) {
	e, err := scanEntry(x.QueryRowContext(ctx, `SELECT `+ledgerCols+` FROM rule_ledger
		WHERE `+l.col+` = $1 AND decision_id = $2 ORDER BY seq DESC LIMIT 1`, l.scope, id))
	if errors.Is(err, sql.ErrNoRows) {
		return rules.Entry{}, false, nil
	}
	if err != nil {
		return rules.Entry{}, false, fmt.Errorf("ledger: lookup of decision %s: %w", id, err)
	}
	return e, true, nil
}

// Lookup implements rules.Ledger.
func (l *Ledger) Lookup(ctx context.Context, id string) (rules.Entry, bool, error) {
	return l.latest(ctx, l.db.SQL, id)
}

// mayHaveApplied mirrors rules' rule: applied, pending or unknown entries
// may have changed the entity and block a new claim.
func mayHaveApplied(o rules.Outcome) bool {
	return o == rules.OutcomeApplied || o == rules.OutcomePending || o == rules.OutcomeUnknown
}

// Claim implements rules.Ledger.
func (l *Ledger) Claim(ctx context.Context, e rules.Entry) (rules.Entry, bool, error) {
	var latest rules.Entry
	claimed := false
	err := l.db.WithTx(ctx, func(tx *sql.Tx) error {
		prev, ok, err := l.latest(ctx, tx, e.DecisionID)
		if err != nil {
			return err
		}
		if ok && mayHaveApplied(prev.Outcome) {
			latest = prev
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO rule_claims (`+l.col+`, decision_id, attempt) VALUES ($1, $2, $3)
			ON CONFLICT (`+l.col+`, decision_id, attempt) DO NOTHING`, l.scope, e.DecisionID, e.Attempt)
		if err != nil {
			return fmt.Errorf("ledger: claim of decision %s: %w", e.DecisionID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			// Another executor claimed this attempt first.
			latest = prev
			if err != nil {
				return err
			}
			return errLostClaim
		}
		e.Outcome = rules.OutcomePending
		if err := l.insert(ctx, tx, e); err != nil {
			return err
		}
		latest, claimed = e, true
		return nil
	})
	if errors.Is(err, errLostClaim) {
		// The winner's pending entry is committed (or will be): report it.
		if cur, ok, lerr := l.Lookup(ctx, e.DecisionID); lerr == nil && ok {
			return cur, false, nil
		}
		latest.Outcome = rules.OutcomePending
		return latest, false, nil
	}
	if err != nil {
		return rules.Entry{}, false, err
	}
	return latest, claimed, nil
}

var errLostClaim = errors.New("ledger: claim lost to another executor")

// List implements rules.Ledger: the scope's entries at or after since,
// oldest first (read into memory before the first yield, so the one SQLite
// connection is free while the caller works).
func (l *Ledger) List(ctx context.Context, since time.Time) iter.Seq2[rules.Entry, error] {
	return func(yield func(rules.Entry, error) bool) {
		rows, err := l.db.SQL.QueryContext(ctx, `SELECT `+ledgerCols+` FROM rule_ledger
			WHERE `+l.col+` = $1 AND at >= $2 ORDER BY seq`, l.scope, MS(since))
		if err != nil {
			yield(rules.Entry{}, fmt.Errorf("ledger: list: %w", err))
			return
		}
		var out []rules.Entry
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				rows.Close()
				yield(rules.Entry{}, err)
				return
			}
			out = append(out, e)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			yield(rules.Entry{}, err)
			return
		}
		for _, e := range out {
			if !yield(e, nil) {
				return
			}
		}
	}
}
