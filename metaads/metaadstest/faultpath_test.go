package metaadstest

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultPathPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, path string
		want          bool
	}{
		{"", "/anything", true},
		{"/me", "/me", true},
		{"/me", "/me/adaccounts", false},
		{"/act_*", "/act_1/ads", true},
		{"/act_*", "/123", false},
		{"*", "/123", true},
		{"*/insights", "/123/insights", true},
		{"*/insights", "/act_1/insights", true},
		{"*/insights", "/123", false},
		{"*/insights", "/123/insights/x", false},
		{"*_insights", "/x/y_insights", true},
		{"*insights*", "/x/insights/y", true},
		{"/{run}/insights", "/123/insights", true},
		{"/{run}/insights", "/123", false},
		{"/{run}/insights", "/act_1/campaigns/insights", false},
		{"/{run}/insights", "//insights", false},
		{"/{run}", "/123", true},
		{"/{run}", "/123/insights", false},
		{"/{id}/*", "/123/insights", true},
		{"/{id}/*", "/123", false},
		{"/{id}/ad*", "/123/adsets", true},
		{"/{id}/ad*", "/123/campaigns", false},
		{"*/{id}/insights", "/act_1/campaigns/insights", true},
		{"*/{id}/insights", "/insights", false},
		{"*ns/{id}", "/act_1/campaigns/7", true},
		{"*ns/{id}", "/act_1/ads/7", false},
	} {
		require.NoError(t, checkPathPattern(tc.pattern), tc.pattern)
		assert.Equal(t, tc.want, matchPath(tc.pattern, tc.path), "%q vs %q", tc.pattern, tc.path)
	}
	for _, bad := range []string{"act_1", "/a*b", "/a/*/b", "/{id", "/x{id}", "/{}/insights", "/{a}{b}", "*a*b"} {
		assert.Error(t, checkPathPattern(bad), bad)
	}
}

// TestFaultTargetsRunResultReads checks a fault on "/{run}/insights" hits
// an async run's result reads and leaves its polls alone.
func TestFaultTargetsRunResultReads(t *testing.T) {
	srv, _, tok := newDemo(t, WithReportRunPolls(0))
	require.NoError(t, srv.InjectFault(Fault{Method: "GET", Path: "/{run}/insights", Kind: FaultDataLimit, Count: -1}))
	r := do(t, http.MethodPost, srv.URL+"/v26.0/act_"+DemoAccountShop+"/insights", tok, url.Values{"fields": {"spend"}})
	require.Equal(t, 200, r.Status, r.Raw, "the POST is not matched")
	id := r.Body["report_run_id"].(string)
	p := get(t, srv, "/"+id, tok)
	require.Equal(t, 200, p.Status, p.Raw, "the poll is not matched")
	assert.Equal(t, "Job Completed", p.Body["async_status"])
	code, sub := errCode(get(t, srv, "/"+id+"/insights", tok))
	assert.Equal(t, [2]int{100, 1487534}, [2]int{code, sub}, "the result read is matched")
	assert.Equal(t, 200, get(t, srv, "/me", tok).Status)
}

// TestFaultMatchPlacesByContent: Fault.Match places a fault by what a
// request carries (here: a results page after the first, of one run),
// whatever the order requests arrive in; Skip and Count count its matches
// and it sees no credentials.
func TestFaultMatchPlacesByContent(t *testing.T) {
	srv, _, tok := newDemo(t, WithReportRunPolls(0))
	start := func() string {
		r := do(t, http.MethodPost, srv.URL+"/v26.0/act_"+DemoAccountShop+"/insights", tok, url.Values{"fields": {"spend"}, "level": {"ad"}, "time_increment": {"1"}})
		require.Equal(t, 200, r.Status, r.Raw)
		id := r.Body["report_run_id"].(string)
		require.Equal(t, "Job Completed", get(t, srv, "/"+id, tok).Body["async_status"])
		return id
	}
	runA, runB := start(), start()
	var seen []url.Values
	require.NoError(t, srv.InjectFault(Fault{Method: "GET", Path: "/{run}/insights", Kind: FaultHTTP500, Count: 1,
		Match: func(_, path string, params url.Values) bool {
			seen = append(seen, params)
			return path == "/"+runB+"/insights" && params.Has("after")
		}}))
	page := func(run, after string) int {
		q := "?limit=2"
		if after != "" {
			q += "&after=" + url.QueryEscape(after)
		}
		return get(t, srv, "/"+run+"/insights"+q, tok).Status
	}
	firstAfter := func(run string) string {
		r := get(t, srv, "/"+run+"/insights?limit=2", tok)
		require.Equal(t, 200, r.Status, r.Raw)
		return r.Body["paging"].(map[string]any)["cursors"].(map[string]any)["after"].(string)
	}
	assert.Equal(t, 200, page(runA, firstAfter(runA)), "another run's later page")
	after := firstAfter(runB)
	assert.Equal(t, 500, page(runB, after), "the placed page")
	assert.Equal(t, 200, page(runB, after), "fired once")
	for _, p := range seen {
		assert.False(t, p.Has("access_token") || p.Has("appsecret_proof"), "Match sees no credentials: %v", p)
	}
	assert.Len(t, seen, 4, "not called once the fault has fired")
}
