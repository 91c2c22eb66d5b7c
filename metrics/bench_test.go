package metrics

import (
	"math"
	"strconv"
	"testing"
)

const benchRows = 1_000_000

// benchCounts returns n plausible rows with every field set.
func benchCounts(n int) []Counts {
	rows := make([]Counts, n)
	for i := range rows {
		k := int64(i%997 + 1)
		rows[i] = Counts{
			Impressions: 1000 * k, Reach: 700 * k, Clicks: 20 * k, LinkClicks: 12 * k, UniqueClicks: 15 * k,
			Spend: 2500 * k, PostEngagements: 40 * k, PageEngagements: 5 * k,
			VideoPlays: 300 * k, VideoViews3s: 250 * k, VideoP25: 120 * k, VideoP50: 80 * k, VideoP75: 50 * k,
			VideoP95: 30 * k, VideoP100: 25 * k, ThruPlays: 45 * k, VideoWatchTimeMillis: 900000 * k,
			LandingPageViews: 10 * k, Leads: k, Purchases: k / 2, PurchaseValue: 5000 * k,
			Conversions: k, ConversionValue: 6000 * k,
		}
	}
	return rows
}

var sinkFloat float64

// BenchmarkSumAndDerive aggregates 1,000,000 rows of fixed Counts and then
// derives every registered metric from the total (rates are ratios of
// sums). It reports rows/s; the target is ≥ 50 million rows/s on one core
// with zero allocations.
func BenchmarkSumAndDerive(b *testing.B) {
	rows := benchCounts(benchRows)
	all := AllMetrics()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		total := Sum(rows).WithWindowReach(1)
		for i := range all {
			v, _ := all[i].Value(total)
			sinkFloat += v
		}
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkDerivePerRow derives every registered metric for each row
// separately (what a per-row report does), for comparison.
func BenchmarkDerivePerRow(b *testing.B) {
	rows := benchCounts(10_000)
	all := AllMetrics()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for r := range rows {
			for i := range all {
				v, _ := all[i].Value(rows[r])
				sinkFloat += v
			}
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkActionsMerge aggregates the per-action-type path: 1,000,000
// rows each carrying 8 action types (the same types in every row, as rows
// of one report do), then derives a cost per action for each type.
func BenchmarkActionsMerge(b *testing.B) {
	types := []string{
		"add_to_cart", "complete_registration", "initiate_checkout", "landing_page_view",
		"lead", "link_click", "offsite_conversion.fb_pixel_purchase", "post_engagement",
	}
	const n = benchRows
	rows := make([]Actions, n)
	for i := range rows {
		for j, t := range types {
			rows[i].Add(t, int64(i%13+j), int64(100*(i%7)))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var total Actions
		for i := range rows {
			total.Merge(&rows[i])
		}
		for _, t := range types {
			v, _ := total.CostPer(t, 123456789)
			sinkFloat += v
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkActionsAdd measures adding individual action stats by type
// name (the path of decoding one insights row's actions list).
func BenchmarkActionsAdd(b *testing.B) {
	types := make([]string, 16)
	for i := range types {
		types[i] = "offsite_conversion.custom." + strconv.Itoa(i)
	}
	var a Actions
	for _, t := range types {
		a.Add(t, 0, 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		a.Add(types[i&15], 1, 10)
	}
}

func BenchmarkProbabilityBBeatsA(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		v, _ := ProbabilityBBeatsA(120, 10000, 150, 10000)
		sinkFloat += v
	}
}

func BenchmarkProbabilityBBeatsANonInteger(b *testing.B) {
	b.ReportAllocs()
	p := BetaPrior{Alpha: 2.3, Beta: 180.7}
	for b.Loop() {
		v, _ := p.ProbabilityBBeatsA(30, 2000, 45, 2100)
		sinkFloat += v
	}
}

// BenchmarkProbabilityBBeatsA100k is a statistical gate over 100,000 ad
// sets against one control (300 conversions of 15,000 clicks): each has
// 1,000 to 50,000 clicks and a conversion rate within about two standard
// errors of the control's 2%. It reports the time of the whole gate; the
// rules' BenchmarkEvaluate100kEntities budget for 20 rules over 100,000
// entities is 50 ms.
func BenchmarkProbabilityBBeatsA100k(b *testing.B) {
	const n = 100_000
	type arm struct{ s, n int64 }
	arms := make([]arm, n)
	for i := range arms {
		trials := int64(1000 + (i*7919)%49001)
		sd := math.Sqrt(0.02 * 0.98 * float64(trials))
		s := int64(0.02*float64(trials) + sd*(float64((i*104729)%4001)/1000-2))
		arms[i] = arm{max(s, 0), trials}
	}
	for _, pr := range []struct {
		name  string
		prior BetaPrior
	}{{"uniform", BetaPrior{1, 1}}, {"empirical", BetaPrior{2.3, 180.7}}} {
		b.Run("prior="+pr.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, a := range arms {
					v, _ := pr.prior.ProbabilityBBeatsA(300, 15000, a.s, a.n)
					sinkFloat += v
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/gate")
			b.ReportMetric(0, "ns/op")
		})
	}
}

func BenchmarkCostPerResultInterval(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		lo, hi, _ := CostPerResultInterval(1_000_000, 1000, 0.95)
		sinkFloat += lo + hi
	}
}
