package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// Evaluation is the result of evaluating a [RuleSet] against a [Snapshot]:
// the decisions of every rule that fired, allowed or blocked.
type Evaluation struct {
	Now       time.Time  `json:"now"`
	Decisions []Decision `json:"decisions"`
}

// Decision is what one rule decided for one entity, with the evidence that
// made it fire and the safeguards that allowed or blocked it.
type Decision struct {
	// ID is deterministic: the same rule, entity, action, target value and
	// Snapshot.Now give the same id, so the ledger can tell a retry from a
	// new decision.
	ID         string     `json:"id"`
	RuleID     string     `json:"rule_id"`
	RuleName   string     `json:"rule_name"`
	Class      Class      `json:"class"`
	Action     ActionType `json:"action"`
	Level      Level      `json:"level"`
	EntityID   string     `json:"entity_id"`
	EntityName string     `json:"entity_name,omitempty"`
	Account    string     `json:"account,omitempty"`

	Budget BudgetKind `json:"budget,omitempty"` // budget actions: which budget
	From   int64      `json:"from,omitempty"`   // budget or bid now, minor units
	To     int64      `json:"to,omitempty"`     // budget or bid after the action, minor units

	Message string `json:"message,omitempty"` // rendered message template

	// Allowed is true when every safeguard passed. An allowed decision of a
	// rule that is not live is still a dry run (DryRun true).
	Allowed bool `json:"allowed"`
	DryRun  bool `json:"dry_run"`

	Evidence   []Evidence `json:"evidence"`
	Safeguards []Check    `json:"safeguards"`

	At time.Time `json:"at"` // Snapshot.Now
}

// Summary is the decision in one line of words.
func (d *Decision) Summary() string {
	var b strings.Builder
	b.WriteString(d.RuleName)
	b.WriteString(": ")
	b.WriteString(d.actionWords())
	b.WriteString(" ")
	b.WriteString(d.Level.String())
	b.WriteString(" ")
	b.WriteString(strconv.Quote(d.EntityName))
	b.WriteString(" (")
	b.WriteString(d.EntityID)
	b.WriteString(")")
	switch {
	case !d.Allowed:
		b.WriteString(": blocked")
		for _, c := range d.Safeguards {
			if !c.Passed {
				b.WriteString(" by ")
				b.WriteString(c.Name)
				break
			}
		}
	case d.Action == ActionFreeze:
		b.WriteString(": only safety rules and notifications act on it this run")
	case d.DryRun:
		b.WriteString(": dry run")
	default:
		b.WriteString(": allowed")
	}
	return b.String()
}

func (d *Decision) actionWords() string {
	switch d.Action {
	case ActionScaleBudget, ActionSetBudget:
		return fmt.Sprintf("set %s budget %d -> %d (%+.1f%%) of", d.Budget, d.From, d.To, pctChange(d.From, d.To))
	case ActionChangeBid:
		return fmt.Sprintf("set bid %d -> %d (%+.1f%%) of", d.From, d.To, pctChange(d.From, d.To))
	}
	return d.Action.String()
}

func pctChange(from, to int64) float64 {
	if from == 0 {
		return 0
	}
	return (float64(to)/float64(from) - 1) * 100
}

// Evidence is one condition of a rule as it was measured. Depth is the
// nesting in the condition tree (0 at the root).
type Evidence struct {
	Depth     int       `json:"depth"`
	Text      string    `json:"text"`                // the condition and its measurement in words
	Result    string    `json:"result"`              // "met", "not met" or "unknown" (data missing)
	Window    Window    `json:"window,omitzero"`     // window of the left-hand metric
	Value     *float64  `json:"value,omitempty"`     // measured value; nil when undefined
	Threshold *float64  `json:"threshold,omitempty"` // what it was compared with
	Interval  *Interval `json:"interval,omitempty"`  // statistical gates: the interval used
}

// Interval is the interval of a statistical gate.
type Interval struct {
	Lo         float64 `json:"lo"`
	Hi         float64 `json:"hi"`
	Confidence float64 `json:"confidence"`
}

// Check is one safeguard applied to a decision.
type Check struct {
	Name   string `json:"name"` // "cooldown", "max_executions", "learning_phase", ...
	Passed bool   `json:"passed"`
	Detail string `json:"detail"` // what was checked, in words
}

// ErrInvalidSnapshot is matched by errors from [RuleSet.Evaluate] for a snapshot it cannot evaluate.
var ErrInvalidSnapshot = errors.New("rules: invalid snapshot")

// tri is three-valued logic: a condition on missing data is unknown, and
// a rule fires only when its condition tree is true.
type tri uint8

const (
	triFalse tri = iota
	triTrue
	triUnknown
)

func (t tri) words() string {
	switch t {
	case triTrue:
		return "met"
	case triFalse:
		return "not met"
	}
	return "unknown"
}

// evalCtx is the per-entity scratch of one evaluation. It is reused for
// every entity, so evaluating a rule that does not fire allocates nothing.
type evalCtx struct {
	now     time.Time
	nowID   []byte // now in UTC as RFC 3339 with nanoseconds, for decision ids
	e       *Entity
	hist    []*Entry
	cur     uint32
	cache   []slotValue
	m       measure                    // scratch of the fast path
	has     [numWindows]bool           // whether the current entity has each window
	wc      [numWindows]metrics.Counts // the current entity's counts, copied in once
	money   *metrics.Currency
	history map[string][]*Entry

	// evidence scratch: the texts of one decision, and a block the
	// Value and Threshold pointers of the evidence are carved from
	tb     []byte
	spans  []textSpan
	fblock []float64

	// field values of the current entity, valid when fGen[f] == cur
	fGen [numFields]uint32
	fVal [numFields]float64
	fOK  [numFields]bool

	quantiles map[quantileKey]quantiles // cost-per-result quantiles by result count

	// interval cache per slot, valid when ivGen[slot] == cur
	ivGen      []uint32
	ivConf     []float64
	ivLo, ivHi []float64
	ivOK       []bool
}

// slotValue caches one (metric, window) value of the current entity.
type slotValue struct {
	gen uint32
	ok  bool
	val float64
}

// counts returns the counts of window w of the current entity.
func (ec *evalCtx) counts(w Window) (*metrics.Counts, bool) {
	if !ec.has[w] {
		return nil, false
	}
	return &ec.wc[w], true
}

// setEntity makes e the current entity: a new cache generation and the
// window index of its stats.
func (ec *evalCtx) setEntity(e *Entity) (badWindow Window, ok bool) {
	ec.e = e
	ec.cur++
	if ec.cur == 0 { // wrapped: invalidate every slot
		for i := range ec.cache {
			ec.cache[i].gen = 0
		}
		clear(ec.ivGen)
		clear(ec.fGen[:])
		ec.cur = 1
	}
	ec.has = [numWindows]bool{}
	for i := range e.Stats {
		w := e.Stats[i].Window
		if !w.valid() {
			return w, false
		}
		// The first entry of a window wins, as in Entity.counts. The copy
		// loads the whole Counts at once (its cache lines in parallel)
		// instead of missing the cache once per field later.
		if !ec.has[w] {
			ec.has[w] = true
			ec.wc[w] = e.Stats[i].Counts
		}
	}
	return 0, true
}

// operand returns the value of o for the current entity. It is small
// enough to inline into compare; the first use per entity computes it.
func (ec *evalCtx) operand(o *operand) *slotValue {
	sv := &ec.cache[o.slot]
	if sv.gen != ec.cur {
		ec.computeOperand(o)
	}
	return sv
}

// computeOperand computes o for the current entity into its slot.
func (ec *evalCtx) computeOperand(o *operand) {
	v, ok := 0.0, false
	switch {
	case o.isField:
		v, ok = ec.field(o.field)
	default:
		if c, has := ec.counts(o.window); has {
			v, ok = o.value(c)
		}
	}
	ec.cache[o.slot] = slotValue{gen: ec.cur, ok: ok, val: v}
}

// field returns field f of the current entity, computed once per entity.
func (ec *evalCtx) field(f field) (float64, bool) {
	if ec.fGen[f] != ec.cur {
		ec.fVal[f], ec.fOK[f] = f.value(ec.e, ec.now)
		ec.fGen[f] = ec.cur
	}
	return ec.fVal[f], ec.fOK[f]
}

// bound returns the conservative interval bound of a metric operand for a
// statistical gate: the lower bound when the comparison asks "above", the
// upper bound when it asks "below".
func (ec *evalCtx) bound(o *operand, conf float64, above bool) (v, lo, hi float64, ok bool) {
	if !o.ival {
		return 0, 0, 0, false
	}
	if ec.ivGen[o.slot] == ec.cur && ec.ivConf[o.slot] == conf {
		lo, hi, ok = ec.ivLo[o.slot], ec.ivHi[o.slot], ec.ivOK[o.slot]
	} else {
		if c, has := ec.counts(o.window); has {
			lo, hi, ok = ec.interval(o, c, conf)
		}
		ec.ivGen[o.slot], ec.ivConf[o.slot], ec.ivLo[o.slot], ec.ivHi[o.slot], ec.ivOK[o.slot] = ec.cur, conf, lo, hi, ok
	}
	if !ok {
		return 0, 0, 0, false
	}
	if above {
		return lo, lo, hi, true
	}
	return hi, lo, hi, true
}

// interval returns the interval of metric operand o on c. The gamma
// quantiles of cost-per-result intervals depend only on the result count
// and the confidence, and cost several microseconds, so they are computed
// once per evaluation and count; the interval is bit for bit the one of
// [metrics.Metric.IntervalOf].
func (ec *evalCtx) interval(o *operand, c *metrics.Counts, conf float64) (lo, hi float64, ok bool) {
	if o.metric.Kind != metrics.CostPer {
		return o.metric.IntervalOf(c, conf)
	}
	spend, results, ok := o.metric.PartsOf(c)
	if !ok || spend <= 0 {
		return 0, 0, false
	}
	key := quantileKey{results, conf}
	q, seen := ec.quantiles[key]
	if !seen {
		q.q, q.ok = metrics.NewCostPerResultQuantiles(results, conf)
		if ec.quantiles == nil {
			ec.quantiles = make(map[quantileKey]quantiles)
		}
		if len(ec.quantiles) < maxCachedQuantiles {
			ec.quantiles[key] = q
		}
	}
	if !q.ok {
		return 0, 0, false
	}
	return q.q.Interval(spend)
}

type quantileKey struct {
	results int64
	conf    float64
}

type quantiles struct {
	q  metrics.CostPerResultQuantiles
	ok bool
}

// maxCachedQuantiles bounds the quantile cache of one evaluation.
const maxCachedQuantiles = 4096

// Evaluate runs every enabled rule against every entity of the snapshot of
// its level and returns the decisions. It is pure: the same snapshot gives
// the same decisions, and nothing outside the snapshot is read.
func (s *RuleSet) Evaluate(snap *Snapshot) (*Evaluation, error) {
	if snap == nil {
		return nil, fmt.Errorf("%w: nil snapshot", ErrInvalidSnapshot)
	}
	if snap.Now.IsZero() {
		return nil, fmt.Errorf("%w: Now is zero; expected the evaluation time in the account time zone", ErrInvalidSnapshot)
	}
	ec := &evalCtx{
		now:   snap.Now,
		nowID: snap.Now.UTC().AppendFormat(nil, time.RFC3339Nano),
		cache: make([]slotValue, s.slots),

		ivGen:  make([]uint32, s.slots),
		ivConf: make([]float64, s.slots),
		ivLo:   make([]float64, s.slots),
		ivHi:   make([]float64, s.slots),
		ivOK:   make([]bool, s.slots),
	}
	if snap.Currency != "" {
		cur, err := metrics.LookupCurrency(snap.Currency)
		if err != nil {
			return nil, fmt.Errorf("%w: Currency: %v", ErrInvalidSnapshot, err)
		}
		ec.money = &cur
	}
	if len(snap.History) > 0 {
		ec.history = make(map[string][]*Entry)
		for i := range snap.History {
			h := &snap.History[i]
			ec.history[h.EntityID] = latestAttempt(ec.history[h.EntityID], h)
		}
	}
	out := &Evaluation{Now: snap.Now}
	fired := make([]*Rule, 0, len(s.rules))
	var bad []error
	for i := range snap.Entities {
		e := &snap.Entities[i]
		w, wok := ec.setEntity(e)
		if !wok || e.ID == "" || e.Level < LevelCampaign || e.Level > LevelAd {
			if len(bad) < maxSnapshotProblems {
				bad = append(bad, entityProblem(i, e, w, wok))
			}
			continue
		}
		fired = fired[:0]
		if ec.history != nil {
			ec.hist = ec.history[e.ID]
		}
		active, paused := e.Status == "ACTIVE", e.Status == "PAUSED"
		for _, r := range s.byLevel[e.Level] {
			if f := &r.filter; f.statusOnly {
				if (f.wantPaused && !paused) || (!f.wantPaused && !active) {
					continue
				}
			} else if !r.matches(e) {
				continue
			}
			if r.cond.eval(ec) == triTrue {
				fired = append(fired, r)
			}
		}
		if len(fired) == 0 {
			continue
		}
		out.Decisions = s.decide(ec, fired, out.Decisions)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSnapshot, errors.Join(bad...))
	}
	return out, nil
}

// latestAttempt adds h to the entries of its entity, replacing an earlier
// entry of the same decision id: a ledger holds several attempts of a
// decision (a pending claim, then the outcome; a failure, then a retry),
// and only the latest says whether the change happened, so each decision
// counts once.
func latestAttempt(hist []*Entry, h *Entry) []*Entry {
	if h.DecisionID != "" {
		for i, p := range hist {
			if p.DecisionID == h.DecisionID {
				hist[i] = h
				return hist
			}
		}
	}
	return append(hist, h)
}

// maxSnapshotProblems bounds the entity problems one error reports.
const maxSnapshotProblems = 10

func entityProblem(i int, e *Entity, w Window, wok bool) error {
	switch {
	case e.ID == "":
		return fmt.Errorf("entity %d: empty ID; expected the Graph object id", i)
	case e.Level < LevelCampaign || e.Level > LevelAd:
		return fmt.Errorf("entity %d (%s): invalid Level %d; expected LevelCampaign, LevelAdSet or LevelAd", i, e.ID, uint8(e.Level))
	case !wok:
		return fmt.Errorf("entity %d (%s): Stats has invalid window %d; expected one of the Window constants", i, e.ID, uint8(w))
	}
	return nil
}

func (r *Rule) matches(e *Entity) bool {
	f := &r.filter
	if len(f.status) > 0 {
		if !slices.Contains(f.status, e.Status) {
			return false
		}
	} else if r.action.typ == ActionUnpause {
		if e.Status != "PAUSED" {
			return false
		}
	} else if e.Status != "ACTIVE" {
		return false
	}
	if len(f.ids) > 0 && !slices.Contains(f.ids, e.ID) {
		return false
	}
	if len(f.excludeIDs) > 0 && slices.Contains(f.excludeIDs, e.ID) {
		return false
	}
	if len(f.objective) > 0 && !slices.Contains(f.objective, e.Objective) {
		return false
	}
	if len(f.learning) > 0 && !slices.Contains(f.learning, e.LearningStage) {
		return false
	}
	for _, l := range f.labels {
		if !slices.Contains(e.Labels, l) {
			return false
		}
	}
	if f.nameContains != "" && !containsFold(e.Name, f.nameContains) {
		return false
	}
	if f.nameRE != nil && !f.nameRE.MatchString(e.Name) {
		return false
	}
	return true
}

// containsFold reports whether lowerSub (already lower case) occurs in s, ignoring case.
func containsFold(s, lowerSub string) bool {
	for i := 0; i+len(lowerSub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(lowerSub)], lowerSub) {
			return true
		}
	}
	return false
}

func (n *node) eval(ec *evalCtx) tri {
	switch n.kind {
	case nodeAll:
		res := triTrue
		for _, k := range n.fast {
			r := triUnknown
			if k.kind == nodeCompare { // the common leaf, without a second call
				r = k.compare(ec, &ec.m)
			} else {
				r = k.eval(ec)
			}
			switch r {
			case triFalse:
				return triFalse
			case triUnknown:
				res = triUnknown
			}
		}
		return res
	case nodeAny:
		res := triFalse
		for _, k := range n.fast {
			r := triUnknown
			if k.kind == nodeCompare {
				r = k.compare(ec, &ec.m)
			} else {
				r = k.eval(ec)
			}
			switch r {
			case triTrue:
				return triTrue
			case triUnknown:
				res = triUnknown
			}
		}
		return res
	case nodeNot:
		switch n.kids[0].eval(ec) {
		case triTrue:
			return triFalse
		case triFalse:
			return triTrue
		}
		return triUnknown
	case nodeCompare:
		return n.compare(ec, &ec.m)
	case nodeHours:
		return boolTri(n.inHours(ec.now.Hour()))
	case nodeWeekdays:
		return boolTri(n.days&(1<<ec.now.Weekday()) != 0)
	case nodeMinData:
		return boolTri(n.minDataMet(ec))
	case nodeRecent:
		_, ok := n.recentEntry(ec)
		return boolTri(ok)
	}
	return triUnknown
}

func boolTri(b bool) tri {
	if b {
		return triTrue
	}
	return triFalse
}

func (n *node) inHours(h int) bool {
	if n.hourFrom < n.hourTo {
		return h >= n.hourFrom && h < n.hourTo
	}
	return h >= n.hourFrom || h < n.hourTo
}

// measure is a comparison as evaluated: the values used and the outcome.
type measure struct {
	left, right    float64 // left as measured (point value); right before the factor
	lok, rok       bool
	lhs, threshold float64 // the values compared (bounds for statistical gates)
	lo, hi         float64 // left interval
	rlo, rhi       float64 // right interval, when the right operand has one
	hasIval, rIval bool
}

// compare evaluates a comparison, writing what it measured into m (which
// it does not clear: callers read only the fields the result implies).
func (n *node) compare(ec *evalCtx, m *measure) tri {
	l := ec.operand(&n.left)
	m.left, m.lok = l.val, l.ok
	if !m.lok {
		return triUnknown
	}
	m.lhs, m.hasIval, m.rIval, m.rok = m.left, false, false, false
	above := n.op == opGT || n.op == opGE
	if n.conf > 0 {
		v, lo, hi, ok := ec.bound(&n.left, n.conf, above)
		if !ok {
			return triUnknown
		}
		m.lhs, m.lo, m.hi, m.hasIval = v, lo, hi, true
	}
	switch {
	case n.hasRight:
		rv := ec.operand(&n.right)
		m.right, m.rok = rv.val, rv.ok
		if !m.rok {
			return triUnknown
		}
		r := m.right
		if n.conf > 0 && n.right.ival {
			// Conservative: the right side's bound on the far side.
			v, lo, hi, ok := ec.bound(&n.right, n.conf, !above)
			if !ok {
				return triUnknown
			}
			r, m.rlo, m.rhi, m.rIval = v, lo, hi, true
		}
		m.threshold = r * n.factor
	case n.op == opBetween || n.op == opOutside:
		return boolTri((m.lhs >= n.lo && m.lhs <= n.hi) == (n.op == opBetween))
	default:
		m.threshold = n.value
	}
	return boolTri(n.op.holds(m.lhs, m.threshold))
}

func (o op) holds(a, b float64) bool {
	switch o {
	case opGT:
		return a > b
	case opGE:
		return a >= b
	case opLT:
		return a < b
	case opLE:
		return a <= b
	case opEQ:
		return a == b
	case opNE:
		return a != b
	}
	return false
}

func (n *node) minDataMet(ec *evalCtx) bool {
	if n.minAge > 0 {
		if age, ok := ec.field(fieldAgeHours); !ok || age < n.minAge {
			return false
		}
	}
	if n.minWindow == 0 {
		return true
	}
	c, ok := ec.counts(n.minWindow)
	if !ok {
		return false
	}
	return c.Impressions >= n.minImpr && c.Clicks >= n.minClicks && c.Spend >= n.minSpend && c.Conversions >= n.minConversions
}

// recentEntry finds the latest applied ledger entry matching the node.
func (n *node) recentEntry(ec *evalCtx) (*Entry, bool) {
	var last *Entry
	for _, h := range ec.hist {
		if h.Outcome != OutcomeApplied || !h.At.Before(ec.now) || ec.now.Sub(h.At) > n.within {
			continue
		}
		if len(n.recentRules) > 0 && !slices.Contains(n.recentRules, h.RuleID) {
			continue
		}
		if len(n.recentActions) > 0 && !slices.Contains(n.recentActions, h.Action) {
			continue
		}
		if last == nil || h.At.After(last.At) {
			last = h
		}
	}
	return last, last != nil
}

// decide turns the rules that fired for one entity into decisions:
// per-rule safeguards, then the learning freeze, then one mutation per
// entity by precedence.
func (s *RuleSet) decide(ec *evalCtx, fired []*Rule, out []Decision) []Decision {
	first := len(out)
	e := ec.e
	var freezer *Rule
	for _, r := range fired {
		if r.action.typ == ActionFreeze {
			freezer = r
			break
		}
	}
	for _, r := range fired {
		d := Decision{
			RuleID: r.id, RuleName: r.name, Class: r.class, Action: r.action.typ, Level: e.Level,
			EntityID: e.ID, EntityName: e.Name, Account: e.Account, At: ec.now,
			DryRun: !r.live && r.action.typ != ActionFreeze, // a freeze acts inside the evaluation
		}
		d.Evidence = ec.ruleEvidence(r)
		d.Safeguards = make([]Check, 0, 8)
		s.guard(ec, r, &d)
		if freezer != nil && r != freezer && d.Action != ActionNotify && r.class != ClassSafety {
			d.Safeguards = append(d.Safeguards, Check{Name: "learning_freeze", Detail: fmt.Sprintf("frozen by rule %q this run; only safety rules and notifications act", freezer.id)})
		} else if freezer != nil && r != freezer && r.class == ClassSafety {
			d.Safeguards = append(d.Safeguards, Check{Name: "learning_freeze", Passed: true, Detail: fmt.Sprintf("rule %q froze the entity, but safety rules still act", freezer.id)})
		}
		d.Allowed = allPassed(d.Safeguards)
		if m := r.action.message; m != nil {
			if m.konst {
				d.Message = m.text
			} else {
				d.Message = m.render(r.name, e.Name, e.ID, e.Level.String(), metEvidence(d.Evidence))
			}
		}
		d.ID = decisionID(&d, ec.nowID)
		out = append(out, d)
	}
	// One mutation per entity per run: the allowed mutation of highest
	// class wins (earlier rule on a tie); the others are blocked.
	win := -1
	for i := first; i < len(out); i++ {
		d := &out[i]
		if !d.Allowed || !d.Action.Mutates() {
			continue
		}
		if win < 0 || d.Class > out[win].Class {
			win = i
		}
	}
	for i := first; i < len(out); i++ {
		d := &out[i]
		if !d.Action.Mutates() {
			continue
		}
		if i == win {
			d.Safeguards = append(d.Safeguards, Check{Name: "one_mutation_per_run", Passed: true, Detail: onlyChangeWords(d.Class)})
			continue
		}
		if d.Allowed && win >= 0 {
			d.Safeguards = append(d.Safeguards, Check{Name: "one_mutation_per_run", Detail: fmt.Sprintf("rule %q (%s) changes this entity this run; precedence is safety > protect > scale > notify", out[win].RuleID, out[win].Class)})
			d.Allowed = false
		}
	}
	return out
}

func allPassed(cs []Check) bool {
	for _, c := range cs {
		if !c.Passed {
			return false
		}
	}
	return true
}

func metEvidence(ev []Evidence) string {
	var parts []string
	for _, e := range ev {
		if e.Result == "met" && e.Value != nil {
			parts = append(parts, e.Text)
		}
	}
	return strings.Join(parts, "; ")
}

func decisionID(d *Decision, at []byte) string {
	var buf [256]byte
	b := buf[:0]
	for _, s := range [...]string{d.RuleID, d.EntityID, d.Level.String(), d.Action.String(), d.Budget.String()} {
		b = append(b, s...)
		b = append(b, 0)
	}
	b = strconv.AppendInt(b, d.To, 10)
	b = append(b, 0)
	b = append(b, at...) // d.At in UTC, RFC 3339 with nanoseconds
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// guard applies the rule's own safeguards and computes the new value of
// budget and bid actions.
func (s *RuleSet) guard(ec *evalCtx, r *Rule, d *Decision) {
	e := ec.e
	add := func(name string, passed bool, detail string) {
		d.Safeguards = append(d.Safeguards, Check{Name: name, Passed: passed, Detail: detail})
	}
	mut := r.action.typ.Mutates()
	if mut && s.killSwitch {
		add("kill_switch", false, "the kill switch is on: no rule changes anything")
	}
	if mut && s.maxDaily > 0 && r.class != ClassSafety {
		n := 0
		for _, h := range ec.hist {
			if h.Outcome.mayHaveApplied() && h.Action.Mutates() && !h.At.After(ec.now) && ec.now.Sub(h.At) < 24*time.Hour {
				n++
			}
		}
		add("max_daily_changes", n < s.maxDaily, strconv.Itoa(n)+" of "+strconv.Itoa(s.maxDaily)+" changes to this entity in the last 24h, by all rules")
	}
	if r.guard.skipLearning {
		if e.LearningStage == LearningStageLearning {
			add("learning_phase", false, "the entity is in the learning phase; this "+r.class.String()+" rule waits until it exits")
		} else {
			d.Safeguards = append(d.Safeguards, Check{Name: "learning_phase", Passed: true, Detail: notLearningWords(e.LearningStage)})
		}
	}
	g := &r.guard
	if g.cooldown > 0 {
		last := lastApplied(ec.hist, r.id, time.Time{})
		if last != nil && ec.now.Sub(last.At) < g.cooldown {
			add("cooldown", false, fmt.Sprintf("this rule last acted %s ago (%s); cooldown is %s", hoursWords(ec.now.Sub(last.At)), last.At.Format(time.RFC3339), hoursWords(g.cooldown)))
		} else {
			d.Safeguards = append(d.Safeguards, Check{Name: "cooldown", Passed: true, Detail: g.cooldownOK})
		}
	}
	if g.maxExec > 0 {
		since := time.Time{}
		window := "ever"
		if g.execWindow > 0 {
			since = ec.now.Add(-g.execWindow)
			window = "in the last " + hoursWords(g.execWindow)
		}
		n := countApplied(ec.hist, r.id, since)
		add("max_executions", n < g.maxExec, strconv.Itoa(n)+" of "+strconv.Itoa(g.maxExec)+" executions used "+window)
	}
	switch r.action.typ {
	case ActionScaleBudget, ActionSetBudget:
		from, kind := e.budget()
		d.Budget, d.From = kind, from
		if from <= 0 {
			add("budget", false, "no budget at this level (it may be set on the campaign)")
			return
		}
		to := r.action.amount
		if r.action.typ == ActionScaleBudget {
			to = int64(math.Round(float64(from) * (1 + r.action.percent/100)))
		}
		d.To = s.clampBudget(ec, r, from, to, kind, add)
		classDirection(r, d, add)
	case ActionChangeBid:
		d.From = e.BidAmount
		if e.BidAmount <= 0 {
			add("bid", false, "no bid amount set (automatic bidding); nothing to change")
			return
		}
		to := r.action.amount
		if r.action.hasPct {
			to = int64(math.Round(float64(e.BidAmount) * (1 + r.action.percent/100)))
		}
		d.To = clampStep(g, e.BidAmount, to, add)
		d.To = weekCap(ec, g, e.BidAmount, d.To, func(h *Entry) bool { return h.Action == ActionChangeBid }, add)
		if d.To == d.From {
			add("change", false, "the bid would not change")
		}
		classDirection(r, d, add)
	}
}

// classDirection blocks a raise under a safety or protect class: those
// classes pass the learning skip, the daily change cap and precedence
// because they cut, so a set_budget or an absolute change_bid that would
// raise the value must not borrow them. (Compile rejects the classes for
// actions that always raise.)
func classDirection(r *Rule, d *Decision, add addCheck) {
	if (r.class == ClassSafety || r.class == ClassProtect) && d.To > d.From {
		add("class", false, "class "+r.class.String()+" only cuts, but this change raises "+strconv.FormatInt(d.From, 10)+" to "+strconv.FormatInt(d.To, 10)+"; give the rule the class \"scale\" to raise")
	}
}

// onlyChangeWords is the detail of the winning mutation's check.
func onlyChangeWords(c Class) string {
	switch c {
	case ClassSafety:
		return "the only change to this entity this run (highest precedence: safety)"
	case ClassProtect:
		return "the only change to this entity this run (highest precedence: protect)"
	case ClassScale:
		return "the only change to this entity this run (highest precedence: scale)"
	}
	return "the only change to this entity this run (highest precedence: " + c.String() + ")"
}

// notLearningWords is the detail of a passed learning-phase check.
func notLearningWords(stage string) string {
	switch stage {
	case LearningStageSuccess:
		return "not in the learning phase (stage SUCCESS)"
	case LearningStageFail:
		return "not in the learning phase (stage FAIL)"
	}
	return "not in the learning phase (stage " + orWord(stage, "unknown") + ")"
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func hoursWords(d time.Duration) string {
	h := d.Hours()
	if h == math.Trunc(h) {
		return strconv.FormatFloat(h, 'f', 0, 64) + "h"
	}
	return strconv.FormatFloat(h, 'f', 1, 64) + "h"
}

type addCheck func(name string, passed bool, detail string)

// clampStep bounds one change to the rule's max_step_percent.
func clampStep(g *safeguards, from, to int64, add addCheck) int64 {
	if !g.hasStep {
		return to
	}
	limit := g.maxStep * float64(from)
	if math.Abs(float64(to-from)) > limit {
		clamped := from + int64(math.Copysign(math.Floor(limit), float64(to-from)))
		add("max_step", true, "change from "+strconv.FormatInt(from, 10)+" to "+strconv.FormatInt(to, 10)+" exceeds "+strconv.FormatFloat(g.maxStep*100, 'f', 0, 64)+"% per step; clamped to "+strconv.FormatInt(clamped, 10))
		return clamped
	}
	add("max_step", true, "change from "+strconv.FormatInt(from, 10)+" to "+strconv.FormatInt(to, 10)+" is within "+strconv.FormatFloat(g.maxStep*100, 'f', 0, 64)+"% per step")
	return to
}

func (s *RuleSet) clampBudget(ec *evalCtx, r *Rule, from, to int64, kind BudgetKind, add addCheck) int64 {
	g := &r.guard
	to = clampStep(g, from, to, add)
	to = weekCap(ec, g, from, to, func(h *Entry) bool { return h.Action.budget() && h.Budget == kind }, add)
	if g.maxBudget > 0 && to > g.maxBudget {
		to = max(g.maxBudget, min(to, from))
		add("max_budget", to > from || to < from, "ceiling "+strconv.FormatInt(g.maxBudget, 10)+"; budget set to "+strconv.FormatInt(to, 10))
	}
	if g.minBudget > 0 && to < g.minBudget {
		to = min(g.minBudget, max(to, from))
		add("min_budget", to > from || to < from, "floor "+strconv.FormatInt(g.minBudget, 10)+"; budget set to "+strconv.FormatInt(to, 10))
	}
	if to == from {
		add("change", false, "the budget would stay at "+strconv.FormatInt(from, 10))
	}
	return to
}

// weekCap bounds an increase to the rule's max_week_percent over 7 days.
// The baseline is the value before the first change in the last 7 days of
// the same budget or of the bid (same reports which entries), by any rule,
// applied or of unknown outcome.
func weekCap(ec *evalCtx, g *safeguards, from, to int64, same func(*Entry) bool, add addCheck) int64 {
	if !g.hasWeek || to <= from {
		return to
	}
	base := from
	var first *Entry
	for _, h := range ec.hist {
		if h.Outcome.mayHaveApplied() && same(h) && ec.now.Sub(h.At) < 7*24*time.Hour && !h.At.After(ec.now) &&
			(first == nil || h.At.Before(first.At)) {
			first = h
		}
	}
	if first != nil {
		base = first.From
	}
	limit := int64(math.Floor(float64(base) * (1 + g.maxWeek)))
	if to > limit {
		add("max_week", limit > from, fmt.Sprintf("7-day increase cap %.0f%% over %d allows at most %d; clamped from %d", g.maxWeek*100, base, limit, to))
		return max(limit, from)
	}
	add("max_week", true, "7-day increase from "+strconv.FormatInt(base, 10)+" to "+strconv.FormatInt(to, 10)+" is within "+strconv.FormatFloat(g.maxWeek*100, 'f', 0, 64)+"%")
	return to
}

// lastApplied returns the latest entry of the rule that may have applied a
// change (History need not be sorted).
func lastApplied(hist []*Entry, ruleID string, since time.Time) *Entry {
	var last *Entry
	for _, h := range hist {
		if h.Outcome.mayHaveApplied() && h.RuleID == ruleID && !h.At.Before(since) && (last == nil || h.At.After(last.At)) {
			last = h
		}
	}
	return last
}

func countApplied(hist []*Entry, ruleID string, since time.Time) int {
	n := 0
	for _, h := range hist {
		if h.Outcome.mayHaveApplied() && h.RuleID == ruleID && !h.At.Before(since) {
			n++
		}
	}
	return n
}
