package metaads

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failingStore fails every call; blockingStore blocks every call until its
// context ends. Both count the calls and check that a deadline was set.
type failingStore struct{ calls, noDeadline atomic.Int32 }

func (s *failingStore) Load(ctx context.Context, _ UsageKey) (UsageState, bool, error) {
	s.count(ctx)
	return UsageState{}, false, errors.New("redis: connection refused")
}

func (s *failingStore) Store(ctx context.Context, _ UsageKey, _ UsageState) error {
	s.count(ctx)
	return errors.New("redis: connection refused")
}

func (s *failingStore) count(ctx context.Context) {
	s.calls.Add(1)
	if _, ok := ctx.Deadline(); !ok {
		s.noDeadline.Add(1)
	}
}

type blockingStore struct{ failingStore }

func (s *blockingStore) Load(ctx context.Context, _ UsageKey) (UsageState, bool, error) {
	s.count(ctx)
	<-ctx.Done()
	return UsageState{}, false, ctx.Err()
}

func (s *blockingStore) Store(ctx context.Context, _ UsageKey, _ UsageState) error {
	s.count(ctx)
	<-ctx.Done()
	return ctx.Err()
}

// TestSchedulerSurvivesStoreFailures: a UsageStore that errors or hangs
// fails no request; each call to it is bounded, the failure is logged, and
// the scheduler goes on with the usage this process saw.
func TestSchedulerSurvivesStoreFailures(t *testing.T) {
	for name, mk := range map[string]func() (UsageStore, *failingStore){
		"errors": func() (UsageStore, *failingStore) { s := &failingStore{}; return s, s },
		"blocks": func() (UsageStore, *failingStore) { s := &blockingStore{}; return s, &s.failingStore },
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				store, counts := mk()
				var logs bytes.Buffer
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("X-Ad-Account-Usage", `{"acc_id_util_pct":37.5,"reset_time_duration":0}`)
					writeJSON(w, 200, `{"data":[]}`)
				})
				c := memClient(t, h, WithUsageStore(store),
					WithLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, nil))))
				acct := MustParseAccountID("1")
				start := time.Now()
				for range 3 {
					_, err := c.Do(t.Context(), &Request{Path: "act_1/campaigns", Account: acct}, nil)
					require.NoError(t, err)
				}
				assert.Positive(t, counts.calls.Load())
				assert.Zero(t, counts.noDeadline.Load(), "every store call has a deadline")
				if name == "blocks" {
					assert.Less(t, time.Since(start), time.Minute, "store calls are bounded by a short timeout")
				}
				assert.Equal(t, 1, strings.Count(logs.String(), "usage store failed"), "the failure is logged once, not per call:\n%s", logs.String())
				u, err := c.Usage(t.Context(), acct)
				require.NoError(t, err)
				assert.Equal(t, 37.5, u.Budgets[UsageKey{Scope: "ad_account", ID: "1"}].Pct, "the local state is used")
			})
		})
	}
}

// TestSharedStoreClientsPaceTogether: four clients, each pulling five ad
// accounts of a fake whose app budget is low (20 calls per 2 seconds, so
// one call is 5% of it) and whose answers take 300ms, share one
// MemoryUsageStore: their in-flight requests are counted together, so the
// fake throttles nothing while they use at least 90% of the allowed call
// rate. The same clients with a store each count only their own calls in
// flight (the others' show in the app's usage header only once answered)
// and are throttled. Fake time.
func TestSharedStoreClientsPaceTogether(t *testing.T) {
	const (
		clients, perClient = 4, 5
		budget             = 20
		window             = 2 * time.Second
		latency            = 300 * time.Millisecond
		runFor             = time.Minute
	)
	limits := metaadstest.RateLimits{Window: window, App: budget}
	run := func(t *testing.T, shared bool) (util float64, throttles, surfaced int64) {
		e := newFakeEnv(t, seedScenario(clients*perClient, 1), []metaadstest.Option{metaadstest.WithRateLimits(limits)}, true)
		require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Kind: metaadstest.FaultSlow, Delay: latency, Count: -1}))
		synctest.Test(t, func(t *testing.T) {
			var metaThrottles, ok, surf atomic.Int64
			store := NewMemoryUsageStore()
			start := time.Now()
			var wg sync.WaitGroup
			for i := range clients {
				s := store
				if !shared {
					s = NewMemoryUsageStore()
				}
				c, err := NewClient(WithBaseURL(e.srv.URL), WithAppSecret(appSecret), WithTokenProvider(StaticTokens{"*": e.token}),
					WithHTTPClient(e.c.cfg.httpClient), WithUsageWindow(window), WithQuotaWait(10*time.Minute), WithUsageStore(s),
					WithHooks(Hooks{OnResponse: func(_ context.Context, ri ResponseInfo) {
						if errors.Is(ri.Err, ErrRateLimited) {
							metaThrottles.Add(1)
						}
					}}))
				require.NoError(t, err)
				for a := range perClient {
					acct := MustParseAccountID(seedScenario(clients*perClient, 1).Accounts[i*perClient+a].ID)
					wg.Go(func() { pullUntil(t, c, acct, start.Add(runFor), &ok, &surf) })
				}
			}
			wg.Wait()
			elapsed := time.Since(start)
			util = float64(ok.Load()) / (budget * (1 + elapsed.Seconds()/window.Seconds()))
			throttles, surfaced = metaThrottles.Load(), surf.Load()
			t.Logf("shared=%t: calls=%d over %s (fake time), utilization=%.1f%%, throttles from the fake=%d, surfaced=%d",
				shared, ok.Load(), elapsed, 100*util, throttles, surfaced)
		})
		return util, throttles, surfaced
	}
	t.Run("shared", func(t *testing.T) {
		util, throttles, surfaced := run(t, true)
		assert.Zero(t, throttles, "the fake throttles nothing")
		assert.Zero(t, surfaced)
		assert.GreaterOrEqual(t, util, 0.90, "uses at least 90%% of the allowed rate")
	})
	t.Run("separate", func(t *testing.T) {
		_, throttles, _ := run(t, false)
		assert.Positive(t, throttles, "clients that do not share their calls in flight overrun the budget")
	})
}

// flakyStore is a MemoryUsageStore that fails every call while down.
type flakyStore struct {
	*MemoryUsageStore
	down atomic.Bool
}

var errStoreDown = errors.New("database is unreachable")

func (s *flakyStore) Load(ctx context.Context, k UsageKey) (UsageState, bool, error) {
	if s.down.Load() {
		return UsageState{}, false, errStoreDown
	}
	return s.MemoryUsageStore.Load(ctx, k)
}

func (s *flakyStore) LoadShared(ctx context.Context, owner string, keys []UsageKey) (map[UsageKey]UsageState, error) {
	if s.down.Load() {
		return nil, errStoreDown
	}
	return s.MemoryUsageStore.LoadShared(ctx, owner, keys)
}

func (s *flakyStore) UpdateShared(ctx context.Context, owner string, u UsageUpdate) error {
	if s.down.Load() {
		return errStoreDown
	}
	return s.MemoryUsageStore.UpdateShared(ctx, owner, u)
}

// TestSchedulerStoreOutageLoggedOnce: while a shared store is down every
// request still succeeds on this process's state, one warning says so
// (not one per call), one line says when the store answers again, and the
// state seen meanwhile reaches the store with the next answer.
func TestSchedulerStoreOutageLoggedOnce(t *testing.T) {
	var pct atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Ad-Account-Usage", fmt.Sprintf(`{"acc_id_util_pct":%d,"reset_time_duration":0}`, pct.Add(1)))
		writeJSON(w, 200, `{"data":[]}`)
	})
	store := &flakyStore{MemoryUsageStore: NewMemoryUsageStore()}
	var logs bytes.Buffer
	c := memClient(t, h, WithUsageStore(store), WithLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, nil))))
	acct := MustParseAccountID("1")
	key := UsageKey{Scope: "ad_account", ID: "1"}
	get := func() {
		t.Helper()
		_, err := c.Do(t.Context(), &Request{Path: "act_1/campaigns", Account: acct}, nil)
		require.NoError(t, err)
	}
	get()
	store.down.Store(true)
	for range 5 {
		get()
	}
	u, err := c.Usage(t.Context(), acct)
	require.NoError(t, err)
	assert.Equal(t, 6.0, u.Budgets[key].Pct, "this process's state is used while the store is down")
	st, _, _ := store.MemoryUsageStore.Load(t.Context(), key)
	assert.Equal(t, 1.0, st.Pct, "nothing reached the store")
	store.down.Store(false)
	get()
	st, _, _ = store.MemoryUsageStore.Load(t.Context(), key)
	assert.Equal(t, 7.0, st.Pct, "the store has the newest state again")
	assert.Zero(t, st.InFlight, "no request in flight")
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "usage store failed"), out)
	assert.Equal(t, 1, strings.Count(out, "usage store answers again"), out)
	assert.Contains(t, out, "failed_calls=")
	assert.Contains(t, out, errStoreDown.Error())
}

func TestMergeUsage(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Second)
	old := UsageState{Pct: 40, ObservedAt: t0, BlockedUntil: t0.Add(time.Minute), CostPerCall: 2, InFlight: 3}
	for name, tc := range map[string]struct{ update, want UsageState }{
		"newer wins": {UsageState{Pct: 30, ObservedAt: t1, CostPerCall: 1.5},
			UsageState{Pct: 30, ObservedAt: t1, BlockedUntil: t0.Add(time.Minute), CostPerCall: 1.5, InFlight: 3}},
		"newer without a learned cost keeps the cost": {UsageState{Pct: 50, ObservedAt: t1},
			UsageState{Pct: 50, ObservedAt: t1, BlockedUntil: t0.Add(time.Minute), CostPerCall: 2, InFlight: 3}},
		"older loses but its block holds": {UsageState{Pct: 90, ObservedAt: t0.Add(-time.Second), BlockedUntil: t0.Add(time.Hour), CostPerCall: 9},
			UsageState{Pct: 40, ObservedAt: t0, BlockedUntil: t0.Add(time.Hour), CostPerCall: 2, InFlight: 3}},
		"a tie keeps the higher figure": {UsageState{Pct: 35, ObservedAt: t0, CostPerCall: 3},
			UsageState{Pct: 40, ObservedAt: t0, BlockedUntil: t0.Add(time.Minute), CostPerCall: 3, InFlight: 3}},
		"a block never shortens": {UsageState{Pct: 10, ObservedAt: t1, BlockedUntil: t0},
			UsageState{Pct: 10, ObservedAt: t1, BlockedUntil: t0.Add(time.Minute), CostPerCall: 2, InFlight: 3}},
	} {
		t.Run(name, func(t *testing.T) { assert.Equal(t, tc.want, MergeUsage(old, tc.update)) })
	}
	assert.Equal(t, UsageState{Pct: 5, ObservedAt: t0}, MergeUsage(UsageState{}, UsageState{Pct: 5, ObservedAt: t0}), "into nothing")
}

// TestMemoryUsageStoreShared: in-flight counts are kept per owner, a
// stale update of an owner (lower Seq) leaves its newer count, LoadShared
// counts the other owners and Load all of them, and Store merges.
func TestMemoryUsageStoreShared(t *testing.T) {
	ctx := t.Context()
	s := NewMemoryUsageStore()
	var _ SharedUsageStore = s
	k := UsageKey{Scope: "app"}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	require.NoError(t, s.UpdateShared(ctx, "a", UsageUpdate{Seq: 2, InFlight: map[UsageKey]int{k: 3}}))
	require.NoError(t, s.UpdateShared(ctx, "a", UsageUpdate{Seq: 1, InFlight: map[UsageKey]int{k: 9}}), "a stale update")
	require.NoError(t, s.UpdateShared(ctx, "b", UsageUpdate{Seq: 1, InFlight: map[UsageKey]int{k: 2},
		States: map[UsageKey]UsageState{k: {Pct: 50, ObservedAt: t0, InFlight: 99}}}))
	got, err := s.LoadShared(ctx, "a", []UsageKey{k, {Scope: "ad_account", ID: "7"}})
	require.NoError(t, err)
	assert.Equal(t, map[UsageKey]UsageState{k: {Pct: 50, ObservedAt: t0, InFlight: 2}}, got, "b's count only; the unknown key is absent")
	got, err = s.LoadShared(ctx, "b", []UsageKey{k})
	require.NoError(t, err)
	assert.Equal(t, 3, got[k].InFlight, "a's newest count")
	st, ok, err := s.Load(ctx, k)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 5, st.InFlight, "Load counts every owner")
	require.NoError(t, s.Store(ctx, k, UsageState{Pct: 10, ObservedAt: t0.Add(-time.Second)}))
	st, _, _ = s.Load(ctx, k)
	assert.Equal(t, 50.0, st.Pct, "an older observation does not overwrite a newer one")
	require.NoError(t, s.UpdateShared(ctx, "b", UsageUpdate{Seq: 2, InFlight: map[UsageKey]int{k: 0}}))
	require.NoError(t, s.UpdateShared(ctx, "a", UsageUpdate{Seq: 3, InFlight: map[UsageKey]int{k: 0}}))
	st, _, _ = s.Load(ctx, k)
	assert.Zero(t, st.InFlight)
}
