package metrics

import (
	"math"
	"math/big"
	"testing"
)

// ratioFuncs are the two-argument ratio functions; the second argument is
// the denominator.
var ratioFuncs = map[string]func(int64, int64) (float64, bool){
	"CTR": CTR, "LinkCTR": LinkCTR, "UniqueCTR": UniqueCTR, "CPC": CPC,
	"CostPerLinkClick": CostPerLinkClick, "CPM": CPM, "CPP": CPP, "CPA": CPA,
	"ConversionRate": ConversionRate, "Frequency": Frequency, "ReachEfficiency": ReachEfficiency,
	"EngagementRate": EngagementRate, "CostPerEngagement": CostPerEngagement,
	"ValuePerConversion": ValuePerConversion, "HookRate": HookRate, "VideoViewRate": VideoViewRate,
	"CostPerView": CostPerView, "ThruPlayRate": ThruPlayRate, "CostPerThruPlay": CostPerThruPlay,
	"HoldRate": HoldRate, "CompletionRate": CompletionRate, "AverageWatchTime": AverageWatchTime,
	// Denominator first in the signature; swap to (num, den).
	"ROAS":         func(v, s int64) (float64, bool) { return ROAS(v, s) },
	"ROI":          func(r, s int64) (float64, bool) { return ROI(r, s) },
	"ProfitMargin": func(s, r int64) (float64, bool) { return ProfitMargin(r, s) },
}

// FuzzRatios checks the invariants of every ratio function: never NaN or
// Inf, and ok false exactly when the denominator is not positive.
func FuzzRatios(f *testing.F) {
	for _, s := range [][2]int64{{0, 0}, {1, 0}, {5, -1}, {math.MaxInt64, 1}, {math.MinInt64, 1}, {1, math.MaxInt64}, {-7, 3}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, num, den int64) {
		for name, fn := range ratioFuncs {
			v, ok := fn(num, den)
			if !finite(v) {
				t.Fatalf("%s(%d, %d) = %v", name, num, den, v)
			}
			if ok != (den > 0) {
				t.Fatalf("%s(%d, %d): ok = %v", name, num, den, ok)
			}
			if !ok && v != 0 {
				t.Fatalf("%s(%d, %d) = %v with ok false", name, num, den, v)
			}
		}
		p := Profit(num, den)
		want := new(big.Int).Sub(big.NewInt(num), big.NewInt(den))
		want = clampBig(want)
		if p != want.Int64() {
			t.Fatalf("Profit(%d, %d) = %d, want %v", num, den, p, want)
		}
	})
}

// clampBig saturates v to the int64 range.
func clampBig(v *big.Int) *big.Int {
	if v.Cmp(big.NewInt(math.MaxInt64)) > 0 {
		return big.NewInt(math.MaxInt64)
	}
	if v.Cmp(big.NewInt(math.MinInt64)) < 0 {
		return big.NewInt(math.MinInt64)
	}
	return v
}

// rowsFromBytes decodes fuzz input into Counts rows: a selector byte picks
// the value magnitude so that small, huge and negative values all occur.
func rowsFromBytes(data []byte) []Counts {
	var rows []Counts
	for len(data) >= 1+numCountFields {
		sel := data[0]
		var c Counts
		for i, p := range c.fieldPointers() {
			b := int64(data[1+i])
			switch sel % 4 {
			case 0:
				*p = b // small, non-negative: the fast path
			case 1:
				*p = b << 40 // large but summable
			case 2:
				*p = math.MaxInt64 - b // overflow-sized
			case 3:
				*p = b - 128 // negative values occur
			}
		}
		c.ReachSummed = sel&0x10 != 0
		rows = append(rows, c)
		data = data[1+numCountFields:]
	}
	return rows
}

// FuzzSum checks that Sum (with its fast path) equals repeated Add, that
// each field equals the saturated exact sum while no partial sum saturates,
// and that every metric derived from the sum equals the ratio of the
// independently summed numerator and denominator (sum-then-derive ==
// derive-from-sum), never NaN or Inf.
func FuzzSum(f *testing.F) {
	seed := make([]byte, 0, 4*(1+numCountFields))
	for sel := range 4 {
		seed = append(seed, byte(sel))
		for i := range numCountFields {
			seed = append(seed, byte(i*7+sel))
		}
	}
	f.Add(seed)
	f.Add(seed[:1+numCountFields])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows := rowsFromBytes(data)
		got := Sum(rows)
		var seq Counts
		for _, r := range rows {
			seq.Add(r)
		}
		if got != seq {
			t.Fatalf("Sum = %+v, sequential Add = %+v", got, seq)
		}

		// Exact sums with big.Int; when no partial sum leaves the int64
		// range the result must be exact.
		exact := [numCountFields]*big.Int{}
		for i := range exact {
			exact[i] = new(big.Int)
		}
		// A field whose partial sum ever left the range, or that was given
		// a saturated value, must stay saturated (the flag is not lost
		// when negative rows follow).
		var inRange [numCountFields]bool
		for i := range inRange {
			inRange[i] = true
		}
		for _, r := range rows {
			for i, v := range r.fieldValues() {
				exact[i].Add(exact[i], big.NewInt(v))
				if !exact[i].IsInt64() || v == math.MaxInt64 || v == math.MinInt64 {
					inRange[i] = false
				}
			}
		}
		for i, v := range got.fieldValues() {
			switch {
			case inRange[i] && v != exact[i].Int64():
				t.Fatalf("field %s = %d, exact %v", countFieldNames[i], v, exact[i])
			case !inRange[i] && v != math.MaxInt64 && v != math.MinInt64:
				t.Fatalf("field %s overflowed on the way (exact %v) but ends at %d: the saturation flag was lost", countFieldNames[i], exact[i], v)
			}
		}

		// Derive from the sum: compare with ratios of the field sums.
		w := got.WithWindowReach(got.Reach)
		checks := []struct {
			name     string
			num, den int64
			scale    float64
		}{
			{"ctr", got.Clicks, got.Impressions, 1},
			{"cpm", got.Spend, got.Impressions, 1000},
			{"cpa", got.Spend, got.Conversions, 1},
			{"roas", got.ConversionValue, got.Spend, 1},
			{"frequency", got.Impressions, got.Reach, 1},
			{"hold_rate", got.ThruPlays, got.VideoViews3s, 1},
		}
		for _, c := range checks {
			m, _ := LookupMetric(c.name)
			v, ok := m.Value(w)
			if ok != (c.den > 0) {
				t.Fatalf("%s: ok = %v with denominator %d", c.name, ok, c.den)
			}
			if ok && v != float64(c.num)*c.scale/float64(c.den) {
				t.Fatalf("%s = %v, want %v/%v", c.name, v, c.num, c.den)
			}
		}
		for _, m := range AllMetrics() {
			for _, c := range []Counts{got, w} {
				v, ok := m.Value(c)
				if !finite(v) || (!ok && v != 0) {
					t.Fatalf("%s = %v, %v", m.Name, v, ok)
				}
				if ok && m.NeedsWindowReach && c.ReachSummed {
					t.Fatalf("%s defined on summed reach", m.Name)
				}
			}
		}
		d := Derive(got, 0.3)
		for _, ms := range []Measure{d.CTR, d.CPA, d.ROAS, d.Profit, d.ProfitMargin, d.Frequency} {
			if !finite(ms.Value) {
				t.Fatalf("Derive: %+v", d)
			}
		}
		if err := got.Validate(); err == nil {
			for _, v := range got.fieldValues() {
				if v < 0 || v == math.MaxInt64 {
					t.Fatalf("Validate accepted %+v", got)
				}
			}
		}
	})
}

// FuzzStatistics feeds arbitrary counts to the statistics: no panic, no
// NaN or Inf, bounds ordered and inside their ranges.
func FuzzStatistics(f *testing.F) {
	f.Add(int64(10), int64(100), int64(15), int64(100), 0.95)
	f.Add(int64(0), int64(0), int64(0), int64(0), 0.5)
	f.Add(int64(-1), int64(5), int64(7), int64(3), 1.5)
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), int64(1), int64(math.MaxInt64), 0.999)
	f.Fuzz(func(t *testing.T, sA, nA, sB, nB int64, conf float64) {
		if lo, hi, ok := WilsonInterval(sA, nA, conf); ok {
			if !finite(lo) || !finite(hi) || lo < 0 || hi > 1 || lo > hi {
				t.Fatalf("Wilson(%d, %d, %v) = [%v, %v]", sA, nA, conf, lo, hi)
			}
		}
		if z, ok := TwoProportionZTest(sA, nA, sB, nB); ok {
			if !finite(z.Z) || !(z.PValue >= 0 && z.PValue <= 1) {
				t.Fatalf("z-test = %+v", z)
			}
		}
		// Any counts, with the uniform prior and with a non-integer one
		// taken from conf: a probability, and 1 minus the reversed one.
		small := func(v int64) int64 { return v % 5000 }
		for _, pr := range []BetaPrior{{1, 1}, {math.Abs(conf) + 1e-3, 1 / (math.Abs(conf) + 1e-3)}} {
			p, ok := pr.ProbabilityBBeatsA(sA, nA, sB, nB)
			if !ok {
				continue
			}
			rev, _ := pr.ProbabilityBBeatsA(sB, nB, sA, nA)
			if !(p >= 0 && p <= 1) || math.Abs(p+rev-1) > 1e-9 {
				t.Fatalf("%v: P(B>A) = %v, P(A>B) = %v", pr, p, rev)
			}
		}
		if lo, hi, ok := CostPerResultInterval(nA, small(sA), conf); ok {
			if !finite(lo) || !finite(hi) || lo <= 0 || lo > hi {
				t.Fatalf("CPR(%d, %d, %v) = [%v, %v]", nA, sA, conf, lo, hi)
			}
		}
		if v, ok := NormalQuantile(conf); ok && !finite(v) {
			t.Fatalf("NormalQuantile(%v) = %v", conf, v)
		}
		ys := []float64{float64(sA), float64(nA), float64(sB), float64(nB), conf}
		if tr, ok := LinearTrend(ys); ok {
			if !finite(tr.Slope) || !finite(tr.StdErr) || !finite(tr.TStat) || !(tr.PValue >= 0 && tr.PValue <= 1) {
				t.Fatalf("trend = %+v", tr)
			}
		}
		ps := []float64{conf, float64(sA) / 1e19, math.Abs(conf) / 2}
		adj := BenjaminiHochbergAdjust(ps)
		rej := BenjaminiHochberg(ps, 0.05)
		for i := range ps {
			if !(adj[i] >= 0 && adj[i] <= 1) || (rej[i] && adj[i] > 0.05+1e-15) {
				t.Fatalf("BH(%v) = %v, %v", ps, adj, rej)
			}
		}
	})
}

// FuzzParseRanking: unknown strings are errors, known ones round-trip.
func FuzzParseRanking(f *testing.F) {
	for _, s := range []string{"ABOVE_AVERAGE", "below_average_10", "", "UNKNOWN", "BELOW_AVERAGE_5", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRanking(s)
		if err != nil {
			if r != RankingUnknown {
				t.Fatalf("error with ranking %v", r)
			}
			return
		}
		back, err := ParseRanking(r.String())
		if err != nil || back != r {
			t.Fatalf("round trip %q -> %v -> %v, %v", s, r, back, err)
		}
	})
}

// FuzzActions: merging equals adding each stat, in any order.
func FuzzActions(f *testing.F) {
	f.Add([]byte("a\x01b\x02a\x03"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var a, b, merged Actions
		want := map[string]int64{}
		for i := 0; i+1 < len(data); i += 2 {
			typ := string(rune('a' + data[i]%5))
			n := int64(int8(data[i+1]))
			if i%4 == 0 {
				a.Add(typ, n, 2*n)
			} else {
				b.Add(typ, n, 2*n)
			}
			want[typ] += n
		}
		merged.Merge(&a)
		merged.Merge(&b)
		if merged.Len() != len(want) {
			t.Fatalf("len = %d, want %d", merged.Len(), len(want))
		}
		prev := ""
		for typ, s := range merged.All() {
			if typ <= prev || s.Count != want[typ] || s.Value != 2*want[typ] {
				t.Fatalf("%s = %+v, want count %d (order after %q)", typ, s, want[typ], prev)
			}
			prev = typ
		}
	})
}
