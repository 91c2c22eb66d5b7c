package signals

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The planted patterns of metaadstest are found: each test reads a
// business with one planted pattern (or the demo business, which has
// them all) and checks the signal names it, with its figures.

// plantedHourCurve is the sign of the planted hour effect at hour h:
// 1 + A·cos(2π(h−20)/24), best at 20:00 and worst at 08:00.
func plantedHourCurve(h int) float64 { return math.Cos(2 * math.Pi * float64(h-20) / 24) }

// hourEffectFound reports whether an hour-of-day result found the planted
// effect: a signal, at least one flagged hour, and every flagged hour on
// the planted side of the curve (CTR higher and CPC lower where the curve
// is positive); hours within two of the curve's zero crossings (02:00 and
// 14:00) may go either way.
func hourEffectFound(res *HourOfDayResult) (found bool, wrong []int) {
	any := false
	for _, c := range res.Hours {
		for _, x := range []struct {
			r    *Rate
			spec *metricSpec
		}{{c.CTR, &specCTR}, {c.CPC, &specCPC}} {
			if x.r == nil || !x.r.Flagged {
				continue
			}
			any = true
			curve := plantedHourCurve(c.Hour)
			if math.Abs(curve) > math.Cos(2*math.Pi*4/24) && x.r.better(x.spec) != (curve > 0) {
				wrong = append(wrong, c.Hour)
			}
		}
	}
	return any && len(res.Signals) == 1 && len(wrong) == 0, wrong
}

func TestPlantedHourEffect(t *testing.T) {
	t.Parallel()
	for _, a := range []float64{0.2, 0.6} {
		srv := quietServer(t, 7, a)
		ds := pullDataset(t, srv, quietAccount, testNow, pull{lookback: 14, hourlyDays: 28})
		res, err := HourOfDay(ds)
		require.NoError(t, err)
		found, wrong := hourEffectFound(res)
		assert.True(t, found, "strength %v: flagged hours on the wrong side: %v", a, wrong)
		require.NotNil(t, res.Best)
		assert.Less(t, (res.Best.From+1-20+24)%24, 4, "strength %v: the best window %s holds or neighbours 20:00", a, hourRange(res.Best.From, res.Best.To))
		require.NotNil(t, res.Worst)
		assert.Greater(t, res.Worst.CPC.Adjusted, 1.0)
		assert.Less(t, plantedHourCurve(res.Worst.From+1), 0.0, "strength %v: the worst window %s is in the planted trough", a, hourRange(res.Worst.From, res.Worst.To))
		// The peak hour's CTR index follows the planted amplitude: the
		// CTR at 20:00 over the CTR at 08:00 is (1+A)/(1−A), within noise.
		ratio := res.Hours[20].CTR.Value / res.Hours[8].CTR.Value
		assert.InDelta(t, (1+a)/(1-a), ratio, 0.2*(1+a)/(1-a), "strength %v", a)
		require.NotNil(t, res.Schedule, "strength %v", a)
		assert.NotEmpty(t, res.Schedule.ExcludedHours)
		for _, h := range res.Schedule.ExcludedHours {
			assert.Less(t, plantedHourCurve(h), 0.5, "strength %v: excluded hour %d is not in the planted peak", a, h)
		}
	}
}

// fatigueBusiness is the quiet business with one more ad set whose first
// ad fatigues at rate 0.35 (frequency up 35% of its base a week, CTR
// falling as 1/frequency) since it was created days ago.
func fatigueBusiness(now time.Time, days int) metaadstest.Scenario {
	sc := quietBusiness(now, 0)
	start := now.Truncate(24*time.Hour).AddDate(0, 0, -90)
	sc.AdSets = append(sc.AdSets, metaadstest.AdSet{ID: "120390000000009", CampaignID: sc.Campaigns[0].ID, Name: "Fatigue", DailyBudget: 20000,
		Targeting: `{"geo_locations":{"countries":["NZ"]}}`, StartTime: start})
	sc.Ads = append(sc.Ads,
		metaadstest.Ad{ID: "120490000000091", AdSetID: "120390000000009", Name: "Fatigue - new creative", Quality: 1, FatigueRate: 0.35,
			CreatedTime: now.Add(-time.Duration(days) * 24 * time.Hour)},
		metaadstest.Ad{ID: "120490000000092", AdSetID: "120390000000009", Name: "Fatigue - old creative", Quality: 1})
	return sc
}

func TestPlantedFatigue(t *testing.T) {
	t.Parallel()
	t.Run("demo", func(t *testing.T) {
		res, err := Fatigue(demoShop(t))
		require.NoError(t, err)
		var flagged []string
		for _, a := range res.Ads {
			if a.Flagged {
				flagged = append(flagged, a.Ad.ID)
			}
		}
		require.Equal(t, []string{metaadstest.DemoFatiguedAd}, flagged)
		require.Len(t, res.Signals, 1)
	})
	for _, days := range []int{16, 40} {
		srv := metaadstest.Start(t, metaadstest.WithClock(func() time.Time { return testNow }), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
		_, err := srv.Seed(fatigueBusiness(testNow, days))
		require.NoError(t, err)
		ds := pullDataset(t, srv, quietAccount, testNow, pull{lookback: 49, hourlyDays: 0})
		res, err := Fatigue(ds)
		require.NoError(t, err)
		var af *AdFatigue
		for i := range res.Ads {
			if res.Ads[i].Flagged {
				require.Nil(t, af, "only the planted ad is flagged")
				af = &res.Ads[i]
			}
		}
		require.NotNil(t, af, "%d days: the fatiguing ad is flagged", days)
		require.Equal(t, "120490000000091", af.Ad.ID)
		// Onset: the planted decline starts at creation; the first
		// complete day after the launch day is the earliest a fit can see.
		planted := dayNumber(af.Launch) + 1
		assert.LessOrEqual(t, math.Abs(float64(dayNumber(af.Onset)-planted)), 3.0, "%d days: onset %s, planted %s (tolerance 3 days)", days, af.Onset, dateOfNumber(planted))
		require.NotNil(t, af.Forecast)
		// The truth: CTR ∝ 1/(1 + 0.05 t) with t days since creation;
		// the threshold is half the best 7-day window's link CTR.
		if days == 40 {
			// 1/(1 + 0.05·39) is 0.34 of launch, 0.41 of the best week.
			assert.False(t, af.Forecast.Crossed.IsZero(), "after 40 days at 0.35 the ad has crossed")
			assert.Contains(t, []string{FatigueLimited, FatigueFatigued}, af.State)
			continue
		}
		best := 0.0
		for k := 1; k <= 7; k++ {
			best += 1 / (1 + 0.05*float64(k)) / 7
		}
		truth := (2/best-1)/0.05 - float64(days-1) // days from the last complete day
		t.Logf("forecast %.1f days (%.1f to %.1f), planted %.1f", af.Forecast.Days, af.Forecast.DaysLo, af.Forecast.DaysHi, truth)
		assert.Truef(t, af.Forecast.DaysLo <= truth && truth <= af.Forecast.DaysHi, "the forecast interval %.1f-%.1f holds the planted %.1f days", af.Forecast.DaysLo, af.Forecast.DaysHi, truth)
	}
}

func TestPlantedPacing(t *testing.T) {
	t.Parallel()
	res, err := Pacing(demoShop(t))
	require.NoError(t, err)
	var over []string
	for _, e := range res.Entities {
		if e.Flagged {
			over = append(over, e.Entity.ID)
			assert.Equal(t, PaceOver, e.Status)
			// Overpace 0.4: spend runs at (0.85 to 0.99) × 1.4 of the budget.
			assert.InDelta(t, 1.4*0.92, e.Ratio7d, 0.1)
			assert.InDelta(t, float64(e.DailyBudget)/e.Ratio7d, float64(e.RecommendedDailyCap), 1)
		} else {
			assert.Contains(t, []string{PaceOnPace, PaceBehind, PaceAhead}, e.Status, e.Entity.Name)
			// The account's hour curve explains the morning: by the
			// straight line these ad sets would look 20% behind.
			assert.InDelta(t, 0.92, e.Ratio, 0.12, e.Entity.Name)
			assert.Less(t, e.LinearRatio, e.Ratio, e.Entity.Name)
		}
	}
	assert.Equal(t, []string{metaadstest.DemoOverpacingSet}, over)
	require.Len(t, res.Signals, 1)
	assert.Equal(t, analysis.SeverityCritical, res.Signals[0].Severity, "the week heads over Meta's weekly ceiling")
}

func TestPlantedOverlap(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	ds := pullDataset(t, srv, metaadstest.DemoAccountShop, testNow, pull{lookback: 14, hourlyDays: 0})
	check := func(t *testing.T, res *OverlapResult, method string) {
		t.Helper()
		require.Len(t, res.Signals, 1)
		for _, p := range res.Pairs {
			pair := []string{p.A.ID, p.B.ID}
			if p.A.ID == metaadstest.DemoOverlapSetA && p.B.ID == metaadstest.DemoOverlapSetB {
				assert.True(t, p.Flagged)
				assert.Equal(t, method, p.Method)
				assert.GreaterOrEqual(t, p.Coefficient, res.Threshold)
				assert.True(t, p.SameAuction && p.SameGoal)
				continue
			}
			assert.False(t, p.Flagged, "%v", pair)
			assert.Less(t, p.Coefficient, res.Threshold, "%v", pair)
		}
	}
	res, err := Overlap(ds)
	require.NoError(t, err)
	check(t, res, MethodTargeting)
	// The running pairs are disjoint (geography or exclusions): no pair but
	// the planted one may overlap at all.
	assert.Len(t, res.Pairs, 1)
	res, err = Overlap(ds, WithReachEstimates(reachEstimates(t, testClient(t, srv), ds)))
	require.NoError(t, err)
	check(t, res, MethodReachEstimate)
	p := res.Pairs[0]
	assert.Greater(t, p.SizeA, int64(0))
	assert.LessOrEqual(t, p.Intersection, min(p.SizeA, p.SizeB))
	assert.InDelta(t, float64(p.Intersection)/float64(min(p.SizeA, p.SizeB)), p.Coefficient, 0.01)
}

// TestHeuristicRanksPlanted runs the whole pass (Collect, the default
// rules, these signals, the Heuristic) on the demo shop: each planted
// problem is among the top recommendations; and on the quiet business
// nothing is urgent.
func TestHeuristicRanksPlanted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	run := func(t *testing.T, ds *analysis.Dataset, opts ...Option) []analysis.Recommendation {
		rep, err := analysis.RunDataset(ctx, ds, analysis.RunOptions{Signals: Func(opts...), Now: func() time.Time { return testNow }})
		require.NoError(t, err)
		for _, r := range rep.Result.Recommendations {
			t.Logf("%2d %-7s %s %q", r.Rank, r.Priority, r.Entity.ID, r.Title)
		}
		return rep.Result.Recommendations
	}
	rank := func(recs []analysis.Recommendation, kind analysis.SignalKind, entity string) int {
		for _, r := range recs {
			ids := []string{r.Entity.ID}
			for _, x := range r.Related {
				ids = append(ids, x.ID)
			}
			for _, s := range r.Sources {
				if s.Kind == "signal" && s.ID == string(kind) && (entity == "" || containsID(ids, entity)) {
					return r.Rank
				}
			}
		}
		return 0
	}
	t.Run("demo", func(t *testing.T) {
		srv := demoServer(t)
		ds := pullDataset(t, srv, metaadstest.DemoAccountShop, testNow, defaultPull)
		recs := run(t, ds, WithReachEstimates(reachEstimates(t, testClient(t, srv), ds)))
		for _, want := range []struct {
			kind   analysis.SignalKind
			entity string
			within int
		}{
			{analysis.SignalPacing, metaadstest.DemoOverpacingSet, 3},
			{analysis.SignalFatigue, metaadstest.DemoFatiguedAd, 6},
			{analysis.SignalHourOfDay, "", 6},
			{analysis.SignalOverlap, metaadstest.DemoOverlapSetB, 6},
		} {
			r := rank(recs, want.kind, want.entity)
			assert.True(t, r > 0 && r <= want.within, "%s of %s ranks %d; expected within the top %d", want.kind, want.entity, r, want.within)
		}
		assert.Equal(t, analysis.PriorityUrgent, recs[rank(recs, analysis.SignalPacing, metaadstest.DemoOverpacingSet)-1].Priority)
	})
	t.Run("quiet", func(t *testing.T) {
		var template *analysis.Dataset
		for _, seed := range []uint64{1, 2, 3, 4, 5} {
			srv := quietServer(t, seed, 0)
			var ds *analysis.Dataset
			if template == nil {
				ds = pullDataset(t, srv, quietAccount, testNow, defaultPull)
				template = ds
			} else {
				ds = rowsLike(t, srv, template)
			}
			for _, r := range run(t, ds, WithReachEstimates(reachEstimates(t, testClient(t, srv), ds))) {
				assert.NotEqual(t, analysis.PriorityUrgent, r.Priority, "seed %d: %s", seed, r.Title)
				for _, s := range r.Sources {
					assert.NotEqual(t, "signal", s.Kind, "seed %d: no signal on the quiet business: %s", seed, r.Title)
				}
			}
		}
	})
}

func containsID(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// TestLifetimePacing reads an ad set with a lifetime budget over a 30-day
// flight, 20 days in: its spend so far, the share of the flight elapsed
// and the projection to the end, on plan, and an over-pacing one.
func TestLifetimePacing(t *testing.T) {
	t.Parallel()
	for _, over := range []float64{0, 0.5} {
		sc := quietBusiness(testNow, 0)
		start := testNow.Truncate(24*time.Hour).AddDate(0, 0, -20)
		end := start.AddDate(0, 0, 30)
		sc.AdSets = append(sc.AdSets, metaadstest.AdSet{ID: "120390000000008", CampaignID: sc.Campaigns[1].ID, Name: "Flight", LifetimeBudget: 3000000,
			StartTime: start, EndTime: end, Targeting: `{"geo_locations":{"countries":["IE"]}}`, Overpace: over})
		sc.Ads = append(sc.Ads, metaadstest.Ad{ID: "120490000000081", AdSetID: "120390000000008", Quality: 1})
		srv := metaadstest.Start(t, metaadstest.WithClock(func() time.Time { return testNow }), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
		_, err := srv.Seed(sc)
		require.NoError(t, err)
		ds := pullDataset(t, srv, quietAccount, testNow, pull{lookback: 30, hourlyDays: 28})
		res, err := Pacing(ds)
		require.NoError(t, err)
		var ep *EntityPacing
		for i := range res.Entities {
			if res.Entities[i].Entity.ID == "120390000000008" {
				ep = &res.Entities[i]
			}
		}
		require.NotNil(t, ep)
		assert.Equal(t, "lifetime", ep.Kind)
		assert.Positive(t, ep.Spent)
		assert.InDelta(t, 20.0/30, ep.FlightShare, 0.05, "20 days of 30, plus part of today")
		assert.LessOrEqual(t, ep.ProjectedFlight, float64(ep.LifetimeBudget))
		assert.GreaterOrEqual(t, ep.ProjectedFlight, float64(ep.Spent))
		if over == 0 {
			// The fake spends a lifetime budget at (0.85 to 0.99) × budget / days.
			assert.InDelta(t, 0.92, ep.Ratio, 0.1)
			assert.False(t, ep.Flagged, ep.Status)
		} else {
			assert.Equal(t, PaceOver, ep.Status)
			assert.True(t, ep.Flagged)
			assert.Positive(t, ep.RecommendedDailyCap)
			assert.InDelta(t, 1.2*ep.DailyNeeded, float64(ep.RecommendedDailyCap), 1)
		}
	}
}

// TestPlantedWeekdayAndSeason checks the demo shop's planted day-of-week
// effect (CTR and conversion rate × 1 + 0.25·cos(2π(d−6)/7): best on
// Saturday, worst between Tuesday and Wednesday) and its seasonal week
// (conversion rate × 1.6 in the week that began 21 days before now): every
// flagged weekday is on the planted side (Monday and Thursday, at −0.22 of
// the amplitude, may go either way), the best and worst weekdays are
// where the curve puts them, and the only week flagged is the planted one,
// with a higher conversion rate.
func TestPlantedWeekdayAndSeason(t *testing.T) {
	t.Parallel()
	ds := demoShop(t)
	dow, err := DayOfWeek(ds)
	require.NoError(t, err)
	require.Len(t, dow.Signals, 1)
	curve := func(d int) float64 { return math.Cos(2 * math.Pi * float64(d-6) / 7) }
	flagged := 0
	for _, c := range dow.Days {
		for _, x := range []struct {
			r    *Rate
			spec *metricSpec
		}{{c.CTR, &specCTR}, {c.CPC, &specCPC}, {c.CVR, &specCVR}, {c.CPA, &specCPA}} {
			if x.r == nil || !x.r.Flagged {
				continue
			}
			flagged++
			if math.Abs(curve(c.Weekday)) > 0.5 {
				assert.Equal(t, curve(c.Weekday) > 0, x.r.better(x.spec), "weekday %d %s: flagged on the wrong side", c.Weekday, x.spec.name)
			}
		}
		if c.CPM != nil {
			assert.False(t, c.CPM.Flagged, "weekday %d: no CPM effect is planted", c.Weekday)
		}
	}
	assert.Positive(t, flagged)
	assert.Contains(t, []int{5, 6, 0}, dow.Best, "best weekday")
	assert.Contains(t, []int{2, 3}, dow.Worst, "worst weekday")

	season, err := Seasonality(ds)
	require.NoError(t, err)
	require.Len(t, season.Signals, 1)
	planted := metaads.DateOf(testNow.In(time.UTC)).AddDays(-21)
	var weeks []string
	for _, w := range season.Weeks {
		if w.flagged() {
			weeks = append(weeks, w.Week.String())
			require.NotNil(t, w.CVR)
			assert.Greater(t, w.CVR.Adjusted, 1.2, "the planted week converts better")
		}
	}
	assert.Equal(t, []string{planted.String()}, weeks)
}

// TestPlantedOtherAccounts reads the demo's lead account (an hour-of-day
// effect of 0.2 planted, nothing else the signals look for) and its Tokyo
// account (a day-of-week effect of 0.15): each planted effect is found
// and no other signal fires on them.
func TestPlantedOtherAccounts(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	for _, c := range []struct {
		acct string
		p    pull
		want analysis.SignalKind
	}{
		{metaadstest.DemoAccountLeads, pull{lookback: 14, hourlyDays: 28}, analysis.SignalHourOfDay},
		{metaadstest.DemoAccountTokyo, pull{lookback: 28}, analysis.SignalDayOfWeek},
	} {
		res, err := All(pullDataset(t, srv, c.acct, testNow, c.p))
		require.NoError(t, err)
		var kinds []analysis.SignalKind
		for _, s := range res.Signals() {
			kinds = append(kinds, s.Kind)
			t.Logf("%s: %s: %s", c.acct, s.Kind, s.Finding)
		}
		assert.Equal(t, []analysis.SignalKind{c.want}, kinds, c.acct)
		// The lead account advertises in Germany: the US figures of the
		// table do not apply (before, its CTR read as "0.5x the published
		// figure" of US lead campaigns).
		if c.acct == metaadstest.DemoAccountLeads {
			for _, x := range res.Benchmarks.Comparisons {
				assert.Empty(t, x.Benchmark.Region, "a German account against %s figures", x.Benchmark.Region)
			}
		}
	}
	// A US-only account is compared with the US figures.
	res, err := Benchmarks(quietDataset(t, 1))
	require.NoError(t, err)
	us := 0
	for _, x := range res.Comparisons {
		if x.Benchmark.Region == "US" {
			us++
		}
	}
	assert.Positive(t, us, "the quiet business targets the US alone")
}
