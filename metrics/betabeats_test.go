package metrics

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// The accuracy ProbabilityBBeatsA documents for each path.
const (
	seriesAccuracy    = 1e-12 // some posterior parameter below 2^16
	edgeworthAccuracy = 1e-10 // all four at least 2^16
)

// accuracyFor returns the documented absolute accuracy of P(B > A) for
// the posterior parameters.
func accuracyFor(aA, bA, aB, bB float64) (tol float64, path string) {
	if min(aA, bA, aB, bB) >= edgeworthMin {
		return edgeworthAccuracy, "edgeworth"
	}
	return seriesAccuracy, "series"
}

// readTable reads a CSV file of testdata with a header row.
func readTable(t *testing.T, name string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err != nil || len(all) < 2 {
		t.Fatalf("%s: %v (%d rows)", name, err, len(all))
	}
	return all[0], all[1:]
}

func parseFloat(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func parseInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestProbabilityBBeatsAReference checks every row of
// testdata/beta_beats.csv (40-digit mpmath values by an unrelated method,
// see testdata/gen_stats.py) and of testdata/beta_beats_audit.csv (random
// priors and counts, by quadrature of density × incomplete beta or by the
// finite sum, see testdata/gen_beta_audit.py) against the documented
// accuracy of the path the row takes, with the arms in both orders.
func TestProbabilityBBeatsAReference(t *testing.T) {
	_, rows := readTable(t, "testdata/beta_beats.csv")
	_, audit := readTable(t, "testdata/beta_beats_audit.csv")
	rows = append(rows, audit...)
	worst := map[string]float64{}
	for _, r := range rows {
		label := r[0]
		prior := BetaPrior{Alpha: parseFloat(t, r[1]), Beta: parseFloat(t, r[2])}
		sA, nA, sB, nB := parseInt(t, r[3]), parseInt(t, r[4]), parseInt(t, r[5]), parseInt(t, r[6])
		want := parseFloat(t, r[7])
		tol, path := accuracyFor(prior.Alpha+float64(sA), prior.Beta+float64(nA-sA), prior.Alpha+float64(sB), prior.Beta+float64(nB-sB))
		got, ok := prior.ProbabilityBBeatsA(sA, nA, sB, nB)
		if !ok || math.Abs(got-want) > tol {
			t.Errorf("%s (%s): P(B>A) = %.17g, %v; want %s (error %.3g, documented %g)", label, path, got, ok, r[7], got-want, tol)
		}
		rev, ok := prior.ProbabilityBBeatsA(sB, nB, sA, nA)
		if !ok || math.Abs(rev-(1-want)) > tol {
			t.Errorf("%s (%s): P(A>B) = %.17g, %v; want 1 − %s (error %.3g)", label, path, rev, ok, r[7], rev-(1-want))
		}
		worst[path] = max(worst[path], math.Abs(got-want), math.Abs(rev-(1-want)))
	}
	t.Logf("%d rows; largest error by path: %v", len(rows), worst)
}

// The inputs, named: the old normal approximation (unequal
// trials), the old quadrature (shapes below 2) and the log-gamma
// cancellation, each within the documented accuracy.
func TestProbabilityBBeatsAIssueCases(t *testing.T) {
	for _, tt := range []struct {
		prior          BetaPrior
		sA, nA, sB, nB int64
		want           float64 // mpmath, testdata/beta_beats.csv
	}{
		{BetaPrior{1, 1}, 1100000, 1e8, 2200000, 2e8, 0.49989819069384171101},
		{BetaPrior{1, 1}, 1100000, 1e9, 11022000, 1e10, 0.97721128475010501418},
		{BetaPrior{1.3, 50.2}, 0, 0, 0, 0, 0.5},
		{BetaPrior{0.05, 0.95}, 0, 1000, 0, 1000, 0.5},
		{BetaPrior{0.01, 10.5}, 0, 1000, 0, 1000, 0.5},
		{BetaPrior{0.001, 0.001}, 0, 10, 1, 10, 0.99933511952848597587},
		{BetaPrior{1, 1}, 1e9, 2e9, 51, 100, 0.57880894877590429603},
	} {
		got, ok := tt.prior.ProbabilityBBeatsA(tt.sA, tt.nA, tt.sB, tt.nB)
		tol, _ := accuracyFor(tt.prior.Alpha+float64(tt.sA), tt.prior.Beta+float64(tt.nA-tt.sA), tt.prior.Alpha+float64(tt.sB), tt.prior.Beta+float64(tt.nB-tt.sB))
		if !ok || math.Abs(got-tt.want) > tol {
			t.Errorf("%v.ProbabilityBBeatsA(%d, %d, %d, %d) = %.17g, %v; want %.17g", tt.prior, tt.sA, tt.nA, tt.sB, tt.nB, got, ok, tt.want)
		}
	}
}

// randomArms draws a prior and two arms from several regimes: few trials,
// thousands, and up to 1e10 with rates close enough that P(B > A) is not
// saturated.
func randomArms(rng *rand.Rand) (p BetaPrior, sA, nA, sB, nB int64) {
	logU := func(lo, hi float64) float64 {
		return math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo)))
	}
	p = BetaPrior{Alpha: logU(1e-3, 300), Beta: logU(1e-3, 3000)}
	if rng.IntN(4) == 0 {
		p = BetaPrior{1, 1}
	}
	maxTrials := []float64{30, 1e5, 1e10}[rng.IntN(3)]
	nA = int64(logU(1, maxTrials)) - 1
	nB = int64(logU(1, maxTrials)) - 1
	rate := logU(1e-4, 0.9)
	draw := func(n int64) int64 {
		// successes near rate·n, within a few standard deviations
		m := rate * float64(n)
		s := int64(m + (rng.Float64()*6-3)*math.Sqrt(m+1))
		return min(max(s, 0), n)
	}
	return p, draw(nA), nA, draw(nB), nB
}

// Properties that hold exactly: swapping the arms gives 1 − P, identical
// arms give ½, and P grows with B's successes (trials fixed).
func TestProbabilityBBeatsAProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 2026))
	for range 400 {
		p, sA, nA, sB, nB := randomArms(rng)
		aA, bA := p.Alpha+float64(sA), p.Beta+float64(nA-sA)
		aB, bB := p.Alpha+float64(sB), p.Beta+float64(nB-sB)
		tol, path := accuracyFor(aA, bA, aB, bB)
		pb, ok1 := p.ProbabilityBBeatsA(sA, nA, sB, nB)
		pa, ok2 := p.ProbabilityBBeatsA(sB, nB, sA, nA)
		if !ok1 || !ok2 || math.Abs(pa+pb-1) > 2*tol {
			t.Errorf("%v (%d/%d vs %d/%d, %s): P(B>A) + P(A>B) = %.17g + %.17g", p, sA, nA, sB, nB, path, pb, pa)
		}
		if same, ok := p.ProbabilityBBeatsA(sA, nA, sA, nA); !ok || math.Abs(same-0.5) > tol {
			t.Errorf("%v (%d/%d twice, %s): P = %.17g, want 0.5", p, sA, nA, path, same)
		}
		if sB < nB {
			up, ok := p.ProbabilityBBeatsA(sA, nA, sB+1, nB)
			if !ok || up < pb-tol {
				t.Errorf("%v (%d/%d vs %d→%d/%d, %s): P falls from %.17g to %.17g", p, sA, nA, sB, sB+1, nB, path, pb, up)
			}
		}
	}
	// Monotone along a whole range of B's successes, small and large.
	for _, c := range []struct {
		prior BetaPrior
		sA, n int64
	}{{BetaPrior{0.5, 0.5}, 3, 40}, {BetaPrior{2.3, 180.7}, 40, 3000}, {BetaPrior{1, 1}, 5000, 100000}} {
		prev := -1.0
		for sB := int64(0); sB <= c.n; sB += max(1, c.n/400) {
			v, _ := c.prior.ProbabilityBBeatsA(c.sA, c.n, sB, c.n)
			if v < prev-seriesAccuracy {
				t.Errorf("%v: P(B>A) at sB = %d is %.17g, below %.17g", c.prior, sB, v, prev)
			}
			prev = v
		}
	}
}

// The Edgeworth expansion agrees with the exact series from 2^16 on, where
// the series is still affordable: the error falls like m^−3 (measured
// here: about 1e-13 at 2^16).
func TestEdgeworthAgainstSeries(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 16))
	worst := 0.0
	for range 60 {
		m := edgeworthMin * math.Exp(rng.Float64()*math.Log(4))
		aA := m
		bA := m * math.Exp(rng.Float64()*math.Log(50))
		// B near A's rate (P between about 0.001 and 0.999), other trials
		nB := (aA + bA) * math.Exp((rng.Float64()-0.5)*math.Log(20))
		rate := aA / (aA + bA) * (1 + (rng.Float64()-0.5)*6/math.Sqrt(aA))
		aB := math.Max(edgeworthMin, math.Round(rate*nB)) + 0.5
		bB := math.Max(edgeworthMin, nB-aB)
		ex, _ := betaBeatsSeries(aA, bA, aB, bB)
		ed := betaBeatsEdgeworth(aA, bA, aB, bB)
		if d := math.Abs(ed - ex); d > edgeworthAccuracy/10 {
			t.Errorf("(%g, %g, %g, %g): Edgeworth %.17g, series %.17g", aA, bA, aB, bB, ed, ex)
		}
		worst = max(worst, math.Abs(ed-ex))
	}
	t.Logf("largest difference at 2^16 to 2^18: %.3g", worst)
}

// The series stays short for every input, however extreme: the cheapest
// arrangement needs at most a few tens of thousands of terms below 2^16
// (the guard maxSeriesTerms is never reached), and the result is a
// probability that agrees with the reversed comparison.
func TestBetaSeriesTerms(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	logU := func(lo, hi float64) float64 {
		return math.Exp(math.Log(lo) + rng.Float64()*(math.Log(hi)-math.Log(lo)))
	}
	most := 0
	for range 3000 {
		v := [4]float64{logU(1e-6, 9e18), logU(1e-6, 9e18), logU(1e-6, 9e18), logU(1e-6, 9e18)}
		v[rng.IntN(4)] = logU(1e-6, edgeworthMin) // one parameter below the Edgeworth range
		g, n := betaBeatsSeries(v[0], v[1], v[2], v[3])
		h, m := betaBeatsSeries(v[2], v[3], v[0], v[1])
		if !(g >= -1e-15 && g <= 1+1e-15) || math.Abs(g+h-1) > 1e-12 {
			t.Errorf("%v: G = %.17g, reversed %.17g", v, g, h)
		}
		most = max(most, n, m)
	}
	if most > 1<<17 {
		t.Errorf("a series summed %d terms", most)
	}
	t.Logf("most terms: %d", most)
}

func TestLog1pmx(t *testing.T) {
	// mpmath (40 digits): mp.log1p(t) − t, t the float64 value.
	for _, tt := range []struct{ t, want float64 }{
		{-0.9, -1.4025850929940458839},
		{-0.5, -0.19314718055994530942},
		{-0.49, -0.18334455326376558786},
		{-0.3333, -0.072115109358122709459},
		{-0.1, -0.0053605156578263018443},
		{-1e-3, -5.0033358353350016382e-7},
		{-1e-8, -5.0000000333333337926e-17},
		{1e-12, -4.9999999999966664655e-25},
		{1e-5, -4.9999666669166654847e-11},
		{0.05, -0.0012098358305679970668},
		{0.3, -0.037635735532508945402},
		{0.5, -0.094534891891835618022},
		{0.51, -0.09789034917316704224},
		{3, -1.6137056388801093812},
	} {
		if got := log1pmx(tt.t); math.Abs(got/tt.want-1) > 4e-16 {
			t.Errorf("log1pmx(%v) = %.17g, want %.17g", tt.t, got, tt.want)
		}
	}
	if log1pmx(0) != 0 {
		t.Error("log1pmx(0) != 0")
	}
}
