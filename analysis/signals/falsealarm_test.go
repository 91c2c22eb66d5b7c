package signals

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
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

// fakeEstimates asks srv's delivery_estimate endpoint for every estimate
// OverlapQueries lists, through the fake's handler without the metaads
// client (its retries, pacing and decoding are a third of a false-alarm
// seed's time under the race detector); TestFakeEstimatesMatchClient
// checks it gets what reachEstimates gets.
func fakeEstimates(tb testing.TB, srv *metaadstest.Server, ds *analysis.Dataset) map[string]ReachEstimate {
	tb.Helper()
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	require.NoError(tb, err)
	qs, err := OverlapQueries(ds)
	require.NoError(tb, err)
	out := map[string]ReachEstimate{}
	for _, q := range qs {
		spec, err := json.Marshal(q.Targeting)
		require.NoError(tb, err)
		r := httptest.NewRequest(http.MethodGet, "/"+metaads.DefaultAPIVersion+"/"+ds.Account.ID.String()+"/delivery_estimate?"+
			url.Values{"targeting_spec": {string(spec)}}.Encode(), nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		require.Equal(tb, http.StatusOK, rec.Code, "%s: %s", q.Key, rec.Body)
		var body struct {
			Data []struct {
				Lower int64 `json:"estimate_mau_lower_bound"`
				Upper int64 `json:"estimate_mau_upper_bound"`
			} `json:"data"`
		}
		require.NoError(tb, json.Unmarshal(rec.Body.Bytes(), &body), q.Key)
		require.Len(tb, body.Data, 1, q.Key)
		out[q.Key] = ReachEstimate{Lower: body.Data[0].Lower, Upper: body.Data[0].Upper}
	}
	return out
}

func TestFakeEstimatesMatchClient(t *testing.T) {
	t.Parallel()
	srv := quietServer(t, 7, 0)
	ds := rowsLike(t, srv, quietDataset(t, 1))
	want := reachEstimates(t, testClient(t, srv), ds)
	require.NotEmpty(t, want)
	require.Equal(t, want, fakeEstimates(t, srv, ds))
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
	// mpmath 1.3.0 (bisection on the binomial CDF at 30 digits): 1 of 200
	// gives 0.0234985, 3 of 200 (the hour-of-day rate) 0.0383097.
	assert.InDelta(t, 0.0234985, clopperPearsonUpper(1, 200), 1e-6)
	assert.InDelta(t, 0.0383097, clopperPearsonUpper(3, 200), 1e-6)
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
	t.Parallel()
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
					res, err := All(ds, WithReachEstimates(fakeEstimates(t, srv, ds)))
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
