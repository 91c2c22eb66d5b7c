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
// parameters must be positive and finite.
type BetaPrior struct {
	Alpha float64 // prior successes plus one: the first shape parameter
	Beta  float64 // prior failures plus one: the second shape parameter
}

func (p BetaPrior) valid() bool {
	return p.Alpha > 0 && p.Beta > 0 && !math.IsInf(p.Alpha, 0) && !math.IsInf(p.Beta, 0)
}

// ProbabilityBBeatsA returns the posterior probability that B's true rate
// exceeds A's, P(p_B > p_A), under independent uniform Beta(1, 1) priors.
// See [BetaPrior.ProbabilityBBeatsA].
func ProbabilityBBeatsA(successesA, trialsA, successesB, trialsB int64) (float64, bool) {
	return BetaPrior{Alpha: 1, Beta: 1}.ProbabilityBBeatsA(successesA, trialsA, successesB, trialsB)
}

// maxExactTerms bounds the length of the exact series in
// ProbabilityBBeatsA; beyond it the integral is evaluated numerically.
const maxExactTerms = 1 << 20

// ProbabilityBBeatsA returns P(p_B > p_A) where p_A ~ Beta(α + sA, β + nA −
// sA) and p_B ~ Beta(α + sB, β + nB − sB) are the posteriors of the two
// proportions under the prior p. The value is computed, not simulated:
// when one of the four posterior parameters is a whole number (always so
// with a whole-number prior) it is the exact finite series of the
// beta-comparison formula (Cook 2005; Miller 2015), summed over the
// smallest such parameter (up to 2^20 terms) in log space; otherwise it is
// the integral ∫ f_A(x)·(1 − I_x(α_B, β_B)) dx by composite Gauss–Legendre
// quadrature over the posteriors' mass, accurate to about 1e-10. When all
// four parameters exceed 2^20 (millions of successes and failures on both
// sides) the posteriors are Gaussian to within about 1e-7 and the normal
// approximation of p_B − p_A is used.
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

	// Four equivalent series; pick the shortest available.
	type plan struct {
		n          float64
		a, b, c, d float64
		complement bool
	}
	best := plan{n: math.Inf(1)}
	for _, pl := range []plan{
		{aB, aA, bA, aB, bB, false}, // sum over α_B
		{bA, bB, aB, bA, aA, false}, // by symmetry 1−p: sum over β_A
		{aA, aB, bB, aA, bA, true},  // 1 − P(A > B): sum over α_A
		{bB, bA, aA, bB, aB, true},  // 1 − P(A > B) by symmetry: sum over β_B
	} {
		if isWhole(pl.n) && pl.n < best.n {
			best = pl
		}
	}
	var prob float64
	switch {
	case best.n <= maxExactTerms:
		s := betaBeatsSeries(best.a, best.b, best.c, best.d)
		if best.complement {
			s = 1 - s
		}
		prob = s
	case min(aA, bA, aB, bB) >= maxExactTerms:
		prob = betaBeatsNormal(aA, bA, aB, bB)
	default:
		prob = betaBeatsIntegral(aA, bA, aB, bB)
	}
	return math.Min(1, math.Max(0, prob)), true
}

// isWhole reports whether v is a whole number small enough to count to.
func isWhole(v float64) bool { return v == math.Trunc(v) && v >= 1 && v <= 1<<52 }

// betaBeatsSeries returns P(Y > X) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2)
// with whole a2, as Σ_{i=0}^{a2−1} B(a1+i, b1+b2) / ((b2+i)·B(1+i, b2)·B(a1, b1)).
// Consecutive terms have the ratio (a1+i)(b2+i) / ((a1+b1+b2+i)(1+i)); the
// sum is accumulated in log space so that no term under- or overflows.
func betaBeatsSeries(a1, b1, a2, b2 float64) float64 {
	// term_0 = B(a1, b1+b2) / B(a1, b1) = Γ(b1+b2)Γ(a1+b1) / (Γ(a1+b1+b2)Γ(b1)).
	logT := lgammaRatio(b1, a1) - lgammaRatio(b1+b2, a1)
	logMax, sum := logT, 1.0
	n := int64(a2)
	total := a1 + b1 + b2
	for i := int64(1); i < n; i++ {
		fi := float64(i - 1)
		logT += math.Log((a1+fi)*(b2+fi)) - math.Log((total+fi)*(1+fi))
		if logT > logMax {
			sum = sum*math.Exp(logMax-logT) + 1
			logMax = logT
		} else {
			sum += math.Exp(logT - logMax)
		}
	}
	return math.Exp(logMax + math.Log(sum))
}

// betaMoments returns the mean and variance of Beta(a, b).
func betaMoments(a, b float64) (mean, variance float64) {
	n := a + b
	return a / n, a * b / (n * n * (n + 1))
}

// betaBeatsNormal approximates P(p_B > p_A) by the normal distribution of
// p_B − p_A. It is used only when all four parameters are at least 2^20,
// where the posteriors are Gaussian to within about 1e-7 in probability
// (checked against the exact series in the tests).
func betaBeatsNormal(aA, bA, aB, bB float64) float64 {
	mA, vA := betaMoments(aA, bA)
	mB, vB := betaMoments(aB, bB)
	return NormalCDF((mB - mA) / math.Sqrt(vA+vB))
}

// gaussLegendre16 holds the nodes (on [−1, 1]) and weights of 16-point
// Gauss–Legendre quadrature, computed once by Newton's method on the
// Legendre polynomial; never written afterwards.
var gaussLegendre16 = func() (t [2][16]float64) {
	const n = 16
	for i := range n {
		x := math.Cos(math.Pi * (float64(i) + 0.75) / (n + 0.5))
		var dp float64
		for range 100 {
			p0, p1 := 1.0, x
			for k := 2; k <= n; k++ {
				p0, p1 = p1, ((2*float64(k)-1)*x*p1-(float64(k)-1)*p0)/float64(k)
			}
			dp = n * (x*p1 - p0) / (x*x - 1)
			dx := p1 / dp
			x -= dx
			if math.Abs(dx) < 1e-16 {
				break
			}
		}
		t[0][i] = x
		t[1][i] = 2 / ((1 - x*x) * dp * dp)
	}
	return t
}()

// betaBeatsIntegral returns P(p_B > p_A) = ∫ f_A(x)·I_{1−x}(β_B, α_B) dx by
// composite 16-point Gauss–Legendre quadrature. Panel edges are laid every
// half standard deviation of both posteriors across the mass of A (±40
// standard deviations), so peaked densities and the steep survival
// function of B are both resolved. Endpoint panels at 0 (α_A < 1) or 1
// (β_A < 1), where f_A is singular, are integrated after the substitution
// x = u^(1/α), which removes the singularity.
func betaBeatsIntegral(aA, bA, aB, bB float64) float64 {
	mA, vA := betaMoments(aA, bA)
	mB, vB := betaMoments(aB, bB)
	sA, sB := math.Sqrt(vA), math.Sqrt(vB)
	lo, hi := math.Max(0, mA-40*sA), math.Min(1, mA+40*sA)
	edges := []float64{lo, hi}
	for _, g := range [][2]float64{{mA, sA}, {mB, sB}} {
		for k := -80; k <= 80; k++ {
			if e := g[0] + float64(k)*g[1]/2; e > lo && e < hi {
				edges = append(edges, e)
			}
		}
	}
	slices.Sort(edges)
	edges = slices.Compact(edges)

	// g(x) = f_A(x) · S_B(x).
	g := func(x float64) float64 {
		if x <= 0 || x >= 1 {
			return 0
		}
		return math.Exp(lnBetaKernel(aA, bA, x)) / (x * (1 - x)) * regIncBeta(bB, aB, 1-x)
	}
	panel := func(a, b float64, f func(float64) float64) float64 {
		half, mid := (b-a)/2, (a+b)/2
		s := 0.0
		for i, x := range gaussLegendre16[0] {
			s += gaussLegendre16[1][i] * f(mid+half*x)
		}
		return s * half
	}
	total := 0.0
	last := len(edges) - 2
	for i := 0; i <= last; i++ {
		a, b := edges[i], edges[i+1]
		switch {
		case i == 0 && a == 0 && aA < 1:
			// ∫_0^b g(x) dx with x = u^(1/α): dx = (1/α)·u^(1/α − 1) du, and
			// g(x)·x^(1−α) is regular at 0.
			total += panel(0, math.Pow(b, aA), func(u float64) float64 {
				x := math.Pow(u, 1/aA)
				return g(x) * x / (aA * u)
			})
		case i == last && b == 1 && bA < 1:
			total += panel(0, math.Pow(1-a, bA), func(u float64) float64 {
				y := math.Pow(u, 1/bA) // y = 1 − x
				return g(1-y) * y / (bA * u)
			})
		default:
			total += panel(a, b, g)
		}
	}
	return total
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
