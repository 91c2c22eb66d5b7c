package rules

import (
	"fmt"
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
	byLevel    [4][]*Rule // the enabled rules of each level by its Depth, in rule order
	killSwitch bool
	maxDaily   int
	currency   string // Spec.Currency: the only currency a snapshot may be in; "" for any
	convEvent  string // Spec.ConversionEvent: what conversion-based rules count; "" for any
	slots      int    // distinct (metric, window) pairs and fields, the per-entity cache size
}

// Rule is one compiled rule.
type Rule struct {
	spec   RuleSpec
	index  int
	id     string
	name   string
	level  metrics.Level
	class  Class
	live   bool
	off    bool
	filter filter
	cond   *node
	nodes  int // nodes in cond: the evidence entries of a decision
	// readsConv: the conditions read conversions (a conversion metric or
	// a min_data conversions gate), so Spec.ConversionEvent binds the rule.
	readsConv bool
	action    action
	guard     safeguards
}

// ID returns the rule id.
func (r *Rule) ID() string { return r.id }

// Name returns the rule's human name.
func (r *Rule) Name() string { return r.name }

// Level returns the level the rule acts on.
func (r *Rule) Level() metrics.Level { return r.level }

// Class returns the precedence class of the rule's action.
func (r *Rule) Class() Class { return r.class }

// Action returns the rule's action type.
func (r *Rule) Action() ActionType { return r.action.typ }

// ReadsConversions reports whether the rule reads conversion counts (a
// conversion metric such as cpa or roas, or a min_data conversions gate),
// so that Spec.ConversionEvent binds it.
func (r *Rule) ReadsConversions() bool { return r.readsConv }

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

// readsConversions reports whether the tree reads conversion counts: a
// metric whose value depends on Conversions or ConversionValue, or a
// min_data conversions gate.
func (n *node) readsConversions() bool {
	if n.kind == nodeMinData && n.minConversions > 0 {
		return true
	}
	if n.kind == nodeCompare && (operandReadsConversions(&n.left) || n.hasRight && operandReadsConversions(&n.right)) {
		return true
	}
	for _, k := range n.kids {
		if k.readsConversions() {
			return true
		}
	}
	return false
}

func operandReadsConversions(o *operand) bool {
	return !o.isField && o.value != nil && metricReadsConversions(o.metric)
}

// metricReadsConversions reports whether m's value depends on the
// conversion fields, by evaluating it on two counts that differ only
// there (so a metric added to the registry needs no list here).
func metricReadsConversions(m metrics.Metric) bool {
	a := metrics.Counts{Impressions: 10000, Reach: 4000, Clicks: 300, LinkClicks: 200, UniqueClicks: 150, Spend: 50000,
		PostEngagements: 120, PageEngagements: 80, VideoPlays: 900, VideoViews3s: 700, VideoP25: 500, VideoP50: 400,
		VideoP75: 300, VideoP95: 200, VideoP100: 150, ThruPlays: 250, VideoWatchTimeMillis: 900000,
		LandingPageViews: 160, Leads: 12, Purchases: 9, PurchaseValue: 45000, Conversions: 10, ConversionValue: 60000}
	b := a
	b.Conversions, b.ConversionValue = 25, 110000
	va, oka := m.ValueOf(&a)
	vb, okb := m.ValueOf(&b)
	return oka != okb || va != vb
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
	set := &RuleSet{spec: spec, killSwitch: spec.KillSwitch, maxDaily: spec.MaxDailyChanges, currency: spec.Currency, convEvent: spec.ConversionEvent}
	if spec.Currency != "" {
		if _, err := metrics.LookupCurrency(spec.Currency); err != nil {
			c.addf("currency", "%v; expected the ISO 4217 code of the account currency, such as \"USD\"", err)
		}
	}
	if spec.ConversionEvent != "" && (strings.TrimSpace(spec.ConversionEvent) != spec.ConversionEvent || strings.ContainsAny(spec.ConversionEvent, " ,")) {
		c.addf("conversion_event", "%q; expected a Meta action type such as \"omni_purchase\" or \"lead\"", spec.ConversionEvent)
	}
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
			set.byLevel[r.level.Depth()] = append(set.byLevel[r.level.Depth()], r)
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
		c.addf(path+".level", "missing; expected one of %s", quotedList(ruleLevels[:]))
	} else if r.level, err = parseRuleLevel(string(rs.Level)); err != nil {
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
		r.readsConv = r.cond.readsConversions()
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
