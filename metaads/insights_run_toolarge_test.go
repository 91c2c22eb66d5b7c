package metaads

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// postedRun is one report-run POST as the fake recorded it.
type postedRun struct {
	tr      TimeRange
	created bool // answered 200 with a report_run_id
}

func postedRuns(t *testing.T, srv *metaadstest.Server) []postedRun {
	t.Helper()
	var out []postedRun
	for _, r := range requests(srv, "POST", "/act_1001/insights") {
		var tr TimeRange
		require.NoError(t, json.Unmarshal([]byte(r.Params.Get("time_range")), &tr), r.Params.Get("time_range"))
		assert.Empty(t, r.Params.Get("filtering"), "a date-range split adds no entity filter")
		out = append(out, postedRun{tr: tr, created: r.Succeeded()})
	}
	return out
}

// halves is the runner's split of a daily range.
func halves(tr TimeRange) [2]TimeRange {
	mid := tr.Since.AddDays(tr.Days() / 2)
	return [2]TimeRange{{Since: tr.Since, Until: mid.AddDays(-1)}, {Since: mid, Until: tr.Until}}
}

// TestRunnerSplitsTooLargeReport: a run that ends in "Job Failed" with
// Meta's "report too large" (-3/1504045) is not restarted as it was but
// split into halves of its date range, and the rows arrive exactly once.
// Any other failure is restarted with the same range.
func TestRunnerSplitsTooLargeReport(t *testing.T) {
	full := TimeRange{Since: Date{2026, 2, 1}, Until: Date{2026, 2, 8}}
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: full, TimeIncrement: IncrementDaily, Fields: []string{"ad_id", "impressions", "spend"}}
	tooLarge := metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultReportFailed, Code: -3, Subcode: 1504045}

	// pull runs p through the runner after injecting f, and checks the row
	// set is exactly one row per ad and day, equal to a synchronous read.
	pull := func(t *testing.T, f metaadstest.Fault) (*fakeEnv, []postedRun, []error) {
		e := newInsightsEnv(t, insightsScenario(2, 2, 2))
		ctx := context.Background()
		want := map[string]bool{}
		for _, ad := range e.srv.Objects().Ads {
			for d := full.Since; !full.Until.Before(d); d = d.AddDays(1) {
				want[ad.ID+"|"+d.String()+"|"+d.String()] = true
			}
		}
		require.Len(t, want, 8*8)
		syncRows, err := collect(e.c.Insights.List(ctx, e.acct, p))
		require.NoError(t, err)
		wantRows := keysOf(t, syncRows)
		e.srv.ResetRequests()

		require.NoError(t, e.srv.InjectFault(f))
		var getErrors []error
		rows, err := collect(e.c.Insights.Run(ctx, e.acct, p, RunOptions{}))
		require.NoError(t, err)
		got := keysOf(t, rows)
		assert.Len(t, got, len(want))
		for k := range want {
			r, ok := got[k]
			if !assert.True(t, ok, "row %s lost", k) {
				continue
			}
			assert.Equal(t, wantRows[k].Impressions, r.Impressions, k)
			assert.Equal(t, wantRows[k].Spend, r.Spend, k)
		}
		// The failed runs' polls: the run's error as the client read it.
		for _, r := range requests(e.srv, "GET", "/*") {
			if r.ErrorCode != 0 {
				getErrors = append(getErrors, fmt.Errorf("GET %s answered %d/%d", r.Path, r.ErrorCode, r.ErrorSubcode))
			}
		}
		return e, postedRuns(t, e.srv), getErrors
	}

	t.Run("once", func(t *testing.T) {
		_, posts, getErrors := pull(t, tooLarge)
		assert.Empty(t, getErrors, "polls and reads were all answered")
		require.Len(t, posts, 3, "the failed run and its two halves: %v", posts)
		assert.Equal(t, full, posts[0].tr)
		h := halves(full)
		assert.ElementsMatch(t, []TimeRange{h[0], h[1]}, []TimeRange{posts[1].tr, posts[2].tr})
		assert.Equal(t, TimeRange{Since: Date{2026, 2, 1}, Until: Date{2026, 2, 4}}, h[0])
		for _, r := range posts {
			assert.True(t, r.created)
		}
	})

	t.Run("halves too large again", func(t *testing.T) {
		f := tooLarge
		f.Count = 3
		_, posts, _ := pull(t, f)
		// Each too-large run is replaced by its two halves: 1 + 2×3 runs.
		require.Len(t, posts, 7, "%v", posts)
		assert.Equal(t, full, posts[0].tr)
		failed, done := posts[:3], posts[3:]
		for i, r := range failed {
			h := halves(r.tr)
			later := posts[i+1:]
			assert.True(t, slices.ContainsFunc(later, func(x postedRun) bool { return x.tr == h[0] }), "first half of %v posted", r.tr)
			assert.True(t, slices.ContainsFunc(later, func(x postedRun) bool { return x.tr == h[1] }), "second half of %v posted", r.tr)
		}
		// The runs that completed cover the range exactly once.
		covered := map[Date]int{}
		for _, r := range done {
			for d := r.tr.Since; !r.tr.Until.Before(d); d = d.AddDays(1) {
				covered[d]++
			}
		}
		assert.Len(t, covered, full.Days())
		for d, n := range covered {
			assert.Equal(t, 1, n, "day %s read by %d runs", d, n)
		}
	})

	t.Run("other getErrors restart", func(t *testing.T) {
		f := tooLarge
		f.Code, f.Subcode = -2, 2490547 // "report failed": start it again as it was
		_, posts, _ := pull(t, f)
		require.Len(t, posts, 2, "%v", posts)
		assert.Equal(t, full, posts[0].tr)
		assert.Equal(t, full, posts[1].tr)
	})

	t.Run("error fields", func(t *testing.T) {
		e := newInsightsEnv(t, insightsScenario(1, 1, 1))
		require.NoError(t, e.srv.InjectFault(tooLarge))
		run, err := e.c.Insights.StartReport(context.Background(), e.acct, p)
		require.NoError(t, err)
		err = run.Wait(context.Background(), PollOptions{})
		var re *ReportRunError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, -3, re.Code)
		assert.Equal(t, 1504045, re.Subcode)
		assert.NotEmpty(t, re.Message)
		assert.ErrorIs(t, err, ErrDataLimit)
		assert.ErrorIs(t, err, ErrReportFailed)
		assert.NotErrorIs(t, err, ErrTransient)
	})
}
