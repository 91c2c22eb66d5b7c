package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/progress"
	"github.com/adpilot/adpilot/examples/agent/internal/queue"
	"github.com/adpilot/adpilot/examples/agent/internal/report"
	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
)

// session is what run and serve build from their flags.
type session struct {
	o       *options
	log     *slog.Logger
	src     creds.Source
	st      *store.Store
	runner  *runner.Runner
	reports *report.Writer
}

func (o *options) open(ctx context.Context, logOut io.Writer) (*session, error) {
	log, err := o.logger(logOut)
	if err != nil {
		return nil, err
	}
	w, err := o.writer()
	if err != nil {
		return nil, err
	}
	src, err := o.source(log)
	if err != nil {
		return nil, err
	}
	var mlog *slog.Logger // migrations speak at info level: only when debugging
	if log.Enabled(ctx, slog.LevelDebug) {
		mlog = log.With("component", "migrate")
	}
	st, err := store.Open(ctx, o.databaseURL, mlog)
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	cfg, err := o.runnerConfig(src, st, log.With("component", "runner"))
	if err != nil {
		st.Close()
		return nil, err
	}
	r, err := runner.New(cfg)
	if err != nil {
		st.Close()
		return nil, usageError{err}
	}
	return &session{o: o, log: log, src: src, st: st, runner: r, reports: w}, nil
}

func (s *session) queueConfig() queue.Config {
	return queue.Config{ID: s.o.processID(), Concurrency: s.o.concurrency, MaxAttempts: s.o.attempts,
		JobTimeout: s.o.jobTimeout, RescueAfter: s.o.rescueAfter, Logger: s.log.With("component", "river")}
}

const runSummary = `Runs the pass once over the accounts the credentials allow (or --accounts),
at most --concurrency at a time, and exits with 0 (all analyzed), 3 (partial)
or 1 (none). Each account is a job in the database's queue: other agent
processes on the same PostgreSQL work some of them. With --every D the run
belongs to the current slot of that interval: an account already run in the
slot (by any process) is not run again, and its stored outcome is reported.`

func runCmd(ctx context.Context, args []string, env *Env) int {
	f := newFlags("run", runSummary, env)
	f.credentials()
	f.database()
	f.rateLimits()
	f.pass()
	f.queue()
	f.DurationVar(&f.o.every, "every", 0, "run in the current slot of this `interval` (one run per account per slot across processes); default: a run of its own")
	f.BoolVar(&f.o.noProgress, "no-progress", false, "no progress bars (they are drawn only when stdout is a terminal)")
	if err := f.parse(args, env); err != nil {
		return exitFor(err, env)
	}
	code, err := run(ctx, f.o, env)
	if err != nil {
		return exitFor(err, env)
	}
	return code
}

func run(ctx context.Context, o *options, env *Env) (int, error) {
	interactive := !o.noProgress && env.terminal(env.Stdout)
	// Bars are made once the accounts are known; logs go above them.
	var bars *progress.Bars
	if interactive {
		bars = progress.New(env.Stdout, true, 0)
	}
	s, err := o.open(ctx, bars.Writer(env.Stderr))
	if err != nil {
		bars.Wait()
		return 0, err
	}
	defer s.st.Close()
	accts, err := o.selectAccounts(ctx, s.src)
	if err != nil {
		bars.Wait()
		return 0, err
	}
	if len(accts) == 0 {
		bars.Wait()
		return 0, fmt.Errorf("%s allows no ad account", s.src)
	}
	bars.SetTotal(len(accts))
	started := o.clock()
	key := o.runKey
	if key == "" {
		key = oneShotKey(started)
		if o.every != 0 {
			sched, err := queue.ParseSchedule(o.every, "")
			if err != nil {
				return 0, usageError{err}
			}
			key = sched.Key(started)
		}
	}
	deps := &queue.Deps{Runner: s.runner, Store: s.st, Source: s.src, Reports: s.reports, Logger: s.log,
		Progress: func(a queue.PassArgs) func(runner.Progress) { return bars.Start(a.Account, a.Name) }}
	client, err := queue.NewClient(deps, s.queueConfig())
	if err != nil {
		return 0, usageError{err}
	}
	if err := client.Start(ctx); err != nil {
		return 0, fmt.Errorf("starting the job queue: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := client.Stop(sctx); err != nil {
			_ = client.StopAndCancel(sctx)
		}
	}()
	s.log.Info("run started", "run", key, "accounts", len(accts), "source", s.src.String(), "apply", o.apply, "process", o.processID())
	jobs, err := queue.Enqueue(ctx, client, key, accts)
	if err != nil {
		return 0, err
	}
	// Wait until every account's job is final, wherever it is worked.
	pending := map[int64]string{}
	for _, j := range jobs {
		pending[j.ID] = accountOf(j.EncodedArgs)
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for len(pending) > 0 {
		ids := make([]int64, 0, len(pending))
		for id := range pending {
			ids = append(ids, id)
		}
		res, err := client.JobList(ctx, river.NewJobListParams().IDs(ids...).States(rivertype.JobStateCompleted, rivertype.JobStateCancelled, rivertype.JobStateDiscarded).First(len(ids)))
		if err != nil && ctx.Err() == nil {
			return 0, fmt.Errorf("reading the run's jobs: %w", err)
		}
		if res != nil {
			for _, j := range res.Jobs {
				if acct, ok := pending[j.ID]; ok {
					delete(pending, j.ID)
					bars.Finish(acct, string(j.State))
				}
			}
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			bars.Wait()
			fmt.Fprintf(env.Stderr, "agent: interrupted with %d of %d accounts unfinished; their jobs stay queued for a later run or another process\n", len(pending), len(accts))
			return ExitFailure, nil
		case <-tick.C:
		}
	}
	bars.Wait()
	sum, err := summary(ctx, s, key, accts, started)
	if err != nil {
		return 0, err
	}
	paths, err := s.reports.Run(sum)
	if err != nil {
		return 0, err
	}
	printSummary(env.Stdout, sum, paths)
	s.log.Info("run finished", "run", key, "ok", sum.OK, "needs_reconnect", sum.NeedsReconnect, "failed", sum.Failed, "graph_calls", sum.GraphCalls)
	return exitCode(sum), nil
}

func accountOf(args []byte) string {
	var a queue.PassArgs
	_ = json.Unmarshal(args, &a)
	return a.Account
}

// summary reads the run's stored outcomes of accts.
func summary(ctx context.Context, s *session, key string, accts []creds.Account, started time.Time) (*report.Run, error) {
	rows, err := s.st.Runs(ctx, key)
	if err != nil {
		return nil, err
	}
	byAcct := map[string]store.AccountRun{}
	for _, r := range rows {
		byAcct[r.Account] = r
	}
	sum := &report.Run{Key: key, Source: s.src.String(), Apply: s.o.apply, Started: started, Finished: s.o.clock()}
	for _, a := range accts {
		r, ok := byAcct[a.ID.String()]
		o := &runner.Outcome{Account: a.ID.String(), Name: a.Name, Status: store.StatusFailed, Error: "no outcome stored (its job was cancelled or discarded before the pass)"}
		if ok {
			o = &runner.Outcome{}
			if err := json.Unmarshal([]byte(r.Outcome), o); err != nil {
				return nil, fmt.Errorf("reading the outcome of %s: %w", a.ID, err)
			}
		}
		sum.Accounts = append(sum.Accounts, o)
	}
	sort.SliceStable(sum.Accounts, func(i, j int) bool { return sum.Accounts[i].Account < sum.Accounts[j].Account })
	sum.Tally()
	return sum, nil
}

func exitCode(sum *report.Run) int {
	switch {
	case sum.OK == len(sum.Accounts):
		return ExitOK
	case sum.OK == 0:
		return ExitFailure
	}
	return ExitPartial
}

func printSummary(w io.Writer, sum *report.Run, paths []string) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tSTATUS\tRECS\tURGENT\tDECISIONS\tAPPLIED\tCALLS\tNOTE")
	for _, o := range sum.Accounts {
		note := o.Error
		if o.Reconnect != nil && o.Reconnect.Reported {
			note = "reported to the CRM for reconnection"
		}
		if len(note) > 80 {
			note = note[:77] + "..."
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\n", o.Account, o.Name, o.Status, o.Recommendations, o.Urgent, o.Decisions, o.Applied, o.GraphCalls, note)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d accounts: %d analyzed, %d need reconnecting, %d failed. Reports: %s\n", len(sum.Accounts), sum.OK, sum.NeedsReconnect, sum.Failed, strings.Join(paths, ", "))
}

const serveSummary = `Runs the pass over the accounts on a schedule until stopped (SIGINT or
SIGTERM): at each slot of --every or --cron the elected leader among the
agent processes sharing the database lists the accounts and enqueues one job
per account, unique for the slot; every process works jobs, at most
--concurrency at a time. Reports are written per account under --out and
stored in the database (agent report --run slot-...).`

func serveCmd(ctx context.Context, args []string, env *Env) error {
	f := newFlags("serve", serveSummary, env)
	f.credentials()
	f.database()
	f.rateLimits()
	f.pass()
	f.queue()
	f.DurationVar(&f.o.every, "every", 0, "run every `interval` (aligned to UTC multiples of it), like 6h")
	f.StringVar(&f.o.cron, "cron", "", "run on a cron `expression` (5 fields, or @hourly, @daily; CRON_TZ=Europe/Berlin prefix for a zone)")
	f.BoolVar(&f.o.runOnStart, "run-on-start", true, "enqueue the current slot at start (already-run accounts are skipped)")
	if err := f.parse(args, env); err != nil {
		return err
	}
	sched, err := queue.ParseSchedule(f.o.every, f.o.cron)
	if err != nil {
		return usageError{err}
	}
	s, err := f.o.open(ctx, env.Stderr)
	if err != nil {
		return err
	}
	defer s.st.Close()
	if _, err := s.src.Accounts(ctx); err != nil {
		if errors.Is(err, creds.ErrUnauthorized) {
			return usageError{err}
		}
		s.log.Warn("listing the accounts failed; the schedule will retry", "error", err)
	}
	cfg := s.queueConfig()
	cfg.Schedule, cfg.RunOnStart = sched, f.o.runOnStart
	deps := &queue.Deps{Runner: s.runner, Store: s.st, Source: s.src, Reports: s.reports, Logger: s.log,
		Done: func(a queue.PassArgs, o *runner.Outcome) {
			s.log.Info("account done", "run", a.RunKey, "account", a.Account, "status", o.Status, "recommendations", o.Recommendations, "applied", o.Applied, "graph_calls", o.GraphCalls)
		}}
	client, err := queue.NewClient(deps, cfg)
	if err != nil {
		return usageError{err}
	}
	if err := client.Start(ctx); err != nil {
		return fmt.Errorf("starting the job queue: %w", err)
	}
	s.log.Info("serving", "schedule", sched.String(), "process", cfg.ID, "concurrency", cfg.Concurrency, "source", s.src.String(), "apply", f.o.apply)
	<-ctx.Done()
	s.log.Info("stopping: finishing the passes in progress")
	sctx, cancel := context.WithTimeout(context.Background(), f.o.jobTimeout)
	defer cancel()
	if err := client.Stop(sctx); err != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = client.StopAndCancel(cctx)
	}
	return nil
}

const accountsSummary = `Lists the ad accounts the credentials allow, with their state.`

func accountsCmd(ctx context.Context, args []string, env *Env) error {
	f := newFlags("accounts", accountsSummary, env)
	f.credentials()
	if err := f.parse(args, env); err != nil {
		return err
	}
	log, err := f.o.logger(env.Stderr)
	if err != nil {
		return err
	}
	src, err := f.o.source(log)
	if err != nil {
		return err
	}
	accts, err := f.o.selectAccounts(ctx, src)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tCURRENCY\tSTATE")
	for _, a := range accts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, a.Name, a.Currency, a.State)
	}
	tw.Flush()
	fmt.Fprintf(env.Stdout, "\n%d accounts from %s\n", len(accts), src)
	return nil
}

const reportSummary = `Prints the summary of a stored run (every account's outcome) and writes it
under --out, with each account's report; exits like the run did.`

func reportCmd(ctx context.Context, args []string, env *Env) int {
	f := newFlags("report", reportSummary, env)
	f.database()
	f.StringVar(&f.o.runKey, "run", "", "the run `key` (printed by run, like slot-20260311T1800Z or run-...)")
	f.StringVar(&f.o.out, "out", "agent-reports", "`directory` for the reports")
	f.StringVar(&f.o.format, "format", "markdown", "`format` of the reports for people: markdown or html")
	if err := f.parse(args, env); err != nil {
		return exitFor(err, env)
	}
	if f.o.runKey == "" {
		return exitFor(usagef("--run is required"), env)
	}
	w, err := f.o.writer()
	if err != nil {
		return exitFor(err, env)
	}
	st, err := store.Open(ctx, f.o.databaseURL, nil)
	if err != nil {
		return exitFor(err, env)
	}
	defer st.Close()
	rows, err := st.Runs(ctx, f.o.runKey)
	if err != nil {
		return exitFor(err, env)
	}
	if len(rows) == 0 {
		return exitFor(usagef("no stored outcome for run %q", f.o.runKey), env)
	}
	sum := &report.Run{Key: f.o.runKey, Source: "database"}
	for i, r := range rows {
		o := &runner.Outcome{}
		if err := json.Unmarshal([]byte(r.Outcome), o); err != nil {
			return exitFor(fmt.Errorf("reading the outcome of %s: %w", r.Account, err), env)
		}
		if i == 0 || r.StartedAt.Before(sum.Started) {
			sum.Started = r.StartedAt
		}
		if r.FinishedAt.After(sum.Finished) {
			sum.Finished = r.FinishedAt
		}
		sum.Accounts = append(sum.Accounts, o)
		if r.Markdown != "" {
			doc := []byte(r.Markdown)
			if w.Format == report.HTML {
				if doc, err = report.ToHTML(r.Account, r.Markdown); err != nil {
					return exitFor(err, env)
				}
			}
			if _, err := w.File(f.o.runKey, r.Account+w.Format.Ext(), doc); err != nil {
				return exitFor(err, env)
			}
		}
	}
	sum.Tally()
	paths, err := w.Run(sum)
	if err != nil {
		return exitFor(err, env)
	}
	printSummary(env.Stdout, sum, paths)
	return exitCode(sum)
}
