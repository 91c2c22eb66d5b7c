package analysis

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

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
func (a *analysis) measured(e *rules.Entity, name string, w rules.Window, value float64, unit Unit) Figure {
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
	return Figure{Name: name, Value: float64(value), Unit: UnitMoney, Basis: BasisSetting,
		Text: fmt.Sprintf("%s: %s", strings.ReplaceAll(name, "_", " "), formatValue(float64(value), UnitMoney, a.currency))}
}

func (a *analysis) goal(name string, value float64, unit Unit) Figure {
	return Figure{Name: name, Value: value, Unit: unit, Basis: BasisGoal,
		Text: fmt.Sprintf("%s: %s", strings.ReplaceAll(name, "_", " "), formatValue(value, unit, a.currency))}
}

func (a *analysis) estimate(name string, value float64, unit Unit, method string) Figure {
	return Figure{Name: name, Value: value, Unit: unit, Basis: BasisEstimate, Method: method,
		Text: fmt.Sprintf("%s: about %s", strings.ReplaceAll(name, "_", " "), formatValue(value, unit, a.currency))}
}

func (a *analysis) add(c *candidate) {
	c.order = len(a.cands)
	a.cands = append(a.cands, c)
}

// ---- rule decisions ----

// ruleAdvice maps a notify rule of the default library to its advice.
var ruleAdvice = map[string]struct {
	action   ActionKind
	family   string
	priority Priority
	title    string
}{
	"creative-fatigue":         {ActionRefresh, "creative", PriorityHigh, "Replace a fatigued creative"},
	"ctr-decay":                {ActionRefresh, "creative", PriorityHigh, "Refresh a creative whose link CTR decayed"},
	"frequency-saturation":     {ActionAudience, "audience", PriorityMedium, "Broaden a saturated audience"},
	"cpm-surge":                {ActionInvestigate, "cpm", PriorityMedium, "Look into a CPM surge"},
	"daily-overspend":          {ActionReviewBudget, "pacing", PriorityHigh, "Check an ad set overspending its daily budget"},
	"daily-overspend-campaign": {ActionReviewBudget, "pacing", PriorityHigh, "Check a campaign overspending its daily budget"},
	"lifetime-pacing-campaign": {ActionReviewBudget, "pacing", PriorityMedium, "Bring a campaign back on its lifetime pace"},
	"lifetime-pacing-adset":    {ActionReviewBudget, "pacing", PriorityMedium, "Bring an ad set back on its lifetime pace"},
	"under-delivery":           {ActionReviewBudget, "delivery", PriorityMedium, "Fix an under-delivering ad set"},
	"learning-limited":         {ActionConsolidate, "learning", PriorityMedium, "Get a learning-limited ad set out of learning"},
}

func (a *analysis) fromRules() {
	ev := a.in.Evaluation
	if ev == nil {
		a.notes = append(a.notes, "No rule evaluation in the input: rule decisions are not part of this analysis.")
		return
	}
	for i := range ev.Decisions {
		d := &ev.Decisions[i]
		if d.Action == rules.ActionFreeze || !d.Allowed {
			continue // a freeze only holds other rules; blocked decisions need nothing now
		}
		e := a.byID[d.EntityID]
		c := &candidate{}
		c.Entity = EntityRef{Level: d.Level, ID: d.EntityID, Name: d.EntityName}
		c.Sources = []Source{{Kind: "rule", ID: d.RuleID, Detail: d.Summary()}}
		c.Evidence = a.ruleEvidence(d, e)
		c.Confidence = ruleConfidence(d)
		switch d.Class {
		case rules.ClassSafety:
			c.Priority, c.Kind, c.family = PriorityUrgent, KindProblem, "cut"
		case rules.ClassProtect:
			c.Priority, c.Kind, c.family = PriorityHigh, KindProblem, "cut"
		case rules.ClassScale:
			c.Priority, c.Kind, c.family = PriorityMedium, KindOpportunity, "grow"
		default:
			c.Priority, c.Kind = PriorityMedium, KindProblem
		}
		c.Action = Action{Type: ActionKindOf(d.Action), From: d.From, To: d.To}
		if d.From > 0 && d.To > 0 {
			c.Action.Percent = math.Round((float64(d.To)/float64(d.From)-1)*1000) / 10
		}
		c.Title = fmt.Sprintf("%s: %s %q", d.RuleName, d.Level, d.EntityName)
		if adv, ok := ruleAdvice[d.RuleID]; ok && d.Action == rules.ActionNotify {
			c.Action = Action{Type: adv.action}
			c.family, c.Priority = adv.family, adv.priority
			c.Title = fmt.Sprintf("%s: %s %q", adv.title, d.Level, d.EntityName)
		} else if d.Action == rules.ActionNotify {
			c.family = "notify:" + d.RuleID
		}
		c.Rationale = fmt.Sprintf("Rule %q (%s) fired on %s %q: %s.", d.RuleName, d.Class, d.Level, d.EntityName, metEvidenceWords(d))
		if d.Message != "" && d.Action == rules.ActionNotify {
			c.Rationale = d.Message + "."
		}
		c.Impact = a.ruleImpact(d, e)
		if est := c.Impact.Estimates; len(est) > 0 {
			c.stake = math.Abs(est[0].Value)
		}
		a.add(c)
	}
}

// metEvidenceWords joins the met leaf conditions of a decision.
func metEvidenceWords(d *rules.Decision) string {
	var parts []string
	for _, ev := range d.Evidence {
		if ev.Result == "met" && ev.Metric != "" {
			parts = append(parts, ev.Text)
		}
	}
	if len(parts) == 0 {
		return "its conditions were met"
	}
	return strings.Join(parts, "; ")
}

func unitOfEvidence(u string) Unit {
	switch u {
	case "count":
		return UnitCount
	case "money":
		return UnitMoney
	case "fraction":
		return UnitFraction
	case "duration":
		return UnitMillis
	case "hours":
		return UnitHours
	}
	return UnitRatio
}

// settingFields are rules fields that are configuration, not measurement.
var settingFields = []string{"daily_budget", "lifetime_budget", "budget", "bid_amount"}

func (a *analysis) ruleEvidence(d *rules.Decision, e *rules.Entity) []Figure {
	var out []Figure
	for _, ev := range d.Evidence {
		if ev.Result != "met" || ev.Metric == "" || ev.Value == nil {
			continue
		}
		f := Figure{Name: ev.Metric, Value: *ev.Value, Unit: unitOfEvidence(ev.Unit), Basis: BasisMeasured, Text: ev.Text}
		if ev.Window != 0 {
			f.Period = a.period(ev.Window, e)
		}
		if slices.Contains(settingFields, ev.Metric) {
			f.Basis = BasisSetting
		}
		if ev.Interval != nil {
			iv := *ev.Interval // a copy: the Result shares no pointer with the decision
			f.Interval = &iv
		}
		out = append(out, f)
	}
	return out
}

func ruleConfidence(d *rules.Decision) Confidence {
	for _, ev := range d.Evidence {
		if ev.Result == "met" && ev.Interval != nil {
			return Confidence{Level: ConfidenceHigh, Probability: ev.Interval.Confidence,
				Basis: fmt.Sprintf("a statistical gate of the rule held at %.0f%% confidence", ev.Interval.Confidence*100)}
		}
	}
	for _, ev := range d.Evidence {
		if ev.Result == "met" && strings.Contains(ev.Text, "minimum data") {
			return Confidence{Level: ConfidenceMedium, Basis: "the rule's minimum-data gate held; no statistical gate"}
		}
	}
	return Confidence{Level: ConfidenceMedium, Basis: "the rule's thresholds held on the measured windows"}
}

// ruleImpact estimates what acting on a budget decision changes per day.
func (a *analysis) ruleImpact(d *rules.Decision, e *rules.Entity) Impact {
	if e == nil {
		return Impact{Summary: "See the rule's evidence."}
	}
	c7, ok := windowOf(e, rules.WindowLast7D)
	switch {
	case d.Action == rules.ActionPause && ok:
		daily := float64(c7.Spend) / 7
		return Impact{Summary: fmt.Sprintf("stops about %s of spend a day", formatValue(daily, UnitMoney, a.currency)),
			Estimates: []Figure{a.estimate("daily_spend_stopped", daily, UnitMoney, "spend over the last 7 complete days / 7")}}
	case (d.Action == rules.ActionScaleBudget || d.Action == rules.ActionSetBudget) && d.From > 0 && d.To > 0:
		delta := float64(d.To - d.From)
		verb := "cuts"
		if delta > 0 {
			verb = "adds"
		}
		return Impact{Summary: fmt.Sprintf("%s about %s of daily budget", verb, formatValue(math.Abs(delta), UnitMoney, a.currency)),
			Estimates: []Figure{a.estimate("daily_budget_change", delta, UnitMoney, "new daily budget − current daily budget; spend follows the budget")}}
	}
	return Impact{Summary: "Acting on it restores the metric the rule watches; the rule's evidence says how far it is off."}
}

// ---- metrics ----

func (a *analysis) fromMetrics() {
	if a.goals.TargetCPA == 0 && a.goals.TargetROAS == 0 {
		a.notes = append(a.notes, "No target CPA or ROAS: cost per result is not judged against a target; profit is judged on revenue minus spend.")
	}
	if a.goals.GrossMargin == 0 {
		a.notes = append(a.notes, "No gross margin: profit is revenue minus ad spend (before the cost of goods), so a ROAS just above 1 counts as profitable.")
	}
	if a.event == "" {
		a.notes = append(a.notes, "No campaign counts a conversion event (traffic, awareness, reach or engagement objectives): conversions, cost per result and ROAS are not judged.")
	}
	other := 0
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if e.Level == metrics.LevelCampaign && delivering(e) && e.ConversionEvent != a.event && e.ConversionEvent != "" && a.event != "" {
			other++
		}
	}
	if n := a.withoutStatus(); n > 0 {
		a.notes = append(a.notes, fmt.Sprintf("%d entities with delivery over the last 7 days have no status (made from rows without their objects): they are judged on their delivery, but no rule acts on them; give FromRows the campaigns, ad sets and ads with their status and budgets.", n))
	}
	if other > 0 {
		a.notes = append(a.notes, fmt.Sprintf("%d active campaign(s) count another conversion event than %q (the goals'); their conversions are not compared with the targets.", other, a.event))
	}
	adCTRs, hooks, holds := a.adBaselines()
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if !delivering(e) {
			continue
		}
		c7, ok := windowOf(e, rules.WindowLast7D)
		if !ok || c7.Spend == 0 || (a.spend7 > 0 && float64(c7.Spend) < minSpendShare*float64(a.spend7)) {
			continue
		}
		switch e.Level {
		case metrics.LevelAdSet:
			a.profit(e, c7)
			a.winner(e, c7)
			a.pacing(e, c7)
		case metrics.LevelCampaign:
			if e.DailyBudget > 0 { // campaign budget: the campaign paces and is judged
				a.profit(e, c7)
				a.pacing(e, c7)
			}
		case metrics.LevelAd:
			a.adQuality(e, c7, adCTRs, hooks, holds)
		}
	}
}

// delivering reports whether the heuristic judges the entity: Meta delivers
// it (ACTIVE), or its status is unknown (an entity made from rows without
// its object), in which case its rows say whether it delivered. Paused
// entities and those held back by a paused parent are not judged.
func delivering(e *rules.Entity) bool { return e.Status == "ACTIVE" || e.Status == "" }

// withoutStatus counts the entities of unknown status with delivery over
// the last 7 days.
func (a *analysis) withoutStatus() int {
	n := 0
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if c, ok := windowOf(e, rules.WindowLast7D); ok && e.Status == "" && c.Spend > 0 {
			n++
		}
	}
	return n
}

// judged reports whether the entity's conversions are the goals' event.
func (a *analysis) judged(e *rules.Entity) bool {
	return e.ConversionEvent != "" && (a.event == "" || e.ConversionEvent == a.event)
}

// profit flags an entity that loses money over the last 7 days, or whose
// cost per result is well above the target.
func (a *analysis) profit(e *rules.Entity, c7 metrics.Counts) {
	if !a.judged(e) {
		return
	}
	margin := a.goals.GrossMargin
	m := cmp.Or(margin, 1.0)
	budget := e.DailyBudget
	if c7.ConversionValue > 0 || (c7.Conversions == 0 && a.goals.TargetROAS > 0) {
		profit := float64(c7.ConversionValue)*m - float64(c7.Spend)
		if profit >= 0 || (c7.Conversions < minProfitConversions && c7.Spend < 3*max(budget, 1)) {
			return
		}
		roas := float64(c7.ConversionValue) / float64(c7.Spend)
		be := 1 / m
		lossShare := -profit / float64(c7.Spend)
		c := &candidate{family: "cut"}
		c.Entity, c.Kind = ref(e), KindProblem
		c.Priority = PriorityHigh
		if lossShare >= urgentLossShare {
			c.Priority = PriorityUrgent
		}
		c.Title = fmt.Sprintf("Cut the budget of %s %q: it loses money", ref(e).Level, e.Name)
		c.Action = Action{Type: ActionScaleBudget, Percent: -20}
		if budget > 0 {
			c.Action.From, c.Action.To = budget, budget*4/5
		}
		if c7.Conversions >= winnerConversions && roas < be/2 {
			c.Action = Action{Type: ActionPause}
			c.Title = fmt.Sprintf("Pause %s %q: it returns less than half of break-even", ref(e).Level, e.Name)
		}
		profitWords := "revenue minus spend"
		if margin > 0 {
			profitWords = fmt.Sprintf("revenue x gross margin %.0f%% minus spend", margin*100)
		}
		c.Evidence = []Figure{
			a.measured(e, "spend", rules.WindowLast7D, float64(c7.Spend), UnitMoney),
			a.measured(e, "conversion_value", rules.WindowLast7D, float64(c7.ConversionValue), UnitMoney),
			a.measured(e, "roas", rules.WindowLast7D, roas, UnitRatio),
			a.measured(e, "profit", rules.WindowLast7D, profit, UnitMoney),
			a.measured(e, "conversions", rules.WindowLast7D, float64(c7.Conversions), UnitCount),
		}
		c.Evidence[3].Method = profitWords
		if margin > 0 {
			c.Evidence = append(c.Evidence, a.goal("break_even_roas", be, UnitRatio))
		}
		if budget > 0 {
			c.Evidence = append(c.Evidence, a.setting("daily_budget", budget))
		}
		c.Rationale = fmt.Sprintf("Over the last 7 complete days it spent %s and brought %s of %s conversions (ROAS %.2f against a break-even of %.2f): a loss of %s (%.0f%% of spend, profit = %s).",
			formatValue(float64(c7.Spend), UnitMoney, a.currency), formatValue(float64(c7.ConversionValue), UnitMoney, a.currency), e.ConversionEvent,
			roas, be, formatValue(-profit, UnitMoney, a.currency), lossShare*100, profitWords)
		loss := -profit / 7
		saved := loss * 0.2
		method := "loss per day over the last 7 days x 20% (the budget cut), assuming the same ROAS"
		if c.Action.Type == ActionPause {
			saved, method = loss, "loss per day over the last 7 days"
		}
		c.Impact = Impact{Summary: fmt.Sprintf("stops about %s of loss a day", formatValue(saved, UnitMoney, a.currency)),
			Estimates: []Figure{a.estimate("daily_loss_avoided", saved, UnitMoney, method)}}
		c.stake = loss
		c.Confidence = a.valueConfidence(c7, be)
		if c7.Conversions > 0 && c.Confidence.Level != ConfidenceHigh {
			// The purchases do not prove the loss: a profitable ad set has
			// weeks like this. Watch it; cutting would be a wrong decision.
			c.Priority, c.family = PriorityLow, "watch"
			c.Action = Action{Type: ActionMonitor, Detail: "judge it again when more purchases have come in; the week's ROAS is within noise of break-even"}
			c.Title = fmt.Sprintf("Watch %s %q: its ROAS dipped below break-even, within noise", ref(e).Level, e.Name)
			c.Impact = Impact{Summary: "none yet: the credible interval of its cost per conversion still allows a profitable ROAS"}
		}
		a.add(c)
		return
	}
	// No conversion value (leads): cost per result against the target.
	if a.goals.TargetCPA <= 0 || c7.Conversions < minProfitConversions {
		return
	}
	cpa := float64(c7.Spend) / float64(c7.Conversions)
	target := float64(a.goals.TargetCPA)
	if cpa < 1.3*target {
		return
	}
	lo, hi, ok := metrics.CostPerResultInterval(c7.Spend, c7.Conversions, heuristicCPAConf)
	c := &candidate{family: "cut"}
	c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityHigh
	c.Title = fmt.Sprintf("Cut the budget of %s %q: cost per %s is %.0f%% over target", ref(e).Level, e.Name, e.ConversionEvent, (cpa/target-1)*100)
	c.Action = Action{Type: ActionScaleBudget, Percent: -20}
	if budget > 0 {
		c.Action.From, c.Action.To = budget, budget*4/5
	}
	f := a.measured(e, "cpa", rules.WindowLast7D, cpa, UnitMoney)
	if ok {
		f.Interval = &metrics.Interval{Lo: lo, Hi: hi, Confidence: heuristicCPAConf}
	}
	c.Evidence = []Figure{f, a.measured(e, "conversions", rules.WindowLast7D, float64(c7.Conversions), UnitCount),
		a.measured(e, "spend", rules.WindowLast7D, float64(c7.Spend), UnitMoney), a.goal("target_cpa", target, UnitMoney)}
	c.Rationale = fmt.Sprintf("Its cost per %s over the last 7 complete days is %s against a target of %s.", e.ConversionEvent,
		formatValue(cpa, UnitMoney, a.currency), formatValue(target, UnitMoney, a.currency))
	over := (cpa - target) * float64(c7.Conversions) / 7
	c.Impact = Impact{Summary: fmt.Sprintf("about %s a day is spent above the target cost", formatValue(over, UnitMoney, a.currency)),
		Estimates: []Figure{a.estimate("daily_excess_cost", over, UnitMoney, "(CPA − target) x conversions over the last 7 days / 7")}}
	c.stake = over
	c.Confidence = Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d conversions over 7 days; the credible interval of the CPA reaches the target", c7.Conversions)}
	if ok && lo > target {
		c.Confidence = Confidence{Level: ConfidenceHigh, Probability: heuristicCPAConf,
			Basis: fmt.Sprintf("the %.0f%% credible interval of the CPA (%s to %s) is above the target", heuristicCPAConf*100,
				formatValue(lo, UnitMoney, a.currency), formatValue(hi, UnitMoney, a.currency))}
	} else {
		// Within noise of the target: watch, do not cut.
		c.Priority, c.family = PriorityLow, "watch"
		c.Action = Action{Type: ActionMonitor, Detail: "judge it again when more conversions have come in; the week's CPA is within noise of the target"}
		c.Title = fmt.Sprintf("Watch %s %q: cost per %s is %.0f%% over target, within noise", ref(e).Level, e.Name, e.ConversionEvent, (cpa/target-1)*100)
		c.Impact = Impact{Summary: "none yet: the credible interval of its cost per conversion still reaches the target"}
	}
	a.add(c)
}

// valueConfidence says how sure a loss is: the best ROAS the cost-per-result
// interval allows against break-even.
func (a *analysis) valueConfidence(c metrics.Counts, be float64) Confidence {
	if c.Conversions == 0 {
		return Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("no conversions on %s of spend", formatValue(float64(c.Spend), UnitMoney, a.currency))}
	}
	lo, _, ok := metrics.CostPerResultInterval(c.Spend, c.Conversions, heuristicCPAConf)
	aov := float64(c.ConversionValue) / float64(c.Conversions)
	if ok && lo > 0 && aov/lo < be {
		return Confidence{Level: ConfidenceHigh, Probability: heuristicCPAConf, Basis: fmt.Sprintf(
			"even at the low end of the %.0f%% credible interval of its cost per conversion (%s), the ROAS would be %.2f, under break-even %.2f",
			heuristicCPAConf*100, formatValue(lo, UnitMoney, a.currency), aov/lo, be)}
	}
	if c.Conversions >= winnerConversions {
		return Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d conversions over 7 days; the interval of the cost per conversion reaches break-even", c.Conversions)}
	}
	return Confidence{Level: ConfidenceLow, Basis: fmt.Sprintf("only %d conversions over 7 days", c.Conversions)}
}

// winner flags an ad set that beats the target with room to grow.
func (a *analysis) winner(e *rules.Entity, c7 metrics.Counts) {
	if !a.judged(e) || e.DailyBudget <= 0 || c7.Conversions < winnerConversions || e.LearningStage == rules.LearningStageLearning {
		return
	}
	y, ok := windowOf(e, rules.WindowYesterday)
	if !ok || float64(y.Spend) < 0.8*float64(e.DailyBudget) {
		return
	}
	if week, _ := a.weekBudget(e); float64(c7.Spend) >= overpaceRatio*float64(week) {
		return // over-pacing: the budget does not hold it back, a raise would not be spent as planned
	}
	if f, ok := metrics.LookupMetric("frequency"); ok {
		if v, ok := f.Value(c7); ok && v >= 2.5 {
			return
		}
	}
	cpa := float64(c7.Spend) / float64(c7.Conversions)
	roas := float64(c7.ConversionValue) / float64(c7.Spend)
	var why string
	var ev []Figure
	switch {
	case a.goals.TargetCPA > 0 && cpa <= 0.8*float64(a.goals.TargetCPA):
		why = fmt.Sprintf("cost per %s %s, at most 0.8 x the %s target", e.ConversionEvent, formatValue(cpa, UnitMoney, a.currency), formatValue(float64(a.goals.TargetCPA), UnitMoney, a.currency))
		ev = []Figure{a.measured(e, "cpa", rules.WindowLast7D, cpa, UnitMoney), a.goal("target_cpa", float64(a.goals.TargetCPA), UnitMoney)}
	case a.goals.TargetROAS > 0 && roas >= 1.25*a.goals.TargetROAS:
		why = fmt.Sprintf("ROAS %.2f, at least 1.25 x the %.2f target", roas, a.goals.TargetROAS)
		ev = []Figure{a.measured(e, "roas", rules.WindowLast7D, roas, UnitRatio), a.goal("target_roas", a.goals.TargetROAS, UnitRatio)}
	default:
		return
	}
	c := &candidate{family: "grow"}
	c.Entity, c.Kind, c.Priority = ref(e), KindOpportunity, PriorityMedium
	to := e.DailyBudget * 115 / 100
	c.Action = Action{Type: ActionScaleBudget, Percent: 15, From: e.DailyBudget, To: to}
	c.Title = fmt.Sprintf("Scale %s %q: it beats the target and spends its budget", ref(e).Level, e.Name)
	c.Evidence = append(ev, a.measured(e, "conversions", rules.WindowLast7D, float64(c7.Conversions), UnitCount),
		a.measured(e, "spend", rules.WindowYesterday, float64(y.Spend), UnitMoney), a.setting("daily_budget", e.DailyBudget))
	c.Rationale = fmt.Sprintf("Over the last 7 complete days: %s, on %d conversions; yesterday it spent %s of its %s budget, so the budget limits it.",
		why, c7.Conversions, formatValue(float64(y.Spend), UnitMoney, a.currency), formatValue(float64(e.DailyBudget), UnitMoney, a.currency))
	more := float64(c7.Conversions) / 7 * 0.15
	c.Impact = Impact{Summary: fmt.Sprintf("about %.1f more conversions a day if the cost per conversion holds", more),
		Estimates: []Figure{a.estimate("daily_conversions_added", more, UnitCount, "conversions per day over the last 7 days x 15%, at the same cost per conversion (an upper bound: marginal cost usually rises)")}}
	c.Confidence = Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d conversions over 7 days; scaling by 15%% keeps the learning phase", c7.Conversions)}
	c.stake = float64(c7.ConversionValue)*cmp.Or(a.goals.GrossMargin, 1)/7*0.15 - float64(to-e.DailyBudget)
	a.add(c)
}

// weekBudget returns the sum of the daily budgets in force on the days of
// the last 7 complete days (budgetOn); changed reports whether the ledger
// changed the budget during the week. Changes made outside the ledger are
// unknown.
func (a *analysis) weekBudget(e *rules.Entity) (sum int64, changed bool) {
	r, _ := windowRange(rules.WindowLast7D, a.today)
	for d := r.Since; !r.Until.Before(d); d = d.AddDays(1) {
		b := a.budgetOn(e, d)
		sum += b
		changed = changed || b != e.DailyBudget
	}
	return sum, changed
}

// budgetOn returns the daily budget in force on day d: today's, except
// before a budget change of the ledger (Snapshot.History, applied
// changes); on the day of a change, the larger of its budgets.
func (a *analysis) budgetOn(e *rules.Entity, d metaads.Date) int64 {
	var hist []rules.Entry
	for _, h := range a.snap.History {
		if h.EntityID == e.ID && h.Outcome == rules.OutcomeApplied && h.Budget == rules.BudgetDaily && h.From > 0 &&
			(h.Action == rules.ActionScaleBudget || h.Action == rules.ActionSetBudget) {
			hist = append(hist, h)
		}
	}
	slices.SortStableFunc(hist, func(x, y rules.Entry) int { return x.At.Compare(y.At) })
	at := func(t time.Time) int64 { // the budget in force at t
		for _, h := range hist {
			if h.At.After(t) {
				return h.From
			}
		}
		return e.DailyBudget
	}
	if len(hist) == 0 {
		return e.DailyBudget
	}
	start, end := metrics.DayBounds(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, a.snap.Now.Location()))
	return max(at(start), at(end.Add(-time.Nanosecond)))
}

// pacing flags a daily budget spent faster than Meta's weekly ceiling
// (the 7 daily budgets of the week) allows.
func (a *analysis) pacing(e *rules.Entity, c7 metrics.Counts) {
	if e.DailyBudget <= 0 {
		return
	}
	week, changed := a.weekBudget(e)
	ratio := float64(c7.Spend) / float64(week)
	if ratio < overpaceRatio {
		return
	}
	days := 0
	for n := 1; n <= 3; n++ {
		w, _ := rules.DayWindow(n)
		if d, ok := windowOf(e, w); ok && float64(d.Spend) > float64(a.budgetOn(e, a.today.AddDays(-n)))*1.1 {
			days++
		}
	}
	c := &candidate{family: "pacing"}
	c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityHigh
	c.Action = Action{Type: ActionReviewBudget, Detail: "spend runs over the daily budget; check a budget schedule, a spend cap or a lower daily budget"}
	c.Title = fmt.Sprintf("%s %q spends %.0f%% of its daily budget", cases(ref(e).Level), e.Name, ratio*100)
	over := float64(c7.Spend)/7 - float64(week)/7
	of, overMethod := "7 daily budgets", "spend per day over the last 7 days − daily budget"
	method, budgets := "spend over the last 7 complete days / (7 x daily budget)", fmt.Sprintf("7 x %s = %s",
		formatValue(float64(e.DailyBudget), UnitMoney, a.currency), formatValue(float64(week), UnitMoney, a.currency))
	if changed {
		of, overMethod = "the daily budgets in force those days", "(spend over the last 7 days − the daily budgets in force those days) / 7"
		method = "spend over the last 7 complete days / the sum of the daily budgets in force on those days (budget changes from the ledger)"
		budgets = fmt.Sprintf("the %s of daily budgets in force those days (the budget changed during the week; today's is %s)",
			formatValue(float64(week), UnitMoney, a.currency), formatValue(float64(e.DailyBudget), UnitMoney, a.currency))
	}
	c.Evidence = []Figure{a.measured(e, "spend", rules.WindowLast7D, float64(c7.Spend), UnitMoney), a.setting("daily_budget", e.DailyBudget),
		{Name: "spend_to_budget", Value: ratio, Unit: UnitRatio, Basis: BasisMeasured, Period: a.period(rules.WindowLast7D, e),
			Method: method, Text: fmt.Sprintf("spend over the last 7 complete days is %.2f x %s", ratio, of)}}
	c.Rationale = fmt.Sprintf("Over the last 7 complete days it spent %s against %s: Meta lets a day run over the daily budget but keeps a week within 7 daily budgets, so this is over-pacing (%d of the last 3 days over 110%% of the budget).",
		formatValue(float64(c7.Spend), UnitMoney, a.currency), budgets, days)
	c.Impact = Impact{Summary: fmt.Sprintf("about %s a day above the budget", formatValue(over, UnitMoney, a.currency)),
		Estimates: []Figure{a.estimate("daily_overspend", over, UnitMoney, overMethod)}}
	c.stake = over
	c.Confidence = Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d of the last 3 days were over 110%% of the budget", days)}
	if days == 3 {
		c.Confidence = Confidence{Level: ConfidenceHigh, Basis: "each of the last 3 days spent over 110% of the daily budget, and the week over 7 budgets"}
	}
	a.add(c)
}

func cases(l metrics.Level) string {
	switch l {
	case metrics.LevelAdSet:
		return "Ad set"
	case metrics.LevelAd:
		return "Ad"
	case metrics.LevelCampaign:
		return "Campaign"
	}
	return "Account"
}

// adBaselines returns the account's median link CTR, hook rate and hold
// rate across ads with enough impressions over the last 7 days.
func (a *analysis) adBaselines() (ctr, hook, hold float64) {
	var ctrs, hooks, holds []float64
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if e.Level != metrics.LevelAd || !delivering(e) {
			continue
		}
		c, ok := windowOf(e, rules.WindowLast7D)
		if !ok || c.Impressions < minCompareImpr {
			continue
		}
		ctrs = append(ctrs, float64(c.LinkClicks)/float64(c.Impressions))
		if c.VideoViews3s > 0 {
			hooks = append(hooks, float64(c.VideoViews3s)/float64(c.Impressions))
			holds = append(holds, float64(c.ThruPlays)/float64(c.VideoViews3s))
		}
	}
	return median(ctrs), median(hooks), median(holds)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// adQuality flags ads by frequency, link CTR against the account, video
// hook and hold, and Meta's rankings.
func (a *analysis) adQuality(e *rules.Entity, c7 metrics.Counts, medCTR, medHook, medHold float64) {
	focus := a.goals.Priority
	if f, ok := metrics.LookupMetric("frequency"); ok {
		if v, ok := f.Value(c7); ok && v >= frequencyAdAlert {
			c := &candidate{family: "creative"}
			c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityMedium
			if focus == PriorityReachEfficiency {
				c.Priority = PriorityHigh
			}
			c.Action = Action{Type: ActionRefresh, Detail: "rotate in a new creative or widen the audience; the same people see this ad many times"}
			c.Title = fmt.Sprintf("Ad %q reaches the same people %.1f times a week", e.Name, v)
			reachEff := float64(c7.Reach) / float64(c7.Impressions)
			c.Evidence = []Figure{a.measured(e, "frequency", rules.WindowLast7D, v, UnitRatio),
				a.measured(e, "reach", rules.WindowLast7D, float64(c7.Reach), UnitCount),
				a.measured(e, "reach_efficiency", rules.WindowLast7D, reachEff, UnitFraction)}
			c.Rationale = fmt.Sprintf("Its frequency over the last 7 complete days is %.2f (de-duplicated reach %d): beyond about 3 a week for prospecting, click-through falls and cost rises.", v, c7.Reach)
			c.Impact = Impact{Summary: "new reach instead of repeats; fatigue usually shows in CTR and then in cost per result"}
			c.Confidence = Confidence{Level: ConfidenceMedium, Basis: "frequency from Meta's de-duplicated 7-day reach"}
			a.add(c)
		}
	}
	if medCTR > 0 && c7.Impressions >= minCompareImpr {
		ctr := float64(c7.LinkClicks) / float64(c7.Impressions)
		if ctr < lowCTRShare*medCTR {
			lo, hi, ok := metrics.WilsonInterval(c7.LinkClicks, c7.Impressions, 0.95)
			c := &candidate{family: "creative"}
			c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityLow
			if focus == PriorityEngagement {
				c.Priority = PriorityMedium
			}
			c.Action = Action{Type: ActionRefresh, Detail: "test a new hook, image or headline"}
			c.Title = fmt.Sprintf("Ad %q gets under half the link CTR of the account's ads", e.Name)
			f := a.measured(e, "link_ctr", rules.WindowLast7D, ctr, UnitFraction)
			if ok {
				f.Interval = &metrics.Interval{Lo: lo, Hi: hi, Confidence: 0.95}
			}
			c.Evidence = []Figure{f, {Name: "median_link_ctr", Value: medCTR, Unit: UnitFraction, Basis: BasisMeasured, Period: a.period(rules.WindowLast7D, nil),
				Scope: "median of the account's active ads with 5,000 impressions or more", Text: fmt.Sprintf("median link CTR of the account's ads over the last 7 complete days: %.2f%%", medCTR*100)}}
			c.Rationale = fmt.Sprintf("Its link CTR over the last 7 complete days is %.2f%%, against a median of %.2f%% across the account's ads.", ctr*100, medCTR*100)
			c.Impact = Impact{Summary: "a creative at the account's median CTR would buy about twice the clicks for the same spend"}
			c.Confidence = Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d impressions; the 95%% Wilson interval of its link CTR", c7.Impressions)}
			if ok && hi < lowCTRShare*medCTR {
				c.Confidence = Confidence{Level: ConfidenceHigh, Probability: 0.95, Basis: fmt.Sprintf("the 95%% Wilson interval of its link CTR (%.2f%% to %.2f%%) is under half the median", lo*100, hi*100)}
			}
			a.add(c)
		}
	}
	if c7.VideoViews3s > 0 && c7.Impressions >= minCompareImpr {
		hook := float64(c7.VideoViews3s) / float64(c7.Impressions)
		hold := float64(c7.ThruPlays) / float64(c7.VideoViews3s)
		var weak []string
		var ev []Figure
		if hook < weakHookRate && medHook > 0 && hook < 0.8*medHook {
			weak = append(weak, fmt.Sprintf("hook rate %.1f%% (account median %.1f%%)", hook*100, medHook*100))
			ev = append(ev, a.measured(e, "hook_rate", rules.WindowLast7D, hook, UnitFraction))
		}
		if hold < weakHoldRate && medHold > 0 && hold < 0.8*medHold {
			weak = append(weak, fmt.Sprintf("hold rate %.1f%% (account median %.1f%%)", hold*100, medHold*100))
			ev = append(ev, a.measured(e, "hold_rate", rules.WindowLast7D, hold, UnitFraction))
		}
		if len(weak) > 0 {
			c := &candidate{family: "video"}
			c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityLow
			if focus == PriorityEngagement {
				c.Priority = PriorityMedium
			}
			c.Action = Action{Type: ActionRefresh, Detail: "recut the first 3 seconds (hook) or tighten the middle (hold)"}
			c.Title = fmt.Sprintf("Video ad %q loses viewers early", e.Name)
			c.Evidence = ev
			c.Rationale = "Over the last 7 complete days: " + strings.Join(weak, "; ") + "; a hook under about 18% is weak on cold feed, and holds of 12-25% are usual (reference figures; the account's own median is the baseline)."
			c.Impact = Impact{Summary: "more 3-second views and ThruPlays for the same impressions"}
			c.Confidence = Confidence{Level: ConfidenceLow, Basis: "practitioner thresholds and the account's own median; no statistical test"}
			a.add(c)
		}
	}
	if a.b != nil && c7.Impressions >= rankingImpressions {
		r, ok := windowRange(rules.WindowLast7D, a.today)
		if wr := a.b.windows[windowKey{entityKey{metrics.LevelAd, e.ID}, r.Since, r.Until}]; ok && wr != nil {
			rk := wr.Rankings
			var low []string
			for _, x := range []struct {
				name string
				r    metrics.Ranking
			}{{"quality", rk.Quality}, {"engagement rate", rk.EngagementRate}, {"conversion rate", rk.ConversionRate}} {
				if x.r == metrics.RankingBelowAverage10 || x.r == metrics.RankingBelowAverage20 {
					low = append(low, fmt.Sprintf("%s ranking %s", x.name, x.r))
				}
			}
			if len(low) > 0 {
				c := &candidate{family: "creative"}
				c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityMedium
				fix := map[string]string{"creative": "improve the creative or its targeting (quality)", "engagement": "make the ad more relevant and engaging",
					"post-click": "fix the post-click path: call to action, landing page, higher-intent audience"}[rk.Diagnosis()]
				c.Action = Action{Type: ActionRefresh, Detail: cmp.Or(fix, "review the creative")}
				c.Title = fmt.Sprintf("Ad %q ranks in the bottom 20%% of competing ads", e.Name)
				c.Evidence = []Figure{{Name: "rankings", Value: float64(len(low)), Unit: UnitCount, Basis: BasisMeasured, Period: a.period(rules.WindowLast7D, e),
					Text: "Meta's rankings over the last 7 complete days: " + strings.Join(low, ", ")}}
				c.Rationale = "Meta ranks it against ads competing for the same audience: " + strings.Join(low, ", ") + "; Meta's guidance is to use the rankings to diagnose: " + cmp.Or(fix, "review the ad") + "."
				c.Impact = Impact{Summary: "better-ranked ads win auctions at lower cost"}
				c.Confidence = Confidence{Level: ConfidenceMedium, Basis: "Meta's own rankings over the last 7 days"}
				a.add(c)
			}
		}
	}
}

// ---- signals ----

func (a *analysis) fromSignals() {
	if len(a.in.Signals) == 0 {
		a.notes = append(a.notes, "No signals in the input (time patterns, creative fatigue trends, pacing curves, audience overlap, benchmarks): those findings are not part of this analysis.")
		return
	}
	for i := range a.in.Signals {
		s := &a.in.Signals[i]
		c := &candidate{family: "signal:" + string(s.Kind)}
		c.Kind = cmp.Or(s.Polarity, KindProblem)
		switch s.Severity {
		case SeverityCritical:
			c.Priority = PriorityUrgent
		case SeverityWarning:
			c.Priority = PriorityHigh
		default:
			c.Priority = PriorityMedium
			if c.Kind == KindProblem {
				c.Priority = PriorityLow
			}
		}
		if s.Confidence.Level == ConfidenceLow && c.Priority.Rank() < PriorityMedium.Rank() {
			c.Priority = PriorityMedium // an unsure finding is never urgent
		}
		if len(s.Entities) > 0 {
			c.Entity, c.Related = s.Entities[0], slices.Clone(s.Entities[1:])
		} else {
			c.Entity = EntityRef{Level: metrics.LevelAccount, ID: a.snap.Account, Name: a.accountName()}
		}
		c.Action = s.Suggestion
		if c.Action.Type == "" {
			c.Action = Action{Type: signalAction(s.Kind)}
		}
		// A signal about the same entity as a metric or rule finding of
		// the same kind is merged into it: fatigue with the creative
		// findings, pacing with the pacing ones, whatever action it proposes.
		switch {
		case s.Kind == SignalFatigue || c.Action.Type == ActionRefresh:
			c.family = "creative"
		case s.Kind == SignalPacing || c.Action.Type == ActionReviewBudget:
			c.family = "pacing"
		}
		c.Title = s.Finding
		c.Rationale = cmp.Or(s.Explanation, s.Finding)
		c.Evidence = slices.Clone(s.Evidence)
		c.Confidence = s.Confidence
		c.Sources = []Source{{Kind: "signal", ID: string(s.Kind), Detail: s.Finding}}
		c.Impact = Impact{Summary: "see the signal's evidence"}
		for _, f := range s.Evidence {
			if f.Basis == BasisEstimate {
				if f.Name == FigureMoneyAtStake {
					c.Impact.Estimates = append([]Figure{f}, c.Impact.Estimates...)
					c.stake = math.Abs(f.Value)
					continue
				}
				c.Impact.Estimates = append(c.Impact.Estimates, f)
			}
		}
		if c.stake == 0 {
			for _, f := range c.Impact.Estimates {
				if f.Unit == UnitMoney {
					c.stake = math.Abs(f.Value)
					break
				}
			}
		}
		if n := len(c.Impact.Estimates); n > 0 {
			c.Impact.Summary = c.Impact.Estimates[0].Text
		}
		a.add(c)
	}
}

func signalAction(k SignalKind) ActionKind {
	switch k {
	case SignalHourOfDay, SignalDayOfWeek, SignalSeasonality:
		return ActionSchedule
	case SignalFatigue:
		return ActionRefresh
	case SignalPacing:
		return ActionReviewBudget
	case SignalOverlap:
		return ActionAudience
	case SignalLearning:
		return ActionConsolidate
	case SignalConversionData:
		return ActionFixTracking
	}
	return ActionInvestigate
}

func (a *analysis) accountName() string {
	if a.in.Dataset != nil {
		return a.in.Dataset.Account.Name
	}
	return ""
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
	fmt.Fprintf(&b, "Over the last 7 complete days the account spent %s", formatValue(float64(spend), UnitMoney, a.currency))
	switch {
	case value > 0 && judgedSpend > 0:
		fmt.Fprintf(&b, " for %s of %s value (ROAS %.2f)", formatValue(float64(value), UnitMoney, a.currency), a.event, float64(value)/float64(judgedSpend))
	case conv > 0:
		fmt.Fprintf(&b, " for %d %s conversions (%s each)", conv, a.event, formatValue(float64(judgedSpend)/float64(conv), UnitMoney, a.currency))
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
