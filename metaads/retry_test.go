package metaads

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scripted answers the i-th request (0-based) with script(i).
func scripted(calls *atomic.Int32, script func(i int) (int, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(calls.Add(1)) - 1
		st, body := script(i)
		if st == 502 {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(st)
			w.Write([]byte(body))
			return
		}
		writeJSON(w, st, body)
	}
}

const (
	transient500 = `{"error":{"message":"Service temporarily unavailable","code":2,"is_transient":true}}`
	okBody       = `{"id":"1"}`
)

func TestRetryTransientStormThenSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		var waits []time.Duration
		var mu sync.Mutex
		c := memClient(t, scripted(&calls, func(i int) (int, string) {
			switch i {
			case 0:
				return 500, transient500
			case 1:
				return 502, "<html>Bad Gateway</html>"
			case 2:
				return 500, `{"error":{"message":"unknown","code":1}}`
			}
			return 200, okBody
		}), WithHooks(Hooks{OnRetry: func(_ context.Context, ri RetryInfo) {
			mu.Lock()
			waits = append(waits, ri.Wait)
			mu.Unlock()
		}}))
		start := time.Now()
		resp, err := c.Do(t.Context(), &Request{Path: "1"}, nil)
		require.NoError(t, err)
		assert.Equal(t, 4, resp.Attempts)
		assert.Len(t, waits, 3)
		for i, w := range waits {
			base := 10 * time.Millisecond << i
			assert.GreaterOrEqual(t, w, base/2)
			assert.LessOrEqual(t, w, base)
		}
		assert.Less(t, time.Since(start), time.Second)
	})
}

func TestRetryGivesUpAndReturnsLastError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := memClient(t, scripted(&calls, func(int) (int, string) { return 503, transient500 }), WithMaxRetries(2))
		_, err := c.Do(t.Context(), &Request{Path: "1"}, nil)
		assert.ErrorIs(t, err, ErrTransient)
		assert.EqualValues(t, 3, calls.Load())
	})
}

func TestNoRetryForPermanentErrors(t *testing.T) {
	for _, body := range []string{
		`{"error":{"code":100,"error_subcode":1487534,"message":"reduce data"}}`,
		`{"error":{"code":1,"error_subcode":99,"message":"reduce data"}}`,
		`{"error":{"code":190,"message":"bad token"}}`,
		`{"error":{"code":200,"message":"perm"}}`,
		`{"error":{"code":368,"message":"blocked"}}`,
	} {
		var calls atomic.Int32
		c := memClient(t, scripted(&calls, func(int) (int, string) { return 400, body }))
		_, err := c.Do(context.Background(), &Request{Path: "1"}, nil)
		require.Error(t, err)
		assert.EqualValues(t, 1, calls.Load(), body)
	}
}

func TestWritesAreNotRetriedUnlessSafe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := memClient(t, scripted(&calls, func(i int) (int, string) {
			if i%2 == 0 {
				return 500, transient500
			}
			return 200, `{"success":true}`
		}))
		acct := MustParseAccountID("1")
		err := c.Campaigns.UpdateStatus(t.Context(), acct, "42", StatusPaused)
		assert.ErrorIs(t, err, ErrTransient)
		assert.EqualValues(t, 1, calls.Load(), "a plain write is sent once")

		calls.Store(0)
		require.NoError(t, c.Campaigns.UpdateStatus(t.Context(), acct, "42", StatusPaused, Idempotent()))
		assert.EqualValues(t, 2, calls.Load(), "an idempotent write is retried")
	})
}

func TestWriteRetriedAfterThrottleProvesNothingHappened(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := memClient(t, scripted(&calls, func(i int) (int, string) {
			if i == 0 {
				return 400, `{"error":{"code":613,"error_subcode":5044001,"message":"too many"}}`
			}
			return 200, `{"success":true}`
		}))
		require.NoError(t, c.AdSets.UpdateBudget(t.Context(), MustParseAccountID("1"), "7", Budget{Daily: 5000}))
		assert.EqualValues(t, 2, calls.Load())
	})
}

func TestWriteValidationBeforeSending(t *testing.T) {
	var calls atomic.Int32
	c := memClient(t, scripted(&calls, func(int) (int, string) { return 200, `{"success":true}` }))
	ctx := context.Background()
	acct := MustParseAccountID("1")
	for _, err := range []error{
		c.Campaigns.UpdateStatus(ctx, acct, "42", "RUNNING"),
		c.Campaigns.UpdateStatus(ctx, AccountID{}, "42", StatusPaused),
		c.Campaigns.UpdateStatus(ctx, acct, "act_42", StatusPaused),
		c.AdSets.UpdateBudget(ctx, acct, "7", Budget{}),
		c.AdSets.UpdateBudget(ctx, acct, "7", Budget{Daily: 1, Lifetime: 2}),
		c.AdSets.UpdateBudget(ctx, acct, "7", Budget{Daily: -5}),
		c.Campaigns.UpdateBudget(ctx, acct, "", Budget{Daily: 5}),
	} {
		assert.Error(t, err)
	}
	assert.EqualValues(t, 0, calls.Load())
}

func TestRetryBudgetStopsStorms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := memClient(t, scripted(&calls, func(int) (int, string) { return 500, transient500 }), WithRetryBudget(5))
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				_, err := c.Do(t.Context(), &Request{Path: "1"}, nil)
				assert.ErrorIs(t, err, ErrTransient)
			})
		}
		wg.Wait()
		assert.EqualValues(t, 20+5, calls.Load(), "20 first attempts plus the 5 retries the budget allows")
	})
}

func TestBackoffWaitEndsWithContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := memClient(t, scripted(&calls, func(int) (int, string) { return 503, transient500 }),
			WithRetryBackoff(time.Minute, time.Hour))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := c.Do(ctx, &Request{Path: "1"}, nil)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 5*time.Second, time.Since(start))
		assert.EqualValues(t, 1, calls.Load())
	})
}

func TestThrottleMidPaginationWaitsRegainTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		h := func(w http.ResponseWriter, r *http.Request) {
			i := calls.Add(1)
			after := r.URL.Query().Get("after")
			switch {
			case after == "":
				writeJSON(w, 200, page([]string{"1"}, "c1", true))
			case i == 2:
				w.Header().Set("X-Business-Use-Case-Usage", `{"1":[{"type":"ads_management","call_count":100,"total_cputime":10,"total_time":10,"estimated_time_to_regain_access":2}]}`)
				writeJSON(w, 400, `{"error":{"code":80004,"error_subcode":2446079,"message":"too many calls","is_transient":true}}`)
			default:
				writeJSON(w, 200, page([]string{"2"}, "c2", false))
			}
		}
		var throttles atomic.Int32
		c := memClient(t, http.HandlerFunc(h), WithMaxThrottleRetryWait(5*time.Minute),
			WithHooks(Hooks{OnThrottle: func(context.Context, ThrottleInfo) { throttles.Add(1) }}))
		start := time.Now()
		got, err := collect(List[item](t.Context(), c, &Request{Path: "act_1/campaigns", Account: MustParseAccountID("1")}))
		require.NoError(t, err)
		assert.Equal(t, []item{{"1"}, {"2"}}, got)
		assert.GreaterOrEqual(t, time.Since(start), 2*time.Minute, "waited Meta's regain time")
		assert.Less(t, time.Since(start), 3*time.Minute)

		// A throttle longer than the retry cap is returned with its wait.
		calls.Store(0)
		c2 := memClient(t, http.HandlerFunc(h), WithMaxThrottleRetryWait(time.Second))
		_, err = collect(List[item](t.Context(), c2, &Request{Path: "act_1/campaigns", Account: MustParseAccountID("1")}))
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.ErrorIs(t, err, ErrRateLimited)
		assert.Equal(t, 2*time.Minute, rl.RetryAfter)
		assert.Equal(t, 80004, rl.Err.Code)
		assert.Zero(t, throttles.Load(), "Meta's throttle is retried, not held by the scheduler beforehand")
	})
}

func TestSchedulerRefusesOrWaitsWhenBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		h := func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			w.Header().Set("X-Business-Use-Case-Usage", `{"1":[{"type":"ads_management","call_count":100,"estimated_time_to_regain_access":1}]}`)
			writeJSON(w, 200, okBody)
		}
		acct := MustParseAccountID("1")
		c := memClient(t, http.HandlerFunc(h))
		_, err := c.Do(t.Context(), &Request{Path: "1", Account: acct}, nil)
		require.NoError(t, err)
		u, err := c.Usage(t.Context(), acct)
		require.NoError(t, err)
		assert.Equal(t, 100.0, u.Max)

		// Refuse at once.
		_, err = c.Do(t.Context(), &Request{Path: "1", Account: acct, MaxQuotaWait: -1}, nil)
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Nil(t, rl.Err, "refused before sending")
		assert.Equal(t, "ads_management", rl.Scope)
		assert.EqualValues(t, 1, calls.Load())

		// Cancel during the wait.
		ctx, cancel := context.WithTimeout(ContextWithQuotaWait(t.Context(), 10*time.Minute), 10*time.Second)
		defer cancel()
		_, err = c.Do(ctx, &Request{Path: "1", Account: acct}, nil)
		assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
		assert.EqualValues(t, 1, calls.Load())

		// Wait it out.
		start := time.Now()
		_, err = c.Do(ContextWithQuotaWait(t.Context(), 10*time.Minute), &Request{Path: "1", Account: acct}, nil)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, time.Since(start), 50*time.Second)
		assert.EqualValues(t, 2, calls.Load())
	})
}

func TestSchedulerReleasesAdmissionsOnFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := memClient(t, scripted(&calls, func(int) (int, string) { return 503, transient500 }), WithMaxRetries(2))
		acct := MustParseAccountID("1")
		for range 5 {
			_, err := c.Do(t.Context(), &Request{Path: "1", Account: acct}, nil)
			require.Error(t, err)
		}
		c.sched.mu.Lock()
		defer c.sched.mu.Unlock()
		for k, l := range c.sched.local {
			assert.Zero(t, l.pending, "budget %s keeps admissions of finished calls", k)
		}
	})
}

func TestUsageStoreSharedBetweenClients(t *testing.T) {
	var calls atomic.Int32
	h := func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Ad-Account-Usage", `{"acc_id_util_pct":100,"reset_time_duration":120}`)
		writeJSON(w, 200, okBody)
	}
	store := NewMemoryUsageStore()
	a := memClient(t, http.HandlerFunc(h), WithUsageStore(store))
	b := memClient(t, http.HandlerFunc(h), WithUsageStore(store))
	acct := MustParseAccountID("9")
	_, err := a.Do(context.Background(), &Request{Path: "1", Account: acct}, nil)
	require.NoError(t, err)
	_, err = b.Do(context.Background(), &Request{Path: "1", Account: acct, MaxQuotaWait: -1}, nil)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl, "the second client sees the first one's usage")
	assert.Equal(t, "ad_account", rl.Scope)
	assert.InDelta(t, 120, rl.RetryAfter.Seconds(), 2)
	assert.EqualValues(t, 1, calls.Load())
	u, err := b.Usage(context.Background(), acct)
	require.NoError(t, err)
	assert.Equal(t, 100.0, u.Budgets[UsageKey{Scope: "ad_account", ID: "9"}].Pct)
}
