package metaadstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Validation of automated rules (POST act_{id}/adrules_library), from
// reference §8 and its corrections in §8.1 (Meta's ad-rules pages
// overview/evaluation-spec, guides/evaluation-spec-filters,
// overview/execution-spec, overview/change-spec, guides/advanced-scheduling
// and the Node SDK's ad-rule-*.js). Each check names its source; checks
// from field reports rather than Meta's documentation say so. Unknown
// fields, operators and keys are refused with error 100, as Meta does.

// ruleSpec is a validated rule.
type ruleSpec struct {
	evalType string // SCHEDULE or TRIGGER
	filters  []*ruleFilter
	trigger  *ruleTrigger
	entity   string   // entity_type filter: AD, ADSET or CAMPAIGN ("" when the rule names ids)
	ids      []string // id IN filter
	preset   string   // time_preset
	execType string
	options  map[string]any // execution options by field
	schedule *ruleSchedule  // nil for TRIGGER rules
}

type ruleFilter struct {
	field    string
	operator string
	value    any
	special  string     // entity_type, time_preset or attribution_window
	terms    []ruleTerm // one term, or the operands of a formula
	ops      []byte     // formula operators between terms
}

// ruleTerm is one field: an object-level prefix, a time-preset prefix and
// a base field (guides/evaluation-spec-filters: "{object_level_prefix?}
// {attribution_window_prefix?} {time_preset_prefix?} {field_name}").
type ruleTerm struct {
	level  string // "ad", "adset", "campaign" prefix; "" is the rule's entity
	preset string // time-preset prefix (upper case); "" is the rule's time_preset
	base   string
	meta   *metaFieldDef // metadata field, or nil
	ins    *insightsFieldDef
}

type ruleTrigger struct {
	typ, field, operator string
	value                any
}

type ruleSchedule struct {
	typ     string
	entries []ruleScheduleEntry
}

type ruleScheduleEntry struct {
	start, end *int
	days       []int
}

// Time presets (reference §8). Prefixes are their lower-case names
// followed by "_" (yesterday_spent, last_3d_cost_per; §8.1).
var rulePresets = []string{"LIFETIME", "TODAY", "YESTERDAY",
	"LAST_2_DAYS", "LAST_3_DAYS", "LAST_7_DAYS", "LAST_14_DAYS", "LAST_28_DAYS", "LAST_30_DAYS",
	"LAST_2D", "LAST_3D", "LAST_7D", "LAST_14D", "LAST_28D", "LAST_30D",
	"THIS_MONTH", "THIS_WEEK_MON_TODAY", "THIS_WEEK_SUN_TODAY",
	"LAST_ND_14_8", "LAST_ND_30_8", "LAST_ND_60_8", "LAST_ND_120_8", "LAST_ND_180_8", "LAST_ND_LIFETIME_8",
	"LAST_ND_60_29", "LAST_ND_120_29", "LAST_ND_180_29", "LAST_ND_LIFETIME_29"}

// presetIncludesToday: trigger rules accept only presets that include today (§8).
func presetIncludesToday(p string) bool {
	return p == "LIFETIME" || p == "TODAY" || strings.HasSuffix(p, "_DAYS") || strings.HasPrefix(p, "THIS_")
}

// Filter operators (overview/evaluation-spec; Node SDK ad-rule-filters.js).
var (
	ruleOperators     = []string{"GREATER_THAN", "LESS_THAN", "EQUAL", "NOT_EQUAL", "IN_RANGE", "NOT_IN_RANGE", "IN", "NOT_IN", "CONTAIN", "NOT_CONTAIN", "ANY", "ALL", "NONE"}
	insightsOperators = []string{"GREATER_THAN", "LESS_THAN", "EQUAL", "IN_RANGE", "NOT_IN_RANGE"} // §8
	numericMetaOps    = []string{"GREATER_THAN", "LESS_THAN", "IN_RANGE", "NOT_IN_RANGE"}          // §8.1: no EQUAL on numbers
	idOps             = []string{"IN", "NOT_IN", "EQUAL", "NOT_EQUAL"}
	enumOps           = []string{"IN", "NOT_IN", "EQUAL", "NOT_EQUAL"}
	stringOps         = []string{"CONTAIN", "NOT_CONTAIN", "EQUAL", "NOT_EQUAL"}
	listOps           = []string{"ANY", "ALL", "NONE"}
)

type metaFieldDef struct {
	ops          []string
	numeric      bool
	scheduleOnly bool
	adSetOnly    bool // budget metadata: ad sets only (§8.1); ads read it as adset.<field>
}

// Metadata fields (§8).
var metaFieldDefs = map[string]*metaFieldDef{
	"id": {ops: idOps}, "entity_type": {ops: []string{"EQUAL"}}, "name": {ops: stringOps},
	"adlabel_ids": {ops: listOps}, "objective": {ops: enumOps}, "buying_type": {ops: enumOps},
	"billing_event": {ops: enumOps}, "optimization_goal": {ops: enumOps}, "is_autobid": {ops: []string{"EQUAL"}},
	"start_time": {ops: numericMetaOps, numeric: true}, "stop_time": {ops: numericMetaOps, numeric: true},
	"created_time": {ops: numericMetaOps, numeric: true}, "updated_time": {ops: numericMetaOps, numeric: true},
	"daily_budget":    {ops: numericMetaOps, numeric: true, adSetOnly: true},
	"lifetime_budget": {ops: numericMetaOps, numeric: true, adSetOnly: true},
	"spend_cap":       {ops: numericMetaOps, numeric: true},
	// Bids are set on ad sets (§3.3), like budgets.
	"bid_amount": {ops: numericMetaOps, numeric: true, adSetOnly: true},
	// Schedule rules only.
	"effective_status":                     {ops: []string{"IN", "NOT_IN"}, scheduleOnly: true},
	"placement.page_types":                 {ops: listOps, scheduleOnly: true},
	"budget_reset_period":                  {ops: enumOps, scheduleOnly: true, adSetOnly: true},
	"hours_since_creation":                 {ops: numericMetaOps, numeric: true, scheduleOnly: true},
	"estimated_budget_spending_percentage": {ops: numericMetaOps, numeric: true, scheduleOnly: true},
	"audience_reached_percentage":          {ops: numericMetaOps, numeric: true, scheduleOnly: true},
	"active_time":                          {ops: numericMetaOps, numeric: true, scheduleOnly: true},
	"current_time":                         {ops: numericMetaOps, numeric: true, scheduleOnly: true},
}

type insightsFieldDef struct {
	scheduleOnly bool
	cost         bool // a cost condition (error 2703 with pauses and notifications)
	ratio        bool // daily_ratio_spent, lifetime_ratio_spent: read the ad set's budget
	// value computes the field for the preview; nil when the fake cannot.
	value func(*ruleStats) (float64, bool)
}

// pixelEvents are the offsite_conversion.fb_pixel_* events (§8), with
// the generator's metric for those the fake counts (-1: none).
var pixelEvents = map[string]int{"purchase": mPurch, "lead": -1, "add_to_cart": mATC, "initiate_checkout": mIC,
	"complete_registration": -1, "view_content": -1, "search": -1, "add_payment_info": -1, "add_to_wishlist": -1, "other": -1}

// insightsField returns the definition of a base insights field (§8).
func insightsField(name string) *insightsFieldDef {
	if d := insightsFieldDefs[name]; d != nil {
		return d
	}
	if ev, ok := strings.CutPrefix(name, "offsite_conversion.fb_pixel_"); ok {
		if m, known := pixelEvents[ev]; known {
			return &insightsFieldDef{value: statCount(m)}
		}
	}
	if ev, ok := strings.CutPrefix(name, "cost_per_"); ok {
		if ev, ok := strings.CutSuffix(ev, "_fb"); ok {
			if m, known := pixelEvents[ev]; known {
				return &insightsFieldDef{cost: true, value: statCostPer(statCount(m))}
			}
		}
		if ev, ok := strings.CutPrefix(ev, "mobile_"); ok && isIdent(ev) {
			return &insightsFieldDef{cost: true} // cost_per_mobile_* (§8); the fake has no app events
		}
	}
	if ev, ok := strings.CutPrefix(name, "app_custom_event.fb_mobile_"); ok && isIdent(ev) {
		return &insightsFieldDef{value: func(*ruleStats) (float64, bool) { return 0, true }} // the fake's apps report nothing
	}
	if ev, ok := strings.CutPrefix(name, "offline_conversion."); ok && isIdent(ev) {
		return &insightsFieldDef{scheduleOnly: true}
	}
	return nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

var insightsFieldDefs = map[string]*insightsFieldDef{
	"impressions":                 {value: statCount(mImpr)},
	"unique_impressions":          {},
	"clicks":                      {value: statCount(mClicks)},
	"unique_clicks":               {scheduleOnly: true, value: statUniqueClicks},
	"spent":                       {value: statCount(mSpend)},
	"results":                     {value: statResults},
	"cost_per":                    {cost: true, value: statCostPer(statResults)},
	"cpa":                         {cost: true, value: statCostPer(statResults)},
	"cpc":                         {cost: true, value: statCostPer(statCount(mClicks))},
	"cpm":                         {cost: true, value: statPerMille(statCount(mImpr))},
	"cpp":                         {cost: true, value: statPerMille(statReach)},
	"ctr":                         {value: statPercent(statCount(mClicks), statCount(mImpr))},
	"reach":                       {scheduleOnly: true, value: statReach},
	"frequency":                   {value: statRatio(statCount(mImpr), statReach)},
	"link_ctr":                    {value: statPercent(statCount(mLink), statCount(mImpr))},
	"result_rate":                 {},
	"cost_per_unique_click":       {cost: true, value: statCostPer(statUniqueClicks)},
	"leadgen":                     {value: statCount(mLeads)},
	"link_click":                  {value: statCount(mLink)},
	"cost_per_link_click":         {cost: true, value: statCostPer(statCount(mLink))},
	"post_engagement":             {value: statPostEngagement},
	"cost_per_post_engagement":    {scheduleOnly: true, cost: true, value: statCostPer(statPostEngagement)},
	"like":                        {value: statCount(mLikes)},
	"post_like":                   {},
	"post_reaction":               {value: statCount(mReactions)},
	"post_comment":                {value: statCount(mComments)},
	"post":                        {},
	"view_content":                {},
	"video_play":                  {value: statCount(mVPlays)},
	"vote":                        {},
	"offsite_engagement":          {},
	"mobile_app_install":          {value: func(*ruleStats) (float64, bool) { return 0, true }},
	"cost_per_mobile_app_install": {cost: true},
	"website_purchase_roas":       {scheduleOnly: true, value: statRatio(statCount(mPurchVal), statCount(mSpend))},
	"mobile_app_purchase_roas": {scheduleOnly: true, value: func(s *ruleStats) (float64, bool) {
		return 0, s.v[mSpend] > 0 // the fake's apps report no purchases
	}},
	// Advanced aliases (§8): today_spent / adset.daily_budget and
	// lifetime_spent / adset.lifetime_budget; ad sets and ads only (§8.1).
	"daily_ratio_spent":    {scheduleOnly: true, ratio: true},
	"lifetime_ratio_spent": {scheduleOnly: true, ratio: true},
}

// specialFilters are filters that configure the rule rather than test
// entities.
var specialFilters = []string{"entity_type", "time_preset", "attribution_window"}

// ruleParam is where a problem is: "evaluation_spec[filters][2]".
type ruleParam struct {
	param string // top-level parameter: evaluation_spec, execution_spec, schedule_spec
	path  string
}

func (p ruleParam) at(format string, args ...any) ruleParam {
	return ruleParam{p.param, p.path + fmt.Sprintf(format, args...)}
}

// errf is error 100 naming the parameter and field, with
// blame_field_specs pointing at the parameter.
func (p ruleParam) errf(format string, args ...any) *apiError {
	return &apiError{Code: 100, Message: fmt.Sprintf("Param %s: %s", p.path, fmt.Sprintf(format, args...)),
		Data: map[string]any{"blame_field_specs": [][]string{{p.param}}}}
}

// decodeStrict decodes a JSON object parameter, refusing unknown keys and
// keeping numbers as json.Number.
func decodeStrict(p ruleParam, raw string, v any) *apiError {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return p.errf("must be a JSON object with the documented keys: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if dec.More() {
		return p.errf("trailing data after the JSON object")
	}
	return nil
}

type wireFilter struct {
	Field    *string `json:"field"`
	Value    any     `json:"value"`
	Operator *string `json:"operator"`
}

// parseRule validates the parameters of a rule and returns it.
func parseRule(evalRaw, execRaw, schedRaw string) (*ruleSpec, *apiError) {
	if evalRaw == "" {
		return nil, errParam("The parameter evaluation_spec is required")
	}
	if execRaw == "" {
		return nil, errParam("The parameter execution_spec is required")
	}
	var ev struct {
		EvaluationType string          `json:"evaluation_type"`
		Filters        []wireFilter    `json:"filters"`
		Trigger        json.RawMessage `json:"trigger"`
	}
	ep := ruleParam{"evaluation_spec", "evaluation_spec"}
	if e := decodeStrict(ep, evalRaw, &ev); e != nil {
		return nil, e
	}
	rs := &ruleSpec{evalType: ev.EvaluationType, options: map[string]any{}}
	switch ev.EvaluationType {
	case "SCHEDULE":
		if len(ev.Trigger) > 0 {
			return nil, ep.at("[trigger]").errf("a SCHEDULE rule takes no trigger")
		}
	case "TRIGGER":
		if len(ev.Trigger) == 0 {
			return nil, ep.at("[trigger]").errf("a TRIGGER rule needs a trigger")
		}
	default:
		return nil, ep.at("[evaluation_type]").errf("must be one of {SCHEDULE, TRIGGER}, got %q", ev.EvaluationType)
	}
	// Execution first: which filters are valid depends on the action.
	if e := rs.parseExecution(execRaw); e != nil {
		return nil, e
	}
	for i, wf := range ev.Filters {
		f, e := rs.parseFilter(ep.at("[filters][%d]", i), wf)
		if e != nil {
			return nil, e
		}
		rs.filters = append(rs.filters, f)
	}
	if rs.entity == "" && len(rs.ids) == 0 {
		return nil, ep.at("[filters]").errf("every rule needs an entity_type filter (AD, ADSET or CAMPAIGN) or an id filter")
	}
	if len(ev.Trigger) > 0 {
		if e := rs.parseTrigger(ep.at("[trigger]"), ev.Trigger); e != nil {
			return nil, e
		}
	}
	// §8: time_preset is required whenever an insights filter or trigger
	// exists, prefixed fields (last_3d_cost_per) included: a prefix
	// overrides the rule's time_preset (§8.1), it does not replace it.
	needsPreset := rs.trigger != nil && strings.HasPrefix(rs.trigger.typ, "STATS_")
	for i, f := range rs.filters {
		for _, t := range f.terms {
			if t.ins != nil {
				needsPreset = true
			}
		}
		if e := rs.checkFilterAgainstRule(ep.at("[filters][%d]", i), f); e != nil {
			return nil, e
		}
	}
	if needsPreset && rs.preset == "" {
		return nil, ep.at("[filters]").errf("a time_preset filter is required when the rule reads insights")
	}
	if e := rs.checkExecutionAgainstEntity(); e != nil {
		return nil, e
	}
	if e := rs.checkCostConditions(); e != nil {
		return nil, e
	}
	switch {
	case rs.evalType == "TRIGGER" && schedRaw != "":
		return nil, ruleParam{"schedule_spec", "schedule_spec"}.errf("TRIGGER rules take no schedule_spec")
	case rs.evalType == "SCHEDULE" && schedRaw == "":
		return nil, ruleParam{"schedule_spec", "schedule_spec"}.errf("is required for SCHEDULE rules")
	case schedRaw != "":
		s, e := parseSchedule(schedRaw)
		if e != nil {
			return nil, e
		}
		rs.schedule = s
	}
	return rs, nil
}

func (rs *ruleSpec) parseFilter(p ruleParam, wf wireFilter) (*ruleFilter, *apiError) {
	if wf.Field == nil || *wf.Field == "" {
		return nil, p.at("[field]").errf("is required")
	}
	if wf.Operator == nil || *wf.Operator == "" {
		return nil, p.at("[operator]").errf("is required for field %q", *wf.Field)
	}
	if wf.Value == nil {
		return nil, p.at("[value]").errf("is required for field %q", *wf.Field)
	}
	f := &ruleFilter{field: *wf.Field, operator: *wf.Operator, value: wf.Value}
	if !slices.Contains(ruleOperators, f.operator) {
		return nil, p.at("[operator]").errf("unknown operator %q for field %q; must be one of {%s}", f.operator, f.field, strings.Join(ruleOperators, ", "))
	}
	if slices.Contains(specialFilters, f.field) {
		return f, rs.parseSpecial(p, f)
	}
	terms, ops, e := parseFormula(p, f.field)
	if e != nil {
		return nil, e
	}
	f.terms, f.ops = terms, ops
	switch {
	case len(terms) > 1:
		// Formula fields (§8.1): numbers, compared like insights.
		if !slices.Contains(insightsOperators, f.operator) {
			return nil, p.at("[operator]").errf("operator %s is not valid for the formula %q; formulas take {%s}", f.operator, f.field, strings.Join(insightsOperators, ", "))
		}
	case terms[0].meta != nil:
		m := terms[0].meta
		if !slices.Contains(m.ops, f.operator) {
			return nil, p.at("[operator]").errf("operator %s is not valid for the metadata field %q; it takes {%s}", f.operator, f.field, strings.Join(m.ops, ", "))
		}
		if terms[0].base == "id" && terms[0].level == "" && (f.operator == "IN" || f.operator == "EQUAL") {
			rs.ids = append(rs.ids, valueStrings(f.value)...)
		}
		if terms[0].base == "effective_status" {
			for _, v := range valueStrings(f.value) {
				if !slices.Contains(ruleStatuses, v) {
					return nil, p.at("[value]").errf("effective_status %q must be one of {%s}", v, strings.Join(ruleStatuses, ", "))
				}
			}
		}
	default:
		if !slices.Contains(insightsOperators, f.operator) {
			return nil, p.at("[operator]").errf("operator %s is not valid for the insights field %q; insights filters take {%s}", f.operator, f.field, strings.Join(insightsOperators, ", "))
		}
	}
	return f, checkValue(p, f, len(terms) > 1 || terms[0].meta == nil || terms[0].meta.numeric)
}

// ruleStatuses are the effective statuses of campaigns, ad sets and ads (§3).
var ruleStatuses = []string{"ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "PENDING_REVIEW", "DISAPPROVED", "PREAPPROVED",
	"PENDING_BILLING_INFO", "CAMPAIGN_PAUSED", "ADSET_PAUSED", "IN_PROCESS", "WITH_ISSUES"}

func (rs *ruleSpec) parseSpecial(p ruleParam, f *ruleFilter) *apiError {
	f.special = f.field
	s, ok := f.value.(string)
	if f.operator != "EQUAL" || !ok {
		return p.errf("%s takes operator EQUAL and a string value", f.field)
	}
	switch f.field {
	case "entity_type":
		if !slices.Contains([]string{"AD", "ADSET", "CAMPAIGN"}, s) {
			return p.at("[value]").errf("entity_type must be one of {AD, ADSET, CAMPAIGN}, got %q", s)
		}
		if rs.entity != "" {
			return p.errf("entity_type is given twice")
		}
		rs.entity = s
	case "time_preset":
		if !slices.Contains(rulePresets, s) {
			return p.at("[value]").errf("time_preset must be one of {%s}, got %q", strings.Join(rulePresets, ", "), s)
		}
		if rs.preset != "" {
			return p.errf("time_preset is given twice")
		}
		if rs.evalType == "TRIGGER" && !presetIncludesToday(s) {
			return p.at("[value]").errf("trigger rules take only time presets that include today, got %q", s)
		}
		rs.preset = s
	case "attribution_window":
		// §8: only ACCOUNT_DEFAULT, schedule rules.
		if s != "ACCOUNT_DEFAULT" || rs.evalType != "SCHEDULE" {
			return p.at("[value]").errf("attribution_window must be ACCOUNT_DEFAULT, on schedule rules only")
		}
	}
	return nil
}

// parseFormula splits a field into terms joined by + - * / (formula
// fields, §8.1: at most 6 fields). A single field is a one-term formula.
func parseFormula(p ruleParam, field string) ([]ruleTerm, []byte, *apiError) {
	var terms []ruleTerm
	var ops []byte
	if strings.ContainsAny(field, "()") {
		return nil, nil, p.at("[field]").errf("formula %q: the fake implements + - * / over fields without parentheses", field)
	}
	rest := field
	for {
		i := strings.IndexAny(rest, "+-*/")
		part := rest
		if i >= 0 {
			part = rest[:i]
		}
		name := strings.TrimSpace(part)
		if name == "" {
			return nil, nil, p.at("[field]").errf("formula %q has an empty operand", field)
		}
		t, e := parseTerm(p, name, field)
		if e != nil {
			return nil, nil, e
		}
		terms = append(terms, t)
		if i < 0 {
			break
		}
		ops = append(ops, rest[i])
		rest = rest[i+1:]
	}
	if len(terms) > 6 {
		return nil, nil, p.at("[field]").errf("formula %q has %d fields; formulas take at most 6", field, len(terms))
	}
	if len(terms) > 1 {
		for _, t := range terms {
			if t.meta != nil && !t.meta.numeric {
				return nil, nil, p.at("[field]").errf("formula %q: %q is not a number", field, t.base)
			}
		}
	}
	return terms, ops, nil
}

var objectLevels = []string{"ad", "adset", "campaign"}

// parseTerm parses one field with its prefixes.
func parseTerm(p ruleParam, name, whole string) (ruleTerm, *apiError) {
	var t ruleTerm
	rest := name
	if lvl, f, ok := strings.Cut(rest, "."); ok && slices.Contains(objectLevels, lvl) {
		t.level, rest = lvl, f
	}
	if i := strings.Index(rest, ":"); i >= 0 {
		// An attribution-window prefix such as 28d_view_1d_click: (the
		// guide's examples); the fake has one attribution and ignores it.
		if !attributionRE(rest[:i]) {
			return t, p.at("[field]").errf("field %q: unknown attribution window prefix %q", whole, rest[:i])
		}
		rest = rest[i+1:]
	}
	if m := metaFieldDefs[rest]; m != nil && !strings.Contains(name, ":") {
		t.base, t.meta = rest, m
		return t, nil
	}
	if d := insightsField(rest); d != nil {
		t.base, t.ins = rest, d
		return t, nil
	}
	for _, pr := range rulePresets {
		if base, ok := strings.CutPrefix(rest, strings.ToLower(pr)+"_"); ok {
			if d := insightsField(base); d != nil && !d.ratio {
				t.preset, t.base, t.ins = pr, base, d
				return t, nil
			}
		}
	}
	return t, p.at("[field]").errf("unknown filter field %q", whole)
}

func attributionRE(s string) bool {
	for _, part := range strings.Split(s, "_") {
		if part != "view" && part != "click" && !(strings.HasSuffix(part, "d") && isDigitsStr(strings.TrimSuffix(part, "d"))) {
			return false
		}
	}
	return s != ""
}

func isDigitsStr(s string) bool { return isDigits(s) }

// checkValue checks the value's shape for the operator.
func checkValue(p ruleParam, f *ruleFilter, numeric bool) *apiError {
	vp := p.at("[value]")
	switch f.operator {
	case "IN_RANGE", "NOT_IN_RANGE":
		l, ok := f.value.([]any)
		if !ok || len(l) != 2 {
			return vp.errf("%s for %q takes [lo, hi]", f.operator, f.field)
		}
		lo, ok1 := asNumber(l[0])
		hi, ok2 := asNumber(l[1])
		if !ok1 || !ok2 || lo > hi {
			return vp.errf("%s for %q takes two numbers lo <= hi, got %v", f.operator, f.field, f.value)
		}
	case "IN", "NOT_IN", "ANY", "ALL", "NONE":
		if _, ok := f.value.([]any); !ok {
			return vp.errf("%s for %q takes a list", f.operator, f.field)
		}
	case "CONTAIN", "NOT_CONTAIN":
		if _, ok := f.value.(string); !ok {
			return vp.errf("%s for %q takes a string", f.operator, f.field)
		}
	default:
		if _, ok := asNumber(f.value); numeric && !ok {
			return vp.errf("%s for %q takes a number, got %v", f.operator, f.field, f.value)
		}
	}
	return nil
}

// asNumber reads a JSON number or a numeric string.
func asNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil && !math.IsInf(f, 0)
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsInf(f, 0) && !math.IsNaN(f)
	}
	return 0, false
}

// valueStrings is a filter value as strings (one value or a list).
func valueStrings(v any) []string {
	var out []string
	for _, e := range asList(v) {
		switch x := e.(type) {
		case string:
			out = append(out, x)
		case json.Number:
			out = append(out, x.String())
		}
	}
	return out
}

// checkFilterAgainstRule applies the checks that depend on the rule's
// entity and evaluation type.
func (rs *ruleSpec) checkFilterAgainstRule(p ruleParam, f *ruleFilter) *apiError {
	if f.special != "" {
		return nil
	}
	formula := len(f.terms) > 1
	if formula && rs.evalType != "SCHEDULE" {
		return p.at("[field]").errf("formula fields such as %q are for schedule rules only", f.field)
	}
	for _, t := range f.terms {
		if rs.evalType == "TRIGGER" {
			if t.preset != "" || t.level != "" && t.ins != nil {
				return p.at("[field]").errf("prefixed insights fields such as %q are for schedule rules only", f.field)
			}
			if t.meta != nil && t.meta.scheduleOnly || t.ins != nil && t.ins.scheduleOnly {
				return p.at("[field]").errf("%q is a schedule-only field; this is a TRIGGER rule", t.base)
			}
		}
		if t.level != "" && rs.entity != "" && levelRank(t.level) > levelRank(strings.ToLower(rs.entity)) {
			return p.at("[field]").errf("prefix %q reads a level below the rule's entity_type %s; prefixes name the entity's own level or a parent", t.level, rs.entity)
		}
		level := t.level
		if level == "" {
			level = strings.ToLower(rs.entity)
		}
		if (t.meta != nil && t.meta.adSetOnly || t.ins != nil && t.ins.ratio) && level != "" && level != "adset" && !(t.ins != nil && level == "ad") {
			// §8.1: budget metadata exists on ad sets only; daily_ratio_spent
			// and lifetime_ratio_spent read adset.daily_budget and
			// adset.lifetime_budget, meaningful on ad sets and ads.
			return p.at("[field]").errf("%q reads the ad set's budget or bid: it is valid on ad sets (entity_type ADSET, or adset.%s on ads), not on %s", t.base, t.base, strings.ToUpper(level))
		}
	}
	return nil
}

// levelRank orders object levels from the top: campaign 1, adset 2, ad 3.
func levelRank(l string) int {
	return slices.Index(levels, l)
}
