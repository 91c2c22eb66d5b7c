package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// Heuristic is the default analyzer: deterministic, offline, no network.
// It ranks problems and opportunities from three sources:
//
//   - the rule decisions of Input.Evaluation (a stop-loss, a CPA bleeder,
//     creative fatigue, pacing and learning notifications), each with the
//     evidence the rule measured;
//   - the metrics of Input.Snapshot, profitability first: ad sets and
//     campaigns that lose money over the last 7 complete days (profit with
//     the gross margin when known, else revenue minus spend), cost per
//     result against the target, winners to scale, budgets spent faster
//     than the daily budget allows, frequency saturation, engagement
//     quality against the account's own ads (link CTR), video hook and hold
//     rates, and Meta's quality, engagement and conversion rankings;
//   - the signals of Input.Signals (time patterns, fatigue, pacing,
//     overlap, benchmarks), by severity and confidence.
//
// Entities Meta does not deliver (paused, or held back by a paused
// parent) are not judged; entities of unknown status (made from rows
// without their objects) are judged on their delivery, with a note. A
// loss or a cost per result over target is cut only when the credible
// interval of the cost per result confirms it; within noise it is watched.
//
// Findings about the same entity and the same kind of action are merged
// (their evidence and sources joined), then ranked: priority first, then
// the money at stake, then confidence. Goals.Priority lifts the findings
// that matter for it (reach and frequency for reach efficiency; CTR,
// engagement, video and rankings for engagement). Every number a
// recommendation shows comes from the Dataset with the window it was
// measured over, or is marked an estimate with its method.
//
// The zero Heuristic is ready to use and safe for concurrent use.
type Heuristic struct {
	// MaxRecommendations caps the result (0 for the default, 25; a
	// negative cap is an error); the rest are counted in a note.
	MaxRecommendations int
}

// Thresholds of the metric checks. They are deliberately conservative:
// on a healthy account nothing is urgent.
const (
	minProfitConversions = 5    // conversions over 7 days before a loss is judged on value
	urgentLossShare      = 0.25 // losing this share of spend (or more) is urgent
	minSpendShare        = 0.02 // ignore entities with less of the account's 7-day spend
	overpaceRatio        = 1.15 // 7-day spend over 7 × daily budget by this much
	winnerConversions    = 10   // conversions over 7 days before scaling
	frequencyAdAlert     = 4.0  // an ad's 7-day frequency
	lowCTRShare          = 0.5  // link CTR under half the account median
	minCompareImpr       = 5000 // impressions before CTR comparisons
	weakHookRate         = 0.18 // cold-feed hook rate below which a hook is weak (optimization.md 2.1)
	weakHoldRate         = 0.12 // hold rate below the feed range
	rankingImpressions   = 500  // Meta computes rankings after about 500 impressions
	heuristicCPAConf     = 0.9  // confidence of the cost-per-result intervals
	defaultMaxRecs       = 25
)

// Analyze implements [Analyzer].
func (h Heuristic) Analyze(ctx context.Context, in *Input) (*Result, error) {
	if ctx == nil {
		return nil, fmt.Errorf("%w: heuristic: %w", ErrInvalidInput, errNilContext)
	}
	if h.MaxRecommendations < 0 {
		return nil, fmt.Errorf("%w: Heuristic.MaxRecommendations %d is negative; expected 0 (for %d) or more", ErrInvalidInput, h.MaxRecommendations, defaultMaxRecs)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysis: heuristic: %w", err)
	}
	a, err := newAnalysis(in)
	if err != nil {
		return nil, err
	}
	steps := []func(){a.fromRules, a.fromMetrics, a.fromSignals}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("analysis: heuristic: %w", err)
		}
		step()
	}
	return a.result(cmp.Or(h.MaxRecommendations, defaultMaxRecs)), nil
}

// analysis is the state of one Analyze call.
type analysis struct {
	in       *Input
	snap     *rules.Snapshot
	goals    Goals
	event    string // the conversion event the goals are for
	currency string
	today    metaads.Date
	b        *snapshotBuilder // nil without a Dataset
	byID     map[string]*rules.Entity
	spend7   int64 // the account's spend over the last 7 days (campaigns)
	cands    []*candidate
	notes    []string
}

// candidate is a recommendation being built, with what ranks it.
type candidate struct {
	Recommendation
	family string  // kind of action, for merging
	stake  float64 // money at stake per day (minor units), for ranking
	order  int     // discovery order, the last tie-break
}

func newAnalysis(in *Input) (*analysis, error) {
	if in == nil {
		return nil, fmt.Errorf("%w: heuristic: nil Input", ErrInvalidInput)
	}
	snap := in.Snapshot
	if snap == nil {
		if in.Dataset == nil {
			return nil, fmt.Errorf("%w: heuristic: the Input has neither a Snapshot nor a Dataset", ErrInvalidInput)
		}
		now := in.Now
		if now.IsZero() {
			now = in.Dataset.CollectedAt
		}
		var err error
		if snap, err = in.Dataset.Snapshot(now); err != nil {
			return nil, err
		}
	}
	if err := in.Goals.validate(snap.Currency); err != nil {
		return nil, err
	}
	a := &analysis{in: in, snap: snap, goals: in.Goals, currency: snap.Currency, today: metaads.DateOf(snap.Now), byID: map[string]*rules.Entity{}}
	if in.Dataset != nil {
		a.b = newSnapshotBuilder(in.Dataset, a.today)
	}
	for i := range snap.Entities {
		e := &snap.Entities[i]
		a.byID[e.ID] = e
		if e.Level == metrics.LevelCampaign {
			if c, ok := windowOf(e, rules.WindowLast7D); ok {
				a.spend7 += c.Spend
			}
		}
	}
	a.event = a.goalEvent(a.goals.ConversionEvent)
	return a, nil
}

// goalEvent is the conversion event the goals are judged on: the one they
// name, read as its family (EventPurchase, EventLead) when the campaigns
// count the family and the goals name one of its action types
// ("omni_purchase"); empty takes the event of the campaigns with the most
// spend.
func (a *analysis) goalEvent(goal string) string {
	if goal == "" {
		return a.mainEvent()
	}
	counted := map[string]bool{}
	for i := range a.snap.Entities {
		if e := &a.snap.Entities[i]; e.Level == metrics.LevelCampaign {
			counted[e.ConversionEvent] = true
		}
	}
	switch {
	case counted[goal]:
	case counted[EventPurchase] && slices.Contains(metaads.DefaultPurchaseActionTypes(), goal):
		return EventPurchase
	case counted[EventLead] && slices.Contains(metaads.DefaultLeadActionTypes(), goal):
		return EventLead
	}
	return goal
}

// validate checks the goals against the account currency.
func (g Goals) validate(currency string) error {
	switch {
	case g.Currency != "" && currency != "" && !strings.EqualFold(g.Currency, currency):
		return fmt.Errorf("%w: %w: Goals.Currency %s, the account's currency is %s; expected the target CPA in %s minor units", ErrInvalidInput, ErrCurrencyMismatch, g.Currency, currency, currency)
	case g.TargetCPA < 0:
		return fmt.Errorf("%w: Goals.TargetCPA %d is negative; expected minor units > 0, or 0 for none", ErrInvalidInput, g.TargetCPA)
	case !(g.TargetROAS >= 0) || math.IsInf(g.TargetROAS, 0):
		return fmt.Errorf("%w: Goals.TargetROAS %v; expected a ratio such as 2.5, or 0 for none", ErrInvalidInput, g.TargetROAS)
	case !(g.GrossMargin >= 0 && g.GrossMargin <= 1):
		return fmt.Errorf("%w: Goals.GrossMargin %v; expected a fraction in (0, 1], or 0 when unknown", ErrInvalidInput, g.GrossMargin)
	}
	switch g.Priority {
	case "", PriorityProfit, PriorityReachEfficiency, PriorityEngagement:
	default:
		return fmt.Errorf("%w: Goals.Priority %q; expected %q, %q or %q", ErrInvalidInput, g.Priority, PriorityProfit, PriorityReachEfficiency, PriorityEngagement)
	}
	return nil
}

// mainEvent is the conversion event of the campaigns with the most spend
// over the last 7 days.
func (a *analysis) mainEvent() string {
	spend := map[string]int64{}
	var order []string
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if e.Level != metrics.LevelCampaign || e.ConversionEvent == "" {
			continue
		}
		c, _ := windowOf(e, rules.WindowLast7D)
		if _, ok := spend[e.ConversionEvent]; !ok {
			order = append(order, e.ConversionEvent)
		}
		spend[e.ConversionEvent] += c.Spend + 1 // +1: an event with no spend still counts
	}
	best := ""
	for _, ev := range order {
		if best == "" || spend[ev] > spend[best] {
			best = ev
		}
	}
	return best
}

func windowOf(e *rules.Entity, w rules.Window) (metrics.Counts, bool) {
	for _, s := range e.Stats {
		if s.Window == w {
			return s.Counts, true
		}
	}
	return metrics.Counts{}, false
}

// ref names an entity of the snapshot.
func ref(e *rules.Entity) EntityRef {
	return EntityRef{Level: e.Level, ID: e.ID, Name: e.Name}
}

// period returns the days of window w for entity e; nil when they cannot
// be known (the Input has no Dataset for an entity-specific window).
func (a *analysis) period(w rules.Window, e *rules.Entity) *Period {
	if r, ok := windowRange(w, a.today); ok {
		return &Period{Window: w.String(), Since: r.Since, Until: r.Until}
	}
	if a.b == nil || e == nil {
		return nil
	}
	start := startOf(e.StartTime, e.CreatedTime)
	var sd metaads.Date
	if !start.IsZero() {
		sd = metaads.DateOf(start.In(a.snap.Now.Location()))
	}
	switch w {
	case rules.WindowLaunch7D:
		if !sd.IsZero() {
			return &Period{Window: w.String(), Since: sd, Until: sd.AddDays(6)}
		}
	case rules.WindowBaseline7D:
		rows := a.b.daily[entityKey{e.Level, e.ID}]
		if r, ok := a.b.baseline(rows, sd); ok {
			return &Period{Window: w.String(), Since: r.Since, Until: r.Until}
		}
	case rules.WindowLifetime:
		since := a.b.d.Range.Since
		if !sd.IsZero() {
			since = sd
		}
		return &Period{Window: w.String(), Since: since, Until: a.today}
	}
	return nil
}

// measured returns a measured figure of metric m over window w.
func (a *analysis) measured(e *rules.Entity, name string, w rules.Window, value float64, unit metrics.Unit) Figure {
	f := Figure{Name: name, Value: value, Unit: unit, Basis: BasisMeasured, Period: a.period(w, e)}
	f.Text = fmt.Sprintf("%s %s: %s", name, windowPhrase(w), formatValue(value, unit, a.currency))
	return f
}

func windowPhrase(w rules.Window) string {
	if w == rules.WindowYesterday || w == rules.WindowToday {
		return w.Words()
	}
	return "over " + w.Words()
}

func (a *analysis) setting(name string, value int64) Figure {
	return Figure{Name: name, Value: float64(value), Unit: metrics.UnitMoney, Basis: BasisSetting,
		Text: fmt.Sprintf("%s: %s", strings.ReplaceAll(name, "_", " "), formatValue(float64(value), metrics.UnitMoney, a.currency))}
}

func (a *analysis) goal(name string, value float64, unit metrics.Unit) Figure {
	return Figure{Name: name, Value: value, Unit: unit, Basis: BasisGoal,
		Text: fmt.Sprintf("%s: %s", strings.ReplaceAll(name, "_", " "), formatValue(value, unit, a.currency))}
}

func (a *analysis) estimate(name string, value float64, unit metrics.Unit, method string) Figure {
	return Figure{Name: name, Value: value, Unit: unit, Basis: BasisEstimate, Method: method,
		Text: fmt.Sprintf("%s: about %s", strings.ReplaceAll(name, "_", " "), formatValue(value, unit, a.currency))}
}

func (a *analysis) add(c *candidate) {
	c.order = len(a.cands)
	a.cands = append(a.cands, c)
}

// ---- merge, rank, result ----

func (a *analysis) result(maxRecs int) *Result {
	merged := a.merge()
	conf := map[ConfidenceLevel]int{ConfidenceHigh: 0, ConfidenceMedium: 1, ConfidenceLow: 2}
	slices.SortStableFunc(merged, func(x, y *candidate) int {
		return cmp.Or(x.Priority.Rank()-y.Priority.Rank(), cmp.Compare(y.stake, x.stake),
			conf[x.Confidence.Level]-conf[y.Confidence.Level], x.order-y.order)
	})
	res := &Result{Analyzer: "heuristic", Currency: a.currency, Recommendations: []Recommendation{}, Notes: a.notes}
	for i, c := range merged {
		if i == maxRecs {
			res.Notes = append(res.Notes, fmt.Sprintf("%d lower-ranked recommendations left out (Heuristic.MaxRecommendations is %d).", len(merged)-maxRecs, maxRecs))
			break
		}
		r := c.Recommendation
		r.Rank = i + 1
		res.Recommendations = append(res.Recommendations, r)
	}
	res.Summary = a.summary(res)
	return res
}

// merge joins candidates about the same entity and kind of action,
// keeping the strongest action and priority and every source.
func (a *analysis) merge() []*candidate {
	var out []*candidate
	index := map[string]*candidate{}
	for _, c := range a.cands {
		key := c.Entity.ID + "|" + c.family
		if c.family == "" {
			key += fmt.Sprint("|", c.order)
		}
		prev, ok := index[key]
		if !ok {
			index[key] = c
			out = append(out, c)
			continue
		}
		if c.Priority.Rank() < prev.Priority.Rank() {
			prev.Priority = c.Priority
		}
		if c.Action.Type == ActionPause && prev.Action.Type != ActionPause {
			prev.Action, prev.Title = c.Action, c.Title
		}
		prev.stake = math.Max(prev.stake, c.stake)
		for _, f := range c.Evidence {
			if !slices.ContainsFunc(prev.Evidence, func(g Figure) bool { return g.Name == f.Name && samePeriod(g.Period, f.Period) }) {
				prev.Evidence = append(prev.Evidence, f)
			}
		}
		prev.Sources = append(prev.Sources, c.Sources...)
		if c.Rationale != "" && !strings.Contains(prev.Rationale, c.Rationale) {
			prev.Rationale += " " + c.Rationale
		}
		if len(prev.Impact.Estimates) == 0 {
			prev.Impact = c.Impact
		}
		if confRank(c.Confidence.Level) < confRank(prev.Confidence.Level) {
			prev.Confidence = c.Confidence
		}
	}
	return out
}

func confRank(l ConfidenceLevel) int {
	switch l {
	case ConfidenceHigh:
		return 0
	case ConfidenceMedium:
		return 1
	}
	return 2
}

func samePeriod(a, b *Period) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func (a *analysis) summary(res *Result) string {
	counts := map[Priority]int{}
	for _, r := range res.Recommendations {
		counts[r.Priority]++
	}
	var spend, value, conv, judgedSpend int64
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if e.Level != metrics.LevelCampaign {
			continue
		}
		if c, ok := windowOf(e, rules.WindowLast7D); ok {
			spend += c.Spend
			if a.judged(e) {
				value += c.ConversionValue
				conv += c.Conversions
				judgedSpend += c.Spend
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Over the last 7 complete days the account spent %s", formatValue(float64(spend), metrics.UnitMoney, a.currency))
	switch {
	case value > 0 && judgedSpend > 0:
		fmt.Fprintf(&b, " for %s of %s value (ROAS %.2f)", formatValue(float64(value), metrics.UnitMoney, a.currency), a.event, float64(value)/float64(judgedSpend))
	case conv > 0:
		fmt.Fprintf(&b, " for %d %s conversions (%s each)", conv, a.event, formatValue(float64(judgedSpend)/float64(conv), metrics.UnitMoney, a.currency))
	}
	b.WriteString(". ")
	if len(res.Recommendations) == 0 {
		b.WriteString("Nothing needs doing: no rule fired and no metric is off.")
		return b.String()
	}
	fmt.Fprintf(&b, "%d recommendations (%d urgent, %d high, %d medium, %d low). First: %s.", len(res.Recommendations),
		counts[PriorityUrgent], counts[PriorityHigh], counts[PriorityMedium], counts[PriorityLow], res.Recommendations[0].Title)
	return b.String()
}
