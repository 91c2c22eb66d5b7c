package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// summaryWindows are the windows account_summary and list_entities read:
// those whose days are the same for every entity.
var summaryWindows = []string{"today", "yesterday", "last_3d", "last_7d", "last_14d", "last_30d", "previous_7d"}

var levels = []string{"campaign", "adset", "ad"}

func readOnly(title string) *mcp.ToolAnnotations {
	f := false
	return &mcp.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: &f}
}

// addTool registers a typed tool with the server's schemas.
func addTool[In, Out any](s *Server, t *mcp.Tool, enums map[string][]string, h mcp.ToolHandlerFor[In, *Out]) {
	t.InputSchema = schemaFor[In](enums)
	t.OutputSchema = schemaFor[Out](nil)
	mcp.AddTool(s.mcp, t, h)
}

// Data says which pass an output comes from.
type Data struct {
	// Now is the time the pass evaluated at, in the account's time zone:
	// "today" runs up to it; the complete-day windows end the day before.
	Now time.Time `json:"now"`
	// ReadAt is when the server read the account (its clock).
	ReadAt time.Time `json:"read_at"`
	// Currency is the ISO 4217 code of every money value; money is in its
	// minor units (4120 is 41.20 USD; 300 is 300 JPY).
	Currency string `json:"currency"`
	TimeZone string `json:"time_zone"`
}

func (p *pass) data() Data {
	return Data{Now: p.rep.Now, ReadAt: p.at, Currency: p.rep.Currency, TimeZone: p.rep.TimeZone}
}

// --- list_accounts

// AccountsIn is the input of list_accounts.
type AccountsIn struct{}

// AccountOut is one account the credentials allow.
type AccountOut struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Currency string `json:"currency,omitempty"`
	TimeZone string `json:"time_zone,omitempty"`
	// State is the credentials' word for the connection (connected,
	// expiring_soon, needs_reconnect, configured).
	State          string `json:"state,omitempty"`
	NeedsReconnect bool   `json:"needs_reconnect"`
}

// AccountsOut is the output of list_accounts.
type AccountsOut struct {
	Accounts []AccountOut `json:"accounts"`
	// ApplyEnabled says whether apply_change may carry out proposals.
	ApplyEnabled bool `json:"apply_enabled"`
	// KillSwitch is true while the operator's kill switch blocks every change.
	KillSwitch bool `json:"kill_switch"`
	// Source names the credentials (no secret).
	Source string `json:"source"`
}

// --- account_summary

// SummaryIn is the input of account_summary.
type SummaryIn struct {
	Account string `json:"account" jsonschema:"the ad account id (act_123), from list_accounts"`
	Window  string `json:"window,omitempty" jsonschema:"the days to sum; default last_7d (complete days, today excluded)"`
	Fresh   bool   `json:"fresh,omitempty" jsonschema:"read the account again instead of the pass of the last minutes"`
}

// LevelSummary is the statistics of one level over the window.
type LevelSummary struct {
	Level string `json:"level"`
	// Entities is how many entities of the level delivered in the window.
	Entities int `json:"entities"`
	// Totals are the sums of their counts (money in minor units); reach is
	// Meta's de-duplicated reach of the window when it gave one.
	Totals metrics.Counts `json:"totals"`
	// Metrics are ratios of those sums (value 0 with ok false: undefined).
	Metrics metrics.Derived `json:"metrics"`
	// CPA, ROAS, CTR and Frequency are the spread across the entities.
	CPA       metrics.Distribution `json:"cpa"`
	ROAS      metrics.Distribution `json:"roas"`
	CTR       metrics.Distribution `json:"ctr"`
	Frequency metrics.Distribution `json:"frequency"`
}

// SummaryOut is the output of account_summary.
type SummaryOut struct {
	Account string `json:"account"`
	Name    string `json:"name"`
	Data    Data   `json:"data"`
	Window  string `json:"window"`
	// Since and Until are the window's first and last day.
	Since   string                `json:"since"`
	Until   string                `json:"until"`
	Goals   analysis.Goals        `json:"goals"`
	Objects analysis.EntityCounts `json:"objects"`
	Levels  []LevelSummary        `json:"levels"`
}

// --- list_entities

// EntitiesIn is the input of list_entities.
type EntitiesIn struct {
	Account string `json:"account" jsonschema:"the ad account id (act_123)"`
	Level   string `json:"level,omitempty" jsonschema:"campaign, adset or ad; default adset"`
	Window  string `json:"window,omitempty" jsonschema:"the days of the metrics; default last_7d"`
	// Status filters on the delivery status (ACTIVE, PAUSED,
	// CAMPAIGN_PAUSED, ...).
	Status string `json:"status,omitempty" jsonschema:"only entities with this delivery status (ACTIVE, PAUSED, CAMPAIGN_PAUSED, ADSET_PAUSED)"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most this many, by spend (default 100, at most 500)"`
	Fresh  bool   `json:"fresh,omitempty" jsonschema:"read the account again"`
}

// EntityOut is one campaign, ad set or ad with its metrics.
type EntityOut struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Level string `json:"level"`
	// Status is the delivery status: an ad set of a paused campaign is
	// CAMPAIGN_PAUSED, and no change or rule acts on it.
	Status          string `json:"status"`
	Objective       string `json:"objective,omitempty"`
	ConversionEvent string `json:"conversion_event,omitempty"`
	// DailyBudget, LifetimeBudget and BidAmount in minor units; 0 when
	// not set at this level.
	DailyBudget    int64  `json:"daily_budget,omitempty"`
	LifetimeBudget int64  `json:"lifetime_budget,omitempty"`
	BidAmount      int64  `json:"bid_amount,omitempty"`
	LearningStage  string `json:"learning_stage,omitempty"`
	// LastSignificantEdit is Meta's last_sig_edit_ts (learning restarts).
	LastSignificantEdit *time.Time `json:"last_significant_edit,omitempty"`
	// HasData is false when the pass has no counts of the window for the
	// entity (its level was not read): Counts and Metrics are then unknown,
	// not zero.
	HasData bool            `json:"has_data"`
	Counts  metrics.Counts  `json:"counts"`
	Metrics metrics.Derived `json:"metrics"`
}

// EntitiesOut is the output of list_entities.
type EntitiesOut struct {
	Account  string      `json:"account"`
	Data     Data        `json:"data"`
	Level    string      `json:"level"`
	Window   string      `json:"window"`
	Since    string      `json:"since"`
	Until    string      `json:"until"`
	Total    int         `json:"total"`
	Entities []EntityOut `json:"entities"`
}

// --- get_signals

// SignalsIn is the input of get_signals.
type SignalsIn struct {
	Account  string `json:"account" jsonschema:"the ad account id (act_123)"`
	Kind     string `json:"kind,omitempty" jsonschema:"only signals of this kind (hour_of_day, day_of_week, fatigue, pacing, overlap, benchmark, ...)"`
	EntityID string `json:"entity_id,omitempty" jsonschema:"only signals about this campaign, ad set or ad"`
	Fresh    bool   `json:"fresh,omitempty" jsonschema:"read the account again"`
}

// SignalsOut is the output of get_signals.
type SignalsOut struct {
	Account string            `json:"account"`
	Data    Data              `json:"data"`
	Signals []analysis.Signal `json:"signals"`
	// Note says why the list may be empty.
	Note string `json:"note,omitempty"`
}

// --- latest_report

// ReportIn is the input of latest_report.
type ReportIn struct {
	Account  string `json:"account" jsonschema:"the ad account id (act_123)"`
	Markdown bool   `json:"markdown,omitempty" jsonschema:"also return the whole report as Markdown"`
	Fresh    bool   `json:"fresh,omitempty" jsonschema:"run the pass again instead of the one of the last minutes"`
}

// DecisionBrief is one rule decision of a pass, in short.
type DecisionBrief struct {
	ID         string `json:"id"`
	RuleID     string `json:"rule_id"`
	RuleName   string `json:"rule_name"`
	Summary    string `json:"summary"`
	Action     string `json:"action"`
	Level      string `json:"level"`
	EntityID   string `json:"entity_id"`
	EntityName string `json:"entity_name,omitempty"`
	From       int64  `json:"from,omitempty"`
	To         int64  `json:"to,omitempty"`
	// Allowed is true when every safeguard passed; BlockedBy names those
	// that did not.
	Allowed   bool     `json:"allowed"`
	BlockedBy []string `json:"blocked_by,omitempty"`
}

// ReportOut is the output of latest_report.
type ReportOut struct {
	Account         string                    `json:"account"`
	Name            string                    `json:"name"`
	Data            Data                      `json:"data"`
	Since           string                    `json:"since"`
	Until           string                    `json:"until"`
	Goals           analysis.Goals            `json:"goals"`
	Objects         analysis.EntityCounts     `json:"objects"`
	Analyzer        string                    `json:"analyzer"`
	Summary         string                    `json:"summary"`
	Recommendations []analysis.Recommendation `json:"recommendations"`
	Notes           []string                  `json:"notes,omitempty"`
	// Decisions are the rules' decisions of the pass (a dry run): explain
	// one with explain_decision, adopt one with propose_change.
	Decisions []DecisionBrief `json:"decisions"`
	Markdown  string          `json:"markdown,omitempty"`
}

// --- explain_decision

// ExplainIn is the input of explain_decision.
type ExplainIn struct {
	Account    string `json:"account" jsonschema:"the ad account id (act_123)"`
	DecisionID string `json:"decision_id" jsonschema:"a decision id from latest_report, or a proposal id from propose_change"`
}

// RuleOut is a rule as its document gives it.
type RuleOut struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Description string              `json:"description,omitempty"`
	Level       string              `json:"level"`
	Class       string              `json:"class,omitempty"`
	Live        bool                `json:"live"`
	Filter      *rules.FilterSpec   `json:"filter,omitempty"`
	Action      rules.ActionSpec    `json:"action"`
	Safeguards  rules.SafeguardSpec `json:"safeguards"`
	// Conditions is the rule's condition tree as JSON (the rules format).
	Conditions string `json:"conditions"`
}

// ExplainOut is the output of explain_decision.
type ExplainOut struct {
	Account string `json:"account"`
	// Source is "pass" (a decision of the analysis pass) or "proposal".
	Source  string `json:"source"`
	Summary string `json:"summary"`
	// Decision has the evidence (each condition as measured, with its
	// window and unit) and every safeguard's verdict.
	Decision rules.Decision `json:"decision"`
	Rule     RuleOut        `json:"rule"`
	// Coverage is what the rule looked at in the pass (entities seen,
	// skipped, undecided and why).
	Coverage *rules.RuleCoverage `json:"coverage,omitempty"`
	Currency string              `json:"currency"`
}

func (s *Server) addReadTools() {
	wins := map[string][]string{"window": summaryWindows}
	addTool(s, &mcp.Tool{Name: "list_accounts", Description: "List the Meta ad accounts this server's credentials allow, with their connection state, and whether applying changes is enabled.",
		Annotations: readOnly("List ad accounts")}, nil, s.listAccounts)
	addTool(s, &mcp.Tool{Name: "account_summary", Description: "Statistics of an ad account over a window: per level (campaign, ad set, ad) the totals (spend, impressions, clicks, conversions and their value, de-duplicated reach), the metrics as ratios of those sums (CTR, CPC, CPM, CPA, ROAS, frequency, profit) and their spread across entities. Money in minor units of the account currency.",
		Annotations: readOnly("Account summary")}, wins, s.accountSummary)
	addTool(s, &mcp.Tool{Name: "list_entities", Description: "Campaigns, ad sets or ads of an account with their delivery status, budget, bid, learning stage and metrics over a window, by spend.",
		Annotations: readOnly("Entities with metrics")}, map[string][]string{"window": summaryWindows, "level": levels}, s.listEntities)
	addTool(s, &mcp.Tool{Name: "get_signals", Description: "The signals of the account's analysis pass: time patterns (hour of day, day of week), creative fatigue, budget pacing, audience overlap and benchmarks, each with its evidence (numbers with their windows), confidence and severity.",
		Annotations: readOnly("Signals")}, nil, s.getSignals)
	addTool(s, &mcp.Tool{Name: "latest_report", Description: "The account's latest analysis report: a summary, ranked recommendations with their evidence and expected impact, and the rules' decisions (a dry run).",
		Annotations: readOnly("Latest report")}, nil, s.latestReport)
	addTool(s, &mcp.Tool{Name: "explain_decision", Description: "Explain a rule decision (from latest_report) or a proposal (from propose_change): the rule, every condition as it was measured, and every safeguard's verdict.",
		Annotations: readOnly("Explain a decision")}, nil, s.explainDecision)
}

func (s *Server) listAccounts(ctx context.Context, _ *mcp.CallToolRequest, _ AccountsIn) (*mcp.CallToolResult, *AccountsOut, error) {
	accts, err := s.accounts(ctx)
	if err != nil {
		return nil, nil, classify(metaads.AccountID{}, err)
	}
	out := &AccountsOut{Accounts: make([]AccountOut, 0, len(accts)), ApplyEnabled: s.cfg.Apply, KillSwitch: s.killed(ctx), Source: s.cfg.Source.String()}
	for _, a := range accts {
		ao := AccountOut{ID: a.ID.String(), Name: a.Name, Currency: a.Currency, TimeZone: a.TimeZone, State: a.State, NeedsReconnect: a.NeedsReconnect}
		s.mu.Lock()
		if p := s.passes[a.ID]; p != nil { // a file names no currency; a pass read it
			ao.Name, ao.Currency, ao.TimeZone = orWord(ao.Name, p.rep.Account.Name), orWord(ao.Currency, p.rep.Currency), orWord(ao.TimeZone, p.rep.TimeZone)
		}
		s.mu.Unlock()
		out.Accounts = append(out.Accounts, ao)
	}
	return nil, out, nil
}

// window parses a window argument of the summary tools.
func window(arg string) (rules.Window, error) {
	if arg == "" {
		return rules.WindowLast7D, nil
	}
	if !slices.Contains(summaryWindows, arg) {
		return 0, toolErrorf(CodeInvalidArgument, "window %q: want one of %s", clean(arg, 40), strings.Join(summaryWindows, ", "))
	}
	return rules.ParseWindow(arg)
}

// readPass checks the account and returns its pass.
func (s *Server) readPass(ctx context.Context, account string, fresh bool) (*pass, error) {
	acct, err := s.allowed(ctx, account)
	if err != nil {
		return nil, err
	}
	return s.pass(ctx, acct, fresh)
}

func (s *Server) accountSummary(ctx context.Context, _ *mcp.CallToolRequest, in SummaryIn) (*mcp.CallToolResult, *SummaryOut, error) {
	w, err := window(in.Window)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.readPass(ctx, in.Account, in.Fresh)
	if err != nil {
		return nil, nil, err
	}
	stats, err := p.rep.Dataset.Statistics(p.snap, p.rep.Goals.GrossMargin, w)
	if err != nil {
		return nil, nil, classify(p.acct.ID, err)
	}
	out := &SummaryOut{Account: p.acct.ID.String(), Name: p.rep.Account.Name, Data: p.data(), Window: w.String(), Goals: p.rep.Goals, Objects: p.rep.Entities, Levels: make([]LevelSummary, 0, len(stats))}
	for _, st := range stats {
		out.Since, out.Until = st.Range.Since.String(), st.Range.Until.String()
		x := st.Statistics
		out.Levels = append(out.Levels, LevelSummary{Level: st.Level.String(), Entities: len(x.Entities), Totals: x.Totals, Metrics: x.Total,
			CPA: x.CPA, ROAS: x.ROAS, CTR: x.CTR, Frequency: x.Frequency})
	}
	return nil, out, nil
}

func (s *Server) listEntities(ctx context.Context, _ *mcp.CallToolRequest, in EntitiesIn) (*mcp.CallToolResult, *EntitiesOut, error) {
	w, err := window(in.Window)
	if err != nil {
		return nil, nil, err
	}
	lv := metrics.LevelAdSet
	if in.Level != "" {
		if !slices.Contains(levels, in.Level) {
			return nil, nil, toolErrorf(CodeInvalidArgument, "level %q: want campaign, adset or ad", clean(in.Level, 40))
		}
		lv = metrics.Level(in.Level)
	}
	limit := in.Limit
	switch {
	case limit == 0:
		limit = 100
	case limit < 0 || limit > 500:
		return nil, nil, toolErrorf(CodeInvalidArgument, "limit %d: want 1 to 500", limit)
	}
	p, err := s.readPass(ctx, in.Account, in.Fresh)
	if err != nil {
		return nil, nil, err
	}
	out := &EntitiesOut{Account: p.acct.ID.String(), Data: p.data(), Level: lv.String(), Window: w.String(), Entities: make([]EntityOut, 0)}
	if r, ok := windowDays(p, w); ok {
		out.Since, out.Until = r.Since.String(), r.Until.String()
	}
	for i := range p.snap.Entities {
		e := &p.snap.Entities[i]
		if e.Level != lv || (in.Status != "" && !strings.EqualFold(e.Status, in.Status)) {
			continue
		}
		eo := entityOut(e)
		if t, ok := e.Totals(w); ok {
			eo.HasData, eo.Counts, eo.Metrics = true, t.Counts, metrics.Derive(t.Counts, p.rep.Goals.GrossMargin)
		}
		out.Entities = append(out.Entities, eo)
	}
	out.Total = len(out.Entities)
	slices.SortStableFunc(out.Entities, func(a, b EntityOut) int { return int(min(max(b.Counts.Spend-a.Counts.Spend, -1), 1)) })
	if len(out.Entities) > limit {
		out.Entities = out.Entities[:limit]
	}
	return nil, out, nil
}

func entityOut(e *rules.Entity) EntityOut {
	eo := EntityOut{ID: e.ID, Name: e.Name, Level: e.Level.String(), Status: e.Status, Objective: e.Objective, ConversionEvent: e.ConversionEvent,
		DailyBudget: e.DailyBudget, LifetimeBudget: e.LifetimeBudget, BidAmount: e.BidAmount, LearningStage: e.LearningStage}
	if !e.LastSignificantEdit.IsZero() {
		t := e.LastSignificantEdit
		eo.LastSignificantEdit = &t
	}
	return eo
}

// windowDays returns the days of a window of the same days for all
// entities, from the pass's statistics.
func windowDays(p *pass, w rules.Window) (metaads.TimeRange, bool) {
	stats, err := p.rep.Dataset.Statistics(p.snap, 0, w)
	if err != nil || len(stats) == 0 {
		return metaads.TimeRange{}, false
	}
	return stats[0].Range, true
}

func (s *Server) getSignals(ctx context.Context, _ *mcp.CallToolRequest, in SignalsIn) (*mcp.CallToolResult, *SignalsOut, error) {
	p, err := s.readPass(ctx, in.Account, in.Fresh)
	if err != nil {
		return nil, nil, err
	}
	out := &SignalsOut{Account: p.acct.ID.String(), Data: p.data(), Signals: make([]analysis.Signal, 0, len(p.rep.Signals))}
	for _, sg := range p.rep.Signals {
		if in.Kind != "" && string(sg.Kind) != in.Kind {
			continue
		}
		if in.EntityID != "" && !slices.ContainsFunc(sg.Entities, func(r analysis.EntityRef) bool { return r.ID == in.EntityID }) {
			continue
		}
		out.Signals = append(out.Signals, sg)
	}
	switch {
	case !s.cfg.Runner.HasSignals():
		out.Note = "this server computes no signals (the agent was built without the analysis/signals functions); latest_report and account_summary still hold the rules' and the heuristic's findings"
	case len(out.Signals) == 0 && len(p.rep.Signals) > 0:
		out.Note = fmt.Sprintf("none of the pass's %d signals matches the filter", len(p.rep.Signals))
	case len(out.Signals) == 0:
		out.Note = "the signal functions found nothing on this account's data"
	}
	return nil, out, nil
}

func (s *Server) latestReport(ctx context.Context, _ *mcp.CallToolRequest, in ReportIn) (*mcp.CallToolResult, *ReportOut, error) {
	p, err := s.readPass(ctx, in.Account, in.Fresh)
	if err != nil {
		return nil, nil, err
	}
	rep := p.rep
	out := &ReportOut{Account: p.acct.ID.String(), Name: rep.Account.Name, Data: p.data(), Since: rep.Range.Since.String(), Until: rep.Range.Until.String(),
		Goals: rep.Goals, Objects: rep.Entities, Recommendations: make([]analysis.Recommendation, 0), Decisions: make([]DecisionBrief, 0)}
	if rep.Result != nil {
		out.Analyzer, out.Summary, out.Notes = rep.Result.Analyzer, rep.Result.Summary, rep.Result.Notes
		out.Recommendations = append(out.Recommendations, rep.Result.Recommendations...)
	}
	if rep.Evaluation != nil {
		for i := range rep.Evaluation.Decisions {
			out.Decisions = append(out.Decisions, brief(&rep.Evaluation.Decisions[i]))
		}
	}
	if in.Markdown {
		out.Markdown = rep.Markdown()
	}
	return nil, out, nil
}

func brief(d *rules.Decision) DecisionBrief {
	return DecisionBrief{ID: d.ID, RuleID: d.RuleID, RuleName: d.RuleName, Summary: d.Summary(), Action: d.Action.String(), Level: d.Level.String(),
		EntityID: d.EntityID, EntityName: d.EntityName, From: d.From, To: d.To, Allowed: d.Allowed, BlockedBy: blockedBy(d)}
}

// blockedBy names the safeguards that did not pass.
func blockedBy(d *rules.Decision) []string {
	var out []string
	for _, c := range d.Safeguards {
		if !c.Passed {
			out = append(out, c.Name)
		}
	}
	return out
}

func (s *Server) explainDecision(ctx context.Context, _ *mcp.CallToolRequest, in ExplainIn) (*mcp.CallToolResult, *ExplainOut, error) {
	if in.DecisionID == "" {
		return nil, nil, toolErrorf(CodeInvalidArgument, "decision_id is required: a decision id from latest_report or a proposal id from propose_change")
	}
	acct, err := s.allowed(ctx, in.Account)
	if err != nil {
		return nil, nil, err
	}
	// A proposal first: it needs no pass.
	if pr, err := s.loadProposal(ctx, in.DecisionID); err == nil && pr.Account == acct.ID.String() {
		out := &ExplainOut{Account: pr.Account, Source: "proposal", Summary: pr.Decision.Summary(), Decision: pr.Decision, Rule: ruleOut(pr.Spec.Rules[0]), Currency: pr.Currency}
		return nil, out, nil
	}
	p, err := s.pass(ctx, acct, false)
	if err != nil {
		return nil, nil, err
	}
	if p.rep.Evaluation != nil {
		for i := range p.rep.Evaluation.Decisions {
			d := &p.rep.Evaluation.Decisions[i]
			if d.ID != in.DecisionID {
				continue
			}
			out := &ExplainOut{Account: p.acct.ID.String(), Source: "pass", Summary: d.Summary(), Decision: *d, Currency: p.rep.Currency}
			if spec, err := s.passRules(p); err == nil {
				if rs, ok := findRule(spec, d.RuleID); ok {
					out.Rule = ruleOut(rs)
				}
			}
			for j := range p.rep.Evaluation.Coverage {
				if c := &p.rep.Evaluation.Coverage[j]; c.RuleID == d.RuleID {
					out.Coverage = c
				}
			}
			return nil, out, nil
		}
	}
	return nil, nil, toolErrorf(CodeNotFound, "no decision or proposal %q for %s in the pass of %s; latest_report lists the decisions (a new pass has new ids)", clean(in.DecisionID, 80), acct.ID, p.rep.Now.Format(time.RFC3339))
}

func ruleOut(r rules.RuleSpec) RuleOut {
	cond, _ := json.Marshal(r.Conditions)
	return RuleOut{ID: r.ID, Name: orWord(r.Name, r.ID), Description: r.Description, Level: r.Level.String(), Class: r.Class, Live: r.Live,
		Filter: r.Filter, Action: r.Action, Safeguards: r.Safeguards, Conditions: string(cond)}
}

func findRule(spec rules.Spec, id string) (rules.RuleSpec, bool) {
	for _, r := range spec.Rules {
		if r.ID == id {
			return r, true
		}
	}
	return rules.RuleSpec{}, false
}
