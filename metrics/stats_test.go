package metrics

import (
	"math"
	"testing"
)

// Reference values in this file were computed independently with Python's
// mpmath 1.3.0 at 30–40 significant digits (mp.dps = 40), by different
// methods than the package uses: erfinv/findroot for normal quantiles,
// mp.betainc (hypergeometric series) or mp.quad of the beta density for
// the incomplete beta, mp.gammainc plus 200-step bisection for gamma
// quantiles, and the beta-comparison series evaluated with mp.beta (no
// term recursion) or mp.quad for P(B > A). Each value is quoted as printed
// by mp.nstr(·, 20).

// TestNormalQuantile checks testdata/normal_quantile.csv (mp.findroot on
// ln Φ at 50 digits, see testdata/gen_stats.py): down to the smallest
// subnormal p, and up to 1 − 2^−53; and testdata/normal_quantile_audit.csv
// (random p from 1e-323 up, by mpmath's erfinv at 400 digits, see
// testdata/gen_normal_quantile_audit.py).
func TestNormalQuantile(t *testing.T) {
	_, rows := readTable(t, "testdata/normal_quantile.csv")
	_, audit := readTable(t, "testdata/normal_quantile_audit.csv")
	rows = append(rows, audit...)
	for _, r := range rows {
		p, want := parseFloat(t, r[0]), parseFloat(t, r[1])
		got, ok := NormalQuantile(p)
		tol := 1e-14
		if p > 0.5 {
			tol = 1e-12 // the precision of 1 − p limits it
		}
		if !ok || !approx(got, want, tol) {
			t.Errorf("NormalQuantile(%s) = %.17g, %v; want %s", r[0], got, ok, r[1])
		}
		if p < 0.5 && p > 1e-300 {
			// Φ's relative condition number at z is about z², so an ulp
			// of z (or of NormalCDF's exp(−z²/2)) moves Φ by z²·2^−52:
			// 2e-13 near p = 1e-230 (found by the audit table's rows).
			if back := NormalCDF(got); !approx(back/p, 1, max(1e-13, 4e-16*got*got)) {
				t.Errorf("NormalCDF(NormalQuantile(%g)) = %g", p, back)
			}
		}
	}
	if z, ok := NormalQuantile(0.5); !ok || z != 0 {
		t.Errorf("NormalQuantile(0.5) = %v, %v", z, ok)
	}
	for _, p := range []float64{0, 1, -0.1, 1.5, math.NaN(), math.Inf(-1)} {
		if _, ok := NormalQuantile(p); ok {
			t.Errorf("NormalQuantile(%v): ok", p)
		}
	}
}

// ln Φ agrees with ln(NormalCDF) where both are exact enough, across the
// switch to the asymptotic series at −20.
func TestLnNormalCDF(t *testing.T) {
	for _, x := range []float64{-37, -30, -20.5, -20, -19.99, -10, -1, 0, 2} {
		if got, want := lnNormalCDF(x), math.Log(NormalCDF(x)); !approx(got, want, 1e-14) {
			t.Errorf("lnNormalCDF(%v) = %.17g, want %.17g", x, got, want)
		}
	}
}

func TestRegIncBeta(t *testing.T) {
	tests := []struct {
		a, b, x, want float64
	}{
		{2, 3, 0.4, 0.5248},                          // mp.betainc; exact polynomial
		{0.5, 0.5, 0.3, 0.36901011956554538276},      // mp.betainc; = (2/π)·asin(√0.3)
		{10, 91, 0.1, 0.54870983455799641343},        // mp.quad of the density
		{1e4, 1e6, 0.0099, 0.49730055897975821398},   // mp.quad
		{101, 9901, 0.011, 0.81843626947691877154},   // mp.quad
		{3.5, 1e5, 0.00002, 0.22023295793599073194},  // mp.quad
		{1e5 + 1, 1e7, 0.01, 0.99922596796062584903}, // mp.quad
		{1, 1, 0.25, 0.25},                           // uniform CDF
		{5, 1, 0.5, 0.03125},                         // x^5
		{1, 5, 0.5, 1 - 0.03125},                     // 1 − (1−x)^5
		{2, 2, 0, 0}, {2, 2, 1, 1},                   // endpoints
		{0.5, 0.5, 0.5, 0.5}, {7.25, 7.25, 0.5, 0.5}, // symmetry
		{30, 20, 0.6, 0.49229980034235212174},       // mp.betainc
		{1e6, 1e6, 0.5, 0.5},                        // symmetry, huge parameters
		{20, 1e6, 0.00002, 0.52977737894471790529},  // mp.betainc
		{0.1, 100, 1e-30, 0.0016651893830559634878}, // mp.betainc
		{15.5, 15.5, 0.3, 0.010542471344480751767},  // mp.betainc
		{1, 3e6, 1e-6, 0.95021300631273237866},      // mpmath 1 − (1−x)^b, x = float64(1e-6)
		{3e6, 1, 1 - 1e-7, 0.7408182096864241091},   // mpmath x^a, x = float64(1 − 1e-7)
	}
	for _, tt := range tests {
		got := regIncBeta(tt.a, tt.b, tt.x)
		if !approx(got, tt.want, 1e-11) {
			t.Errorf("I_%g(%g, %g) = %.17g, want %.17g", tt.x, tt.a, tt.b, got, tt.want)
		}
	}
	// I_x(2, b) = 1 − (1−x)^b·(1 + b·x) exactly (integrate by parts).
	x, b := 1e-3, 1e3
	want := 1 - math.Pow(1-x, b)*(1+b*x)
	if got := regIncBeta(2, b, x); !approx(got, want, 1e-12) {
		t.Errorf("I_x(2, b) = %.17g, want %.17g", got, want)
	}
}

func TestRegIncGamma(t *testing.T) {
	tests := []struct {
		a, x, want float64
	}{
		{0.5, 0.1, 0.3452791539814229706},            // mp.gammainc(a,0,x,regularized=True); = erf(√x)
		{5, 3, 0.18473675547622793371},               // idem; = 1 − e^−3·Σ_{k<5} 3^k/k!
		{20.5, 25, 0.84175623009865667174},           // idem
		{1e4, 9900, 0.15865119219356465696},          // idem
		{1e6 + 0.5, 1001000, 0.84122379093739139071}, // idem
		{1, 2, 1 - math.Exp(-2)},                     // exponential CDF
	}
	for _, tt := range tests {
		p, q := regIncGamma(tt.a, tt.x)
		if !approx(p, tt.want, 1e-12) || !approx(q, 1-tt.want, 1e-11) {
			t.Errorf("P(%g, %g) = %.17g (Q %.17g), want %.17g", tt.a, tt.x, p, q, tt.want)
		}
	}
	if p, q := regIncGamma(3, 0); p != 0 || q != 1 {
		t.Errorf("P(3, 0) = %v, %v", p, q)
	}
}

func TestGammaQuantile(t *testing.T) {
	tests := []struct {
		a, p, want float64
	}{
		{0.5, 0.025, 0.00049103455858762795617}, // bisection on mp.gammainc
		{0.5, 0.975, 2.5119430936574444781},
		{10.5, 0.025, 5.1414488912614310147},
		{10.5, 0.975, 17.73943795286362721},
		{1000.5, 0.005, 920.90368488601629115},
		{1000.5, 0.995, 1083.8525116737671856},
	}
	for _, tt := range tests {
		if got := gammaQuantile(tt.a, tt.p); !approx(got, tt.want, 1e-12) {
			t.Errorf("gammaQuantile(%g, %g) = %.17g, want %.17g", tt.a, tt.p, got, tt.want)
		}
	}
}

func TestWilsonInterval(t *testing.T) {
	// Closed form of optimization.md §2.5 with z = 1.959963984540054:
	// k=10, n=100: centre = (0.1 + z²/200)/(1 + z²/100), half-width as in
	// the text: [0.055229137060675085, 0.17436566150491346] (mpmath, 30 digits).
	lo, hi, ok := WilsonInterval(10, 100, 0.95)
	if !ok || !approx(lo, 0.055229137060675085116, 1e-13) || !approx(hi, 0.17436566150491346262, 1e-13) {
		t.Errorf("Wilson(10, 100) = [%.17g, %.17g], %v", lo, hi, ok)
	}
	// k = 0: lower bound exactly 0, upper z²/(n+z²) = 3.8414588/103.8414588 = 0.036994…
	lo, hi, ok = WilsonInterval(0, 100, 0.95)
	z := 1.959963984540054
	if !ok || lo != 0 || !approx(hi, z*z/(100+z*z), 1e-13) {
		t.Errorf("Wilson(0, 100) = [%v, %v], %v", lo, hi, ok)
	}
	// k = n: upper bound exactly 1.
	lo, hi, ok = WilsonInterval(100, 100, 0.95)
	if !ok || hi != 1 || !approx(lo, 100/(100+z*z), 1e-13) {
		t.Errorf("Wilson(100, 100) = [%v, %v], %v", lo, hi, ok)
	}
	for _, c := range []struct {
		k, n int64
		conf float64
	}{{1, 0, 0.95}, {-1, 10, 0.95}, {11, 10, 0.95}, {1, 10, 0}, {1, 10, 1}, {1, 10, math.NaN()}} {
		if _, _, ok := WilsonInterval(c.k, c.n, c.conf); ok {
			t.Errorf("Wilson(%d, %d, %v): ok", c.k, c.n, c.conf)
		}
	}
}

func TestTwoProportionZTest(t *testing.T) {
	// Hand computation: A 100/10000, B 150/10000, pooled 0.0125,
	// z = 0.005/√(0.0125·0.9875·2/10000), p = 2Φ(−|z|)
	// (mpmath: z = 3.1822291367029201812, p = 0.0014614614503219757272).
	r, ok := TwoProportionZTest(100, 10000, 150, 10000)
	if !ok || !approx(r.Z, 3.1822291367029201812, 1e-13) || !approx(r.PValue, 0.0014614614503219757272, 1e-10) {
		t.Errorf("z-test = %+v, %v", r, ok)
	}
	if r.RateA != 0.01 || r.RateB != 0.015 || !approx(r.Diff, 0.005, 1e-15) {
		t.Errorf("rates = %+v", r)
	}
	if r2, _ := TwoProportionZTest(150, 10000, 100, 10000); r2.Z != -r.Z || r2.PValue != r.PValue {
		t.Errorf("swapping A and B: %+v", r2)
	}
	for _, c := range [][4]int64{{0, 100, 0, 100}, {100, 100, 50, 50}, {1, 0, 1, 10}, {5, 4, 1, 10}, {-1, 10, 1, 10}} {
		if _, ok := TwoProportionZTest(c[0], c[1], c[2], c[3]); ok {
			t.Errorf("z-test %v: ok", c)
		}
	}
}

// The values of ProbabilityBBeatsA are checked against the reference
// table in betabeats_test.go; this checks the API around them.
func TestProbabilityBBeatsA(t *testing.T) {
	// The uniform prior is the default.
	p, ok := ProbabilityBBeatsA(10, 100, 15, 100)
	q, _ := BetaPrior{1, 1}.ProbabilityBBeatsA(10, 100, 15, 100)
	if !ok || p != q || !approx(p, 0.8532837899339661317, 1e-12) {
		t.Errorf("ProbabilityBBeatsA = %v, %v; prior {1, 1} gives %v", p, ok, q)
	}
	for _, pr := range []BetaPrior{{0, 1}, {1, -1}, {math.Inf(1), 1}, {math.NaN(), 1}, {1, math.NaN()}, {2e18, 1}, {1, MaxBetaPrior * 1.01}, {1e-310, 1}, {1, MinBetaPrior / 2}} {
		if _, ok := pr.ProbabilityBBeatsA(1, 10, 1, 10); ok {
			t.Errorf("prior %v: ok", pr)
		}
	}
	if v, ok := (BetaPrior{MaxBetaPrior, MaxBetaPrior}).ProbabilityBBeatsA(0, math.MaxInt64, math.MaxInt64, math.MaxInt64); !ok || !(v >= 0 && v <= 1) {
		t.Errorf("the largest prior and counts: %v, %v", v, ok)
	}
	// The smallest prior with no data: identical arms give ½ for any prior,
	// also one this close to two point masses at 0 and 1.
	if v, ok := (BetaPrior{MinBetaPrior, MinBetaPrior}).ProbabilityBBeatsA(0, 0, 0, 0); !ok || math.Abs(v-0.5) > seriesAccuracy {
		t.Errorf("the smallest prior: %v, %v", v, ok)
	}
	// The smallest prior with data: A has 0 of 10, B 1 of 10; under a
	// prior this close to 0 the posteriors are Beta(1e-300, 10) (a point
	// mass at 0) and Beta(1, 9): B beats A almost surely.
	if v, ok := (BetaPrior{MinBetaPrior, MinBetaPrior}).ProbabilityBBeatsA(0, 10, 1, 10); !ok || math.Abs(v-1) > seriesAccuracy {
		t.Errorf("the smallest prior with data: %v, %v", v, ok)
	}
	for _, c := range [][4]int64{{11, 10, 1, 10}, {-1, 10, 1, 10}, {1, 10, 1, -1}, {1, 10, 2, 1}} {
		if _, ok := ProbabilityBBeatsA(c[0], c[1], c[2], c[3]); ok {
			t.Errorf("ProbabilityBBeatsA%v: ok", c)
		}
	}
}

func TestCostPerResultInterval(t *testing.T) {
	// mpmath: [spend/G(1−α/2), spend/G(α/2)] with G the quantiles of
	// Gamma(results + 0.5, 1) found by bisection on mp.gammainc.
	tests := []struct {
		spend, results int64
		conf, lo, hi   float64
	}{
		{50000, 10, 0.95, 2818.5785892911360058, 9724.8851554241023003},
		{20000, 0, 0.95, 7961.9638082165147439, 40730330.788786802587},
		{1000000, 1000, 0.99, 922.63475816993238084, 1085.8898888256416923},
	}
	for _, tt := range tests {
		lo, hi, ok := CostPerResultInterval(tt.spend, tt.results, tt.conf)
		if !ok || !approx(lo, tt.lo, 1e-11) || !approx(hi, tt.hi, 1e-11) {
			t.Errorf("CostPerResultInterval(%d, %d, %v) = [%.17g, %.17g], %v; want [%.17g, %.17g]",
				tt.spend, tt.results, tt.conf, lo, hi, ok, tt.lo, tt.hi)
		}
		if cpa, _ := CPA(tt.spend, tt.results); tt.results > 0 && !(lo < cpa && cpa < hi) {
			t.Errorf("point CPA %v outside [%v, %v]", cpa, lo, hi)
		}
	}
	for _, c := range []struct {
		s, r int64
		c    float64
	}{{0, 1, 0.95}, {-5, 1, 0.95}, {100, -1, 0.95}, {100, 1, 1}, {100, 1, 0}} {
		if _, _, ok := CostPerResultInterval(c.s, c.r, c.c); ok {
			t.Errorf("CostPerResultInterval(%d, %d, %v): ok", c.s, c.r, c.c)
		}
	}
}

func TestBenjaminiHochberg(t *testing.T) {
	// Hand computation, m = 10, q = 0.05: thresholds k·0.005. Sorted p:
	// 0.001 ≤ .005 ✓, 0.008 ≤ .010 ✓, 0.039 > .015, 0.041 > .020,
	// 0.042 > .025, 0.060, 0.074, 0.205, 0.212, 0.216 — the largest k with
	// p_(k) ≤ k·q/m is 2, so only the two smallest are rejected.
	p := []float64{0.205, 0.001, 0.042, 0.008, 0.039, 0.041, 0.060, 0.074, 0.212, 0.216}
	got := BenjaminiHochberg(p, 0.05)
	want := []bool{false, true, false, true, false, false, false, false, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("BH = %v, want %v", got, want)
		}
	}
	// Step-up: a later p-value under its threshold rescues earlier ones.
	// m = 4, q = 0.1: thresholds .025 .05 .075 .1; p_(4) = 0.09 ≤ 0.1, so all four.
	if got := BenjaminiHochberg([]float64{0.03, 0.06, 0.07, 0.09}, 0.1); !(got[0] && got[1] && got[2] && got[3]) {
		t.Errorf("step-up: %v", got)
	}
	// Adjusted: m·p/rank with a running minimum from the top:
	// 0.01·3/1 = 0.03, 0.04·3/2 = 0.06, 0.03·3/3 → min(0.03·1…) — sorted 0.01, 0.03, 0.04:
	// 0.04·3/3 = 0.04, 0.03·3/2 = 0.045 → 0.04, 0.01·3 = 0.03.
	adj := BenjaminiHochbergAdjust([]float64{0.01, 0.04, 0.03})
	for i, w := range []float64{0.03, 0.04, 0.04} {
		if !approx(adj[i], w, 1e-15) {
			t.Errorf("adjusted = %v", adj)
		}
	}
	bad := BenjaminiHochberg([]float64{math.NaN(), -1, 2, 0}, 0.05)
	if bad[0] || bad[1] || bad[2] || !bad[3] {
		t.Errorf("invalid p-values: %v", bad)
	}
	if r := BenjaminiHochberg([]float64{0.001}, 0); r[0] {
		t.Error("q = 0 rejects")
	}
	if len(BenjaminiHochberg(nil, 0.05)) != 0 {
		t.Error("nil input")
	}
}

func TestLinearTrend(t *testing.T) {
	// Hand computation for y = [1, 2, 2, 4, 5] at x = 0..4:
	// x̄ = 2, ȳ = 2.8, Sxx = 10, Sxy = (−2)(−1.8)+(−1)(−0.8)+0+(1)(1.2)+(2)(2.2) = 10,
	// slope 1, intercept 0.8, residuals 0.2, 0.2, −0.8, 0.2, 0.2, RSS = 0.8,
	// se = √(0.8/3/10) = 0.16329931618554520, t = 6.1237243569579452,
	// R² = 1 − 0.8/10.8, two-sided p (t, 3 df) = 0.0087544123590243902246 (mpmath:
	// 2·mp.quad of the Student t density from t to ∞; betainc agrees).
	tr, ok := LinearTrend([]float64{1, 2, 2, 4, 5})
	if !ok || !approx(tr.Slope, 1, 1e-15) || !approx(tr.Intercept, 0.8, 1e-15) ||
		!approx(tr.StdErr, 0.1632993161855452, 1e-14) || !approx(tr.TStat, 6.123724356957945, 1e-14) ||
		!approx(tr.R2, 1-0.8/10.8, 1e-14) || tr.N != 5 {
		t.Fatalf("trend = %+v, %v", tr, ok)
	}
	if !approx(tr.PValue, 0.0087544123590243902246, 1e-10) {
		t.Errorf("p = %.17g, want %.17g", tr.PValue, 0.0087544123590243902246)
	}
	// Perfect fit: finite t, p = 0.
	tr, ok = LinearTrend([]float64{3, 1, -1, -3})
	if !ok || tr.Slope != -2 || tr.StdErr != 0 || tr.TStat != -math.MaxFloat64 || tr.PValue != 0 {
		t.Errorf("perfect fit = %+v", tr)
	}
	tr, ok = LinearTrend([]float64{2, 2, 2})
	if !ok || tr.Slope != 0 || tr.TStat != 0 || tr.PValue != 1 || tr.R2 != 0 {
		t.Errorf("constant = %+v", tr)
	}
	for _, ys := range [][]float64{nil, {1, 2}, {1, math.NaN(), 3}, {1, math.Inf(1), 3}, {1e300, -1e300, 1e300}} {
		if _, ok := LinearTrend(ys); ok {
			t.Errorf("LinearTrend(%v): ok", ys)
		}
	}
}

func TestConfidenceNearOne(t *testing.T) {
	c := math.Nextafter(1, 0)
	if _, _, ok := WilsonInterval(1, 10, c); ok {
		t.Error("Wilson with confidence 1−ulp: ok")
	}
	if lo, hi, ok := CostPerResultInterval(1000, 3, 1-1e-17); ok && !(finite(lo) && finite(hi)) {
		t.Errorf("CPR near 1 = [%v, %v]", lo, hi)
	}
	lo, hi, ok := CostPerResultInterval(1000, 3, 0.999999)
	if !ok || !(lo > 0 && hi > lo && finite(hi)) {
		t.Errorf("CPR at 0.999999 = [%v, %v], %v", lo, hi, ok)
	}
}

func TestWeightedLinearTrend(t *testing.T) {
	// mpmath (30 digits), by the normal equations β = (XᵀWX)⁻¹XᵀWy and
	// Cov = σ²(XᵀWX)⁻¹ with σ² = rᵀWr / (n − 2):
	// slope −0.0020775193798449612403, intercept 0.030755813953488372093,
	// stderr 0.00038873379774195167878, t −5.3443240384877856349.
	ys := []float64{0.030, 0.028, 0.029, 0.024, 0.022, 0.020}
	ws := []float64{1000, 4000, 2500, 3000, 500, 2000}
	tr, ok := WeightedLinearTrend(ys, ws)
	if !ok || !approx(tr.Slope, -0.0020775193798449612403, 1e-12) || !approx(tr.Intercept, 0.030755813953488372093, 1e-13) ||
		!approx(tr.StdErr, 0.00038873379774195167878, 1e-11) || !approx(tr.TStat, -5.3443240384877856349, 1e-11) || tr.N != 6 {
		t.Fatalf("weighted trend = %+v, %v", tr, ok)
	}
	// Equal weights reproduce ordinary least squares.
	a, _ := WeightedLinearTrend([]float64{1, 2, 2, 4, 5}, []float64{3, 3, 3, 3, 3})
	b, _ := LinearTrend([]float64{1, 2, 2, 4, 5})
	if !approx(a.Slope, b.Slope, 1e-14) || !approx(a.StdErr, b.StdErr, 1e-14) {
		t.Errorf("equal weights %+v vs OLS %+v", a, b)
	}
	// Zero weights drop points.
	c, ok := WeightedLinearTrend([]float64{1, 100, 3, 4}, []float64{1, 0, 1, 1}) // y = 1 + x where weighted
	if !ok || c.N != 3 || !approx(c.Slope, 1, 1e-14) {
		t.Errorf("zero weight = %+v, %v", c, ok)
	}
	for _, bad := range [][2][]float64{
		{{1, 2, 3}, {1, 1}},
		{{1, 2, 3}, {1, -1, 1}},
		{{1, 2, 3}, {1, math.NaN(), 1}},
		{{1, 2, 3}, {1, 0, 1}},
		{{1, 2, 3, 4}, {0, 0, 5, 0}},
	} {
		if _, ok := WeightedLinearTrend(bad[0], bad[1]); ok {
			t.Errorf("WeightedLinearTrend(%v, %v): ok", bad[0], bad[1])
		}
	}
}

// The asymptotic series of stirlingTail (x >= 15) agrees with its
// definition lnΓ(x) − ((x−½)ln x − x + ½ln 2π) evaluated with math.Lgamma.
func TestStirlingTail(t *testing.T) {
	for _, x := range []float64{15, 15.5, 20, 40, 100} {
		lg, _ := math.Lgamma(x)
		def := lg - ((x-0.5)*math.Log(x) - x + 0.5*ln2Pi)
		// lnΓ(x) ~ 25..360 here, so the definition carries ~1e-14 absolute error.
		if got := stirlingTail(x); math.Abs(got-def) > 1e-13 {
			t.Errorf("stirlingTail(%v) = %.17g, definition %.17g", x, got, def)
		}
	}
	// Below 15 it is the definition itself; δ(1) = 1 − ½ln 2π.
	if got := stirlingTail(1); !approx(got, 1-0.5*ln2Pi, 1e-15) {
		t.Errorf("stirlingTail(1) = %v", got)
	}
}

// Extreme but valid inputs stay fast and finite (no iteration that grows
// with the counts).
func TestStatisticsHugeInputs(t *testing.T) {
	lo, hi, ok := CostPerResultInterval(math.MaxInt64, 1e15, 0.95)
	if !ok || !(lo > 0 && lo < hi && finite(hi)) {
		t.Errorf("CPR huge = [%v, %v], %v", lo, hi, ok)
	}
	// Wilson–Hilferty at a = 1e9 against the iteration at 1e8 scaled: the
	// relative half-width must shrink like 1/√a.
	q := gammaQuantile(1e9, 0.975)
	if d := (q - 1e9) / math.Sqrt(1e9); math.Abs(d-1.959963984540054) > 1e-3 {
		t.Errorf("gammaQuantile(1e9) = %v (z-score %v)", q, d)
	}
	if p, ok := ProbabilityBBeatsA(3, math.MaxInt64, 5, math.MaxInt64); !ok || !(p > 0.5 && p < 1) {
		t.Errorf("P(B>A) huge trials = %v, %v", p, ok)
	}
	if p, ok := (BetaPrior{0.5, 0.5}).ProbabilityBBeatsA(1e12, 1e15, 1e12+1e6, 1e15); !ok || !(p > 0.5 && p <= 1) {
		t.Errorf("P(B>A) huge non-integer = %v, %v", p, ok)
	}
	if _, ok := TwoProportionZTest(math.MaxInt64, math.MaxInt64, 0, math.MaxInt64); !ok {
		t.Error("z-test with MaxInt64 trials")
	}
}
