package metaadstest

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// Automated rules (reference §8): POST, GET act_{id}/adrules_library,
// GET, POST and DELETE /{rule-id}, POST /{rule-id}/preview. Rules are
// validated like Meta validates them (adrules_spec.go) and previewed on
// the generator's data (adrules_eval.go); they never run on a schedule.

// AdRule is a stored automated rule, as [Server.AdRules] returns it.
type AdRule struct {
	ID        string // assigned by the fake
	AccountID string // without "act_"
	Name      string
	// Status is ENABLED, DISABLED or DELETED.
	Status string
	// The specs as the client sent them (compacted JSON); ScheduleSpec is
	// nil for trigger rules.
	EvaluationSpec, ExecutionSpec, ScheduleSpec json.RawMessage
	CreatedBy                                   string // user id of the token that created it
	CreatedTime, UpdatedTime                    time.Time
}

type adRuleRec struct {
	AdRule
	account string
	spec    *ruleSpec
}

// AdRules returns the automated rules of an account ("123" or "act_123")
// in creation order, deleted ones included.
func (s *Server) AdRules(account string) []AdRule {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []AdRule
	for _, id := range s.st.ruleOrder {
		if r := s.st.rules[id]; r.account == trimAct(account) {
			out = append(out, r.AdRule)
		}
	}
	return out
}

var adRuleType = nodeType[*adRuleRec]{
	name: "AdRule", defaults: []string{"id"},
	fields: map[string]fieldFn[*adRuleRec]{
		"id":              func(_ *Server, r *adRuleRec) any { return r.ID },
		"account_id":      func(_ *Server, r *adRuleRec) any { return r.account },
		"name":            func(_ *Server, r *adRuleRec) any { return r.Name },
		"status":          func(_ *Server, r *adRuleRec) any { return r.Status },
		"evaluation_spec": func(_ *Server, r *adRuleRec) any { return r.EvaluationSpec },
		"execution_spec":  func(_ *Server, r *adRuleRec) any { return r.ExecutionSpec },
		"schedule_spec": func(_ *Server, r *adRuleRec) any {
			if r.ScheduleSpec == nil {
				return nil
			}
			return r.ScheduleSpec
		},
		"created_by": func(s *Server, r *adRuleRec) any {
			out := map[string]string{"id": r.CreatedBy}
			if u := s.st.users[r.CreatedBy]; u != nil {
				out["name"] = u.Name
			}
			return out
		},
		"disable_error_code": func(*Server, *adRuleRec) any { return nil }, // the fake never disables a rule
		"created_time":       func(s *Server, r *adRuleRec) any { return optTime(r.CreatedTime, s.locOf(r.account)) },
		"updated_time":       func(s *Server, r *adRuleRec) any { return optTime(r.UpdatedTime, s.locOf(r.account)) },
	},
}

// ruleParams are the parameters of creating or updating a rule (§8).
var ruleParams = []string{"name", "evaluation_spec", "execution_spec", "schedule_spec", "status"}

func checkRuleParams(p map[string][]string) *apiError {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(ruleParams, k) && !slices.Contains(envelopeParams, k) && k != "fields" {
			return errParam("Param %s is not a parameter of adrules_library: must be one of {%s}", k, strings.Join(ruleParams, ", "))
		}
	}
	return nil
}

func compactJSON(raw string) json.RawMessage {
	if raw == "" {
		return nil
	}
	var b bytes.Buffer
	if json.Compact(&b, []byte(raw)) != nil {
		return json.RawMessage(raw)
	}
	return b.Bytes()
}

// createRule serves POST act_{id}/adrules_library.
func (s *Server) createRule(c *call, id string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.objectKind(id) != "account" {
		return nil, errUnsupported(c.r.Method, id+"/adrules_library")
	}
	acct := trimAct(id)
	if e := c.requireWrite(acct, id); e != nil {
		return nil, e
	}
	if e := checkRuleParams(c.params); e != nil {
		return nil, e
	}
	name := strings.TrimSpace(c.param("name"))
	if name == "" {
		return nil, errParam("The parameter name is required")
	}
	status := c.param("status")
	switch status {
	case "":
		status = "ENABLED"
	case "ENABLED", "DISABLED":
	default:
		return nil, errParam("Param status must be one of {ENABLED, DISABLED}, got %q", status)
	}
	spec, e := parseRule(c.param("evaluation_spec"), c.param("execution_spec"), c.param("schedule_spec"))
	if e != nil {
		return nil, e
	}
	now := s.now()
	rec := &adRuleRec{account: acct, spec: spec, AdRule: AdRule{
		ID: s.st.newID("rule"), AccountID: acct, Name: name, Status: status, CreatedBy: c.tok.userID,
		EvaluationSpec: compactJSON(c.param("evaluation_spec")), ExecutionSpec: compactJSON(c.param("execution_spec")),
		ScheduleSpec: compactJSON(c.param("schedule_spec")), CreatedTime: now, UpdatedTime: now,
	}}
	s.st.rules[rec.ID] = rec
	s.st.ruleOrder = append(s.st.ruleOrder, rec.ID)
	return map[string]string{"id": rec.ID}, nil
}

// listRules serves GET act_{id}/adrules_library: the account's rules that
// are not deleted, in creation order.
func (s *Server) listRules(c *call, id string) (any, *apiError) {
	fields := parseFields(c.param("fields"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.objectKind(id) != "account" {
		return nil, errUnsupported(c.r.Method, id+"/adrules_library")
	}
	acct := trimAct(id)
	if e := c.requireRead(acct, id); e != nil {
		return nil, e
	}
	var items []map[string]any
	for _, rid := range s.st.ruleOrder {
		r := s.st.rules[rid]
		if r.account != acct || r.Status == "DELETED" {
			continue
		}
		m, e := adRuleType.render(s, r, fields)
		if e != nil {
			return nil, e
		}
		items = append(items, m)
	}
	return s.page(c, items)
}

// readRule serves GET /{rule-id}. Caller holds s.mu.
func (s *Server) readRule(c *call, r *adRuleRec, fields []string) (any, *apiError) {
	if e := c.requireRead(r.account, r.ID); e != nil {
		return nil, e
	}
	return adRuleType.render(s, r, fields)
}

// updateRule serves POST /{rule-id}: status alone, a name, or whole specs
// (a spec is replaced as a whole, §8); the result is validated like a new
// rule. Caller holds s.mu.
func (s *Server) updateRule(c *call, r *adRuleRec) (any, *apiError) {
	if e := c.requireWrite(r.account, r.ID); e != nil {
		return nil, e
	}
	if e := checkRuleParams(c.params); e != nil {
		return nil, e
	}
	if r.Status == "DELETED" {
		return nil, errParam("The rule %s is deleted and cannot be updated", r.ID)
	}
	next := r.AdRule
	changed := false
	if v, ok := c.params["name"]; ok {
		if strings.TrimSpace(first(c.params, "name")) == "" || len(v) == 0 {
			return nil, errParam("Param name must be a non-empty string")
		}
		next.Name, changed = strings.TrimSpace(first(c.params, "name")), true
	}
	if _, ok := c.params["status"]; ok {
		st := c.param("status")
		if st != "ENABLED" && st != "DISABLED" {
			return nil, errParam("Param status must be one of {ENABLED, DISABLED}, got %q (DELETE the rule to delete it)", st)
		}
		next.Status, changed = st, true
	}
	for key, dst := range map[string]*json.RawMessage{"evaluation_spec": &next.EvaluationSpec, "execution_spec": &next.ExecutionSpec, "schedule_spec": &next.ScheduleSpec} {
		if _, ok := c.params[key]; ok {
			*dst, changed = compactJSON(c.param(key)), true
		}
	}
	if !changed {
		return nil, errParam("An update needs at least one of the parameters {%s}", strings.Join(ruleParams, ", "))
	}
	spec, e := parseRule(string(next.EvaluationSpec), string(next.ExecutionSpec), string(next.ScheduleSpec))
	if e != nil {
		return nil, e
	}
	next.UpdatedTime = s.now()
	r.AdRule, r.spec = next, spec
	return success(), nil
}

// deleteRule serves DELETE /{rule-id}: the rule keeps its id with status
// DELETED (a status of Meta's rules, §8) and leaves the library listing.
// Caller holds s.mu.
func (s *Server) deleteRule(c *call, r *adRuleRec) (any, *apiError) {
	if e := c.requireWrite(r.account, r.ID); e != nil {
		return nil, e
	}
	if r.Status != "DELETED" {
		r.Status, r.UpdatedTime = "DELETED", s.now()
	}
	return success(), nil
}

// previewRule serves POST /{rule-id}/preview: the entities that pass the
// rule's filters now (§8: schedule rules only). The answer's shape,
// {"data": [{"id", "name", "entity_type"}], "paging"}, is [UNVERIFIED]
// (Meta's SDKs type the edge as AdRule).
func (s *Server) previewRule(c *call, id string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.rules[id]
	if r == nil {
		return nil, errUnsupported(c.r.Method, id+"/preview")
	}
	if e := c.requireRead(r.account, r.ID); e != nil {
		return nil, e
	}
	if r.Status == "DELETED" {
		return nil, errParam("The rule %s is deleted", r.ID)
	}
	if r.spec.evalType != "SCHEDULE" {
		return nil, errParam("Preview is available for SCHEDULE rules only; rule %s is a %s rule", r.ID, r.spec.evalType)
	}
	items, e := s.evaluateRule(r)
	if e != nil {
		return nil, e
	}
	return s.page(c, items)
}
