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
