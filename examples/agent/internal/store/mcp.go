package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
)

// Proposal is a change an assistant proposed through the MCP server,
// stored until it is applied or expires.
type Proposal struct {
	// ID is the decision id the rules gave the change (the ledger's key).
	ID        string
	Account   string
	CreatedAt time.Time
	ExpiresAt time.Time
	// Body is the proposal as JSON (package mcpserver's shape).
	Body string
}

// SaveProposal stores p. Proposing the same change on the same data
// again (the same decision id) keeps the first proposal and returns
// false; a new one returns true.
func (s *Store) SaveProposal(ctx context.Context, p Proposal) (bool, error) {
	res, err := s.db.SQL.ExecContext(ctx, `INSERT INTO mcp_proposals (id, account, created_at, expires_at, body)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`,
		p.ID, p.Account, sqldb.MS(p.CreatedAt), sqldb.MS(p.ExpiresAt), p.Body)
	if err != nil {
		return false, fmt.Errorf("store: saving proposal %s: %w", p.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: saving proposal %s: %w", p.ID, err)
	}
	return n == 1, nil
}

// ReplaceProposal overwrites the stored proposal with p's id (the same
// decision asked for differently), or returns ErrNotFound.
func (s *Store) ReplaceProposal(ctx context.Context, p Proposal) error {
	res, err := s.db.SQL.ExecContext(ctx, `UPDATE mcp_proposals SET account = $2, created_at = $3, expires_at = $4, body = $5 WHERE id = $1`,
		p.ID, p.Account, sqldb.MS(p.CreatedAt), sqldb.MS(p.ExpiresAt), p.Body)
	if err != nil {
		return fmt.Errorf("store: replacing proposal %s: %w", p.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: replacing proposal %s: %w", p.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("store: proposal %q: %w", p.ID, ErrNotFound)
	}
	return nil
}

// LoadProposal returns the proposal with id, or ErrNotFound.
func (s *Store) LoadProposal(ctx context.Context, id string) (Proposal, error) {
	var p Proposal
	var created, expires int64
	err := s.db.SQL.QueryRowContext(ctx, `SELECT id, account, created_at, expires_at, body FROM mcp_proposals WHERE id = $1`, id).
		Scan(&p.ID, &p.Account, &created, &expires, &p.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return Proposal{}, fmt.Errorf("store: proposal %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Proposal{}, fmt.Errorf("store: reading proposal %q: %w", id, err)
	}
	p.CreatedAt, p.ExpiresAt = sqldb.FromMS(created), sqldb.FromMS(expires)
	return p, nil
}

// AuditEntry is one tool call of the MCP server that proposed or applied
// a change, or was refused doing so.
type AuditEntry struct {
	Seq  int64
	At   time.Time
	Tool string
	// Session is the MCP session id (empty on stdio); Client the client's
	// name and version from its initialize request; Transport "stdio" or
	// "http".
	Session, Client, Transport string
	Account                    string
	ProposalID                 string
	// Arguments are the tool call's arguments as JSON (they never hold a
	// token: no tool takes one).
	Arguments string
	// Outcome is "ok" or the error code the tool answered with
	// ("blocked_by_safeguard", "read_only", ...); Detail says more.
	Outcome, Detail string
}

// Audit appends e and returns its sequence number.
func (s *Store) Audit(ctx context.Context, e AuditEntry) (int64, error) {
	var seq int64
	err := s.db.SQL.QueryRowContext(ctx, `INSERT INTO mcp_audit (at, tool, session, client, transport, account, proposal_id, arguments, outcome, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING seq`,
		sqldb.MS(e.At), e.Tool, e.Session, e.Client, e.Transport, e.Account, e.ProposalID, e.Arguments, e.Outcome, e.Detail).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("store: writing the audit entry of %s: %w", e.Tool, err)
	}
	return seq, nil
}

// AuditLog returns the audit entries with a sequence number above after,
// oldest first, at most limit of them.
func (s *Store) AuditLog(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	rows, err := s.db.SQL.QueryContext(ctx, `SELECT seq, at, tool, session, client, transport, account, proposal_id, arguments, outcome, detail
		FROM mcp_audit WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store: reading the audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Seq, &at, &e.Tool, &e.Session, &e.Client, &e.Transport, &e.Account, &e.ProposalID, &e.Arguments, &e.Outcome, &e.Detail); err != nil {
			return nil, fmt.Errorf("store: reading the audit log: %w", err)
		}
		e.At = sqldb.FromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LatestReport returns the newest stored run of account that has a
// report (an agent run or serve pass), or ErrNotFound.
func (s *Store) LatestReport(ctx context.Context, account string) (AccountRun, error) {
	var r AccountRun
	var status string
	var started, finished int64
	err := s.db.SQL.QueryRowContext(ctx, `SELECT run_key, account, status, attempt, worker, started_at, finished_at, graph_calls, outcome, report, markdown
		FROM account_runs WHERE account = $1 AND report <> '' ORDER BY finished_at DESC, run_key DESC LIMIT 1`, account).
		Scan(&r.RunKey, &r.Account, &status, &r.Attempt, &r.Worker, &started, &finished, &r.GraphCalls, &r.Outcome, &r.Report, &r.Markdown)
	if errors.Is(err, sql.ErrNoRows) {
		return AccountRun{}, fmt.Errorf("store: no stored report of %s: %w", account, ErrNotFound)
	}
	if err != nil {
		return AccountRun{}, fmt.Errorf("store: reading the latest report of %s: %w", account, err)
	}
	r.Status, r.StartedAt, r.FinishedAt = Status(status), sqldb.FromMS(started), sqldb.FromMS(finished)
	return r, nil
}
