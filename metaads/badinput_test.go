package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/metrics"
)

// TestOptionsRefuseTypedNil: a nil function or pointer inside a non-nil
// interface was accepted and panicked on the first call.
func TestOptionsRefuseTypedNil(t *testing.T) {
	_, err := NewClient(WithTokenProvider(TokenProviderFunc(nil)))
	assert.ErrorContains(t, err, "WithTokenProvider(metaads.TokenProviderFunc(nil))")
	_, err = NewClient(WithTokenProvider(nil))
	assert.ErrorContains(t, err, "WithTokenProvider(nil)")
	_, err = NewClient(WithUsageStore((*MemoryUsageStore)(nil)))
	assert.ErrorContains(t, err, "WithUsageStore(*metaads.MemoryUsageStore(nil))")
	// A nil map is a usable (empty) StaticTokens.
	c, err := NewClient(WithTokenProvider(StaticTokens(nil)))
	require.NoError(t, err)
	_, err = c.Do(context.Background(), &Request{Path: "me"}, nil)
	assert.ErrorIs(t, err, ErrNoToken)
	// Context helpers take a nil parent as Background instead of panicking.
	//lint:ignore SA1012 a nil parent on purpose
	assert.NotNil(t, ContextWithQuotaWait(nil, time.Second))
	//lint:ignore SA1012 a nil parent on purpose
	assert.NotNil(t, ContextWithHooks(nil, Hooks{}))
}

// TestMaxResponseBytesUpToMaxInt64: WithMaxResponseBytes(math.MaxInt64)
// overflowed the read limit, so every call failed with "empty response
// body".
func TestMaxResponseBytesUpToMaxInt64(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{"id":"1"}`) })
	for _, n := range []int64{math.MaxInt64, math.MaxInt64 - 1, 1024} {
		c := memClient(t, h, WithMaxResponseBytes(n))
		var out struct {
			ID string `json:"id"`
		}
		_, err := c.Do(context.Background(), &Request{Path: "1"}, &out)
		require.NoError(t, err, "limit %d", n)
		assert.Equal(t, "1", out.ID)
	}
}

// TestUsageDurationsClamped: a usage above about 2.6e8 % or a regain above
// 1.5e8 minutes converted to a negative duration and was ignored; such
// figures now hold for MaxHold, never less than nothing.
func TestUsageDurationsClamped(t *testing.T) {
	h := http.Header{}
	h.Set(headerAdAccountUsage, `{"acc_id_util_pct":100,"reset_time_duration":1e300}`)
	h.Set(headerBUCUsage, `{"1":[{"type":"ads_management","call_count":100,"estimated_time_to_regain_access":2e8}]}`)
	u := ParseUsage(h, time.Now())
	assert.Equal(t, MaxHold, u.AdAccount.ResetTimeDuration)
	assert.Equal(t, MaxHold, u.BusinessUseCases[0].RegainAccessIn)
	h.Set(headerBUCUsage, `{"1":[{"type":"ads_management","call_count":100,"estimated_time_to_regain_access":-5}]}`)
	assert.Zero(t, ParseUsage(h, time.Now()).BusinessUseCases[0].RegainAccessIn)

	cfg := defaultConfig()
	cfg.store = NewMemoryUsageStore()
	s := newScheduler(cfg)
	now := time.Now()
	for _, pct := range []float64{3e8, 1e300, 95} {
		d, _ := s.holdFor(UsageState{Pct: pct, ObservedAt: now}, &local{}, now)
		assert.Greater(t, d, time.Duration(0), "usage %v%% holds", pct)
		assert.LessOrEqual(t, d, MaxHold, "usage %v%%", pct)
	}
	d, _ := s.holdFor(UsageState{Pct: 10, ObservedAt: now, BlockedUntil: now.Add(1000 * 24 * time.Hour)}, &local{}, now)
	assert.Equal(t, MaxHold, d)
}

// TestParseDateYearZero: "0000-01-01" was accepted although Date.Valid
// reports it invalid.
func TestParseDateYearZero(t *testing.T) {
	_, err := ParseDate("0000-01-01")
	assert.ErrorContains(t, err, "0000-01-01")
	d, err := ParseDate("0001-01-01")
	require.NoError(t, err)
	assert.True(t, d.Valid())
	var dd Date
	assert.Error(t, dd.UnmarshalText([]byte("0000-12-31")))
}

// TestTruncated200IsRetried: a 200 whose body was cut off in transit is
// retried on a GET like a dropped connection (it used to fail with a
// decoding error); a write is not sent again, and a complete body of the
// wrong shape is not retried either.
func TestTruncated200IsRetried(t *testing.T) {
	var n int
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		switch {
		case r.URL.Path == "/v26.0/shape":
			writeJSON(w, 200, `{"id":{"not":"a string"}}`)
		case n == 1:
			writeJSON(w, 200, `{"id":"12`) // cut off
		default:
			writeJSON(w, 200, `{"id":"123"}`)
		}
	})
	c := memClient(t, h, WithRetryBackoff(time.Millisecond, time.Millisecond))
	var out struct {
		ID string `json:"id"`
	}
	resp, err := c.Do(context.Background(), &Request{Path: "1"}, &out)
	require.NoError(t, err)
	assert.Equal(t, "123", out.ID)
	assert.Equal(t, 2, resp.Attempts)

	n = 0
	_, err = c.Do(context.Background(), &Request{Method: http.MethodPost, Path: "1", Form: map[string][]string{"name": {"x"}}}, &out)
	require.Error(t, err, "a write is not resent")
	assert.Equal(t, 1, n)

	n = 0
	_, err = c.Do(context.Background(), &Request{Path: "shape"}, &out)
	assert.ErrorContains(t, err, "decoding the response")
	assert.Equal(t, 1, n, "a complete body of the wrong shape is not retried")
}

// TestCheckpointOfDatePresetEncodes: a checkpoint chunk of a date-preset
// query has no time range; encoding it failed ("cannot encode invalid
// date"), so OnCheckpoint's list could not be saved. Found by
// FuzzResumeCheckpoint.
func TestCheckpointOfDatePresetEncodes(t *testing.T) {
	b, err := json.Marshal([]RunChunk{{RunID: "1"}})
	require.NoError(t, err)
	assert.Equal(t, `[{"run_id":"1"}]`, string(b))
	var back []RunChunk
	require.NoError(t, json.Unmarshal(b, &back))
	_, err = chunkFromPublic(back[0], InsightsParams{Level: metrics.LevelAd, DatePreset: "last_30d"})
	require.NoError(t, err)
}

// TestTimeRefusesYearZero: "0000-01-01" decoded as a Graph time of year 0
// (found by FuzzObjectDecode), and unix seconds beyond year 9999 or before
// 1970 were accepted.
func TestTimeRefusesYearZero(t *testing.T) {
	for _, s := range []string{`"0000-01-01"`, `"0000-01-01T00:00:00+0000"`, `-5`, `253402300800`} {
		var tm Time
		assert.Error(t, json.Unmarshal([]byte(s), &tm), s)
	}
	var tm Time
	require.NoError(t, json.Unmarshal([]byte(`"2026-01-02T15:04:05-0800"`), &tm))
	assert.Equal(t, 2026, tm.Year())
}

func TestDateStringMatchesFormat(t *testing.T) {
	for _, d := range []Date{{2026, 1, 2}, {1, 12, 31}, {9999, 12, 31}, {0, 0, 0}, {-5, 1, 1}, {10000, 1, 1}, {2026, 100, 1}} {
		assert.Equal(t, fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day), d.String())
	}
}
