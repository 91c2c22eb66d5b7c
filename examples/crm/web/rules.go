package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/adpilot/adpilot/examples/crm/pass"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
	"github.com/adpilot/adpilot/rules/metaactuator"
)

// ExampleRules is the document a new rule set starts from: a notification,
// so a first dry run changes nothing.
const ExampleRules = `{
  "rules": [
    {
      "id": "frequency-watch",
      "name": "Frequency watch",
      "level": "adset",
      "conditions": {"all": [
        {"min_data": {"window": "last_7d", "impressions": 1000}},
        {"metric": "frequency", "window": "last_7d", "op": ">", "value": 3.5}
      ]},
      "action": {"type": "notify", "message": "{{.Entity}} shows its ads too often: {{.Evidence}}"}
    }
  ]
}`

// RuleSetJSON is a rule set in the API.
type RuleSetJSON struct {
	ID        int64           `json:"id"`
	Name      string          `json:"name"`
	Spec      json.RawMessage `json:"spec"`
	Rules     int             `json:"rules"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
}

func ruleSetJSON(rs *store.RuleSet) RuleSetJSON {
	out := RuleSetJSON{ID: rs.ID, Name: rs.Name, Spec: json.RawMessage(rs.Spec), CreatedAt: rs.CreatedAt, UpdatedAt: rs.UpdatedAt}
	if set, err := rules.CompileJSON([]byte(rs.Spec)); err == nil {
		out.Rules = len(set.Rules())
	}
	return out
}

// compileDoc compiles a document; the problems come back with their paths.
func compileDoc(spec []byte) (*rules.RuleSet, []map[string]string) {
	set, err := rules.CompileJSON(spec)
	if err != nil {
		return nil, problemsJSON(err)
	}
	return set, nil
}

func writeProblems(w http.ResponseWriter, problems []map[string]string) {
	writeJSON(w, http.StatusUnprocessableEntity, APIError{Error: APIErrorBody{Code: "invalid_rules",
		Message: fmt.Sprintf("the rule document has %d problem(s)", len(problems)), Details: problems}})
}

func (s *Server) ruleSet(r *http.Request, u *store.User) (*store.RuleSet, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, false
	}
	rs, err := s.Store.RuleSet(r.Context(), u.ID, id)
	return rs, err == nil
}

func (s *Server) apiRuleSets(w http.ResponseWriter, r *http.Request, u *store.User) {
	sets, err := s.Store.RuleSets(r.Context(), u.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "could not list the rule sets")
		return
	}
	out := make([]RuleSetJSON, 0, len(sets))
	for _, rs := range sets {
		out = append(out, ruleSetJSON(rs))
	}
	writeJSON(w, http.StatusOK, map[string]any{"rule_sets": out})
}

type ruleSetRequest struct {
	Name string          `json:"name"`
	Spec json.RawMessage `json:"spec"`
}

func (s *Server) saveRuleSetAPI(w http.ResponseWriter, r *http.Request, u *store.User, id int64) {
	var req ruleSetRequest
	if !decodeJSON(w, r, &req) {
		return
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 100 {
		writeError(w, http.StatusBadRequest, "invalid", "name must be 1 to 100 characters")
		return
	}
	if _, problems := compileDoc(req.Spec); problems != nil {
		writeProblems(w, problems)
		return
	}
	rs := &store.RuleSet{ID: id, UserID: u.ID, Name: req.Name, Spec: string(req.Spec)}
	err := s.Store.SaveRuleSet(r.Context(), rs)
	switch {
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "conflict", "you already have a rule set named "+strconv.Quote(req.Name))
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no such rule set")
	case err != nil:
		writeError(w, http.StatusInternalServerError, "internal", "could not save the rule set")
	default:
		status := http.StatusOK
		if id == 0 {
			status = http.StatusCreated
		}
		writeJSON(w, status, ruleSetJSON(rs))
	}
}

func (s *Server) apiCreateRuleSet(w http.ResponseWriter, r *http.Request, u *store.User) {
	s.saveRuleSetAPI(w, r, u, 0)
}

func (s *Server) apiUpdateRuleSet(w http.ResponseWriter, r *http.Request, u *store.User) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such rule set")
		return
	}
	s.saveRuleSetAPI(w, r, u, id)
}

func (s *Server) apiRuleSet(w http.ResponseWriter, r *http.Request, u *store.User) {
	rs, ok := s.ruleSet(r, u)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such rule set")
		return
	}
	writeJSON(w, http.StatusOK, ruleSetJSON(rs))
}

func (s *Server) apiDeleteRuleSet(w http.ResponseWriter, r *http.Request, u *store.User) {
	rs, ok := s.ruleSet(r, u)
	if !ok || s.Store.DeleteRuleSet(r.Context(), u.ID, rs.ID) != nil {
		writeError(w, http.StatusNotFound, "not_found", "no such rule set")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "deleted"})
}

func (s *Server) apiValidateRules(w http.ResponseWriter, r *http.Request, u *store.User) {
	var req struct {
		Spec json.RawMessage `json:"spec"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	set, problems := compileDoc(req.Spec)
	if problems != nil {
		writeProblems(w, problems)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"valid": true, "rules": len(set.Rules())})
}

// evaluate compiles the rule set, takes a fresh snapshot of the account with
// the user's ledger as history, and evaluates it.
func (s *Server) evaluate(ctx context.Context, u *store.User, rs *store.RuleSet, acct metaads.AccountID) (*rules.Evaluation, error) {
	set, err := rules.CompileJSON([]byte(rs.Spec))
	if err != nil {
		return nil, err
	}
	snap, err := s.Analyst.Snapshot(ctx, u, acct)
	if err != nil {
		return nil, err
	}
	hist, err := rules.History(ctx, s.Store.Ledger(u.ID), snap.Now.Add(-pass.HistoryWindow))
	if err != nil {
		return nil, err
	}
	snap.History = hist
	return set.Evaluate(snap)
}

// execute evaluates and applies the live, allowed decisions through the
// executor, claiming each in the user's database ledger.
func (s *Server) execute(ctx context.Context, u *store.User, rs *store.RuleSet, acct metaads.AccountID) (*rules.Evaluation, *rules.ExecutionReport, error) {
	ev, err := s.evaluate(ctx, u, rs, acct)
	if err != nil {
		return nil, nil, err
	}
	client, err := s.Meta.For(u.Key())
	if err != nil {
		return ev, nil, err
	}
	act, err := metaactuator.New(client, metaactuator.WithNotifier(metaactuator.NotifierFunc(func(ctx context.Context, c rules.Change) error {
		return s.Store.Audit(ctx, store.AuditEntry{UserID: u.ID, Action: "rule.notify", Account: c.Account, Outcome: "ok", Detail: c.Message})
	})))
	if err != nil {
		return ev, nil, err
	}
	x, err := rules.NewExecutor(act, rules.WithLedger(s.Store.Ledger(u.ID)), rules.WithLogger(s.Logger))
	if err != nil {
		return ev, nil, err
	}
	rep, err := x.Execute(ctx, ev)
	return ev, rep, err
}

// runTarget reads the account a dry run or apply is for (?account= or the
// form field) and checks it is the user's.
func (s *Server) runTarget(r *http.Request, u *store.User) (*store.Account, error) {
	raw := r.FormValue("account")
	id, err := metaads.ParseAccountID(raw)
	if err != nil {
		return nil, &userError{fmt.Sprintf("pick one of your ad accounts (got %q, want act_123)", raw)}
	}
	a, err := s.Store.Account(r.Context(), u.ID, id)
	if err != nil {
		return nil, &userError{fmt.Sprintf("no connected ad account %s", id)}
	}
	return a, nil
}

func (s *Server) apiDryRun(w http.ResponseWriter, r *http.Request, u *store.User) {
	rs, ok := s.ruleSet(r, u)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such rule set")
		return
	}
	a, err := s.runTarget(r, u)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	ev, err := s.evaluate(r.Context(), u, rs, a.ID)
	if err != nil {
		s.writeRunError(w, r, err)
		return
	}
	var text bytes.Buffer
	_ = ev.WriteText(&text)
	writeJSON(w, http.StatusOK, map[string]any{"account": a.ID.String(), "evaluation": ev, "text": text.String()})
}

func (s *Server) apiApply(w http.ResponseWriter, r *http.Request, u *store.User) {
	rs, ok := s.ruleSet(r, u)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such rule set")
		return
	}
	a, err := s.runTarget(r, u)
	if err != nil {
		writeError(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	ev, rep, err := s.execute(r.Context(), u, rs, a.ID)
	_ = s.Store.Audit(r.Context(), store.AuditEntry{UserID: u.ID, Action: "rules.apply", Account: a.ID.String(), Outcome: outcomeWord(err), Detail: rs.Name, Remote: clientIP(r)})
	if rep == nil && err != nil {
		s.writeRunError(w, r, err)
		return
	}
	type resultJSON struct {
		DecisionID string        `json:"decision_id"`
		RuleID     string        `json:"rule_id"`
		EntityID   string        `json:"entity_id"`
		Outcome    rules.Outcome `json:"outcome"`
		Skipped    bool          `json:"skipped,omitempty"`
		Error      string        `json:"error,omitempty"`
	}
	results := make([]resultJSON, 0, len(rep.Results))
	for _, res := range rep.Results {
		rj := resultJSON{DecisionID: res.DecisionID, RuleID: res.RuleID, EntityID: res.EntityID, Outcome: res.Outcome, Skipped: res.Skipped}
		if res.Err != nil {
			rj.Error = res.Err.Error()
		}
		results = append(results, rj)
	}
	out := map[string]any{"account": a.ID.String(), "evaluation": ev, "results": results,
		"applied": rep.Count(rules.OutcomeApplied), "failed": rep.Count(rules.OutcomeFailed), "dry_run": rep.Count(rules.OutcomeDryRun)}
	if err != nil {
		out["errors"] = err.Error()
	}
	writeJSON(w, http.StatusOK, out)
}

func outcomeWord(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

func (s *Server) writeRunError(w http.ResponseWriter, r *http.Request, err error) {
	var ce *rules.CompileError
	switch {
	case errors.As(err, &ce):
		writeProblems(w, problemsJSON(err))
	case isReauth(err):
		writeError(w, http.StatusConflict, "needs_reconnect", "the Meta connection of this account needs to be renewed: connect again")
	default:
		s.Logger.WarnContext(r.Context(), "rules run", "error", err)
		writeError(w, http.StatusBadGateway, "meta_failed", "could not read the account from Meta: "+err.Error())
	}
}

// Pages.

type rulesPage struct {
	Sets     []*store.RuleSet
	Set      *store.RuleSet
	Name     string
	Spec     string
	Problems []map[string]string
	Accounts []*store.Account
	Account  string
	Result   *runView
}

type runView struct {
	Apply   bool
	Account string
	Text    string
	Applied int
	Failed  int
	Error   string
}

func (s *Server) rulesPageData(r *http.Request, u *store.User) (*rulesPage, error) {
	sets, err := s.Store.RuleSets(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	accts, err := s.Store.Accounts(r.Context(), u.ID)
	if err != nil {
		return nil, err
	}
	return &rulesPage{Sets: sets, Accounts: accts}, nil
}

func (s *Server) showRules(w http.ResponseWriter, r *http.Request, u *store.User) {
	d, err := s.rulesPageData(r, u)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not load the rules")
		return
	}
	d.Spec = ExampleRules
	s.render(w, r, http.StatusOK, "rules", "Rules", u, d)
}

func (s *Server) showRuleSet(w http.ResponseWriter, r *http.Request, u *store.User) {
	rs, ok := s.ruleSet(r, u)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "not_found", "No such rule set.")
		return
	}
	d, err := s.rulesPageData(r, u)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not load the rules")
		return
	}
	d.Set, d.Name, d.Spec = rs, rs.Name, rs.Spec
	s.render(w, r, http.StatusOK, "ruleset", rs.Name, u, d)
}

func (s *Server) saveRulesPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	var id int64
	if raw := r.PathValue("id"); raw != "" {
		rs, ok := s.ruleSet(r, u)
		if !ok {
			s.fail(w, r, http.StatusNotFound, "not_found", "No such rule set.")
			return
		}
		id = rs.ID
	}
	name, spec := strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("spec")
	d, err := s.rulesPageData(r, u)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not load the rules")
		return
	}
	d.Name, d.Spec = name, spec
	page, title := "rules", "Rules"
	if id != 0 {
		d.Set = &store.RuleSet{ID: id, Name: name}
		page, title = "ruleset", name
	}
	if name == "" || len(name) > 100 {
		d.Problems = []map[string]string{{"path": "name", "message": "give the rule set a name of 1 to 100 characters"}}
		s.render(w, r, http.StatusUnprocessableEntity, page, title, u, d)
		return
	}
	if _, problems := compileDoc([]byte(spec)); problems != nil {
		d.Problems = problems
		s.render(w, r, http.StatusUnprocessableEntity, page, title, u, d)
		return
	}
	rs := &store.RuleSet{ID: id, UserID: u.ID, Name: name, Spec: spec}
	switch err := s.Store.SaveRuleSet(r.Context(), rs); {
	case errors.Is(err, store.ErrConflict):
		d.Problems = []map[string]string{{"path": "name", "message": "you already have a rule set with this name"}}
		s.render(w, r, http.StatusConflict, page, title, u, d)
		return
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not save the rule set")
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("/rules/%d", rs.ID), "Rule set saved: the engine accepted every rule.", "")
}

func (s *Server) deleteRulesPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	rs, ok := s.ruleSet(r, u)
	if !ok || s.Store.DeleteRuleSet(r.Context(), u.ID, rs.ID) != nil {
		s.fail(w, r, http.StatusNotFound, "not_found", "No such rule set.")
		return
	}
	s.redirectFlash(w, r, "/rules", "Rule set deleted.", "")
}

// runRulesPage runs a dry run (mode=dry-run) or applies (mode=apply) and
// shows the result on the rule set's page.
func (s *Server) runRulesPage(w http.ResponseWriter, r *http.Request, u *store.User) {
	rs, ok := s.ruleSet(r, u)
	if !ok {
		s.fail(w, r, http.StatusNotFound, "not_found", "No such rule set.")
		return
	}
	d, err := s.rulesPageData(r, u)
	if err != nil {
		s.fail(w, r, http.StatusInternalServerError, "internal", "could not load the rules")
		return
	}
	d.Set, d.Name, d.Spec = rs, rs.Name, rs.Spec
	a, err := s.runTarget(r, u)
	if err != nil {
		d.Result = &runView{Error: err.Error()}
		s.render(w, r, http.StatusNotFound, "ruleset", rs.Name, u, d)
		return
	}
	d.Account = a.ID.String()
	rv := &runView{Apply: r.PostFormValue("mode") == "apply", Account: a.Name}
	var ev *rules.Evaluation
	if rv.Apply {
		var rep *rules.ExecutionReport
		ev, rep, err = s.execute(r.Context(), u, rs, a.ID)
		if rep != nil {
			rv.Applied, rv.Failed = rep.Count(rules.OutcomeApplied), rep.Count(rules.OutcomeFailed)
		}
		_ = s.Store.Audit(r.Context(), store.AuditEntry{UserID: u.ID, Action: "rules.apply", Account: a.ID.String(), Outcome: outcomeWord(err), Detail: rs.Name, Remote: clientIP(r)})
	} else {
		ev, err = s.evaluate(r.Context(), u, rs, a.ID)
	}
	if err != nil {
		rv.Error = err.Error()
		if isReauth(err) {
			rv.Error = "The Meta connection of this account needs to be renewed: connect again on the settings page."
		}
	}
	if ev != nil {
		var text bytes.Buffer
		_ = ev.WriteText(&text)
		rv.Text = text.String()
		if len(ev.Decisions) == 0 {
			rv.Text = "No rule fired on this account.\n" + rv.Text
		}
	}
	d.Result = rv
	s.render(w, r, http.StatusOK, "ruleset", rs.Name, u, d)
}
