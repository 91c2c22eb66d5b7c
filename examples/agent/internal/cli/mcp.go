package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/adpilot/adpilot/examples/agent/internal/mcpserver"
	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/metaads"
)

const mcpSummary = `Serves the agent as MCP tools for AI assistants (Claude, ChatGPT, Cursor, ...),
over stdio (the default: the assistant starts "agent mcp" and talks on its stdin
and stdout; logs go to stderr) or streamable HTTP on a loopback address (--http).

Read tools: list_accounts, account_summary, list_entities, get_signals,
latest_report, explain_decision. Change tools: propose_change (a dry run of the
change as a rule, with the safeguards below and the ledger) and apply_change (by
the proposal's id, once; a retry does nothing). Applying is off unless --apply,
and then limited to the accounts the credentials allow. Every change tool call is
in the database's audit log. Resources: each account's report; prompt:
weekly_review.`

type mcpFlags struct {
	httpAddr    string
	killSwitch  string
	safeguards  mcpserver.Safeguards
	cacheTTL    time.Duration
	proposalTTL time.Duration
}

func mcpCmd(ctx context.Context, args []string, env *Env) error {
	f := newFlags("mcp", mcpSummary, env)
	f.credentials()
	f.database()
	f.rateLimits()
	o := f.o
	var m mcpFlags
	f.BoolVar(&o.apply, "apply", false, "let apply_change carry out proposals (default: read-only, proposals are dry runs)")
	f.StringVar(&m.httpAddr, "http", "", "serve streamable HTTP on this loopback `address` (127.0.0.1:8765) instead of stdio")
	f.StringVar(&m.killSwitch, "kill-switch", "", "while this `file` exists, no change is applied (create it to stop changes without a restart)")
	f.Float64Var(&m.safeguards.MaxStepPercent, "max-step-percent", 20, "largest budget or bid change of one proposal, percent")
	f.Float64Var(&m.safeguards.MaxWeekPercent, "max-week-percent", 50, "largest increase of a budget or bid over 7 days, by any rule, percent")
	f.Int64Var(&m.safeguards.MinBudget, "min-budget", 100, "budget floor in `minor units` of each account's currency")
	f.Int64Var(&m.safeguards.MaxBudget, "max-budget", 0, "budget ceiling in `minor units` (0: none)")
	f.DurationVar(&m.safeguards.Cooldown, "cooldown", 24*time.Hour, "minimum time between two changes of one kind (budget, bid, pause, unpause) to one entity")
	f.IntVar(&m.safeguards.MaxDailyChanges, "max-daily-changes", 2, "changes to one entity in 24 hours, by all rules (pauses exempt)")
	f.DurationVar(&m.cacheTTL, "cache-ttl", mcpserver.DefaultCacheTTL, "how long one read of an account serves the tools")
	f.DurationVar(&m.proposalTTL, "proposal-ttl", mcpserver.DefaultProposalTTL, "how long a proposal may be applied")
	f.Int64Var(&o.targetCPA, "target-cpa", 0, "target cost per conversion in `minor units` of each account's currency")
	f.Float64Var(&o.targetROAS, "target-roas", 0, "target return on ad spend (`2.5` means 2.5x)")
	f.Float64Var(&o.grossMargin, "gross-margin", 0, "gross margin in (0, 1] (`0.4`)")
	f.StringVar(&o.event, "conversion-event", "", "action `type` the targets are for (default: the main event of each account)")
	f.StringVar(&o.rulesFile, "rules", "", "rules document `file` of the passes (default: the default library for the goals)")
	f.IntVar(&o.lookback, "lookback-days", 0, "days of daily insights to read (default 60)")
	o.analyzer, o.concurrency = "heuristic", 1
	if err := f.parse(args, env); err != nil {
		return err
	}
	if m.httpAddr != "" {
		if err := loopback(m.httpAddr); err != nil {
			return usageError{err}
		}
	}
	log, err := o.logger(env.Stderr)
	if err != nil {
		return err
	}
	src, err := o.source(log)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, o.databaseURL, nil)
	if err != nil {
		return fmt.Errorf("opening the database: %w", err)
	}
	defer st.Close()
	// A tool call answers rate_limited with the wait rather than hold the
	// assistant through a long throttle.
	o.clientOpts = append([]metaads.Option{metaads.WithMaxThrottleRetryWait(mcpserver.DefaultQuotaWait)}, o.clientOpts...)
	apply := o.apply
	o.apply = false // the runner only reads; the server applies one proposal at a time
	rcfg, err := o.runnerConfig(src, st, log.With("component", "runner"))
	if err != nil {
		return err
	}
	r, err := runner.New(rcfg)
	if err != nil {
		return usageError{err}
	}
	var limit []metaads.AccountID
	for _, a := range splitList(o.accounts) {
		id, err := metaads.ParseAccountID(a)
		if err != nil {
			return usagef("--accounts: %q is not an ad account id; want act_123 or 123", a)
		}
		limit = append(limit, id)
	}
	cfg := mcpserver.Config{Source: src, Runner: r, Store: st, Accounts: limit, Rules: rcfg.Rules, Apply: apply, Safeguards: m.safeguards,
		CacheTTL: m.cacheTTL, ProposalTTL: m.proposalTTL, Now: o.now, Logger: log, Version: "dev"}
	if m.killSwitch != "" {
		path := m.killSwitch
		cfg.KillSwitch = func(context.Context) bool { _, err := os.Stat(path); return err == nil }
	}
	srv, err := mcpserver.New(ctx, cfg)
	if err != nil {
		if strings.Contains(err.Error(), "safeguards") {
			return usageError{err}
		}
		return err
	}
	if m.httpAddr == "" {
		log.Info("serving MCP on stdio", "apply", apply, "source", src.String())
		in := env.Stdin
		if in == nil {
			in = os.Stdin
		}
		return srv.Serve(ctx, io.NopCloser(in), nopWriteCloser{env.Stdout})
	}
	ln, err := net.Listen("tcp", m.httpAddr)
	if err != nil {
		return fmt.Errorf("--http %s: %w", m.httpAddr, err)
	}
	if err := boundLoopback(m.httpAddr, ln.Addr()); err != nil {
		ln.Close()
		return usageError{err}
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	log.Info("serving MCP over streamable HTTP", "url", "http://"+ln.Addr().String()+"/", "apply", apply, "source", src.String())
	if env.listening != nil {
		env.listening(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// loopback refuses an address that is not a loopback IP or localhost:
// the MCP server holds the accounts' credentials and has no login.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--http %q: want host:port on a loopback address, like 127.0.0.1:8765", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--http %q: the MCP server listens on loopback only (127.0.0.1, ::1 or localhost): it holds the accounts' credentials and has no login", addr)
}

// boundLoopback refuses a listener that is not on a loopback address
// (localhost is resolved by the system: a hosts file can name another
// address).
func boundLoopback(flag string, addr net.Addr) error {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--http %q listens on %s, which is not a loopback address: the MCP server listens on loopback only (it holds the accounts' credentials and has no login)", flag, addr)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
