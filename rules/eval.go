package rules

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

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
	if s.currency != "" && snap.Currency != s.currency {
		got := strconv.Quote(snap.Currency)
		if snap.Currency == "" {
			got = "not stated"
		}
		return nil, fmt.Errorf("%w: %w: the rules' money is in %s minor units, the snapshot's currency is %s; expected Snapshot.Currency %q",
			ErrInvalidSnapshot, ErrCurrencyMismatch, s.currency, got, s.currency)
	}
	if snap.TimeZone != "" {
		loc, err := time.LoadLocation(snap.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("%w: TimeZone %q: %v; expected an IANA zone such as \"America/Los_Angeles\"", ErrInvalidSnapshot, snap.TimeZone, err)
		}
		if _, off := snap.Now.Zone(); func() int { _, o := snap.Now.In(loc).Zone(); return o }() != off {
			return nil, fmt.Errorf("%w: Now %s is not in the account's time zone %s (%s there); expected Now.In(%s): today, hours and weekdays are the account's",
				ErrInvalidSnapshot, snap.Now.Format(time.RFC3339), snap.TimeZone, snap.Now.In(loc).Format(time.RFC3339), snap.TimeZone)
		}
	}
	if len(snap.History) > 0 {
		ec.history = make(map[string][]*Entry)
		for i := range snap.History {
			h := &snap.History[i]
			ec.history[h.EntityID] = latestAttempt(ec.history[h.EntityID], h)
		}
	}
	out := &Evaluation{Now: snap.Now}
	cov := make([]coverage, len(s.rules))
	for i, r := range s.rules {
		cov[i].RuleID, cov[i].Level, cov[i].Disabled = r.id, r.level, r.off
	}
	fired := make([]*Rule, 0, len(s.rules))
	var bad []error
	for i := range snap.Entities {
		e := &snap.Entities[i]
		w, wok := ec.setEntity(e)
		if !wok || e.ID == "" || !ruleLevel(e.Level) || (snap.Account != "" && e.Account != snap.Account) {
			if len(bad) < maxSnapshotProblems {
				bad = append(bad, entityProblem(i, e, w, wok, snap.Account))
			}
			continue
		}
		fired = fired[:0]
		if ec.history != nil {
			ec.hist = ec.history[e.ID]
		}
		active, paused := e.Status == "ACTIVE", e.Status == "PAUSED"
		for _, r := range s.byLevel[e.Level.Depth()] {
			cv := &cov[r.index]
			cv.Entities++
			if f := &r.filter; f.statusOnly {
				if (f.wantPaused && !paused) || (!f.wantPaused && !active) {
					cv.Skipped++
					continue
				}
			} else if !r.matches(e) {
				cv.Skipped++
				continue
			}
			if r.readsConv && s.convEvent != "" && e.ConversionEvent != s.convEvent {
				cv.Skipped++
				cv.add(cause{kind: causeConvEvent, event: e.ConversionEvent}, e.ID)
				continue
			}
			cv.Evaluated++
			switch r.cond.eval(ec) {
			case triTrue:
				cv.Fired++
				fired = append(fired, r)
			case triFalse:
				cv.NotMet++
			default:
				cv.Unknown++
				if c, ok := r.cond.unknownCause(ec); ok {
					cv.add(c, e.ID)
				}
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
	out.Coverage = make([]RuleCoverage, len(cov))
	for i := range cov {
		out.Coverage[i] = cov[i].result(s.convEvent)
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

func entityProblem(i int, e *Entity, w Window, wok bool, account string) error {
	switch {
	case e.ID == "":
		return fmt.Errorf("entity %d: empty ID; expected the Graph object id", i)
	case !ruleLevel(e.Level):
		return fmt.Errorf("entity %d (%s): invalid Level %q; expected metrics.LevelCampaign, metrics.LevelAdSet or metrics.LevelAd", i, e.ID, e.Level)
	case !wok:
		return fmt.Errorf("entity %d (%s): Stats has invalid window %d; expected one of the Window constants", i, e.ID, uint8(w))
	case account != "" && e.Account == "":
		return fmt.Errorf("entity %d (%s): empty Account; expected the snapshot's account %s", i, e.ID, account)
	case account != "" && e.Account != account:
		return fmt.Errorf("entity %d (%s): Account %s; expected the snapshot's account %s", i, e.ID, e.Account, account)
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
