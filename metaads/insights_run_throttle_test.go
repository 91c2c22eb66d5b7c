package metaads

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// insightsThrottler answers the first n requests that match with Meta's
// ads_insights throttle (80000/2446079) naming a regain time in the
// X-Business-Use-Case-Usage header, as Meta does; the rest go to h.
type insightsThrottler struct {
	h      http.Handler
	match  func(r *http.Request) bool
	regain time.Duration

	mu    sync.Mutex
	left  int
	fired []string // "METHOD path?after" of each throttled request
	seen  []string // the same for every request
}

func (l *insightsThrottler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Method + " " + r.URL.Path + "?" + r.URL.Query().Get("after")
	l.mu.Lock()
	l.seen = append(l.seen, id)
	fire := l.left > 0 && l.match(r)
	if fire {
		l.left--
		l.fired = append(l.fired, id)
	}
	l.mu.Unlock()
	if !fire {
		l.h.ServeHTTP(w, r)
		return
	}
	mins := strconv.Itoa(int(l.regain / time.Minute))
	w.Header().Set("X-Business-Use-Case-Usage", `{"1001":[{"type":"ads_insights","call_count":100,"total_cputime":12,"total_time":12,"estimated_time_to_regain_access":`+mins+`}]}`)
	writeJSON(w, 400, `{"error":{"message":"There have been too many calls from this ad-account. Wait a bit and try again.","type":"OAuthException","code":80000,"error_subcode":2446079,"is_transient":true,"fbtrace_id":"AbC"}}`)
}

func (l *insightsThrottler) count(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.seen {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// TestRunWaitsOutLongThrottles: a throttle whose regain time (5 minutes)
// is beyond what the client retries through (30 s) and beyond its quota
// wait (1 minute) delays the runner, wherever it lands: on the run's
// creation, on a poll, or on a results page read with a cursor after rows
// were yielded. The pull then completes with every row once, from the one
// run it started (a throttled page is read again at its cursor, no new
// run), after at least the regain time.
func TestRunWaitsOutLongThrottles(t *testing.T) {
	isPost := func(r *http.Request) bool { return r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/insights") }
	isPoll := func(r *http.Request) bool { return r.Method == "GET" && !strings.HasSuffix(r.URL.Path, "/insights") }
	isLaterPage := func(r *http.Request) bool {
		return r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/insights") && r.URL.Query().Get("after") != "" && !strings.Contains(r.URL.Path, "/act_")
	}
	for _, tc := range []struct {
		name  string
		match func(*http.Request) bool
		n     int
	}{
		{"creation", isPost, 1},
		{"poll", isPoll, 1},
		{"results page with a cursor", isLaterPage, 1},
		{"results page twice in a row", isLaterPage, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, token := throttleTestServer(t)
			th := &insightsThrottler{h: srv.Handler(), match: tc.match, regain: 5 * time.Minute, left: tc.n}
			synctest.Test(t, func(t *testing.T) {
				c := memClient(t, th, WithTokenProvider(StaticTokens{"*": token}))
				want := syncKeys(t, c)
				var runs int
				start := time.Now()
				got := map[string]int{}
				for row, err := range c.Insights.Run(t.Context(), MustParseAccountID("1001"), throttleTestParams(),
					RunOptions{PageSize: 10, OnReportStarted: func(RunChunk) { runs++ }}) {
					require.NoError(t, err)
					got[row.Key()]++
				}
				elapsed := time.Since(start)
				assert.Len(t, got, len(want))
				for k := range want {
					assert.Equal(t, 1, got[k], "row %s", k)
				}
				assert.Equal(t, 1, runs, "one report run: a throttle is no reason to start another")
				require.Len(t, th.fired, tc.n)
				assert.GreaterOrEqual(t, th.count(th.fired[0]), 2, "the throttled request %q was made again, at the same cursor", th.fired[0])
				assert.GreaterOrEqual(t, elapsed, time.Duration(tc.n)*5*time.Minute, "the runner waited the regain time")
				assert.Less(t, elapsed, time.Duration(tc.n)*5*time.Minute+3*time.Minute)
			})
		})
	}
}

// TestRunThrottleBeyondMaxThrottleWait: a throttle longer than
// Poll.MaxThrottleWait ends the pull with the throttle (ErrRateLimited),
// without a new run and without waiting for it; a negative bound waits
// out none.
func TestRunThrottleBeyondMaxThrottleWait(t *testing.T) {
	for _, max := range []time.Duration{2 * time.Minute, -1} {
		srv, token := throttleTestServer(t)
		th := &insightsThrottler{h: srv.Handler(), regain: 5 * time.Minute, left: 1, match: func(r *http.Request) bool {
			return r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/insights") && r.URL.Query().Get("after") != "" && !strings.Contains(r.URL.Path, "/act_")
		}}
		synctest.Test(t, func(t *testing.T) {
			c := memClient(t, th, WithTokenProvider(StaticTokens{"*": token}))
			runs, rows := 0, 0
			start := time.Now()
			var last error
			for _, err := range c.Insights.Run(t.Context(), MustParseAccountID("1001"), throttleTestParams(),
				RunOptions{PageSize: 10, Poll: PollOptions{MaxThrottleWait: max}, OnReportStarted: func(RunChunk) { runs++ }}) {
				if err != nil {
					last = err
					break
				}
				rows++
			}
			require.ErrorIs(t, last, ErrRateLimited, "max %v", max)
			var rl *RateLimitError
			require.True(t, errors.As(last, &rl))
			assert.Equal(t, 10, rows, "the first page was yielded")
			assert.Equal(t, 1, runs)
			assert.Less(t, time.Since(start), 5*time.Minute, "max %v: did not wait for a throttle it may not wait out", max)
		})
	}
}

// TestRunThrottleWaitEndsWithContext: the wait for a throttle ends when
// ctx does, with ctx's error; a throttle that lasts beyond ctx's deadline
// is returned at once instead of waited for.
func TestRunThrottleWaitEndsWithContext(t *testing.T) {
	laterPage := func(r *http.Request) bool {
		return r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/insights") && r.URL.Query().Get("after") != "" && !strings.Contains(r.URL.Path, "/act_")
	}
	t.Run("canceled during the wait", func(t *testing.T) {
		srv, token := throttleTestServer(t)
		th := &insightsThrottler{h: srv.Handler(), regain: 50 * time.Minute, left: 1, match: laterPage}
		synctest.Test(t, func(t *testing.T) {
			c := memClient(t, th, WithTokenProvider(StaticTokens{"*": token}))
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			time.AfterFunc(10*time.Minute, cancel)
			start := time.Now()
			var last error
			for _, err := range c.Insights.Run(ctx, MustParseAccountID("1001"), throttleTestParams(), RunOptions{PageSize: 10}) {
				if err != nil {
					last = err
				}
			}
			require.ErrorIs(t, last, context.Canceled)
			assert.Equal(t, 10*time.Minute, time.Since(start).Round(time.Minute))
		})
	})
	t.Run("beyond the deadline", func(t *testing.T) {
		srv, token := throttleTestServer(t)
		th := &insightsThrottler{h: srv.Handler(), regain: 50 * time.Minute, left: 1, match: laterPage}
		synctest.Test(t, func(t *testing.T) {
			c := memClient(t, th, WithTokenProvider(StaticTokens{"*": token}))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
			defer cancel()
			start := time.Now()
			var last error
			for _, err := range c.Insights.Run(ctx, MustParseAccountID("1001"), throttleTestParams(), RunOptions{PageSize: 10}) {
				if err != nil {
					last = err
				}
			}
			require.ErrorIs(t, last, ErrRateLimited)
			assert.Less(t, time.Since(start), time.Minute)
		})
	})
}

// TestWaitWaitsOutLongThrottle: ReportRun.Wait on its own waits out a poll
// throttle of 5 minutes (beyond the client's retries) within its
// MaxThrottleWait, and the wait counts against neither MaxPollErrors nor
// Timeout.
func TestWaitWaitsOutLongThrottle(t *testing.T) {
	srv, token := throttleTestServer(t)
	th := &insightsThrottler{h: srv.Handler(), regain: 5 * time.Minute, left: 3, match: func(r *http.Request) bool {
		return r.Method == "GET" && !strings.HasSuffix(r.URL.Path, "/insights")
	}}
	synctest.Test(t, func(t *testing.T) {
		c := memClient(t, th, WithTokenProvider(StaticTokens{"*": token}))
		run, err := c.Insights.StartReport(t.Context(), MustParseAccountID("1001"), throttleTestParams())
		require.NoError(t, err)
		start := time.Now()
		require.NoError(t, run.Wait(t.Context(), PollOptions{MaxPollErrors: 1, Timeout: 2 * time.Minute}))
		assert.GreaterOrEqual(t, time.Since(start), 15*time.Minute)
		assert.Equal(t, 3, len(th.fired))
	})
}

func throttleTestServer(t *testing.T) (*metaadstest.Server, string) {
	t.Helper()
	srv, err := metaadstest.NewServer(metaadstest.WithClock(func() time.Time { return insightsNow }),
		metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	_, err = srv.Seed(insightsScenario(2, 2, 2))
	require.NoError(t, err)
	token, err := srv.IssueToken(metaadstest.TokenSpec{UserID: "900"})
	require.NoError(t, err)
	return srv, token
}

func throttleTestParams() InsightsParams {
	return InsightsParams{Level: metrics.LevelAd, TimeIncrement: IncrementDaily,
		TimeRange: TimeRange{Since: Date{2026, 1, 1}, Until: Date{2026, 1, 20}}}
}

// syncKeys reads the query synchronously (the throttler lets it through).
func syncKeys(t *testing.T, c *Client) map[string]bool {
	t.Helper()
	want := map[string]bool{}
	for row, err := range c.Insights.List(t.Context(), MustParseAccountID("1001"), throttleTestParams()) {
		require.NoError(t, err)
		want[row.Key()] = true
	}
	require.Greater(t, len(want), 30)
	return want
}
