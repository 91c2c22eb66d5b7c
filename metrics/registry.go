package metrics

import (
	"fmt"
	"strings"
)

// Unit is the unit of a number: of a [Metric]'s value, of a rule
// condition's measurement (rules.Evidence) and of an analysis figure. The
// values are lower-case words that encode to JSON as themselves; durations
// are named by their unit ("milliseconds", "hours", "days") because a
// duration's unit is what a reader needs to read the number. The zero Unit
// is not a unit.
type Unit string

// The units. Metric values use count, money, fraction, ratio and
// milliseconds; rules' age fields are in hours; analysis estimates such as
// days to fatigue are in days.
const (
	// UnitCount is a number of events or people.
	UnitCount Unit = "count"
	// UnitMoney is an amount in minor units of the account currency (cents
	// for USD); see [Currency] to display it.
	UnitMoney Unit = "money"
	// UnitFraction is a share in [0, 1] for valid input (0.012 is 1.2%);
	// never a percent.
	UnitFraction Unit = "fraction"
	// UnitRatio is a unit-free ratio that is not a share, such as ROAS
	// (value per unit of spend), frequency (impressions per person) or an
	// index.
	UnitRatio Unit = "ratio"
	// UnitMilliseconds is a duration in milliseconds (video watch time).
	UnitMilliseconds Unit = "milliseconds"
	// UnitHours is a duration in hours (an entity's age).
	UnitHours Unit = "hours"
	// UnitDays is a duration in days.
	UnitDays Unit = "days"
)

// Units returns every unit, in the order of the constants.
func Units() []Unit {
	return []Unit{UnitCount, UnitMoney, UnitFraction, UnitRatio, UnitMilliseconds, UnitHours, UnitDays}
}

// ParseUnit parses one of the units' names ("count", "money", "fraction",
// "ratio", "milliseconds", "hours", "days"). It returns an error naming the
// input for anything else.
func ParseUnit(s string) (Unit, error) {
	if u := Unit(s); u.Valid() {
		return u, nil
	}
	return "", fmt.Errorf("metrics: unknown unit %q; expected \"count\", \"money\", \"fraction\", \"ratio\", \"milliseconds\", \"hours\" or \"days\"", s)
}

// Valid reports whether u is one of the units.
func (u Unit) Valid() bool {
	switch u {
	case UnitCount, UnitMoney, UnitFraction, UnitRatio, UnitMilliseconds, UnitHours, UnitDays:
		return true
	}
	return false
}

// String returns the unit's name ("money").
func (u Unit) String() string { return string(u) }

// Direction says which way a metric improves.
type Direction int8

// Directions of improvement.
const (
	// Neutral metrics are neither better high nor low (impressions,
	// spend, frequency).
	Neutral Direction = 0
	// HigherIsBetter metrics improve as they grow (CTR, ROAS).
	HigherIsBetter Direction = 1
	// LowerIsBetter metrics improve as they shrink (CPA, CPM).
	LowerIsBetter Direction = -1
)

// RatioKind says how a derived metric is built from two counts, which
// decides the confidence interval that applies to it.
type RatioKind uint8

// Kinds of metrics.
const (
	// NotRatio metrics are raw counts or not a plain ratio of two counts
	// (profit, profit margin, ROI).
	NotRatio RatioKind = iota
	// Proportion metrics are successes / trials (CTR, conversion rate,
	// hook rate): [WilsonInterval] applies.
	Proportion
	// CostPer metrics are spend / results (CPA, CPC, cost per ThruPlay):
	// [CostPerResultInterval] applies.
	CostPer
	// OtherRatio metrics are other ratios of two counts (CPM, ROAS,
	// frequency, average watch time).
	OtherRatio
)

// String returns the kind's name, such as "proportion".
func (k RatioKind) String() string {
	switch k {
	case NotRatio:
		return "not-ratio"
	case Proportion:
		return "proportion"
	case CostPer:
		return "cost-per"
	case OtherRatio:
		return "ratio"
	}
	return fmt.Sprintf("RatioKind(%d)", uint8(k))
}

// Metric describes one named metric that can be computed from a [Counts].
// The rule engine resolves metric names in rule specs with [LookupMetric].
type Metric struct {
	// Name is the metric's snake_case name, such as "cost_per_link_click".
	Name string
	// Unit is the unit of Value's result.
	Unit Unit
	// Description is a one-line definition including the formula.
	Description string
	// Better says which way the metric improves.
	Better Direction
	// Kind says whether the metric is a ratio of two counts and which
	// interval applies (see [Metric.Parts] and [Metric.Interval]).
	Kind RatioKind
	// NeedsWindowReach is true for metrics built on Reach (reach,
	// frequency, CPP, reach efficiency, unique CTR, engagement rate by
	// reach). Their Value is ok == false on a Counts with ReachSummed set.
	NeedsWindowReach bool

	// The computation is data, not function values, so that ValueOf's
	// argument does not escape and Value stays allocation-free.
	get      countField  // count and money metrics: the field as is
	num, den countField  // ratio metrics: value = scale · num / den
	calc     derivedCalc // other derived metrics
	scale    float64
}

// countField names an int64 field of [Counts]; the zero value names none.
type countField uint8

const (
	fImpressions countField = iota + 1
	fReach
	fClicks
	fLinkClicks
	fUniqueClicks
	fSpend
	fPostEngagements
	fPageEngagements
	fVideoPlays
	fVideoViews3s
	fVideoP25
	fVideoP50
	fVideoP75
	fVideoP95
	fVideoP100
	fThruPlays
	fVideoWatchTime
	fLandingPageViews
	fLeads
	fPurchases
	fPurchaseValue
	fConversions
	fConversionValue
)

// of returns the field f of c.
func (f countField) of(c *Counts) int64 {
	switch f {
	case fImpressions:
		return c.Impressions
	case fReach:
		return c.Reach
	case fClicks:
		return c.Clicks
	case fLinkClicks:
		return c.LinkClicks
	case fUniqueClicks:
		return c.UniqueClicks
	case fSpend:
		return c.Spend
	case fPostEngagements:
		return c.PostEngagements
	case fPageEngagements:
		return c.PageEngagements
	case fVideoPlays:
		return c.VideoPlays
	case fVideoViews3s:
		return c.VideoViews3s
	case fVideoP25:
		return c.VideoP25
	case fVideoP50:
		return c.VideoP50
	case fVideoP75:
		return c.VideoP75
	case fVideoP95:
		return c.VideoP95
	case fVideoP100:
		return c.VideoP100
	case fThruPlays:
		return c.ThruPlays
	case fVideoWatchTime:
		return c.VideoWatchTimeMillis
	case fLandingPageViews:
		return c.LandingPageViews
	case fLeads:
		return c.Leads
	case fPurchases:
		return c.Purchases
	case fPurchaseValue:
		return c.PurchaseValue
	case fConversions:
		return c.Conversions
	case fConversionValue:
		return c.ConversionValue
	}
	return 0
}

// derivedCalc names a derived metric that is not a plain ratio.
type derivedCalc uint8

const (
	calcNone derivedCalc = iota
	calcProfit
	calcProfitMargin
	calcROI
)

func (k derivedCalc) of(c *Counts) (float64, bool) {
	switch k {
	case calcProfit:
		return float64(Profit(c.ConversionValue, c.Spend)), true
	case calcProfitMargin:
		return ProfitMargin(c.ConversionValue, c.Spend)
	case calcROI:
		return ROI(c.ConversionValue, c.Spend)
	}
	return 0, false
}

// Value computes the metric from c. ok is false when the metric is
// undefined for c: its denominator is zero or negative, it needs a
// de-duplicated reach and c.ReachSummed is set, or m is the zero Metric.
// For count and money metrics ok is always true (the field is returned as
// is; see [Counts.Validate] for invalid input). The value is never NaN or
// Inf. [Metric.ValueOf] is the same without copying c.
func (m Metric) Value(c Counts) (float64, bool) { return m.ValueOf(&c) }

// ValueOf is [Metric.Value] on *c, for hot loops that keep their Counts in
// place (a Counts is over 200 bytes). It does not modify *c. A nil c is
// undefined: ok is false.
func (m Metric) ValueOf(c *Counts) (float64, bool) {
	if c == nil || (m.NeedsWindowReach && c.ReachSummed) {
		return 0, false
	}
	switch {
	case m.num != 0:
		d := m.den.of(c)
		if d <= 0 {
			return 0, false
		}
		return float64(m.num.of(c)) * m.scale / float64(d), true
	case m.get != 0:
		return float64(m.get.of(c)), true
	}
	return m.calc.of(c)
}

// Parts returns the numerator and denominator counts of a ratio metric
// (Kind != NotRatio) on c, so that Value = scale · num / den with scale
// 1000 for CPM and CPP and 1 otherwise: clicks and impressions for ctr,
// spend and conversions for cpa. Statistical gates use them as successes
// and trials, or spend and results. ok is false for other metrics, and,
// like Value, for reach metrics on summed reach.
func (m Metric) Parts(c Counts) (num, den int64, ok bool) { return m.PartsOf(&c) }

// PartsOf is [Metric.Parts] on *c without copying it. A nil c gives
// ok == false.
func (m Metric) PartsOf(c *Counts) (num, den int64, ok bool) {
	if c == nil || m.num == 0 || (m.NeedsWindowReach && c.ReachSummed) {
		return 0, 0, false
	}
	return m.num.of(c), m.den.of(c), true
}

// Interval returns a two-sided confidence interval for the metric's true
// value on c: the Wilson score interval for Proportion metrics and the
// gamma-Poisson credible interval for CostPer metrics, in the metric's
// unit. ok is false for other kinds and wherever the interval function
// reports ok == false (no trials, no spend, invalid confidence).
func (m Metric) Interval(c Counts, confidence float64) (lo, hi float64, ok bool) {
	return m.IntervalOf(&c, confidence)
}

// IntervalOf is [Metric.Interval] on *c without copying it. A nil c gives
// ok == false.
func (m Metric) IntervalOf(c *Counts, confidence float64) (lo, hi float64, ok bool) {
	num, den, ok := m.PartsOf(c)
	if !ok {
		return 0, 0, false
	}
	switch m.Kind {
	case Proportion:
		return WilsonInterval(num, den, confidence)
	case CostPer:
		return CostPerResultInterval(num, den, confidence)
	}
	return 0, 0, false
}

// String returns the metric's name.
func (m Metric) String() string { return m.Name }

// LookupMetric returns the metric called name (snake_case, as listed by
// [AllMetrics]); matching ignores case and surrounding space. ok is false
// for an unknown name.
func LookupMetric(name string) (Metric, bool) {
	name = strings.TrimSpace(name)
	for i := range metricTable {
		if strings.EqualFold(metricTable[i].Name, name) {
			return metricTable[i], true
		}
	}
	return Metric{}, false
}

// AllMetrics returns every registered metric, in a stable order: raw
// counts first, then derived metrics. The slice is a fresh copy the caller
// may modify.
func AllMetrics() []Metric {
	out := make([]Metric, len(metricTable))
	copy(out, metricTable[:])
	return out
}

// field builds a count or money metric that returns one field as is.
func field(name string, unit Unit, desc string, get countField) Metric {
	return Metric{Name: name, Unit: unit, Description: desc, get: get}
}

// ratioOf builds a metric num / den (times 1000 for the per-mille kinds).
func ratioOf(name string, unit Unit, better Direction, kind RatioKind, desc string, num, den countField) Metric {
	return Metric{Name: name, Unit: unit, Better: better, Kind: kind, Description: desc, num: num, den: den, scale: 1}
}

// perMille builds a metric 1000 · num / den (CPM, CPP).
func perMille(name, desc string, num, den countField) Metric {
	m := ratioOf(name, UnitMoney, LowerIsBetter, OtherRatio, desc, num, den)
	m.scale = 1000
	return m
}

// derived builds a metric that is not a plain ratio of two counts.
func derived(name string, unit Unit, better Direction, desc string, calc derivedCalc) Metric {
	return Metric{Name: name, Unit: unit, Better: better, Description: desc, calc: calc}
}

// reachBased marks m as needing a de-duplicated reach.
func reachBased(m Metric) Metric {
	m.NeedsWindowReach = true
	return m
}

// metricTable is the immutable registry behind LookupMetric and AllMetrics.
// It is never written after initialisation.
var metricTable = [...]Metric{
	field("impressions", UnitCount, "impressions", fImpressions),
	reachBased(field("reach", UnitCount, "distinct people reached (needs de-duplicated window reach)", fReach)),
	field("clicks", UnitCount, "all clicks, including reactions, expands and profile clicks", fClicks),
	field("link_clicks", UnitCount, "inline link clicks", fLinkClicks),
	field("unique_clicks", UnitCount, "people who clicked (estimated)", fUniqueClicks),
	field("spend", UnitMoney, "amount spent, minor units", fSpend),
	field("post_engagements", UnitCount, "post engagement actions", fPostEngagements),
	field("page_engagements", UnitCount, "page engagement actions", fPageEngagements),
	field("video_plays", UnitCount, "video plays of any length", fVideoPlays),
	field("video_views", UnitCount, "video plays of 3 seconds or more", fVideoViews3s),
	field("video_p25_watched", UnitCount, "plays that reached 25% of the video", fVideoP25),
	field("video_p50_watched", UnitCount, "plays that reached 50% of the video", fVideoP50),
	field("video_p75_watched", UnitCount, "plays that reached 75% of the video", fVideoP75),
	field("video_p95_watched", UnitCount, "plays that reached 95% of the video", fVideoP95),
	field("video_p100_watched", UnitCount, "plays that reached the end of the video", fVideoP100),
	field("thruplays", UnitCount, "plays to completion or of at least 15 seconds", fThruPlays),
	field("video_watch_time", UnitMilliseconds, "total video watch time, milliseconds", fVideoWatchTime),
	field("landing_page_views", UnitCount, "landing page views", fLandingPageViews),
	field("leads", UnitCount, "lead actions", fLeads),
	field("purchases", UnitCount, "purchase actions", fPurchases),
	field("purchase_value", UnitMoney, "purchase value, minor units", fPurchaseValue),
	field("conversions", UnitCount, "the advertiser's chosen conversion event", fConversions),
	field("conversion_value", UnitMoney, "value of the chosen conversion event, minor units", fConversionValue),

	ratioOf("ctr", UnitFraction, HigherIsBetter, Proportion, "clicks / impressions", fClicks, fImpressions),
	ratioOf("link_ctr", UnitFraction, HigherIsBetter, Proportion, "link_clicks / impressions", fLinkClicks, fImpressions),
	reachBased(ratioOf("unique_ctr", UnitFraction, HigherIsBetter, Proportion, "unique_clicks / reach", fUniqueClicks, fReach)),
	ratioOf("cpc", UnitMoney, LowerIsBetter, CostPer, "spend / clicks", fSpend, fClicks),
	ratioOf("cost_per_link_click", UnitMoney, LowerIsBetter, CostPer, "spend / link_clicks", fSpend, fLinkClicks),
	perMille("cpm", "1000 × spend / impressions", fSpend, fImpressions),
	reachBased(perMille("cpp", "1000 × spend / reach", fSpend, fReach)),
	ratioOf("cpa", UnitMoney, LowerIsBetter, CostPer, "spend / conversions (cost per result)", fSpend, fConversions),
	ratioOf("cost_per_purchase", UnitMoney, LowerIsBetter, CostPer, "spend / purchases", fSpend, fPurchases),
	ratioOf("cost_per_lead", UnitMoney, LowerIsBetter, CostPer, "spend / leads", fSpend, fLeads),
	ratioOf("cost_per_landing_page_view", UnitMoney, LowerIsBetter, CostPer, "spend / landing_page_views", fSpend, fLandingPageViews),
	ratioOf("conversion_rate", UnitFraction, HigherIsBetter, Proportion, "conversions / link_clicks", fConversions, fLinkClicks),
	ratioOf("roas", UnitRatio, HigherIsBetter, OtherRatio, "conversion_value / spend (conversion value / cost ratio)", fConversionValue, fSpend),
	ratioOf("purchase_roas", UnitRatio, HigherIsBetter, OtherRatio, "purchase_value / spend", fPurchaseValue, fSpend),
	reachBased(ratioOf("frequency", UnitRatio, Neutral, OtherRatio, "impressions / reach", fImpressions, fReach)),
	reachBased(ratioOf("reach_efficiency", UnitFraction, HigherIsBetter, Proportion, "reach / impressions (1 / frequency)", fReach, fImpressions)),
	ratioOf("engagement_rate", UnitFraction, HigherIsBetter, Proportion, "post_engagements / impressions", fPostEngagements, fImpressions),
	reachBased(ratioOf("engagement_rate_reach", UnitFraction, HigherIsBetter, Proportion, "post_engagements / reach", fPostEngagements, fReach)),
	ratioOf("cost_per_engagement", UnitMoney, LowerIsBetter, CostPer, "spend / post_engagements", fSpend, fPostEngagements),
	derived("profit", UnitMoney, HigherIsBetter, "conversion_value − spend (before cost of goods)", calcProfit),
	derived("profit_margin", UnitFraction, HigherIsBetter, "(conversion_value − spend) / conversion_value", calcProfitMargin),
	derived("roi", UnitRatio, HigherIsBetter, "(conversion_value − spend) / spend", calcROI),
	ratioOf("value_per_conversion", UnitMoney, HigherIsBetter, OtherRatio, "conversion_value / conversions", fConversionValue, fConversions),
	ratioOf("view_rate", UnitFraction, HigherIsBetter, Proportion, "video_views / impressions", fVideoViews3s, fImpressions),
	ratioOf("hook_rate", UnitFraction, HigherIsBetter, Proportion, "3-second video views / impressions (same as view_rate)", fVideoViews3s, fImpressions),
	ratioOf("cost_per_view", UnitMoney, LowerIsBetter, CostPer, "spend / video_views", fSpend, fVideoViews3s),
	ratioOf("thruplay_rate", UnitFraction, HigherIsBetter, Proportion, "thruplays / impressions", fThruPlays, fImpressions),
	ratioOf("cost_per_thruplay", UnitMoney, LowerIsBetter, CostPer, "spend / thruplays", fSpend, fThruPlays),
	ratioOf("hold_rate", UnitFraction, HigherIsBetter, Proportion, "thruplays / video_views", fThruPlays, fVideoViews3s),
	ratioOf("completion_rate", UnitFraction, HigherIsBetter, Proportion, "video_p100_watched / video_plays", fVideoP100, fVideoPlays),
	ratioOf("average_watch_time", UnitMilliseconds, HigherIsBetter, OtherRatio, "video_watch_time / video_plays, milliseconds", fVideoWatchTime, fVideoPlays),
}
