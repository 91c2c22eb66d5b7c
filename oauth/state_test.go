package oauth

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a settable clock for expiry tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newTestStates(t testing.TB, clk *fakeClock, keys ...[]byte) *States {
	t.Helper()
	if len(keys) == 0 {
		keys = [][]byte{testKey(1)}
	}
	s, err := NewStates(keys, WithClock(clk.Now))
	require.NoError(t, err)
	return s
}

func TestStateRoundTrip(t *testing.T) {
	clk := newFakeClock()
	s := newTestStates(t, clk)
	state, verifier, err := s.Issue("session-a")
	require.NoError(t, err)
	assert.Len(t, verifier, 43, "PKCE verifier must be 43 base64url chars")
	assert.NotContains(t, state, "session-a", "the session id must not be embedded in the state")

	clk.Advance(9 * time.Minute)
	got, err := s.Verify(t.Context(), state, "session-a")
	require.NoError(t, err)
	assert.Equal(t, verifier, got, "Verify must return the verifier issued with the state")

	state2, verifier2, err := s.Issue("session-a")
	require.NoError(t, err)
	assert.NotEqual(t, state, state2)
	assert.NotEqual(t, verifier, verifier2)
}

func TestStateRejections(t *testing.T) {
	clk := newFakeClock()
	s := newTestStates(t, clk)
	ctx := t.Context()

	t.Run("replayed", func(t *testing.T) {
		state, _, err := s.Issue("sess")
		require.NoError(t, err)
		_, err = s.Verify(ctx, state, "sess")
		require.NoError(t, err)
		_, err = s.Verify(ctx, state, "sess")
		assert.ErrorIs(t, err, ErrStateReused)
	})
	t.Run("cross-session", func(t *testing.T) {
		state, _, err := s.Issue("victim")
		require.NoError(t, err)
		_, err = s.Verify(ctx, state, "attacker")
		assert.ErrorIs(t, err, ErrStateInvalid)
		// The failed attempt must not burn the state for its real owner.
		_, err = s.Verify(ctx, state, "victim")
		assert.NoError(t, err)
	})
	t.Run("expired", func(t *testing.T) {
		state, _, err := s.Issue("sess")
		require.NoError(t, err)
		clk.Advance(DefaultStateTTL)
		_, err = s.Verify(ctx, state, "sess")
		assert.ErrorIs(t, err, ErrStateExpired)
	})
	t.Run("future", func(t *testing.T) {
		state, _, err := s.Issue("sess")
		require.NoError(t, err)
		clk.Advance(-2 * stateMaxSkew)
		defer clk.Advance(2 * stateMaxSkew)
		_, err = s.Verify(ctx, state, "sess")
		assert.ErrorIs(t, err, ErrStateInvalid)
	})
	t.Run("tampered", func(t *testing.T) {
		state, _, err := s.Issue("sess")
		require.NoError(t, err)
		for i := range len(state) {
			b := []byte(state)
			if b[i] == 'A' {
				b[i] = 'B'
			} else {
				b[i] = 'A'
			}
			_, err = s.Verify(ctx, string(b), "sess")
			assert.ErrorIs(t, err, ErrStateInvalid, "flipping char %d must be rejected", i)
		}
		_, err = s.Verify(ctx, state[:len(state)-1], "sess")
		assert.ErrorIs(t, err, ErrStateInvalid)
		_, err = s.Verify(ctx, "", "sess")
		assert.ErrorIs(t, err, ErrStateInvalid)
		_, err = s.Verify(ctx, state, "")
		assert.ErrorIs(t, err, ErrStateInvalid)
	})
	t.Run("other key", func(t *testing.T) {
		other := newTestStates(t, clk, testKey(9))
		state, _, err := other.Issue("sess")
		require.NoError(t, err)
		_, err = s.Verify(ctx, state, "sess")
		assert.ErrorIs(t, err, ErrStateInvalid)
	})
}

func TestStateAcrossReplicasAndRotation(t *testing.T) {
	clk := newFakeClock()
	replay := NewMemoryReplayStore(clk.Now)
	oldKey, newKey := testKey(1), testKey(2)
	a, err := NewStates([][]byte{oldKey}, WithClock(clk.Now), WithReplayStore(replay))
	require.NoError(t, err)
	// Replica b already rotated: signs with the new key, still accepts the old.
	b, err := NewStates([][]byte{newKey, oldKey}, WithClock(clk.Now), WithReplayStore(replay))
	require.NoError(t, err)

	state, verifier, err := a.Issue("sess")
	require.NoError(t, err)
	got, err := b.Verify(t.Context(), state, "sess")
	require.NoError(t, err, "a replica sharing the key must verify")
	assert.Equal(t, verifier, got)
	_, err = a.Verify(t.Context(), state, "sess")
	assert.ErrorIs(t, err, ErrStateReused, "a shared replay store blocks reuse on another replica")

	state, _, err = b.Issue("sess")
	require.NoError(t, err)
	_, err = a.Verify(t.Context(), state, "sess")
	assert.ErrorIs(t, err, ErrStateInvalid, "a replica without the new key cannot verify")
}

func TestStateConcurrentSingleUse(t *testing.T) {
	clk := newFakeClock()
	s := newTestStates(t, clk)
	state, _, err := s.Issue("sess")
	require.NoError(t, err)
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := s.Verify(context.Background(), state, "sess"); err == nil {
				ok.Add(1)
			} else if !errors.Is(err, ErrStateReused) {
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), ok.Load(), "exactly one concurrent verification may succeed")
}

func TestNewStatesValidation(t *testing.T) {
	_, err := NewStates(nil)
	assert.ErrorContains(t, err, "at least one")
	_, err = NewStates([][]byte{[]byte("short")})
	assert.ErrorContains(t, err, "at least 32")
	_, err = NewStates([][]byte{testKey(1)}, WithStateTTL(time.Second))
	assert.ErrorContains(t, err, "WithStateTTL")
	_, err = NewStates([][]byte{testKey(1)}, WithClock(nil))
	assert.ErrorContains(t, err, "WithClock")
	s := newTestStates(t, newFakeClock())
	_, _, err = s.Issue("")
	assert.ErrorContains(t, err, "browser-session")
}

func TestMemoryReplayStorePrunes(t *testing.T) {
	clk := newFakeClock()
	m := NewMemoryReplayStore(clk.Now)
	for i := range 200 {
		fresh, err := m.Use(t.Context(), strings.Repeat("x", i+1), clk.Now().Add(time.Minute))
		require.NoError(t, err)
		require.True(t, fresh)
	}
	clk.Advance(2 * time.Minute)
	fresh, err := m.Use(t.Context(), "x", clk.Now().Add(time.Minute))
	require.NoError(t, err)
	assert.True(t, fresh, "an expired entry no longer counts as used")
	for i := range 100 {
		_, err := m.Use(t.Context(), strings.Repeat("y", i+1), clk.Now().Add(time.Minute))
		require.NoError(t, err)
	}
	m.mu.Lock()
	n := len(m.used)
	m.mu.Unlock()
	assert.Less(t, n, 200, "expired entries are pruned")
}

func FuzzVerifyState(f *testing.F) {
	clk := newFakeClock()
	// A key of its own per process: fuzz workers are separate processes, and
	// only states this process issued may verify in it.
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	s := newTestStates(f, clk, key)
	valid, _, err := s.Issue("sess")
	require.NoError(f, err)
	f.Add(valid, "sess")
	f.Add(valid, "other")
	f.Add(valid[:10], "sess")
	f.Add("", "")
	f.Add(strings.Repeat("A", len(valid)), "sess")
	f.Add(valid+"=", "sess")
	f.Add("!!!!", "sess")
	f.Fuzz(func(t *testing.T, state, session string) {
		v, err := s.Verify(context.Background(), state, session)
		if err == nil {
			// Only the one state issued above, for its own session, can
			// ever verify, and only once.
			if state != valid || session != "sess" || v == "" {
				t.Fatalf("forged state accepted: %q for session %q", state, session)
			}
			return
		}
		if !errors.Is(err, ErrStateInvalid) && !errors.Is(err, ErrStateReused) && !errors.Is(err, ErrStateExpired) {
			t.Fatalf("error of no known kind: %v", err)
		}
	})
}

func BenchmarkStateIssueVerify(b *testing.B) {
	s, err := NewStates([][]byte{testKey(1)})
	require.NoError(b, err)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		state, _, err := s.Issue("session-id-0123456789")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Verify(ctx, state, "session-id-0123456789"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
