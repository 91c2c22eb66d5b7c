package metrics

import (
	"fmt"
	"strings"
)

// Unit is the unit of a metric's value.
type Unit uint8

// Units of [Metric] values. The zero Unit is not a valid unit.
const (
	// UnitCount is a number of events or people.
	UnitCount Unit = iota + 1
	// UnitMoney is an amount in minor units of the account currency (cents
	// for USD); see [Currency] to display it.
	UnitMoney
	// UnitFraction is a share in [0, 1] for valid input (0.012 is 1.2%);
	// never a percent.
	UnitFraction
	// UnitRatio is a unit-free ratio that is not a share, such as ROAS
	// (value per unit of spend) or frequency (impressions per person).
	UnitRatio
	// UnitDuration is a duration in milliseconds.
	UnitDuration
)

// String returns the unit's lower-case name, such as "money".
func (u Unit) String() string {
	switch u {
	case UnitCount:
		return "count"
	case UnitMoney:
		return "money"
	case UnitFraction:
		return "fraction"
	case UnitRatio:
		return "ratio"
	case UnitDuration:
		return "duration"
	}
	return fmt.Sprintf("Unit(%d)", uint8(u))
}

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
	// NeedsWindowReach is true for metrics built on Reach (reach,
	// frequency, CPP, reach efficiency, unique CTR, engagement rate by
	// reach). Their Value is ok == false on a Counts with ReachSummed set.
	NeedsWindowReach bool

	value func(Counts) (float64, bool)
}

// Value computes the metric from c. ok is false when the metric is
// undefined for c: its denominator is zero or negative, it needs a
// de-duplicated reach and c.ReachSummed is set, or m is the zero Metric.
// For count and money metrics ok is always true (the field is returned as
// is; see [Counts.Validate] for invalid input). The value is never NaN or
// Inf.
func (m Metric) Value(c Counts) (float64, bool) {
	if m.value == nil || (m.NeedsWindowReach && c.ReachSummed) {
		return 0, false
	}
	return m.value(c)
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
func field(name string, unit Unit, desc string, get func(*Counts) int64) Metric {
	return Metric{Name: name, Unit: unit, Description: desc, value: func(c Counts) (float64, bool) {
		return float64(get(&c)), true
	}}
}

// derived builds a derived metric.
func derived(name string, unit Unit, better Direction, desc string, f func(Counts) (float64, bool)) Metric {
	return Metric{Name: name, Unit: unit, Better: better, Description: desc, value: f}
}

// reachBased marks m as needing a de-duplicated reach.
func reachBased(m Metric) Metric {
	m.NeedsWindowReach = true
	return m
}

// metricTable is the immutable registry behind LookupMetric and AllMetrics.
// It is never written after initialisation.
var metricTable = [...]Metric{
	field("impressions", UnitCount, "impressions", func(c *Counts) int64 { return c.Impressions }),
	reachBased(field("reach", UnitCount, "distinct people reached (needs de-duplicated window reach)", func(c *Counts) int64 { return c.Reach })),
	field("clicks", UnitCount, "all clicks, including reactions, expands and profile clicks", func(c *Counts) int64 { return c.Clicks }),
	field("link_clicks", UnitCount, "inline link clicks", func(c *Counts) int64 { return c.LinkClicks }),
	field("unique_clicks", UnitCount, "people who clicked (estimated)", func(c *Counts) int64 { return c.UniqueClicks }),
	field("spend", UnitMoney, "amount spent, minor units", func(c *Counts) int64 { return c.Spend }),
	field("post_engagements", UnitCount, "post engagement actions", func(c *Counts) int64 { return c.PostEngagements }),
	field("page_engagements", UnitCount, "page engagement actions", func(c *Counts) int64 { return c.PageEngagements }),
	field("video_plays", UnitCount, "video plays of any length", func(c *Counts) int64 { return c.VideoPlays }),
	field("video_views", UnitCount, "video plays of 3 seconds or more", func(c *Counts) int64 { return c.VideoViews3s }),
	field("video_p25_watched", UnitCount, "plays that reached 25% of the video", func(c *Counts) int64 { return c.VideoP25 }),
	field("video_p50_watched", UnitCount, "plays that reached 50% of the video", func(c *Counts) int64 { return c.VideoP50 }),
	field("video_p75_watched", UnitCount, "plays that reached 75% of the video", func(c *Counts) int64 { return c.VideoP75 }),
	field("video_p95_watched", UnitCount, "plays that reached 95% of the video", func(c *Counts) int64 { return c.VideoP95 }),
	field("video_p100_watched", UnitCount, "plays that reached the end of the video", func(c *Counts) int64 { return c.VideoP100 }),
	field("thruplays", UnitCount, "plays to completion or of at least 15 seconds", func(c *Counts) int64 { return c.ThruPlays }),
	field("video_watch_time", UnitDuration, "total video watch time, milliseconds", func(c *Counts) int64 { return c.VideoWatchTimeMillis }),
	field("landing_page_views", UnitCount, "landing page views", func(c *Counts) int64 { return c.LandingPageViews }),
	field("leads", UnitCount, "lead actions", func(c *Counts) int64 { return c.Leads }),
	field("purchases", UnitCount, "purchase actions", func(c *Counts) int64 { return c.Purchases }),
	field("purchase_value", UnitMoney, "purchase value, minor units", func(c *Counts) int64 { return c.PurchaseValue }),
	field("conversions", UnitCount, "the advertiser's chosen conversion event", func(c *Counts) int64 { return c.Conversions }),
	field("conversion_value", UnitMoney, "value of the chosen conversion event, minor units", func(c *Counts) int64 { return c.ConversionValue }),

	derived("ctr", UnitFraction, HigherIsBetter, "clicks / impressions", func(c Counts) (float64, bool) { return CTR(c.Clicks, c.Impressions) }),
	derived("link_ctr", UnitFraction, HigherIsBetter, "link_clicks / impressions", func(c Counts) (float64, bool) { return LinkCTR(c.LinkClicks, c.Impressions) }),
	reachBased(derived("unique_ctr", UnitFraction, HigherIsBetter, "unique_clicks / reach", func(c Counts) (float64, bool) { return UniqueCTR(c.UniqueClicks, c.Reach) })),
	derived("cpc", UnitMoney, LowerIsBetter, "spend / clicks", func(c Counts) (float64, bool) { return CPC(c.Spend, c.Clicks) }),
	derived("cost_per_link_click", UnitMoney, LowerIsBetter, "spend / link_clicks", func(c Counts) (float64, bool) { return CostPerLinkClick(c.Spend, c.LinkClicks) }),
	derived("cpm", UnitMoney, LowerIsBetter, "1000 × spend / impressions", func(c Counts) (float64, bool) { return CPM(c.Spend, c.Impressions) }),
	reachBased(derived("cpp", UnitMoney, LowerIsBetter, "1000 × spend / reach", func(c Counts) (float64, bool) { return CPP(c.Spend, c.Reach) })),
	derived("cpa", UnitMoney, LowerIsBetter, "spend / conversions (cost per result)", func(c Counts) (float64, bool) { return CPA(c.Spend, c.Conversions) }),
	derived("cost_per_purchase", UnitMoney, LowerIsBetter, "spend / purchases", func(c Counts) (float64, bool) { return CPA(c.Spend, c.Purchases) }),
	derived("cost_per_lead", UnitMoney, LowerIsBetter, "spend / leads", func(c Counts) (float64, bool) { return CPA(c.Spend, c.Leads) }),
	derived("cost_per_landing_page_view", UnitMoney, LowerIsBetter, "spend / landing_page_views", func(c Counts) (float64, bool) { return CPA(c.Spend, c.LandingPageViews) }),
	derived("conversion_rate", UnitFraction, HigherIsBetter, "conversions / link_clicks", func(c Counts) (float64, bool) { return ConversionRate(c.Conversions, c.LinkClicks) }),
	derived("roas", UnitRatio, HigherIsBetter, "conversion_value / spend (conversion value / cost ratio)", func(c Counts) (float64, bool) { return ROAS(c.ConversionValue, c.Spend) }),
	derived("purchase_roas", UnitRatio, HigherIsBetter, "purchase_value / spend", func(c Counts) (float64, bool) { return ROAS(c.PurchaseValue, c.Spend) }),
	reachBased(derived("frequency", UnitRatio, Neutral, "impressions / reach", func(c Counts) (float64, bool) { return Frequency(c.Impressions, c.Reach) })),
	reachBased(derived("reach_efficiency", UnitFraction, HigherIsBetter, "reach / impressions (1 / frequency)", func(c Counts) (float64, bool) { return ReachEfficiency(c.Reach, c.Impressions) })),
	derived("engagement_rate", UnitFraction, HigherIsBetter, "post_engagements / impressions", func(c Counts) (float64, bool) { return c.EngagementRate(PerImpression) }),
	reachBased(derived("engagement_rate_reach", UnitFraction, HigherIsBetter, "post_engagements / reach", func(c Counts) (float64, bool) { return c.EngagementRate(PerReach) })),
	derived("cost_per_engagement", UnitMoney, LowerIsBetter, "spend / post_engagements", func(c Counts) (float64, bool) { return CostPerEngagement(c.Spend, c.PostEngagements) }),
	derived("profit", UnitMoney, HigherIsBetter, "conversion_value − spend (before cost of goods)", func(c Counts) (float64, bool) { return float64(Profit(c.ConversionValue, c.Spend)), true }),
	derived("profit_margin", UnitFraction, HigherIsBetter, "(conversion_value − spend) / conversion_value", func(c Counts) (float64, bool) { return ProfitMargin(c.ConversionValue, c.Spend) }),
	derived("roi", UnitRatio, HigherIsBetter, "(conversion_value − spend) / spend", func(c Counts) (float64, bool) { return ROI(c.ConversionValue, c.Spend) }),
	derived("value_per_conversion", UnitMoney, HigherIsBetter, "conversion_value / conversions", func(c Counts) (float64, bool) { return ValuePerConversion(c.ConversionValue, c.Conversions) }),
	derived("view_rate", UnitFraction, HigherIsBetter, "video_views / impressions", func(c Counts) (float64, bool) { return VideoViewRate(c.VideoViews3s, c.Impressions) }),
	derived("hook_rate", UnitFraction, HigherIsBetter, "3-second video views / impressions (same as view_rate)", func(c Counts) (float64, bool) { return HookRate(c.VideoViews3s, c.Impressions) }),
	derived("cost_per_view", UnitMoney, LowerIsBetter, "spend / video_views", func(c Counts) (float64, bool) { return CostPerView(c.Spend, c.VideoViews3s) }),
	derived("thruplay_rate", UnitFraction, HigherIsBetter, "thruplays / impressions", func(c Counts) (float64, bool) { return ThruPlayRate(c.ThruPlays, c.Impressions) }),
	derived("cost_per_thruplay", UnitMoney, LowerIsBetter, "spend / thruplays", func(c Counts) (float64, bool) { return CostPerThruPlay(c.Spend, c.ThruPlays) }),
	derived("hold_rate", UnitFraction, HigherIsBetter, "thruplays / video_views", func(c Counts) (float64, bool) { return HoldRate(c.ThruPlays, c.VideoViews3s) }),
	derived("completion_rate", UnitFraction, HigherIsBetter, "video_p100_watched / video_plays", func(c Counts) (float64, bool) { return CompletionRate(c.VideoP100, c.VideoPlays) }),
	derived("average_watch_time", UnitDuration, HigherIsBetter, "video_watch_time / video_plays, milliseconds", func(c Counts) (float64, bool) {
		return AverageWatchTime(c.VideoWatchTimeMillis, c.VideoPlays)
	}),
}
