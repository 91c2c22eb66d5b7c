package rules

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// RuleSet is a compiled, immutable rule document, safe for concurrent use.
// Evaluate it with [RuleSet.Evaluate].
type RuleSet struct {
	spec       Spec
	rules      []*Rule
	byLevel    [LevelAd + 1][]*Rule // the enabled rules of each level, in rule order
	killSwitch bool
	maxDaily   int
	slots      int // distinct (metric, window) pairs and fields, the per-entity cache size
}

// Rule is one compiled rule.
type Rule struct {
	spec   RuleSpec
	index  int
	id     string
	name   string
	level  Level
	class  Class
	live   bool
	off    bool
	filter filter
	cond   *node
	nodes  int // nodes in cond: the evidence entries of a decision
	action action
	guard  safeguards
}

// ID returns the rule id.
func (r *Rule) ID() string { return r.id }

// Name returns the rule's human name.
func (r *Rule) Name() string { return r.name }

// Level returns the level the rule acts on.
func (r *Rule) Level() Level { return r.level }

// Class returns the precedence class of the rule's action.
func (r *Rule) Class() Class { return r.class }

// Action returns the rule's action type.
func (r *Rule) Action() ActionType { return r.action.typ }

// Live reports whether the rule's mutations are applied (not a dry run).
func (r *Rule) Live() bool { return r.live }

// Spec returns a copy of the spec the rule was compiled from.
func (r *Rule) Spec() RuleSpec { return r.spec }

// Rules returns the compiled rules in document order.
func (s *RuleSet) Rules() []*Rule { return slices.Clone(s.rules) }

// Spec returns the document the set was compiled from.
func (s *RuleSet) Spec() Spec { return s.spec }

type filter struct {
	ids, excludeIDs []string
	nameContains    string // lower case
	nameRE          *regexp.Regexp
	status          []string
	objective       []string
	labels          []string
	learning        []string

	// statusOnly: no filter but the default status (ACTIVE, or PAUSED
	// when wantPaused), which Evaluate checks without calling matches.
	statusOnly, wantPaused bool
}

func (f *filter) onlyDefaultStatus() bool {
	return len(f.ids) == 0 && len(f.excludeIDs) == 0 && f.nameContains == "" && f.nameRE == nil &&
		len(f.status) == 0 && len(f.objective) == 0 && len(f.labels) == 0 && len(f.learning) == 0
}

type action struct {
	typ     ActionType
	percent float64
	amount  int64
	hasPct  bool
	message *message // nil when the rule has no message
}

type safeguards struct {
	cooldown         time.Duration
	maxExec          int
	execWindow       time.Duration
	minBudget        int64 // 0 = none
	maxBudget        int64 // 0 = none
	maxStep          float64
	maxWeek          float64 // fraction; 0 = none
	hasStep, hasWeek bool
	skipLearning     bool
	cooldownOK       string // the passed-cooldown detail, built once
}

type nodeKind uint8

const (
	nodeAll nodeKind = iota + 1
	nodeAny
	nodeNot
	nodeCompare
	nodeHours
	nodeWeekdays
	nodeMinData
	nodeRecent
)

type op uint8

const (
	opGT op = iota + 1
	opGE
	opLT
	opLE
	opEQ
	opNE
	opBetween
	opOutside
)

var opNames = [...]string{opGT: ">", opGE: ">=", opLT: "<", opLE: "<=", opEQ: "==", opNE: "!=", opBetween: "between", opOutside: "outside"}

func parseOp(s string) (op, error) {
	for o := opGT; o <= opOutside; o++ {
		if opNames[o] == s {
			return o, nil
		}
	}
	return 0, fmt.Errorf("unknown operator %q; expected one of %s", s, quotedList(opNames[1:]))
}

// operand is a measured value: a metric over a window, or an entity field.
type operand struct {
	isField bool
	field   field
	metric  metrics.Metric
	value   func(*metrics.Counts) (float64, bool) // metric.ValueOf, bound once (calling it copies no Metric per call)
	window  Window
	slot    int // cache slot of (metric, window), or of the field
	unit    metrics.Unit
	ival    bool // the metric has an interval (statistical gates)
}

type node struct {
	kind  nodeKind
	label string
	kids  []*node // in spec order (evidence)
	fast  []*node // the same children, cheapest first (evaluation)
	cost  int     // rough evaluation cost, for ordering siblings

	// compare
	left, right operand
	hasRight    bool
	factor      float64
	op          op
	value       float64
	lo, hi      float64
	conf        float64

	// hours, weekdays
	hourFrom, hourTo int
	days             uint8 // bit per time.Weekday

	// min data
	minWindow                                    Window
	minImpr, minClicks, minSpend, minConversions int64
	minAge                                       float64

	// recent action
	recentRules   []string
	recentActions []ActionType
	within        time.Duration
}

// plan orders the children of groups cheapest first for the fast path.
// Three-valued AND and OR do not depend on the order of their operands, so
// only the work done changes: time and ledger tests and minimum-data gates
// (direct count reads) run before metric comparisons, and statistical gates
// (interval computations) last.
func (n *node) plan() int {
	switch n.kind {
	case nodeHours, nodeWeekdays:
		n.cost = 1
	case nodeMinData:
		n.cost = 2
	case nodeRecent:
		n.cost = 3
	case nodeCompare:
		n.cost = 4
		if n.left.isField {
			n.cost = 3
		}
		if n.hasRight && !n.right.isField {
			n.cost += 3
		}
		if n.conf > 0 {
			n.cost += 50
		}
	default:
		n.fast = slices.Clone(n.kids)
		for _, k := range n.kids {
			n.cost += k.plan()
		}
		slices.SortStableFunc(n.fast, func(a, b *node) int { return a.cost - b.cost })
	}
	return n.cost
}

func (n *node) count() int {
	c := 1
	for _, k := range n.kids {
		c += k.count()
	}
	return c
}

// compiler collects problems with their paths.
type compiler struct {
	problems []Problem
	slots    map[string]int
	ruleIDs  map[string]bool
	nodes    int  // condition nodes of the current rule
	tooMany  bool // the current rule passed maxNodes (reported once)
}

func (c *compiler) addf(path, format string, args ...any) {
	switch {
	case len(c.problems) < maxProblems:
		c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
	case len(c.problems) == maxProblems:
		c.problems = append(c.problems, Problem{Path: path, Message: "more problems; only the first " + strconv.Itoa(maxProblems) + " are reported"})
	}
}

// maxProblems bounds the problems one CompileError lists.
const maxProblems = 200

// Compile validates a rule document and compiles it. It returns every
// problem at once in a [*CompileError], each naming its JSON path
// ("rules[2].conditions.all[1].metric") and what was expected.
func Compile(spec Spec) (*RuleSet, error) {
	c := &compiler{slots: map[string]int{}, ruleIDs: map[string]bool{}}
	if len(spec.Rules) == 0 {
		c.addf("rules", "no rules; expected at least one rule")
	}
	if len(spec.Rules) > maxRules {
		c.addf("rules", "%d rules; expected at most %d", len(spec.Rules), maxRules)
		return nil, &CompileError{Problems: c.problems}
	}
	for i := range spec.Rules {
		if id := spec.Rules[i].ID; id != "" {
			c.ruleIDs[id] = true
		}
	}
	set := &RuleSet{spec: spec, killSwitch: spec.KillSwitch, maxDaily: spec.MaxDailyChanges}
	if spec.MaxDailyChanges < 0 {
		c.addf("max_daily_changes", "%d is negative; expected 0 (no cap) or more", spec.MaxDailyChanges)
	}
	seen := map[string]int{}
	for i := range spec.Rules {
		path := "rules[" + strconv.Itoa(i) + "]"
		rs := &spec.Rules[i]
		if prev, dup := seen[rs.ID]; dup && rs.ID != "" {
			c.addf(path+".id", "duplicate rule id %q (also rules[%d]); expected unique ids", rs.ID, prev)
		}
		seen[rs.ID] = i
		if r := c.rule(path, rs); r != nil {
			r.index = i
			set.rules = append(set.rules, r)
		}
	}
	if len(c.problems) > 0 {
		return nil, &CompileError{Problems: c.problems}
	}
	set.slots = len(c.slots)
	for _, r := range set.rules {
		if !r.off {
			set.byLevel[r.level] = append(set.byLevel[r.level], r)
		}
	}
	return set, nil
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$`)

func (c *compiler) rule(path string, rs *RuleSpec) *Rule {
	r := &Rule{spec: *rs, id: rs.ID, name: rs.Name, live: rs.Live, off: rs.Disabled}
	if rs.ID == "" {
		c.addf(path+".id", "missing; expected a rule id such as \"stop-loss\"")
	} else if !idRE.MatchString(rs.ID) {
		c.addf(path+".id", "invalid id %q; expected 1 to 100 letters, digits, '_', '.', ':' or '-', starting with a letter or digit", rs.ID)
	}
	if r.name == "" {
		r.name = rs.ID
	}
	var err error
	if rs.Level == "" {
		c.addf(path+".level", "missing; expected one of %s", quotedList(levelNames[1:]))
	} else if r.level, err = ParseLevel(rs.Level); err != nil {
		c.addf(path+".level", "%v", err)
	}
	if rs.Filter != nil {
		r.filter = c.filter(path+".filter", rs.Filter)
	}
	if rs.Conditions == nil {
		c.addf(path+".conditions", "missing; expected a condition tree such as {\"all\": [...]}")
	} else {
		c.nodes, c.tooMany = 0, false
		r.cond = c.node(path+".conditions", rs.Conditions, 1)
		r.nodes = r.cond.count()
		r.cond.plan()
	}
	r.action = c.action(path+".action", &rs.Action, r.level)
	r.filter.statusOnly = r.filter.onlyDefaultStatus()
	r.filter.wantPaused = r.action.typ == ActionUnpause
	r.class = defaultClass(r.action)
	if rs.Class != "" {
		cl, err := parseClass(rs.Class)
		switch {
		case err != nil:
			c.addf(path+".class", "%v", err)
		case cl == ClassNotify && r.action.typ.Mutates():
			c.addf(path+".class", "class \"notify\" contradicts action %q, which changes the entity; expected \"safety\", \"protect\" or \"scale\"", r.action.typ)
		case cl != ClassNotify && r.action.typ == ActionNotify:
			c.addf(path+".class", "class %q contradicts action \"notify\", which changes nothing; expected \"notify\" or no class", cl)
		case (cl == ClassSafety || cl == ClassProtect) && r.action.increases():
			c.addf(path+".class", "class %q contradicts action %s, which raises spend; safety and protect rules only cut (pause, lower a budget or bid); expected \"scale\" or no class", cl, r.action.words())
		case cl == ClassScale && r.action.decreases():
			c.addf(path+".class", "class \"scale\" contradicts action %s, which cuts spend; expected \"protect\", \"safety\" or no class", r.action.words())
		default:
			r.class = cl
		}
	}
	r.guard = c.safeguards(path+".safeguards", &rs.Safeguards, r)
	return r
}

// increases reports whether the action always raises spend: unpause, or a
// positive percentage change of a budget or bid. The direction of
// set_budget and of change_bid to an amount is known only at evaluation.
func (a action) increases() bool {
	return a.typ == ActionUnpause || ((a.typ == ActionScaleBudget || a.typ == ActionChangeBid) && a.hasPct && a.percent > 0)
}

// decreases reports whether the action always cuts spend: pause, or a
// negative percentage change of a budget or bid.
func (a action) decreases() bool {
	return a.typ == ActionPause || ((a.typ == ActionScaleBudget || a.typ == ActionChangeBid) && a.hasPct && a.percent < 0)
}

// words names the action for problems ("scale_budget by +100%").
func (a action) words() string {
	if a.hasPct {
		return strconv.Quote(a.typ.String()) + " by " + strconv.FormatFloat(a.percent, 'f', -1, 64) + "%"
	}
	return strconv.Quote(a.typ.String())
}

func defaultClass(a action) Class {
	switch a.typ {
	case ActionPause:
		return ClassSafety
	case ActionUnpause:
		return ClassScale
	case ActionScaleBudget, ActionChangeBid:
		if a.hasPct && a.percent < 0 {
			return ClassProtect
		}
		return ClassScale
	case ActionSetBudget:
		return ClassScale
	case ActionFreeze:
		return ClassProtect
	}
	return ClassNotify
}

var learningStages = []string{LearningStageLearning, LearningStageSuccess, LearningStageFail}

func (c *compiler) filter(path string, f *FilterSpec) filter {
	out := filter{
		ids: f.IDs, excludeIDs: f.ExcludeIDs, status: f.Status, objective: f.Objective,
		labels: f.Labels, learning: f.LearningStage, nameContains: strings.ToLower(f.NameContains),
	}
	if f.NameMatches != "" {
		re, err := regexp.Compile(f.NameMatches)
		if err != nil {
			c.addf(path+".name_matches", "invalid regular expression: %v; expected RE2 syntax", err)
		}
		out.nameRE = re
	}
	checkStrings := func(key string, vals []string) {
		for i, v := range vals {
			if strings.TrimSpace(v) == "" {
				c.addf(fmt.Sprintf("%s.%s[%d]", path, key, i), "empty string; expected a value")
			}
		}
	}
	checkStrings("ids", f.IDs)
	checkStrings("exclude_ids", f.ExcludeIDs)
	checkStrings("status", f.Status)
	checkStrings("objective", f.Objective)
	checkStrings("labels", f.Labels)
	for i, s := range f.LearningStage {
		if !slices.Contains(learningStages, s) {
			c.addf(fmt.Sprintf("%s.learning_stage[%d]", path, i), "unknown learning stage %q; expected one of %s", s, quotedList(learningStages))
		}
	}
	for _, id := range f.IDs {
		if slices.Contains(f.ExcludeIDs, id) {
			c.addf(path+".exclude_ids", "id %q is both included and excluded; expected disjoint lists", id)
		}
	}
	return out
}

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
	case unitHours:
		return "hours"
	}
	return "unit " + strconv.Itoa(int(u))
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

func (c *compiler) action(path string, as *ActionSpec, level Level) action {
	a := action{}
	if as.Type == "" {
		c.addf(path+".type", "missing; expected one of %s", quotedList(actionNames[1:]))
		return a
	}
	t, err := parseActionType(as.Type)
	if err != nil {
		c.addf(path+".type", "%v", err)
		return a
	}
	a.typ = t
	if as.Percent != nil {
		a.percent, a.hasPct = *as.Percent, true
	}
	if as.Amount != nil {
		a.amount = *as.Amount
	}
	noPercent := func() {
		if as.Percent != nil {
			c.addf(path+".percent", "action %q takes no percent", t)
		}
	}
	noAmount := func() {
		if as.Amount != nil {
			c.addf(path+".amount", "action %q takes no amount", t)
		}
	}
	checkPercent := func() {
		if a.percent == 0 || a.percent <= -100 || a.percent > 1000 {
			c.addf(path+".percent", "percent %v; expected a non-zero change above -100 and at most 1000 (20 means +20%%)", a.percent)
		}
	}
	switch t {
	case ActionPause, ActionUnpause, ActionNotify, ActionFreeze:
		noPercent()
		noAmount()
	case ActionScaleBudget:
		noAmount()
		if as.Percent == nil {
			c.addf(path+".percent", "missing; scale_budget needs a percent such as 20 or -20")
		} else {
			checkPercent()
		}
	case ActionSetBudget:
		noPercent()
		if as.Amount == nil || *as.Amount <= 0 {
			c.addf(path+".amount", "missing or not positive; set_budget needs an amount in minor units such as 5000")
		}
	case ActionChangeBid:
		switch {
		case as.Percent != nil && as.Amount != nil:
			c.addf(path, "change_bid sets both percent and amount; expected one of them")
		case as.Percent != nil:
			checkPercent()
		case as.Amount != nil:
			if *as.Amount <= 0 {
				c.addf(path+".amount", "amount %d; expected a positive bid in minor units", *as.Amount)
			}
		default:
			c.addf(path, "change_bid needs a percent or an amount")
		}
	}
	if t.budget() && level == LevelAd {
		c.addf(path+".type", "action %q at level \"ad\": ads have no budget; expected level \"adset\" or \"campaign\"", t)
	}
	if t == ActionChangeBid && level != LevelAdSet {
		c.addf(path+".type", "action \"change_bid\" at level %q: bids are set on ad sets; expected level \"adset\"", level)
	}
	if t == ActionNotify && strings.TrimSpace(as.Message) == "" {
		c.addf(path+".message", "missing; notify needs a message template such as \"{{.Entity}}: {{.Evidence}}\"")
	}
	if as.Message != "" {
		if m, why := parseMessage(as.Message); why != "" {
			c.addf(path+".message", "invalid template: %s", why)
		} else {
			a.message = m
		}
	}
	return a
}

func (c *compiler) safeguards(path string, sg *SafeguardSpec, r *Rule) safeguards {
	g := safeguards{}
	g.cooldown, _ = c.duration(path+".cooldown", sg.Cooldown, false)
	if g.cooldown > 0 {
		g.cooldownOK = "no action by this rule on this entity in the last " + hoursWords(g.cooldown)
	}
	if sg.MaxExecutions < 0 {
		c.addf(path+".max_executions", "%d is negative; expected 0 (no cap) or more", sg.MaxExecutions)
	}
	g.maxExec = sg.MaxExecutions
	g.execWindow, _ = c.duration(path+".execution_window", sg.ExecutionWindow, false)
	if sg.ExecutionWindow != "" && sg.MaxExecutions == 0 {
		c.addf(path+".execution_window", "set without max_executions; expected both or neither")
	}
	typ := r.action.typ
	isBudget := typ.budget()
	moneyGuard := func(key string, v *int64) int64 {
		if v == nil {
			return 0
		}
		if !isBudget {
			c.addf(path+"."+key, "%s applies to budget actions, not %q; remove it", key, typ)
		}
		if *v <= 0 {
			c.addf(path+"."+key, "%d; expected a positive amount in minor units", *v)
		}
		return *v
	}
	g.minBudget = moneyGuard("min_budget", sg.MinBudget)
	g.maxBudget = moneyGuard("max_budget", sg.MaxBudget)
	if g.minBudget > 0 && g.maxBudget > 0 && g.minBudget > g.maxBudget {
		c.addf(path, "min_budget %d is above max_budget %d; expected floor <= ceiling", g.minBudget, g.maxBudget)
	}
	if typ == ActionSetBudget && r.action.amount > 0 {
		if g.minBudget > 0 && r.action.amount < g.minBudget {
			c.addf(path+".min_budget", "set_budget amount %d is below the floor %d; the rule could never act", r.action.amount, g.minBudget)
		}
		if g.maxBudget > 0 && r.action.amount > g.maxBudget {
			c.addf(path+".max_budget", "set_budget amount %d is above the ceiling %d; the rule could never act", r.action.amount, g.maxBudget)
		}
	}
	pct := func(key string, v *float64) (float64, bool) {
		if v == nil {
			return 0, false
		}
		if !isBudget && typ != ActionChangeBid {
			c.addf(path+"."+key, "%s applies to budget and bid actions, not %q; remove it", key, typ)
		}
		if !(*v > 0 && *v <= 1000) {
			c.addf(path+"."+key, "%v; expected a percentage above 0 and at most 1000", *v)
		}
		return *v / 100, true
	}
	g.maxStep, g.hasStep = pct("max_step_percent", sg.MaxStepPercent)
	g.maxWeek, g.hasWeek = pct("max_week_percent", sg.MaxWeekPercent)
	if g.hasStep && r.action.hasPct && math.Abs(r.action.percent)/100 > g.maxStep {
		c.addf(path+".max_step_percent", "the action changes by %v%% but max_step_percent is %v; expected a step within the cap", r.action.percent, *sg.MaxStepPercent)
	}
	if g.hasStep && g.hasWeek && g.maxWeek < g.maxStep {
		c.addf(path+".max_week_percent", "%v is below max_step_percent %v: one step would break the weekly cap; expected max_week_percent >= max_step_percent", *sg.MaxWeekPercent, *sg.MaxStepPercent)
	}
	if g.hasWeek && r.action.hasPct && r.action.percent < 0 {
		c.addf(path+".max_week_percent", "the weekly cap bounds increases, but the action only decreases; remove it")
	}
	switch sg.Learning {
	case "":
		g.skipLearning = r.class != ClassSafety && r.class != ClassNotify && typ != ActionFreeze
	case "skip":
		g.skipLearning = true
	case "allow":
	default:
		c.addf(path+".learning", "unknown value %q; expected \"skip\" or \"allow\"", sg.Learning)
	}
	return g
}
