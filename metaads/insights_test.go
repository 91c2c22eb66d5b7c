package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// insightsNow is the fake's clock for insights tests: data exists from the
// account's creation (insightsStart) up to yesterday.
var (
	insightsNow   = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	insightsStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// insightsScenario seeds one USD account (1001) with campaigns × adsets ×
// ads, all delivering since insightsStart.
func insightsScenario(campaigns, adsetsPer, adsPer int) metaadstest.Scenario {
	sc := metaadstest.Scenario{
		Users:    []metaadstest.User{{ID: "900", Name: "Tester", AdAccounts: []string{"1001"}}},
		Accounts: []metaadstest.Account{{ID: "1001", Name: "Shop", Currency: "USD", TimezoneName: "UTC", CreatedTime: insightsStart}},
	}
	for c := range campaigns {
		cid := fmt.Sprintf("2%04d", c)
		sc.Campaigns = append(sc.Campaigns, metaadstest.Campaign{ID: cid, AccountID: "1001", Name: "Campaign " + cid, StartTime: insightsStart, CreatedTime: insightsStart})
		for s := range adsetsPer {
			sid := fmt.Sprintf("3%04d%02d", c, s)
			sc.AdSets = append(sc.AdSets, metaadstest.AdSet{ID: sid, CampaignID: cid, Name: "Set " + sid, DailyBudget: 10000, StartTime: insightsStart, CreatedTime: insightsStart})
			for a := range adsPer {
				aid := fmt.Sprintf("4%04d%02d%02d", c, s, a)
				sc.Ads = append(sc.Ads, metaadstest.Ad{ID: aid, AdSetID: sid, Name: "Ad " + aid, CreatedTime: insightsStart})
			}
		}
	}
	return sc
}

// newInsightsEnv starts the fake with a fixed clock and a client whose
// waits (report-run polls, retry backoff) take no real time.
func newInsightsEnv(t *testing.T, sc metaadstest.Scenario, srvOpts ...metaadstest.Option) *fakeEnv {
	t.Helper()
	srvOpts = append([]metaadstest.Option{metaadstest.WithClock(func() time.Time { return insightsNow })}, srvOpts...)
	e := newFakeEnv(t, sc, srvOpts, false, WithRetryBackoff(time.Millisecond, 2*time.Millisecond))
	e.c.Insights.sleep = noSleep
	return e
}

// noSleep is the injected wait: it returns at once unless ctx has ended.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func keysOf(t *testing.T, rows []Insight) map[string]Insight {
	t.Helper()
	m := make(map[string]Insight, len(rows))
	for _, r := range rows {
		k := r.Key()
		if _, dup := m[k]; dup {
			t.Fatalf("duplicate row %s", k)
		}
		m[k] = r
	}
	return m
}

// requests returns the recorded requests with the method and path.
func requests(srv *metaadstest.Server, method, path string) []metaadstest.RecordedRequest {
	var out []metaadstest.RecordedRequest
	for _, r := range srv.Requests() {
		if r.Method == method && (r.Path == path || strings.HasSuffix(path, "*") && strings.HasPrefix(r.Path, strings.TrimSuffix(path, "*"))) {
			out = append(out, r)
		}
	}
	return out
}

var janWeek = TimeRange{Since: Date{2026, 2, 1}, Until: Date{2026, 2, 7}}

func TestInsightsSyncPaging(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(2, 2, 3))
	ctx := context.Background()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: janWeek, TimeIncrement: IncrementDaily, Limit: 5,
		Fields: []string{"ad_id", "adset_id", "campaign_id", "impressions", "clicks", "spend", "actions", "action_values", "ctr", "cpc", "quality_ranking"}}
	rows, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	require.Len(t, rows, 12*7, "12 ads × 7 days")
	keysOf(t, rows)
	var spend int64
	for _, r := range rows {
		assert.Equal(t, "USD", r.AccountCurrency)
		assert.NotEmpty(t, r.AdID)
		assert.False(t, r.DateStart.IsZero())
		spend += r.Spend
	}
	assert.Positive(t, spend, "spend decoded as minor units")
	gets := requests(e.srv, "GET", "/act_1001/insights")
	assert.Len(t, gets, (84+4)/5, "one request per page of 5")
	for _, g := range gets {
		assert.Equal(t, "header", g.TokenIn, "token in the Authorization header on every page")
		assert.Contains(t, g.Params.Get("fields"), "account_currency")
	}

	// One page with its cursor, for callers that checkpoint.
	pg, err := e.c.Insights.ListPage(ctx, e.acct, p, "")
	require.NoError(t, err)
	require.Len(t, pg.Items, 5)
	require.True(t, pg.HasNext)
	pg2, err := e.c.Insights.ListPage(ctx, e.acct, p, pg.After)
	require.NoError(t, err)
	assert.Equal(t, rows[5].Key(), pg2.Items[0].Key())

	// Counts for a whole week sum like the rows.
	var imp int64
	for _, r := range rows {
		imp += r.Counts(CountsOptions{}).Impressions
	}
	assert.Positive(t, imp)
}

func TestInsightsInvalidParamsSendNothing(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 1, 1))
	ctx := context.Background()
	bad := []InsightsParams{
		{Fields: []string{"reach"}, Breakdowns: []Breakdown{BreakdownHourlyAdvertiserTZ}},
		{Level: metrics.LevelCampaign, Fields: []string{"quality_ranking"}},
		{DatePreset: DatePresetLast7Days, TimeRange: janWeek},
	}
	for _, p := range bad {
		_, err := collect(e.c.Insights.List(ctx, e.acct, p))
		require.ErrorIs(t, err, ErrInvalidParameter)
		_, err = e.c.Insights.StartReport(ctx, e.acct, p)
		require.ErrorIs(t, err, ErrInvalidParameter)
		_, err = collect(e.c.Insights.Run(ctx, e.acct, p, RunOptions{}))
		require.ErrorIs(t, err, ErrInvalidParameter)
	}
	_, err := collect(e.c.Insights.List(ctx, AccountID{}, InsightsParams{}))
	require.ErrorIs(t, err, ErrInvalidParameter)
	assert.Empty(t, e.srv.Requests(), "nothing sent for invalid parameters")
}

func TestInsightsDataLimitSmallerPages(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 2, 2))
	ctx := context.Background()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: janWeek, TimeIncrement: IncrementDaily, Limit: 20}
	want, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	e.srv.ResetRequests()
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "GET", Path: "/act_1001/insights", Kind: metaadstest.FaultDataLimit, Skip: 1, Count: 2}))
	got, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	assert.Equal(t, keys(want), keys(got), "no row lost or repeated")
	var limits, cursors []string
	for _, r := range requests(e.srv, "GET", "/act_1001/insights") {
		limits = append(limits, r.Params.Get("limit"))
		cursors = append(cursors, r.Params.Get("after"))
	}
	assert.Equal(t, []string{"20", "20", "10", "5", "5"}, limits, "page size halves on data-limit errors")
	assert.Equal(t, cursors[1], cursors[2], "the failed page is retried from the same cursor")
	assert.Equal(t, cursors[1], cursors[3])
}

func keys(rows []Insight) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Key()
	}
	slices.Sort(out)
	return out
}

func TestReportRunLifecycle(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 1, 3), metaadstest.WithReportRunPolls(4))
	ctx := context.Background()
	var mu sync.Mutex
	var waits []time.Duration
	e.c.Insights.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: janWeek, TimeIncrement: IncrementDaily}
	run, err := e.c.Insights.StartReport(ctx, e.acct, p)
	require.NoError(t, err)
	require.NotEmpty(t, run.ID)

	// Poll by hand up to "100% but still running": not done.
	for run.Status != JobRunning || run.PercentComplete != 100 {
		require.NoError(t, run.Refresh(ctx))
		require.NotEqual(t, JobCompleted, run.Status)
	}
	assert.False(t, run.Done(), "100%% while Job Running is not done")
	_, err = collect(run.List(ctx, 0))
	require.Error(t, err, "rows are refused before Job Completed")

	require.NoError(t, run.Wait(ctx, PollOptions{Initial: time.Second, Max: 4 * time.Second, Multiplier: 2}))
	assert.Equal(t, JobCompleted, run.Status)
	assert.Empty(t, waits, "the next poll after 100%% running completes")
	rows, err := collect(run.List(ctx, 4))
	require.NoError(t, err)
	want, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	assert.Equal(t, keys(want), keys(rows))
	assert.Len(t, rows, 21)
}

func TestReportRunWaitBackoff(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 1, 1), metaadstest.WithReportRunPolls(12))
	var waits []time.Duration
	e.c.Insights.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	run, err := e.c.Insights.StartReport(context.Background(), e.acct, InsightsParams{TimeRange: janWeek})
	require.NoError(t, err)
	require.NoError(t, run.Wait(context.Background(), PollOptions{Initial: time.Second, Max: 8 * time.Second, Multiplier: 2}))
	require.Len(t, waits, 12, "one wait between each of the 13 polls")
	// Jitter is ±20%: the k-th wait is within 20% of min(2^k s, 8 s).
	for k, w := range waits {
		base := min(time.Second<<k, 8*time.Second)
		assert.InDelta(t, float64(base), float64(w), 0.2*float64(base)+1, "wait %d", k)
	}

	// Cancellation ends a wait at once.
	ctx, cancel := context.WithCancel(context.Background())
	run2, err := e.c.Insights.StartReport(ctx, e.acct, InsightsParams{TimeRange: janWeek})
	require.NoError(t, err)
	e.c.Insights.sleep = func(ctx context.Context, d time.Duration) error { cancel(); <-ctx.Done(); return ctx.Err() }
	err = run2.Wait(ctx, PollOptions{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestReportRunFailedAndSkipped(t *testing.T) {
	for _, tc := range []struct {
		kind   metaadstest.FaultKind
		status AsyncStatus
		is     error
	}{
		{metaadstest.FaultReportFailed, JobFailed, ErrReportFailed},
		{metaadstest.FaultReportSkipped, JobSkipped, ErrReportSkipped},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			e := newInsightsEnv(t, insightsScenario(1, 1, 1))
			ctx := context.Background()
			require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: tc.kind}))
			run, err := e.c.Insights.StartReport(ctx, e.acct, InsightsParams{TimeRange: janWeek})
			require.NoError(t, err)
			err = run.Wait(ctx, PollOptions{})
			require.ErrorIs(t, err, tc.is)
			var re *ReportRunError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tc.status, re.Status)
			assert.Equal(t, run.ID, re.ID)
			if tc.status == JobFailed {
				assert.Equal(t, -2, re.Code)
				assert.Equal(t, 2490547, re.Subcode)
				assert.NotEmpty(t, re.Message)
			}
			assert.True(t, run.Done())

			// The runner starts a fresh run in its place, and the rows arrive once.
			require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: tc.kind}))
			rows, err := collect(e.c.Insights.Run(ctx, e.acct, InsightsParams{Level: metrics.LevelAd, TimeRange: janWeek, TimeIncrement: IncrementDaily}, RunOptions{}))
			require.NoError(t, err)
			assert.Len(t, keysOf(t, rows), 7)
		})
	}
}

func TestReportRunResumeByID(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 1, 2))
	ctx := context.Background()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: janWeek, TimeIncrement: IncrementDaily}
	run, err := e.c.Insights.StartReport(ctx, e.acct, p)
	require.NoError(t, err)
	require.NoError(t, run.Refresh(ctx))
	saved := run.ID // the process "restarts" here, keeping only the id

	c2, err := NewClient(WithBaseURL(e.srv.URL), WithAppSecret(appSecret), WithTokenProvider(StaticTokens{"*": e.token}))
	require.NoError(t, err)
	c2.Insights.sleep = noSleep
	resumed, err := c2.Insights.ResumeReport(e.acct, saved)
	require.NoError(t, err)
	require.NoError(t, resumed.Wait(ctx, PollOptions{}))
	rows, err := collect(resumed.List(ctx, 0))
	require.NoError(t, err)
	assert.Len(t, rows, 14)
	assert.Len(t, requests(e.srv, "POST", "/act_1001/insights"), 1, "resuming starts no new run")

	_, err = c2.Insights.ResumeReport(e.acct, "act_1")
	require.ErrorIs(t, err, ErrInvalidParameter)
	_, err = c2.Insights.ResumeReport(AccountID{}, saved)
	require.ErrorIs(t, err, ErrInvalidParameter)
}

// postedRanges returns the time_range and filtering of every recorded
// report-run POST.
func postedRanges(srv *metaadstest.Server) []string {
	var out []string
	for _, r := range requests(srv, "POST", "/act_1001/insights") {
		out = append(out, r.Params.Get("time_range")+" "+r.Params.Get("filtering"))
	}
	return out
}

func TestRunnerChunksAndCapsJobs(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 1, 2))
	ctx := context.Background()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: TimeRange{Date{2026, 1, 1}, Date{2026, 3, 31}}, TimeIncrement: IncrementDaily}
	want, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	var started []RunChunk
	var mu sync.Mutex
	got, err := collect(e.c.Insights.Run(ctx, e.acct, p, RunOptions{ChunkDays: 10, MaxConcurrentJobs: 3,
		OnReportStarted: func(c RunChunk) { mu.Lock(); started = append(started, c); mu.Unlock() }}))
	require.NoError(t, err)
	assert.Equal(t, keys(want), keys(got))
	assert.Len(t, started, 9, "90 days in chunks of 10")
	assert.LessOrEqual(t, e.c.Insights.maxInFlight.Load(), int64(3), "at most 3 runs in flight")
	for _, c := range started {
		assert.NotEmpty(t, c.RunID)
		assert.LessOrEqual(t, c.TimeRange.Days(), 10)
	}
}

func TestRunnerDataLimitNarrowing(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(2, 2, 2))
	ctx := context.Background()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: TimeRange{Date{2026, 2, 1}, Date{2026, 2, 4}}, TimeIncrement: IncrementDaily}
	want, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	require.Len(t, want, 32)
	e.srv.ResetRequests()

	// Reading the first run's results hits the data limit at every page
	// size (100, 50, 25, 12, 6 -> 5: six failures), so the runner splits
	// the date range in halves; one failure on the first half's results
	// only shrinks its pages. The faults target each run's result reads
	// (GET /{run}/insights), injected when the run starts: a fault on
	// "GET /*" would also hit the polls of runs that the runner starts
	// concurrently, and which of them meets it first is up to the
	// scheduler.
	var mu sync.Mutex
	runs := 0
	var resultFaults []string
	got, err := collect(e.c.Insights.Run(ctx, e.acct, p, RunOptions{PageSize: 100, OnReportStarted: func(c RunChunk) {
		mu.Lock()
		defer mu.Unlock()
		runs++
		count := map[int]int{1: 6, 2: 1}[runs]
		if count > 0 {
			path := "/" + c.RunID + "/insights"
			resultFaults = append(resultFaults, path)
			assert.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "GET", Path: path, Kind: metaadstest.FaultDataLimit, Count: count}))
		}
	}}))
	require.NoError(t, err, "got %d rows", len(got))
	assert.Equal(t, keys(want), keys(got), "no row lost or repeated")
	posts := postedRanges(e.srv)
	require.Len(t, posts, 3, "the first run and the two halves of its range: %v", posts)
	assert.Equal(t, `{"since":"2026-02-01","until":"2026-02-04"} `, posts[0])
	assert.ElementsMatch(t, []string{`{"since":"2026-02-01","until":"2026-02-02"} `, `{"since":"2026-02-03","until":"2026-02-04"} `}, posts[1:],
		"the chunk is split into two halves of its date range")
	require.Len(t, resultFaults, 2)
	limits := func(path string) (out []string) {
		for _, r := range requests(e.srv, "GET", path) {
			if r.ErrorSubcode == 1487534 {
				out = append(out, r.Params.Get("limit"))
			}
		}
		return out
	}
	assert.Equal(t, []string{"100", "50", "25", "12", "6", "5"}, limits(resultFaults[0]), "pages shrink to 5 before the split")
	assert.Equal(t, []string{"100"}, limits(resultFaults[1]))

	// A single day that is still too large is split by entity.
	e.srv.ResetRequests()
	one := InsightsParams{Level: metrics.LevelAd, TimeRange: TimeRange{Date{2026, 2, 1}, Date{2026, 2, 1}}, TimeIncrement: IncrementDaily}
	want1, err := collect(e.c.Insights.List(ctx, e.acct, one))
	require.NoError(t, err)
	e.srv.ResetRequests()
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultDataLimit, Count: 2}))
	got1, err := collect(e.c.Insights.Run(ctx, e.acct, one, RunOptions{}))
	require.NoError(t, err)
	assert.Equal(t, keys(want1), keys(got1))
	posts = postedRanges(e.srv)
	var byEntity []string
	for _, p := range posts {
		if strings.Contains(p, ".id") {
			byEntity = append(byEntity, p)
		}
	}
	require.NotEmpty(t, byEntity, "posts: %v", posts)
	assert.Contains(t, strings.Join(byEntity, "\n"), `"field":"campaign.id","operator":"IN"`)
	assert.Contains(t, strings.Join(byEntity, "\n"), `"field":"adset.id"`, "a campaign still too large is split by ad set")

	// A chunk that cannot be split further is an ErrDataLimit error.
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/act_1001/insights", Kind: metaadstest.FaultDataLimit, Count: -1}))
	_, err = collect(e.c.Insights.Run(ctx, e.acct, InsightsParams{TimeRange: janWeek}, RunOptions{}))
	require.ErrorIs(t, err, ErrDataLimit)
	e.srv.ClearFaults()
}

func TestRunnerStopsCleanly(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 1, 2))
	ctx := context.Background()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: TimeRange{Date{2026, 1, 1}, Date{2026, 3, 31}}, TimeIncrement: IncrementDaily}
	n := 0
	for _, err := range e.c.Insights.Run(ctx, e.acct, p, RunOptions{ChunkDays: 7}) {
		require.NoError(t, err)
		n++
		if n == 3 {
			break // cancels the runs in flight and returns once every worker has stopped
		}
	}
	assert.Equal(t, 3, n)
	assert.Zero(t, e.c.Insights.inFlight.Load(), "no run left in flight")

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := collect(e.c.Insights.Run(cctx, e.acct, p, RunOptions{}))
	require.ErrorIs(t, err, context.Canceled)
}

func TestRunnerCheckpointResume(t *testing.T) {
	e := newInsightsEnv(t, insightsScenario(1, 2, 2))
	ctx := context.Background()
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: TimeRange{Date{2026, 1, 1}, Date{2026, 2, 28}}, TimeIncrement: IncrementDaily}
	want, err := collect(e.c.Insights.List(ctx, e.acct, p))
	require.NoError(t, err)
	e.srv.ResetRequests()

	// First process: saves checkpoints, "crashes" after 100 rows.
	var mu sync.Mutex
	var saved []byte
	first := map[string]bool{}
	for row, err := range e.c.Insights.Run(ctx, e.acct, p, RunOptions{ChunkDays: 7, MaxConcurrentJobs: 3,
		OnCheckpoint: func(pending []RunChunk) {
			b, err := json.Marshal(pending)
			require.NoError(t, err)
			mu.Lock()
			saved = b
			mu.Unlock()
		}}) {
		require.NoError(t, err)
		first[row.Key()] = true
		if len(first) == 100 {
			break
		}
	}
	var pending []RunChunk
	mu.Lock()
	require.NoError(t, json.Unmarshal(saved, &pending))
	mu.Unlock()
	require.NotEmpty(t, pending)
	withRun := 0
	for _, c := range pending {
		if c.RunID != "" {
			withRun++
		}
	}
	require.Positive(t, withRun, "some pending chunks had started runs")

	// Second process: a new client resumes from the saved chunks. Its own
	// POSTs are counted through OnReportStarted: the server's log cannot
	// tell the processes apart, and a POST the first process sent just
	// before it stopped may reach the server (and be recorded) after the
	// first Run has returned.
	c2, err := NewClient(WithBaseURL(e.srv.URL), WithAppSecret(appSecret), WithTokenProvider(StaticTokens{"*": e.token}))
	require.NoError(t, err)
	c2.Insights.sleep = noSleep
	var restarted []RunChunk
	second, err := collect(c2.Insights.Run(ctx, e.acct, p, RunOptions{Resume: pending, OnReportStarted: func(c RunChunk) {
		mu.Lock()
		restarted = append(restarted, c)
		mu.Unlock()
	}}))
	require.NoError(t, err)
	all := map[string]bool{}
	for k := range first {
		all[k] = true
	}
	for _, r := range second {
		all[r.Key()] = true
	}
	assert.Len(t, all, len(want), "every row delivered by one of the two processes")
	assert.Len(t, keysOf(t, second), len(second), "no duplicates within the resumed pull")
	// Resumed chunks reuse their runs; only chunks never started are posted.
	var notStarted []TimeRange
	for _, c := range pending {
		if c.RunID == "" {
			notStarted = append(notStarted, c.TimeRange)
		}
	}
	var restartedRanges []TimeRange
	for _, c := range restarted {
		restartedRanges = append(restartedRanges, c.TimeRange)
	}
	assert.ElementsMatch(t, notStarted, restartedRanges, "the second process posted exactly the chunks never started")
	// The server agrees: a chunk saved with its run id was posted once in
	// all (by the first process, which got the id back before saving it).
	for _, c := range pending {
		if c.RunID == "" {
			continue
		}
		n := 0
		for _, r := range requests(e.srv, "POST", "/act_1001/insights") {
			var tr TimeRange
			require.NoError(t, json.Unmarshal([]byte(r.Params.Get("time_range")), &tr))
			if tr == c.TimeRange {
				n++
			}
		}
		assert.Equal(t, 1, n, "chunk %v with run %s posted once", c.TimeRange, c.RunID)
	}

	_, err = collect(c2.Insights.Run(ctx, e.acct, p, RunOptions{Resume: []RunChunk{{TimeRange: janWeek, Filter: &Filter{Field: "ad.name", Operator: OpIn, Value: []string{"x"}}}}}))
	require.ErrorIs(t, err, ErrInvalidParameter)
}
