package metrics

import (
	"math"
	"regexp"
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
		if m.Unit < UnitCount || m.Unit > UnitDuration {
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
		"average_watch_time": UnitDuration, "profit_margin": UnitFraction,
	}
	for name, u := range want {
		m, ok := LookupMetric(name)
		if !ok || m.Unit != u {
			t.Errorf("%s: unit %v (found %v), want %v", name, m.Unit, ok, u)
		}
	}
	if UnitMoney.String() != "money" || Unit(0).String() != "Unit(0)" {
		t.Error("Unit.String")
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
		if ok && m.Unit != UnitCount && m.Unit != UnitMoney && m.Unit != UnitDuration {
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
