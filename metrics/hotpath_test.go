package metrics

import (
	"math"
	"testing"
)

// countField.of must read the field it names: the i-th field of Counts in
// declaration order is countField(i+1).
func TestCountFieldOrder(t *testing.T) {
	c := fullCounts(10)
	for i, want := range c.fieldValues() {
		if got := countField(i + 1).of(&c); got != want {
			t.Errorf("countField(%d) reads %d, want %s = %d", i+1, got, countFieldNames[i], want)
		}
	}
	if got := countField(0).of(&c); got != 0 {
		t.Errorf("countField(0) reads %d, want 0", got)
	}
}

// ValueOf and IntervalOf give what Value and Interval give, on every metric.
func TestValueOfMatchesValue(t *testing.T) {
	summed := fullCounts(7)
	summed.ReachSummed = true
	cases := []Counts{fullCounts(1), fullCounts(500), {}, summed, {Spend: 1200, Impressions: 3000}}
	for _, m := range AllMetrics() {
		for ci := range cases {
			c := cases[ci]
			v, ok := m.Value(c)
			pv, pok := m.ValueOf(&c)
			if v != pv || ok != pok {
				t.Errorf("%s on case %d: ValueOf = %v, %v; Value = %v, %v", m.Name, ci, pv, pok, v, ok)
			}
			lo, hi, iok := m.Interval(c, 0.9)
			plo, phi, piok := m.IntervalOf(&c, 0.9)
			if lo != plo || hi != phi || iok != piok {
				t.Errorf("%s on case %d: IntervalOf = %v, %v, %v; Interval = %v, %v, %v", m.Name, ci, plo, phi, piok, lo, hi, iok)
			}
		}
		if _, ok := m.ValueOf(nil); ok {
			t.Errorf("%s: ValueOf(nil) is defined", m.Name)
		}
		if _, _, ok := m.IntervalOf(nil, 0.9); ok {
			t.Errorf("%s: IntervalOf(nil) is defined", m.Name)
		}
	}
	if _, ok := (Metric{}).ValueOf(&cases[0]); ok {
		t.Error("the zero Metric is defined")
	}
}

// ValueOf must not allocate nor make its argument escape.
func TestValueOfAllocations(t *testing.T) {
	c := fullCounts(3)
	all := AllMetrics()
	n := testing.AllocsPerRun(20, func() {
		for i := range all {
			v, _ := all[i].ValueOf(&c)
			sinkFloat += v
		}
	})
	if n != 0 {
		t.Fatalf("ValueOf allocates %v times per run", n)
	}
}

// AppendFormat appends exactly what Format returns, without allocating.
func TestCurrencyAppendFormat(t *testing.T) {
	for _, code := range []string{"USD", "JPY", "BHD", "EUR"} {
		c, err := LookupCurrency(code)
		if err != nil {
			continue // not every code is an ad account currency
		}
		for _, v := range []int64{0, 5, -5, 99, 100, 12345, -12345, 1000001, math.MaxInt64, math.MinInt64} {
			got := string(c.AppendFormat([]byte("x"), v))
			if want := "x" + c.Format(v); got != want {
				t.Errorf("%s %d: AppendFormat %q, Format %q", code, v, got, want)
			}
		}
	}
	usd, _ := LookupCurrency("USD")
	if got := usd.Format(-5); got != "-0.05" {
		t.Errorf("USD -5 = %q, want -0.05", got)
	}
	if got := usd.Format(123456); got != "1234.56" {
		t.Errorf("USD 123456 = %q, want 1234.56", got)
	}
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(20, func() { buf = usd.AppendFormat(buf[:0], -987654321) }); n != 0 {
		t.Errorf("AppendFormat allocates %v times", n)
	}
}

// The quantiles computed once give, for every spend, exactly the interval
// CostPerResultInterval computes.
func TestCostPerResultQuantilesMatchInterval(t *testing.T) {
	for _, results := range []int64{0, 1, 3, 12, 40, 1000, 250000} {
		for _, conf := range []float64{0.5, 0.8, 0.9, 0.95, 0.999} {
			q, ok := NewCostPerResultQuantiles(results, conf)
			if !ok || !(q.Lo > 0) || !(q.Hi > q.Lo) {
				t.Fatalf("NewCostPerResultQuantiles(%d, %g) = %+v, %v", results, conf, q, ok)
			}
			for _, spend := range []int64{1, 999, 45000, 123456789, math.MaxInt64} {
				lo, hi, ok := CostPerResultInterval(spend, results, conf)
				qlo, qhi, qok := q.Interval(spend)
				if lo != qlo || hi != qhi || ok != qok {
					t.Errorf("spend %d, results %d, conf %g: quantiles give %v, %v, %v; CostPerResultInterval %v, %v, %v", spend, results, conf, qlo, qhi, qok, lo, hi, ok)
				}
			}
		}
	}
	// Hand check: with 10 results at 95%, the quantiles of Gamma(10.5, 1)
	// bracket 10.5 and the interval brackets the point CPA 50000/10.
	q, _ := NewCostPerResultQuantiles(10, 0.95)
	if !(q.Lo < 10.5 && q.Hi > 10.5) {
		t.Errorf("quantiles %+v do not bracket the mean 10.5", q)
	}
	if lo, hi, _ := q.Interval(50000); !(lo < 5000 && hi > 5000) {
		t.Errorf("interval %v to %v does not bracket 5000", lo, hi)
	}
}

func TestCostPerResultQuantilesInvalid(t *testing.T) {
	for _, tt := range []struct {
		results int64
		conf    float64
	}{{-1, 0.9}, {5, 0}, {5, 1}, {5, -0.5}, {5, math.NaN()}, {5, 1 - 1e-18}} {
		if q, ok := NewCostPerResultQuantiles(tt.results, tt.conf); ok {
			t.Errorf("NewCostPerResultQuantiles(%d, %g) = %+v, want ok == false", tt.results, tt.conf, q)
		}
	}
	q, _ := NewCostPerResultQuantiles(5, 0.9)
	for _, spend := range []int64{0, -10} {
		if _, _, ok := q.Interval(spend); ok {
			t.Errorf("Interval(%d) is defined", spend)
		}
	}
	for _, bad := range []CostPerResultQuantiles{{}, {Lo: 0, Hi: 3}, {Lo: 2, Hi: 1}, {Lo: 1, Hi: math.Inf(1)}, {Lo: math.NaN(), Hi: 2}} {
		if _, _, ok := bad.Interval(100); ok {
			t.Errorf("%+v.Interval is defined", bad)
		}
	}
	if _, _, ok := (CostPerResultQuantiles{Lo: 1e-300, Hi: 1}).Interval(math.MaxInt64); ok {
		t.Error("an overflowing interval is defined")
	}
}

func TestPartsOf(t *testing.T) {
	c := fullCounts(4)
	for _, m := range AllMetrics() {
		n, d, ok := m.Parts(c)
		pn, pd, pok := m.PartsOf(&c)
		if n != pn || d != pd || ok != pok {
			t.Errorf("%s: PartsOf = %d, %d, %v; Parts = %d, %d, %v", m.Name, pn, pd, pok, n, d, ok)
		}
	}
	cpa, _ := LookupMetric("cpa")
	if n, d, ok := cpa.PartsOf(&Counts{Spend: 900, Conversions: 3}); n != 900 || d != 3 || !ok {
		t.Errorf("cpa parts = %d, %d, %v; want 900, 3, true", n, d, ok)
	}
	if _, _, ok := cpa.PartsOf(nil); ok {
		t.Error("PartsOf(nil) is defined")
	}
}
