package metrics

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// fullCounts returns a Counts whose every int64 field is base+i, so that a
// field forgotten by Add or Sum shows up.
func fullCounts(base int64) Counts {
	var c Counts
	for i, p := range c.fieldPointers() {
		*p = base + int64(i)
	}
	return c
}

func TestAddEveryField(t *testing.T) {
	a, b := fullCounts(100), fullCounts(1000)
	a.Add(b)
	got := a.fieldValues()
	for i, v := range got {
		want := int64(1100 + 2*i)
		if v != want {
			t.Errorf("field %s = %d, want %d", countFieldNames[i], v, want)
		}
	}
	if !a.ReachSummed {
		t.Error("sum of two rows with reach not marked ReachSummed")
	}
}

func TestFieldTablesMatchStruct(t *testing.T) {
	// fieldPointers and countFieldNames must cover every int64 field.
	c := fullCounts(1)
	vals := c.fieldValues()
	seen := map[int64]bool{}
	for _, v := range vals {
		if seen[v] {
			t.Fatalf("duplicate field value %d: a field appears twice", v)
		}
		seen[v] = true
	}
	if c.Impressions != 1 || c.ConversionValue != numCountFields {
		t.Fatalf("field order: Impressions=%d ConversionValue=%d", c.Impressions, c.ConversionValue)
	}
}

func TestReachSummed(t *testing.T) {
	tests := []struct {
		name string
		rows []Counts
		want bool
	}{
		{"no rows", nil, false},
		{"one row", []Counts{{Reach: 10}}, false},
		{"row plus row without reach", []Counts{{Reach: 10}, {Impressions: 5}}, false},
		{"two rows with reach", []Counts{{Reach: 10}, {Reach: 3}}, true},
		{"summed input stays summed", []Counts{{Reach: 10, ReachSummed: true}}, true},
	}
	for _, tt := range tests {
		if got := Sum(tt.rows).ReachSummed; got != tt.want {
			t.Errorf("%s: ReachSummed = %v, want %v", tt.name, got, tt.want)
		}
	}
	s := Sum([]Counts{{Impressions: 10, Reach: 8}, {Impressions: 20, Reach: 9}})
	if s.Reach != 17 || !s.ReachSummed {
		t.Fatalf("Sum reach = %d summed=%v", s.Reach, s.ReachSummed)
	}
	w := s.WithWindowReach(12)
	if w.Reach != 12 || w.ReachSummed || w.Impressions != 30 {
		t.Fatalf("WithWindowReach = %+v", w)
	}
	if s.Reach != 17 {
		t.Fatal("WithWindowReach modified its receiver")
	}
	m, _ := LookupMetric("frequency")
	if _, ok := m.Value(s); ok {
		t.Error("frequency on summed reach: ok")
	}
	if f, ok := m.Value(w); !ok || f != 2.5 {
		t.Errorf("frequency on window reach = %v, %v; want 2.5", f, ok)
	}
}

func TestAddSaturates(t *testing.T) {
	c := Counts{Impressions: math.MaxInt64 - 1, Spend: 5, Leads: math.MinInt64 + 1}
	c.Add(Counts{Impressions: 10, Spend: 7, Leads: -10})
	if c.Impressions != math.MaxInt64 {
		t.Errorf("Impressions = %d, want saturated MaxInt64", c.Impressions)
	}
	if c.Leads != math.MinInt64 {
		t.Errorf("Leads = %d, want saturated MinInt64", c.Leads)
	}
	if c.Spend != 12 {
		t.Errorf("Spend = %d, want 12 (non-overflowing fields still add)", c.Spend)
	}
	// Saturation is sticky: more input does not wrap.
	c.Add(Counts{Impressions: math.MaxInt64})
	if c.Impressions != math.MaxInt64 {
		t.Errorf("Impressions = %d after second add", c.Impressions)
	}
	err := c.Validate()
	if !errors.Is(err, ErrOverflow) || !strings.Contains(err.Error(), "Impressions") {
		t.Errorf("Validate = %v, want ErrOverflow naming Impressions", err)
	}
}

func TestValidate(t *testing.T) {
	if err := fullCounts(0).Validate(); err != nil {
		t.Fatalf("valid counts: %v", err)
	}
	err := Counts{Clicks: 3, Spend: -1}.Validate()
	if !errors.Is(err, ErrNegative) || !strings.Contains(err.Error(), "Spend") {
		t.Fatalf("Validate = %v, want ErrNegative naming Spend", err)
	}
}

func TestSumAllocations(t *testing.T) {
	rows := make([]Counts, 100)
	for i := range rows {
		rows[i] = fullCounts(int64(i))
	}
	if n := testing.AllocsPerRun(10, func() { _ = Sum(rows) }); n != 0 {
		t.Fatalf("Sum allocates %v times", n)
	}
}
