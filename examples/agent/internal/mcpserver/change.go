package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
	"github.com/adpilot/adpilot/rules/metaactuator"
)

// Rule ids of the changes assistants propose: a cooldown holds per kind
// of change and entity; the weekly cap and the daily change cap count
// every rule's changes, the agent's included.
const (
	rulePause   = "mcp-pause"
	ruleUnpause = "mcp-unpause"
	ruleBudget  = "mcp-budget"
	ruleBid     = "mcp-bid"
)

var changeActions = []string{"pause", "unpause", "set_budget", "scale_budget", "change_bid"}

// ProposeIn is the input of propose_change.
type ProposeIn struct {
	Account string `json:"account" jsonschema:"the ad account id (act_123)"`
	// Either EntityID with Action (and Amount or Percent), or DecisionID.
	EntityID string  `json:"entity_id,omitempty" jsonschema:"the campaign, ad set or ad to change (ids from list_entities)"`
	Action   string  `json:"action,omitempty" jsonschema:"what to do to entity_id"`
	Amount   int64   `json:"amount,omitempty" jsonschema:"set_budget and change_bid: the new value in minor units of the account currency (12000 is 120.00 USD)"`
	Percent  float64 `json:"percent,omitempty" jsonschema:"scale_budget and change_bid: the relative change (-20 cuts by 20%, 15 raises by 15%)"`
	// DecisionID adopts a decision of the pass (latest_report) instead.
	DecisionID string `json:"decision_id,omitempty" jsonschema:"instead of entity_id and action: adopt this decision of latest_report, with its rule's safeguards"`
	Reason     string `json:"reason" jsonschema:"why, in a sentence: kept in the proposal's evidence and the audit log"`
}

// ProposeOut is the output of propose_change.
type ProposeOut struct {
	// ProposalID is the decision id: apply_change takes it, and the ledger
	// records the change under it, so it is applied at most once.
	ProposalID string `json:"proposal_id"`
	Account    string `json:"account"`
	Level      string `json:"level"`
	EntityID   string `json:"entity_id"`
	EntityName string `json:"entity_name"`
	Action     string `json:"action"`
	// Budget is "daily" or "lifetime" for budget changes.
	Budget string `json:"budget,omitempty"`
	// From is the budget or bid now; To the value the change writes;
	// RequestedTo what was asked (To differs when a safeguard would clamp
	// it, and the change is then refused: propose To instead).
	From        int64  `json:"from,omitempty"`
	To          int64  `json:"to,omitempty"`
	RequestedTo int64  `json:"requested_to,omitempty"`
	Currency    string `json:"currency"`
	// Allowed is true when every safeguard passed; BlockedBy names the
	// ones that did not.
	Allowed    bool             `json:"allowed"`
	BlockedBy  []string         `json:"blocked_by,omitempty"`
	Summary    string           `json:"summary"`
	Safeguards []rules.Check    `json:"safeguards"`
	Evidence   []rules.Evidence `json:"evidence"`
	// DataAsOf is the time of the data the change was decided on; the
	// proposal may be applied until ExpiresAt.
	DataAsOf     time.Time `json:"data_as_of"`
	ExpiresAt    time.Time `json:"expires_at"`
	ApplyEnabled bool      `json:"apply_enabled"`
	// Next says what to do next.
	Next string `json:"next"`
}

// ApplyIn is the input of apply_change.
type ApplyIn struct {
	ProposalID string `json:"proposal_id" jsonschema:"the proposal_id propose_change returned, after the person confirmed the change"`
}

// ApplyOut is the output of apply_change.
type ApplyOut struct {
	ProposalID string `json:"proposal_id"`
	Account    string `json:"account"`
	// Status is "applied" (the change was written now) or
	// "already_applied" (the ledger holds it: nothing was done again).
	Status     string `json:"status"`
	Level      string `json:"level"`
	EntityID   string `json:"entity_id"`
	EntityName string `json:"entity_name"`
	Action     string `json:"action"`
	Budget     string `json:"budget,omitempty"`
	From       int64  `json:"from,omitempty"`
	To         int64  `json:"to,omitempty"`
	Currency   string `json:"currency"`
	// Outcome is the ledger's outcome of the decision (applied, pending
	// while another call applies it, unknown when Meta did not answer).
	Outcome string `json:"outcome"`
	// AuditSeq is this call's entry in the audit log.
	AuditSeq int64  `json:"audit_seq"`
	Summary  string `json:"summary"`
}

// proposal is what the server stores of a proposal: enough to evaluate
// the same decision again at apply time against the ledger as it is then.
type proposal struct {
	ID        string         `json:"id"`
	Account   string         `json:"account"`
	Spec      rules.Spec     `json:"spec"`
	Entity    rules.Entity   `json:"entity"`
	Now       time.Time      `json:"now"`
	Currency  string         `json:"currency"`
	TimeZone  string         `json:"time_zone"`
	Requested int64          `json:"requested_to"`
	Decision  rules.Decision `json:"decision"`
	Reason    string         `json:"reason"`
	// Adopted is the pass decision the proposal adopts, if any.
	Adopted   string    `json:"adopted,omitempty"`
	Call      callInfo  `json:"call"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// callInfo names a tool call for the audit log.
type callInfo struct {
	Tool      string `json:"tool"`
	Session   string `json:"session,omitempty"`
	Client    string `json:"client,omitempty"`
	Transport string `json:"transport"`
}

func callOf(tool string, req *mcp.CallToolRequest) callInfo {
	c := callInfo{Tool: tool, Transport: "stdio"}
	if req == nil {
		return c
	}
	if req.Extra != nil && req.Extra.Header != nil {
		c.Transport = "http"
	}
	if req.Session != nil {
		c.Session = req.Session.ID()
		if ip := req.Session.InitializeParams(); ip != nil && ip.ClientInfo != nil {
			c.Client = strings.TrimSpace(clean(ip.ClientInfo.Name, 80) + " " + clean(ip.ClientInfo.Version, 40))
		}
	}
	return c
}

func (s *Server) addChangeTools() {
	f, t := false, true
	addTool(s, &mcp.Tool{Name: "propose_change", Description: "Propose a change (pause, unpause, set or scale a budget, change a bid) to a campaign, ad set or ad, or adopt a rule decision of latest_report. Nothing is changed: the change is evaluated as a rule on the current data with the operator's safeguards (step and weekly caps, budget floor and ceiling, cooldown, daily change cap, learning freeze, kill switch) and the ledger of past changes. Returns a proposal id and each safeguard's verdict; show them to the person before apply_change.",
		Annotations: &mcp.ToolAnnotations{Title: "Propose a change", ReadOnlyHint: false, DestructiveHint: &f, IdempotentHint: true, OpenWorldHint: &f}},
		map[string][]string{"action": changeActions}, s.proposeChange)
	addTool(s, &mcp.Tool{Name: "apply_change", Description: "Apply a proposal by its proposal_id, once the person confirmed it: the safeguards are checked again against the ledger, then the rules executor writes the change to Meta and records it. A retried call does not apply it twice. Refused when the server is read-only.",
		Annotations: &mcp.ToolAnnotations{Title: "Apply a proposal", DestructiveHint: &t, IdempotentHint: true, OpenWorldHint: &t}},
		nil, s.applyChange)
}

func (s *Server) proposeChange(ctx context.Context, req *mcp.CallToolRequest, in ProposeIn) (*mcp.CallToolResult, *ProposeOut, error) {
	call := callOf("propose_change", req)
	out, pr, err := s.propose(ctx, in, call)
	account, id, detail := in.Account, "", ""
	if pr != nil {
		account, id = pr.Account, pr.ID
		detail = pr.Decision.Summary()
		if !pr.Decision.Allowed {
			detail = "blocked by " + strings.Join(blockedBy(&pr.Decision), ", ") + ": " + detail
		}
	}
	outcome := codeOf(err)
	if err == nil && !out.Allowed {
		outcome = CodeBlocked
	}
	if err != nil {
		detail = err.Error()
	}
	s.audit(ctx, call, account, id, in, outcome, detail)
	return nil, out, err
}

func (s *Server) propose(ctx context.Context, in ProposeIn, call callInfo) (*ProposeOut, *proposal, error) {
	in.Reason = clean(in.Reason, 300)
	if in.Reason == "" {
		return nil, nil, toolErrorf(CodeInvalidArgument, "reason is required: say in a sentence why (it goes into the proposal's evidence and the audit log)")
	}
	if in.DecisionID == "" && (in.EntityID == "" || in.Action == "") {
		return nil, nil, toolErrorf(CodeInvalidArgument, "give entity_id and action (%s), or decision_id to adopt a decision of latest_report", strings.Join(changeActions, ", "))
	}
	if in.DecisionID != "" && (in.EntityID != "" || in.Action != "" || in.Amount != 0 || in.Percent != 0) {
		return nil, nil, toolErrorf(CodeInvalidArgument, "decision_id adopts a decision as it is: give it alone, or entity_id and action without it")
	}
	acct, err := s.allowed(ctx, in.Account)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.pass(ctx, acct, false)
	if err != nil {
		return nil, nil, err
	}
	pr := &proposal{Account: acct.ID.String(), Now: p.snap.Now, Currency: p.snap.Currency, TimeZone: p.snap.TimeZone, Reason: in.Reason, Call: call}
	var rule rules.RuleSpec
	var ent *rules.Entity
	if in.DecisionID != "" {
		rule, ent, err = s.adopt(p, in.DecisionID)
		pr.Adopted = in.DecisionID
	} else {
		ent = findEntity(p.snap, in.EntityID)
		if ent == nil {
			return nil, nil, toolErrorf(CodeNotFound, "%q is not a campaign, ad set or ad of %s (as read at %s); list_entities gives the ids", clean(in.EntityID, 40), acct.ID, p.snap.Now.Format(time.RFC3339))
		}
		rule, pr.Requested, err = s.customRule(in, ent)
	}
	if err != nil {
		return nil, nil, err
	}
	pr.Entity = *ent
	if pr.Spec, err = s.proposalSpec(p, rule); err != nil {
		return nil, nil, err
	}
	d, err := s.evaluate(ctx, pr)
	if err != nil {
		return nil, nil, err
	}
	if pr.Adopted != "" {
		pr.Requested = d.To
	}
	pr.ID, pr.Decision = d.ID, *d
	pr.CreatedAt = s.now()
	pr.ExpiresAt = pr.CreatedAt.Add(s.cfg.ProposalTTL)
	body, err := json.Marshal(pr)
	if err != nil {
		return nil, nil, fmt.Errorf("mcpserver: encoding the proposal: %w", err)
	}
	sp := store.Proposal{ID: pr.ID, Account: pr.Account, CreatedAt: pr.CreatedAt, ExpiresAt: pr.ExpiresAt, Body: string(body)}
	saved, err := s.cfg.Store.SaveProposal(ctx, sp)
	if err != nil {
		return nil, nil, classify(acct.ID, err)
	}
	if !saved {
		// The same decision (rule, entity, value, data) was proposed
		// before: that proposal stands, unless it asked for a value the
		// safeguards clamp (it can never be applied) and this one asks
		// for the value itself. Without this, raising by 50% (clamped to
		// 20%, refused) and then by 20% answered "allowed" with the first
		// request's id, and applying it was refused.
		stored, err := s.loadProposal(ctx, pr.ID)
		if err != nil {
			return nil, nil, classify(acct.ID, err)
		}
		if exact(stored) || !exact(pr) {
			pr.CreatedAt, pr.ExpiresAt = stored.CreatedAt, stored.ExpiresAt // apply_change goes by the stored one
			return s.proposeOut(pr, d), pr, nil
		}
		if err := s.cfg.Store.ReplaceProposal(ctx, sp); err != nil {
			return nil, nil, classify(acct.ID, err)
		}
	}
	return s.proposeOut(pr, d), pr, nil
}

// exact reports whether a proposal asks for the value its decision
// writes (no safeguard clamps it), so that it can be applied.
func exact(pr *proposal) bool {
	return pr.Requested == 0 || pr.Requested == pr.Decision.To
}

func (s *Server) proposeOut(pr *proposal, d *rules.Decision) *ProposeOut {
	out := &ProposeOut{ProposalID: pr.ID, Account: pr.Account, Level: d.Level.String(), EntityID: d.EntityID, EntityName: d.EntityName, Action: d.Action.String(),
		From: d.From, To: d.To, RequestedTo: pr.Requested, Currency: pr.Currency, Allowed: d.Allowed, BlockedBy: blockedBy(d), Summary: d.Summary(),
		Safeguards: d.Safeguards, Evidence: d.Evidence, DataAsOf: pr.Now, ExpiresAt: pr.ExpiresAt, ApplyEnabled: s.cfg.Apply}
	if d.Budget != 0 {
		out.Budget = d.Budget.String()
	}
	switch {
	case !d.Allowed:
		out.Next = "Do not apply: the change is blocked by " + strings.Join(out.BlockedBy, ", ") + " (see safeguards for each reason)."
		if slices.Contains(out.BlockedBy, "exact_value") {
			out.Next += fmt.Sprintf(" The safeguards allow %d: propose that value instead if the person agrees.", d.To)
		}
	case !s.cfg.Apply:
		out.Next = "The server is read-only: show the proposal to the person; an operator can apply it in Ads Manager or restart the server with --apply."
	default:
		out.Next = "Show the proposal to the person; once they confirm, call apply_change with proposal_id " + pr.ID + " before " + pr.ExpiresAt.Format(time.RFC3339) + "."
	}
	return out
}

func findEntity(snap *rules.Snapshot, id string) *rules.Entity {
	for i := range snap.Entities {
		if snap.Entities[i].ID == id {
			return &snap.Entities[i]
		}
	}
	return nil
}

// customRule makes the one rule of a change an assistant asks for, with
// the operator's safeguards, and returns the value it asks for.
func (s *Server) customRule(in ProposeIn, e *rules.Entity) (rules.RuleSpec, int64, error) {
	g := s.cfg.Safeguards
	r := rules.RuleSpec{Name: "Change proposed through MCP", Level: e.Level, Live: true,
		Description: "A change an assistant proposed with propose_change, evaluated as a rule so the operator's safeguards and the ledger apply to it.",
		Filter:      &rules.FilterSpec{IDs: []string{e.ID}},
		Conditions:  &rules.ConditionSpec{Label: "proposed through MCP: " + in.Reason, Hours: &rules.HoursSpec{From: 0, To: 24}},
		Safeguards:  rules.SafeguardSpec{Cooldown: g.Cooldown.String()}}
	if g.Cooldown == 0 {
		r.Safeguards.Cooldown = ""
	}
	step, week := g.MaxStepPercent, g.MaxWeekPercent
	pct := func() (*float64, error) {
		if in.Percent == 0 || math.IsNaN(in.Percent) || in.Percent <= -100 || in.Percent > 1000 {
			return nil, toolErrorf(CodeInvalidArgument, "percent %v: want a change in (-100, 1000], not zero (-20 cuts by 20%%)", in.Percent)
		}
		v := in.Percent
		return &v, nil
	}
	var want int64
	switch in.Action {
	case "pause", "unpause":
		if in.Amount != 0 || in.Percent != 0 {
			return r, 0, toolErrorf(CodeInvalidArgument, "%s takes no amount or percent", in.Action)
		}
		r.ID, r.Action = rulePause, rules.ActionSpec{Type: "pause"}
		if in.Action == "unpause" {
			r.ID, r.Action.Type = ruleUnpause, "unpause"
		}
		return r, 0, nil
	case "scale_budget", "set_budget":
		from := e.DailyBudget
		if from == 0 {
			from = e.LifetimeBudget
		}
		r.ID = ruleBudget
		switch {
		case in.Action == "scale_budget" && in.Amount != 0:
			return r, 0, toolErrorf(CodeInvalidArgument, "scale_budget takes percent, not amount (set_budget takes an amount)")
		case in.Action == "scale_budget":
			p, err := pct()
			if err != nil {
				return r, 0, err
			}
			want = int64(math.Round(float64(from) * (1 + *p/100)))
		case in.Amount <= 0 || in.Percent != 0:
			return r, 0, toolErrorf(CodeInvalidArgument, "set_budget takes amount, the new budget in minor units above 0 (scale_budget takes a percent)")
		default:
			want = in.Amount
		}
		r.Safeguards.MinBudget, r.Safeguards.MaxStepPercent = &g.MinBudget, &step
		if g.MaxBudget > 0 {
			r.Safeguards.MaxBudget = &g.MaxBudget
		}
		if want > from {
			r.Safeguards.MaxWeekPercent = &week // the weekly cap bounds increases
		} else {
			r.Class = "protect" // a cut (set_budget is a raise by default)
		}
		// The rule writes the value asked for. As set_budget its step and
		// weekly caps are checked on the entity's budget at evaluation
		// (clamped values are refused below); a value outside the floor or
		// ceiling is a scale_budget, so that the floor is judged on the
		// budget too rather than refused when the rule is compiled.
		if from > 0 && (want < g.MinBudget || (g.MaxBudget > 0 && want > g.MaxBudget)) {
			p := (float64(want)/float64(from) - 1) * 100
			r.Action = rules.ActionSpec{Type: "scale_budget", Percent: &p}
			if got := int64(math.Round(float64(from) * (1 + p/100))); got != want {
				want = got
			}
		} else {
			a := want
			r.Action = rules.ActionSpec{Type: "set_budget", Amount: &a}
		}
	case "change_bid":
		r.ID = ruleBid
		switch {
		case in.Amount > 0 && in.Percent == 0:
			want = in.Amount
		case in.Amount == 0 && in.Percent != 0:
			p, err := pct()
			if err != nil {
				return r, 0, err
			}
			want = int64(math.Round(float64(e.BidAmount) * (1 + *p/100)))
		default:
			return r, 0, toolErrorf(CodeInvalidArgument, "change_bid takes amount (the new bid, minor units) or percent, one of them")
		}
		a := want
		r.Action = rules.ActionSpec{Type: "change_bid", Amount: &a}
		r.Safeguards.MaxStepPercent = &step
		if want > e.BidAmount {
			r.Safeguards.MaxWeekPercent = &week
		} else {
			r.Class = "protect"
		}
	default:
		return r, 0, toolErrorf(CodeInvalidArgument, "action %q: want one of %s", clean(in.Action, 40), strings.Join(changeActions, ", "))
	}
	return r, want, nil
}

// adopt returns the rule of a decision of the pass and its entity.
func (s *Server) adopt(p *pass, id string) (rules.RuleSpec, *rules.Entity, error) {
	var d *rules.Decision
	if p.rep.Evaluation != nil {
		for i := range p.rep.Evaluation.Decisions {
			if p.rep.Evaluation.Decisions[i].ID == id {
				d = &p.rep.Evaluation.Decisions[i]
			}
		}
	}
	if d == nil {
		return rules.RuleSpec{}, nil, toolErrorf(CodeNotFound, "no decision %q in the pass of %s (read at %s); latest_report lists the decisions, and a new pass has new ids", clean(id, 80), p.acct.ID, p.snap.Now.Format(time.RFC3339))
	}
	if !d.Action.Mutates() {
		return rules.RuleSpec{}, nil, toolErrorf(CodeNotActionable, "decision %s is a %s: it changes nothing, so there is nothing to apply", id, d.Action)
	}
	spec, err := s.passRules(p)
	if err != nil {
		return rules.RuleSpec{}, nil, err
	}
	r, ok := findRule(spec, d.RuleID)
	ent := findEntity(p.snap, d.EntityID)
	if !ok || ent == nil {
		return rules.RuleSpec{}, nil, toolErrorf(CodeNotFound, "the rule %q or the entity %s of decision %s is not in the pass", d.RuleID, d.EntityID, id)
	}
	r.Live = true
	return r, ent, nil
}

// passRules is the rules document of the passes for p's goals.
func (s *Server) passRules(p *pass) (rules.Spec, error) {
	if s.cfg.Rules != nil {
		return *s.cfg.Rules, nil
	}
	g := p.rep.Goals
	pp := rules.Params{Currency: g.Currency, ConversionEvent: g.ConversionEvent, TargetCPA: g.TargetCPA, TargetROAS: g.TargetROAS, GrossMargin: g.GrossMargin}
	if pp.TargetCPA == 0 && pp.TargetROAS == 0 {
		pp.TargetROAS = 1 // as the pass does: its rules reading conversions made no decision
	}
	spec, err := rules.DefaultLibrary(pp)
	if err != nil {
		return rules.Spec{}, toolErrorf(CodeUpstream, "the default rules for the account's goals: %v", err)
	}
	return spec, nil
}

// proposalSpec is the document a proposal is evaluated with: its rule,
// the default library's learning freeze, the operator's daily change cap
// and the kill switch, in the account's currency.
func (s *Server) proposalSpec(p *pass, r rules.RuleSpec) (rules.Spec, error) {
	lib, err := rules.DefaultLibrary(rules.Params{TargetROAS: 1})
	if err != nil {
		return rules.Spec{}, err
	}
	spec := rules.Spec{MaxDailyChanges: s.cfg.Safeguards.MaxDailyChanges, Currency: p.rep.Currency, Rules: []rules.RuleSpec{r}}
	if s.cfg.Rules != nil && s.cfg.Rules.MaxDailyChanges > 0 && (spec.MaxDailyChanges == 0 || s.cfg.Rules.MaxDailyChanges < spec.MaxDailyChanges) {
		spec.MaxDailyChanges = s.cfg.Rules.MaxDailyChanges
	}
	// The pass's rules count the goals' conversion event (the changes
	// assistants ask for read no conversions, so the binding leaves them be).
	spec.ConversionEvent = p.rep.Goals.ConversionEvent
	if freeze, ok := findRule(lib, "learning-freeze"); ok && r.ID != freeze.ID {
		spec.Rules = append(spec.Rules, freeze)
	}
	return spec, nil
}

// evaluate evaluates the proposal's document on its entity with the
// ledger as it is now and the kill switch as it is now, and returns the
// decision of its rule. A value the safeguards would clamp is refused
// (check exact_value): an assistant applies what it proposed or nothing.
func (s *Server) evaluate(ctx context.Context, pr *proposal) (*rules.Decision, error) {
	acct := metaads.MustParseAccountID(pr.Account)
	spec := pr.Spec
	spec.KillSwitch = s.killed(ctx) || (s.cfg.Rules != nil && s.cfg.Rules.KillSwitch)
	set, err := rules.Compile(spec)
	if err != nil {
		return nil, compileRefusal(err)
	}
	hist, err := rules.History(ctx, s.ledger, s.now().Add(-runner.DefaultHistory))
	if err != nil {
		return nil, classify(acct, fmt.Errorf("reading the ledger: %w", err))
	}
	snap := &rules.Snapshot{Now: pr.Now, Currency: pr.Currency, Account: pr.Account, TimeZone: pr.TimeZone, Entities: []rules.Entity{pr.Entity}, History: hist}
	ev, err := set.Evaluate(snap)
	if err != nil {
		return nil, classify(acct, err)
	}
	rule := spec.Rules[0]
	for i := range ev.Decisions {
		d := &ev.Decisions[i]
		if d.RuleID != rule.ID || d.EntityID != pr.Entity.ID {
			continue
		}
		if pr.Requested != 0 && d.To != pr.Requested && !slices.Contains(blockedBy(d), "budget") && !slices.Contains(blockedBy(d), "bid") {
			d.Safeguards = append(d.Safeguards, rules.Check{Name: "exact_value", Detail: fmt.Sprintf("asked for %d, but %s allow at most %d this time; nothing is applied that was not proposed", pr.Requested, strings.Join(clampedBy(d), " and "), d.To)})
			d.Allowed = false
		}
		return d, nil
	}
	return nil, notActionable(ev, rule, &pr.Entity)
}

// compileRefusal is the error of a change whose rule does not compile:
// a change no budget could make pass a safeguard (a cut beyond the step
// cap and below the floor) is blocked by it; anything else is a bad
// argument.
func compileRefusal(err error) error {
	var ce *rules.CompileError
	if !errors.As(err, &ce) || len(ce.Problems) == 0 {
		return toolErrorf(CodeInvalidArgument, "the change does not make a valid rule: %v", err)
	}
	var names, why []string
	for _, p := range ce.Problems {
		_, field, ok := strings.Cut(p.Path, ".safeguards.")
		if !ok {
			return toolErrorf(CodeInvalidArgument, "the change does not make a valid rule: %s", p.Message)
		}
		name := strings.TrimSuffix(field, "_percent")
		names, why = append(names, name), append(why, name+": "+p.Message)
	}
	return &ToolError{Code: CodeBlocked, Safeguards: names, Message: "the change is blocked, nothing was proposed. " + strings.Join(why, "; ")}
}

// clampedBy names the checks that changed a decision's value.
func clampedBy(d *rules.Decision) []string {
	var out []string
	for _, c := range d.Safeguards {
		switch c.Name {
		case "min_budget", "max_budget":
			out = append(out, c.Name)
		case "max_step", "max_week":
			if strings.Contains(c.Detail, "clamped") {
				out = append(out, c.Name)
			}
		}
	}
	if len(out) == 0 {
		out = append(out, "the safeguards")
	}
	return out
}

// notActionable explains why the rule made no decision for the entity.
func notActionable(ev *rules.Evaluation, r rules.RuleSpec, e *rules.Entity) error {
	var cov *rules.RuleCoverage
	for i := range ev.Coverage {
		if ev.Coverage[i].RuleID == r.ID {
			cov = &ev.Coverage[i]
		}
	}
	want := "ACTIVE"
	if r.Action.Type == "unpause" {
		want = "PAUSED"
	}
	switch {
	case cov == nil || cov.Entities == 0:
		return toolErrorf(CodeNotActionable, "%s is a %s; rule %q acts on %s entities", e.ID, e.Level, r.ID, r.Level)
	case cov.Skipped > 0:
		return toolErrorf(CodeNotActionable, "%s %q has delivery status %s; a change acts only on %s entities (an ad set of a paused campaign is CAMPAIGN_PAUSED: change the campaign)", e.Level, e.Name, e.Status, want)
	case cov.NotMet > 0:
		return toolErrorf(CodeNotActionable, "the conditions of rule %q no longer hold on %s %q", r.ID, e.Level, e.Name)
	}
	why := "data missing"
	if len(cov.Reasons) > 0 {
		why = cov.Reasons[0].Reason
	}
	return toolErrorf(CodeNotActionable, "rule %q cannot decide on %s %q: %s", r.ID, e.Level, e.Name, why)
}

func (s *Server) loadProposal(ctx context.Context, id string) (*proposal, error) {
	sp, err := s.cfg.Store.LoadProposal(ctx, id)
	if err != nil {
		return nil, err
	}
	var pr proposal
	if err := json.Unmarshal([]byte(sp.Body), &pr); err != nil {
		return nil, fmt.Errorf("mcpserver: proposal %s: %w", id, err)
	}
	return &pr, nil
}

func (s *Server) applyChange(ctx context.Context, req *mcp.CallToolRequest, in ApplyIn) (*mcp.CallToolResult, *ApplyOut, error) {
	call := callOf("apply_change", req)
	out, pr, err := s.apply(ctx, in, call)
	account, detail := "", ""
	if pr != nil {
		account, detail = pr.Account, pr.Decision.Summary()
	}
	if out != nil {
		detail = out.Status + ": " + detail
	}
	if err != nil {
		detail = err.Error()
	}
	seq := s.audit(ctx, call, account, in.ProposalID, in, codeOf(err), detail)
	if out != nil {
		out.AuditSeq = seq
	}
	return nil, out, err
}

func (s *Server) apply(ctx context.Context, in ApplyIn, call callInfo) (*ApplyOut, *proposal, error) {
	if !s.cfg.Apply {
		return nil, nil, toolErrorf(CodeReadOnly, "this server is read-only: the operator started it without --apply, so no change is applied. Show the proposal to the person; they can make it in Ads Manager, or the operator can restart the server with --apply")
	}
	if in.ProposalID == "" {
		return nil, nil, toolErrorf(CodeInvalidArgument, "proposal_id is required: the id propose_change returned")
	}
	pr, err := s.loadProposal(ctx, in.ProposalID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, toolErrorf(CodeNotFound, "no proposal %q; propose_change returns the id", clean(in.ProposalID, 80))
	}
	if err != nil {
		return nil, nil, toolErrorf(CodeUpstream, "reading proposal %s: %v", in.ProposalID, err)
	}
	acct, err := s.allowed(ctx, pr.Account)
	if err != nil {
		return nil, pr, err
	}
	out := &ApplyOut{ProposalID: pr.ID, Account: pr.Account, Level: pr.Decision.Level.String(), EntityID: pr.Decision.EntityID, EntityName: pr.Decision.EntityName,
		Action: pr.Decision.Action.String(), From: pr.Decision.From, To: pr.Decision.To, Currency: pr.Currency, Summary: pr.Decision.Summary()}
	if pr.Decision.Budget != 0 {
		out.Budget = pr.Decision.Budget.String()
	}
	// The ledger first: a retry of an applied proposal does nothing.
	if e, ok, err := s.ledger.Lookup(ctx, pr.ID); err != nil {
		return nil, pr, classify(acct.ID, fmt.Errorf("reading the ledger: %w", err))
	} else if ok && mayHaveApplied(e.Outcome) {
		out.Status, out.Outcome = "already_applied", string(e.Outcome)
		return out, pr, nil
	}
	if s.now().After(pr.ExpiresAt) {
		return nil, pr, toolErrorf(CodeProposalExpired, "proposal %s expired at %s (it was decided on data of %s); propose the change again on fresh data", pr.ID, pr.ExpiresAt.Format(time.RFC3339), pr.Now.Format(time.RFC3339))
	}
	// The safeguards judge the proposal on its data and the ledger up to
	// then (a cooldown, the daily change cap and the weekly cap count the
	// changes decided before the data's time): a change of the entity
	// decided on newer data (another proposal, a run with --apply) makes
	// the proposal stale.
	if h, err := s.changedSince(ctx, pr); err != nil {
		return nil, pr, classify(acct.ID, fmt.Errorf("reading the ledger: %w", err))
	} else if h != nil {
		return nil, pr, &ToolError{Code: CodeStale, Message: fmt.Sprintf("%s %s was changed after the data of proposal %s (%s by rule %q, decided on data of %s): nothing was written. Propose the change again on the current data.",
			pr.Entity.Level, pr.Entity.ID, pr.ID, h.Action, h.RuleID, h.At.Format(time.RFC3339))}
	}
	d, err := s.evaluate(ctx, pr)
	if err != nil {
		return nil, pr, err
	}
	if !d.Allowed || d.ID != pr.ID {
		return nil, pr, blocked(d)
	}
	client, err := s.cfg.Runner.Client(ctx, acct.ID)
	if err != nil {
		return nil, pr, classify(acct.ID, err)
	}
	act, err := metaactuator.New(client)
	if err != nil {
		return nil, pr, classify(acct.ID, err)
	}
	x, err := rules.NewExecutor(act, rules.WithLedger(s.ledger), rules.WithKillSwitch(s.killed), rules.WithLogger(s.log.With("component", "rules")))
	if err != nil {
		return nil, pr, classify(acct.ID, err)
	}
	xctx := metaads.ContextWithQuotaWait(ctx, s.cfg.QuotaWait)
	xr, err := x.Execute(xctx, &rules.Evaluation{Now: d.At, Decisions: []rules.Decision{*d}})
	if xr == nil || len(xr.Results) != 1 {
		return nil, pr, classify(acct.ID, fmt.Errorf("executing the proposal: %w", err))
	}
	res := xr.Results[0]
	out.Outcome = string(res.Outcome)
	switch {
	case res.Skipped:
		out.Status = "already_applied"
		return out, pr, nil
	case res.Outcome == rules.OutcomeApplied:
		s.forget(acct.ID)
		s.log.InfoContext(ctx, "change applied", "account", pr.Account, "proposal", pr.ID, "summary", out.Summary, "session", call.Session, "client", call.Client)
		out.Status = "applied"
		return out, pr, nil
	case res.Outcome == rules.OutcomeBlocked:
		return nil, pr, &ToolError{Code: CodeBlocked, Safeguards: []string{"kill_switch"}, Message: "kill_switch: the operator's kill switch was engaged before the change was written; nothing was applied. Do not retry until list_accounts shows kill_switch false."}
	case res.Outcome == rules.OutcomeUnknown:
		s.forget(acct.ID)
		return nil, pr, &ToolError{Code: CodeOutcomeUnknown, Message: fmt.Sprintf("Meta did not say whether the change to %s happened (%v). It is not repeated: read the entity again with list_entities (fresh) before proposing anything on it.", pr.Decision.EntityID, res.Err), err: res.Err}
	}
	if me, ok := creds.IsInvalidToken(res.Err); ok {
		inv, ierr := s.cfg.Source.Invalid(context.WithoutCancel(ctx), acct.ID, me)
		s.forget(acct.ID)
		return nil, pr, reconnectError(acct.ID, &runner.Outcome{Err: res.Err, Reconnect: reconnectOf(inv, ierr)})
	}
	return nil, pr, classify(acct.ID, res.Err)
}

// changedSince returns a change of the proposal's entity that may have
// happened and was decided on data newer than the proposal's, if any.
func (s *Server) changedSince(ctx context.Context, pr *proposal) (*rules.Entry, error) {
	hist, err := rules.History(ctx, s.ledger, pr.Now)
	if err != nil {
		return nil, err
	}
	for i := range hist {
		h := &hist[i]
		if h.EntityID == pr.Entity.ID && h.DecisionID != pr.ID && h.Action.Mutates() && mayHaveApplied(h.Outcome) && h.At.After(pr.Now) {
			return h, nil
		}
	}
	return nil, nil
}

func reconnectOf(inv creds.Invalidation, err error) *creds.Invalidation {
	if err != nil {
		return nil
	}
	return &inv
}

func mayHaveApplied(o rules.Outcome) bool {
	return o == rules.OutcomeApplied || o == rules.OutcomePending || o == rules.OutcomeUnknown
}

// blocked is the error of a decision a safeguard refuses.
func blocked(d *rules.Decision) error {
	var names, why []string
	for _, c := range d.Safeguards {
		if !c.Passed {
			names = append(names, c.Name)
			why = append(why, c.Name+": "+c.Detail)
		}
	}
	if len(names) == 0 { // the decision changed (the value the safeguards allow moved)
		names, why = []string{"exact_value"}, []string{fmt.Sprintf("exact_value: the safeguards now allow %d, not the proposed value; propose again", d.To)}
	}
	return &ToolError{Code: CodeBlocked, Safeguards: names, Message: "the change is blocked, nothing was applied. " + strings.Join(why, "; ")}
}

// audit records a change tool's call; a failure to record is logged (the
// change itself is in the ledger either way).
func (s *Server) audit(ctx context.Context, c callInfo, account, proposalID string, args any, outcome, detail string) int64 {
	a, _ := json.Marshal(args)
	seq, err := s.cfg.Store.Audit(context.WithoutCancel(ctx), store.AuditEntry{At: s.now(), Tool: c.Tool, Session: c.Session, Client: c.Client, Transport: c.Transport,
		Account: account, ProposalID: proposalID, Arguments: string(a), Outcome: outcome, Detail: clean(detail, 1000)})
	if err != nil {
		s.log.ErrorContext(ctx, "audit entry not written", "tool", c.Tool, "proposal", proposalID, "error", err)
	}
	s.log.InfoContext(ctx, "tool call", "tool", c.Tool, "account", account, "proposal", proposalID, "outcome", outcome, "session", c.Session, "client", c.Client, "audit_seq", seq)
	return seq
}
