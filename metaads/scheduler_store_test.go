package metaads

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

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
				assert.Contains(t, logs.String(), "usage store")
				u, err := c.Usage(t.Context(), acct)
				require.NoError(t, err)
				assert.Equal(t, 37.5, u.Budgets[UsageKey{Scope: "ad_account", ID: "1"}].Pct, "the local state is used")
			})
		})
	}
}
