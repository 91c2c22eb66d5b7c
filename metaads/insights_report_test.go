package metaads

import (
	"context"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReportRunErrorKinds(t *testing.T) {
	tooLarge := &ReportRunError{ID: "1", Status: JobFailed, Code: -3, Subcode: 1504045, Message: "report too large"}
	assert.ErrorIs(t, tooLarge, ErrReportFailed)
	assert.ErrorIs(t, tooLarge, ErrDataLimit)
	assert.False(t, restartable(tooLarge), "too large: split, do not restart")

	failed := &ReportRunError{ID: "2", Status: JobFailed, Code: -2, Subcode: 2490547}
	assert.ErrorIs(t, failed, ErrReportFailed)
	assert.NotErrorIs(t, failed, ErrDataLimit)
	assert.NotErrorIs(t, failed, ErrReportSkipped)
	assert.True(t, restartable(failed))

	skipped := &ReportRunError{ID: "3", Status: JobSkipped}
	assert.ErrorIs(t, skipped, ErrReportSkipped)
	assert.ErrorIs(t, skipped, ErrTransient)
	assert.True(t, restartable(skipped))

	intermittent := &ReportRunError{ID: "4", Status: JobFailed, Code: 2, Subcode: 1504043}
	assert.ErrorIs(t, intermittent, ErrTransient)
	assert.Contains(t, intermittent.Error(), "code 2 subcode 1504043")

	assert.False(t, restartable(errors.New("other")))
	var r *ReportRun
	assert.Error(t, r.Wait(t.Context(), PollOptions{}))
	assert.Error(t, r.Refresh(t.Context()))
}

func TestPollOptionsDefaults(t *testing.T) {
	o := PollOptions{Initial: 5e9, Max: 1e9, Multiplier: 0.5}.withDefaults()
	assert.Equal(t, o.Initial, o.Max, "Max is raised to Initial")
	assert.Equal(t, 1.5, o.Multiplier)
	assert.Equal(t, 5, o.MaxPollErrors)
}

func TestReportRunStallTimeout(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 1, 1), metaadstest.WithReportRunPolls(50))
	ctx := t.Context()
	run, err := e.c.Insights.StartReport(ctx, e.acct, InsightsParams{TimeRange: janWeek})
	require.NoError(t, err)
	err = run.Wait(ctx, PollOptions{Initial: time.Minute, Max: 10 * time.Minute, Timeout: 30 * time.Minute})
	require.ErrorIs(t, err, ErrReportTimeout)
	assert.False(t, run.Done())
	assert.True(t, restartable(err), "the runner starts a stalled run again")

	// The runner restarts stalled runs, up to MaxRestarts, then reports the stall.
	_, err = collect(e.c.Insights.Run(ctx, e.acct, InsightsParams{TimeRange: janWeek},
		RunOptions{MaxRestarts: 1, Poll: PollOptions{Initial: time.Minute, Timeout: 5 * time.Minute}}))
	require.ErrorIs(t, err, ErrReportTimeout)
	assert.Len(t, requests(e.srv, "POST", "/act_1001/insights"), 3, "StartReport above, then the runner's run and its one restart")
}

// TestRunnerPollDataLimitIsNotSplit: a data-limit answer to a status poll
// is a failed poll, retried within MaxPollErrors; only a run Meta ended as
// too large (or a data-limit answer while reading results) splits.
func TestRunnerPollDataLimitIsNotSplit(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 1, 2))
	ctx := t.Context()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: janWeek, TimeIncrement: IncrementDaily}
	want, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	e.srv.ResetRequests()
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "GET", Path: "/{run}", Kind: metaadstest.FaultDataLimit, Count: 2}))
	got, err := collect(e.c.Insights.Run(ctx, e.acct, p, RunOptions{}))
	require.NoError(t, err)
	assert.Equal(t, keys(want), keys(got))
	assert.Len(t, requests(e.srv, "POST", "/act_1001/insights"), 1, "no split, no restart")

	// Polls failing past MaxPollErrors end the run with the poll error.
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "GET", Path: "/{run}", Kind: metaadstest.FaultDataLimit, Count: 3}))
	run, err := e.c.Insights.StartReport(ctx, e.acct, p)
	require.NoError(t, err)
	err = run.Wait(ctx, PollOptions{MaxPollErrors: 3})
	require.ErrorIs(t, err, ErrDataLimit)
	assert.False(t, runTooLarge(err), "a poll error is not a too-large run")
}

func TestPollOptionsRejectsNonFiniteAndClampsDelays(t *testing.T) {
	for _, m := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		err := PollOptions{Multiplier: m}.Validate()
		require.ErrorIs(t, err, ErrInvalidParameter, "%v", m)
		assert.Contains(t, err.Error(), "Multiplier")
		run := &ReportRun{ID: "1", s: &InsightsService{}}
		require.ErrorIs(t, run.Wait(t.Context(), PollOptions{Multiplier: m}), ErrInvalidParameter, "Wait validates first")
	}
	require.Error(t, PollOptions{Initial: -time.Second}.Validate())
	require.Error(t, PollOptions{MaxPollErrors: -1}.Validate())
	require.NoError(t, PollOptions{}.Validate())

	o := PollOptions{Initial: time.Second, Max: 30 * time.Second, Multiplier: 1e300}.withDefaults()
	d := o.Initial
	for range 5 {
		d = o.nextDelay(d)
		assert.Equal(t, 30*time.Second, d, "a huge multiplier stays at Max")
	}
	assert.Equal(t, o.Max, o.clamp(math.Inf(1)))
	assert.Equal(t, o.Initial, o.clamp(1))
	assert.Equal(t, 3*time.Second, o.clamp(float64(3*time.Second)))

	// Wait with a huge multiplier waits between Initial and Max each time.
	e := newInsightsEnv(t, insightsScenario(1, 1, 1), metaadstest.WithReportRunPolls(6))
	var waits []time.Duration
	e.c.Insights.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	run, err := e.c.Insights.StartReport(t.Context(), e.acct, InsightsParams{TimeRange: janWeek})
	require.NoError(t, err)
	require.NoError(t, run.Wait(t.Context(), PollOptions{Initial: time.Second, Max: 10 * time.Second, Multiplier: math.MaxFloat64}))
	require.NotEmpty(t, waits)
	for _, w := range waits {
		assert.GreaterOrEqual(t, w, time.Second)
		assert.LessOrEqual(t, w, 10*time.Second)
	}
}

// TestResultsNotReadyIsTransient: 2601/1815107 on the results of a
// completed run is retried by the client, and when it persists the runner
// starts the chunk again; the rows stay exact.
func TestResultsNotReadyIsTransient(t *testing.T) {
	assert.ErrorIs(t, &Error{Code: 2601, Subcode: 1815107}, ErrTransient)
	assert.NotErrorIs(t, &Error{Code: 2601}, ErrTransient)

	e := newInsightsEnv(t, insightsScenario(1, 1, 2))
	ctx := t.Context()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: janWeek, TimeIncrement: IncrementDaily, Limit: 5}
	want, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	e.srv.ResetRequests()
	notReady := metaadstest.Fault{Method: "GET", Path: "/{run}/insights", Kind: metaadstest.FaultError, Status: 400,
		Code: 2601, Subcode: 1815107, Message: "Error accessing adreport job."}
	// The first read is not ready once: the client retries it.
	require.NoError(t, e.srv.InjectFault(notReady))
	got, err := collect(e.c.Insights.Run(ctx, e.acct, p, RunOptions{PageSize: 5}))
	require.NoError(t, err)
	assert.Equal(t, keys(want), keys(got))
	assert.Len(t, requests(e.srv, "POST", "/act_1001/insights"), 1)

	// The second page stays not ready through every client retry (5
	// attempts): the runner runs the chunk again and skips the rows of
	// the first page.
	e.srv.ResetRequests()
	notReady.Skip, notReady.Count = 1, 5
	require.NoError(t, e.srv.InjectFault(notReady))
	got, err = collect(e.c.Insights.Run(ctx, e.acct, p, RunOptions{PageSize: 5}))
	require.NoError(t, err)
	assert.Equal(t, keys(want), keys(got))
	assert.Len(t, got, len(want), "no row twice")
	assert.Len(t, requests(e.srv, "POST", "/act_1001/insights"), 2, "the chunk ran again")
}

func TestUsageHeadersReachThrottleAndVersionWarning(t *testing.T) {
	c := memClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Fb-Ads-Insights-Reach-Throttle", `{"remaining":7}`)
		w.Header().Set("X-Ad-Api-Version-Warning", "v22.0 is deprecated; the call was served by v23.0")
		writeJSON(w, 200, `{}`)
	}))
	resp, err := c.Do(t.Context(), &Request{Path: "me"}, nil)
	require.NoError(t, err)
	assert.Equal(t, `{"remaining":7}`, resp.Usage.InsightsReachThrottle)
	assert.Contains(t, resp.APIVersionWarning, "deprecated")
}

// TestReportRunListPageMatchesList: paging a completed run by hand with
// ListPage yields exactly the rows of List, in order, and refuses to read
// a run that is not complete.
func TestReportRunListPageMatchesList(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 2, 2))
	ctx := t.Context()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: janWeek, TimeIncrement: IncrementDaily}
	run, err := e.c.Insights.StartReport(ctx, e.acct, p)
	require.NoError(t, err)
	_, err = run.ListPage(ctx, 0, "")
	require.ErrorContains(t, err, "results are ready only after")
	require.NoError(t, run.Wait(ctx, PollOptions{Initial: time.Millisecond}))

	want, err := collect(run.List(ctx, 3))
	require.NoError(t, err)
	require.Greater(t, len(want), 3, "more rows than one page")

	var got []Insight
	after, pages := "", 0
	for {
		page, err := run.ListPage(ctx, 3, after)
		require.NoError(t, err)
		pages++
		assert.LessOrEqual(t, len(page.Items), 3)
		got = append(got, page.Items...)
		if !page.HasNext {
			break
		}
		after = page.After
	}
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].Key(), got[i].Key(), i)
		assert.Equal(t, want[i].Spend, got[i].Spend, i)
	}
	assert.Equal(t, (len(want)+2)/3, pages)
	_, err = run.ListPage(ctx, -1, "")
	assert.ErrorContains(t, err, "page size -1")
}
