package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
)

func TestRegistryNamesAndUnits(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, m := range AllMetrics() {
		if !snake.MatchString(m.Name) {
			t.Errorf("%q is not snake_case", m.Name)
		}
		if seen[m.Name] {
			t.Errorf("duplicate metric %q", m.Name)
		}
		seen[m.Name] = true
		if !m.Unit.Valid() || m.Unit == UnitHours || m.Unit == UnitDays {
			t.Errorf("%s: invalid unit %v", m.Name, m.Unit)
		}
		if m.Description == "" {
			t.Errorf("%s: no description", m.Name)
		}
	}
	// Names other packages rely on (contracts.md).
	for _, name := range []string{
		"impressions", "reach", "clicks", "link_clicks", "spend", "conversions", "conversion_value",
		"purchases", "purchase_value", "leads", "ctr", "link_ctr", "unique_ctr", "cpc",
		"cost_per_link_click", "cpm", "cpp", "cpa", "conversion_rate", "roas", "frequency",
		"reach_efficiency", "engagement_rate", "profit", "profit_margin", "value_per_conversion",
		"view_rate", "cost_per_view", "thruplay_rate", "cost_per_thruplay", "hook_rate",
		"hold_rate", "completion_rate",
	} {
		if !seen[name] {
			t.Errorf("metric %q missing", name)
		}
	}
}

func TestMetricUnits(t *testing.T) {
	want := map[string]Unit{
		"spend": UnitMoney, "cpa": UnitMoney, "cpm": UnitMoney, "ctr": UnitFraction,
		"roas": UnitRatio, "frequency": UnitRatio, "impressions": UnitCount,
		"average_watch_time": UnitMilliseconds, "profit_margin": UnitFraction,
	}
	for name, u := range want {
		m, ok := LookupMetric(name)
		if !ok || m.Unit != u {
			t.Errorf("%s: unit %v (found %v), want %v", name, m.Unit, ok, u)
		}
	}
}

func TestUnit(t *testing.T) {
	want := []string{"count", "money", "fraction", "ratio", "milliseconds", "hours", "days"}
	units := Units()
	if len(units) != len(want) {
		t.Fatalf("Units() = %v, want %v", units, want)
	}
	for i, u := range units {
		if u.String() != want[i] || !u.Valid() {
			t.Errorf("Units()[%d] = %q (valid %v), want %q", i, u, u.Valid(), want[i])
		}
		p, err := ParseUnit(want[i])
		if err != nil || p != u {
			t.Errorf("ParseUnit(%q) = %q, %v", want[i], p, err)
		}
		b, err := json.Marshal(struct{ U Unit }{u})
		if err != nil || string(b) != `{"U":"`+want[i]+`"}` {
			t.Errorf("JSON of %q = %s, %v", u, b, err)
		}
	}
	for _, bad := range []string{"", "ms", "duration", "Money", "percent"} {
		if Unit(bad).Valid() {
			t.Errorf("Unit(%q).Valid() = true", bad)
		}
		if _, err := ParseUnit(bad); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("unknown unit %q", bad)) {
			t.Errorf("ParseUnit(%q) error = %v, want one naming the input", bad, err)
		}
	}
}

func TestMetricValues(t *testing.T) {
	c := Counts{
		Impressions: 10000, Reach: 4000, Clicks: 300, LinkClicks: 200, UniqueClicks: 150,
		Spend: 50000, PostEngagements: 400, VideoPlays: 2000, VideoViews3s: 2500,
		VideoP100: 300, ThruPlays: 500, VideoWatchTimeMillis: 9_000_000,
		Conversions: 10, ConversionValue: 150000, Purchases: 8, PurchaseValue: 120000, Leads: 4,
		LandingPageViews: 160,
	}
	// Hand-computed from the counts above.
	want := map[string]float64{
		"impressions": 10000, "reach": 4000, "spend": 50000,
		"ctr": 0.03, "link_ctr": 0.02, "unique_ctr": 0.0375, "cpc": 50000.0 / 300,
		"cost_per_link_click": 250, "cpm": 5000, "cpp": 12500, "cpa": 5000,
		"cost_per_purchase": 6250, "cost_per_lead": 12500, "cost_per_landing_page_view": 312.5,
		"conversion_rate": 0.05, "roas": 3, "purchase_roas": 2.4, "frequency": 2.5,
		"reach_efficiency": 0.4, "engagement_rate": 0.04, "engagement_rate_reach": 0.1,
		"cost_per_engagement": 125, "profit": 100000, "profit_margin": 2.0 / 3, "roi": 2,
		"value_per_conversion": 15000, "view_rate": 0.25, "hook_rate": 0.25, "cost_per_view": 20,
		"thruplay_rate": 0.05, "cost_per_thruplay": 100, "hold_rate": 0.2,
		"completion_rate": 0.15, "average_watch_time": 4500,
	}
	for name, w := range want {
		m, ok := LookupMetric(name)
		if !ok {
			t.Errorf("%s: not registered", name)
			continue
		}
		got, ok := m.Value(c)
		if !ok || !approx(got, w, 1e-15) {
			t.Errorf("%s = %v, %v; want %v", name, got, ok, w)
		}
	}
	// Every derived metric is undefined on empty counts, never NaN.
	for _, m := range AllMetrics() {
		v, ok := m.Value(Counts{})
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("%s on zero counts = %v", m.Name, v)
		}
		if ok && m.Unit != UnitCount && m.Unit != UnitMoney && m.Unit != UnitMilliseconds {
			t.Errorf("%s on zero counts: ok", m.Name)
		}
	}
}

func TestLookupMetric(t *testing.T) {
	if m, ok := LookupMetric("  CPA "); !ok || m.Name != "cpa" || m.String() != "cpa" {
		t.Errorf("LookupMetric(\" CPA \") = %v, %v", m, ok)
	}
	if _, ok := LookupMetric("no_such_metric"); ok {
		t.Error("unknown metric found")
	}
	if _, ok := (Metric{}).Value(Counts{Impressions: 1}); ok {
		t.Error("zero Metric: ok")
	}
	// AllMetrics returns a copy.
	all := AllMetrics()
	all[0].Name = "changed"
	if AllMetrics()[0].Name == "changed" {
		t.Error("AllMetrics exposes the table")
	}
	if m, _ := LookupMetric("cpa"); m.Better != LowerIsBetter {
		t.Error("cpa should be LowerIsBetter")
	}
}

func TestMetricPartsAndIntervals(t *testing.T) {
	c := Counts{Impressions: 10000, Reach: 4000, Clicks: 300, LinkClicks: 200, Spend: 50000, Conversions: 10, ConversionValue: 150000}
	ctr, _ := LookupMetric("ctr")
	if n, d, ok := ctr.Parts(c); !ok || n != 300 || d != 10000 || ctr.Kind != Proportion {
		t.Errorf("ctr parts = %d/%d, %v, kind %v", n, d, ok, ctr.Kind)
	}
	lo, hi, ok := ctr.Interval(c, 0.95)
	wlo, whi, _ := WilsonInterval(300, 10000, 0.95)
	if !ok || lo != wlo || hi != whi {
		t.Errorf("ctr interval = [%v, %v], %v", lo, hi, ok)
	}
	cpa, _ := LookupMetric("cpa")
	lo, hi, ok = cpa.Interval(c, 0.9)
	clo, chi, _ := CostPerResultInterval(50000, 10, 0.9)
	if !ok || lo != clo || hi != chi || cpa.Kind != CostPer {
		t.Errorf("cpa interval = [%v, %v], %v", lo, hi, ok)
	}
	for _, name := range []string{"roas", "profit", "impressions"} {
		m, _ := LookupMetric(name)
		if _, _, ok := m.Interval(c, 0.95); ok {
			t.Errorf("%s has an interval", name)
		}
	}
	if _, _, ok := (Metric{}).Parts(c); ok {
		t.Error("zero Metric has parts")
	}
	freq, _ := LookupMetric("frequency")
	c.ReachSummed = true
	if _, _, ok := freq.Parts(c); ok {
		t.Error("frequency parts on summed reach")
	}
	if Proportion.String() != "proportion" || RatioKind(9).String() != "RatioKind(9)" {
		t.Error("RatioKind.String")
	}
}

// The registry and the free functions agree, and every ratio metric's
// value is scale·num/den of its parts.
func TestRegistryMatchesFunctions(t *testing.T) {
	c := fullCounts(7)
	c.ReachSummed = false
	fns := map[string]func(Counts) (float64, bool){
		"ctr":                 func(c Counts) (float64, bool) { return CTR(c.Clicks, c.Impressions) },
		"link_ctr":            func(c Counts) (float64, bool) { return LinkCTR(c.LinkClicks, c.Impressions) },
		"unique_ctr":          func(c Counts) (float64, bool) { return UniqueCTR(c.UniqueClicks, c.Reach) },
		"cpc":                 func(c Counts) (float64, bool) { return CPC(c.Spend, c.Clicks) },
		"cost_per_link_click": func(c Counts) (float64, bool) { return CostPerLinkClick(c.Spend, c.LinkClicks) },
		"cpm":                 func(c Counts) (float64, bool) { return CPM(c.Spend, c.Impressions) },
		"cpp":                 func(c Counts) (float64, bool) { return CPP(c.Spend, c.Reach) },
		"cpa":                 func(c Counts) (float64, bool) { return CPA(c.Spend, c.Conversions) },
		"conversion_rate":     func(c Counts) (float64, bool) { return ConversionRate(c.Conversions, c.LinkClicks) },
		"roas":                func(c Counts) (float64, bool) { return ROAS(c.ConversionValue, c.Spend) },
		"frequency":           func(c Counts) (float64, bool) { return Frequency(c.Impressions, c.Reach) },
		"reach_efficiency":    func(c Counts) (float64, bool) { return ReachEfficiency(c.Reach, c.Impressions) },
		"engagement_rate":     func(c Counts) (float64, bool) { return c.EngagementRate(PerImpression) },
		"value_per_conversion": func(c Counts) (float64, bool) {
			return ValuePerConversion(c.ConversionValue, c.Conversions)
		},
		"view_rate":          func(c Counts) (float64, bool) { return VideoViewRate(c.VideoViews3s, c.Impressions) },
		"hook_rate":          func(c Counts) (float64, bool) { return HookRate(c.VideoViews3s, c.Impressions) },
		"cost_per_view":      func(c Counts) (float64, bool) { return CostPerView(c.Spend, c.VideoViews3s) },
		"thruplay_rate":      func(c Counts) (float64, bool) { return ThruPlayRate(c.ThruPlays, c.Impressions) },
		"cost_per_thruplay":  func(c Counts) (float64, bool) { return CostPerThruPlay(c.Spend, c.ThruPlays) },
		"hold_rate":          func(c Counts) (float64, bool) { return HoldRate(c.ThruPlays, c.VideoViews3s) },
		"completion_rate":    func(c Counts) (float64, bool) { return CompletionRate(c.VideoP100, c.VideoPlays) },
		"average_watch_time": func(c Counts) (float64, bool) { return AverageWatchTime(c.VideoWatchTimeMillis, c.VideoPlays) },
	}
	for name, f := range fns {
		m, _ := LookupMetric(name)
		got, gok := m.Value(c)
		want, wok := f(c)
		if got != want || gok != wok {
			t.Errorf("%s: registry %v, %v; function %v, %v", name, got, gok, want, wok)
		}
	}
	for _, m := range AllMetrics() {
		if m.Kind == NotRatio {
			continue
		}
		n, d, ok := m.Parts(c)
		v, _ := m.Value(c)
		scale := 1.0
		if m.Name == "cpm" || m.Name == "cpp" {
			scale = 1000
		}
		if !ok || v != float64(n)*scale/float64(d) {
			t.Errorf("%s: value %v, parts %d/%d", m.Name, v, n, d)
		}
	}
}

// Deriving metrics must not allocate (the benchmarks rely on it).
func TestMetricValueAllocations(t *testing.T) {
	c := fullCounts(3)
	all := AllMetrics()
	n := testing.AllocsPerRun(20, func() {
		for i := range all {
			v, _ := all[i].Value(c)
			_, _, _ = all[i].Parts(c)
			sinkFloat += v
		}
		d := Derive(c, 0.4)
		sinkFloat += d.CPA.Value
	})
	if n != 0 {
		t.Fatalf("Value/Parts/Derive allocate %v times per run", n)
	}
}
