package signals

import (
	"math"

	"github.com/adpilot/adpilot/metrics"
)

// Rate is one metric of one cell of a time table (an hour, a weekday, a
// weekday-hour, a week), in the form a chart draws: the value, its index
// against the whole table and the index's interval, and the test behind
// the flag.
type Rate struct {
	// Value is the metric over the cell: CTR and CVR as fractions (0.012
	// is 1.2%), CPC, CPM and CPA in minor units of the account currency
	// (CPM per 1,000 impressions).
	Value float64 `json:"value"`
	// Index is Value over the metric across the whole table: 1.25 is 25%
	// above it (for a cost, 25% more expensive).
	Index float64 `json:"index"`
	// IndexLo and IndexHi are the 95% interval of Index: Wilson for CTR
	// and CVR, gamma (conversions as a Poisson process in spend) for CPC,
	// CPM and CPA, both with the counts divided by the measured dispersion.
	IndexLo float64 `json:"index_lo"`
	IndexHi float64 `json:"index_hi"`
	// Adjusted is the index the test uses: the cell against each day's
	// (hour tables) or each week's (weekday tables) own rate, so that a
	// good day does not pass for a good hour. It is close to Index when
	// traffic is spread alike every day.
	Adjusted float64 `json:"adjusted"`
	// P is the two-sided p-value of Adjusted = 1; Q is its
	// Benjamini-Hochberg adjusted value within the signal's whole family
	// of tests. Both are 1 when the cell was not tested.
	P float64 `json:"p"`
	Q float64 `json:"q"`
	// Tested is false when the cell had too little data (fewer than 10
	// expected events).
	Tested bool `json:"tested"`
	// Flagged is true when the cell is significant at the false discovery
	// rate and its adjusted index is at least the minimum effect away from
	// 1 (see WithMinEffect).
	Flagged bool `json:"flagged"`
}

// better reports whether the rate is better than the table's (for a cost,
// cheaper).
func (r *Rate) better(spec *metricSpec) bool {
	if spec.higherBetter {
		return r.Adjusted > 1
	}
	return r.Adjusted < 1
}

// metricSpec says how a time-table metric is computed from counts.
type metricSpec struct {
	name         string // metrics registry name
	kind         rateKind
	scale        float64 // 1000 for CPM
	higherBetter bool
	num, exp     func(c *metrics.Counts) float64
}

func impressionsOf(c *metrics.Counts) float64 { return float64(c.Impressions) }
func clicksOf(c *metrics.Counts) float64      { return float64(c.Clicks) }
func linkClicksOf(c *metrics.Counts) float64  { return float64(c.LinkClicks) }
func spendOf(c *metrics.Counts) float64       { return float64(c.Spend) }
func conversionsOf(c *metrics.Counts) float64 { return float64(c.Conversions) }

var (
	specCTR = metricSpec{name: "ctr", kind: kindShare, scale: 1, higherBetter: true, num: clicksOf, exp: impressionsOf}
	specCPC = metricSpec{name: "cpc", kind: kindCost, scale: 1, num: clicksOf, exp: spendOf}
	specCPM = metricSpec{name: "cpm", kind: kindCost, scale: 1000, num: impressionsOf, exp: spendOf}
	specCVR = metricSpec{name: "cvr", kind: kindShare, scale: 1, higherBetter: true, num: conversionsOf, exp: linkClicksOf}
	specCPA = metricSpec{name: "cpa", kind: kindCost, scale: 1, num: conversionsOf, exp: spendOf}
)

// adjustedIndex turns a test's observed/expected into the metric's
// index: for a share the count index itself, for a cost its inverse
// (more clicks than expected for the spend is a cheaper click).
func adjustedIndex(spec *metricSpec, t test) float64 {
	ix := t.index()
	if spec.kind == kindCost {
		if ix > 0 {
			return 1 / ix
		}
		return math.MaxFloat64
	}
	return ix
}

// newRate fills a cell's Rate from its counts, the table's overall value,
// the layout's dispersion and the cell's test (qc memoises the interval's
// quantiles; nil computes them); Q and Flagged are set when the family is
// resolved. ok is false when the cell has no value.
func newRate(spec *metricSpec, num, exp, overall, dispersion float64, t test, qc quantileCache) (*Rate, bool) {
	val, ok := rateValue(spec.kind, num, exp, spec.scale)
	if !ok || !(overall > 0) {
		return nil, false
	}
	r := &Rate{Value: val, Index: val / overall, IndexLo: val / overall, IndexHi: val / overall, Adjusted: 1, P: 1, Q: 1}
	if lo, hi, ok := rateInterval(spec.kind, num, exp, spec.scale, dispersion, qc); ok {
		r.IndexLo, r.IndexHi = lo/overall, hi/overall
	}
	if t.tested {
		r.Adjusted, r.P, r.Tested = adjustedIndex(spec, t), t.p, true
	}
	return r, true
}

// pending links a Rate to its test in the family.
type pending struct {
	rate *Rate
	idx  int
}

// register adds a tested rate to the family.
func (fm *family) register(r *Rate, list *[]pending) {
	if r == nil || !r.Tested {
		return
	}
	*list = append(*list, pending{r, fm.add(r.P, math.Abs(r.Adjusted-1))})
}

// settle writes the family's q-values and flags into the rates.
func settle(fm *family, list []pending, q, minEffect float64) {
	qv, flagged := fm.resolve(q, minEffect)
	for _, p := range list {
		p.rate.Q, p.rate.Flagged = qv[p.idx], flagged[p.idx]
	}
}
