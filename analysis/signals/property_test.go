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
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		spend := r.Int64N(1e7) - 1000 // a few negative spends: invalid, clamped
		share := r.Float64()
		budget := float64(r.Int64N(1e6) + 1)
		limit := budget * (1 + r.Float64()*2)
		p := projectDay(spend, share, budget, limit)
		assert.GreaterOrEqual(t, p, 0.0)
		assert.GreaterOrEqual(t, p, float64(max(spend, 0)))
		if float64(spend) <= limit {
			assert.LessOrEqual(t, p, limit+1e-9)
		}

		spent := r.Int64N(1e8)
		lifetime := r.Int64N(1e8) + 1
		rate := r.Float64() * 1e6
		left := time.Duration(r.Int64N(int64(60 * 24 * time.Hour)))
		f := projectFlight(spent, rate, left, lifetime)
		assert.GreaterOrEqual(t, f, float64(spent))
		if spent <= lifetime {
			assert.LessOrEqual(t, f, float64(lifetime)+1e-6)
		}
		assert.Equal(t, float64(spent), projectFlight(spent, rate, 0, lifetime), "a flight ending now projects its spend")
		assert.Equal(t, float64(spent), projectFlight(spent, rate, -left, lifetime), "an ended flight projects its spend")
		assert.Equal(t, 0.0, projectFlight(-spent-1, 0, left, lifetime), "never negative")
	}
	curve := make([]float64, 24)
	for h := range curve {
		curve[h] = 0.2 + r.Float64()
	}
	for _, zone := range []string{"America/Los_Angeles", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago", "Asia/Beirut", "UTC"} {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		// A year of 20-minute steps walks every DST change of the zone.
		prev := -1.0
		for at := time.Date(2026, 1, 1, 0, 0, 0, 0, loc); at.Year() == 2026; at = at.Add(20 * time.Minute) {
			s := dayShare(at, curve)
			require.True(t, s >= 0 && s <= 1, "%s %v: share %v", zone, at, s)
			if start, _ := metrics.DayBounds(at); at.Sub(start) < 20*time.Minute {
				prev = -1 // a new day
			}
			require.GreaterOrEqual(t, s, prev-1e-12, "%s %v: the share never goes back within a day", zone, at)
			prev = s
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
	r := rand.New(rand.NewPCG(3, 4))
	in01 := func(x float64) bool { return x >= 0 && x <= 1 && !math.IsNaN(x) }
	for i := range 5000 {
		ta, tb := randomTargeting(r), randomTargeting(r)
		a, b := readAudience(ta), readAudience(tb)
		ab, ba := coverage(a, b), coverage(b, a)
		for _, s := range []share{ab.ab, ab.ba, ba.ab, ba.ba} {
			require.True(t, in01(s.lo) && in01(s.hi) && s.lo <= s.hi+1e-12, "pair %d: bounds %v", i, s)
			if s.known {
				require.True(t, in01(s.p) && s.lo <= s.p+1e-12 && s.p <= s.hi+1e-12, "pair %d: point %v", i, s)
			}
		}
		require.Equal(t, ab.ab, ba.ba, "pair %d: symmetric", i)
		require.Equal(t, ab.ba, ba.ab, "pair %d: symmetric", i)
		coef := func(c pairCov) (float64, float64, float64) {
			return math.Max(c.ab.p, c.ba.p), math.Max(c.ab.lo, c.ba.lo), math.Max(c.ab.hi, c.ba.hi)
		}
		p1, l1, h1 := coef(ab)
		p2, l2, h2 := coef(ba)
		require.Equal(t, [3]float64{p1, l1, h1}, [3]float64{p2, l2, h2}, "pair %d: the coefficient is symmetric", i)

		same := coverage(a, readAudience(ta))
		require.Equal(t, exact(1), same.ab, "pair %d: identical specs", i)
		require.Equal(t, exact(1), same.ba, "pair %d: identical specs", i)
		if len(a.atoms) > 0 {
			narrower := *a
			narrower.groups = append(append([][]string{}, a.groups...), []string{"interest:99"})
			c := coverage(&narrower, a)
			require.Equal(t, exact(1), c.ab, "pair %d: a narrower spec lies inside", i)
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
