package rules

import "github.com/adpilot/adpilot/metrics"

// Statistical gates need to know which counts a metric is made of: the
// metrics registry computes values but does not say which counts are the
// successes and trials of a proportion or the results of a cost per result.
// This table names them; the intervals themselves come from metrics
// (WilsonInterval and CostPerResultInterval).

type intervalKind uint8

const (
	kindProportion intervalKind = iota + 1 // successes / trials: Wilson score interval
	kindCost                               // spend / results: gamma-Poisson credible interval
)

type intervalSource struct {
	metric string
	kind   intervalKind
	num    func(*metrics.Counts) int64 // successes (proportion) or spend (cost)
	den    func(*metrics.Counts) int64 // trials (proportion) or results (cost)
}

func spendOf(c *metrics.Counts) int64 { return c.Spend }
func imprOf(c *metrics.Counts) int64  { return c.Impressions }

var intervalTable = [...]intervalSource{
	{"ctr", kindProportion, func(c *metrics.Counts) int64 { return c.Clicks }, imprOf},
	{"link_ctr", kindProportion, func(c *metrics.Counts) int64 { return c.LinkClicks }, imprOf},
	{"conversion_rate", kindProportion, func(c *metrics.Counts) int64 { return c.Conversions }, func(c *metrics.Counts) int64 { return c.LinkClicks }},
	{"hook_rate", kindProportion, func(c *metrics.Counts) int64 { return c.VideoViews3s }, imprOf},
	{"view_rate", kindProportion, func(c *metrics.Counts) int64 { return c.VideoViews3s }, imprOf},
	{"thruplay_rate", kindProportion, func(c *metrics.Counts) int64 { return c.ThruPlays }, imprOf},
	{"hold_rate", kindProportion, func(c *metrics.Counts) int64 { return c.ThruPlays }, func(c *metrics.Counts) int64 { return c.VideoViews3s }},
	{"engagement_rate", kindProportion, func(c *metrics.Counts) int64 { return c.PostEngagements }, imprOf},
	{"cpa", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.Conversions }},
	{"cost_per_purchase", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.Purchases }},
	{"cost_per_lead", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.Leads }},
	{"cost_per_landing_page_view", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.LandingPageViews }},
	{"cpc", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.Clicks }},
	{"cost_per_link_click", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.LinkClicks }},
	{"cost_per_view", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.VideoViews3s }},
	{"cost_per_thruplay", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.ThruPlays }},
	{"cost_per_engagement", kindCost, spendOf, func(c *metrics.Counts) int64 { return c.PostEngagements }},
}

func intervalSourceOf(m metrics.Metric) (*intervalSource, bool) {
	for i := range intervalTable {
		if intervalTable[i].metric == m.Name {
			return &intervalTable[i], true
		}
	}
	return nil, false
}

func intervalMetrics(k intervalKind) []string {
	var out []string
	for i := range intervalTable {
		if intervalTable[i].kind == k {
			out = append(out, intervalTable[i].metric)
		}
	}
	return out
}

// interval returns the two-sided interval of metric m on c at the given
// confidence, computed by the metrics package.
func interval(src *intervalSource, c *metrics.Counts, confidence float64) (lo, hi float64, ok bool) {
	if src.kind == kindProportion {
		return metrics.WilsonInterval(src.num(c), src.den(c), confidence)
	}
	return metrics.CostPerResultInterval(src.num(c), src.den(c), confidence)
}
