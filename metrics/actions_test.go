package metrics

import (
	"math"
	"testing"
)

func TestActions(t *testing.T) {
	var a Actions
	a.Add("purchase", 2, 5000)
	a.Add("add_to_cart", 10, 0)
	a.Add("purchase", 1, 2500)
	a.Add("  ", 99, 99) // blank types are ignored
	if a.Len() != 2 {
		t.Fatalf("Len = %d", a.Len())
	}
	if s, ok := a.Get("purchase"); !ok || s.Count != 3 || s.Value != 7500 {
		t.Errorf("purchase = %+v, %v", s, ok)
	}
	if _, ok := a.Get("lead"); ok || a.Count("lead") != 0 || a.Value("lead") != 0 {
		t.Error("absent type reported")
	}
	// Cost per action type: 9000 / 3 = 3000; ROAS 7500 / 9000.
	if v, ok := a.CostPer("purchase", 9000); !ok || v != 3000 {
		t.Errorf("CostPer = %v, %v", v, ok)
	}
	if _, ok := a.CostPer("lead", 9000); ok {
		t.Error("CostPer of absent type: ok")
	}
	if v, ok := a.ROAS("purchase", 9000); !ok || !approx(v, 7500.0/9000, 1e-15) {
		t.Errorf("ROAS = %v, %v", v, ok)
	}
	var order []string
	for typ := range a.All() {
		order = append(order, typ)
	}
	if len(order) != 2 || order[0] != "add_to_cart" || order[1] != "purchase" {
		t.Errorf("All order = %v", order)
	}
	for range a.All() {
		break // early stop must not panic
	}

	c := a.Clone()
	c.Add("purchase", 1, 1)
	if a.Count("purchase") != 3 {
		t.Error("Clone shares storage")
	}
	if e := (&Actions{}).Clone(); e.Len() != 0 {
		t.Error("Clone of empty")
	}

	// Merge with the same types (fast path) and with new types.
	var total Actions
	total.Merge(&a)
	total.Merge(&a)
	if total.Count("purchase") != 6 || total.Count("add_to_cart") != 20 {
		t.Errorf("merge = %v, %v", total.Count("purchase"), total.Count("add_to_cart"))
	}
	var other Actions
	other.Add("lead", 4, 0)
	total.Merge(&other)
	if total.Len() != 3 || total.Count("lead") != 4 {
		t.Errorf("merge with new type: len %d", total.Len())
	}
	total.Reset()
	if total.Len() != 0 {
		t.Error("Reset")
	}

	// Saturation.
	var s Actions
	s.Add("x", math.MaxInt64, 0)
	s.Add("x", 5, 0)
	if s.Count("x") != math.MaxInt64 {
		t.Errorf("saturation: %d", s.Count("x"))
	}
}

func TestActionsMergeAllocs(t *testing.T) {
	var row Actions
	for _, typ := range []string{"a", "b", "c", "d"} {
		row.Add(typ, 1, 1)
	}
	total := row.Clone()
	if n := testing.AllocsPerRun(100, func() { total.Merge(&row) }); n != 0 {
		t.Fatalf("Merge allocates %v times", n)
	}
}

// A nil *Actions holds nothing and never panics.
func TestNilActions(t *testing.T) {
	var a *Actions
	b := &Actions{}
	b.Add("purchase", 2, 500)
	a.Merge(b)
	b.Merge(nil)
	a.Add("purchase", 1, 1)
	a.Reset()
	if a.Len() != 0 || a.Count("purchase") != 0 || a.Value("purchase") != 0 {
		t.Errorf("nil Actions: len %d, count %d, value %d", a.Len(), a.Count("purchase"), a.Value("purchase"))
	}
	if _, ok := a.CostPer("purchase", 1000); ok {
		t.Error("nil Actions: CostPer defined")
	}
	if _, ok := a.Get("purchase"); ok {
		t.Error("nil Actions: Get found a type")
	}
	for range a.All() {
		t.Error("nil Actions: All yielded")
	}
	if c := a.Clone(); c.Len() != 0 {
		t.Error("nil Actions: Clone not empty")
	}
	if b.Count("purchase") != 2 {
		t.Errorf("Merge(nil) changed b: %d", b.Count("purchase"))
	}
}
