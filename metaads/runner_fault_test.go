package metaads

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunnerFaultInjection50k pulls 50,050 ad-level daily rows (350 ads ×
// 143 days) through the runner while the fake injects transient 500s,
// code 1 and 2 errors, throttles, data-limit errors and dropped
// connections. The row set must be exact (none lost, none duplicated), and
// no report-run creation may be repeated after Meta accepted it.
func TestRunnerFaultInjection50k(t *testing.T) {
	if testing.Short() {
		t.Skip("pulls 50,000 rows")
	}
	var failedAttempts, attempts atomic.Int64
	e := newFakeEnv(t, insightsScenario(10, 5, 7), []metaadstest.Option{metaadstest.WithClock(func() time.Time { return insightsNow })}, false,
		WithRetryBackoff(time.Millisecond, 2*time.Millisecond),
		WithHooks(Hooks{OnRequest: func(context.Context, RequestInfo) { attempts.Add(1) }, OnResponse: func(_ context.Context, info ResponseInfo) {
			if info.Err != nil {
				failedAttempts.Add(1)
			}
		}}))
	e.c.Insights.sleep = noSleep
	ctx := context.Background()
	tr := TimeRange{Since: Date{2026, 1, 1}, Until: Date{2026, 5, 23}}
	want := map[string]bool{}
	for _, ad := range e.srv.Objects().Ads {
		for d := tr.Since; !tr.Until.Before(d); d = d.AddDays(1) {
			want[ad.ID+"|"+d.String()+"|"+d.String()] = true
		}
	}
	require.Len(t, want, 50050)

	type fault struct {
		f     metaadstest.Fault
		fires int
	}
	faults := []fault{
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultHTTP500, Skip: 3, Count: 3}, 3},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultCode2, Skip: 10, Count: 2}, 2},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultCode1, Skip: 20, Count: 1}, 1},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultThrottle, Skip: 30, Count: 2}, 2},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultDataLimit, Skip: 45, Count: 2}, 2},
		{metaadstest.Fault{Method: "GET", Path: "/*", Kind: metaadstest.FaultDrop, Skip: 60, Count: 2}, 2},
		// Writes: throttles prove the run was not created (the client may
		// send again); a data-limit answer makes the runner split.
		{metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultThrottle, Skip: 1, Count: 2}, 2},
		{metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultDataLimit, Skip: 0, Count: 1}, 1},
	}
	postFaults, allFaults, drops := 0, 0, 0
	for _, f := range faults {
		require.NoError(t, e.srv.InjectFault(f.f))
		allFaults += f.fires
		if f.f.Kind == metaadstest.FaultDrop {
			drops += f.fires
		}
		if f.f.Method == "POST" {
			postFaults += f.fires
		}
	}

	var mu sync.Mutex
	var started []RunChunk
	got := make(map[string]bool, len(want))
	n := 0
	for row, err := range e.c.Insights.Run(ctx, e.acct, InsightsParams{Level: LevelAd, TimeRange: tr, TimeIncrement: IncrementDaily,
		Fields: []string{"ad_id", "impressions", "spend", "actions"}},
		RunOptions{PageSize: 500, MaxConcurrentJobs: 4, OnReportStarted: func(c RunChunk) { mu.Lock(); started = append(started, c); mu.Unlock() }}) {
		require.NoError(t, err, "after %d rows", n)
		k := row.Key()
		require.False(t, got[k], "duplicate row %s", k)
		got[k] = true
		n++
	}
	assert.Equal(t, len(want), len(got))
	for k := range want {
		if !got[k] {
			t.Fatalf("row %s lost", k)
		}
	}

	// Every injected fault fired, so the pull really went through them:
	// each error answer is one failed attempt, and each dropped connection
	// is one request the server saw that net/http sent again by itself
	// (it retries a GET whose reused connection closed without a reply).
	assert.EqualValues(t, allFaults-drops, failedAttempts.Load(), "failed attempts = injected error answers")
	assert.EqualValues(t, attempts.Load()+int64(drops), len(e.srv.Requests()), "requests seen by the server = attempts + dropped ones")

	// Writes: each POST either created a run (reported to OnReportStarted)
	// or was answered with an injected fault; no created run's parameters
	// were posted again.
	posts := requests(e.srv, "POST", "/act_1001/insights")
	assert.Equal(t, len(started)+postFaults, len(posts), "POSTs = runs created + POSTs refused by a fault")
	seen := map[string]bool{}
	for _, c := range started {
		k := fmt.Sprint(c.TimeRange, c.Filter)
		assert.False(t, seen[k], "run for %s created twice", k)
		seen[k] = true
	}
	assert.Greater(t, len(started), 5, "the data-limit split made two runs out of one chunk")
}
