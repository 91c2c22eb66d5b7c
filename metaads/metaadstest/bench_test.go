package metaadstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

func scaleServer(tb testing.TB, days int) (*Server, string) {
	tb.Helper()
	// No rate limits: a benchmark makes more calls than an hour's budget.
	srv := Start(tb, WithClock(func() time.Time { return testNow }), WithRateLimits(RateLimits{}))
	sc, err := ScaleScenario(testNow, "777", 10, 5, 10, days)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := srv.Seed(sc); err != nil {
		tb.Fatal(err)
	}
	tok, err := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	if err != nil {
		tb.Fatal(err)
	}
	return srv, tok
}

// insightsPage500Fields are the fields of the 500-row page benchmarks.
const insightsPage500Fields = "ad_id,ad_name,adset_id,campaign_id,impressions,reach,clicks,spend,ctr,cpc,cpm,actions,action_values,purchase_roas"

// benchInsightsPages serves 500-row ad-level insights pages over loopback
// from parallel clients; query(i) is the query of the i-th request.
func benchInsightsPages(b *testing.B, query func(i int64) url.Values) {
	srv, tok := scaleServer(b, 30)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(i int64) (int64, error) {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/v26.0/act_777/insights?"+query(i).Encode(), nil)
		if err != nil {
			return 0, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		if res.StatusCode != 200 {
			body, _ := io.ReadAll(res.Body)
			return 0, fmt.Errorf("status %d: %s", res.StatusCode, body)
		}
		return io.Copy(io.Discard, res.Body)
	}
	// One request outside the timing checks the page is full.
	var page struct {
		Data []json.RawMessage `json:"data"`
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v26.0/act_777/insights?"+query(-1).Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	err = json.NewDecoder(res.Body).Decode(&page)
	res.Body.Close()
	if err != nil || len(page.Data) != 500 {
		b.Fatalf("page of %d rows (%v), want 500", len(page.Data), err)
	}
	var bytes, seq atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n, err := get(seq.Add(1))
			if err != nil {
				b.Error(err)
				return
			}
			bytes.Store(n)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.SetBytes(bytes.Load())
}

// BenchmarkInsightsPage500 serves one page of 500 ad-level insights rows
// over loopback, again and again (the result is cached after the first
// request, as it is while a client pages through it).
func BenchmarkInsightsPage500(b *testing.B) {
	q := url.Values{"level": {"ad"}, "date_preset": {"yesterday"}, "limit": {"500"}, "fields": {insightsPage500Fields}}
	benchInsightsPages(b, func(int64) url.Values { return q })
}

// BenchmarkInsightsPage500CacheMiss is BenchmarkInsightsPage500 with a
// different one-day time_range on each request, cycling through the 30
// seeded days: more distinct ranges than the result cache holds, so every
// request generates its 500 rows.
func BenchmarkInsightsPage500CacheMiss(b *testing.B) {
	const days = 30
	if days <= insightsCacheSize {
		b.Fatalf("%d ranges fit the cache of %d", days, insightsCacheSize)
	}
	b.ReportAllocs()
	benchInsightsPages(b, func(i int64) url.Values {
		day := testNow.AddDate(0, 0, -1-int((i%days+days)%days)).Format(time.DateOnly)
		return url.Values{"level": {"ad"}, "time_range": {`{"since":"` + day + `","until":"` + day + `"}`},
			"limit": {"500"}, "fields": {insightsPage500Fields}}
	})
}

// BenchmarkGenerate100kRows generates 100,000 ad-level daily rows (500 ads
// × 200 days) from scratch, without the cache.
func BenchmarkGenerate100kRows(b *testing.B) {
	srv, _ := scaleServer(b, 200)
	srv.mu.Lock()
	ar := srv.st.accounts["777"]
	snaps := srv.snapshot(srv.adsUnder("account", "act_777"))
	srv.mu.Unlock()
	p := url.Values{"level": {"ad"}, "time_increment": {"1"}, "time_range": {`{"since":"2026-05-04","until":"2026-11-19"}`},
		"fields": {"ad_id,impressions,reach,clicks,spend,actions"}}
	q, e := parseInsightsQuery(p, 0, ar.loc, dayOf(ar.CreatedTime, ar.loc), testNow)
	if e != nil {
		b.Fatal(e)
	}
	b.ReportAllocs()
	var rows int
	for b.Loop() {
		res := q.render(srv.gen.run(q, snaps), 100)
		rows = len(res.rows)
	}
	if rows != 100000 {
		b.Fatalf("generated %d rows, want 100000", rows)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkSmallRequest serves GET /me (auth, usage accounting, recording)
// over loopback from parallel clients.
func BenchmarkSmallRequest(b *testing.B) {
	srv, tok := scaleServer(b, 1)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v26.0/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}
