package metrics_test

import (
	"fmt"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

func ExampleCTR() {
	ctr, ok := metrics.CTR(25, 1000)
	fmt.Printf("%.1f%% %v\n", ctr*100, ok)

	_, ok = metrics.CTR(3, 0) // no impressions: undefined, not zero
	fmt.Println(ok)
	// Output:
	// 2.5% true
	// false
}

func ExampleSum() {
	days := []metrics.Counts{
		{Impressions: 1000, Reach: 800, Clicks: 10, Spend: 1500},
		{Impressions: 3000, Reach: 2000, Clicks: 90, Spend: 4500},
	}
	week := metrics.Sum(days)

	// A ratio of sums (100/4000), not the mean of the daily CTRs (1% and 3%).
	ctr, _ := metrics.CTR(week.Clicks, week.Impressions)
	fmt.Printf("CTR %.2f%%\n", ctr*100)

	// Summed reach is only an upper bound, so frequency is undefined...
	freq, _ := metrics.LookupMetric("frequency")
	_, ok := freq.Value(week)
	fmt.Println("frequency defined:", ok)

	// ...until the de-duplicated window reach is known.
	f, ok := freq.Value(week.WithWindowReach(2500))
	fmt.Println("frequency:", f, ok)
	// Output:
	// CTR 2.50%
	// frequency defined: false
	// frequency: 1.6 true
}

func ExampleLookupMetric() {
	c := metrics.Counts{Impressions: 20000, Spend: 50000, Conversions: 20, ConversionValue: 150000}
	for _, name := range []string{"cpm", "cpa", "roas", "profit_margin"} {
		m, _ := metrics.LookupMetric(name)
		v, ok := m.Value(c)
		fmt.Printf("%s = %g (%s, ok=%v)\n", m.Name, v, m.Unit, ok)
	}
	// Output:
	// cpm = 2500 (money, ok=true)
	// cpa = 2500 (money, ok=true)
	// roas = 3 (ratio, ok=true)
	// profit_margin = 0.6666666666666666 (fraction, ok=true)
}

func ExampleCurrency() {
	usd, _ := metrics.LookupCurrency("USD")
	jpy, _ := metrics.LookupCurrency("JPY")

	spend, _ := usd.ParseAmount("1234.56")
	fmt.Println(spend, usd.Format(spend), usd.Offset())

	budget, _ := jpy.ParseAmount("5000")
	fmt.Println(budget, jpy.Format(budget), jpy.Offset())
	// Output:
	// 123456 1234.56 100
	// 5000 5000 1
}

func ExampleWilsonInterval() {
	lo, hi, _ := metrics.WilsonInterval(10, 100, 0.95)
	fmt.Printf("CTR 10%%, 95%% interval [%.2f%%, %.2f%%]\n", lo*100, hi*100)
	// Output:
	// CTR 10%, 95% interval [5.52%, 17.44%]
}

func ExampleProbabilityBBeatsA() {
	// Ad A: 120 link clicks in 10,000 impressions; ad B: 150 in 10,000.
	p, _ := metrics.ProbabilityBBeatsA(120, 10000, 150, 10000)
	fmt.Printf("P(B beats A) = %.3f\n", p)

	z, _ := metrics.TwoProportionZTest(120, 10000, 150, 10000)
	fmt.Printf("z = %.2f, p = %.3f\n", z.Z, z.PValue)
	// Output:
	// P(B beats A) = 0.967
	// z = 1.84, p = 0.066
}

func ExampleCostPerResultInterval() {
	// $500.00 spent for 10 conversions: point CPA $50.00.
	lo, hi, _ := metrics.CostPerResultInterval(50000, 10, 0.95)
	usd, _ := metrics.LookupCurrency("USD")
	fmt.Printf("CPA between $%s and $%s\n", usd.Format(int64(lo)), usd.Format(int64(hi)))
	// Output:
	// CPA between $28.18 and $97.24
}

func ExampleBenjaminiHochberg() {
	// p-values of five hour-of-day cells against the day's mean. Sorted:
	// 0.001, 0.012, 0.03, 0.04, 0.20 against k·0.05/5 = 0.01 … 0.05: the
	// fourth (0.04 ≤ 0.04) is the largest under its threshold, so four are
	// rejected.
	p := []float64{0.001, 0.04, 0.03, 0.20, 0.012}
	fmt.Println(metrics.BenjaminiHochberg(p, 0.05))
	// Output:
	// [true true true false true]
}

func ExampleLinearTrend() {
	dailyLinkCTR := []float64{0.021, 0.020, 0.019, 0.019, 0.017, 0.016, 0.015}
	tr, _ := metrics.LinearTrend(dailyLinkCTR)
	fmt.Printf("slope %.4f per day, t = %.1f\n", tr.Slope, tr.TStat)
	// Output:
	// slope -0.0010 per day, t = -12.8
}

func ExampleParseRanking() {
	r, err := metrics.ParseRanking("BELOW_AVERAGE_20")
	score, ok := r.Score()
	fmt.Println(r, score, ok, err)

	_, err = metrics.ParseRanking("GREAT")
	fmt.Println(err)
	// Output:
	// BELOW_AVERAGE_20 2 true <nil>
	// metrics: unknown ranking: "GREAT" (want ABOVE_AVERAGE, AVERAGE, BELOW_AVERAGE_35, BELOW_AVERAGE_20, BELOW_AVERAGE_10 or UNKNOWN)
}

func ExampleCampaignStatistics() {
	ads := []metrics.EntityTotals{
		{ID: "ad1", Counts: metrics.Counts{Impressions: 10000, Clicks: 200, Spend: 10000, Conversions: 10, ConversionValue: 30000}},
		{ID: "ad2", Counts: metrics.Counts{Impressions: 20000, Clicks: 200, Spend: 30000, Conversions: 5, ConversionValue: 30000}},
	}
	st, err := metrics.CampaignStatistics(ads, metrics.StatsOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("total CPA %.0f, median CPA %.0f, spend-weighted CPA %.0f\n",
		st.Total.CPA.Value, st.CPA.Median, st.CPA.SpendWeighted)
	// Output:
	// total CPA 2667, median CPA 3500, spend-weighted CPA 4750
}

func ExampleDailyPacing() {
	est := time.FixedZone("EST", -5*3600)
	now := time.Date(2026, 3, 11, 18, 0, 0, 0, est) // three quarters of the day
	// $45.00 spent today on a $40.00 daily budget: $30.00 was expected.
	r, ok := metrics.DailyPacing(4500, 4000, now)
	fmt.Printf("daily pacing %.2f %v\n", r, ok)

	start := time.Date(2026, 3, 1, 0, 0, 0, 0, est)
	end := start.AddDate(0, 0, 20)
	// $300.00 of a $1000.00 lifetime budget after 8 of 20 days.
	r, ok = metrics.LifetimePacing(30000, 100000, start, end, start.AddDate(0, 0, 8))
	fmt.Printf("lifetime pacing %.2f %v\n", r, ok)

	_, ok = metrics.DailyPacing(4500, 0, now)
	fmt.Println("without a budget:", ok)
	// Output:
	// daily pacing 1.50 true
	// lifetime pacing 0.75 true
	// without a budget: false
}

func ExampleDayBounds() {
	scl, err := time.LoadLocation("America/Santiago")
	if err != nil {
		fmt.Println(err)
		return
	}
	// On 8 September 2024 Chile's clocks jumped from 00:00 to 01:00.
	now := time.Date(2024, 9, 8, 12, 0, 0, 0, scl)
	start, end := metrics.DayBounds(now)
	fmt.Println(start.Format("2006-01-02 15:04 -07"), "to", end.Format("2006-01-02 15:04 -07"), end.Sub(start))
	fmt.Printf("share of the day at noon: %.4f (11 of 23 hours)\n", metrics.DayElapsed(now))
	// Output:
	// 2024-09-08 01:00 -03 to 2024-09-09 00:00 -03 23h0m0s
	// share of the day at noon: 0.4783 (11 of 23 hours)
}
