package signals

import (
	"math"

	"github.com/adpilot/adpilot/metrics"
)

// The statistics shared by the time signals.
//
// A time table is a two-way layout: blocks (days, or weeks) by levels
// (hours of the day, or weekdays). Each cell holds a count (clicks,
// impressions, conversions) and an exposure it is a rate of (impressions,
// spend, link clicks). A level's effect is tested conditionally on each
// block's own rate: the expected count of a cell is its exposure times the
// block's rate, so a good or bad day (a weekday effect, a trend, a seasonal
// week) cannot pass for an hour effect, and vice versa. Given the block
// totals, the counts of a block are multinomial over its cells, which gives
// the variance of observed minus expected; real data vary more than that
// (audience and auction changes), so the variance is multiplied by the
// Pearson dispersion of the fitted two-way model, floored at 1
// (quasi-Poisson), and the statistic is read against Student's t with the
// residual degrees of freedom.

// layout is a blocks x levels table of counts and exposures.
type layout struct {
	blocks, levels int
	num, exp       []float64 // row-major: [block*levels+level]
}

func newLayout(blocks, levels int) *layout {
	return &layout{blocks: blocks, levels: levels, num: make([]float64, blocks*levels), exp: make([]float64, blocks*levels)}
}

func (l *layout) add(block, level int, num, exp float64) {
	l.num[block*l.levels+level] += num
	l.exp[block*l.levels+level] += exp
}

// fit is the conditional fit of a layout.
type fit struct {
	l          *layout
	expected   []float64 // exposure x the block's rate
	blockTotal []float64 // observed count per block
	dispersion float64   // Pearson X²/df of the two-way model, at least 1
	df         float64   // residual degrees of freedom
}

func (l *layout) fit() *fit {
	f := &fit{l: l, expected: make([]float64, len(l.num)), blockTotal: make([]float64, l.blocks), dispersion: 1}
	blocksUsed := 0
	for b := range l.blocks {
		var n, x float64
		for c := range l.levels {
			n += l.num[b*l.levels+c]
			x += l.exp[b*l.levels+c]
		}
		f.blockTotal[b] = n
		if n <= 0 || x <= 0 {
			continue
		}
		blocksUsed++
		for c := range l.levels {
			f.expected[b*l.levels+c] = l.exp[b*l.levels+c] * n / x
		}
	}
	// Level effects (observed over expected), then the two-way fitted
	// means renormalised within each block.
	idx := make([]float64, l.levels)
	levelsUsed := 0
	for c := range l.levels {
		var o, e float64
		for b := range l.blocks {
			o += l.num[b*l.levels+c]
			e += f.expected[b*l.levels+c]
		}
		if e > 0 {
			idx[c] = o / e
			levelsUsed++
		}
	}
	var x2 float64
	cells := 0
	for b := range l.blocks {
		var w float64
		for c := range l.levels {
			w += f.expected[b*l.levels+c] * idx[c]
		}
		if !(w > 0) {
			continue
		}
		k := f.blockTotal[b] / w
		for c := range l.levels {
			mu := f.expected[b*l.levels+c] * idx[c] * k
			if mu > 0 {
				d := l.num[b*l.levels+c] - mu
				x2 += d * d / mu
				cells++
			}
		}
	}
	f.df = float64(cells - blocksUsed - levelsUsed + 1)
	if f.df > 0 {
		f.dispersion = math.Max(1, x2/f.df)
	}
	return f
}

// test is the conditional test of a set of cells.
type test struct {
	observed, expected float64
	variance           float64 // multinomial variance of observed − expected, times the dispersion
	p                  float64 // two-sided p-value; 1 when untested
	tested             bool
}

// minExpected is the smallest expected count a cell needs to be tested:
// below it the normal approximation of the count is poor.
const minExpected = 10

// testCells tests the cells of the given blocks (nil: every block) and
// levels.
func (f *fit) testCells(blocks, levels []int) test {
	l := f.l
	var t test
	visit := func(b int) {
		var eb, ob float64
		for _, c := range levels {
			eb += f.expected[b*l.levels+c]
			ob += l.num[b*l.levels+c]
		}
		t.observed += ob
		t.expected += eb
		if tb := f.blockTotal[b]; tb > 0 {
			t.variance += eb * (1 - eb/tb)
		}
	}
	if blocks == nil {
		for b := range l.blocks {
			visit(b)
		}
	} else {
		for _, b := range blocks {
			visit(b)
		}
	}
	t.variance *= f.dispersion
	t.p = 1
	if t.expected < minExpected || !(t.variance > 0) {
		return t
	}
	z := (t.observed - t.expected) / math.Sqrt(t.variance)
	t.tested = true
	if f.df >= 1 {
		p, ok := metrics.StudentTTwoSided(z, f.df)
		if ok {
			t.p = p
			return t
		}
	}
	t.p = 2 * metrics.NormalCDF(-math.Abs(z))
	return t
}

// index is observed over expected (1 when nothing was expected).
func (t test) index() float64 {
	if !(t.expected > 0) {
		return 1
	}
	return t.observed / t.expected
}

// family collects the p-values of one signal's tests for one
// Benjamini-Hochberg procedure, and the effect each must also reach.
type family struct {
	p      []float64
	effect []float64 // |adjusted index − 1| of each test
}

func (fm *family) add(p, effect float64) int {
	fm.p = append(fm.p, p)
	fm.effect = append(fm.effect, effect)
	return len(fm.p) - 1
}

// resolve returns each test's q-value and whether it is flagged:
// rejected at false discovery rate q and with an effect of at least
// minEffect.
func (fm *family) resolve(q, minEffect float64) (qv []float64, flagged []bool) {
	qv = metrics.BenjaminiHochbergAdjust(fm.p)
	rej := metrics.BenjaminiHochberg(fm.p, q)
	flagged = make([]bool, len(fm.p))
	for i := range fm.p {
		flagged[i] = rej[i] && fm.effect[i] >= minEffect-1e-12
	}
	return qv, flagged
}

// rateKind says how a metric's rate relates its count and exposure.
type rateKind int

const (
	// kindShare: value = count / exposure, a share with a Wilson interval
	// (CTR: clicks per impression; CVR: conversions per link click).
	kindShare rateKind = iota
	// kindCost: value = exposure / count × scale, a cost with a gamma
	// interval (CPC: spend per click; CPM: spend per 1000 impressions;
	// CPA: spend per conversion).
	kindCost
)

// rateValue returns the metric's value for a count and exposure.
func rateValue(k rateKind, num, exp, scale float64) (float64, bool) {
	switch k {
	case kindShare:
		if exp > 0 && num >= 0 && num <= exp {
			return num / exp, true
		}
	case kindCost:
		if num > 0 && exp >= 0 {
			return exp / num * scale, true
		}
	}
	return 0, false
}

// quantileCache memoises the gamma quantiles of rateInterval by count
// within one signal call: a weekday-hour table asks for the same small
// counts many times, and each is an inversion of the incomplete gamma
// function. A nil cache computes every time.
type quantileCache map[int64]quantileEntry

type quantileEntry struct {
	q  metrics.CostPerResultQuantiles
	ok bool
}

func (c quantileCache) get(k int64) (metrics.CostPerResultQuantiles, bool) {
	if e, hit := c[k]; hit {
		return e.q, e.ok
	}
	q, ok := metrics.NewCostPerResultQuantiles(k, 0.95)
	if c != nil {
		c[k] = quantileEntry{q, ok}
	}
	return q, ok
}

// rateInterval returns a 95% interval of the metric's value, with counts
// divided by the dispersion (a quasi-likelihood effective sample).
func rateInterval(k rateKind, num, exp, scale, dispersion float64, qc quantileCache) (lo, hi float64, ok bool) {
	d := math.Max(1, dispersion)
	switch k {
	case kindShare:
		n := int64(math.Round(exp / d))
		s := min(int64(math.Round(num/d)), n)
		return metrics.WilsonInterval(s, n, 0.95)
	case kindCost:
		k := num / d
		if k > 400 {
			// Poisson count of more than 400: the normal approximation of
			// the gamma quantiles is within 1% and far cheaper.
			x := exp / d
			return x / (k + 1.96*math.Sqrt(k)) * scale, x / (k - 1.96*math.Sqrt(k)) * scale, true
		}
		q, ok := qc.get(int64(math.Round(k)))
		if !ok || !(exp > 0) {
			return 0, 0, false
		}
		lo, hi, ok := q.Interval(int64(math.Max(1, math.Round(exp/d))))
		if !ok {
			return 0, 0, false
		}
		// The interval is for (exp/d)/(num/d): rescale to the raw ratio's
		// units (rounding exp/d changes it by under one part in exp/d).
		return lo * scale, hi * scale, true
	}
	return 0, 0, false
}
