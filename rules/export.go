package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"

	"github.com/adpilot/adpilot/metrics"
)

// MetaRule is one rule in the shape of Meta's automated rules
// (POST act_<id>/adrules_library).
type MetaRule struct {
	Name           string             `json:"name"`
	EvaluationSpec MetaEvaluationSpec `json:"evaluation_spec"`
	ExecutionSpec  MetaExecutionSpec  `json:"execution_spec"`
	ScheduleSpec   *MetaScheduleSpec  `json:"schedule_spec,omitempty"`
	Status         string             `json:"status"` // ENABLED or DISABLED
}

// MetaEvaluationSpec is evaluation_spec: filters combined with AND.
type MetaEvaluationSpec struct {
	EvaluationType string       `json:"evaluation_type"` // SCHEDULE
	Filters        []MetaFilter `json:"filters"`
}

// MetaFilter is one {field, value, operator} filter.
type MetaFilter struct {
	Field    string `json:"field"`
	Value    any    `json:"value"`
	Operator string `json:"operator"`
}

// MetaExecutionSpec is execution_spec.
type MetaExecutionSpec struct {
	ExecutionType    string       `json:"execution_type"`
	ExecutionOptions []MetaFilter `json:"execution_options,omitempty"` // operator always EQUAL
}

// MetaScheduleSpec is schedule_spec.
type MetaScheduleSpec struct {
	ScheduleType string `json:"schedule_type"` // DAILY, HOURLY, SEMI_HOURLY
}

// Form encodes the rule as the form parameters of POST act_<id>/adrules_library
// (each spec as a JSON string).
func (m MetaRule) Form() (url.Values, error) {
	v := url.Values{}
	v.Set("name", m.Name)
	v.Set("status", m.Status)
	for key, spec := range map[string]any{"evaluation_spec": m.EvaluationSpec, "execution_spec": m.ExecutionSpec} {
		b, err := json.Marshal(spec)
		if err != nil {
			return nil, fmt.Errorf("rules: encode %s: %w", key, err)
		}
		v.Set(key, string(b))
	}
	if m.ScheduleSpec != nil {
		b, err := json.Marshal(m.ScheduleSpec)
		if err != nil {
			return nil, fmt.Errorf("rules: encode schedule_spec: %w", err)
		}
		v.Set("schedule_spec", string(b))
	}
	return v, nil
}

// MetaExport is the result of [RuleSet.ExportMeta]: the rules Meta can
// run, and for every other rule the reasons it cannot.
type MetaExport struct {
	Rules       []ExportedRule `json:"rules"`
	Unsupported []ExportIssue  `json:"unsupported"`
}

// ExportedRule is a rule Meta can run, with notes on any approximation.
type ExportedRule struct {
	RuleID string   `json:"rule_id"`
	Meta   MetaRule `json:"meta"`
	Notes  []string `json:"notes,omitempty"`
}

// ExportIssue is a part of a rule Meta's automated rules cannot express.
// A rule with any issue is not exported.
type ExportIssue struct {
	RuleID string `json:"rule_id"`
	Path   string `json:"path"` // JSON path in the spec, like Compile's problems
	Reason string `json:"reason"`
}

// Meta insights field names for our metrics, with the factor from our unit
// to Meta's (Meta's CTRs are percents).
var metaFields = map[string]struct {
	field string
	scale float64
	cost  bool
}{
	"impressions":         {"impressions", 1, false},
	"reach":               {"reach", 1, false},
	"clicks":              {"clicks", 1, false},
	"unique_clicks":       {"unique_clicks", 1, false},
	"link_clicks":         {"link_click", 1, false},
	"spend":               {"spent", 1, false},
	"conversions":         {"results", 1, false},
	"post_engagements":    {"post_engagement", 1, false},
	"frequency":           {"frequency", 1, false},
	"ctr":                 {"ctr", 100, false},
	"link_ctr":            {"link_ctr", 100, false},
	"cpc":                 {"cpc", 1, true},
	"cpm":                 {"cpm", 1, true},
	"cpp":                 {"cpp", 1, true},
	"cpa":                 {"cost_per", 1, true},
	"cost_per_link_click": {"cost_per_link_click", 1, true},
	"cost_per_engagement": {"cost_per_post_engagement", 1, true},
}

var metaPresets = map[Window]string{
	WindowToday: "TODAY", WindowYesterday: "YESTERDAY", WindowLast3D: "LAST_3D", WindowLast7D: "LAST_7D",
	WindowLast14D: "LAST_14D", WindowLast30D: "LAST_30D", WindowLifetime: "LIFETIME",
}

var metaEntityTypes = map[metrics.Level]string{metrics.LevelCampaign: "CAMPAIGN", metrics.LevelAdSet: "ADSET", metrics.LevelAd: "AD"}

// ExportMeta translates the rules Meta's automated rules can express into
// adrules_library specs. Meta's rules are AND-only with one time window, so
// any/not groups, comparisons between two metrics, statistical gates,
// hour and weekday conditions, ledger conditions, several windows and
// safeguards Meta lacks make a rule unsupported, each with its reason.
// The error is reserved for encoding failures; unsupported rules are not
// errors.
func (s *RuleSet) ExportMeta() (*MetaExport, error) {
	out := &MetaExport{Rules: []ExportedRule{}, Unsupported: []ExportIssue{}}
	for _, r := range s.rules {
		x := &exporter{rule: r, path: "rules[" + strconv.Itoa(r.index) + "]"}
		m := x.export(s.killSwitch)
		if s.maxDaily > 0 && r.action.typ.Mutates() && r.class != ClassSafety {
			x.notes = append(x.notes, "max_daily_changes: Meta's rules have no cap across rules; this rule's own limits still apply")
		}
		if len(x.issues) > 0 {
			out.Unsupported = append(out.Unsupported, x.issues...)
			continue
		}
		out.Rules = append(out.Rules, ExportedRule{RuleID: r.id, Meta: m, Notes: x.notes})
	}
	return out, nil
}

type exporter struct {
	rule    *Rule
	path    string
	issues  []ExportIssue
	notes   []string
	window  Window
	filters []MetaFilter
	cost    bool
}

func (x *exporter) issue(path, format string, args ...any) {
	x.issues = append(x.issues, ExportIssue{RuleID: x.rule.id, Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (x *exporter) add(field string, value any, op string) {
	x.filters = append(x.filters, MetaFilter{Field: field, Value: value, Operator: op})
}

func (x *exporter) export(kill bool) MetaRule {
	r := x.rule
	spec := r.spec
	x.add("entity_type", metaEntityTypes[r.level], "EQUAL")
	x.filter(spec.Filter)
	if r.cond != nil && spec.Conditions != nil {
		x.conditions(x.path+".conditions", r.cond)
	}
	if x.window != 0 {
		x.add("time_preset", metaPresets[x.window], "EQUAL")
	}
	exec := x.action()
	if x.cost && r.action.typ == ActionPause && r.level != metrics.LevelCampaign {
		x.issue(x.path+".conditions", "Meta refuses cost conditions on rules that pause ad sets or ads (error 2703); express the loss as spend and a count (spend > X and conversions < k)")
	}
	sched := "DAILY"
	if x.window == WindowToday {
		sched = "SEMI_HOURLY"
	}
	status := "DISABLED"
	if r.live && !r.off && !kill {
		status = "ENABLED"
	}
	return MetaRule{
		Name:           r.name,
		EvaluationSpec: MetaEvaluationSpec{EvaluationType: "SCHEDULE", Filters: x.filters},
		ExecutionSpec:  exec,
		ScheduleSpec:   &MetaScheduleSpec{ScheduleType: sched},
		Status:         status,
	}
}

func (x *exporter) filter(f *FilterSpec) {
	p := x.path + ".filter"
	status := []string{"ACTIVE"}
	if x.rule.action.typ == ActionUnpause {
		status = []string{"PAUSED"}
	}
	if f != nil {
		if len(f.IDs) > 0 {
			x.add("id", f.IDs, "IN")
		}
		if len(f.ExcludeIDs) > 0 {
			x.add("id", f.ExcludeIDs, "NOT_IN")
		}
		if f.NameContains != "" {
			x.add("name", f.NameContains, "CONTAIN")
		}
		if f.NameMatches != "" {
			x.issue(p+".name_matches", "Meta filters names with CONTAIN only, not regular expressions")
		}
		if len(f.Status) > 0 {
			status = f.Status
		}
		if len(f.Objective) > 0 {
			field := "campaign.objective"
			if x.rule.level == metrics.LevelCampaign {
				field = "objective"
			}
			x.add(field, f.Objective, "IN")
		}
		if len(f.Labels) > 0 {
			x.issue(p+".labels", "Meta filters on ad label ids (adlabel_ids), not label names")
		}
		if len(f.LearningStage) > 0 {
			x.issue(p+".learning_stage", "Meta's rule filters cannot read learning_stage_info")
		}
	}
	x.add("effective_status", status, "IN")
}

func (x *exporter) conditions(path string, n *node) {
	if n.kind == nodeAll {
		for i, k := range n.kids {
			x.conditions(fmt.Sprintf("%s.all[%d]", path, i), k)
		}
		return
	}
	switch n.kind {
	case nodeAny:
		x.issue(path, "Meta's rules are AND-only; an \"any\" group cannot be expressed")
	case nodeNot:
		x.issue(path, "Meta's rules have no negation")
	case nodeHours, nodeWeekdays:
		x.issue(path, "Meta's rule filters have no hour-of-day or day-of-week condition (a CUSTOM schedule_spec runs a rule at chosen times but cannot combine with other timings); schedule pause/unpause rules instead")
	case nodeRecent:
		x.issue(path, "Meta's rules cannot read this engine's ledger of past actions")
	case nodeMinData:
		x.minData(path, n)
	case nodeCompare:
		x.compare(path, n)
	}
}

func (x *exporter) useWindow(path string, w Window) bool {
	if _, ok := metaPresets[w]; !ok {
		x.issue(path+".window", "Meta has no time preset for the window %q", w)
		return false
	}
	if x.window != 0 && x.window != w {
		x.issue(path+".window", "Meta's rules have one time window; this rule uses %q and %q", x.window, w)
		return false
	}
	x.window = w
	return true
}

func (x *exporter) minData(path string, n *node) {
	if n.minAge > 0 {
		x.add("hours_since_creation", math.Ceil(n.minAge)-1, "GREATER_THAN")
	}
	if n.minWindow == 0 || !x.useWindow(path+".min_data", n.minWindow) {
		return
	}
	for _, m := range []struct {
		field string
		v     int64
	}{{"impressions", n.minImpr}, {"clicks", n.minClicks}, {"spent", n.minSpend}, {"results", n.minConversions}} {
		if m.v > 0 {
			x.add(m.field, m.v-1, "GREATER_THAN")
		}
	}
}

var metaOps = map[op]string{opGT: "GREATER_THAN", opLT: "LESS_THAN", opEQ: "EQUAL", opBetween: "IN_RANGE", opOutside: "NOT_IN_RANGE"}

func (x *exporter) compare(path string, n *node) {
	if n.conf > 0 {
		x.issue(path+".confidence", "Meta's rules cannot wait for statistical evidence (no interval bounds)")
		return
	}
	if n.left.isField {
		x.fieldCompare(path, n)
		return
	}
	mf, ok := metaFields[n.left.metric.Name]
	if !ok {
		x.issue(path+".metric", "no Meta rule field for the metric %q", n.left.metric.Name)
		return
	}
	if !x.useWindow(path, n.left.window) {
		return
	}
	x.cost = x.cost || mf.cost
	if n.hasRight {
		x.ratioCompare(path, n)
		return
	}
	x.constCompare(path, n, mf.field, mf.scale)
}

// constCompare writes "field op value", mapping >= and <= to Meta's strict
// operators: exactly for integer metrics, approximately otherwise.
func (x *exporter) constCompare(path string, n *node, field string, scale float64) {
	integer := n.left.unit == metrics.UnitCount || (n.left.unit == metrics.UnitMoney && !n.left.isField && n.left.metric.Name == "spend")
	switch n.op {
	case opBetween, opOutside:
		x.add(field, []float64{n.lo * scale, n.hi * scale}, metaOps[n.op])
	case opGE, opLE:
		v, mop := n.value*scale, "GREATER_THAN"
		if n.op == opLE {
			mop = "LESS_THAN"
		}
		if integer {
			if n.op == opGE {
				v--
			} else {
				v++
			}
		} else {
			x.notes = append(x.notes, fmt.Sprintf("%s: Meta has only strict comparisons; %s %s %v is exported as %s %v", path, field, opNames[n.op], v, mop, v))
		}
		x.add(field, v, mop)
	case opNE:
		x.issue(path+".op", "Meta's insights filters have no not-equal operator")
	default:
		x.add(field, n.value*scale, metaOps[n.op])
	}
}

// ratioCompare handles "spend op factor x budget", which Meta expresses
// with its spent-to-budget ratio fields; other metric-vs-metric
// comparisons cannot be expressed.
func (x *exporter) ratioCompare(path string, n *node) {
	if n.right.isField && n.left.metric.Name == "spend" && n.op != opNE && n.op != opEQ {
		var field string
		switch {
		case n.right.field == fieldDailyBudget && n.left.window == WindowToday:
			field = "daily_ratio_spent"
		case n.right.field == fieldLifetimeBudget && n.left.window == WindowLifetime:
			field = "lifetime_ratio_spent"
		}
		if field != "" {
			mop := "GREATER_THAN"
			if n.op == opLT || n.op == opLE {
				mop = "LESS_THAN"
			}
			if n.op == opGE || n.op == opLE {
				x.notes = append(x.notes, fmt.Sprintf("%s: Meta has only strict comparisons; %s %s %v is exported as %s", path, field, opNames[n.op], n.factor, mop))
			}
			x.add(field, n.factor, mop)
			return
		}
	}
	x.issue(path+".than", "Meta's rules cannot compare %s with %s (only spend today or lifetime against the daily or lifetime budget, as daily_ratio_spent and lifetime_ratio_spent)", operandName(n.left), operandName(n.right))
}

func (x *exporter) fieldCompare(path string, n *node) {
	var field string
	scale := 1.0
	switch n.left.field {
	case fieldDailyBudget:
		field = "daily_budget"
	case fieldLifetimeBudget:
		field = "lifetime_budget"
	case fieldBidAmount:
		field = "bid_amount"
	case fieldAgeHours:
		field = "hours_since_creation"
	default:
		x.issue(path+".field", "Meta's rules have no filter for %s", fieldTable[n.left.field].words)
		return
	}
	if n.hasRight {
		x.issue(path+".than", "Meta's rules cannot compare two entity fields")
		return
	}
	x.constCompare(path, n, field, scale)
}

func (x *exporter) action() MetaExecutionSpec {
	r := x.rule
	p := x.path + ".action"
	var opts []MetaFilter
	var typ string
	switch r.action.typ {
	case ActionPause:
		typ = "PAUSE"
	case ActionUnpause:
		typ = "UNPAUSE"
	case ActionNotify:
		typ = "NOTIFICATION"
	case ActionScaleBudget:
		typ = "CHANGE_BUDGET"
		if r.level == metrics.LevelCampaign {
			typ = "CHANGE_CAMPAIGN_BUDGET"
		}
		opts = append(opts, MetaFilter{Field: "change_spec", Value: x.changeSpec(), Operator: "EQUAL"})
	case ActionChangeBid:
		typ = "CHANGE_BID"
		if !r.action.hasPct {
			x.issue(p+".amount", "Meta changes bids by an amount or a percentage, not to a value")
		}
		opts = append(opts, MetaFilter{Field: "change_spec", Value: map[string]any{"amount": r.action.percent, "unit": "PERCENTAGE"}, Operator: "EQUAL"})
	case ActionSetBudget:
		x.issue(p+".type", "Meta changes budgets by an amount or a percentage, not to a value")
	case ActionFreeze:
		x.issue(p+".type", "a freeze acts on this engine's other rules; Meta's rules cannot block each other")
	}
	g := &r.guard
	sp := x.path + ".safeguards"
	if g.cooldown > 0 {
		opts = append(opts, MetaFilter{Field: "action_frequency", Value: int64(math.Ceil(g.cooldown.Minutes())), Operator: "EQUAL"})
	}
	if g.maxExec > 0 {
		opts = append(opts, MetaFilter{Field: "execution_count_limit", Value: g.maxExec, Operator: "EQUAL"})
		if g.execWindow > 0 {
			x.notes = append(x.notes, fmt.Sprintf("%s.execution_window: Meta counts executions over the rule's whole life; the cap of %d per %s is exported as %d in total (stricter)", sp, g.maxExec, hoursWords(g.execWindow), g.maxExec))
		}
	}
	if g.hasWeek {
		x.issue(sp+".max_week_percent", "Meta's rules have no cumulative weekly change cap; exporting would drop a safeguard")
	}
	if g.skipLearning && r.action.typ.Mutates() {
		// Like the weekly cap: a dropped safeguard makes the rule unsupported.
		x.issue(sp+".learning", "Meta's rules cannot skip entities in the learning phase; exporting would drop a safeguard (set \"learning\": \"allow\" to export the rule without it)")
	}
	if r.action.message != nil {
		x.notes = append(x.notes, x.path+".action.message: Meta's rules send their own notification text; the message is dropped")
	}
	return MetaExecutionSpec{ExecutionType: typ, ExecutionOptions: opts}
}

func (x *exporter) changeSpec() map[string]any {
	a, g := x.rule.action, x.rule.guard
	cs := map[string]any{"amount": a.percent, "unit": "PERCENTAGE"}
	switch {
	case a.percent > 0 && g.maxBudget > 0:
		cs["limit"] = g.maxBudget
	case a.percent < 0 && g.minBudget > 0:
		cs["limit"] = g.minBudget
	}
	if a.percent > 0 && g.minBudget > 0 || a.percent < 0 && g.maxBudget > 0 {
		x.notes = append(x.notes, x.path+".safeguards: Meta's change_spec limit bounds only the direction of the change; the other bound is dropped")
	}
	return cs
}
