package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
	"github.com/adpilot/adpilot/rules/metaactuator"
)

// DefaultHistory is how far back the ledger is read for cooldowns and
// caps (longer than the longest cooldown and execution window of the
// default library, 14 days).
const DefaultHistory = 45 * 24 * time.Hour

// Config configures a Runner.
type Config struct {
	// Source gives the accounts' tokens and endpoints. Required.
	Source creds.Source
	// GraphURL, when set, replaces the base URL every account's endpoint
	// names (a fakemeta, a proxy).
	GraphURL string
	// HTTPClient is the Graph client's HTTP client (default: the metaads
	// client's own).
	HTTPClient *http.Client
	// ClientOptions are more metaads options for the Graph clients
	// (retry backoff in tests, a usage store).
	ClientOptions []metaads.Option

	// Goals are the advertiser's goals by account id ("act_123"), with
	// "*" for every other account; none means the pass's defaults.
	Goals map[string]analysis.Goals
	// Rules is the rule document to evaluate; nil uses the default
	// library for each account's goals.
	Rules *rules.Spec
	// Apply executes the allowed decisions of live rules (with the default
	// library, every rule is live when Apply is set; a rules document
	// keeps each rule's own "live"). It requires Ledger.
	Apply bool
	// Ledger records every attempt to apply a decision and feeds the
	// pass's history (cooldowns, caps). Required with Apply.
	Ledger rules.Ledger
	// History is how far back the ledger is read (default DefaultHistory).
	History time.Duration

	// Analyzer analyzes each pass (default analysis.Heuristic).
	Analyzer analysis.Analyzer
	// Signals computes the pass's signals (nil: none).
	Signals analysis.SignalFunc
	// Collect chooses what a pass reads.
	Collect analysis.CollectOptions

	// Now replaces the clock (tests).
	Now func() time.Time
	// Logger receives the runner's records (default: discard).
	Logger *slog.Logger
}

// Runner runs passes. It is safe for concurrent use: passes of different
// accounts run in parallel on shared Graph clients.
type Runner struct {
	cfg     Config
	rules   *rules.RuleSet
	log     *slog.Logger
	mu      sync.Mutex
	clients map[creds.Endpoint]*metaads.Client
}

// New validates cfg and returns a Runner.
func New(cfg Config) (*Runner, error) {
	if cfg.Source == nil {
		return nil, errors.New("runner: no credentials source")
	}
	if cfg.Apply && cfg.Ledger == nil {
		return nil, errors.New("runner: applying needs a ledger (the database), so nothing is applied twice")
	}
	if cfg.History == 0 {
		cfg.History = DefaultHistory
	}
	if cfg.History < 0 {
		return nil, fmt.Errorf("runner: history %s: want a positive duration", cfg.History)
	}
	r := &Runner{cfg: cfg, log: cfg.Logger, clients: map[creds.Endpoint]*metaads.Client{}}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Rules != nil {
		set, err := rules.Compile(*cfg.Rules)
		if err != nil {
			return nil, fmt.Errorf("runner: the rules document: %w", err)
		}
		r.rules = set
	}
	return r, nil
}

func (r *Runner) now() time.Time {
	if r.cfg.Now != nil {
		return r.cfg.Now()
	}
	return time.Now()
}

// client returns the Graph client of an endpoint, made on first use.
func (r *Runner) client(ep creds.Endpoint) (*metaads.Client, error) {
	if r.cfg.GraphURL != "" {
		ep.BaseURL = r.cfg.GraphURL
	}
	if ep.BaseURL == "" {
		ep.BaseURL = metaads.DefaultBaseURL
	}
	if ep.APIVersion == "" {
		ep.APIVersion = metaads.DefaultAPIVersion
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.clients[ep]; c != nil {
		return c, nil
	}
	opts := []metaads.Option{metaads.WithBaseURL(ep.BaseURL), metaads.WithAPIVersion(ep.APIVersion),
		metaads.WithTokenProvider(r.cfg.Source), metaads.WithLogger(r.log.With("component", "metaads"))}
	if r.cfg.HTTPClient != nil {
		opts = append(opts, metaads.WithHTTPClient(r.cfg.HTTPClient))
	}
	c, err := metaads.NewClient(append(opts, r.cfg.ClientOptions...)...)
	if err != nil {
		return nil, fmt.Errorf("runner: Graph client for %s: %w", ep.BaseURL, err)
	}
	r.clients[ep] = c
	return c, nil
}

// HasSignals reports whether the passes compute signals (Config.Signals).
func (r *Runner) HasSignals() bool { return r.cfg.Signals != nil }

// Client returns the Graph client of the account's endpoint (shared by
// every account of that endpoint, so their calls are paced together),
// for callers that act on an account outside a pass (the MCP server's
// changes).
func (r *Runner) Client(ctx context.Context, acct metaads.AccountID) (*metaads.Client, error) {
	ep, err := r.cfg.Source.Endpoint(ctx, acct)
	if err != nil {
		return nil, err
	}
	return r.client(ep)
}

func (r *Runner) goals(acct metaads.AccountID) analysis.Goals {
	if g, ok := r.cfg.Goals[acct.String()]; ok {
		return g
	}
	return r.cfg.Goals["*"]
}

// Change is one decision the executor handled.
type Change struct {
	DecisionID string        `json:"decision_id"`
	Summary    string        `json:"summary"`
	Outcome    rules.Outcome `json:"outcome"`
	// Skipped is true when the ledger already held the decision (applied,
	// pending or unknown before): nothing was done this time.
	Skipped bool   `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Outcome is what happened to one account in one pass.
type Outcome struct {
	Account  string       `json:"account"`
	Name     string       `json:"name,omitempty"`
	Status   store.Status `json:"status"`
	Error    string       `json:"error,omitempty"`
	Currency string       `json:"currency,omitempty"`
	// Reconnect is the source's answer to a reported 190.
	Reconnect *creds.Invalidation `json:"reconnect,omitempty"`
	// Recommendations and Urgent count the analyzer's recommendations.
	Recommendations int `json:"recommendations"`
	Urgent          int `json:"urgent"`
	// Decisions counts the rules' decisions; Allowed those every
	// safeguard let through.
	Decisions int `json:"decisions"`
	Allowed   int `json:"allowed"`
	// Applied, DryRuns and Failed count the executor's results (with
	// Apply); Changes lists them.
	Applied int      `json:"applied"`
	Failed  int      `json:"failed"`
	Changes []Change `json:"changes,omitempty"`
	// Notifications are the messages of applied notify decisions.
	Notifications []string `json:"notifications,omitempty"`
	// Analyzer names the analyzer that answered.
	Analyzer string `json:"analyzer,omitempty"`
	// GraphCalls counts the Graph API requests the account cost (retries
	// included).
	GraphCalls int           `json:"graph_calls"`
	Started    time.Time     `json:"started"`
	Duration   time.Duration `json:"duration"`

	// Report is the pass's report (nil when it failed).
	Report *analysis.Report `json:"-"`
	// Execution is the executor's report (nil without Apply).
	Execution *rules.ExecutionReport `json:"-"`
	// Err is the error that ended the pass.
	Err error `json:"-"`
}

// Retryable reports whether trying the account again later may succeed:
// the pass failed on something transient (rate limits, Meta or the
// credentials service unreachable), not on the credentials or the input.
func (o *Outcome) Retryable() bool {
	if o.Status != store.StatusFailed || o.Err == nil {
		return false
	}
	switch {
	case errors.Is(o.Err, creds.ErrForbidden), errors.Is(o.Err, creds.ErrUnknownAccount), errors.Is(o.Err, creds.ErrUnauthorized),
		errors.Is(o.Err, analysis.ErrInvalidInput), errors.Is(o.Err, analysis.ErrCurrencyMismatch),
		errors.Is(o.Err, metaads.ErrPermission), errors.Is(o.Err, metaads.ErrNotFound), errors.Is(o.Err, metaads.ErrInvalidParameter):
		return false
	case errors.Is(o.Err, context.Canceled):
		return false
	}
	return true
}

// Progress is a pass's progress, for bars.
type Progress = analysis.Progress

// Pass runs the optimization pass on one account and says what happened.
// It never panics on a failing account and returns an Outcome for every
// call; progress (optional) receives the pass's phases.
func (r *Runner) Pass(ctx context.Context, acct creds.Account, progress func(Progress)) *Outcome {
	o := &Outcome{Account: acct.ID.String(), Name: acct.Name, Currency: acct.Currency, Started: r.now()}
	start := time.Now()
	defer func() { o.Duration = time.Since(start) }()
	log := r.log.With("account", o.Account)
	if acct.NeedsReconnect {
		o.Status = store.StatusNeedsReconnect
		o.Err = fmt.Errorf("%s: %w (its source says so; it was not called)", acct.ID, creds.ErrNeedsReconnect)
		o.Error = o.Err.Error()
		return o
	}
	var calls atomic.Int64
	ctx = metaads.ContextWithHooks(ctx, metaads.Hooks{OnRequest: func(context.Context, metaads.RequestInfo) { calls.Add(1) }})
	defer func() { o.GraphCalls = int(calls.Load()) }()

	rep, err := r.pass(ctx, acct, progress)
	if err == nil {
		o.Report = rep
		o.Currency = rep.Currency
		if o.Name == "" {
			o.Name = rep.Account.Name
		}
		if rep.Result != nil {
			o.Analyzer = rep.Result.Analyzer
			o.Recommendations = len(rep.Result.Recommendations)
			for _, rec := range rep.Result.Recommendations {
				if rec.Priority == analysis.PriorityUrgent {
					o.Urgent++
				}
			}
		}
		if rep.Evaluation != nil {
			o.Decisions = len(rep.Evaluation.Decisions)
			for _, d := range rep.Evaluation.Decisions {
				if d.Allowed {
					o.Allowed++
				}
			}
		}
		if r.cfg.Apply && rep.Evaluation != nil {
			err = r.apply(ctx, o, rep)
		}
	}
	if err == nil {
		o.Status = store.StatusOK
		log.InfoContext(ctx, "pass done", "recommendations", o.Recommendations, "decisions", o.Decisions, "applied", o.Applied, "graph_calls", calls.Load())
		return o
	}
	o.Err, o.Error, o.Status = err, err.Error(), store.StatusFailed
	if errors.Is(err, creds.ErrNeedsReconnect) {
		o.Status = store.StatusNeedsReconnect
	}
	if me, ok := creds.IsInvalidToken(err); ok {
		o.Status = store.StatusNeedsReconnect
		inv, ierr := r.cfg.Source.Invalid(context.WithoutCancel(ctx), acct.ID, me)
		if ierr != nil {
			log.WarnContext(ctx, "could not report the refused token", "error", ierr)
			o.Error += "; reporting it failed: " + ierr.Error()
		} else {
			o.Reconnect = &inv
		}
	}
	log.WarnContext(ctx, "pass failed", "status", o.Status, "error", o.Error)
	return o
}

func (r *Runner) pass(ctx context.Context, acct creds.Account, progress func(Progress)) (*analysis.Report, error) {
	client, err := r.Client(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	var hist []rules.Entry
	if r.cfg.Ledger != nil {
		if hist, err = rules.History(ctx, r.cfg.Ledger, r.now().Add(-r.cfg.History)); err != nil {
			return nil, fmt.Errorf("runner: reading the ledger: %w", err)
		}
	}
	opts := analysis.RunOptions{Collect: r.cfg.Collect, Goals: r.goals(acct.ID), Rules: r.rules, Live: r.cfg.Apply,
		History: hist, Signals: r.cfg.Signals, Analyzer: r.cfg.Analyzer, Now: r.cfg.Now}
	if progress != nil {
		opts.Progress = analysis.ProgressFunc(progress)
	}
	return analysis.Run(ctx, client, acct.ID, opts)
}

// apply executes the evaluation's live, allowed decisions.
func (r *Runner) apply(ctx context.Context, o *Outcome, rep *analysis.Report) error {
	client, err := r.Client(ctx, metaads.MustParseAccountID(o.Account))
	if err != nil {
		return err
	}
	var mu sync.Mutex
	act, err := metaactuator.New(client, metaactuator.WithNotifier(metaactuator.NotifierFunc(func(_ context.Context, c rules.Change) error {
		mu.Lock()
		o.Notifications = append(o.Notifications, c.Message)
		mu.Unlock()
		return nil
	})))
	if err != nil {
		return err
	}
	x, err := rules.NewExecutor(act, rules.WithLedger(r.cfg.Ledger), rules.WithLogger(r.log.With("component", "rules")))
	if err != nil {
		return err
	}
	xr, err := x.Execute(ctx, rep.Evaluation)
	if xr != nil {
		o.Execution = xr
		byID := map[string]*rules.Decision{}
		for i := range rep.Evaluation.Decisions {
			byID[rep.Evaluation.Decisions[i].ID] = &rep.Evaluation.Decisions[i]
		}
		var tokenErr error
		for _, res := range xr.Results {
			c := Change{DecisionID: res.DecisionID, Outcome: res.Outcome, Skipped: res.Skipped}
			if d := byID[res.DecisionID]; d != nil {
				c.Summary = d.Summary()
			}
			if res.Err != nil {
				c.Error = res.Err.Error()
				if _, ok := creds.IsInvalidToken(res.Err); ok && tokenErr == nil {
					tokenErr = res.Err
				}
			}
			switch {
			case res.Skipped:
			case res.Outcome == rules.OutcomeApplied:
				o.Applied++
			case res.Outcome == rules.OutcomeFailed || res.Outcome == rules.OutcomeUnknown:
				o.Failed++
			}
			o.Changes = append(o.Changes, c)
		}
		if err == nil && tokenErr != nil {
			err = tokenErr
		}
	}
	if err != nil {
		return fmt.Errorf("runner: applying the decisions of %s: %w", o.Account, err)
	}
	return nil
}

// RunAll runs the pass on every account, at most concurrency at a time,
// and returns the outcomes in the accounts' order. start and done
// (optional) are called around each pass from its goroutine.
func (r *Runner) RunAll(ctx context.Context, accts []creds.Account, concurrency int, start func(creds.Account) func(Progress), done func(*Outcome)) []*Outcome {
	if concurrency < 1 {
		concurrency = 1
	}
	out := make([]*Outcome, len(accts))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, a := range accts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var p func(Progress)
			if start != nil {
				p = start(a)
			}
			out[i] = r.Pass(ctx, a, p)
			if done != nil {
				done(out[i])
			}
		})
	}
	wg.Wait()
	return out
}
