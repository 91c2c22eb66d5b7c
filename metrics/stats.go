package metrics

import (
	"math"
	"slices"
)

// validConfidence reports whether c is a confidence level in (0, 1).
func validConfidence(c float64) bool { return c > 0 && c < 1 }

// validProportion reports whether successes of trials is valid input.
func validProportion(successes, trials int64) bool {
	return successes >= 0 && trials >= 0 && successes <= trials
}

// Interval is a two-sided confidence (or credible) interval of a value:
// [Lo, Hi] at Confidence (0.95 for 95%), in the value's unit. The
// functions of this package return bounds as (lo, hi, ok); the rule
// engine's evidence (rules.Evidence) and the analysis pass's figures
// (analysis.Figure) carry them as an Interval.
type Interval struct {
	Lo         float64 `json:"lo"`         // lower bound
	Hi         float64 `json:"hi"`         // upper bound
	Confidence float64 `json:"confidence"` // such as 0.95
}

// WilsonInterval returns the Wilson score interval for a proportion
// successes / trials (CTR, CVR, hook rate) at the given two-sided
// confidence level (0.95 for 95%). Unlike the normal approximation it stays
// inside [0, 1] and behaves well for small samples and rates near 0; rank
// ads with small samples by the lower bound. ok is false when trials <= 0,
// successes is outside [0, trials], or confidence is outside (0, 1).
func WilsonInterval(successes, trials int64, confidence float64) (lo, hi float64, ok bool) {
	if trials <= 0 || !validProportion(successes, trials) || !validConfidence(confidence) {
		return 0, 0, false
	}
	z, zok := NormalQuantile(0.5 + confidence/2)
	if !zok {
		return 0, 0, false // confidence so close to 1 that 0.5 + c/2 rounds to 1
	}
	n := float64(trials)
	p := float64(successes) / n
	z2 := z * z
	den := 1 + z2/n
	centre := (p + z2/(2*n)) / den
	half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / den
	lo, hi = centre-half, centre+half
	// Rounding can push the bounds a hair outside [0, 1] (and past p at
	// the boundaries, where the exact bound equals p).
	lo = math.Max(0, math.Min(lo, p))
	hi = math.Min(1, math.Max(hi, p))
	return lo, hi, true
}

// ZTest is the result of [TwoProportionZTest].
type ZTest struct {
	RateA, RateB float64 // observed proportions successes / trials
	Diff         float64 // RateB − RateA
	Z            float64 // (RateB − RateA) / pooled standard error
	PValue       float64 // two-sided p-value, 2·Φ(−|Z|)
}

// TwoProportionZTest compares two proportions (for example the link CTR of
// ads A and B) with the pooled two-proportion z-test:
// z = (p̂B − p̂A) / √(p̄(1−p̄)(1/nA + 1/nB)). Positive Z means B's rate is
// higher. ok is false when either trials count is <= 0, successes are
// outside [0, trials], or the pooled rate is 0 or 1 (no variance, so no
// test).
func TwoProportionZTest(successesA, trialsA, successesB, trialsB int64) (ZTest, bool) {
	if trialsA <= 0 || trialsB <= 0 || !validProportion(successesA, trialsA) || !validProportion(successesB, trialsB) {
		return ZTest{}, false
	}
	nA, nB := float64(trialsA), float64(trialsB)
	pA, pB := float64(successesA)/nA, float64(successesB)/nB
	pool := (float64(successesA) + float64(successesB)) / (nA + nB)
	v := pool * (1 - pool) * (1/nA + 1/nB)
	if !(v > 0) {
		return ZTest{}, false
	}
	z := (pB - pA) / math.Sqrt(v)
	return ZTest{RateA: pA, RateB: pB, Diff: pB - pA, Z: z, PValue: 2 * NormalCDF(-math.Abs(z))}, true
}

// BetaPrior is a Beta(Alpha, Beta) prior on a proportion for Bayesian
// comparisons. Beta(1, 1) is uniform; an empirical-Bayes prior fitted to
// the account's ads shrinks small samples toward the account's rate. Both
// parameters must lie in [[MinBetaPrior], [MaxBetaPrior]].
type BetaPrior struct {
	Alpha float64 // prior successes plus one: the first shape parameter
	Beta  float64 // prior failures plus one: the second shape parameter
}

// The bounds of the parameters of a [BetaPrior]. A prior worth more than
// 1e18 observations is no prior, and a parameter below 1e-300 acts as 0
// does (the prior puts all its mass at 0 or 1); the bounds keep the
// posterior parameters, their products and their logarithms inside
// float64's normal range.
const (
	MinBetaPrior = 1e-300
	MaxBetaPrior = 1e18
)

func (p BetaPrior) valid() bool {
	return p.Alpha >= MinBetaPrior && p.Beta >= MinBetaPrior && p.Alpha <= MaxBetaPrior && p.Beta <= MaxBetaPrior
}

// ProbabilityBBeatsA returns the posterior probability that B's true rate
// exceeds A's, P(p_B > p_A), under independent uniform Beta(1, 1) priors.
// See [BetaPrior.ProbabilityBBeatsA].
func ProbabilityBBeatsA(successesA, trialsA, successesB, trialsB int64) (float64, bool) {
	return BetaPrior{Alpha: 1, Beta: 1}.ProbabilityBBeatsA(successesA, trialsA, successesB, trialsB)
}

// ProbabilityBBeatsA returns P(p_B > p_A) where p_A ~ Beta(α + sA, β + nA −
// sA) and p_B ~ Beta(α + sB, β + nB − sB) are the posteriors of the two
// proportions under the prior p. The value is computed, not simulated, for
// any prior (whole-number or not), to within an absolute error of 1e-12
// when some posterior parameter is below 2^16 and of 1e-10 when all four
// are at least 2^16, checked against 40-digit values computed
// independently (metrics/testdata: shapes below 1 and between 1 and 2,
// counts near 2^16, 2^20 and 1e9, unequal trials). The bound holds for
// posterior parameters up to about 1e13; beyond, the rounding of the counts
// to float64 alone moves the answer by more.
//
// Below 2^16 it is a convergent series of positive terms (the expansion
// of the incomplete beta function by its recurrence in the first
// parameter, in whichever of four equivalent forms needs the fewest
// terms), summed outward from its largest term until a proven bound on the
// rest is below 1e-17 of the sum: about a hundred terms for counts in the
// thousands, growing like the square root of the smaller counts, at most a
// few thousand. From 2^16 on it is the Edgeworth expansion, to fourth
// order, of the difference of the two posteriors' log odds, whose
// cumulants are exact polygamma values: constant time, with omitted terms
// of order m^(−5/2) for the smallest parameter m (about 4e-14 at 2^16).
//
// Zero trials are allowed (the posterior is the prior). ok is false when
// a successes count is outside [0, trials] or the prior is invalid.
func (p BetaPrior) ProbabilityBBeatsA(successesA, trialsA, successesB, trialsB int64) (float64, bool) {
	if !p.valid() || !validProportion(successesA, trialsA) || !validProportion(successesB, trialsB) {
		return 0, false
	}
	aA := p.Alpha + float64(successesA)
	bA := p.Beta + float64(trialsA-successesA)
	aB := p.Alpha + float64(successesB)
	bB := p.Beta + float64(trialsB-successesB)
	return math.Min(1, math.Max(0, betaBeats(aA, bA, aB, bB))), true
}

// CostPerResultInterval returns a credible interval for the true cost per
// result (CPA) in minor units, given spend (minor units) and the number of
// results, at the given two-sided level (0.95 for 95%).
//
// Results are modelled as a Poisson process in spend: results per minor
// unit λ has the Jeffreys prior and posterior Gamma(results + ½, rate =
// spend), and the cost per result is 1/λ, so the interval is
// [spend / G(1 − α/2), spend / G(α/2)] with G the quantiles of
// Gamma(results + ½, 1) and α = 1 − confidence. With zero results the
// interval is still finite: it says how expensive results may be.
//
// ok is false when spend <= 0 (nothing was bought, so nothing is known),
// results < 0, or confidence is outside (0, 1).
func CostPerResultInterval(spend, results int64, confidence float64) (lo, hi float64, ok bool) {
	if spend <= 0 {
		return 0, 0, false
	}
	q, ok := NewCostPerResultQuantiles(results, confidence)
	if !ok {
		return 0, 0, false
	}
	return q.Interval(spend)
}

// CostPerResultQuantiles are the two quantiles of Gamma(results + ½, 1)
// behind [CostPerResultInterval]: for spend s the interval is s / Hi to
// s / Lo. They depend only on the number of results and the confidence, so
// a caller computing intervals for many entities (a rule engine over
// thousands of ad sets) can compute them once per result count and reuse
// them; the interval is bit for bit the one CostPerResultInterval returns.
type CostPerResultQuantiles struct {
	Lo, Hi float64 // G(α/2) and G(1 − α/2), α = 1 − confidence
}

// NewCostPerResultQuantiles computes the quantiles for results at the
// two-sided confidence level. ok is false when results < 0, confidence is
// outside (0, 1), or the quantiles are not usable (a confidence
// indistinguishable from 1).
func NewCostPerResultQuantiles(results int64, confidence float64) (CostPerResultQuantiles, bool) {
	if results < 0 || !validConfidence(confidence) {
		return CostPerResultQuantiles{}, false
	}
	shape := float64(results) + 0.5
	alpha := 1 - confidence
	if !(alpha/2 > 0 && 1-alpha/2 < 1) {
		return CostPerResultQuantiles{}, false // confidence indistinguishable from 1
	}
	gLo := gammaQuantile(shape, alpha/2)
	gHi := gammaQuantile(shape, 1-alpha/2)
	if !(gLo > 0) || math.IsInf(gHi, 0) || math.IsNaN(gHi) {
		return CostPerResultQuantiles{}, false
	}
	return CostPerResultQuantiles{Lo: gLo, Hi: gHi}, true
}

// Interval returns the cost-per-result interval for spend (minor units):
// spend / q.Hi to spend / q.Lo. ok is false when spend <= 0, when q is not
// from a successful [NewCostPerResultQuantiles] (Lo must be positive and
// Hi finite), or when the interval overflows.
func (q CostPerResultQuantiles) Interval(spend int64) (lo, hi float64, ok bool) {
	if spend <= 0 || !(q.Lo > 0) || !(q.Hi >= q.Lo) || math.IsInf(q.Hi, 0) {
		return 0, 0, false
	}
	s := float64(spend)
	lo, hi = s/q.Hi, s/q.Lo
	if math.IsInf(hi, 0) {
		return 0, 0, false
	}
	return lo, hi, true
}

// validP maps an invalid p-value (NaN or outside [0, 1]) to 1, so that it
// is never rejected.
func validP(p float64) float64 {
	if p >= 0 && p <= 1 {
		return p
	}
	return 1
}

// BenjaminiHochbergAdjust returns the Benjamini–Hochberg adjusted p-values
// (q-values) of pvalues, in the input order: adj_(i) = min over j >= i of
// m·p_(j)/j for the sorted p-values, capped at 1. Rejecting every test with
// an adjusted value <= q controls the false discovery rate at q. Invalid
// p-values (NaN or outside [0, 1]) are treated as 1.
func BenjaminiHochbergAdjust(pvalues []float64) []float64 {
	m := len(pvalues)
	adj := make([]float64, m)
	if m == 0 {
		return adj
	}
	order := sortedByP(pvalues)
	running := 1.0
	for r := m - 1; r >= 0; r-- {
		i := order[r]
		v := validP(pvalues[i]) * float64(m) / float64(r+1)
		running = math.Min(running, v)
		adj[i] = running
	}
	return adj
}

// BenjaminiHochberg returns, for each p-value, whether its null hypothesis
// is rejected by the Benjamini–Hochberg step-up procedure at false
// discovery rate q: with the p-values sorted ascending, find the largest k
// with p_(k) <= k·q/m and reject the k smallest. Use it for many cells at
// once (168 hour-of-week cells, many ads) instead of testing each at 0.05.
// When q is outside (0, 1] nothing is rejected; invalid p-values (NaN or
// outside [0, 1]) are never rejected.
func BenjaminiHochberg(pvalues []float64, q float64) []bool {
	m := len(pvalues)
	out := make([]bool, m)
	if !(q > 0 && q <= 1) || m == 0 {
		return out
	}
	order := sortedByP(pvalues)
	k := 0 // number rejected: the largest rank r with p_(r) <= r·q/m
	for r := m; r >= 1; r-- {
		p := pvalues[order[r-1]]
		if validP(p) == p && p <= float64(r)*q/float64(m) {
			k = r
			break
		}
	}
	for _, i := range order[:k] {
		out[i] = validP(pvalues[i]) == pvalues[i] // never reject invalid input
	}
	return out
}

// sortedByP returns the indices of pvalues ordered by ascending p-value,
// invalid p-values counting as 1, ties in input order.
func sortedByP(pvalues []float64) []int {
	order := make([]int, len(pvalues))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		pi, pj := validP(pvalues[i]), validP(pvalues[j])
		switch {
		case pi < pj:
			return -1
		case pi > pj:
			return 1
		}
		return 0
	})
	return order
}

// Trend is a least-squares line y = Intercept + Slope·x fitted to a series
// at x = 0, 1, …, N−1 (for example daily link CTR, oldest first).
type Trend struct {
	N         int     // number of points (of positive weight)
	Slope     float64 // change of y per step of x
	Intercept float64 // fitted y at x = 0
	StdErr    float64 // standard error of Slope (N − 2 degrees of freedom)
	// TStat is Slope / StdErr; a perfect fit (StdErr == 0) with a
	// non-zero slope gives ±math.MaxFloat64, never Inf.
	TStat float64
	// PValue is the two-sided p-value of TStat under Student's t with
	// N − 2 degrees of freedom (H0: slope 0).
	PValue float64
	R2     float64 // coefficient of determination (0 for a constant series)
}

// LinearTrend fits an ordinary least-squares line to ys against their
// index and returns the slope with its standard error. Fatigue detection
// flags a slope < 0 with TStat < −2 over 7 or more points. ok is false when
// there are fewer than 3 points or any value is NaN or Inf.
func LinearTrend(ys []float64) (Trend, bool) {
	return WeightedLinearTrend(ys, nil)
}

// WeightedLinearTrend fits a weighted least-squares line to ys against
// their index, with weights such as each day's impressions when ys are
// daily rates (a day with more data counts more). Points with weight 0
// are ignored; nil weights mean all 1 (ordinary least squares). The
// residual variance is estimated as Σwᵢrᵢ² / (N − 2) with N the number of
// points of positive weight, and the slope's standard error as
// √(σ² / Σwᵢ(xᵢ − x̄_w)²), as in standard WLS.
//
// ok is false when fewer than 3 points have positive weight (or they all
// share one x), a value or weight is NaN or Inf, a weight is negative,
// len(weights) differs from len(ys), or sums overflow.
func WeightedLinearTrend(ys, weights []float64) (Trend, bool) {
	if weights != nil && len(weights) != len(ys) {
		return Trend{}, false
	}
	w := func(i int) float64 {
		if weights == nil {
			return 1
		}
		return weights[i]
	}
	var sw, swx, swy float64
	n := 0
	for i, y := range ys {
		wi := w(i)
		if !finite(y) || !finite(wi) || wi < 0 {
			return Trend{}, false
		}
		if wi == 0 {
			continue
		}
		n++
		sw += wi
		swx += wi * float64(i)
		swy += wi * y
	}
	if n < 3 || !finite(sw) || !finite(swy) {
		return Trend{}, false
	}
	xbar, ybar := swx/sw, swy/sw
	var sxx, sxy, syy float64
	for i, y := range ys {
		wi := w(i)
		dx, dy := float64(i)-xbar, y-ybar
		sxx += wi * dx * dx
		sxy += wi * dx * dy
		syy += wi * dy * dy
	}
	if !(sxx > 0) || !finite(sxy) || !finite(syy) {
		return Trend{}, false
	}
	slope := sxy / sxx
	var rss float64
	for i, y := range ys {
		r := y - ybar - slope*(float64(i)-xbar)
		rss += w(i) * r * r
	}
	if !finite(rss) {
		return Trend{}, false // overflow of squared huge values
	}
	df := float64(n - 2)
	se := math.Sqrt(rss / df / sxx)
	t := Trend{N: n, Slope: slope, Intercept: ybar - slope*xbar, StdErr: se}
	if syy > 0 {
		t.R2 = math.Max(0, 1-rss/syy)
	}
	switch {
	case se > 0:
		t.TStat = slope / se
		t.PValue = studentTwoSided(t.TStat, df)
	case slope != 0:
		t.TStat = math.Copysign(math.MaxFloat64, slope)
		t.PValue = 0
	default:
		t.PValue = 1
	}
	return t, true
}

// finite reports whether v is neither NaN nor ±Inf.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// studentTwoSided returns P(|T| > |t|) for Student's t with df degrees of
// freedom: I_{df/(df+t²)}(df/2, ½).
func studentTwoSided(t, df float64) float64 {
	x := df / (df + t*t)
	if math.IsInf(t*t, 0) {
		return 0
	}
	return regIncBeta(df/2, 0.5, x)
}
