package metrics

import "math"

// Special functions behind the statistics: the normal distribution, the
// regularized incomplete beta and gamma functions and their inverses.
//
// The prefactors x^a·(1−x)^b / B(a, b) and x^a·e^(−x) / Γ(a) are computed
// from Stirling's series with log1p(t) − t, as in Didonato & Morris (ACM
// TOMS 708), instead of as differences of math.Lgamma values: with counts
// in the millions the Lgamma values are ~1e8 and their differences would
// lose about eight significant digits.

const (
	ln2Pi   = 1.8378770664093454835606594728112352797227949472755668 // ln(2π)
	sqrt2   = math.Sqrt2
	epsilon = 1.0 / (1 << 52)
)

// stirlingTail returns δ(x) = lnΓ(x) − ((x − ½)·ln x − x + ½·ln 2π), the
// remainder of Stirling's approximation, for x > 0.
func stirlingTail(x float64) float64 {
	if x >= 15 {
		// Asymptotic series; the first omitted term is < 1/(1188·x⁹) < 3e-14·δ.
		x2 := 1 / (x * x)
		return (1.0/12 - x2*(1.0/360-x2*(1.0/1260-x2*(1.0/1680-x2/1188)))) / x
	}
	lg, _ := math.Lgamma(x)
	return lg - ((x-0.5)*math.Log(x) - x + 0.5*ln2Pi)
}

// log1pmx returns ln(1 + t) − t accurately, also for small |t|, for t > −1.
func log1pmx(t float64) float64 {
	if math.Abs(t) > 0.5 {
		return math.Log1p(t) - t
	}
	// With y = t/(2+t), ln(1+t) = 2·atanh(y) = 2(y + y³/3 + y⁵/5 + …) and
	// t − 2y = t·y, so ln(1+t) − t = −t·y + 2y³(1/3 + y²/5 + y⁴/7 + …);
	// |y| <= 1/3 here, and the series converges to full precision in at
	// most 17 terms (5 for |t| <= 0.01).
	y := t / (2 + t)
	y2 := y * y
	sum, pow := 1.0/3, 1.0
	for k := 5; k < 40; k += 2 {
		pow *= y2
		term := pow / float64(k)
		sum += term
		if term <= 1e-17*sum {
			break
		}
	}
	return -t*y + 2*y*y2*sum
}

// lgammaRatio returns ln(Γ(x + d) / Γ(x)) for x > 0, d >= 0, accurate also
// when x is large and d small compared to it.
func lgammaRatio(x, d float64) float64 {
	if x < 15 || x+d < 15 {
		a, _ := math.Lgamma(x + d)
		b, _ := math.Lgamma(x)
		return a - b
	}
	// (x+d−½)ln(x+d) − (x−½)ln x − d = (x−½)·ln(1+d/x) + d·ln(x+d) − d.
	return (x-0.5)*math.Log1p(d/x) + d*math.Log(x+d) - d + stirlingTail(x+d) - stirlingTail(x)
}

// lnBetaKernel returns ln(x^a · (1−x)^b / B(a, b)) for a, b > 0 and
// 0 < x < 1.
func lnBetaKernel(a, b, x float64) float64 {
	switch {
	case a >= 15 && b >= 15:
		// With p = a/(a+b): a·ln(x/p) + b·ln((1−x)/(1−p)) + ½·ln(ab/(2π(a+b)))
		// − δ(a) − δ(b) + δ(a+b); the first two terms are written with
		// log1pmx, because their linear parts cancel exactly.
		n := a + b
		t := (x*n - a) / a     // x/p − 1
		s := ((1-x)*n - b) / b // (1−x)/(1−p) − 1
		return a*log1pmx(t) + b*log1pmx(s) + 0.5*(math.Log(a)+math.Log(b)-math.Log(n)-ln2Pi) -
			stirlingTail(a) - stirlingTail(b) + stirlingTail(n)
	case a >= 15 || b >= 15:
		// One large parameter: ln B(a,b) = lnΓ(small) − ln(Γ(large+small)/Γ(large)).
		small, large := a, b
		if a > b {
			small, large = b, a
		}
		lgs, _ := math.Lgamma(small)
		return a*math.Log(x) + b*math.Log1p(-x) - lgs + lgammaRatio(large, small)
	default:
		la, _ := math.Lgamma(a)
		lb, _ := math.Lgamma(b)
		lab, _ := math.Lgamma(a + b)
		return a*math.Log(x) + b*math.Log1p(-x) - la - lb + lab
	}
}

// regIncBeta returns the regularized incomplete beta function I_x(a, b)
// for a, b > 0 and 0 <= x <= 1, by the continued fraction of Numerical
// Recipes §6.4 evaluated with the modified Lentz method.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	}
	if x > (a+1)/(a+b+2) {
		return 1 - regIncBetaCF(b, a, 1-x)
	}
	return regIncBetaCF(a, b, x)
}

// lentzTiny replaces zero denominators in the modified Lentz method.
const lentzTiny = 1e-300

// lentzStep advances the modified Lentz evaluation of a continued fraction
// by the partial numerator an and denominator bn: c and d are the running
// ratios and delta the factor by which the convergent changes.
func lentzStep(c, d, an, bn float64) (c2, d2, delta float64) {
	d = bn + an*d
	if math.Abs(d) < lentzTiny {
		d = lentzTiny
	}
	c = bn + an/c
	if math.Abs(c) < lentzTiny {
		c = lentzTiny
	}
	d = 1 / d
	return c, d, c * d
}

// regIncBetaCF evaluates I_x(a, b) by its continued fraction, which
// converges quickly for x < (a+1)/(a+b+2).
func regIncBetaCF(a, b, x float64) float64 {
	qab, qap, qam := a+b, a+1, a-1
	c, d := 1.0, 1-qab*x/qap
	if math.Abs(d) < lentzTiny {
		d = lentzTiny
	}
	d = 1 / d
	h := d
	// Convergence takes O(√max(a,b)) steps.
	maxIter := 200 + int(10*math.Sqrt(math.Max(a, b)))
	for m := 1; m <= maxIter; m++ {
		fm := float64(m)
		m2 := 2 * fm
		var del float64
		c, d, del = lentzStep(c, d, fm*(b-fm)*x/((qam+m2)*(a+m2)), 1)
		h *= del
		c, d, del = lentzStep(c, d, -(a+fm)*(qab+fm)*x/((a+m2)*(qap+m2)), 1)
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return math.Exp(lnBetaKernel(a, b, x)) * h / a
}

// lnGammaKernel returns ln(x^a · e^(−x) / Γ(a)) for a, x > 0.
func lnGammaKernel(a, x float64) float64 {
	if a >= 15 {
		// a·ln(x/a) + a − x = a·(ln(1+t) − t) with t = (x−a)/a.
		return a*log1pmx((x-a)/a) + 0.5*(math.Log(a)-ln2Pi) - stirlingTail(a)
	}
	lg, _ := math.Lgamma(a)
	return a*math.Log(x) - x - lg
}

// regIncGamma returns the regularized lower and upper incomplete gamma
// functions P(a, x) and Q(a, x) = 1 − P(a, x) for a > 0, x >= 0, each
// computed directly (not as 1 minus the other) where it is the smaller.
func regIncGamma(a, x float64) (p, q float64) {
	p, q, _ = regIncGammaKernel(a, x)
	return p, q
}

// regIncGammaKernel is regIncGamma that also returns ek = x^a e^−x / Γ(a),
// the factor both expansions share (x times the gamma density at x), for
// callers that need the density too. x <= 0 gives (0, 1, 0).
func regIncGammaKernel(a, x float64) (p, q, ek float64) {
	if x <= 0 {
		return 0, 1, 0
	}
	ek = math.Exp(lnGammaKernel(a, x))
	maxIter := 200 + int(10*math.Sqrt(a))
	if x < a+1 {
		// Series: P = x^a e^−x / Γ(a+1) · Σ xⁿ / ((a+1)…(a+n)).
		sum, term := 1.0, 1.0
		for n := 1; n <= maxIter*10; n++ {
			term *= x / (a + float64(n))
			sum += term
			if term < sum*1e-17 {
				break
			}
		}
		p = ek * sum / a
		return p, 1 - p, ek
	}
	// Continued fraction for Q (Lentz).
	b := x + 1 - a
	c := 1 / lentzTiny
	d := 1 / b
	h := d
	for i := 1; i <= maxIter; i++ {
		b += 2
		var del float64
		c, d, del = lentzStep(c, d, -float64(i)*(float64(i)-a), b)
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	q = ek * h
	return 1 - q, q, ek
}

// NormalCDF returns Φ(x), the standard normal cumulative distribution
// function, accurate in both tails.
func NormalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/sqrt2) }

// lnNormalCDF returns ln Φ(x), also where Φ(x) is subnormal or
// underflows (x below about −37.5). For x <= −20 it is
// −x²/2 − ln(−x) − ½ln 2π + ln(1 − 1/x² + 3/x⁴ − 15/x⁶ + …), the
// asymptotic series of the Mills ratio, whose terms fall below 1e-17 of
// the sum within a dozen terms there.
func lnNormalCDF(x float64) float64 {
	if x > -20 {
		return math.Log(NormalCDF(x))
	}
	x2 := x * x
	sum, term := 1.0, 1.0
	for k := 1; k < 40; k++ {
		term *= -float64(2*k-1) / x2
		sum += term
		if math.Abs(term) < 1e-17 {
			break
		}
	}
	return -0.5*x2 - math.Log(-x) - 0.5*ln2Pi + math.Log(sum)
}

// logSubnormal returns ln x for x > 0, also for subnormal x, on which
// math.Log is wrong on amd64 and s390x (golang/go#56600: ln 5e-324 comes
// out as −709.09 instead of −744.44).
func logSubnormal(x float64) float64 {
	if x < 0x1p-1022 {
		frac, exp := math.Frexp(x)
		return math.Log(frac) + float64(exp)*math.Ln2
	}
	return math.Log(x)
}

// NormalQuantile returns Φ⁻¹(p), the z such that NormalCDF(z) = p. ok is
// false unless 0 < p < 1. It is accurate to a few ulps also deep in the
// lower tail, down to the smallest subnormal p (5e-324, z = −38.47), by
// Newton's method on ln Φ; in the upper tail the precision of 1 − p
// limits it.
func NormalQuantile(p float64) (float64, bool) {
	if !(p > 0 && p < 1) {
		return 0, false
	}
	if p > 0.5 {
		z, _ := NormalQuantile(1 - p)
		return -z, true
	}
	if p == 0.5 {
		return 0, true
	}
	var x float64
	if p > 1e-10 {
		x = sqrt2 * math.Erfinv(2*p-1)
	} else {
		// Φ(−√(2L)) < e^(−L) = p, so this starts left of the root and the
		// Newton steps below (on the concave ln Φ) increase monotonically.
		x = -math.Sqrt(-2 * logSubnormal(p))
	}
	lnp := logSubnormal(p)
	for range 60 {
		// Newton on g(x) = ln Φ(x) − ln p, g' = φ(x)/Φ(x).
		lnc := lnNormalCDF(x)
		step := (lnc - lnp) / math.Exp(-0.5*x*x-0.5*ln2Pi-lnc)
		x -= step
		if math.Abs(step) <= 4*epsilon*math.Abs(x) {
			break
		}
	}
	return x, true
}

// gammaQuantile returns x with P(a, x) = p (lower tail) for a > 0 and
// 0 < p < 1, by safeguarded Newton iteration from the Wilson–Hilferty
// approximation, which it returns as is for a >= 1e9. It works on the
// smaller of the two tails for precision.
func gammaQuantile(a, p float64) float64 {
	upper := p > 0.5
	target := p
	if upper {
		target = 1 - p
	}
	z, _ := NormalQuantile(p)
	c := 1 / (9 * a)
	x := a * math.Pow(1-c+z*math.Sqrt(c), 3)
	if a >= 1e9 {
		// The Wilson–Hilferty error falls like a^(−3/2): below 1e-13
		// relative here (checked against the iteration up to a = 1e8),
		// while the iteration's cost grows like √a.
		return x
	}
	if !(x > 0) || a < 1 {
		// Small-x behaviour: P(a, x) ≈ x^a / Γ(a+1).
		lg, _ := math.Lgamma(a + 1)
		x0 := math.Exp((math.Log(p) + lg) / a)
		if !(x > 0) || x0 < x {
			x = x0
		}
	}
	lo, hi := 0.0, math.Inf(1)
	for range 200 {
		pv, qv, ek := regIncGammaKernel(a, x)
		// f(x) = tail(x) − target, with tail P (lower) or Q (upper).
		f := pv - target
		if upper {
			f = target - qv // Q decreases in x; use −(Q − target) so f increases.
		}
		if f > 0 {
			hi = x
		} else {
			lo = x
		}
		dens := ek / x
		next := x - f/dens
		if !(next > lo && next < hi) || dens == 0 || math.IsNaN(next) {
			if math.IsInf(hi, 1) {
				next = 2*x + 1
			} else {
				next = 0.5 * (lo + hi)
			}
		}
		if math.Abs(next-x) <= 4*epsilon*x {
			return next
		}
		x = next
	}
	return x
}
