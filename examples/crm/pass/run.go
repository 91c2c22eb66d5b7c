package pass

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
)

// Clients gives the Graph client acting for one user (store.UserKey).
type Clients interface {
	For(user string) (*metaads.Client, error)
}

// Runner runs the pass for the CRM's users and stores the reports.
type Runner struct {
	Store   *store.Store
	Clients Clients
	Logger  *slog.Logger
	Now     func() time.Time
}

var errPending = errors.New("pass: analysis.Run is not on main yet (TEMPORARY, never landed)")

// Analyze runs the pass on one account of a user and stores its report for
// period.
func (r *Runner) Analyze(ctx context.Context, userID int64, account metaads.AccountID, period string) error {
	return errPending
}

// Snapshot collects the account and returns its rules snapshot now.
func (r *Runner) Snapshot(ctx context.Context, u *store.User, account metaads.AccountID) (*rules.Snapshot, error) {
	return nil, errPending
}
