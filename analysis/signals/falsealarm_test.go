package signals

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reachEstimates asks the fake for every estimate OverlapQueries lists.
func reachEstimates(tb testing.TB, c *metaads.Client, ds *analysis.Dataset) map[string]ReachEstimate {
	tb.Helper()
	qs, err := OverlapQueries(ds)
	require.NoError(tb, err)
	out := map[string]ReachEstimate{}
	for _, q := range qs {
		e, err := c.Accounts.DeliveryEstimate(context.Background(), ds.Account.ID, metaads.DeliveryEstimateParams{Targeting: q.Targeting})
		require.NoError(tb, err, q.Key)
		out[q.Key] = ReachEstimate{Lower: e.MonthlyLower, Upper: e.MonthlyUpper}
	}
	return out
}

// clopperPearsonUpper is the one-sided 95% upper bound of a binomial
// proportion with k successes in n trials: the p at which k or fewer
// successes have probability 0.05 (bisection on the binomial CDF).
func clopperPearsonUpper(k, n int) float64 {
	cdf := func(p float64) float64 {
		var s float64
		for i := 0; i <= k; i++ {
			lg, _ := math.Lgamma(float64(n + 1))
			la, _ := math.Lgamma(float64(i + 1))
			lb, _ := math.Lgamma(float64(n - i + 1))
			s += math.Exp(lg - la - lb + float64(i)*math.Log(p) + float64(n-i)*math.Log1p(-p))
		}
		return s
	}
	lo, hi := 0.0, 1.0
	for range 60 {
		mid := (lo + hi) / 2
		if cdf(mid) > 0.05 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func TestClopperPearsonUpper(t *testing.T) {
	assert.InDelta(t, 1-math.Pow(0.05, 1.0/200), clopperPearsonUpper(0, 200), 1e-9)
	assert.InDelta(t, 0.0233, clopperPearsonUpper(1, 200), 2e-4) // R: binom.test(1, 200, alternative="less")
}

// falseAlarmKinds are the kinds TestFalseAlarms measures.
var falseAlarmKinds = []analysis.SignalKind{analysis.SignalHourOfDay, analysis.SignalDayOfWeek, analysis.SignalSeasonality, analysis.SignalFatigue,
	analysis.SignalPacing, analysis.SignalOverlap, analysis.SignalBenchmark}

// TestFalseAlarms measures each signal's false-alarm rate: on 200 seeds
// of the quiet business (no planted pattern of any kind; the fake's seed
// is the only randomness), the share of seeds on which the signal flags
// anything must stay at or under 5%, and its Clopper-Pearson upper bound
// is the rate FalseAlarmRate states. The overlap signal gets Meta's
// (the fake's) reach estimates, so both its methods are exercised.
//
// Rows are generated in process (metaadstest.Server.Rows, checked equal
// to the HTTP pull by TestRowsMatchHTTP): 200 HTTP pulls of 7 weeks of
// daily and 4 of hourly rows took minutes under the race detector. The
// seeds run on four parallel workers.
func TestFalseAlarms(t *testing.T) {
	const seeds, workers = 200, 4
	template := quietDataset(t, 1)
	var mu sync.Mutex
	flagged := map[analysis.SignalKind]int{}
	t.Run("seeds", func(t *testing.T) {
		for w := range workers {
			t.Run(fmt.Sprint(w), func(t *testing.T) {
				t.Parallel()
				for seed := uint64(1 + w); seed <= seeds; seed += workers {
					srv := quietServer(t, seed, 0)
					ds := rowsLike(t, srv, template)
					res, err := All(ds, WithReachEstimates(reachEstimates(t, testClient(t, srv), ds)))
					require.NoError(t, err)
					seen := map[analysis.SignalKind]bool{}
					for _, s := range res.Signals() {
						if !seen[s.Kind] {
							t.Logf("seed %d: %s: %s", seed, s.Kind, s.Finding)
						}
						seen[s.Kind] = true
					}
					mu.Lock()
					for k := range seen {
						flagged[k]++
					}
					mu.Unlock()
					srv.Close()
				}
			})
		}
	})
	for _, k := range falseAlarmKinds {
		rate := float64(flagged[k]) / seeds
		bound := clopperPearsonUpper(flagged[k], seeds)
		t.Logf("%s: %d of %d seeds flagged (%.1f%%; upper 95%% bound %.2f%%)", k, flagged[k], seeds, 100*rate, 100*bound)
		assert.LessOrEqual(t, rate, 0.05, "%s flags %.1f%% of no-pattern seeds", k, 100*rate)
		assert.InDelta(t, bound, FalseAlarmRate(k), 5e-4, "%s: FalseAlarmRate states %.4f, the measurement gives %.4f", k, FalseAlarmRate(k), bound)
	}
}
