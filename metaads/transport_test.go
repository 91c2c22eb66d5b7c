package metaads

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// closeCountingTransport serves with h and counts CloseIdleConnections.
type closeCountingTransport struct {
	handlerTransport
	closes *atomic.Int32
}

func (t closeCountingTransport) CloseIdleConnections() { t.closes.Add(1) }

// TestSharedHTTPClientKeepsIdleConnections: failing calls (retries spent,
// a context ending during a backoff) leave the caller's shared client's
// idle connections alone.
func TestSharedHTTPClientKeepsIdleConnections(t *testing.T) {
	var closes atomic.Int32
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 500, `{"error":{"code":2,"message":"Service temporarily unavailable","is_transient":true}}`)
	})
	shared := &http.Client{Transport: closeCountingTransport{handlerTransport{h}, &closes}}
	c := memClient(t, h, WithHTTPClient(shared), WithMaxRetries(2), WithRetryBackoff(time.Millisecond, time.Millisecond))
	_, err := c.Do(context.Background(), &Request{Path: "me"}, nil)
	require.ErrorIs(t, err, ErrTransient)

	ctx, cancel := context.WithCancel(context.Background())
	c2 := memClient(t, h, WithHTTPClient(shared), WithHooks(Hooks{OnRetry: func(context.Context, RetryInfo) { cancel() }}),
		WithRetryBackoff(time.Hour, time.Hour))
	_, err = c2.Do(ctx, &Request{Path: "me"}, nil)
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, closes.Load(), "the shared client's idle connections were not closed")

	shared.CloseIdleConnections()
	assert.EqualValues(t, 1, closes.Load(), "the counter works")
}

// TestRetryBudgetNotSpentOnLastAttempt: a call that fails on every attempt
// spends one budget unit per retry sent, none for its last attempt.
func TestRetryBudgetNotSpentOnLastAttempt(t *testing.T) {
	var n atomic.Int32
	c := memClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		writeJSON(w, 503, `{"error":{"code":2,"message":"Service temporarily unavailable","is_transient":true}}`)
	}), WithRetryBudget(10), WithMaxRetries(2), WithRetryBackoff(time.Millisecond, time.Millisecond))
	_, err := c.Do(context.Background(), &Request{Path: "me"}, nil)
	require.ErrorIs(t, err, ErrTransient)
	assert.EqualValues(t, 3, n.Load(), "first attempt and two retries")
	c.budget.mu.Lock()
	defer c.budget.mu.Unlock()
	assert.Equal(t, 8.0, c.budget.tokens, "two retries were sent, two units spent")
}
