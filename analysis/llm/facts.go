package llm

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// facts is everything the prompt may show and the grounding check may
// compare with: the entities with their settings and their metrics per
// window, the goals, the rule decisions and the signals, each number with
// its unit and the text the prompt writes for it.
type facts struct {
	currency metrics.Currency
	code     string // ISO 4217 code; empty when unknown (money in minor units)
	account  analysis.EntityRef
	timeZone string
	now      time.Time
	today    metaads.Date
	goals    analysis.Goals

	entities []*entity // campaigns, ad sets, ads, each level by id
	byID     map[string]*entity
	totals   map[rules.Window]metrics.Counts // the account: sum of its campaigns

	decisions []*decisionFact
	signals   []*signalFact

	values []value // every number: entity metrics, settings, goals, totals
}

// entity is one campaign, ad set or ad.
type entity struct {
	ref       analysis.EntityRef
	parent    string // campaign of an ad set, ad set of an ad
	campaign  string // campaign id (own id for a campaign)
	status    string // configured status
	effective string // delivery status, parents included; empty when unknown
	objective string
	event     string // conversion event
	daily     int64
	lifetime  int64
	bid       int64
	learning  string
	stats     map[rules.Window]metrics.Counts
	values    []int // indexes into facts.values
	decisions []int // indexes into facts.decisions
	signals   []int // indexes into facts.signals
	spend7    int64
	severity  int // 0 critical/urgent, 1 warning, 2 info, 3 none: how much the deterministic layer flags it
}

// value is one number of the facts.
type value struct {
	entity string       // entity id; empty for the account totals and the goals
	metric string       // metric, setting or goal name
	window rules.Window // 0 for settings and goals
	v      float64      // in unit: money in minor units, fractions as fractions
	unit   metrics.Unit
	basis  analysis.Basis
	text   string   // as the prompt writes it ("41.20 USD", "1.23%")
	fam    []string // its metric families (familyOf)
	famT   []string // fam and "target", for comparisons with a goal
}

type decisionFact struct {
	ref string // "rule:<decision id>"
	d   *rules.Decision
}

type signalFact struct {
	ref string // "signal:<n>", n from 1 in Input order
	s   *analysis.Signal
}

// The windows the facts show, and the metrics of each. last_7d carries
// the full set; the others what a comparison needs.
var (
	factWindows = []rules.Window{rules.WindowLast7D, rules.WindowPrevious7D, rules.WindowLast30D, rules.WindowYesterday}
	fullMetrics = []string{"spend", "impressions", "reach", "frequency", "cpm", "ctr", "link_ctr", "cpc", "cost_per_link_click",
		"conversions", "cpa", "conversion_rate", "conversion_value", "roas", "profit", "engagement_rate", "hook_rate", "hold_rate"}
	shortMetrics = []string{"spend", "impressions", "frequency", "cpm", "ctr", "link_ctr", "conversions", "cpa", "roas", "profit"}
	// changeMetrics are compared last_7d against previous_7d.
	changeMetrics = []string{"spend", "cpa", "roas", "ctr", "link_ctr", "cpm", "frequency", "conversions"}
)

// buildFacts reads the Input. The Snapshot gives the entities and their
// counts per window; the Dataset, when present, the hierarchy and the
// delivery status.
func buildFacts(in *analysis.Input) (*facts, error) {
	if in == nil {
		return nil, fmt.Errorf("%w: llm: nil Input", analysis.ErrInvalidInput)
	}
	snap := in.Snapshot
	if snap == nil {
		if in.Dataset == nil {
			return nil, fmt.Errorf("%w: llm: the Input has neither a Snapshot nor a Dataset", analysis.ErrInvalidInput)
		}
		now := in.Now
		if now.IsZero() {
			now = in.Dataset.CollectedAt
		}
		var err error
		if snap, err = in.Dataset.Snapshot(now); err != nil {
			return nil, fmt.Errorf("llm: %w", err)
		}
	}
	f := &facts{code: snap.Currency, now: snap.Now, today: metaads.DateOf(snap.Now), goals: in.Goals, byID: map[string]*entity{},
		totals: map[rules.Window]metrics.Counts{}, timeZone: snap.TimeZone}
	if f.now.IsZero() {
		return nil, fmt.Errorf("%w: llm: Snapshot.Now is zero; expected the time of the pass", analysis.ErrInvalidInput)
	}
	if f.code != "" {
		c, err := metrics.LookupCurrency(f.code)
		if err != nil {
			return nil, fmt.Errorf("%w: llm: Snapshot.Currency: %w", analysis.ErrInvalidInput, err)
		}
		f.currency = c
	}
	if f.goals.Currency != "" && f.code != "" && f.goals.Currency != f.code {
		return nil, fmt.Errorf("%w: %w: llm: Goals.Currency %s, the account's currency is %s", analysis.ErrInvalidInput, analysis.ErrCurrencyMismatch, f.goals.Currency, f.code)
	}
	f.account = analysis.EntityRef{Level: metrics.LevelAccount, ID: snap.Account}
	if ds := in.Dataset; ds != nil {
		f.account = analysis.EntityRef{Level: metrics.LevelAccount, ID: ds.Account.ID.String(), Name: ds.Account.Name}
		if f.timeZone == "" {
			f.timeZone = ds.Account.TimezoneName
		}
	}
	for i := range snap.Entities {
		e := &snap.Entities[i]
		if e.Level.Depth() < 1 {
			continue
		}
		if _, dup := f.byID[e.ID]; dup || e.ID == "" {
			return nil, fmt.Errorf("%w: llm: Snapshot entity %q appears twice or has no id", analysis.ErrInvalidInput, e.ID)
		}
		x := &entity{ref: analysis.EntityRef{Level: e.Level, ID: e.ID, Name: e.Name}, status: e.Status, objective: e.Objective,
			event: e.ConversionEvent, daily: e.DailyBudget, lifetime: e.LifetimeBudget, bid: e.BidAmount, learning: e.LearningStage,
			stats: map[rules.Window]metrics.Counts{}, severity: 3}
		if e.Level == metrics.LevelCampaign {
			x.campaign = e.ID
		}
		for _, s := range e.Stats {
			x.stats[s.Window] = s.Counts
		}
		f.entities = append(f.entities, x)
		f.byID[e.ID] = x
	}
	if ds := in.Dataset; ds != nil {
		for i := range ds.Campaigns {
			if x := f.byID[ds.Campaigns[i].ID]; x != nil {
				x.effective = string(ds.Campaigns[i].EffectiveStatus)
			}
		}
		for i := range ds.AdSets {
			if x := f.byID[ds.AdSets[i].ID]; x != nil {
				x.parent, x.campaign, x.effective = ds.AdSets[i].CampaignID, ds.AdSets[i].CampaignID, string(ds.AdSets[i].EffectiveStatus)
			}
		}
		for i := range ds.Ads {
			if x := f.byID[ds.Ads[i].ID]; x != nil {
				x.parent, x.campaign, x.effective = ds.Ads[i].AdSetID, ds.Ads[i].CampaignID, string(ds.Ads[i].EffectiveStatus)
			}
		}
	}
	slices.SortFunc(f.entities, func(a, b *entity) int {
		return cmp.Or(cmp.Compare(a.ref.Level.Depth(), b.ref.Level.Depth()), cmp.Compare(a.ref.ID, b.ref.ID))
	})
	for _, x := range f.entities {
		if x.ref.Level == metrics.LevelCampaign {
			for w, c := range x.stats {
				t := f.totals[w]
				t.Add(c)
				f.totals[w] = t
			}
		}
		x.spend7 = x.stats[rules.WindowLast7D].Spend
	}
	if ev := in.Evaluation; ev != nil {
		for i := range ev.Decisions {
			d := &ev.Decisions[i]
			f.decisions = append(f.decisions, &decisionFact{ref: "rule:" + d.ID, d: d})
			if x := f.byID[d.EntityID]; x != nil {
				x.decisions = append(x.decisions, len(f.decisions)-1)
				x.severity = min(x.severity, decisionSeverity(d))
			}
		}
	}
	for i := range in.Signals {
		s := &in.Signals[i]
		f.signals = append(f.signals, &signalFact{ref: "signal:" + strconv.Itoa(i+1), s: s})
		for _, r := range s.Entities {
			if x := f.byID[r.ID]; x != nil {
				x.signals = append(x.signals, len(f.signals)-1)
				x.severity = min(x.severity, s.Severity.Rank())
			}
		}
	}
	f.addValues()
	return f, nil
}

// decisionSeverity ranks a rule decision like a signal's severity: a
// pause or a budget cut is critical, other changes warnings, notices info.
func decisionSeverity(d *rules.Decision) int {
	switch {
	case d.Action == rules.ActionPause, d.To != 0 && d.To < d.From:
		return 0
	case d.Action == rules.ActionNotify:
		return 2
	}
	return 1
}

// addValues fills f.values: settings, metrics per window, the account
// totals and the goals.
func (f *facts) addValues() {
	for _, x := range f.entities {
		setting := func(name string, v int64) {
			if v > 0 {
				x.values = append(x.values, f.add(value{entity: x.ref.ID, metric: name, v: float64(v), unit: metrics.UnitMoney, basis: analysis.BasisSetting}))
			}
		}
		setting("daily_budget", x.daily)
		setting("lifetime_budget", x.lifetime)
		setting("bid_amount", x.bid)
		for _, w := range factWindows {
			c, ok := x.stats[w]
			if !ok || (c.Impressions == 0 && c.Spend == 0) {
				continue
			}
			for _, name := range windowMetrics(w) {
				if v, unit, ok := f.metric(name, c, x.event != ""); ok {
					x.values = append(x.values, f.add(value{entity: x.ref.ID, metric: name, window: w, v: v, unit: unit, basis: analysis.BasisMeasured}))
				}
			}
		}
	}
	for _, w := range factWindows {
		c, ok := f.totals[w]
		if !ok || (c.Impressions == 0 && c.Spend == 0) {
			continue
		}
		for _, name := range shortMetrics {
			if v, unit, ok := f.metric(name, c, c.Conversions > 0 || c.ConversionValue > 0); ok {
				f.add(value{metric: name, window: w, v: v, unit: unit, basis: analysis.BasisMeasured})
			}
		}
	}
	g := f.goals
	if g.TargetCPA > 0 {
		f.add(value{metric: "target_cpa", v: float64(g.TargetCPA), unit: metrics.UnitMoney, basis: analysis.BasisGoal})
	}
	if g.TargetROAS > 0 {
		f.add(value{metric: "target_roas", v: g.TargetROAS, unit: metrics.UnitRatio, basis: analysis.BasisGoal})
	}
	if g.GrossMargin > 0 {
		f.add(value{metric: "gross_margin", v: g.GrossMargin, unit: metrics.UnitFraction, basis: analysis.BasisGoal})
		if be, ok := metrics.BreakEvenROAS(g.GrossMargin); ok {
			f.add(value{metric: "break_even_roas", v: be, unit: metrics.UnitRatio, basis: analysis.BasisGoal})
		}
	}
}

func windowMetrics(w rules.Window) []string {
	if w == rules.WindowLast7D {
		return fullMetrics
	}
	return shortMetrics
}

func (f *facts) add(v value) int {
	v.text = f.format(v.v, v.unit)
	v.fam = familyOf(v.metric)
	v.famT = append(slices.Clip(v.fam), "target")
	f.values = append(f.values, v)
	return len(f.values) - 1
}

// metric computes one metric of c. Conversion metrics need a conversion
// event (a traffic campaign has no CPA); profit uses the gross margin when
// the goals give one; video rates need plays; reach-based metrics need
// de-duplicated reach (the registry refuses summed reach).
func (f *facts) metric(name string, c metrics.Counts, conversions bool) (float64, metrics.Unit, bool) {
	switch name {
	case "conversions", "cpa", "conversion_rate", "conversion_value", "roas", "profit":
		if !conversions {
			return 0, "", false
		}
		if name != "conversions" && name != "cpa" && name != "conversion_rate" && c.ConversionValue == 0 && c.Conversions > 0 {
			return 0, "", false // an event without values (leads): ROAS and profit mean nothing
		}
	case "hook_rate", "hold_rate":
		if c.VideoPlays == 0 && c.VideoViews3s == 0 {
			return 0, "", false
		}
	case "engagement_rate":
		if c.PostEngagements == 0 {
			return 0, "", false
		}
	}
	if name == "profit" {
		if m := f.goals.GrossMargin; m > 0 {
			v, ok := metrics.GrossProfit(c.ConversionValue, c.Spend, m)
			return math.Round(v), metrics.UnitMoney, ok
		}
		return float64(metrics.Profit(c.ConversionValue, c.Spend)), metrics.UnitMoney, true
	}
	m, ok := metrics.LookupMetric(name)
	if !ok {
		return 0, "", false
	}
	v, ok := m.Value(c)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, "", false
	}
	return v, m.Unit, true
}

// format writes a value as the prompt shows it: money in major units with
// the currency code, fractions as percents with two decimals, ratios with
// two decimals, counts as integers.
func (f *facts) format(v float64, u metrics.Unit) string {
	switch u {
	case metrics.UnitMoney:
		if f.code == "" {
			return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + " (minor units)"
		}
		return f.currency.Format(int64(math.Round(v))) + " " + f.code
	case metrics.UnitFraction:
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case metrics.UnitCount:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case metrics.UnitMilliseconds:
		return strconv.FormatFloat(v/1000, 'f', 1, 64) + " s"
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// display is v on the scale the prompt writes it: money in major units,
// fractions in percent, seconds for durations.
func (f *facts) display(v float64, u metrics.Unit) float64 {
	switch u {
	case metrics.UnitMoney:
		if f.code != "" {
			return v / float64(f.currency.Offset())
		}
	case metrics.UnitFraction:
		return v * 100
	case metrics.UnitMilliseconds:
		return v / 1000
	}
	return v
}

// period is the days of a window that is the same for every entity.
func (f *facts) period(w rules.Window) *analysis.Period {
	back := func(from, to int) *analysis.Period {
		return &analysis.Period{Window: w.String(), Since: f.today.AddDays(-from), Until: f.today.AddDays(-to)}
	}
	switch w {
	case rules.WindowLast7D:
		return back(7, 1)
	case rules.WindowPrevious7D:
		return back(14, 8)
	case rules.WindowLast30D:
		return back(30, 1)
	case rules.WindowYesterday:
		return back(1, 1)
	}
	return nil
}

// figure is a value as Result evidence. Its Text says whose value it
// is and over which window ("roas of ad set s2 \"Loser\" over last_7d:
// 0.54"): evidence may be of a parent or a related entity.
func (f *facts) figure(i int) analysis.Figure {
	v := f.values[i]
	who := "the account"
	if x := f.byID[v.entity]; x != nil {
		who = f.describe(x.ref.Level, x.ref.ID)
	}
	text := v.metric + " of " + who + overWindow(windowName(v.window)) + ": " + v.text
	if v.basis == analysis.BasisGoal {
		text = v.metric + ": " + v.text
	}
	fig := analysis.Figure{Name: v.metric, Value: v.v, Unit: v.unit, Basis: v.basis, Text: text}
	if v.window != 0 {
		fig.Period = f.period(v.window)
	}
	return fig
}

// find returns the index of the value of entity id (empty for the
// account), metric and window, or -1.
func (f *facts) find(id, metric string, w rules.Window) int {
	var idx []int
	if x := f.byID[id]; x != nil {
		idx = x.values
	} else if id == "" || id == f.account.ID {
		for i := range f.values {
			if f.values[i].entity == "" {
				idx = append(idx, i)
			}
		}
	}
	for _, i := range idx {
		if v := &f.values[i]; v.metric == metric && v.window == w {
			return i
		}
	}
	return -1
}

// delivering reports whether the entity and its parents are active.
func (f *facts) delivering(x *entity) bool {
	for x != nil {
		if x.status != "" && x.status != string(metaads.StatusActive) {
			return false
		}
		switch x.effective {
		case "", "ACTIVE", "IN_PROCESS", "WITH_ISSUES", "PENDING_REVIEW", "PENDING_BILLING_INFO", "PREAPPROVED":
		default:
			return false
		}
		if x.parent == "" || x.parent == x.ref.ID {
			return true
		}
		x = f.byID[x.parent]
	}
	return true
}

// describe names an entity in a reason ("ad set 123 \"Broad\"").
func (f *facts) describe(level metrics.Level, id string) string {
	words := strings.ReplaceAll(string(level), "adset", "ad set")
	if x := f.byID[id]; x != nil && x.ref.Name != "" {
		return fmt.Sprintf("%s %s %q", words, id, x.ref.Name)
	}
	return words + " " + id
}

// isMetricName reports whether name is the name of a value of the facts:
// a metric, a setting or a goal.
func (f *facts) isMetricName(name string) bool {
	switch name {
	case "daily_budget", "lifetime_budget", "bid_amount", "target_cpa", "target_roas", "gross_margin", "break_even_roas":
		return true
	}
	return slices.Contains(fullMetrics, name)
}
