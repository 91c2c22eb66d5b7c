package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

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
