package signals

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPacingArithmetic checks the pacing projections on random input
// (a fixed PRNG seed): projections are never negative and never below the
// spend so far; a day projects at most the day's cap; a flight that ends
// now (or has ended) projects exactly its spend; a flight's projection
// never exceeds the lifetime budget once spend is under it; the day's
// expected share is in [0, 1] and rises through the day, DST days
// included.
func TestPacingArithmetic(t *testing.T) {
	t.Parallel()
	// Plain comparisons, not testify's: 20,000 cases of a dozen checks
	// through reflection took seconds under the race detector.
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 20000 {
		spend := r.Int64N(1e7) - 1000 // a few negative spends: invalid, clamped
		share := r.Float64()
		budget := float64(r.Int64N(1e6) + 1)
		limit := budget * (1 + r.Float64()*2)
		p := projectDay(spend, share, budget, limit)
		if p < 0 || p < float64(max(spend, 0)) || float64(spend) <= limit && p > limit+1e-9 {
			t.Fatalf("case %d: projectDay(%d, %v, %v, %v) = %v: negative, below the spend or above the cap", i, spend, share, budget, limit, p)
		}

		spent := r.Int64N(1e8)
		lifetime := r.Int64N(1e8) + 1
		rate := r.Float64() * 1e6
		left := time.Duration(r.Int64N(int64(60 * 24 * time.Hour)))
		f := projectFlight(spent, rate, left, lifetime)
		if f < float64(spent) || spent <= lifetime && f > float64(lifetime)+1e-6 {
			t.Fatalf("case %d: projectFlight(%d, %v, %v, %d) = %v: below the spend or above the lifetime budget", i, spent, rate, left, lifetime, f)
		}
		if got := projectFlight(spent, rate, 0, lifetime); got != float64(spent) {
			t.Fatalf("case %d: a flight ending now projects %v, not its spend %d", i, got, spent)
		}
		if got := projectFlight(spent, rate, -left, lifetime); got != float64(spent) {
			t.Fatalf("case %d: an ended flight projects %v, not its spend %d", i, got, spent)
		}
		if got := projectFlight(-spent-1, 0, left, lifetime); got != 0 {
			t.Fatalf("case %d: a negative spend projects %v, not 0", i, got)
		}
	}
	curve := make([]float64, 24)
	for h := range curve {
		curve[h] = 0.2 + r.Float64()
	}
	for _, zone := range []string{"America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut", "UTC"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		// 20-minute steps through every day of 2026 whose length is not 24
		// hours (each DST change of the zone), the days either side of
		// them, and the 15th of every month.
		var days []time.Time
		for d := time.Date(2026, 1, 1, 12, 0, 0, 0, loc); d.Year() == 2026; d = d.AddDate(0, 0, 1) {
			if start, next := metrics.DayBounds(d); next.Sub(start) != 24*time.Hour {
				days = append(days, d.AddDate(0, 0, -1), d, d.AddDate(0, 0, 1))
			} else if d.Day() == 15 {
				days = append(days, d)
			}
		}
		if zone != "UTC" {
			require.GreaterOrEqual(t, len(days), 12+6, "%s: the year's DST changes are walked", zone)
		}
		for _, d := range days {
			start, next := metrics.DayBounds(d)
			prev := -1.0
			for at := start; at.Before(next); at = at.Add(20 * time.Minute) {
				s := dayShare(at, curve)
				if !(s >= 0 && s <= 1) {
					t.Fatalf("%s %v: share %v", zone, at, s)
				}
				if s < prev-1e-12 {
					t.Fatalf("%s %v: the share went back within a day (%v after %v)", zone, at, s, prev)
				}
				prev = s
			}
			if s := dayShare(next.Add(-time.Nanosecond), curve); math.Abs(s-1) > 1e-9 {
				t.Fatalf("%s %v: the share at the end of the day is %v, not 1", zone, d, s)
			}
		}
		for _, c := range [][]float64{nil, curve} {
			start, _ := metrics.DayBounds(time.Date(2026, 6, 1, 12, 0, 0, 0, loc))
			assert.InDelta(t, 0, dayShare(start, c), 1e-12)
		}
	}
	// With a flat curve the share is the elapsed share of the day.
	flat := make([]float64, 24)
	for h := range flat {
		flat[h] = 1
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	for _, at := range []time.Time{time.Date(2026, 3, 8, 12, 0, 0, 0, la), time.Date(2026, 11, 1, 12, 0, 0, 0, la), time.Date(2026, 6, 1, 6, 30, 0, 0, la)} {
		assert.InDelta(t, metrics.DayElapsed(at), dayShare(at, flat), 1e-9, "%v: a flat curve is the straight line", at)
	}
}

// randomTargeting draws a targeting spec from small pools, so that random
// pairs are often identical, nested, overlapping or disjoint.
func randomTargeting(r *rand.Rand) *metaads.Targeting {
	pick := func(pool []string, maxN int) []string {
		var out []string
		for _, x := range pool {
			if r.IntN(len(pool)) < maxN {
				out = append(out, x)
			}
		}
		return out
	}
	spec := map[string]any{}
	geo := map[string]any{}
	if c := pick([]string{"US", "CA", "GB"}, 1); len(c) > 0 {
		geo["countries"] = c
	}
	reg := pick([]string{"3847", "3843"}, 1)
	if len(reg) > 0 {
		var l []map[string]string
		for _, k := range reg {
			l = append(l, map[string]string{"key": k, "country": "US"})
		}
		geo["regions"] = l
	}
	if len(geo) == 0 {
		geo["countries"] = []string{"US"}
	}
	spec["geo_locations"] = geo
	if r.IntN(4) == 0 && !slices.Contains(reg, "3847") {
		spec["excluded_geo_locations"] = map[string]any{"regions": []map[string]string{{"key": "3847", "country": "US"}}}
	}
	lo := 18 + r.IntN(30)
	spec["age_min"], spec["age_max"] = lo, lo+r.IntN(66-lo)
	if g := r.IntN(3); g > 0 {
		spec["genders"] = []int{g}
	}
	ids := func(pool []string) []map[string]string {
		var l []map[string]string
		for _, id := range pick(pool, 2) {
			l = append(l, map[string]string{"id": id})
		}
		return l
	}
	if in := ids([]string{"61", "62", "63", "64"}); len(in) > 0 {
		spec["flexible_spec"] = []map[string]any{{"interests": in}}
	}
	// Audiences 91 and 92 may be targeted, 93 and 94 excluded: a spec
	// never excludes what it targets (that audience would be empty).
	if ca := ids([]string{"91", "92"}); len(ca) > 0 && r.IntN(2) == 0 {
		spec["custom_audiences"] = ca
	}
	if ca := ids([]string{"93", "94", "91"}); len(ca) > 0 && r.IntN(3) == 0 {
		if _, targeted := spec["custom_audiences"]; !targeted {
			spec["excluded_custom_audiences"] = ca
		}
	}
	if p := pick([]string{"facebook", "instagram", "messenger", "audience_network"}, 2); len(p) > 0 && r.IntN(2) == 0 {
		spec["publisher_platforms"] = p
	}
	b, _ := json.Marshal(spec)
	var t metaads.Targeting
	if err := json.Unmarshal(b, &t); err != nil {
		panic(err)
	}
	return &t
}

// TestOverlapBounds checks the targeting model on random pairs: every
// share and bound is in [0, 1] with lo <= point <= hi; the overlap
// coefficient is symmetric; identical specs overlap by the whole smaller
// audience (coefficient 1, exactly); and a spec inside another (the same
// spec with one more interest group) gives coefficient 1.
func TestOverlapBounds(t *testing.T) {
	t.Parallel()
	// Plain comparisons of the (comparable) shares, not testify's: 5,000
	// pairs through reflection took seconds under the race detector.
	r := rand.New(rand.NewPCG(3, 4))
	in01 := func(x float64) bool { return x >= 0 && x <= 1 && !math.IsNaN(x) }
	for i := range 5000 {
		ta, tb := randomTargeting(r), randomTargeting(r)
		a, b := readAudience(ta), readAudience(tb)
		ab, ba := coverage(a, b), coverage(b, a)
		for _, s := range []share{ab.ab, ab.ba, ba.ab, ba.ba} {
			if !(in01(s.lo) && in01(s.hi) && s.lo <= s.hi+1e-12) {
				t.Fatalf("pair %d: bounds %v", i, s)
			}
			if s.known && !(in01(s.p) && s.lo <= s.p+1e-12 && s.p <= s.hi+1e-12) {
				t.Fatalf("pair %d: point %v", i, s)
			}
		}
		if ab.ab != ba.ba || ab.ba != ba.ab {
			t.Fatalf("pair %d: not symmetric: %v %v against %v %v", i, ab.ab, ab.ba, ba.ba, ba.ab)
		}
		coef := func(c pairCov) [3]float64 {
			return [3]float64{math.Max(c.ab.p, c.ba.p), math.Max(c.ab.lo, c.ba.lo), math.Max(c.ab.hi, c.ba.hi)}
		}
		if coef(ab) != coef(ba) {
			t.Fatalf("pair %d: the coefficient is not symmetric: %v against %v", i, coef(ab), coef(ba))
		}

		same := coverage(a, readAudience(ta))
		if same.ab != exact(1) || same.ba != exact(1) {
			t.Fatalf("pair %d: identical specs give %v %v, not exactly 1", i, same.ab, same.ba)
		}
		if len(a.atoms) > 0 {
			narrower := *a
			narrower.groups = append(append([][]string{}, a.groups...), []string{"interest:99"})
			if c := coverage(&narrower, a); c.ab != exact(1) {
				t.Fatalf("pair %d: a narrower spec lies inside, but its share is %v", i, c.ab)
			}
		}
	}
}

func ExampleOverlapQueries() {
	// The overlap signal sizes audiences from targeting alone; Meta's
	// reach estimates tighten it. The estimates need the network, which
	// the signals never use, so a caller asks for them first:
	//
	//	queries, err := signals.OverlapQueries(ds)
	//	est := map[string]signals.ReachEstimate{}
	//	for _, q := range queries {
	//		e, err := client.Accounts.DeliveryEstimate(ctx, ds.Account.ID, metaads.DeliveryEstimateParams{Targeting: q.Targeting})
	//		...
	//		est[q.Key] = signals.ReachEstimate{Lower: e.MonthlyLower, Upper: e.MonthlyUpper}
	//	}
	//	res, err := signals.Overlap(ds, signals.WithReachEstimates(est))
	fmt.Println("pair keys look like", pairKey("2", "1"))
	// Output: pair keys look like pair:1:2
}
