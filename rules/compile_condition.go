package rules

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// kinds lists the node kinds a condition spec sets, for "exactly one" checks.
func kinds(cs *ConditionSpec) []string {
	var k []string
	if cs.All != nil {
		k = append(k, "all")
	}
	if cs.Any != nil {
		k = append(k, "any")
	}
	if cs.Not != nil {
		k = append(k, "not")
	}
	if cs.Metric != "" || cs.Field != "" {
		k = append(k, "comparison (metric/field)")
	}
	if cs.Hours != nil {
		k = append(k, "hours")
	}
	if cs.Weekdays != nil {
		k = append(k, "weekdays")
	}
	if cs.MinData != nil {
		k = append(k, "min_data")
	}
	if cs.RecentAction != nil {
		k = append(k, "recent_action")
	}
	return k
}

const conditionKinds = `"all", "any", "not", "metric" or "field" (a comparison), "hours", "weekdays", "min_data" or "recent_action"`

func (c *compiler) node(path string, cs *ConditionSpec, depth int) *node {
	n := &node{label: cs.Label}
	c.nodes++
	if c.nodes > maxNodes {
		if !c.tooMany {
			c.tooMany = true
			c.addf(path, "the rule has more than %d conditions; expected at most %d", maxNodes, maxNodes)
		}
		return n
	}
	if depth > maxDepth {
		c.addf(path, "condition nested %d levels deep; expected at most %d", depth, maxDepth)
		return n
	}
	k := kinds(cs)
	if len(k) == 0 {
		c.addf(path, "empty condition; expected exactly one of %s", conditionKinds)
		return n
	}
	if len(k) > 1 {
		c.addf(path, "condition sets %s together; expected exactly one of %s (nest them in \"all\" or \"any\")", strings.Join(k, " and "), conditionKinds)
		return n
	}
	switch {
	case cs.All != nil || cs.Any != nil:
		kids, key := cs.All, "all"
		n.kind = nodeAll
		if cs.Any != nil {
			kids, key, n.kind = cs.Any, "any", nodeAny
		}
		if len(kids) == 0 {
			c.addf(path+"."+key, "empty group; expected at least one condition")
		}
		for i := range kids {
			n.kids = append(n.kids, c.node(fmt.Sprintf("%s.%s[%d]", path, key, i), &kids[i], depth+1))
			if c.tooMany {
				break
			}
		}
	case cs.Not != nil:
		n.kind = nodeNot
		n.kids = []*node{c.node(path+".not", cs.Not, depth+1)}
	case cs.Metric != "" || cs.Field != "":
		n.kind = nodeCompare
		c.compare(path, cs, n)
	case cs.Hours != nil:
		n.kind = nodeHours
		h := cs.Hours
		if h.From < 0 || h.From > 23 {
			c.addf(path+".hours.from", "hour %d out of range; expected 0 to 23", h.From)
		}
		if h.To < 0 || h.To > 24 {
			c.addf(path+".hours.to", "hour %d out of range; expected 0 to 24 (exclusive end)", h.To)
		}
		if h.From == h.To {
			c.addf(path+".hours", "from and to are both %d, an empty range; expected from != to", h.From)
		}
		n.hourFrom, n.hourTo = h.From, h.To
	case cs.Weekdays != nil:
		n.kind = nodeWeekdays
		if len(cs.Weekdays) == 0 {
			c.addf(path+".weekdays", "empty list; expected day names such as \"mon\"")
		}
		for i, d := range cs.Weekdays {
			wd, ok := parseWeekday(d)
			if !ok {
				c.addf(fmt.Sprintf("%s.weekdays[%d]", path, i), "unknown day %q; expected one of %s", d, quotedList(weekdayNames[:]))
				continue
			}
			n.days |= 1 << wd
		}
	case cs.MinData != nil:
		n.kind = nodeMinData
		c.minData(path+".min_data", cs.MinData, n)
	case cs.RecentAction != nil:
		n.kind = nodeRecent
		c.recent(path+".recent_action", cs.RecentAction, n)
	}
	return n
}

var weekdayNames = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

func parseWeekday(s string) (time.Weekday, bool) {
	i := slices.Index(weekdayNames[:], strings.ToLower(s))
	return time.Weekday(i), i >= 0
}

// operandOf resolves a metric or field reference.
func (c *compiler) operandOf(path, metricName, fieldName, window string) (operand, bool) {
	var o operand
	switch {
	case metricName != "" && fieldName != "":
		c.addf(path, "sets both metric %q and field %q; expected one of them", metricName, fieldName)
		return o, false
	case fieldName != "":
		f, err := parseField(fieldName)
		if err != nil {
			c.addf(path+".field", "%v", err)
			return o, false
		}
		if window != "" {
			c.addf(path+".window", "field %q has no window (it is read at Snapshot.Now); expected no window", fieldName)
		}
		return operand{isField: true, field: f, unit: fieldTable[f].unit, slot: c.slot("field:" + fieldTable[f].name)}, true
	case metricName == "":
		c.addf(path+".metric", "missing; expected a metric name or a field")
		return o, false
	}
	m, ok := metrics.LookupMetric(metricName)
	good := true
	if !ok {
		c.addf(path+".metric", "unknown metric %q; expected one of %s", metricName, metricList())
		good = false
	}
	var w Window
	if window == "" {
		c.addf(path+".window", "missing window for metric %q; expected one of %s", metricName, windowList())
		good = false
	} else if wv, err := ParseWindow(window); err != nil {
		c.addf(path+".window", "%v", err)
		good = false
	} else {
		w = wv
	}
	if !good {
		return o, false
	}
	return operand{metric: m, value: m.ValueOf, window: w, slot: c.slot(m.Name + "@" + w.String()), unit: m.Unit, ival: hasInterval(m)}, true
}

// slot returns the per-entity cache slot of an operand key ("cpa@last_7d",
// "field:daily_budget"), the same for the same key.
func (c *compiler) slot(key string) int {
	slot, seen := c.slots[key]
	if !seen {
		slot = len(c.slots)
		c.slots[key] = slot
	}
	return slot
}

func metricList() string {
	all := metrics.AllMetrics()
	names := make([]string, len(all))
	for i, m := range all {
		names[i] = m.Name
	}
	return quotedList(names)
}

func (c *compiler) compare(path string, cs *ConditionSpec, n *node) {
	left, lok := c.operandOf(path, cs.Metric, cs.Field, cs.Window)
	n.left = left
	if cs.Op == "" {
		c.addf(path+".op", "missing operator; expected one of %s", quotedList(opNames[1:]))
	} else if o, err := parseOp(cs.Op); err != nil {
		c.addf(path+".op", "%v", err)
	} else {
		n.op = o
	}
	ranged := n.op == opBetween || n.op == opOutside
	sides := 0
	for _, set := range []bool{cs.Value != nil, cs.Range != nil, cs.Than != nil} {
		if set {
			sides++
		}
	}
	switch {
	case sides == 0:
		c.addf(path, "comparison has no right-hand side; expected \"value\", \"range\" (with between/outside) or \"than\"")
	case sides > 1:
		c.addf(path, "comparison sets more than one of \"value\", \"range\" and \"than\"; expected exactly one")
	case cs.Range != nil:
		if n.op != 0 && !ranged {
			c.addf(path+".range", "range needs operator \"between\" or \"outside\", not %q; use \"value\" with %q", cs.Op, cs.Op)
		}
		if len(cs.Range) != 2 {
			c.addf(path+".range", "has %d numbers; expected [lo, hi]", len(cs.Range))
		} else {
			n.lo, n.hi = cs.Range[0], cs.Range[1]
			if n.lo > n.hi {
				c.addf(path+".range", "lo %v is above hi %v; expected lo <= hi", n.lo, n.hi)
			}
			if lok {
				c.threshold(path+".range[0]", left, n.lo)
				c.threshold(path+".range[1]", left, n.hi)
			}
		}
	case ranged:
		c.addf(path+".op", "operator %q needs \"range\": [lo, hi]", cs.Op)
	case cs.Value != nil:
		n.value = *cs.Value
		if lok {
			c.threshold(path+".value", left, n.value)
		}
	case cs.Than != nil:
		right, rok := c.operandOf(path+".than", cs.Than.Metric, cs.Than.Field, cs.Than.Window)
		n.right, n.hasRight, n.factor = right, true, 1
		if cs.Than.Factor != nil {
			n.factor = *cs.Than.Factor
			if !(n.factor > 0) || math.IsInf(n.factor, 0) {
				c.addf(path+".than.factor", "factor %v; expected a positive number such as 1.3", n.factor)
			}
		}
		if lok && rok && left.unit != right.unit {
			c.addf(path+".than", "compares %s (%s) with %s (%s); expected operands of the same unit", operandName(left), unitWords(left.unit), operandName(right), unitWords(right.unit))
		}
	}
	if cs.Confidence != 0 {
		n.conf = cs.Confidence
		switch {
		case !(cs.Confidence > 0 && cs.Confidence < 1):
			c.addf(path+".confidence", "confidence %v; expected a probability between 0 and 1 such as 0.95", cs.Confidence)
		case n.op != 0 && n.op != opGT && n.op != opGE && n.op != opLT && n.op != opLE:
			c.addf(path+".confidence", "a statistical gate needs an ordering operator (>, >=, <, <=), not %q", cs.Op)
		case lok && !left.ival:
			c.addf(path+".confidence", "no interval for %s; expected a proportion (%s) or a cost per result (%s)", operandName(left), quotedList(intervalMetrics(metrics.Proportion)), quotedList(intervalMetrics(metrics.CostPer)))
		}
	}
}

// threshold checks that a constant is in the unit of the metric it is compared with.
func (c *compiler) threshold(path string, o operand, v float64) {
	switch o.unit {
	case metrics.UnitFraction:
		if v < 0 || v > 1 {
			c.addf(path, "%v is not a fraction; %s is a fraction (0.025 means 2.5%%), expected 0 to 1", v, operandName(o))
		}
	case metrics.UnitMoney:
		if v < 0 || v != math.Trunc(v) {
			c.addf(path, "%v is not an amount in minor units; %s is money in minor units of the account currency (1250 means 12.50), expected a non-negative integer", v, operandName(o))
		}
	case metrics.UnitCount:
		if v < 0 || v != math.Trunc(v) {
			c.addf(path, "%v is not a count; %s counts events, expected a non-negative integer", v, operandName(o))
		}
	default:
		if v < 0 {
			c.addf(path, "%v is negative; %s is never negative", v, operandName(o))
		}
	}
}

func operandName(o operand) string {
	if o.isField {
		return fieldTable[o.field].name
	}
	return o.metric.Name + " over " + o.window.String()
}

func unitWords(u metrics.Unit) string {
	switch u {
	case metrics.UnitCount:
		return "a count"
	case metrics.UnitMoney:
		return "money"
	case metrics.UnitFraction:
		return "a fraction"
	case metrics.UnitRatio:
		return "a ratio"
	case metrics.UnitMilliseconds:
		return "milliseconds"
	case metrics.UnitHours:
		return "hours"
	case metrics.UnitDays:
		return "days"
	}
	return "unit " + strconv.Quote(string(u))
}

func (c *compiler) minData(path string, md *MinDataSpec, n *node) {
	n.minImpr, n.minClicks, n.minSpend, n.minConversions, n.minAge = md.Impressions, md.Clicks, md.Spend, md.Conversions, md.AgeHours
	counts := md.Impressions != 0 || md.Clicks != 0 || md.Spend != 0 || md.Conversions != 0
	if !counts && md.AgeHours == 0 {
		c.addf(path, "no minimum set; expected at least one of impressions, clicks, spend, conversions, age_hours")
	}
	for _, f := range []struct {
		key string
		v   int64
	}{{"impressions", md.Impressions}, {"clicks", md.Clicks}, {"spend", md.Spend}, {"conversions", md.Conversions}} {
		if f.v < 0 {
			c.addf(path+"."+f.key, "%d is negative; expected a minimum of 0 or more", f.v)
		}
	}
	if md.AgeHours < 0 {
		c.addf(path+".age_hours", "%v is negative; expected hours of 0 or more", md.AgeHours)
	}
	switch {
	case counts && md.Window == "":
		c.addf(path+".window", "missing window for the count minimums; expected one of %s", windowList())
	case md.Window != "":
		w, err := ParseWindow(md.Window)
		if err != nil {
			c.addf(path+".window", "%v", err)
		}
		n.minWindow = w
	}
}

func (c *compiler) recent(path string, ra *RecentActionSpec, n *node) {
	d, ok := c.duration(path+".within", ra.Within, true)
	if ok && d <= 0 {
		c.addf(path+".within", "duration %q; expected a positive duration", ra.Within)
	}
	n.within = d
	for i, id := range ra.Rules {
		if !c.ruleIDs[id] {
			c.addf(fmt.Sprintf("%s.rules[%d]", path, i), "unknown rule id %q; expected the id of a rule in this document", id)
		}
	}
	n.recentRules = ra.Rules
	for i, a := range ra.Actions {
		t, err := parseActionType(a)
		if err != nil {
			c.addf(fmt.Sprintf("%s.actions[%d]", path, i), "%v", err)
		}
		n.recentActions = append(n.recentActions, t)
	}
}

// duration parses "90m", "72h" or "7d"; empty is allowed unless required.
func (c *compiler) duration(path, s string, required bool) (time.Duration, bool) {
	if s == "" {
		if required {
			c.addf(path, "missing duration; expected a duration such as \"72h\" or \"7d\"")
			return 0, false
		}
		return 0, true
	}
	d, err := parseDuration(s)
	if err != nil {
		c.addf(path, "%v", err)
		return 0, false
	}
	if d < 0 {
		c.addf(path, "negative duration %q; expected 0 or more", s)
		return 0, false
	}
	return d, true
}

func parseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || math.Abs(n) > 100000 {
			return 0, fmt.Errorf("invalid duration %q; expected a duration such as \"72h\" or \"7d\"", s)
		}
		return time.Duration(n * 24 * float64(time.Hour)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q; expected a duration such as \"72h\" or \"7d\"", s)
	}
	return d, nil
}
