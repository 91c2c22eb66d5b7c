package metaads

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
)

// BenchmarkInsightsStream100k pulls 100,100 ad-level daily rows (700 ads ×
// 143 days) from metaadstest through Insights.List and samples the live
// heap (after a GC) at 10,000 and 100,000 rows: a streaming pull holds one
// page, so the two figures stay close. The fake runs in the same process;
// its cache of the rendered result is part of both samples.
func BenchmarkInsightsStream100k(b *testing.B) {
	srv, err := metaadstest.NewServer(metaadstest.WithClock(func() time.Time { return insightsNow }))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.Seed(insightsScenario(20, 5, 7)); err != nil {
		b.Fatal(err)
	}
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: "900"})
	if err != nil {
		b.Fatal(err)
	}
	c, err := NewClient(WithBaseURL(srv.URL), WithTokenProvider(StaticTokens{"*": tok}))
	if err != nil {
		b.Fatal(err)
	}
	acct := MustParseAccountID("1001")
	p := InsightsParams{Level: metrics.LevelAd, TimeRange: TimeRange{Since: Date{2026, 1, 1}, Until: Date{2026, 5, 23}},
		TimeIncrement: IncrementDaily, Limit: 500,
		Fields: []string{"account_id", "campaign_id", "adset_id", "ad_id", "ad_name", "impressions", "clicks", "spend", "actions", "action_values"}}
	heapNow := func() float64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapInuse) / (1 << 20)
	}
	var at10k, at100k float64
	var rows int
	b.ResetTimer()
	for b.Loop() {
		rows = 0
		var spend int64
		for r, err := range c.Insights.List(context.Background(), acct, p) {
			if err != nil {
				b.Fatal(err)
			}
			spend += r.Spend
			rows++
			switch rows {
			case 10_000:
				b.StopTimer()
				at10k = heapNow()
				b.StartTimer()
			case 100_000:
				b.StopTimer()
				at100k = heapNow()
				b.StartTimer()
			}
		}
		if rows != 100_100 || spend <= 0 {
			b.Fatalf("pulled %d rows, spend %d", rows, spend)
		}
	}
	b.ReportMetric(at10k, "heapMB@10k")
	b.ReportMetric(at100k, "heapMB@100k")
	b.ReportMetric(at100k-at10k, "heapGrowthMB")
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
