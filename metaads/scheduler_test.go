package metaads

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSchedulerConcurrentPullUsesBudgetWithoutThrottles pulls from 20 ad
// accounts at once against a fake whose per-account budget is 60 calls per
// minute. The scheduler must keep every call under Meta's limit (no
// throttling error reaches the caller) while using at least 80% of the
// allowed call rate. Time is synctest's fake clock: the test runs in
// milliseconds.
func TestSchedulerConcurrentPullUsesBudgetWithoutThrottles(t *testing.T) {
	const (
		accounts = 20
		budget   = 60
		window   = time.Minute
		runFor   = 3 * time.Minute
	)
	limits := metaadstest.RateLimits{Window: window, App: 4000, AccountScore: budget, Management: budget, Insights: budget}
	e := newFakeEnv(t, seedScenario(accounts, 1), []metaadstest.Option{metaadstest.WithRateLimits(limits)}, true)
	synctest.Test(t, func(t *testing.T) {
		var metaThrottles atomic.Int32
		c, err := NewClient(WithBaseURL(e.srv.URL), WithAppSecret(appSecret), WithTokenProvider(StaticTokens{"*": e.token}),
			WithHTTPClient(e.c.cfg.httpClient), WithUsageWindow(window), WithQuotaWait(10*time.Minute),
			WithHooks(Hooks{OnResponse: func(_ context.Context, ri ResponseInfo) {
				if errors.Is(ri.Err, ErrRateLimited) {
					metaThrottles.Add(1)
				}
			}}))
		require.NoError(t, err)
		start := time.Now()
		var ok, surfaced atomic.Int64
		var wg sync.WaitGroup
		for a := range accounts {
			acct := MustParseAccountID(seedScenario(accounts, 1).Accounts[a].ID)
			wg.Go(func() { pullUntil(t, c, acct, start.Add(runFor), &ok, &surfaced) })
		}
		wg.Wait()
		elapsed := time.Since(start)
		allowed := float64(accounts) * budget * (1 + elapsed.Seconds()/window.Seconds())
		util := float64(ok.Load()) / allowed
		t.Logf("calls=%d over %s (fake time), allowed=%.0f, utilization=%.1f%%, throttles from the fake=%d, surfaced=%d",
			ok.Load(), elapsed, allowed, 100*util, metaThrottles.Load(), surfaced.Load())
		assert.Zero(t, surfaced.Load(), "no throttling error reaches the caller")
		assert.GreaterOrEqual(t, util, 0.80, "uses at least 80%% of the allowed rate")
		u, err := c.Usage(t.Context(), MustParseAccountID("1001"))
		require.NoError(t, err)
		assert.Greater(t, u.Max, 50.0, "usage state is visible")
	})
}

// pullUntil lists campaign pages of acct on c until the deadline, counting
// the calls answered and the throttling errors that reach the caller.
func pullUntil(t *testing.T, c *Client, acct AccountID, deadline time.Time, ok, surfaced *atomic.Int64) {
	for time.Now().Before(deadline) {
		_, err := c.Campaigns.ListPage(t.Context(), acct, ListOptions{}, "")
		switch {
		case err == nil:
			ok.Add(1)
		case errors.Is(err, ErrRateLimited):
			surfaced.Add(1)
		default:
			t.Errorf("unexpected error: %v", err)
			return
		}
	}
}
