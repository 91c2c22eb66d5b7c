package metrics

import "math"

// P(Y > X) for independent X ~ Beta(a1, b1) and Y ~ Beta(a2, b2), written
// G(a1, b1, a2, b2) below.
//
// Raising the first parameter by one moves X up, and the step is a closed
// form (DLMF 8.17.20 integrated against the density of Y):
//
//	G(N, q, r, s) − G(N+1, q, r, s) = c(N) = B(N+r, q+s) / (N · B(N, q) · B(r, s)),
//
// and G → 0 as the first parameter grows, so G(p, q, r, s) = Σ_{n≥0} c(p+n):
// a series of positive terms, valid for every positive parameter. (Started
// at N = 0 the series sums to 1, so for a whole a2 the first a2 terms of
// the swapped arrangement below, Σ_{N<a2} c'(N), are G itself: the finite
// series of Cook 2005 and Miller 2015.)
// Consecutive terms have the ratio
//
//	c(N+1) / c(N) = (N+q)(N+r) / ((N+1)(N+q+r+s)),
//
// so the terms rise to one peak, at N = (qr − q − r − s)/(1 + s), and fall
// on both sides: like a Gaussian of variance (N+1)(N+q+r+s)/(1+s) near the
// peak, and like N^−(1+s) far beyond it. The symmetries
// G(a1, b1, a2, b2) = G(b2, a2, b1, a1) (reflection x → 1 − x) and
// G = 1 − G(a2, b2, a1, b1) (swap) give four series for one probability;
// betaBeats sums the one that needs the fewest terms, from its largest
// term outward, and first raises a small fourth parameter s (whose power
// tail would converge slowly) by whole steps, each step again a term of
// the reflected series: G(p, q, r, s) = c'(s) + G(p, q, r, s+1) with c' the
// term of the arrangement (s, r, q, p).
//
// When every parameter is at least edgeworthMin, the series would need
// thousands of terms; the Edgeworth expansion of the log odds difference
// is then accurate to far better than 1e-10 and costs a constant time.

const (
	// edgeworthMin is the smallest parameter from which betaBeats uses the
	// Edgeworth expansion (its error is below 1e-13 there; see the tests).
	edgeworthMin = 1 << 16
	// raiseTo is the fourth parameter a series is raised to before it is
	// summed: its tail then falls at least like N^−21.
	raiseTo = 20
	// seriesEps is the relative size of the proven bound on the terms not
	// summed, and seriesFloor its absolute size for sums so small that only
	// their absolute error matters (the terms of such a sum can reach the
	// subnormal range, where relative bounds underflow).
	seriesEps   = 0x1p-56
	seriesFloor = 0x1p-70
	// maxSeriesTerms bounds the work of one series; the cheapest
	// arrangement needs far fewer below edgeworthMin (about 17·√(2^17) ≈
	// 6,000 at worst), so it is a guard against a bug, not a limit of
	// inputs.
	maxSeriesTerms = 1 << 24
	// negligibleCheckCost is the estimated length above which betaBeats
	// looks for an arrangement whose whole series is negligible.
	negligibleCheckCost = 1000
)

// betaBeats returns G(a1, b1, a2, b2) = P(Y > X) for X ~ Beta(a1, b1) and
// Y ~ Beta(a2, b2), all four parameters positive and finite.
func betaBeats(a1, b1, a2, b2 float64) float64 {
	if min(a1, b1, a2, b2) >= edgeworthMin {
		return betaBeatsEdgeworth(a1, b1, a2, b2)
	}
	g, _ := betaBeatsSeries(a1, b1, a2, b2)
	return g
}

// betaBeatsSeries returns G(a1, b1, a2, b2) by the series of the cheapest
// arrangement, and the number of terms summed.
func betaBeatsSeries(a1, b1, a2, b2 float64) (g float64, terms int) {
	arr := [4]struct {
		p, q, r, s float64
		swap       bool
	}{
		{a1, b1, a2, b2, false}, // G
		{b2, a2, b1, a1, false}, // reflection
		{a2, b2, a1, b1, true},  // 1 − G(A beats B)
		{b1, a1, b2, a2, true},  // 1 − reflection of it
	}
	best, bestCost := 0, math.Inf(1)
	for i, a := range arr {
		if c := seriesCost(a.p, a.q, a.r, a.s); c < bestCost {
			best, bestCost = i, c
		}
	}
	if bestCost > negligibleCheckCost {
		// Far apart posteriors: some arrangement may start far past its
		// peak with a first term so small that the whole series is
		// negligible, though its length estimate is large.
		for _, a := range arr {
			if seriesNegligible(a.p, a.q, a.r, a.s) {
				if a.swap {
					return 1, 0
				}
				return 0, 0
			}
		}
	}
	a := arr[best]
	if a.s < raiseTo {
		k := math.Ceil(raiseTo - a.s)
		g, terms = betaSeries(a.s, a.r, a.q, a.p, k) // the k raising steps
		a.s += k
	}
	sum, n := betaSeries(a.p, a.q, a.r, a.s, math.Inf(1))
	g += sum
	terms += n
	if a.swap {
		return 1 - g, terms
	}
	return g, terms
}

// seriesNegligible reports whether the series of G(p, q, r, s) sums to
// less than 2^−66, proven from its first term: when it starts past its
// peak and the tail bound of betaSeries holds there, the sum is at most
// c(p)·(1 + p/(g(p) − 1)).
func seriesNegligible(p, q, r, s float64) bool {
	if s < raiseTo || (q*r-q-r-s)/(1+s) > p {
		return false
	}
	a := q + r + s
	c := a - q*r
	h := ((1+s)*p + c) / ((p + 1) * (p + a))
	g := p * h
	quad := (((1+s)*(1+a)-c)*p+2*(1+s)*a)*p + c*a
	if !(quad >= 0 && g > 1) {
		return false
	}
	return lnBetaTerm(p, q, r, s)+math.Log1p(p/(g-1)) < -66*math.Ln2
}

// seriesCost estimates the number of terms betaBeats sums for the
// arrangement (p, q, r, s): the raising steps and the terms within about
// nine standard deviations of the peak of the series that remain after
// its start p.
func seriesCost(p, q, r, s float64) float64 {
	cost := 0.0
	if s < raiseTo {
		cost = math.Ceil(raiseTo - s)
		s += cost
	}
	peak := (q*r - q - r - s) / (1 + s)
	u := max(p, peak)
	sd := math.Sqrt((u + 1) * (u + q + r + s) / (1 + s))
	const width = 9 // standard deviations to a term 1e-17 of the peak
	if peak > p {
		return cost + min(peak-p, width*sd) + width*sd
	}
	d := p - peak // the series starts past its peak
	return cost + math.Sqrt(d*d+2*width*width*sd*sd) - d + 1
}

// betaSeries returns Σ_{n=0}^{limit−1} c(p+n) with c the term of G(p, q,
// r, s) (limit may be +Inf). It starts at the largest term and sums
// outward with the term ratio. Below the peak the terms fall at least
// geometrically (the ratio falls with N there), so the rest is bounded by
// the last term times ρ/(1−ρ), ρ the last backward ratio. Above it,
// 1 − ratio = h(N) = ((1+s)N + C) / ((N+1)(N+q+r+s)) with C = q + r + s −
// qr; once g(N) = N·h(N) is increasing (the sign of a quadratic) and above
// 1, the terms after N are at most c(N)·(N/M)^g(N) at M > N, whose sum is
// below c(N)·N/(g(N) − 1).
//
// steps is the number of terms summed after the first.
func betaSeries(p, q, r, s, limit float64) (sum float64, steps int) {
	if limit <= 0 {
		return 0, 0
	}
	a := q + r + s // N + a is the last factor of the ratio's denominator
	n0 := 0.0
	if peak := (q*r - q - r - s) / (1 + s); peak > p {
		n0 = min(math.Ceil(peak-p), limit-1) // the first N at or past the peak
	}
	first := math.Exp(lnBetaTerm(p+n0, q, r, s))
	if first == 0 {
		return 0, 0 // the largest term underflows: the sum is below 1e-300
	}
	sum = first
	// Upward from the start, two terms per division (d1·d2 stays below
	// 1e78 for parameters up to 2e19: MaxInt64 trials plus MaxBetaPrior).
	t := first
	c := a - q*r
	pq := (1 + s) * (1 + a)
	n := n0
up:
	for steps < maxSeriesTerms {
		N := p + n
		switch {
		case n+2 < limit:
			n1, d1 := (N+q)*(N+r), (N+1)*(N+a)
			n2, d2 := (N+1+q)*(N+1+r), (N+2)*(N+1+a)
			inv := 1 / (d1 * d2)
			t1 := t * (n1 * d2 * inv)
			t = t1 * (n2 * d1 * inv)
			sum += t1
			sum += t
			n += 2
			steps += 2
		case n+1 < limit:
			t *= (N + q) * (N + r) / ((N + 1) * (N + a))
			sum += t
			n++
			steps++
		default:
			break up
		}
		if t > seriesEps*sum && t > seriesFloor {
			continue
		}
		// t is the term at M = p + n; bound the terms after it.
		tol := max(seriesEps*sum, seriesFloor)
		if math.IsInf(limit, 1) {
			M := p + n
			h := ((1+s)*M + c) / ((M + 1) * (M + a))
			g := M * h
			quad := ((pq-c)*M+2*(1+s)*a)*M + c*a
			if quad >= 0 && g > 1 && t*M/(g-1) <= tol {
				break
			}
			continue
		}
		if t*(limit-1-n) <= tol {
			break // finitely many terms left, each below t
		}
	}
	// Downward from the start, two terms per division as well.
	t = first
	for n := n0; n > 0 && steps < maxSeriesTerms; {
		N := p + n // t is the term at N
		var back float64
		if n >= 2 {
			n1, d1 := N*(N-1+a), (N-1+q)*(N-1+r)
			n2, d2 := (N-1)*(N-2+a), (N-2+q)*(N-2+r)
			inv := 1 / (d1 * d2)
			back = n2 * d1 * inv
			t1 := t * (n1 * d2 * inv)
			t = t1 * back
			sum += t1
			sum += t
			n -= 2
			steps += 2
		} else {
			back = N * (N - 1 + a) / ((N - 1 + q) * (N - 1 + r))
			t *= back
			sum += t
			n--
			steps++
		}
		// Below n the terms fall at least by the factor back at each step.
		tol := max(seriesEps*sum, seriesFloor)
		if t <= tol && (back < 1 && t*back/(1-back) <= tol || t*n <= tol) {
			break
		}
	}
	return sum, steps
}

// lnBetaTerm returns ln c(N) = ln(B(N+r, q+s) / (N·B(N, q)·B(r, s))) for
// positive arguments. The beta functions are written with Stirling's
// formula, lnΓ(x) = (x − ½)ln x − x + ½ln 2π + δ(x): their large parts
// then combine into four terms x·(ln(1+t) − t), each at most 0, that
// vanish at the peak of the series (where Ns = qr), so nothing cancels
// even when the log-beta values are near 1e10 and their sum is small.
func lnBetaTerm(N, q, r, s float64) float64 {
	S := N + q + r + s
	d := math.FMA(N, s, -q*r) / S // N·s − q·r, over S
	// x·(ln(1+t) − t) with 1 + t = (u/S)·(v/x): for |t| > ½ the logarithm
	// is taken of the ratio itself, since t near −1 would lose its digits.
	part := func(x, t, u, v float64) float64 {
		if math.Abs(t) <= 0.5 {
			return x * log1pmx(t)
		}
		return x * (lnRatio(u, S) + lnRatio(v, x) - t)
	}
	main := part(N, -d/N, N+r, N+q) + part(q, d/q, q+s, N+q) + part(r, d/r, N+r, r+s) + part(s, -d/s, q+s, r+s)
	// ½·ln(S·q·r·s / (N·(N+r)·(q+s)·(r+s)·(N+q))), as one logarithm when
	// the product is a normal float64.
	var half float64
	if f := S / (N + r) * (q / (q + s)) * (r / (r + s)) * (s / (N + q)) / N; f >= 0x1p-1000 && f <= 0x1p1000 {
		half = 0.5 * math.Log(f)
	} else {
		half = 0.5 * (lnRatio(S, N+r) + lnRatio(q, q+s) + lnRatio(r, r+s) + lnRatio(s, N+q) - math.Log(N))
	}
	delta := stirlingTail(N+r) + stirlingTail(q+s) - stirlingTail(S) -
		stirlingTail(N) - stirlingTail(q) + stirlingTail(N+q) -
		stirlingTail(r) - stirlingTail(s) + stirlingTail(r+s)
	return main + half - 0.5*ln2Pi + delta
}

// lnRatio returns ln(x/y) for positive x and y, also when x/y would
// overflow or underflow.
func lnRatio(x, y float64) float64 {
	if q := x / y; q >= 0x1p-1000 && q <= 0x1p1000 {
		return math.Log(q)
	}
	return math.Log(x) - math.Log(y)
}

// betaBeatsEdgeworth returns P(Y > X) for X ~ Beta(a1, b1), Y ~ Beta(a2,
// b2), all parameters at least edgeworthMin, by the Edgeworth expansion of
// D = logit Y − logit X to fourth order (terms through λ6, λ3⁴). With
// logit Beta(a, b) = ln G_a − ln G_b for independent gamma variables, the
// cumulants of D are exact: κ_n(ln G_a) = ψ^(n−1)(a), so κ_n(D) =
// ψ^(n−1)(a2) + (−1)^n ψ^(n−1)(b2) + (−1)^n ψ^(n−1)(a1) + ψ^(n−1)(b1).
// The standardized cumulants λ_n = κ_n/κ_2^(n/2) shrink like m^(1−n/2)
// with m the smallest parameter, so the first omitted terms are of order
// m^(−5/2).
func betaBeatsEdgeworth(a1, b1, a2, b2 float64) float64 {
	k1 := digammaDiff(a2, a1) - digammaDiff(b2, b1)
	k2 := trigamma(a2) + trigamma(b2) + trigamma(a1) + trigamma(b1)
	k3 := polygammaTail(2, a2) - polygammaTail(2, b2) - polygammaTail(2, a1) + polygammaTail(2, b1)
	k4 := polygammaTail(3, a2) + polygammaTail(3, b2) + polygammaTail(3, a1) + polygammaTail(3, b1)
	k5 := polygammaTail(4, a2) - polygammaTail(4, b2) - polygammaTail(4, a1) + polygammaTail(4, b1)
	k6 := polygammaTail(5, a2) + polygammaTail(5, b2) + polygammaTail(5, a1) + polygammaTail(5, b1)
	sd := math.Sqrt(k2)
	l3, l4, l5, l6 := k3/(k2*sd), k4/(k2*k2), k5/(k2*k2*sd), k6/(k2*k2*k2)
	// P(D > 0) = 1 − F(x) at x = −κ1/σ, with
	// F(x) = Φ(x) − φ(x)·Σ c_j He_{j−1}(x) for the density terms c_j He_j.
	x := -k1 / sd
	var he [12]float64 // He_0 … He_11 (probabilists' Hermite polynomials)
	he[0], he[1] = 1, x
	for j := 2; j < len(he); j++ {
		he[j] = x*he[j-1] - float64(j-1)*he[j-2]
	}
	s := l3/6*he[2] +
		l4/24*he[3] + l3*l3/72*he[5] +
		l5/120*he[4] + l3*l4/144*he[6] + l3*l3*l3/1296*he[8] +
		l6/720*he[5] + (l4*l4/1152+l3*l5/720)*he[7] + l3*l3*l4/1728*he[9] + l3*l3*l3*l3/31104*he[11]
	phi := math.Exp(-0.5*x*x - 0.5*ln2Pi)
	return NormalCDF(k1/sd) + phi*s
}

// digammaDiff returns ψ(x) − ψ(y) for x, y >= 15 by the asymptotic series
// ψ(x) = ln x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶); the logarithm
// of the ratio keeps the difference accurate when x and y are close.
func digammaDiff(x, y float64) float64 {
	tail := func(v float64) float64 {
		w := 1 / (v * v)
		return 0.5/v + w*(1.0/12-w*(1.0/120-w/252))
	}
	return math.Log(x/y) - (tail(x) - tail(y))
}

// trigamma returns ψ′(x) for x >= 15 by the asymptotic series
// 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹).
func trigamma(x float64) float64 {
	w := 1 / (x * x)
	return 1/x + 0.5*w + w/x*(1.0/6-w*(1.0/30-w*(1.0/42-w/30)))
}

// polygammaTail returns ψ^(n)(x) for n >= 2 and large x, by the leading
// terms (−1)^(n+1)·((n−1)!/x^n + n!/(2x^(n+1)) + (n+1)!/(12x^(n+2))): the
// relative error is below 1e-9 for x >= 2^16, far more than the Edgeworth
// terms need.
func polygammaTail(n int, x float64) float64 {
	f := 1.0 // (n−1)!
	for k := 2; k < n; k++ {
		f *= float64(k)
	}
	fn := float64(n)
	v := f / math.Pow(x, fn) * (1 + fn/(2*x) + fn*(fn+1)/(12*x*x))
	if n%2 == 0 {
		return -v
	}
	return v
}
