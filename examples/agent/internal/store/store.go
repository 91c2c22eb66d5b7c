package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/examples/internal/usagestore"
	"github.com/adpilot/adpilot/rules"
)

//go:embed migrations
var migrationFiles embed.FS

// Migrations are the agent's goose migrations.
var Migrations = sqldb.MigrationsIn(migrationFiles, "migrations", "agent_goose_db_version")

// Store runs the agent's queries on either engine.
type Store struct {
	db *sqldb.DB
}

// Open opens the database named by dsn (a SQLite path or a postgres://
// URL) and brings its schema up to date (the agent's tables, the Meta
// rate-limit state it shares with the CRM, then River's).
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, Migrations, log, usagestore.Migrations); err != nil {
		db.Close()
		return nil, err
	}
	return &Store{db: db}, nil
}

// DB returns the database.
func (s *Store) DB() *sqldb.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Ledger returns the agent's rules ledger (one for all accounts: decision
// ids and entity ids are unique across accounts).
func (s *Store) Ledger() rules.Ledger { return sqldb.NewLedger(s.db, "scope", "") }

// Status is what happened to an account in a run.
type Status string

// Statuses.
const (
	StatusOK             Status = "ok"              // the pass ran (and, with --apply, its changes were carried out or refused by a safeguard)
	StatusFailed         Status = "failed"          // the pass could not run
	StatusNeedsReconnect Status = "needs_reconnect" // Meta refused the token; the owner must reconnect
)

// AccountRun is the stored outcome of one account in one run.
type AccountRun struct {
	RunKey     string
	Account    string
	Status     Status
	Attempt    int
	Worker     string
	StartedAt  time.Time
	FinishedAt time.Time
	GraphCalls int
	// Outcome is the JSON of the runner's outcome; Report the JSON of the
	// analysis report (empty when the pass failed) and Markdown its
	// rendering for people.
	Outcome  string
	Report   string
	Markdown string
}

// ErrNotFound: no such row.
var ErrNotFound = errors.New("store: not found")

type execer interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
}

// SaveRun stores the outcome of an account in a run, replacing an earlier
// one of the same run and account (a failed attempt before a retry). Pass a
// tx to store it with the job's completion (river.JobCompleteTx), or nil.
func (s *Store) SaveRun(ctx context.Context, tx *sql.Tx, r AccountRun) error {
	var x execer = s.db.SQL
	if tx != nil {
		x = tx
	}
	_, err := x.ExecContext(ctx, `INSERT INTO account_runs (run_key, account, status, attempt, worker, started_at, finished_at, graph_calls, outcome, report, markdown)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (run_key, account) DO UPDATE SET status = excluded.status, attempt = excluded.attempt, worker = excluded.worker,
			started_at = excluded.started_at, finished_at = excluded.finished_at, graph_calls = excluded.graph_calls,
			outcome = excluded.outcome, report = excluded.report, markdown = excluded.markdown`,
		r.RunKey, r.Account, string(r.Status), r.Attempt, r.Worker, sqldb.MS(r.StartedAt), sqldb.MS(r.FinishedAt), r.GraphCalls, r.Outcome, r.Report, r.Markdown)
	if err != nil {
		return fmt.Errorf("store: saving the run of %s: %w", r.Account, err)
	}
	return nil
}

// Runs returns the stored outcomes of a run, by account.
func (s *Store) Runs(ctx context.Context, runKey string) ([]AccountRun, error) {
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT run_key, account, status, attempt, worker, started_at, finished_at, graph_calls, outcome, report, markdown
		FROM account_runs WHERE run_key = $1 ORDER BY account`, runKey)
	if err != nil {
		return nil, fmt.Errorf("store: listing the runs of %s: %w", runKey, err)
	}
	defer rows.Close()
	var out []AccountRun
	for rows.Next() {
		var r AccountRun
		var status string
		var started, finished int64
		if err := rows.Scan(&r.RunKey, &r.Account, &status, &r.Attempt, &r.Worker, &started, &finished, &r.GraphCalls, &r.Outcome, &r.Report, &r.Markdown); err != nil {
			return nil, fmt.Errorf("store: listing the runs of %s: %w", runKey, err)
		}
		r.Status, r.StartedAt, r.FinishedAt = Status(status), sqldb.FromMS(started), sqldb.FromMS(finished)
		out = append(out, r)
	}
	return out, rows.Err()
}
