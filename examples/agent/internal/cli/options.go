package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/signals"
	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/report"
	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/examples/internal/usagestore"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
)

// options are the flags shared by the commands.
type options struct {
	crmURL, serviceToken, config string
	openAIKey, anthropicKey      string
	accounts                     string
	databaseURL                  string
	usageStore                   string
	usageWindow                  time.Duration
	graphURL                     string
	logLevel, logFormat          string

	// pass
	concurrency int
	apply       bool
	rulesFile   string
	targetCPA   int64
	targetROAS  float64
	grossMargin float64
	event       string
	priority    string
	analyzer    string
	model       string
	llmBaseURL  string
	llmTimeout  time.Duration
	lookback    int

	// output
	out        string
	format     string
	noProgress bool

	// queue
	id          string
	attempts    int
	jobTimeout  time.Duration
	rescueAfter time.Duration
	every       time.Duration
	cron        string
	runOnStart  bool
	runKey      string

	// tests
	poll       metaads.PollOptions
	httpClient *http.Client
	clientOpts []metaads.Option
	now        func() time.Time
}

// Environment variables behind flags.
const (
	envCRMURL       = "AGENT_CRM_URL"
	envServiceToken = "AGENT_SERVICE_TOKEN"
	envConfig       = "AGENT_CONFIG"
	envDatabaseURL  = "DATABASE_URL"
	envGraphURL     = "META_GRAPH_URL"
	envOpenAIKey    = "OPENAI_API_KEY"
	envAnthropicKey = "ANTHROPIC_API_KEY"
)

type flagSet struct {
	*flag.FlagSet
	o *options
}

func newFlags(name, summary string, env *Env) *flagSet {
	fs := flag.NewFlagSet("agent "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: agent %s [flags]\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return &flagSet{FlagSet: fs, o: &options{}}
}

func (f *flagSet) credentials() {
	o := f.o
	f.StringVar(&o.crmURL, "crm-url", "", "base `URL` of the CRM whose credentials API gives the tokens (env "+envCRMURL+"); the service token is read from "+envServiceToken)
	f.StringVar(&o.config, "config", "", "legacy accounts `file` (YAML, or JSON by its .json extension) of account ids and tokens (env "+envConfig+")")
	f.StringVar(&o.accounts, "accounts", "", "comma-separated account `ids` to run (default: every account the credentials allow)")
	f.StringVar(&o.graphURL, "graph-url", "", "Graph API base `URL` instead of the one the credentials name (env "+envGraphURL+"; a fakemeta, a proxy)")
	f.StringVar(&o.logLevel, "log-level", "info", "log `level`: debug, info, warn or error")
	f.StringVar(&o.logFormat, "log-format", "text", "log `format`: text or json (logs go to stderr)")
}

func (f *flagSet) database() {
	f.StringVar(&f.o.databaseURL, "database-url", "agent-data/agent.db", "SQLite `path`, or postgres://user:pass@host:5432/db to share the accounts between agent processes (env "+envDatabaseURL+")")
}

// rateLimits registers the flags of Meta's rate-limit state.
func (f *flagSet) rateLimits() {
	f.StringVar(&f.o.usageStore, "usage-store", string(usagestore.ModeAuto), usagestore.ModeHelp+" (`mode`)")
	f.DurationVar(&f.o.usageWindow, "usage-window", metaads.DefaultUsageWindow, "length of Meta's rolling usage `window` (Meta's is an hour; shorter only against a fake Graph API with a shorter one)")
}

// usageOptions returns the Graph clients' options for the rate-limit
// state (see --usage-store) on db, and the store chosen.
func (o *options) usageOptions(db *sqldb.DB) ([]metaads.Option, usagestore.Mode, error) {
	if o.usageWindow <= 0 {
		return nil, "", usagef("--usage-window %s: want a positive duration", o.usageWindow)
	}
	store, mode, err := usagestore.ForMode(db, usagestore.Mode(o.usageStore), usagestore.WithWindow(o.usageWindow))
	if err != nil {
		return nil, "", usagef("--usage-store: %v", err)
	}
	return []metaads.Option{metaads.WithUsageStore(store), metaads.WithUsageWindow(o.usageWindow)}, mode, nil
}

func (f *flagSet) pass() {
	o := f.o
	f.IntVar(&o.concurrency, "concurrency", 4, "accounts analyzed at once by this process")
	f.BoolVar(&o.apply, "apply", false, "execute the allowed decisions of live rules through the executor and the database ledger (each decision once); default: dry run")
	f.StringVar(&o.rulesFile, "rules", "", "rules document `file` (JSON, see package rules); default: the default library for the goals, live with --apply")
	f.Int64Var(&o.targetCPA, "target-cpa", 0, "target cost per conversion in `minor units` of each account's currency (3000 is $30.00, or 3000 yen)")
	f.Float64Var(&o.targetROAS, "target-roas", 0, "target return on ad spend (`2.5` means 2.5x)")
	f.Float64Var(&o.grossMargin, "gross-margin", 0, "gross margin in (0, 1] (`0.4`): profit-aware statistics and the ROAS-below-break-even rule")
	f.StringVar(&o.event, "conversion-event", "", "action `type` the targets are for (omni_purchase, lead, ...); default: the main event of each account")
	f.StringVar(&o.priority, "priority", "", "what to optimise first: profit, reach_efficiency or engagement (default profit)")
	f.StringVar(&o.analyzer, "analyzer", "heuristic", "`analyzer` of the pass: heuristic (deterministic, offline), openai (key in "+envOpenAIKey+"; any chat-completions server with --llm-base-url) or anthropic (key in "+envAnthropicKey+"); an LLM that fails or times out falls back to the heuristic")
	f.StringVar(&o.model, "model", "", "the LLM `model` (required with --analyzer openai or anthropic), like gpt-5.2 or claude-sonnet-4-5")
	f.StringVar(&o.llmBaseURL, "llm-base-url", "", "base `URL` of the LLM API (default the provider's; Ollama: http://127.0.0.1:11434/v1/)")
	f.DurationVar(&o.llmTimeout, "llm-timeout", 2*time.Minute, "longest LLM answer per account before the heuristic answers instead")
	f.IntVar(&o.lookback, "lookback-days", 0, "days of daily insights to read (default 60, at most 400)")
	f.StringVar(&o.out, "out", "agent-reports", "`directory` for the reports: {run}/{account}.json and .md or .html, {run}/run.json")
	f.StringVar(&o.format, "format", "markdown", "`format` of the reports for people: markdown or html")
}

func (f *flagSet) queue() {
	o := f.o
	f.StringVar(&o.id, "id", "", "`name` of this agent process among those sharing the database (default: host and pid)")
	f.IntVar(&o.attempts, "attempts", 3, "tries per account when a pass fails on something transient (rate limits, Meta or the CRM unreachable)")
	f.DurationVar(&o.jobTimeout, "job-timeout", 10*time.Minute, "longest pass of one account")
	f.DurationVar(&o.rescueAfter, "rescue-after", 0, "after how long a running account of a process that died is taken over by another (default job-timeout + 1m)")
}

// parse parses args and applies the environment under unset flags.
func (f *flagSet) parse(args []string, env *Env) error {
	if err := f.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if f.NArg() > 0 {
		return usagef("unexpected arguments %q; see agent %s -h", f.Args(), strings.TrimPrefix(f.Name(), "agent "))
	}
	set := map[string]bool{}
	f.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	for name, v := range map[string]string{"crm-url": envCRMURL, "config": envConfig, "database-url": envDatabaseURL, "graph-url": envGraphURL} {
		if fl := f.Lookup(name); fl != nil && !set[name] {
			if val := env.getenv(v); val != "" {
				_ = fl.Value.Set(val)
			}
		}
	}
	f.o.serviceToken = env.getenv(envServiceToken)
	f.o.openAIKey, f.o.anthropicKey = env.getenv(envOpenAIKey), env.getenv(envAnthropicKey)
	if env.configure != nil {
		env.configure(f.o)
	}
	return nil
}

func (o *options) logger(w io.Writer) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(o.logLevel)); err != nil {
		return nil, usagef("--log-level %q: want debug, info, warn or error", o.logLevel)
	}
	ho := &slog.HandlerOptions{Level: lv}
	switch o.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	}
	return nil, usagef("--log-format %q: want text or json", o.logFormat)
}

// source builds the credentials source: the file, the CRM for each
// service token (AGENT_SERVICE_TOKEN may list several, comma-separated:
// one per CRM user), or both, joined (an account is served by the first
// that lists it: the file, then the tokens in order).
func (o *options) source(log *slog.Logger) (creds.Source, error) {
	var sources []creds.Source
	if o.config != "" {
		f, err := creds.LoadFile(o.config)
		if err != nil {
			return nil, usageError{err}
		}
		sources = append(sources, f)
	}
	if o.crmURL != "" {
		tokens := splitList(o.serviceToken)
		if len(tokens) == 0 {
			return nil, usagef("--crm-url needs the service token in %s (create one on the CRM's settings page)", envServiceToken)
		}
		opts := []creds.CRMOption{creds.WithLogger(log.With("component", "creds"))}
		if o.httpClient != nil {
			opts = append(opts, creds.WithHTTPClient(o.httpClient))
		}
		if o.now != nil {
			opts = append(opts, creds.WithClock(o.now))
		}
		for i, tok := range tokens {
			c, err := creds.NewCRM(o.crmURL, tok, opts...)
			if err != nil {
				return nil, usagef("%s, token %d of %d: %w", envServiceToken, i+1, len(tokens), err)
			}
			sources = append(sources, c)
		}
	}
	if len(sources) == 0 {
		return nil, usagef("no credentials: give --crm-url (with %s) or --config FILE; see agent -h", envServiceToken)
	}
	return creds.Join(sources...), nil
}

// selectAccounts lists the source's accounts, limited to --accounts.
func (o *options) selectAccounts(ctx context.Context, src creds.Source) ([]creds.Account, error) {
	all, err := src.Accounts(ctx)
	if err != nil {
		if errors.Is(err, creds.ErrUnauthorized) {
			return nil, usageError{err}
		}
		return nil, fmt.Errorf("listing the accounts of %s: %w", src, err)
	}
	want := splitList(o.accounts)
	if len(want) == 0 {
		return all, nil
	}
	byID := map[metaads.AccountID]creds.Account{}
	for _, a := range all {
		byID[a.ID] = a
	}
	var out []creds.Account
	for _, w := range want {
		id, err := metaads.ParseAccountID(w)
		if err != nil {
			return nil, usagef("--accounts: %q is not an ad account id; want act_123 or 123", w)
		}
		a, ok := byID[id]
		if !ok {
			return nil, usagef("--accounts: %s is not among the %d accounts of %s", id, len(all), src)
		}
		out = append(out, a)
	}
	return out, nil
}

// runnerConfig builds the runner's configuration.
func (o *options) runnerConfig(src creds.Source, st *store.Store, log *slog.Logger) (runner.Config, error) {
	if o.concurrency < 1 || o.concurrency > 64 {
		return runner.Config{}, usagef("--concurrency %d: want 1 to 64", o.concurrency)
	}
	g := analysis.Goals{TargetCPA: o.targetCPA, TargetROAS: o.targetROAS, GrossMargin: o.grossMargin, ConversionEvent: o.event, Priority: analysis.GoalPriority(o.priority)}
	switch {
	case o.targetCPA < 0:
		return runner.Config{}, usagef("--target-cpa %d: want minor units of zero or more", o.targetCPA)
	case o.targetROAS < 0:
		return runner.Config{}, usagef("--target-roas %v: want zero or more", o.targetROAS)
	case o.grossMargin < 0 || o.grossMargin > 1:
		return runner.Config{}, usagef("--gross-margin %v: want a fraction in (0, 1]", o.grossMargin)
	}
	switch g.Priority {
	case "", analysis.PriorityProfit, analysis.PriorityReachEfficiency, analysis.PriorityEngagement:
	default:
		return runner.Config{}, usagef("--priority %q: want profit, reach_efficiency or engagement", o.priority)
	}
	usage, mode, err := o.usageOptions(st.DB())
	if err != nil {
		return runner.Config{}, err
	}
	log.Debug("Meta rate-limit usage", "store", mode, "window", o.usageWindow)
	// Every pass computes the signals (time patterns, fatigue, pacing,
	// overlap, benchmarks): the analyzer ranks them with the rules'
	// findings, and the reports and get_signals show them.
	// The tests' options come after, so they can replace these.
	cfg := runner.Config{Source: src, GraphURL: o.graphURL, HTTPClient: o.httpClient, ClientOptions: append(usage, o.clientOpts...),
		Goals: map[string]analysis.Goals{"*": g}, Apply: o.apply, Ledger: st.Ledger(), Now: o.now, Logger: log, Signals: signals.Func()}
	cfg.Collect.LookbackDays = o.lookback
	cfg.Collect.Run.Poll = o.poll
	if o.lookback < 0 || o.lookback > 400 {
		return runner.Config{}, usagef("--lookback-days %d: want 1 to 400", o.lookback)
	}
	an, err := o.llmAnalyzer()
	if err != nil {
		return runner.Config{}, err
	}
	cfg.Analyzer = an
	if o.rulesFile != "" {
		data, err := os.ReadFile(o.rulesFile)
		if err != nil {
			return runner.Config{}, usageError{fmt.Errorf("--rules: %w", err)}
		}
		spec, err := rules.ParseSpec(data)
		if err == nil {
			_, err = rules.Compile(spec)
		}
		if err != nil {
			return runner.Config{}, usageError{fmt.Errorf("--rules %s: %w", o.rulesFile, err)}
		}
		cfg.Rules = &spec
	}
	return cfg, nil
}

func (o *options) writer() (*report.Writer, error) {
	f, err := report.ParseFormat(o.format)
	if err != nil {
		return nil, usagef("--format: %w", err)
	}
	return &report.Writer{Dir: o.out, Format: f}, nil
}

func (o *options) processID() string {
	if o.id != "" {
		return o.id
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

func (o *options) clock() time.Time {
	if o.now != nil {
		return o.now()
	}
	return time.Now()
}

// oneShotKey names a run that belongs to no schedule slot.
func oneShotKey(now time.Time) string {
	b := make([]byte, 3)
	rand.Read(b)
	return "run-" + now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}
