package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/sync/singleflight"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
)

// Defaults of Config.
const (
	DefaultCacheTTL    = 10 * time.Minute
	DefaultProposalTTL = 30 * time.Minute
	DefaultQuotaWait   = 10 * time.Second
)

// Safeguards are the operator's bounds on the changes assistants
// propose (the safeguards of the one-rule document each proposal is
// evaluated as). Zero values take the defaults documented on each field.
type Safeguards struct {
	// MaxStepPercent caps one budget or bid change (default 20).
	MaxStepPercent float64
	// MaxWeekPercent caps the increase of a budget or bid over 7 days, by
	// any rule (default 50).
	MaxWeekPercent float64
	// MinBudget is the floor of budget cuts, minor units (default 100).
	MinBudget int64
	// MaxBudget is the ceiling of budget increases, minor units (default none).
	MaxBudget int64
	// Cooldown is the minimum time between two applied changes of one
	// kind (budget, bid, pause, unpause) to one entity (default 24h).
	Cooldown time.Duration
	// MaxDailyChanges caps the changes to one entity over 24 hours by all
	// rules, the agent's included (default 2; pauses are exempt).
	MaxDailyChanges int
}

func (g *Safeguards) defaults() error {
	if g.MaxStepPercent == 0 {
		g.MaxStepPercent = 20
	}
	if g.MaxWeekPercent == 0 {
		g.MaxWeekPercent = 50
	}
	if g.MinBudget == 0 {
		g.MinBudget = 100
	}
	if g.Cooldown == 0 {
		g.Cooldown = 24 * time.Hour
	}
	if g.MaxDailyChanges == 0 {
		g.MaxDailyChanges = 2
	}
	switch {
	case g.MaxStepPercent < 0 || g.MaxStepPercent > 100:
		return fmt.Errorf("max step %v%%: want a percent in (0, 100]", g.MaxStepPercent)
	case g.MaxWeekPercent < 0 || g.MaxWeekPercent > 1000:
		return fmt.Errorf("max week %v%%: want a percent in (0, 1000]", g.MaxWeekPercent)
	case g.MinBudget < 0 || g.MaxBudget < 0:
		return errors.New("budget bounds: want minor units of zero or more")
	case g.MaxBudget > 0 && g.MaxBudget < g.MinBudget:
		return fmt.Errorf("max budget %d is below the min budget %d", g.MaxBudget, g.MinBudget)
	case g.Cooldown < 0:
		return fmt.Errorf("cooldown %s: want a positive duration", g.Cooldown)
	case g.MaxDailyChanges < 0:
		return fmt.Errorf("max daily changes %d: want zero or more", g.MaxDailyChanges)
	}
	return nil
}

// Config configures a Server.
type Config struct {
	// Source lists the accounts and gives their tokens. Required.
	Source creds.Source
	// Runner runs the analysis passes and holds the Graph clients. Its
	// configuration must not apply (the server applies changes itself,
	// one proposal at a time); give it the store's ledger so the passes
	// see past changes. Required.
	Runner *runner.Runner
	// Store holds the ledger, the proposals, the audit log and the
	// agent's stored reports. Required.
	Store *store.Store
	// Accounts, when set, limits the server to these accounts (they must
	// also be in the Source's list).
	Accounts []metaads.AccountID
	// Rules is the rules document of the passes (nil: the default library
	// for each account's goals); a proposal adopting a decision of a pass
	// is evaluated with its rule.
	Rules *rules.Spec

	// Apply enables apply_change. Off, the server is read-only: changes
	// can be proposed (dry runs with their safeguards) but not applied.
	Apply bool
	// Safeguards bound the changes assistants propose.
	Safeguards Safeguards
	// KillSwitch, when set and returning true, blocks every change (at
	// proposal and again at apply). The agent's is a file whose presence
	// engages it.
	KillSwitch func(context.Context) bool

	// CacheTTL is how long a pass serves the read tools before the
	// account is read again (default DefaultCacheTTL).
	CacheTTL time.Duration
	// ProposalTTL is how long a proposal may be applied (default
	// DefaultProposalTTL): past it the data it was decided on is old.
	ProposalTTL time.Duration
	// QuotaWait is how long a tool call waits for Meta's rate-limit budget
	// before answering rate_limited with the wait (default
	// DefaultQuotaWait).
	QuotaWait time.Duration

	// Name and Version name the server to clients (default "adpilot-agent").
	Name, Version string
	// Now replaces the clock (tests).
	Now func() time.Time
	// Logger receives the server's records (default: discard). Tokens
	// never reach it.
	Logger *slog.Logger
}

// Server is the agent's MCP server: read tools over the analysis passes,
// change tools through the rules executor, report resources and the
// weekly review prompt. It is safe for concurrent use by many sessions.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mcp    *mcp.Server
	ledger rules.Ledger

	flights singleflight.Group
	mu      sync.Mutex
	passes  map[metaads.AccountID]*pass
	accts   []creds.Account
	acctsAt time.Time
}

// pass is one analysis pass of an account, serving the read tools.
type pass struct {
	acct creds.Account
	rep  *analysis.Report
	snap *rules.Snapshot // rep.Dataset.Snapshot(rep.Now)
	at   time.Time       // when it was made, by the server's clock
}

// New validates cfg, lists the accounts (so bad credentials fail here)
// and builds the server with its tools, resources and prompt.
func New(ctx context.Context, cfg Config) (*Server, error) {
	switch {
	case cfg.Source == nil:
		return nil, errors.New("mcpserver: no credentials source")
	case cfg.Runner == nil:
		return nil, errors.New("mcpserver: no runner")
	case cfg.Store == nil:
		return nil, errors.New("mcpserver: no store (the ledger and the audit log need the database)")
	}
	if err := cfg.Safeguards.defaults(); err != nil {
		return nil, fmt.Errorf("mcpserver: safeguards: %w", err)
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.ProposalTTL == 0 {
		cfg.ProposalTTL = DefaultProposalTTL
	}
	if cfg.QuotaWait == 0 {
		cfg.QuotaWait = DefaultQuotaWait
	}
	if cfg.CacheTTL < 0 || cfg.ProposalTTL < 0 || cfg.QuotaWait < 0 {
		return nil, errors.New("mcpserver: cache TTL, proposal TTL and quota wait must be positive durations")
	}
	if cfg.Name == "" {
		cfg.Name = "adpilot-agent"
	}
	s := &Server{cfg: cfg, log: cfg.Logger, ledger: cfg.Store.Ledger(), passes: map[metaads.AccountID]*pass{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	accts, err := s.accounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("mcpserver: listing the accounts of %s: %w", cfg.Source, err)
	}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: cfg.Name, Title: "adpilot agent", Version: cfg.Version}, &mcp.ServerOptions{
		Instructions: instructions(cfg.Apply),
		Logger:       s.log.With("component", "mcp"),
		Capabilities: &mcp.ServerCapabilities{},
	})
	s.addReadTools()
	s.addChangeTools()
	s.addResources(accts)
	s.addPrompts()
	return s, nil
}

func instructions(apply bool) string {
	mode := "Applying is off: propose_change gives dry runs only."
	if apply {
		mode = "Applying is on for the accounts list_accounts gives: apply_change carries out a proposal once, after the person confirms it."
	}
	return `adpilot's tools read Meta ad accounts through an analysis pass (statistics, rule decisions with evidence, signals, ranked recommendations) and change them only through the rules executor with safeguards and a ledger.
Money is in minor units of the account currency (4120 is 41.20 USD; 300 is 300 JPY). Quote numbers from the tools' outputs, with their window; do not compute new ones.
Changes: propose_change returns a proposal id with the safeguards' verdict; apply_change with that id carries it out once (a retry does nothing). Never apply a change the person has not confirmed. ` + mode
}

// MCP returns the SDK server (to connect a transport to).
func (s *Server) MCP() *mcp.Server { return s.mcp }

// Serve serves one session over a stream (stdio: r is stdin, w stdout)
// until the client disconnects or ctx ends.
func (s *Server) Serve(ctx context.Context, r io.ReadCloser, w io.WriteCloser) error {
	err := s.mcp.Run(ctx, &mcp.IOTransport{Reader: r, Writer: w})
	if err != nil && ctx.Err() != nil {
		return nil
	}
	return err
}

// Handler is the streamable HTTP handler of the server. It keeps the
// SDK's DNS-rebinding protection (a request to a loopback address must
// name a loopback Host) and refuses cross-origin browser requests; serve
// it on a loopback address only.
func (s *Server) Handler() http.Handler {
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.mcp }, &mcp.StreamableHTTPOptions{
		Logger:         s.log.With("component", "mcp-http"),
		SessionTimeout: 30 * time.Minute,
	})
	return http.NewCrossOriginProtection().Handler(h)
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

func (s *Server) killed(ctx context.Context) bool {
	return s.cfg.KillSwitch != nil && s.cfg.KillSwitch(ctx)
}

// accounts lists the accounts the credentials allow (limited to
// Config.Accounts), cached for a minute.
func (s *Server) accounts(ctx context.Context) ([]creds.Account, error) {
	s.mu.Lock()
	if s.accts != nil && s.now().Sub(s.acctsAt) < time.Minute {
		defer s.mu.Unlock()
		return s.accts, nil
	}
	s.mu.Unlock()
	all, err := s.cfg.Source.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]creds.Account, 0, len(all))
	for _, a := range all {
		if len(s.cfg.Accounts) == 0 || slices.Contains(s.cfg.Accounts, a.ID) {
			out = append(out, a)
		}
	}
	s.mu.Lock()
	s.accts, s.acctsAt = out, s.now()
	s.mu.Unlock()
	return out, nil
}

// allowed parses a tool's account argument and returns the account when
// the credentials allow it.
func (s *Server) allowed(ctx context.Context, arg string) (creds.Account, error) {
	id, err := metaads.ParseAccountID(arg)
	if err != nil {
		return creds.Account{}, toolErrorf(CodeInvalidArgument, "account %q is not an ad account id; want act_123 or 123 (list_accounts gives them)", clean(arg, 40))
	}
	accts, err := s.accounts(ctx)
	if err != nil {
		return creds.Account{}, classify(id, err)
	}
	for _, a := range accts {
		if a.ID == id {
			return a, nil
		}
	}
	return creds.Account{}, toolErrorf(CodeAccountNotAllowed, "%s is not among the %d accounts this server's credentials allow; list_accounts gives them", id, len(accts))
}

// pass returns the account's pass, running one when none is cached, the
// cached one is older than CacheTTL, or fresh is set. Concurrent callers
// share one pass per account.
func (s *Server) pass(ctx context.Context, acct creds.Account, fresh bool) (*pass, error) {
	s.mu.Lock()
	p := s.passes[acct.ID]
	s.mu.Unlock()
	if p != nil && !fresh && s.now().Sub(p.at) < s.cfg.CacheTTL {
		return p, nil
	}
	ch := s.flights.DoChan(acct.ID.String(), func() (any, error) {
		// The pass outlives a caller that gives up: others may wait on it.
		pctx := metaads.ContextWithQuotaWait(context.WithoutCancel(ctx), s.cfg.QuotaWait)
		pctx, cancel := context.WithTimeout(pctx, 5*time.Minute)
		defer cancel()
		o := s.cfg.Runner.Pass(pctx, acct, nil)
		if o.Err != nil {
			s.log.WarnContext(ctx, "pass failed", "account", acct.ID.String(), "status", o.Status, "error", o.Error)
			if o.Status == store.StatusNeedsReconnect {
				return nil, reconnectError(acct.ID, o)
			}
			return nil, classify(acct.ID, o.Err)
		}
		snap, err := o.Report.Dataset.Snapshot(o.Report.Now)
		if err != nil {
			return nil, classify(acct.ID, err)
		}
		np := &pass{acct: acct, rep: o.Report, snap: snap, at: s.now()}
		s.mu.Lock()
		s.passes[acct.ID] = np
		s.mu.Unlock()
		s.log.InfoContext(ctx, "pass done", "account", acct.ID.String(), "graph_calls", o.GraphCalls, "decisions", o.Decisions, "recommendations", o.Recommendations)
		return np, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*pass), nil
	case <-ctx.Done():
		return nil, classify(acct.ID, ctx.Err())
	}
}

// forget drops the cached pass of an account (after a change).
func (s *Server) forget(acct metaads.AccountID) {
	s.mu.Lock()
	delete(s.passes, acct)
	s.mu.Unlock()
}

func reconnectError(acct metaads.AccountID, o *runner.Outcome) *ToolError {
	te := classify(acct, creds.ErrNeedsReconnect)
	te.err = o.Err
	switch {
	case o.Reconnect != nil && o.Reconnect.Reported:
		te.Message = fmt.Sprintf("%s needs reconnecting: Meta refused its token, and the CRM has been told (state %s). Its owner must connect the account again in the CRM (Settings, connected Meta accounts); until then it cannot be read or changed. Other accounts are not affected.", acct, orWord(o.Reconnect.State, "needs_reconnect"))
	case o.Reconnect != nil:
		te.Message = fmt.Sprintf("%s needs reconnecting: Meta refused its token. The token in the accounts file must be replaced by the operator. Other accounts are not affected.", acct)
	}
	return te
}
