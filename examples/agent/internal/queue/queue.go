// Package queue runs the agent's accounts as River jobs: one job per
// account and run, unique by (run key, account), so an account runs once
// per schedule slot however many agent processes see the slot; jobs are
// worked by every agent process sharing the database (SQLite for one
// machine, PostgreSQL for many), each with a bounded number of workers; a
// job held by a process that dies is rescued by River and worked by
// another once RescueAfter has passed.
//
// A run's outcome per account is stored with the job's completion in one
// transaction (river.JobCompleteTx), so an account's run is recorded once
// even when its process dies between finishing the pass and completing the
// job (the pass then runs again on another process, which is safe: the
// pass only reads, and changes go through the ledger).
//
// In serve mode a periodic fan-out job (River's periodic jobs, enqueued by
// the elected leader only) lists the accounts when a slot starts and
// inserts their jobs.
package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/report"
	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/metaads"
)

// QueueName is the River queue of the agent's jobs.
const QueueName = "agent"

// PassArgs is the job of one account in one run.
type PassArgs struct {
	// RunKey is the schedule slot ("slot-20260311T1800Z") or a one-shot
	// run's id. With Account it makes the job unique.
	RunKey  string `json:"run" river:"unique"`
	Account string `json:"account" river:"unique"`
	// Name and Currency are what the source listed (for reports).
	Name     string `json:"name,omitempty"`
	Currency string `json:"currency,omitempty"`
	// NeedsReconnect is the source's word at listing time.
	NeedsReconnect bool `json:"needs_reconnect,omitempty"`
}

// Kind implements river.JobArgs.
func (PassArgs) Kind() string { return "agent_account_pass" }

// InsertOpts implements river.JobArgsWithInsertOpts: unique per run and
// account in every state but cancelled and discarded.
func (PassArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// FanOutArgs is the periodic job that inserts a slot's account jobs.
type FanOutArgs struct {
	RunKey string `json:"run" river:"unique"`
}

// Kind implements river.JobArgs.
func (FanOutArgs) Kind() string { return "agent_fan_out" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (FanOutArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: QueueName, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Deps is what the workers use.
type Deps struct {
	Runner *runner.Runner
	Store  *store.Store
	Source creds.Source
	// Reports, when set, writes each account's reports as files too.
	Reports *report.Writer
	// Progress, when set, gives a progress callback for a pass started
	// on this process; Done is told its outcome.
	Progress func(PassArgs) func(runner.Progress)
	Done     func(PassArgs, *runner.Outcome)
	Logger   *slog.Logger
}

// Config configures a client.
type Config struct {
	// ID names this process among the agent processes (River's client id;
	// default generated).
	ID string
	// Concurrency is the number of accounts this process works at once.
	Concurrency int
	// MaxAttempts is how often an account's pass is tried (transient
	// failures only; default 3).
	MaxAttempts int
	// JobTimeout bounds one pass (default 10 minutes).
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before River takes it
	// as abandoned (its process died) and retries it elsewhere; at least
	// JobTimeout (default JobTimeout + 1 minute).
	RescueAfter time.Duration
	// Schedule, when set, makes the client enqueue the fan-out at each
	// slot (serve); only the elected leader does.
	Schedule *Schedule
	// RunOnStart enqueues the current slot's fan-out at start (serve).
	RunOnStart bool
	// Logger is River's logger (default: discard).
	Logger *slog.Logger
}

// NewClient returns a River client working the agent's queue on the
// store's database.
func NewClient(d *Deps, cfg Config) (*river.Client[*sql.Tx], error) {
	if d.Runner == nil || d.Store == nil || d.Source == nil {
		return nil, errors.New("queue: Deps needs a Runner, a Store and a Source")
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.MaxAttempts < 1 {
		cfg.MaxAttempts = 3
	}
	if cfg.JobTimeout <= 0 {
		cfg.JobTimeout = 10 * time.Minute
	}
	if cfg.RescueAfter == 0 {
		cfg.RescueAfter = cfg.JobTimeout + time.Minute
	}
	if cfg.RescueAfter < cfg.JobTimeout {
		return nil, fmt.Errorf("queue: rescue-after %s is shorter than the job timeout %s; a running pass would be taken for abandoned", cfg.RescueAfter, cfg.JobTimeout)
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &passWorker{d: d})
	river.AddWorker(workers, &fanOutWorker{d: d})
	rc := &river.Config{
		ID:                   cfg.ID,
		Queues:               map[string]river.QueueConfig{QueueName: {MaxWorkers: cfg.Concurrency}},
		Workers:              workers,
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		Logger:               cfg.Logger,
		FetchCooldown:        50 * time.Millisecond,
		FetchPollInterval:    500 * time.Millisecond,
	}
	if cfg.Schedule != nil {
		sched := cfg.Schedule
		rc.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(sched, func() (river.JobArgs, *river.InsertOpts) {
			return FanOutArgs{RunKey: sched.Key(time.Now())}, nil
		}, &river.PeriodicJobOpts{ID: "agent-fan-out", RunOnStart: cfg.RunOnStart})}
	}
	return river.NewClient(d.Store.DB().RiverDriver(), rc)
}

// Enqueue inserts one job per account for the run key and returns the
// jobs (existing ones for accounts already enqueued in this run).
func Enqueue(ctx context.Context, c *river.Client[*sql.Tx], runKey string, accts []creds.Account) ([]*rivertype.JobRow, error) {
	if len(accts) == 0 {
		return nil, nil
	}
	params := make([]river.InsertManyParams, len(accts))
	for i, a := range accts {
		params[i] = river.InsertManyParams{Args: PassArgs{RunKey: runKey, Account: a.ID.String(), Name: a.Name, Currency: a.Currency, NeedsReconnect: a.NeedsReconnect}}
	}
	res, err := c.InsertMany(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("queue: enqueueing %d accounts: %w", len(accts), err)
	}
	jobs := make([]*rivertype.JobRow, len(res))
	for i, r := range res {
		jobs[i] = r.Job
	}
	return jobs, nil
}

// Final reports whether a job state is final.
func Final(s rivertype.JobState) bool {
	return s == rivertype.JobStateCompleted || s == rivertype.JobStateCancelled || s == rivertype.JobStateDiscarded
}

type passWorker struct {
	river.WorkerDefaults[PassArgs]
	d *Deps
}

func (w *passWorker) Work(ctx context.Context, job *river.Job[PassArgs]) error {
	a := job.Args
	id, err := metaads.ParseAccountID(a.Account)
	if err != nil {
		return river.JobCancel(fmt.Errorf("queue: job %d: account %q: %w", job.ID, a.Account, err))
	}
	var progress func(runner.Progress)
	if w.d.Progress != nil {
		progress = w.d.Progress(a)
	}
	o := w.d.Runner.Pass(ctx, creds.Account{ID: id, Name: a.Name, Currency: a.Currency, NeedsReconnect: a.NeedsReconnect}, progress)
	if w.d.Done != nil {
		defer w.d.Done(a, o)
	}
	outcome, err := json.Marshal(o)
	if err != nil {
		return err
	}
	run := store.AccountRun{RunKey: a.RunKey, Account: a.Account, Status: o.Status, Attempt: job.Attempt, Worker: attemptedBy(job),
		StartedAt: o.Started, FinishedAt: o.Started.Add(o.Duration), GraphCalls: o.GraphCalls, Outcome: string(outcome)}
	if o.Report != nil {
		rep, err := json.Marshal(o.Report)
		if err != nil {
			return err
		}
		run.Report, run.Markdown = string(rep), report.AccountMarkdown(o)
	}
	if w.d.Reports != nil {
		if _, err := w.d.Reports.Account(a.RunKey, o); err != nil {
			w.d.Logger.WarnContext(ctx, "writing the report files", "account", a.Account, "error", err)
		}
	}
	if o.Status == store.StatusOK {
		// The outcome and the job's completion commit together.
		return w.d.Store.DB().WithTx(ctx, func(tx *sql.Tx) error {
			if err := w.d.Store.SaveRun(ctx, tx, run); err != nil {
				return err
			}
			_, err := river.JobCompleteTx[riverdriver.Driver[*sql.Tx]](ctx, tx, job)
			return err
		})
	}
	// A failed pass may have failed on the job's own deadline: its
	// outcome is stored all the same.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := w.d.Store.SaveRun(sctx, nil, run); err != nil {
		return err
	}
	if o.Retryable() && job.Attempt < job.MaxAttempts {
		return o.Err // River retries with its backoff
	}
	return river.JobCancel(o.Err)
}

// attemptedBy is the client id of the process working the job.
func attemptedBy(job *river.Job[PassArgs]) string {
	if n := len(job.AttemptedBy); n > 0 {
		return job.AttemptedBy[n-1]
	}
	return ""
}

type fanOutWorker struct {
	river.WorkerDefaults[FanOutArgs]
	d *Deps
}

func (w *fanOutWorker) Work(ctx context.Context, job *river.Job[FanOutArgs]) error {
	accts, err := w.d.Source.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("queue: listing the accounts for %s: %w", job.Args.RunKey, err)
	}
	c, err := river.ClientFromContextSafely[*sql.Tx](ctx)
	if err != nil {
		return err
	}
	jobs, err := Enqueue(ctx, c, job.Args.RunKey, accts)
	if err != nil {
		return err
	}
	w.d.Logger.InfoContext(ctx, "slot enqueued", "run", job.Args.RunKey, "accounts", len(jobs))
	return nil
}
