package metrics

import "math"

// ratio returns num/den and true, or 0 and false when den is zero or
// negative (a negative count is invalid input, so no rate is reported).
// Any int64 quotient is finite, so the result is never NaN or Inf.
func ratio(num, den int64) (float64, bool) {
	if den <= 0 {
		return 0, false
	}
	return float64(num) / float64(den), true
}

// perThousand returns 1000·num/den, with the semantics of ratio.
func perThousand(num, den int64) (float64, bool) {
	if den <= 0 {
		return 0, false
	}
	return float64(num) * 1000 / float64(den), true
}

// CTR returns the click-through rate of all clicks, clicks / impressions,
// as a fraction (0.012 is 1.2%). Meta's ctr field counts all clicks,
// including reactions, expands and profile clicks; [LinkCTR] is the one to
// use for creative decisions. ok is false when impressions <= 0.
func CTR(clicks, impressions int64) (float64, bool) { return ratio(clicks, impressions) }

// LinkCTR returns linkClicks / impressions as a fraction (Meta's
// inline_link_click_ctr, divided by 100). ok is false when impressions <= 0.
func LinkCTR(linkClicks, impressions int64) (float64, bool) {
	return ratio(linkClicks, impressions)
}

// UniqueCTR returns uniqueClicks / reach as a fraction. Both inputs are
// estimates by Meta and must come from the same de-duplicated window.
// ok is false when reach <= 0.
func UniqueCTR(uniqueClicks, reach int64) (float64, bool) { return ratio(uniqueClicks, reach) }

// CPC returns the cost per click (all clicks), spend / clicks, in minor
// units of the account currency. ok is false when clicks <= 0.
func CPC(spend, clicks int64) (float64, bool) { return ratio(spend, clicks) }

// CostPerLinkClick returns spend / linkClicks in minor units (Meta's
// cost_per_inline_link_click). ok is false when linkClicks <= 0.
func CostPerLinkClick(spend, linkClicks int64) (float64, bool) { return ratio(spend, linkClicks) }

// CPM returns the cost per 1,000 impressions, 1000 · spend / impressions,
// in minor units. ok is false when impressions <= 0.
func CPM(spend, impressions int64) (float64, bool) { return perThousand(spend, impressions) }

// CPP returns the cost to reach 1,000 people, 1000 · spend / reach, in
// minor units. reach must be de-duplicated over the window. ok is false
// when reach <= 0.
func CPP(spend, reach int64) (float64, bool) { return perThousand(spend, reach) }

// CPA returns the cost per action (cost per result), spend / actions, in
// minor units. Pass the count of one action type: the chosen conversion
// event, purchases, leads, or any type from [Actions]. ok is false when
// actions <= 0.
func CPA(spend, actions int64) (float64, bool) { return ratio(spend, actions) }

// ConversionRate returns conversions / linkClicks as a fraction. The
// denominator is link clicks (not all clicks), the convention of the
// published benchmarks. ok is false when linkClicks <= 0.
func ConversionRate(conversions, linkClicks int64) (float64, bool) {
	return ratio(conversions, linkClicks)
}

// ROAS returns the return on ad spend, value / spend, as a plain ratio
// (2.5 means 2.5 units of value per unit spent). value and spend are minor
// units of the same currency, so the ratio is unit-free. This is also the
// "conversion value / cost" ratio. ok is false when spend <= 0.
func ROAS(value, spend int64) (float64, bool) { return ratio(value, spend) }

// Frequency returns the average number of impressions per person,
// impressions / reach. reach must be de-duplicated over the window (see
// [Counts]). ok is false when reach <= 0.
func Frequency(impressions, reach int64) (float64, bool) { return ratio(impressions, reach) }

// ReachEfficiency returns reach / impressions (= 1 / frequency) as a
// fraction: the share of impressions that reached a new person. ok is false
// when impressions <= 0.
func ReachEfficiency(reach, impressions int64) (float64, bool) { return ratio(reach, impressions) }

// EngagementBase names the denominator of an engagement rate.
type EngagementBase uint8

// Engagement rate denominators.
const (
	// PerImpression divides engagements by impressions (the paid-media
	// convention and the default).
	PerImpression EngagementBase = iota
	// PerReach divides engagements by de-duplicated reach (the organic
	// convention).
	PerReach
)

// String returns "impressions" or "reach".
func (b EngagementBase) String() string {
	switch b {
	case PerImpression:
		return "impressions"
	case PerReach:
		return "reach"
	}
	return "EngagementBase(invalid)"
}

// EngagementRate returns engagements / denominator as a fraction, where
// denominator is impressions or reach as the caller chose (see
// [EngagementBase]; [Counts.EngagementRate] picks the field). Meta's
// post_engagement counts all actions people take involving the ad. ok is
// false when denominator <= 0.
func EngagementRate(engagements, denominator int64) (float64, bool) {
	return ratio(engagements, denominator)
}

// EngagementRate returns c.PostEngagements divided by c.Impressions
// (PerImpression) or c.Reach (PerReach). ok is false when the denominator
// is <= 0, when base is not a known EngagementBase, or, for PerReach, when
// c.ReachSummed is set (summed reach is not a count of people).
func (c Counts) EngagementRate(base EngagementBase) (float64, bool) {
	switch base {
	case PerImpression:
		return EngagementRate(c.PostEngagements, c.Impressions)
	case PerReach:
		if c.ReachSummed {
			return 0, false
		}
		return EngagementRate(c.PostEngagements, c.Reach)
	}
	return 0, false
}

// CostPerEngagement returns spend / engagements in minor units. ok is false
// when engagements <= 0.
func CostPerEngagement(spend, engagements int64) (float64, bool) { return ratio(spend, engagements) }

// ValuePerConversion returns the average value of a conversion (average
// order value for purchases), value / conversions, in minor units. ok is
// false when conversions <= 0.
func ValuePerConversion(value, conversions int64) (float64, bool) {
	return ratio(value, conversions)
}

// Profit returns the contribution after ad spend, revenue − spend, in minor
// units, saturating at the int64 limits instead of wrapping. It treats all
// revenue as profit before ads; use [GrossProfit] when a gross margin
// (cost of goods) is known.
func Profit(revenue, spend int64) int64 {
	if spend == math.MinInt64 {
		// -spend does not exist; revenue - MinInt64 only grows.
		return satAdd(satAdd(revenue, math.MaxInt64), 1)
	}
	return satAdd(revenue, -spend)
}

// validMargin reports whether m is a gross margin fraction in [0, 1].
func validMargin(m float64) bool { return m >= 0 && m <= 1 } // false for NaN

// GrossProfit returns revenue · grossMargin − spend in minor units, where
// grossMargin is the fraction of revenue left after the cost of goods (0.4
// for a 40% margin). ok is false when grossMargin is outside [0, 1] or NaN.
func GrossProfit(revenue, spend int64, grossMargin float64) (float64, bool) {
	if !validMargin(grossMargin) {
		return 0, false
	}
	return float64(revenue)*grossMargin - float64(spend), true
}

// ProfitMargin returns (revenue − spend) / revenue as a fraction (negative
// when spend exceeds revenue). ok is false when revenue <= 0.
func ProfitMargin(revenue, spend int64) (float64, bool) {
	if revenue <= 0 {
		return 0, false
	}
	return (float64(revenue) - float64(spend)) / float64(revenue), true
}

// GrossProfitMargin returns (revenue · grossMargin − spend) / revenue, the
// profit margin after cost of goods and ads. ok is false when revenue <= 0
// or grossMargin is outside [0, 1].
func GrossProfitMargin(revenue, spend int64, grossMargin float64) (float64, bool) {
	p, ok := GrossProfit(revenue, spend, grossMargin)
	if !ok || revenue <= 0 {
		return 0, false
	}
	return p / float64(revenue), true
}

// ROI returns profit / spend as a fraction, with profit = revenue − spend
// (use [GrossProfit] yourself for a margin-aware ROI). ok is false when
// spend <= 0.
func ROI(revenue, spend int64) (float64, bool) {
	if spend <= 0 {
		return 0, false
	}
	return (float64(revenue) - float64(spend)) / float64(spend), true
}

// BreakEvenROAS returns 1 / grossMargin: the ROAS at which gross profit
// covers ad spend exactly (a 25% margin needs ROAS 4). ok is false when
// grossMargin is not in (0, 1].
func BreakEvenROAS(grossMargin float64) (float64, bool) {
	if !validMargin(grossMargin) || grossMargin == 0 {
		return 0, false
	}
	return 1 / grossMargin, true
}

// HookRate returns the share of impressions that became 3-second video
// views, views3s / impressions, as a fraction (also called thumb-stop
// rate). ok is false when impressions <= 0.
func HookRate(views3s, impressions int64) (float64, bool) { return ratio(views3s, impressions) }

// VideoViewRate returns video views (3-second plays) per impression, the
// same quantity as [HookRate] under the name reporting tools use.
func VideoViewRate(views3s, impressions int64) (float64, bool) {
	return HookRate(views3s, impressions)
}

// CostPerView returns spend per 3-second video view in minor units. ok is
// false when views3s <= 0.
func CostPerView(spend, views3s int64) (float64, bool) { return ratio(spend, views3s) }

// ThruPlayRate returns thruPlays / impressions as a fraction. A ThruPlay is
// a play to completion or of at least 15 seconds. ok is false when
// impressions <= 0.
func ThruPlayRate(thruPlays, impressions int64) (float64, bool) {
	return ratio(thruPlays, impressions)
}

// CostPerThruPlay returns spend / thruPlays in minor units. ok is false
// when thruPlays <= 0.
func CostPerThruPlay(spend, thruPlays int64) (float64, bool) { return ratio(spend, thruPlays) }

// HoldRate returns thruPlays / views3s as a fraction: the share of hooked
// viewers who kept watching to 15 seconds or the end. (Vendors differ; this
// package uses ThruPlays over 3-second views.) ok is false when
// views3s <= 0.
func HoldRate(thruPlays, views3s int64) (float64, bool) { return ratio(thruPlays, views3s) }

// CompletionRate returns p100 / plays, the share of video plays watched to
// 100%, as a fraction. ok is false when plays <= 0.
func CompletionRate(p100, plays int64) (float64, bool) { return ratio(p100, plays) }

// AverageWatchTime returns watchMillis / plays: the average watch time per
// play in milliseconds. ok is false when plays <= 0.
func AverageWatchTime(watchMillis, plays int64) (float64, bool) {
	return ratio(watchMillis, plays)
}
