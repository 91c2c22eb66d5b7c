package metrics

import (
	"fmt"
	"math"
	"slices"
)

// Measure is a derived value that may be undefined (OK false), such as
// the CPA of an entity without conversions.
type Measure struct {
	Value float64 `json:"value"` // the metric's value; 0 when OK is false
	OK    bool    `json:"ok"`    // false when the metric is undefined (a zero denominator)
}

func measure(v float64, ok bool) Measure { return Measure{Value: v, OK: ok} }

// Derived holds the main derived metrics of one Counts. Units are those
// of the functions of the same name: fractions for rates, minor units for
// money, plain ratios for ROAS and frequency. Reach-based metrics are
// undefined when the Counts' reach is summed (see [Counts]).
type Derived struct {
	CTR                Measure `json:"ctr"`                  // clicks / impressions
	LinkCTR            Measure `json:"link_ctr"`             // link clicks / impressions
	CPC                Measure `json:"cpc"`                  // spend / clicks
	CostPerLinkClick   Measure `json:"cost_per_link_click"`  // spend / link clicks
	CPM                Measure `json:"cpm"`                  // 1000 · spend / impressions
	CPA                Measure `json:"cpa"`                  // spend / conversions
	ConversionRate     Measure `json:"conversion_rate"`      // conversions / link clicks
	ROAS               Measure `json:"roas"`                 // conversion value / spend
	Frequency          Measure `json:"frequency"`            // impressions / reach
	ReachEfficiency    Measure `json:"reach_efficiency"`     // reach / impressions
	EngagementRate     Measure `json:"engagement_rate"`      // post engagements / impressions
	Profit             Measure `json:"profit"`               // conversion value (× gross margin, when given) − spend
	ProfitMargin       Measure `json:"profit_margin"`        // profit / conversion value
	ValuePerConversion Measure `json:"value_per_conversion"` // conversion value / conversions
	HookRate           Measure `json:"hook_rate"`            // 3-second views / impressions
	HoldRate           Measure `json:"hold_rate"`            // thruplays / 3-second views
	CostPerThruPlay    Measure `json:"cost_per_thruplay"`    // spend / thruplays
}

// Derive computes the [Derived] metrics of c. grossMargin, when positive,
// is the fraction of revenue left after cost of goods (0.4 for 40%) and
// makes Profit and ProfitMargin margin-aware; zero means revenue − spend.
// A grossMargin outside [0, 1] makes Profit and ProfitMargin undefined.
func Derive(c Counts, grossMargin float64) Derived {
	reachOK := !c.ReachSummed
	d := Derived{
		CTR:                measure(CTR(c.Clicks, c.Impressions)),
		LinkCTR:            measure(LinkCTR(c.LinkClicks, c.Impressions)),
		CPC:                measure(CPC(c.Spend, c.Clicks)),
		CostPerLinkClick:   measure(CostPerLinkClick(c.Spend, c.LinkClicks)),
		CPM:                measure(CPM(c.Spend, c.Impressions)),
		CPA:                measure(CPA(c.Spend, c.Conversions)),
		ConversionRate:     measure(ConversionRate(c.Conversions, c.LinkClicks)),
		ROAS:               measure(ROAS(c.ConversionValue, c.Spend)),
		EngagementRate:     measure(c.EngagementRate(PerImpression)),
		ValuePerConversion: measure(ValuePerConversion(c.ConversionValue, c.Conversions)),
		HookRate:           measure(HookRate(c.VideoViews3s, c.Impressions)),
		HoldRate:           measure(HoldRate(c.ThruPlays, c.VideoViews3s)),
		CostPerThruPlay:    measure(CostPerThruPlay(c.Spend, c.ThruPlays)),
	}
	if reachOK {
		d.Frequency = measure(Frequency(c.Impressions, c.Reach))
		d.ReachEfficiency = measure(ReachEfficiency(c.Reach, c.Impressions))
	}
	if grossMargin == 0 {
		d.Profit = Measure{Value: float64(Profit(c.ConversionValue, c.Spend)), OK: true}
		d.ProfitMargin = measure(ProfitMargin(c.ConversionValue, c.Spend))
	} else {
		d.Profit = measure(GrossProfit(c.ConversionValue, c.Spend, grossMargin))
		d.ProfitMargin = measure(GrossProfitMargin(c.ConversionValue, c.Spend, grossMargin))
	}
	return d
}

// EntityTotals are the counts of one campaign, ad set or ad over the
// period compared, with its id and name: what [CampaignStatistics]
// summarises. (A rules snapshot entity gives one per window with
// rules.Entity.Totals.)
type EntityTotals struct {
	ID     string // the entity's id (campaign, ad set or ad)
	Name   string // the entity's name, for reports
	Counts Counts // the entity's counts over the period compared
}

// EntityStats is one entity's counts and derived metrics.
type EntityStats struct {
	ID      string  `json:"id"`      // the entity's id, from EntityTotals.ID
	Name    string  `json:"name"`    // the entity's name, from EntityTotals.Name
	Counts  Counts  `json:"counts"`  // the entity's counts, from EntityTotals.Counts
	Metrics Derived `json:"metrics"` // the metrics derived from Counts
}

// Distribution summarises one metric across entities. Only entities where
// the metric is defined count. Percentiles interpolate linearly between
// order statistics (the default of R, NumPy and spreadsheets).
type Distribution struct {
	N      int     `json:"n"`      // entities with a defined value
	Mean   float64 `json:"mean"`   // arithmetic mean of the entities' values
	Median float64 `json:"median"` // 50th percentile
	P10    float64 `json:"p10"`    // 10th percentile
	P90    float64 `json:"p90"`    // 90th percentile
	Min    float64 `json:"min"`    // smallest value
	Max    float64 `json:"max"`    // largest value
	// SpendWeighted is Σ spendᵢ·valueᵢ / Σ spendᵢ over the entities with a
	// defined value, so that big spenders count more. SpendWeightedOK is
	// false when their spend sums to zero.
	SpendWeighted   float64 `json:"spend_weighted"`
	SpendWeightedOK bool    `json:"spend_weighted_ok"`
}

// StatsOptions tunes [CampaignStatistics]. The zero value is ready to use.
type StatsOptions struct {
	// GrossMargin, when non-zero, is the fraction of revenue left after
	// cost of goods, in (0, 1]; profit becomes value × margin − spend.
	GrossMargin float64
	// WindowReach, when positive, is the de-duplicated reach of all
	// entities together over the window (from a window-level query at the
	// parent level); it becomes the reach of Totals, so that the total
	// frequency is defined. Without it the total reach is a sum (an upper
	// bound) and reach-based totals are undefined.
	WindowReach int64
}

// Statistics is the result of [CampaignStatistics].
type Statistics struct {
	Totals   Counts        `json:"totals"`   // sum of all entities' counts
	Total    Derived       `json:"total"`    // metrics of Totals: ratios of sums
	Entities []EntityStats `json:"entities"` // per entity, in input order

	// Distributions across entities of the headline metrics.
	CPA          Distribution `json:"cpa"`
	ROAS         Distribution `json:"roas"`
	CTR          Distribution `json:"ctr"`
	CPM          Distribution `json:"cpm"`
	Frequency    Distribution `json:"frequency"`
	ProfitMargin Distribution `json:"profit_margin"`
}

// CampaignStatistics summarises many entities: their totals (rates of the
// totals are ratios of sums, never averages of ratios), each entity's
// derived metrics, and the distribution across entities of CPA, ROAS, CTR,
// CPM, frequency and profit margin (mean, median, p10, p90, min, max, and
// spend-weighted mean).
//
// It returns an error naming the entity when an entity's counts are
// invalid (see [Counts.Validate]) or when opts.GrossMargin is outside
// [0, 1] or opts.WindowReach is negative.
func CampaignStatistics(entities []EntityTotals, opts StatsOptions) (Statistics, error) {
	if !validMargin(opts.GrossMargin) {
		return Statistics{}, fmt.Errorf("metrics: StatsOptions.GrossMargin = %v, want a fraction in [0, 1]", opts.GrossMargin)
	}
	if opts.WindowReach < 0 {
		return Statistics{}, fmt.Errorf("%w: StatsOptions.WindowReach = %d, want >= 0", ErrNegative, opts.WindowReach)
	}
	st := Statistics{Entities: make([]EntityStats, len(entities))}
	for i, e := range entities {
		if err := e.Counts.Validate(); err != nil {
			return Statistics{}, fmt.Errorf("entity %d (%q): %w", i, e.ID, err)
		}
		st.Totals.Add(e.Counts)
		st.Entities[i] = EntityStats{ID: e.ID, Name: e.Name, Counts: e.Counts, Metrics: Derive(e.Counts, opts.GrossMargin)}
	}
	if opts.WindowReach > 0 {
		st.Totals = st.Totals.WithWindowReach(opts.WindowReach)
	}
	st.Total = Derive(st.Totals, opts.GrossMargin)

	vals := make([]float64, 0, len(entities))
	dist := func(pick func(*Derived) Measure) Distribution {
		vals = vals[:0]
		var d Distribution
		var wsum, spend float64
		for i := range st.Entities {
			m := pick(&st.Entities[i].Metrics)
			if !m.OK {
				continue
			}
			vals = append(vals, m.Value)
			s := float64(st.Entities[i].Counts.Spend)
			wsum += s * m.Value
			spend += s
		}
		if len(vals) == 0 {
			return d
		}
		d.N = len(vals)
		var sum float64
		for _, v := range vals {
			sum += v
		}
		d.Mean = sum / float64(len(vals))
		slices.Sort(vals)
		d.Min, d.Max = vals[0], vals[len(vals)-1]
		d.Median = percentile(vals, 0.5)
		d.P10 = percentile(vals, 0.1)
		d.P90 = percentile(vals, 0.9)
		if spend > 0 && !math.IsInf(wsum, 0) {
			d.SpendWeighted, d.SpendWeightedOK = wsum/spend, true
		}
		return d
	}
	st.CPA = dist(func(d *Derived) Measure { return d.CPA })
	st.ROAS = dist(func(d *Derived) Measure { return d.ROAS })
	st.CTR = dist(func(d *Derived) Measure { return d.CTR })
	st.CPM = dist(func(d *Derived) Measure { return d.CPM })
	st.Frequency = dist(func(d *Derived) Measure { return d.Frequency })
	st.ProfitMargin = dist(func(d *Derived) Measure { return d.ProfitMargin })
	return st, nil
}

// percentile returns the p-quantile of sorted (non-empty) values by linear
// interpolation between order statistics: h = (n−1)·p.
func percentile(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	i := int(h)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-float64(i))*(sorted[i+1]-sorted[i])
}
