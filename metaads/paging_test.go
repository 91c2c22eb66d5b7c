package metaads

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type item struct {
	ID string `json:"id"`
}

// pagedHandler serves pages[i] for cursor "c<i>"; a page lists its item ids
// and whether it has a next.
func pagedHandler(t *testing.T, calls *atomic.Int32, pages func(after string) (status int, body string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if got := r.Header.Get("Authorization"); got != "Bearer tok-secret-123" {
			t.Errorf("page request without the token header: %q", got)
		}
		st, body := pages(r.URL.Query().Get("after"))
		writeJSON(w, st, body)
	}
}

func page(ids []string, after string, next bool) string {
	data := "["
	for i, id := range ids {
		if i > 0 {
			data += ","
		}
		data += fmt.Sprintf(`{"id":%q}`, id)
	}
	data += "]"
	nx := ""
	if next {
		nx = `,"next":"http://graph.test/v26.0/act_1/campaigns?access_token=LEAKED&after=` + after + `"`
	}
	return fmt.Sprintf(`{"data":%s,"paging":{"cursors":{"before":"b","after":%q}%s}}`, data, after, nx)
}

func collect[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func TestListFollowsCursorsAndEmptyPages(t *testing.T) {
	var calls atomic.Int32
	c := memClient(t, pagedHandler(t, &calls, func(after string) (int, string) {
		switch after {
		case "":
			return 200, page([]string{"1", "2"}, "c1", true)
		case "c1":
			return 200, page(nil, "c2", true) // empty page that still has a next
		case "c2":
			return 200, page([]string{"3"}, "c3", false)
		}
		return 500, `{"error":{"code":2}}`
	}))
	got, err := collect(List[item](context.Background(), c, &Request{Path: "act_1/campaigns", Account: MustParseAccountID("1")}))
	require.NoError(t, err)
	assert.Equal(t, []item{{"1"}, {"2"}, {"3"}}, got)
	assert.EqualValues(t, 3, calls.Load())
}

func TestListStopsOnRepeatedCursor(t *testing.T) {
	var calls atomic.Int32
	c := memClient(t, pagedHandler(t, &calls, func(after string) (int, string) {
		return 200, page([]string{"x"}, "same", true)
	}))
	got, err := collect(List[item](context.Background(), c, &Request{Path: "act_1/campaigns"}))
	require.NoError(t, err)
	assert.Len(t, got, 2)
	assert.EqualValues(t, 2, calls.Load())
}

func TestListIsLazyAndStopsEarly(t *testing.T) {
	var calls atomic.Int32
	c := memClient(t, pagedHandler(t, &calls, func(after string) (int, string) {
		return 200, page([]string{"a", "b"}, "n"+after, true)
	}))
	seq := List[item](context.Background(), c, &Request{Path: "act_1/campaigns"})
	assert.EqualValues(t, 0, calls.Load(), "nothing fetched before ranging")
	n := 0
	for _, err := range seq {
		require.NoError(t, err)
		n++
		if n == 3 {
			break
		}
	}
	assert.EqualValues(t, 2, calls.Load())
}

func TestListTokenErrorMidPagination(t *testing.T) {
	var calls atomic.Int32
	c := memClient(t, pagedHandler(t, &calls, func(after string) (int, string) {
		if after == "" {
			return 200, page([]string{"1"}, "c1", true)
		}
		return 400, `{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463}}`
	}))
	got, err := collect(List[item](context.Background(), c, &Request{Path: "act_1/campaigns"}))
	assert.Len(t, got, 1)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrTokenExpired)
	assert.EqualValues(t, 2, calls.Load(), "a 190 is never retried")
}

func TestListChecksContextBetweenPages(t *testing.T) {
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c := memClient(t, pagedHandler(t, &calls, func(after string) (int, string) {
		return 200, page([]string{"1"}, "c"+after, true)
	}))
	var err error
	for _, e := range List[item](ctx, c, &Request{Path: "act_1/campaigns"}) {
		if e != nil {
			err = e
			break
		}
		cancel()
	}
	assert.True(t, errors.Is(err, context.Canceled), "got %v", err)
	assert.EqualValues(t, 1, calls.Load())
}

func TestListPageCursor(t *testing.T) {
	var calls atomic.Int32
	c := memClient(t, pagedHandler(t, &calls, func(after string) (int, string) {
		if after == "c1" {
			return 200, page([]string{"2"}, "c2", false)
		}
		return 200, page([]string{"1"}, "c1", true)
	}))
	p, err := ListPage[item](context.Background(), c, &Request{Path: "act_1/campaigns"}, "")
	require.NoError(t, err)
	assert.True(t, p.HasNext)
	assert.Equal(t, "c1", p.After)
	p2, err := ListPage[item](context.Background(), c, &Request{Path: "act_1/campaigns"}, p.After)
	require.NoError(t, err)
	assert.False(t, p2.HasNext)
	assert.Equal(t, []item{{"2"}}, p2.Items)
}
