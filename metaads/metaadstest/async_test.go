package metaadstest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReportRunLifecycle(t *testing.T) {
	srv, _, tok := newDemo(t)
	form := url.Values{"fields": {"spend,impressions"}, "level": {"ad"}, "date_preset": {"last_7d"}, "time_increment": {"1"}}
	r := do(t, http.MethodPost, srv.URL+"/v26.0/act_"+DemoAccountShop+"/insights", tok, form)
	require.Equal(t, 200, r.Status, r.Raw)
	id := r.Body["report_run_id"].(string)
	require.NotEmpty(t, id)

	// Not ready yet.
	nr := get(t, srv, "/"+id+"/insights", tok)
	code, _ := errCode(nr)
	assert.Equal(t, 100, code)

	var seen []string
	for i := 0; i < 5; i++ {
		p := get(t, srv, "/"+id, tok)
		require.Equal(t, 200, p.Status, p.Raw)
		seen = append(seen, fmt.Sprintf("%s %v", p.Body["async_status"], p.Body["async_percent_completion"]))
	}
	assert.Equal(t, []string{"Job Not Started 0", "Job Started 0", "Job Running 33", "Job Running 100", "Job Completed 100"}, seen)

	rows := insights(t, srv, tok, id, url.Values{"limit": {"10"}})
	sync := insights(t, srv, tok, "act_"+DemoAccountShop, form)
	assert.Equal(t, sync, rows, "the async result equals the sync result")

	p := get(t, srv, "/"+id+"?fields=async_status,bogus", tok)
	code, _ = errCode(p)
	assert.Equal(t, 100, code)

	// Invalid parameters fail at creation.
	r = do(t, http.MethodPost, srv.URL+"/v26.0/act_"+DemoAccountShop+"/insights", tok, url.Values{"fields": {"nope"}})
	code, _ = errCode(r)
	assert.Equal(t, 100, code)
}

func TestReportRunFailedAndSkipped(t *testing.T) {
	srv, _, tok := newDemo(t, WithReportRunPolls(0))
	require.NoError(t, srv.InjectFault(Fault{Method: "POST", Path: "/act_" + DemoAccountShop + "/insights", Kind: FaultReportFailed}))
	require.NoError(t, srv.InjectFault(Fault{Method: "POST", Path: "/act_*", Kind: FaultReportSkipped}))
	for _, want := range []string{"Job Failed", "Job Skipped", "Job Completed"} {
		r := do(t, http.MethodPost, srv.URL+"/v26.0/act_"+DemoAccountShop+"/insights", tok, url.Values{"fields": {"spend"}})
		require.Equal(t, 200, r.Status, r.Raw)
		id := r.Body["report_run_id"].(string)
		p := get(t, srv, "/"+id, tok)
		assert.Equal(t, want, p.Body["async_status"])
		res := get(t, srv, "/"+id+"/insights", tok)
		if want == "Job Completed" {
			assert.Equal(t, 200, res.Status)
		} else {
			assert.NotEqual(t, 200, res.Status)
		}
		if want == "Job Failed" {
			assert.Equal(t, float64(2490547), p.Body["error_subcode"])
		}
	}
}

func batchCall(t *testing.T, srv *Server, tok string, items []map[string]any, extra url.Values) resp {
	b, _ := json.Marshal(items)
	form := url.Values{"batch": {string(b)}}
	for k, v := range extra {
		form[k] = v
	}
	return do(t, http.MethodPost, srv.URL+"/v26.0/", tok, form)
}

func TestBatch(t *testing.T) {
	srv, _, tok := newDemo(t)
	require.NoError(t, srv.InjectFault(Fault{Method: "GET", Path: "/" + DemoFatiguedAd, Kind: FaultBatchNull}))
	items := []map[string]any{
		{"method": "GET", "relative_url": "me?fields=id,name"},
		{"method": "GET", "relative_url": "v26.0/" + DemoFatiguedAd + "?fields=name"},
		{"method": "POST", "relative_url": DemoOverpacingSet, "body": "status=PAUSED"},
		{"method": "GET", "relative_url": "999999"},
	}
	r := batchCall(t, srv, tok, items, nil)
	require.Equal(t, 200, r.Status, r.Raw)
	var out []*struct {
		Code    int `json:"code"`
		Headers []struct{ Name, Value string }
		Body    string `json:"body"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.Raw), &out))
	require.Len(t, out, 4)
	assert.Equal(t, 200, out[0].Code)
	assert.Contains(t, out[0].Body, DemoUserID)
	assert.NotEmpty(t, out[0].Headers)
	assert.Nil(t, out[1], "injected null item")
	assert.Equal(t, 200, out[2].Code)
	assert.JSONEq(t, `{"success":true}`, out[2].Body)
	assert.Equal(t, 400, out[3].Code)
	assert.Contains(t, out[3].Body, `"code":100`)
	s, _ := srv.AdSet(DemoOverpacingSet)
	assert.Equal(t, "PAUSED", s.Status)

	r = batchCall(t, srv, tok, items[:1], url.Values{"include_headers": {"false"}})
	assert.NotContains(t, r.Raw, `"headers"`)

	many := make([]map[string]any, 51)
	for i := range many {
		many[i] = map[string]any{"method": "GET", "relative_url": "me"}
	}
	code, _ := errCode(batchCall(t, srv, tok, many, nil))
	assert.Equal(t, 100, code)
	code, _ = errCode(do(t, http.MethodPost, srv.URL+"/v26.0/", tok, url.Values{"batch": {"nope"}}))
	assert.Equal(t, 100, code)
	code, _ = errCode(do(t, http.MethodPost, srv.URL+"/v26.0/", tok, url.Values{}))
	assert.Equal(t, 100, code)
}

func TestUsageHeadersThrottlingAndDecay(t *testing.T) {
	limits := RateLimits{Window: time.Hour, App: 1000, AccountScore: 10, Management: 1000, Insights: 1000}
	srv, clk, tok := newDemo(t, WithRateLimits(limits))
	path := "/act_" + DemoAccountShop + "/campaigns"
	var r resp
	for i := 0; i < 10; i++ {
		r = get(t, srv, path, tok)
		require.Equal(t, 200, r.Status, r.Raw)
	}
	var acc map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-Ad-Account-Usage")), &acc))
	assert.Equal(t, float64(100), acc["acc_id_util_pct"])
	assert.Equal(t, "standard_access", acc["ads_api_access_tier"])
	var app map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-App-Usage")), &app))
	assert.Equal(t, float64(1), app["call_count"])
	var buc map[string][]map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-Business-Use-Case-Usage")), &buc))
	require.Contains(t, buc, DemoAccountShop)
	assert.Equal(t, "ads_management", buc[DemoAccountShop][0]["type"])

	// The 11th call is throttled, with headers on the error too.
	r = get(t, srv, path, tok)
	code, sub := errCode(r)
	assert.Equal(t, [2]int{17, 2446079}, [2]int{code, sub}, r.Raw)
	assert.NotEmpty(t, r.Header.Get("X-Ad-Account-Usage"))
	assert.Contains(t, r.Raw, "estimated_time_to_regain_access")
	assert.Equal(t, float64(100), srv.Usage(DemoAccountShop).AccountScore)

	// Usage decays with the clock: after 6 minutes (10% of the hour) one
	// point is free again.
	clk.advance(6 * time.Minute)
	assert.InDelta(t, 90, srv.Usage("act_"+DemoAccountShop).AccountScore, 0.1)
	assert.Equal(t, 200, get(t, srv, path, tok).Status)
	clk.advance(time.Hour)
	assert.Zero(t, srv.Usage(DemoAccountShop).AccountScore)
}

func TestBusinessUseCaseThrottle(t *testing.T) {
	srv, _, tok := newDemo(t, WithRateLimits(RateLimits{Insights: 2, Management: 3}))
	ins := "/act_" + DemoAccountShop + "/insights?fields=spend"
	for i := 0; i < 2; i++ {
		require.Equal(t, 200, get(t, srv, ins, tok).Status)
	}
	r := get(t, srv, ins, tok)
	code, sub := errCode(r)
	assert.Equal(t, [2]int{80000, 2446079}, [2]int{code, sub})
	var buc map[string][]map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Header.Get("X-Business-Use-Case-Usage")), &buc))
	for _, e := range buc[DemoAccountShop] {
		if e["type"] == "ads_insights" {
			assert.Positive(t, e["estimated_time_to_regain_access"])
		}
	}
	assert.NotEmpty(t, r.Header.Get("X-Fb-Ads-Insights-Throttle"))
	// Management is a separate bucket: a POST costs 3.
	r = do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverpacingSet, tok, url.Values{"name": {"x"}})
	assert.Equal(t, 200, r.Status, r.Raw)
	code, _ = errCode(do(t, http.MethodPost, srv.URL+"/v26.0/"+DemoOverpacingSet, tok, url.Values{"name": {"y"}}))
	assert.Equal(t, 80004, code)
	code, _ = errCode(get(t, srv, "/app-usage-only", srv.AppToken()))
	assert.Equal(t, 100, code)
}

func TestFaults(t *testing.T) {
	srv, _, tok := newDemo(t)
	p := "/act_" + DemoAccountShop + "/campaigns"
	inject := func(f Fault) {
		t.Helper()
		f.Path = p
		require.NoError(t, srv.InjectFault(f))
	}
	inject(Fault{Kind: FaultHTTP500, Skip: 1})
	assert.Equal(t, 200, get(t, srv, p, tok).Status, "skipped once")
	r := get(t, srv, p, tok)
	assert.Equal(t, 500, r.Status)
	assert.Equal(t, true, r.Body["error"].(map[string]any)["is_transient"])
	assert.Equal(t, 200, get(t, srv, p, tok).Status, "fired once")

	inject(Fault{Kind: FaultCode1})
	code, _ := errCode(get(t, srv, p, tok))
	assert.Equal(t, 1, code)
	inject(Fault{Kind: FaultCode2, Count: 2})
	for i := 0; i < 2; i++ {
		r = get(t, srv, p, tok)
		code, _ = errCode(r)
		assert.Equal(t, 2, code)
		assert.Equal(t, 503, r.Status)
	}
	inject(Fault{Kind: FaultDataLimit})
	code, sub := errCode(get(t, srv, p, tok))
	assert.Equal(t, [2]int{100, 1487534}, [2]int{code, sub})
	inject(Fault{Kind: FaultHTML})
	r = get(t, srv, p, tok)
	assert.Equal(t, 502, r.Status)
	assert.True(t, strings.HasPrefix(r.Raw, "<!DOCTYPE html>"))
	inject(Fault{Kind: FaultMalformedJSON})
	r = get(t, srv, p, tok)
	assert.Equal(t, 200, r.Status)
	assert.False(t, json.Valid([]byte(r.Raw)))
	inject(Fault{Kind: FaultThrottle, Code: 613, Subcode: 1487742, RegainMinutes: 5})
	r = get(t, srv, p, tok)
	code, sub = errCode(r)
	assert.Equal(t, [2]int{613, 1487742}, [2]int{code, sub})
	assert.Contains(t, r.Raw, `"estimated_time_to_regain_access":5`)
	inject(Fault{Kind: FaultError, Status: 403, Code: 368, Message: "blocked"})
	r = get(t, srv, p, tok)
	code, _ = errCode(r)
	assert.Equal(t, 368, code)
	assert.Equal(t, 403, r.Status)

	inject(Fault{Kind: FaultDrop, Count: -1}) // the transport retries a dropped idempotent request once
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v26.0"+p, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	_, err := http.DefaultClient.Do(req)
	assert.Error(t, err, "connection dropped")
	srv.ClearFaults()

	for name, f := range map[string]Fault{"kind": {}, "skip": {Kind: FaultCode1, Skip: -1}, "slow": {Kind: FaultSlow},
		"error": {Kind: FaultError}, "path": {Kind: FaultCode1, Path: "act_1"}} {
		assert.Error(t, srv.InjectFault(f), name)
	}
	srv.ClearFaults()
	assert.Equal(t, 200, get(t, srv, p, tok).Status)
}

func TestFaultSlowUsesInjectedSleep(t *testing.T) {
	var slept time.Duration
	srv, _, tok := newDemo(t, WithSleep(func(ctx context.Context, d time.Duration) error { slept += d; return nil }))
	require.NoError(t, srv.InjectFault(Fault{Kind: FaultSlow, Delay: 30 * time.Second, Path: "/me"}))
	assert.Equal(t, 200, get(t, srv, "/me", tok).Status)
	assert.Equal(t, 30*time.Second, slept)
}

func TestFaultSlowHonoursContext(t *testing.T) {
	srv, _, tok := newDemo(t)
	require.NoError(t, srv.InjectFault(Fault{Kind: FaultSlow, Delay: time.Hour, Path: "/me"}))
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v26.0/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	done := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		done <- err
	}()
	cancel()
	assert.Error(t, <-done)
}

func TestTokenExpiresMidPaging(t *testing.T) {
	srv, _, tok := newDemo(t)
	p := "/act_" + DemoAccountShop + "/ads"
	require.NoError(t, srv.InjectFault(Fault{Kind: FaultExpireToken, Path: p, Skip: 1}))
	r := get(t, srv, p+"?limit=5", tok)
	require.Equal(t, 200, r.Status)
	next := r.Body["paging"].(map[string]any)["next"].(string)
	r = do(t, http.MethodGet, next, tok, nil)
	code, sub := errCode(r)
	assert.Equal(t, [2]int{190, 463}, [2]int{code, sub})
	code, sub = errCode(get(t, srv, "/me", tok))
	assert.Equal(t, [2]int{190, 463}, [2]int{code, sub}, "the token stays expired")
}

func TestInspection(t *testing.T) {
	srv, _, tok := newDemo(t)
	get(t, srv, "/me", tok)
	srv.ResetRequests()
	get(t, srv, "/act_"+DemoAccountShop+"/campaigns?fields=name", tok)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "GET", reqs[0].Method)
	assert.Equal(t, "v26.0", reqs[0].Version)
	assert.Equal(t, "/act_"+DemoAccountShop+"/campaigns", reqs[0].Path)
	assert.Equal(t, "name", reqs[0].Params.Get("fields"))
	assert.Equal(t, "header", reqs[0].TokenIn)

	objs := srv.Objects()
	assert.Len(t, objs.Accounts, 3)
	assert.Len(t, objs.Ads, 20)
	assert.Equal(t, DemoUserID, objs.Users[0].ID)
	_, ok := srv.Ad(DemoFatiguedAd)
	assert.True(t, ok)
	_, ok = srv.Ad("nope")
	assert.False(t, ok)
	_, ok = srv.Account("act_" + DemoAccountLeads)
	assert.True(t, ok)
}
