package metaads

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuotaBlockedCodes(t *testing.T) {
	for _, tc := range []struct {
		code, sub int
		blocked   bool
	}{
		{17, 2446079, true},     // ad-account score: blocked for minutes
		{613, 1487632, true},    // ad set budget changed 4 times this hour
		{17, 1885172, true},     // spend cap changed 10 times today
		{368, 0, true},          // policy block
		{200, 1404078, true},    // temporarily blocked from this action
		{80004, 2446079, false}, // BUC throttle: short, retried
		{613, 1487742, false},
		{17, 0, false},
		{4, 0, false},
	} {
		e := &Error{Code: tc.code, Subcode: tc.sub}
		assert.Equal(t, tc.blocked, errors.Is(e, ErrQuotaBlocked), "%d/%d", tc.code, tc.sub)
	}
	rl := &RateLimitError{RetryAfter: time.Minute, maxWait: 30 * time.Second, Err: &Error{Code: 80004, Subcode: 2446079}}
	assert.ErrorIs(t, rl, ErrQuotaBlocked, "RetryAfter beyond the client's wait")
	assert.ErrorIs(t, rl, ErrRateLimited)
	rl.RetryAfter = 10 * time.Second
	assert.NotErrorIs(t, rl, ErrQuotaBlocked, "a short throttle")
}

// TestQuotaBlockedNotRetried: blocks come back at once, as *RateLimitError
// matching ErrQuotaBlocked, after one request; long throttles too.
func TestQuotaBlockedNotRetried(t *testing.T) {
	ctx := context.Background()
	const set = "3000000" // seedScenario's first ad set
	for _, f := range []metaadstest.Fault{
		{Method: "POST", Path: "/" + set, Kind: metaadstest.FaultThrottle, Code: 613, Subcode: 1487632},
		{Method: "POST", Path: "/" + set, Kind: metaadstest.FaultThrottle, Code: 17, Subcode: 1885172},
		{Method: "POST", Path: "/" + set, Kind: metaadstest.FaultThrottle, Code: 17, Subcode: 2446079},
	} {
		e := newFakeEnv(t, seedScenario(1, 1), nil, true, WithRetryBackoff(time.Millisecond, time.Millisecond))
		require.Equal(t, set, e.srv.Objects().AdSets[0].ID)
		require.NoError(t, e.srv.InjectFault(f))
		err := e.c.AdSets.UpdateBudget(ctx, e.acct, set, Budget{Daily: 12345})
		require.ErrorIs(t, err, ErrQuotaBlocked, "%d/%d", f.Code, f.Subcode)
		var rl *RateLimitError
		require.ErrorAs(t, err, &rl)
		assert.Len(t, requests(e.srv, "POST", "/"+set), 1, "%d/%d not retried", f.Code, f.Subcode)
	}

	// A throttle whose announced regain time exceeds the client's
	// WithMaxThrottleRetryWait is a block too.
	var calls atomic.Int32
	c := memClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("X-Business-Use-Case-Usage", `{"1":[{"type":"ads_management","call_count":100,"total_cputime":1,"total_time":1,"estimated_time_to_regain_access":5}]}`)
		writeJSON(w, 400, `{"error":{"code":80004,"error_subcode":2446079,"message":"too many calls"}}`)
	}), WithMaxThrottleRetryWait(time.Minute))
	_, err := c.Do(ctx, &Request{Path: "act_1/campaigns", Account: MustParseAccountID("1"), BusinessUseCase: "ads_management"}, nil)
	var rl *RateLimitError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 5*time.Minute, rl.RetryAfter)
	assert.ErrorIs(t, err, ErrQuotaBlocked)
	assert.EqualValues(t, 1, calls.Load(), "not retried")
}
