package signals

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// largeDataset is a synthetic account of n ad sets (one ad each, ten per
// campaign) over days days: daily rows at ad set level and hourly rows
// at ad set level (n × days × 24), counts drawn from a fixed PRNG. It is
// built in memory because the fake's generator would dominate the
// benchmark; the signal functions only read the rows.
func largeDataset(n, days int) *analysis.Dataset {
	r := rand.New(rand.NewPCG(10, 20))
	now := time.Date(2026, 3, 18, 15, 30, 0, 0, time.UTC)
	today := metaads.DateOf(now)
	ds := &analysis.Dataset{CollectedAt: now, Account: metaads.AdAccount{ID: metaads.MustParseAccountID("77"), Currency: "USD", TimezoneName: "UTC"},
		Range: metaads.TimeRange{Since: today.AddDays(-days), Until: today}, HourlyRange: metaads.TimeRange{Since: today.AddDays(-days), Until: today.AddDays(-1)}}
	for c := range (n + 9) / 10 {
		ds.Campaigns = append(ds.Campaigns, metaads.Campaign{ID: fmt.Sprintf("c%04d", c), Objective: metaads.ObjectiveSales, EffectiveStatus: metaads.EffectiveActive})
		ds.ConversionEvents = append(ds.ConversionEvents, analysis.ConversionEvent{CampaignID: fmt.Sprintf("c%04d", c), ActionType: "purchase"})
	}
	for i := range n {
		var tg metaads.Targeting
		_ = json.Unmarshal([]byte(fmt.Sprintf(`{"geo_locations":{"countries":["US"]},"age_min":%d,"age_max":65,"flexible_spec":[{"interests":[{"id":"%d"},{"id":"%d"}]}]}`, 18+i%30, i%200, (i*7)%200)), &tg)
		id := fmt.Sprintf("s%05d", i)
		ds.AdSets = append(ds.AdSets, metaads.AdSet{ID: id, CampaignID: fmt.Sprintf("c%04d", i/10), EffectiveStatus: metaads.EffectiveActive, DailyBudget: 10000, Targeting: &tg, OptimizationGoal: "OFFSITE_CONVERSIONS"})
		ds.Ads = append(ds.Ads, metaads.Ad{ID: "a" + id, AdSetID: id, CampaignID: fmt.Sprintf("c%04d", i/10)})
	}
	for i := range n {
		id := fmt.Sprintf("s%05d", i)
		for d := -days; d <= 0; d++ {
			var day metrics.Counts
			for h := range 24 {
				impr := int64(100 + r.IntN(900))
				c := metrics.Counts{Impressions: impr, Clicks: impr / 80, LinkClicks: impr / 120, Spend: impr * 9 / 10}
				day.Add(c)
				if d < 0 {
					ds.Hourly = append(ds.Hourly, analysis.HourlyRow{Level: metrics.LevelAdSet, ID: id, Date: today.AddDays(d), Hour: h, Counts: c})
				}
			}
			day.Conversions = day.LinkClicks / 30
			ds.Daily = append(ds.Daily, analysis.DailyRow{Level: metrics.LevelAdSet, ID: id, Date: today.AddDays(d), Counts: day})
			ds.Daily = append(ds.Daily, analysis.DailyRow{Level: metrics.LevelAd, ID: "a" + id, Date: today.AddDays(d), Counts: day})
		}
	}
	return ds
}

// cpuTime is the process's user and system CPU time so far: on a shared
// machine wall time per op says more about the neighbours than about the
// code, so the benchmarks also report CPU time per op.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCPU runs f b.N times and reports its CPU time per op.
func benchCPU(b *testing.B, f func()) {
	b.ReportAllocs()
	b.ResetTimer()
	start, n := cpuTime(), 0
	for b.Loop() {
		f()
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(max(n, 1)), "cpu-ns/op")
}

// BenchmarkHourOfDay1000AdSets90Days is the 90-day × 24-hour table over
// 1,000 ad sets: 2,160,000 hourly rows summed, 576 tests, the tables,
// windows and schedule.
func BenchmarkHourOfDay1000AdSets90Days(b *testing.B) {
	ds := largeDataset(1000, 90)
	benchCPU(b, func() {
		if _, err := HourOfDay(ds); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportMetric(float64(len(ds.Hourly)), "rows")
}

// BenchmarkAll1000AdSets90Days runs every signal on the same account
// (with 1,000 ad sets the overlap signal compares 499,500 pairs).
func BenchmarkAll1000AdSets90Days(b *testing.B) {
	ds := largeDataset(1000, 90)
	benchCPU(b, func() {
		if _, err := All(ds); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkAllDemo runs every signal on the demo shop (read once with
// Collect from the fake).
func BenchmarkAllDemo(b *testing.B) {
	ds := demoShop(b)
	benchCPU(b, func() {
		if _, err := All(ds); err != nil {
			b.Fatal(err)
		}
	})
}
