package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// RefreshTokensArgs asks for one Refresher run over every stored connection.
type RefreshTokensArgs struct{}

// Kind implements river.JobArgs.
func (RefreshTokensArgs) Kind() string { return "refresh_tokens" }

// InsertOpts: a failed refresh is tried three times; the next interval
// runs anyway.
func (RefreshTokensArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

// AnalyzeAllArgs fans the analysis pass out to every connected account for
// the schedule slot Period.
type AnalyzeAllArgs struct {
	Period string `json:"period"`
}

// Kind implements river.JobArgs.
func (AnalyzeAllArgs) Kind() string { return "analyze_all" }

// InsertOpts makes the fan-out unique per slot.
func (AnalyzeAllArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// AnalyzeAccountArgs runs the analysis pass on one user's ad account for a
// slot. Unique by its arguments: one pass per account and slot, whichever
// replica enqueues it.
type AnalyzeAccountArgs struct {
	UserID  int64  `json:"user_id"`
	Account string `json:"account"`
	Period  string `json:"period"`
}

// Kind implements river.JobArgs.
func (AnalyzeAccountArgs) Kind() string { return "analyze_account" }

// InsertOpts makes the pass unique per user, account and slot, at
// priority 2: a token refresh (priority 1) goes before a queue of passes.
func (AnalyzeAccountArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Priority: 2, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Deps is what the workers call. Workers depend on these functions, not on
// the HTTP layer.
type Deps struct {
	// Refresh runs the oauth Refresher once.
	Refresh func(ctx context.Context) (*oauth.RefreshReport, error)
	// Accounts lists the connected accounts to analyze.
	Accounts func(ctx context.Context) ([]*store.Account, error)
	// Analyze runs the pass on one account and stores its report; a report
	// already stored for the slot is not an error.
	Analyze func(ctx context.Context, userID int64, account metaads.AccountID, period string) error
	// Logger logs job outcomes.
	Logger *slog.Logger
}

// Config sets the schedule.
type Config struct {
	// ID names this replica's River client (default: River's).
	ID string
	// RefreshInterval is how often tokens are checked (default 1h).
	RefreshInterval time.Duration
	// AnalysisInterval is how often every account is analyzed (default 6h).
	AnalysisInterval time.Duration
	// Workers is the number of concurrent jobs (default 2).
	Workers int
	// Now is the clock for slot names (default time.Now).
	Now func() time.Time
}

// Period names the schedule slot that contains t: the start of the
// interval, in UTC.
func Period(t time.Time, interval time.Duration) string {
	return t.UTC().Truncate(interval).Format("2006-01-02T15:04:05Z")
}

// NewClient returns the River client of a replica with its workers and
// periodic jobs; Start it, and Stop it before closing the database.
func NewClient(db *store.DB, deps Deps, cfg Config) (*river.Client[*sql.Tx], error) {
	if deps.Refresh == nil || deps.Accounts == nil || deps.Analyze == nil {
		return nil, errors.New("jobs: Deps needs Refresh, Accounts and Analyze")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval = time.Hour
	}
	if cfg.AnalysisInterval == 0 {
		cfg.AnalysisInterval = 6 * time.Hour
	}
	if cfg.RefreshInterval < time.Second || cfg.AnalysisInterval < time.Second {
		return nil, fmt.Errorf("jobs: intervals must be at least 1s (refresh %s, analysis %s)", cfg.RefreshInterval, cfg.AnalysisInterval)
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[RefreshTokensArgs]) error {
		rep, err := deps.Refresh(ctx)
		if err != nil {
			return err
		}
		deps.Logger.InfoContext(ctx, "jobs: tokens checked", "checked", rep.Checked,
			"renewed", rep.Count(oauth.ActionRenewed), "expiring", rep.Count(oauth.ActionFlagged),
			"needs_reauth", rep.Count(oauth.ActionReauth), "failed", rep.Count(oauth.ActionFailed))
		return nil
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[AnalyzeAllArgs]) error {
		accts, err := deps.Accounts(ctx)
		if err != nil {
			return err
		}
		c := river.ClientFromContext[*sql.Tx](ctx)
		params := make([]river.InsertManyParams, 0, len(accts))
		for _, a := range accts {
			params = append(params, river.InsertManyParams{Args: AnalyzeAccountArgs{UserID: a.UserID, Account: a.ID.String(), Period: j.Args.Period}})
		}
		if len(params) == 0 {
			return nil
		}
		_, err = c.InsertMany(ctx, params)
		return err
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, j *river.Job[AnalyzeAccountArgs]) error {
		acct, err := metaads.ParseAccountID(j.Args.Account)
		if err != nil {
			return river.JobCancel(fmt.Errorf("jobs: bad account in job: %w", err))
		}
		err = deps.Analyze(ctx, j.Args.UserID, acct, j.Args.Period)
		switch {
		case errors.Is(err, oauth.ErrReauthRequired), errors.Is(err, oauth.ErrNoToken), errors.Is(err, store.ErrNotFound),
			errors.Is(err, analysis.ErrCurrencyMismatch):
			// Retrying cannot help until the user reconnects (or sets the
			// goals again in the account's currency).
			return river.JobCancel(err)
		}
		return err
	}))
	refreshEvery, analyzeEvery, now := cfg.RefreshInterval, cfg.AnalysisInterval, cfg.Now
	periodic := []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(refreshEvery), func() (river.JobArgs, *river.InsertOpts) {
			return RefreshTokensArgs{}, nil
		}, &river.PeriodicJobOpts{ID: "refresh_tokens", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(analyzeEvery), func() (river.JobArgs, *river.InsertOpts) {
			return AnalyzeAllArgs{Period: Period(now(), analyzeEvery)}, nil
		}, &river.PeriodicJobOpts{ID: "analyze_all", RunOnStart: true}),
	}
	return river.NewClient(db.RiverDriver(), &river.Config{
		ID:                          cfg.ID,
		Logger:                      deps.Logger,
		Queues:                      map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:                     workers,
		PeriodicJobs:                periodic,
		JobTimeout:                  5 * time.Minute,
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
		FetchOnlyKnownKinds:         true,
	})
}

// Enqueue inserts the pass of one account outside the schedule (after a
// connection, or "analyze now"), for the slot period.
func Enqueue(ctx context.Context, c *river.Client[*sql.Tx], userID int64, account metaads.AccountID, period string) error {
	_, err := c.Insert(ctx, AnalyzeAccountArgs{UserID: userID, Account: account.String(), Period: period}, nil)
	if err != nil {
		return fmt.Errorf("jobs: enqueueing the pass of %s: %w", account, err)
	}
	return nil
}
