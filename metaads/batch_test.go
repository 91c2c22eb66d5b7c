package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchHandler answers Graph batch calls: op relative_url "v26.0/<n>"
// answers {"id":"<n>"}; n divisible by 7 answers a 100 error; n listed in
// nullOnce answers null the first time.
func batchHandler(t *testing.T, calls *atomic.Int32, sizes *[]int, nullOnce map[string]bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		require.Equal(t, "/v26.0/", r.URL.Path)
		require.Equal(t, "Bearer tok-secret-123", r.Header.Get("Authorization"))
		require.NoError(t, r.ParseForm())
		var ops []wireBatchOp
		require.NoError(t, json.Unmarshal([]byte(r.PostForm.Get("batch")), &ops))
		*sizes = append(*sizes, len(ops))
		out := make([]any, len(ops))
		for i, op := range ops {
			id := strings.TrimPrefix(strings.SplitN(op.RelativeURL, "?", 2)[0], "v26.0/")
			if nullOnce[id] {
				delete(nullOnce, id)
				continue
			}
			hdr := []map[string]string{{"name": "X-Business-Use-Case-Usage", "value": `{"1":[{"type":"ads_management","call_count":42,"total_cputime":1,"total_time":1}]}`}}
			var n int
			fmt.Sscan(id, &n)
			if n%7 == 0 {
				out[i] = map[string]any{"code": 400, "headers": hdr, "body": `{"error":{"code":100,"message":"bad"}}`}
				continue
			}
			out[i] = map[string]any{"code": 200, "headers": hdr, "body": fmt.Sprintf(`{"id":%q}`, id)}
		}
		b, _ := json.Marshal(out)
		writeJSON(w, 200, string(b))
	}
}

func TestBatchChunksNullsAndPerItemErrors(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	nulls := map[string]bool{"3": true, "60": true}
	c := memClient(t, batchHandler(t, &calls, &sizes, nulls))
	acct := MustParseAccountID("1")
	b := c.NewBatch(acct)
	outs := make([]struct{ ID string }, 120)
	for i := range 120 {
		require.NoError(t, b.Add(Request{Path: fmt.Sprint(i + 1), Query: map[string][]string{"fields": {"id"}}}, &outs[i]))
	}
	assert.Error(t, b.Add(Request{Path: "1", Account: MustParseAccountID("2")}, nil), "other account")
	assert.Error(t, b.Add(Request{Path: ""}, nil), "invalid request")
	res, err := b.Do(context.Background())
	require.NoError(t, err)
	require.Len(t, res, 120)
	assert.Equal(t, []int{50, 50, 20, 2}, sizes, "chunks of 50, then the two null items again")
	for i, r := range res {
		n := i + 1
		if n%7 == 0 {
			assert.ErrorIs(t, r.Err, ErrInvalidParameter, "item %d", n)
			continue
		}
		require.NoError(t, r.Err, "item %d", n)
		assert.Equal(t, fmt.Sprint(n), outs[i].ID)
		require.Len(t, r.Usage.BusinessUseCases, 1)
	}
	u, err := c.Usage(context.Background(), acct)
	require.NoError(t, err)
	assert.Equal(t, 42.0, u.Budgets[UsageKey{Scope: "ads_management", ID: "1"}].Pct, "item usage reached the scheduler")
	assert.Equal(t, 0, b.Len())
}

func TestBatchNullWriteIsNotResent(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	c := memClient(t, batchHandler(t, &calls, &sizes, map[string]bool{"5": true}))
	b := c.NewBatch(MustParseAccountID("1"))
	require.NoError(t, b.Add(Request{Method: "POST", Path: "5", Form: map[string][]string{"status": {"PAUSED"}}}, nil))
	require.NoError(t, b.Add(Request{Method: "POST", Path: "6", Form: map[string][]string{"status": {"PAUSED"}}}, nil))
	res, err := b.Do(context.Background())
	require.NoError(t, err)
	assert.ErrorIs(t, res[0].Err, ErrTransient)
	assert.Zero(t, res[0].StatusCode)
	require.NoError(t, res[1].Err)
	assert.Equal(t, []int{2}, sizes, "a write Meta may have done is not sent again")
}

// TestBatchFailedCallMarksUnsentItems: when a batch call fails, the items
// of that call and of the calls never made carry an error.
func TestBatchFailedCallMarksUnsentItems(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	ok := batchHandler(t, &calls, &sizes, nil)
	c := memClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Load() == 1 { // the second call fails for good
			calls.Add(1)
			writeJSON(w, 400, `{"error":{"code":100,"message":"Invalid parameter"}}`)
			return
		}
		ok(w, r)
	}))
	b := c.NewBatch(MustParseAccountID("1"))
	for i := range 120 {
		require.NoError(t, b.Add(Request{Path: fmt.Sprint(i + 1)}, nil))
	}
	res, err := b.Do(context.Background())
	require.ErrorIs(t, err, ErrInvalidParameter)
	require.Len(t, res, 120)
	for i, r := range res {
		if i < 50 {
			if (i+1)%7 != 0 {
				assert.NoError(t, r.Err, "item %d was answered", i)
			}
			continue
		}
		assert.ErrorIs(t, r.Err, ErrInvalidParameter, "item %d has no result", i)
	}
	assert.EqualValues(t, 2, calls.Load(), "no call after the failed one")
}

// TestBatchNullResendBacksOff: null items are sent again after a backoff
// wait through the client's sleep; a wait ended by ctx stops Do and the
// waiting items carry the error.
func TestBatchNullResendBacksOff(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	c := memClient(t, batchHandler(t, &calls, &sizes, map[string]bool{"2": true}))
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error { waits = append(waits, d); return ctx.Err() }
	b := c.NewBatch(MustParseAccountID("1"))
	require.NoError(t, b.Add(Request{Path: "1"}, nil))
	require.NoError(t, b.Add(Request{Path: "2"}, nil))
	res, err := b.Do(context.Background())
	require.NoError(t, err)
	require.NoError(t, res[1].Err)
	require.Len(t, waits, 1, "one backoff before the resend round")
	assert.Positive(t, waits[0])

	c2 := memClient(t, batchHandler(t, &calls, &sizes, map[string]bool{"2": true}))
	c2.sleep = func(context.Context, time.Duration) error { return context.Canceled }
	b = c2.NewBatch(MustParseAccountID("1"))
	require.NoError(t, b.Add(Request{Path: "1"}, nil))
	require.NoError(t, b.Add(Request{Path: "2"}, nil))
	res, err = b.Do(context.Background())
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, res[0].Err)
	assert.ErrorIs(t, res[1].Err, context.Canceled)
}

// TestBatchAddClonesMaps: changing the caller's maps after Add changes
// nothing that is sent.
func TestBatchAddClonesMaps(t *testing.T) {
	var calls atomic.Int32
	var sizes []int
	var sent atomic.Value
	h := batchHandler(t, &calls, &sizes, nil)
	c := memClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		sent.Store(r.PostForm.Get("batch"))
		h(w, r)
	}))
	b := c.NewBatch(MustParseAccountID("1"))
	q := map[string][]string{"fields": {"id"}}
	f := map[string][]string{"status": {"PAUSED"}}
	require.NoError(t, b.Add(Request{Path: "1", Query: q}, nil))
	require.NoError(t, b.Add(Request{Method: "POST", Path: "2", Form: f}, nil))
	q["fields"][0] = "name"
	q["limit"] = []string{"5"}
	f["status"] = []string{"DELETED"}
	_, err := b.Do(context.Background())
	require.NoError(t, err)
	got := sent.Load().(string)
	assert.Contains(t, got, "fields=id")
	assert.NotContains(t, got, "limit")
	assert.Contains(t, got, "status=PAUSED")
	assert.NotContains(t, got, "DELETED")
}
