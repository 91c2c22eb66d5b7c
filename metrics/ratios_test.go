package metrics

import (
	"math"
	"testing"
)

// approx reports whether got is within a relative (or, near zero, absolute)
// tolerance tol of want.
func approx(got, want, tol float64) bool {
	if got == want {
		return true
	}
	d := math.Abs(got - want)
	return d <= tol*math.Max(1, math.Abs(want))
}

func TestRatioFunctions(t *testing.T) {
	type fn func(a, b int64) (float64, bool)
	// Expectations computed by hand from the formulas in optimization.md §2.1.
	tests := []struct {
		name   string
		f      fn
		a, b   int64
		want   float64
		wantOK bool
	}{
		{"CTR", CTR, 25, 1000, 0.025, true},
		{"CTR zero impressions", CTR, 5, 0, 0, false},
		{"CTR negative impressions", CTR, 5, -1, 0, false},
		{"LinkCTR", LinkCTR, 12, 1000, 0.012, true},
		{"LinkCTR zero", LinkCTR, 0, 0, 0, false},
		{"UniqueCTR", UniqueCTR, 9, 600, 0.015, true},
		{"UniqueCTR zero reach", UniqueCTR, 9, 0, 0, false},
		{"CPC", CPC, 1500, 30, 50, true},
		{"CPC zero clicks", CPC, 1500, 0, 0, false},
		{"CostPerLinkClick", CostPerLinkClick, 1000, 8, 125, true},
		{"CostPerLinkClick zero", CostPerLinkClick, 1000, 0, 0, false},
		{"CPM", CPM, 2500, 1000, 2500, true},            // $25 per 1000 impressions
		{"CPM fractional", CPM, 1, 3, 1000.0 / 3, true}, // 1000/3 minor units
		{"CPM zero", CPM, 2500, 0, 0, false},
		{"CPP", CPP, 3000, 600, 5000, true},
		{"CPP zero reach", CPP, 3000, 0, 0, false},
		{"CPA", CPA, 10000, 4, 2500, true},
		{"CPA zero actions", CPA, 10000, 0, 0, false},
		{"ConversionRate", ConversionRate, 3, 120, 0.025, true},
		{"ConversionRate zero", ConversionRate, 3, 0, 0, false},
		{"ROAS", ROAS, 25000, 10000, 2.5, true},
		{"ROAS zero spend", ROAS, 25000, 0, 0, false},
		{"ROAS zero value", ROAS, 0, 10000, 0, true},
		{"Frequency", Frequency, 1800, 600, 3, true},
		{"Frequency zero reach", Frequency, 1800, 0, 0, false},
		{"ReachEfficiency", ReachEfficiency, 600, 1800, 1.0 / 3, true},
		{"ReachEfficiency zero", ReachEfficiency, 600, 0, 0, false},
		{"EngagementRate", EngagementRate, 45, 1500, 0.03, true},
		{"EngagementRate zero", EngagementRate, 45, 0, 0, false},
		{"CostPerEngagement", CostPerEngagement, 900, 45, 20, true},
		{"ValuePerConversion", ValuePerConversion, 30000, 4, 7500, true},
		{"ValuePerConversion zero", ValuePerConversion, 30000, 0, 0, false},
		{"ROI", ROI, 30000, 10000, 2, true},
		{"ROI zero spend", ROI, 30000, 0, 0, false},
		{"ProfitMargin", ProfitMargin, 40000, 10000, 0.75, true},
		{"ProfitMargin loss", ProfitMargin, 10000, 15000, -0.5, true},
		{"ProfitMargin zero revenue", ProfitMargin, 0, 100, 0, false},
		{"HookRate", HookRate, 250, 1000, 0.25, true},
		{"VideoViewRate", VideoViewRate, 180, 1000, 0.18, true},
		{"CostPerView", CostPerView, 900, 300, 3, true},
		{"CostPerView zero", CostPerView, 900, 0, 0, false},
		{"ThruPlayRate", ThruPlayRate, 50, 1000, 0.05, true},
		{"CostPerThruPlay", CostPerThruPlay, 1000, 50, 20, true},
		{"CostPerThruPlay zero", CostPerThruPlay, 1000, 0, 0, false},
		{"HoldRate", HoldRate, 45, 250, 0.18, true},
		{"HoldRate zero", HoldRate, 45, 0, 0, false},
		{"CompletionRate", CompletionRate, 30, 400, 0.075, true},
		{"CompletionRate zero", CompletionRate, 30, 0, 0, false},
		{"AverageWatchTime", AverageWatchTime, 90000, 20, 4500, true},
		{"huge values stay finite", CPM, math.MaxInt64, 1, float64(math.MaxInt64) * 1000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.f(tt.a, tt.b)
			if ok != tt.wantOK || !approx(got, tt.want, 1e-15) {
				t.Fatalf("(%d, %d) = %v, %v; want %v, %v", tt.a, tt.b, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestProfitAndMargins(t *testing.T) {
	if got := Profit(40000, 10000); got != 30000 {
		t.Errorf("Profit(40000, 10000) = %d, want 30000", got)
	}
	if got := Profit(math.MaxInt64, -5); got != math.MaxInt64 {
		t.Errorf("Profit saturates: got %d", got)
	}
	if got := Profit(1, math.MinInt64); got != math.MaxInt64 {
		t.Errorf("Profit(1, MinInt64) = %d, want MaxInt64", got)
	}
	if got := Profit(-5, math.MinInt64); got != math.MaxInt64-4 {
		t.Errorf("Profit(-5, MinInt64) = %d, want MaxInt64-4", got)
	}
	// 40000 × 0.4 − 10000 = 6000; margin 6000 / 40000 = 0.15.
	if p, ok := GrossProfit(40000, 10000, 0.4); !ok || !approx(p, 6000, 1e-15) {
		t.Errorf("GrossProfit = %v, %v; want 6000, true", p, ok)
	}
	if m, ok := GrossProfitMargin(40000, 10000, 0.4); !ok || !approx(m, 0.15, 1e-15) {
		t.Errorf("GrossProfitMargin = %v, %v; want 0.15, true", m, ok)
	}
	for _, gm := range []float64{-0.1, 1.1, math.NaN(), math.Inf(1)} {
		if _, ok := GrossProfit(1, 1, gm); ok {
			t.Errorf("GrossProfit with margin %v: ok", gm)
		}
		if _, ok := GrossProfitMargin(1, 1, gm); ok {
			t.Errorf("GrossProfitMargin with margin %v: ok", gm)
		}
	}
	if _, ok := GrossProfitMargin(0, 1, 0.5); ok {
		t.Error("GrossProfitMargin with zero revenue: ok")
	}
	// optimization.md §2.1: 50% margin → break-even ROAS 2.0; 25% → 4.0.
	if r, ok := BreakEvenROAS(0.5); !ok || r != 2 {
		t.Errorf("BreakEvenROAS(0.5) = %v, %v", r, ok)
	}
	if r, ok := BreakEvenROAS(0.25); !ok || r != 4 {
		t.Errorf("BreakEvenROAS(0.25) = %v, %v", r, ok)
	}
	if _, ok := BreakEvenROAS(0); ok {
		t.Error("BreakEvenROAS(0): ok")
	}
}

func TestEngagementRateBase(t *testing.T) {
	c := Counts{Impressions: 2000, Reach: 500, PostEngagements: 50}
	if r, ok := c.EngagementRate(PerImpression); !ok || r != 0.025 {
		t.Errorf("PerImpression = %v, %v; want 0.025", r, ok)
	}
	if r, ok := c.EngagementRate(PerReach); !ok || r != 0.1 {
		t.Errorf("PerReach = %v, %v; want 0.1", r, ok)
	}
	c.ReachSummed = true
	if _, ok := c.EngagementRate(PerReach); ok {
		t.Error("PerReach on summed reach: ok")
	}
	if _, ok := c.EngagementRate(EngagementBase(9)); ok {
		t.Error("unknown base: ok")
	}
	if PerImpression.String() != "impressions" || PerReach.String() != "reach" || EngagementBase(9).String() == "" {
		t.Error("EngagementBase.String")
	}
}
