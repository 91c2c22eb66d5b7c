package rules

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/adpilot/adpilot/metrics"
)

// Meta's time presets for the engine's windows (reference §8). The
// last_Nd windows are complete days, like Meta's LAST_ND presets (not the
// LAST_N_DAYS ones, which include today). previous_7d, days 8 to 14 before
// today, is LAST_ND_14_8 ("the last 14 days to the last 7 days", §8.1).
var metaPresets = map[Window]string{
	WindowToday: "TODAY", WindowYesterday: "YESTERDAY", WindowLast3D: "LAST_3D", WindowLast7D: "LAST_7D",
	WindowLast14D: "LAST_14D", WindowLast30D: "LAST_30D", WindowLifetime: "LIFETIME", WindowPrevious7D: "LAST_ND_14_8",
}

// metaMetric is how Meta's rules read one of the engine's metrics.
type metaMetric struct {
	field    string
	pct      bool // Meta's value is 100 times ours (CTRs are percents)
	integer  bool // whole numbers on both sides (counts, money amounts)
	additive bool // a sum over days (single days are differences of presets)
	cost     bool // a cost condition (error 2703 with pauses and notifications)
	positive bool // never zero where it is defined (frequency: impressions over reach)
}

// metaMetrics are the metrics whose Meta field does not depend on the
// conversion event (reference §8 insights filter fields; money in minor
// units on both sides).
var metaMetrics = map[string]metaMetric{
	"impressions":         {field: "impressions", integer: true, additive: true},
	"reach":               {field: "reach", integer: true},
	"clicks":              {field: "clicks", integer: true, additive: true},
	"unique_clicks":       {field: "unique_clicks", integer: true},
	"link_clicks":         {field: "link_click", integer: true, additive: true},
	"spend":               {field: "spent", integer: true, additive: true},
	"post_engagements":    {field: "post_engagement", integer: true, additive: true},
	"frequency":           {field: "frequency", positive: true},
	"ctr":                 {field: "ctr", pct: true},
	"link_ctr":            {field: "link_ctr", pct: true},
	"cpc":                 {field: "cpc", cost: true},
	"cpm":                 {field: "cpm", cost: true},
	"cpp":                 {field: "cpp", cost: true},
	"cost_per_link_click": {field: "cost_per_link_click", cost: true},
	"cost_per_engagement": {field: "cost_per_post_engagement", cost: true},
}

// conversionMetric maps the metrics that read the rule's conversion event.
// known is false for other metrics; ok is false (with an issue) when the
// metric cannot be exported with the configured conversion event.
func (x *exporter) conversionMetric(path, name string) (m metaMetric, known, ok bool) {
	conv := x.cfg.conversion
	type fields struct{ count, cost, roas string }
	f := map[MetaConversion]fields{
		MetaResults:          {"results", "cost_per", ""},
		MetaWebsitePurchases: {"offsite_conversion.fb_pixel_purchase", "cost_per_purchase_fb", "website_purchase_roas"},
		MetaAppPurchases:     {"app_custom_event.fb_mobile_purchase", "", "mobile_app_purchase_roas"},
	}[conv]
	switch name {
	case "conversions", "cpa":
		if conv == MetaResults && !x.resultsNote {
			x.resultsNote = true
			x.note("%s: conversions are exported as Meta's results (cost per result: cost_per), which count each ad set's optimization event: the rule's conversion event only where the ad sets optimize for it (ExportConversion names purchases instead)", path)
		}
		if name == "conversions" {
			return metaMetric{field: f.count, integer: true, additive: true}, true, true
		}
		if f.cost == "" {
			x.issue(path+".metric", "Meta documents no cost-per field for app purchases by name; export with ExportConversion(MetaResults) when the ad sets optimize for app purchases")
			return metaMetric{}, true, false
		}
		return metaMetric{field: f.cost, cost: true}, true, true
	case "purchases", "cost_per_purchase", "purchase_roas", "roas":
		if conv == MetaResults {
			if name == "roas" {
				x.issue(path+".metric", "roas reads the value of the rule's conversion event; Meta's rules read ROAS only for purchases (website_purchase_roas, mobile_app_purchase_roas): export with ExportConversion(MetaWebsitePurchases) or ExportConversion(MetaAppPurchases) when the conversions are those purchases")
			} else {
				x.issue(path+".metric", "%s reads one name of the purchase family; Meta's rules read purchases by channel (offsite_conversion.fb_pixel_purchase, app_custom_event.fb_mobile_purchase): export with ExportConversion(MetaWebsitePurchases) or ExportConversion(MetaAppPurchases)", name)
			}
			return metaMetric{}, true, false
		}
		switch name {
		case "purchases":
			return metaMetric{field: f.count, integer: true, additive: true}, true, true
		case "cost_per_purchase":
			if f.cost == "" {
				x.issue(path+".metric", "Meta documents no cost-per field for app purchases by name")
				return metaMetric{}, true, false
			}
			return metaMetric{field: f.cost, cost: true}, true, true
		}
		return metaMetric{field: f.roas}, true, true
	}
	return metaMetric{}, false, false
}

// dayDifferences are the single complete days that are differences of
// Meta's presets (the D presets are complete days, the _DAYS ones include
// today): day_2 is LAST_2D - YESTERDAY, day_3 LAST_3D - LAST_2D, day_7
// LAST_7D - LAST_7_DAYS + TODAY. Days 4 to 6 are no such difference.
var dayDifferences = map[Window][]presetTerm{
	WindowDay2: {{preset: "LAST_2D"}, {neg: true, preset: "YESTERDAY"}},
	WindowDay3: {{preset: "LAST_3D"}, {neg: true, preset: "LAST_2D"}},
	WindowDay7: {{preset: "LAST_7D"}, {neg: true, preset: "LAST_7_DAYS"}, {preset: "TODAY"}},
}

type presetTerm struct {
	neg    bool
	preset string
}

// metaTerm is one field of a sum of fields.
type metaTerm struct {
	neg  bool
	name string
}

// join writes terms as a formula, each divided by over when it is set
// (formula fields have no documented parentheses: (a - b) / c is
// a / c - b / c).
func join(terms []metaTerm, over string) string {
	var b strings.Builder
	for i, t := range terms {
		switch {
		case t.neg:
			b.WriteString(" - ")
		case i > 0:
			b.WriteString(" + ")
		}
		b.WriteString(t.name)
		if over != "" {
			b.WriteString(" / " + over)
		}
	}
	return b.String()
}

// prefixed names field over a Meta preset: the rule's time_preset is the
// first preset read; other presets are time-preset prefixes
// (last_3d_cost_per, reference §8.1).
func (x *exporter) prefixed(preset, field string) string {
	if x.preset == "" {
		x.preset = preset
	}
	if preset == x.preset {
		return field
	}
	return strings.ToLower(preset) + "_" + field
}

// windowTerms names field over window w: one field, or for a single day
// a difference of presets (additive metrics only).
func (x *exporter) windowTerms(path string, w Window, name, field string, additive bool) ([]metaTerm, bool) {
	if p, ok := metaPresets[w]; ok {
		if w == WindowToday {
			x.intraday = true
		}
		return []metaTerm{{name: x.prefixed(p, field)}}, true
	}
	d, ok := dayDifferences[w]
	switch {
	case ok && additive:
		terms := make([]metaTerm, len(d))
		for i, t := range d {
			terms[i] = metaTerm{neg: t.neg, name: x.prefixed(t.preset, field)}
		}
		return terms, true
	case ok:
		x.issue(path+".window", "%s over %q is a ratio over one day; Meta reads a single day only as a difference of its presets, and a ratio of differences needs parentheses, which formula fields do not document", name, w)
	case isSingleDay(w):
		x.issue(path+".window", "Meta has no time preset for the window %q, and no difference of its presets is that single day (days 2, 3 and 7 are)", w)
	default:
		x.issue(path+".window", "Meta has no time preset for the window %q", w)
	}
	return nil, false
}

// metaOperand is an operand as Meta reads it.
type metaOperand struct {
	expr     string     // the field, with its prefixes, or a formula of fields
	terms    []metaTerm // expr as a sum of fields (single-day windows)
	pct      bool
	integer  bool
	metadata bool // a metadata field (numbers compare with GREATER_THAN, LESS_THAN and ranges only)
	hours    bool // hours_since_creation: Meta counts whole hours
	zero     bool // a measured value that can be zero (a count, a rate, a cost with no spend)
}

func field1(name string) []metaTerm { return []metaTerm{{name: name}} }

// operand resolves one side of a comparison; path names the condition.
func (x *exporter) operand(path string, o operand, key string) (metaOperand, bool) {
	if o.isField {
		return x.metadataField(path+"."+key, o.field)
	}
	m, ok := metaMetrics[o.metric.Name]
	if !ok {
		var known bool
		if m, known, ok = x.conversionMetric(path, o.metric.Name); !known {
			x.issue(path+".metric", "no Meta rule field for the metric %q", o.metric.Name)
		}
		if !ok {
			return metaOperand{}, false
		}
	}
	wpath := path
	if key != "field" {
		wpath = path + "." + key
	}
	terms, ok := x.windowTerms(wpath, o.window, o.metric.Name, m.field, m.additive)
	if !ok {
		return metaOperand{}, false
	}
	x.cost = x.cost || m.cost
	return metaOperand{expr: join(terms, ""), terms: terms, pct: m.pct, integer: m.integer, zero: !m.positive}, true
}

// metadataField maps an entity field. Budgets and bids are ad set
// metadata (§8.1); nothing documented reads a campaign's. An ad has none
// of its own (the engine reads the entity's own field, so the condition is
// never met on ads), and Meta's adset.daily_budget would read the ad
// set's: a different rule.
func (x *exporter) metadataField(path string, f field) (metaOperand, bool) {
	switch f {
	case fieldDailyBudget, fieldLifetimeBudget, fieldBidAmount:
		switch x.rule.level {
		case metrics.LevelCampaign:
			x.issue(path, "Meta's rules read budgets and bids of ad sets only (the budget metadata fields exist on ad sets; nothing documented reads a campaign's %s)", fieldTable[f].words)
			return metaOperand{}, false
		case metrics.LevelAd:
			x.issue(path, "an ad has no %s of its own, so the condition is never met on ads; Meta's adset.%s would read the ad set's (write the rule at level \"adset\")", fieldTable[f].words, fieldTable[f].name)
			return metaOperand{}, false
		}
		// The engine reads a budget or bid of 0 (a campaign-budget ad set
		// has no daily budget) as undefined, so the condition is not met;
		// Meta reads 0, which meets daily_budget < 100, and a formula
		// dividing by it is undocumented. A filter > 0 makes Meta skip
		// those ad sets too.
		x.addOnce(fieldTable[f].name, json.Number("0"), "GREATER_THAN")
		return metaOperand{expr: fieldTable[f].name, terms: field1(fieldTable[f].name), integer: true, metadata: true}, true
	case fieldAgeHours:
		return metaOperand{expr: "hours_since_creation", terms: field1("hours_since_creation"), metadata: true, hours: true}, true
	case fieldBudget:
		x.issue(path, "Meta's filters have no \"daily, else lifetime\" budget; compare daily_budget or lifetime_budget")
	default:
		x.issue(path, "Meta documents no rule filter for %s", fieldTable[f].words)
	}
	return metaOperand{}, false
}

func (x *exporter) value(o metaOperand, v float64) json.Number {
	if o.pct {
		return percent(v)
	}
	return dec(v)
}

func (x *exporter) rangeValue(o metaOperand, lo, hi float64) []json.Number {
	return []json.Number{x.value(o, lo), x.value(o, hi)}
}

// top walks the condition tree from the root.
func (x *exporter) top(path string, n *node) { x.conditions(path, n, true) }

// conditions translates a condition; conj is true while every node above
// it is an "all" (or a single-child "any"), so that it is one of the ANDed
// filters and may restrict the schedule.
func (x *exporter) conditions(path string, n *node, conj bool) {
	switch n.kind {
	case nodeAll:
		for i, k := range n.kids {
			x.conditions(fmt.Sprintf("%s.all[%d]", path, i), k, conj)
		}
	case nodeAny:
		if len(n.kids) == 1 {
			x.conditions(path+".any[0]", n.kids[0], conj)
			return
		}
		x.issue(path, "Meta's rules are AND-only; an \"any\" group of %d conditions cannot be expressed", len(n.kids))
	case nodeNot:
		k := n.kids[0]
		switch {
		case k.kind == nodeCompare:
			flipped := *k
			flipped.op = negated[k.op]
			x.compare(path+".not", &flipped)
		case k.kind == nodeNot:
			x.conditions(path+".not.not", k.kids[0], conj)
		case conj && (k.kind == nodeHours || k.kind == nodeWeekdays):
			x.timeCondition(k, true)
		case k.kind == nodeRecent:
			x.issue(path, "Meta's rules cannot read this engine's ledger of past actions")
		default:
			x.issue(path, "Meta's filters cannot negate this condition; only a single comparison (by reversing its operator) or a top-level hour or weekday condition")
		}
	case nodeHours, nodeWeekdays:
		if !conj {
			x.issue(path, "hour and weekday conditions export only at the top level of a rule, as a CUSTOM schedule_spec (when the rule runs)")
			return
		}
		x.timeCondition(n, false)
	case nodeRecent:
		x.issue(path, "Meta's rules cannot read this engine's ledger of past actions")
	case nodeMinData:
		x.minData(path, n)
	case nodeCompare:
		x.compare(path, n)
	}
}

// negated is the operator of a negated comparison: not(a > b) is a <= b
// (three-valued: both are unknown when a or b is).
var negated = [...]op{opGT: opLE, opGE: opLT, opLT: opGE, opLE: opGT, opEQ: opNE, opNE: opEQ, opBetween: opOutside, opOutside: opBetween}

// timeCondition narrows the hours and days the rule runs.
func (x *exporter) timeCondition(n *node, negate bool) {
	x.timed = true
	if n.kind == nodeWeekdays {
		d := n.days
		if negate {
			d = ^d & (1<<7 - 1)
		}
		x.days &= d
		return
	}
	var h uint32
	for hour := range 24 {
		if n.inHours(hour) {
			h |= 1 << hour
		}
	}
	if negate {
		h = ^h & (1<<24 - 1)
	}
	x.hours &= h
}

func (x *exporter) minData(path string, n *node) {
	p := path + ".min_data"
	if n.minAge > 0 {
		x.numeric(p+".age_hours", metaOperand{expr: "hours_since_creation", metadata: true, hours: true}, opGE, n.minAge, 0, 0)
	}
	if n.minWindow == 0 {
		return
	}
	var conv metaMetric
	if n.minConversions > 0 {
		conv, _, _ = x.conversionMetric(p, "conversions")
	}
	for _, m := range []struct {
		field string
		v     int64
	}{{"impressions", n.minImpr}, {"clicks", n.minClicks}, {"spent", n.minSpend}, {conv.field, n.minConversions}} {
		if m.v > 0 {
			terms, ok := x.windowTerms(p, n.minWindow, m.field, m.field, true)
			if !ok {
				return
			}
			x.add(join(terms, ""), dec(float64(m.v-1)), "GREATER_THAN")
		}
	}
}

func (x *exporter) compare(path string, n *node) {
	if n.conf > 0 {
		x.issue(path+".confidence", "Meta's rules cannot wait for statistical evidence (no interval bounds)")
		return
	}
	key := "metric"
	if n.left.isField {
		key = "field"
	}
	l, ok := x.operand(path, n.left, key)
	if !ok {
		return
	}
	if !n.hasRight {
		x.numeric(path, l, n.op, n.value, n.lo, n.hi)
		return
	}
	r, ok := x.operand(path, n.right, "than")
	if !ok {
		return
	}
	x.ratio(path, n, l, r)
}

// ratio writes "left op factor x right" as a formula field left / right
// (reference §8.1), or as Meta's spend-to-budget aliases.
func (x *exporter) ratio(path string, n *node, l, r metaOperand) {
	if len(r.terms) != 1 {
		x.issue(path+".than.window", "dividing by %s needs parentheses (it is a difference of Meta's presets), which formula fields do not document", operandName(n.right))
		return
	}
	expr := join(l.terms, r.expr)
	if r.zero && n.op != opLT {
		// The engine compares left with factor x right; a formula divides.
		// Where right is 0 the engine's comparison is left op 0 (met by a
		// left of 0, or above it), and the formula's value is undefined:
		// Meta documents nothing for it, the fake does not meet it. Only
		// "<" agrees (no measured value is below 0).
		x.approx("%s: where %s is 0 the engine compares %s with 0, and Meta's formula %s divides by zero (Meta documents no value for it; the fake does not meet the filter)", path, operandName(n.right), operandName(n.left), expr)
	}
	if !n.left.isField && n.left.metric.Name == "spend" && n.right.isField && x.rule.level == metrics.LevelAdSet {
		switch {
		case n.left.window == WindowToday && n.right.field == fieldDailyBudget:
			expr = "daily_ratio_spent" // today_spent / adset.daily_budget (§8)
		case n.left.window == WindowLifetime && n.right.field == fieldLifetimeBudget:
			expr = "lifetime_ratio_spent"
		}
	}
	v := dec(n.factor)
	switch n.op {
	case opGT:
		x.add(expr, v, "GREATER_THAN")
	case opLT:
		x.add(expr, v, "LESS_THAN")
	case opGE, opLE:
		mop := map[op]string{opGE: "GREATER_THAN", opLE: "LESS_THAN"}[n.op]
		x.approx("%s: Meta has only strict comparisons; %s %s %s is exported as %s", path, expr, opNames[n.op], v, mop)
		x.add(expr, v, mop)
	case opEQ:
		x.add(expr, v, "EQUAL")
	default:
		x.issue(path+".op", "Meta's insights filters have no not-equal operator (NOT_EQUAL is for metadata), and a ratio cannot be rewritten as a range")
	}
}

// numeric writes "operand op value" (or a range) with Meta's operators:
// insights filters take GREATER_THAN, LESS_THAN, EQUAL, IN_RANGE and
// NOT_IN_RANGE; numeric metadata no EQUAL (§8.1). Whole-number operands
// map every operator exactly (>= v is > v-1, == v is the range
// [v-0.5, v+0.5]); others approximate >= and <= by strict operators.
func (x *exporter) numeric(path string, o metaOperand, cmp op, v, lo, hi float64) {
	strict := map[op]string{opGT: "GREATER_THAN", opGE: "GREATER_THAN", opLT: "LESS_THAN", opLE: "LESS_THAN"}
	switch {
	case o.hours:
		// Meta counts whole hours since creation ([UNVERIFIED]; the fake
		// floors them): h >= v is H > v-1 and h < v is H < v for whole v.
		whole := v == math.Trunc(v)
		switch {
		case cmp == opGE && whole:
			x.add(o.expr, dec(v-1), "GREATER_THAN")
		case cmp == opLT && whole:
			x.add(o.expr, dec(v), "LESS_THAN")
		case strict[cmp] != "":
			x.approx("%s: Meta counts whole hours since creation; %s %s %v is exported as %s %v", path, o.expr, opNames[cmp], v, strict[cmp], v)
			x.add(o.expr, dec(v), strict[cmp])
		case cmp == opBetween || cmp == opOutside:
			x.approx("%s: Meta counts whole hours since creation; the range [%v, %v] is approximated", path, lo, hi)
			x.add(o.expr, x.rangeValue(o, lo, hi), map[bool]string{true: "IN_RANGE", false: "NOT_IN_RANGE"}[cmp == opBetween])
		default:
			x.issue(path+".op", "Meta compares hours_since_creation with GREATER_THAN, LESS_THAN and ranges only, and counts whole hours; %s cannot be rewritten", opNames[cmp])
		}
		return
	case o.integer:
		switch cmp {
		case opGT, opLT:
			x.add(o.expr, x.value(o, v), strict[cmp])
		case opGE:
			x.add(o.expr, x.value(o, v-1), "GREATER_THAN")
		case opLE:
			x.add(o.expr, x.value(o, v+1), "LESS_THAN")
		case opEQ:
			if !o.metadata {
				x.add(o.expr, x.value(o, v), "EQUAL")
				return
			}
			x.add(o.expr, x.rangeValue(o, v-0.5, v+0.5), "IN_RANGE")
		case opNE:
			x.add(o.expr, x.rangeValue(o, v-0.5, v+0.5), "NOT_IN_RANGE")
		case opBetween:
			x.add(o.expr, x.rangeValue(o, lo-0.5, hi+0.5), "IN_RANGE")
		case opOutside:
			x.add(o.expr, x.rangeValue(o, lo-0.5, hi+0.5), "NOT_IN_RANGE")
		}
		return
	}
	switch cmp {
	case opGT, opLT:
		x.add(o.expr, x.value(o, v), strict[cmp])
	case opGE, opLE:
		x.approx("%s: Meta has only strict comparisons; %s %s %s is exported as %s %s", path, o.expr, opNames[cmp], x.value(o, v), strict[cmp], x.value(o, v))
		x.add(o.expr, x.value(o, v), strict[cmp])
	case opEQ:
		x.add(o.expr, x.value(o, v), "EQUAL")
	case opNE:
		x.issue(path+".op", "Meta's insights filters have no not-equal operator (NOT_EQUAL is for metadata), and %s is not a whole number, so != cannot be rewritten as a range", o.expr)
	case opBetween, opOutside:
		mop := map[bool]string{true: "IN_RANGE", false: "NOT_IN_RANGE"}[cmp == opBetween]
		x.approx("%s: Meta does not document whether %s includes its bounds; the rule's range [%v, %v] does", path, mop, lo, hi)
		x.add(o.expr, x.rangeValue(o, lo, hi), mop)
	}
}

func isSingleDay(w Window) bool { _, ok := w.DaysAgo(); return ok }
