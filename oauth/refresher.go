package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/adpilot/adpilot/internal/redact"
)

// RefreshAction is what a Refresher did with one user's connection.
type RefreshAction string

// Refresh actions.
const (
	// ActionRenewed: the token was renewed and its expiry moved later.
	ActionRenewed RefreshAction = "renewed"
	// ActionFlagged: the token or its data access expires within the window
	// and Meta would not extend it; the rows are marked StatusExpiring.
	ActionFlagged RefreshAction = "flagged_expiring"
	// ActionReauth: the token is expired, revoked or refused (code 190); the
	// rows are marked StatusNeedsReauth.
	ActionReauth RefreshAction = "needs_reauth"
	// ActionFailed: renewal failed for another reason (network, throttling);
	// nothing was changed and the next run tries again.
	ActionFailed RefreshAction = "failed"
)

// RefreshResult is the outcome for one user.
type RefreshResult struct {
	// User is the application user whose connection was acted on.
	User string
	// Action is what was done.
	Action RefreshAction
	// Expiry is the token's expiry after the action.
	Expiry time.Time
	// Err is set for ActionReauth and ActionFailed.
	Err error
}

// RefreshReport says what one Refresher run did.
type RefreshReport struct {
	// Checked counts the connections examined (tombstones and connections
	// already needing reauth are skipped and not counted).
	Checked int
	// Results lists the connections acted on; those far from expiry are
	// left alone and not listed.
	Results []RefreshResult
}

// Count returns how many results have action a.
func (r *RefreshReport) Count(a RefreshAction) int {
	n := 0
	for _, x := range r.Results {
		if x.Action == a {
			n++
		}
	}
	return n
}

// String summarizes the report.
func (r *RefreshReport) String() string {
	var parts []string
	for _, a := range []RefreshAction{ActionRenewed, ActionFlagged, ActionReauth, ActionFailed} {
		parts = append(parts, fmt.Sprintf("%s=%d", a, r.Count(a)))
	}
	return fmt.Sprintf("checked=%d %s", r.Checked, strings.Join(parts, " "))
}

// Refresher scans stored connections and renews, or flags, those whose
// token or data access expires within its window. Run it from a scheduler
// (a ticker, cron, or a job queue); it keeps no state between runs.
type Refresher struct {
	m      *Manager
	window time.Duration
}

// String describes the refresher without secrets.
func (r Refresher) String() string { return fmt.Sprintf("oauth.Refresher{window: %s}", r.window) }

// Format prints String for every verb.
func (r Refresher) Format(f fmt.State, verb rune) { redact.Format(f, verb, r.String(), r.String()) }

// LogValue logs the renew window.
func (r Refresher) LogValue() slog.Value { return slog.GroupValue(slog.Duration("window", r.window)) }

// MarshalJSON writes the renew window.
func (r Refresher) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Window string `json:"window"`
	}{r.window.String()})
}

// NewRefresher returns a Refresher for m's store. Options: WithRenewWindow
// (default: the manager's window).
func NewRefresher(m *Manager, opts ...Option) (*Refresher, error) {
	if m == nil {
		return nil, errors.New("oauth: NewRefresher: nil Manager")
	}
	s, err := deriveSettings(m.set, opts)
	if err != nil {
		return nil, err
	}
	return &Refresher{m: m, window: s.renewWindow}, nil
}

// Run examines every connected user once. It returns an error only when
// the store cannot be listed; per-user failures are in the report.
func (r *Refresher) Run(ctx context.Context) (*RefreshReport, error) {
	m := r.m
	var users []*Connection
	for c, err := range m.store.List(ctx, Query{}) {
		if err != nil {
			if errors.Is(err, ErrDecrypt) {
				m.log().LogAttrs(ctx, slog.LevelError, "oauth: refresher skipped a row that does not decrypt", slog.String("error", err.Error()))
				continue
			}
			return nil, fmt.Errorf("oauth: refresher listing connections: %w", err)
		}
		if c.Account.IsZero() && c.Token != nil && c.Status != StatusDisconnected && c.Status != StatusNeedsReauth {
			users = append(users, c)
		}
	}
	rep := &RefreshReport{}
	now := m.now()
	horizon := now.Add(r.window)
	for _, c := range users {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		rep.Checked++
		exp := c.Token.Expiry
		tokenSoon := !exp.IsZero() && exp.Before(horizon)
		dataSoon := !c.DataAccessExpiry.IsZero() && c.DataAccessExpiry.Before(horizon)
		if !tokenSoon && !dataSoon {
			continue
		}
		res := RefreshResult{User: c.User, Expiry: exp}
		switch {
		case !c.DataAccessExpiry.IsZero() && !now.Before(c.DataAccessExpiry):
			res.Action = ActionReauth
			res.Err = m.reauth(ctx, c.User, c.Account, "data access expired; the user must log in again", nil)
		case dataSoon && !tokenSoon:
			// Only a new login restores data access; renewal would not help.
			res.Action = ActionFlagged
			if err := m.setStatus(ctx, c.User, StatusExpiring); err != nil {
				res.Action, res.Err = ActionFailed, err
			}
		default:
			nc, extended, err := m.Renew(ctx, c.User)
			switch {
			case errors.Is(err, ErrReauthRequired):
				res.Action, res.Err = ActionReauth, err
			case err != nil:
				res.Action, res.Err = ActionFailed, err
			case extended && nc.Status == StatusConnected:
				res.Action, res.Expiry = ActionRenewed, nc.Expiry()
			default:
				res.Action, res.Expiry = ActionFlagged, nc.Expiry()
				if err := m.setStatus(ctx, c.User, StatusExpiring); err != nil {
					res.Action, res.Err = ActionFailed, err
				}
			}
		}
		rep.Results = append(rep.Results, res)
	}
	m.log().LogAttrs(ctx, slog.LevelInfo, "oauth: refresher run", slog.String("report", rep.String()))
	return rep, nil
}
