package metrics

import (
	"iter"
	"strings"
)

// ActionStat is the count and value of one action type, such as
// "offsite_conversion.fb_pixel_add_to_cart".
type ActionStat struct {
	Type  string // Meta action_type
	Count int64  // number of actions
	Value int64  // value of the actions, minor units (0 when Meta reports none)
}

// Actions holds the counts and values of arbitrary action types, beside the
// fixed fields of a [Counts]. The zero Actions is empty and ready to use.
//
// Entries are kept sorted by type, so merging rows that report the same
// types (the common case) is a linear zip that does not allocate. Counts
// and values saturate like [Counts.Add]. An Actions must not be copied
// and then modified in both copies (the copies share storage); use
// [Actions.Clone].
type Actions struct {
	items []ActionStat
}

// Len returns the number of action types (0 for a nil *Actions).
func (a *Actions) Len() int {
	if a == nil {
		return 0
	}
	return len(a.items)
}

// search returns the index of typ, or where it would be inserted.
func (a *Actions) search(typ string) (int, bool) {
	if a == nil {
		return 0, false
	}
	lo, hi := 0, len(a.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if a.items[m].Type < typ {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(a.items) && a.items[lo].Type == typ
}

// Add adds count and value to the action type typ, creating it when
// needed. Empty or blank types are ignored, and so is a nil *Actions.
func (a *Actions) Add(typ string, count, value int64) {
	if a == nil || strings.TrimSpace(typ) == "" {
		return
	}
	i, found := a.search(typ)
	if !found {
		a.items = append(a.items, ActionStat{})
		copy(a.items[i+1:], a.items[i:])
		a.items[i] = ActionStat{Type: typ}
	}
	it := &a.items[i]
	it.Count = accAdd(it.Count, count)
	it.Value = accAdd(it.Value, value)
}

// Merge adds every action type of o to a. When a already holds the same
// types in the same order (rows of one report), it does not allocate. A
// nil a or o does nothing.
func (a *Actions) Merge(o *Actions) {
	if a == nil || o == nil {
		return
	}
	if len(a.items) == len(o.items) {
		same := true
		for i := range o.items {
			if a.items[i].Type != o.items[i].Type {
				same = false
				break
			}
		}
		if same {
			for i := range o.items {
				it := &a.items[i]
				it.Count = accAdd(it.Count, o.items[i].Count)
				it.Value = accAdd(it.Value, o.items[i].Value)
			}
			return
		}
	}
	for _, s := range o.items {
		a.Add(s.Type, s.Count, s.Value)
	}
}

// Get returns the stat of typ; ok is false when typ was never added. A nil
// *Actions holds nothing: its getters return zero and ok false.
func (a *Actions) Get(typ string) (ActionStat, bool) {
	i, found := a.search(typ)
	if !found {
		return ActionStat{Type: typ}, false
	}
	return a.items[i], true
}

// Count returns the count of typ (0 when absent).
func (a *Actions) Count(typ string) int64 {
	s, _ := a.Get(typ)
	return s.Count
}

// Value returns the value of typ in minor units (0 when absent).
func (a *Actions) Value(typ string) int64 {
	s, _ := a.Get(typ)
	return s.Value
}

// CostPer returns spend / count of typ in minor units: the cost per action
// of that type (Meta's cost_per_action_type). ok is false when the type is
// absent or its count is zero.
func (a *Actions) CostPer(typ string, spend int64) (float64, bool) {
	return CPA(spend, a.Count(typ))
}

// ROAS returns value of typ / spend. ok is false when spend <= 0.
func (a *Actions) ROAS(typ string, spend int64) (float64, bool) {
	return ROAS(a.Value(typ), spend)
}

// All yields every action type and its stat, in ascending type order.
func (a *Actions) All() iter.Seq2[string, ActionStat] {
	return func(yield func(string, ActionStat) bool) {
		if a == nil {
			return
		}
		for _, s := range a.items {
			if !yield(s.Type, s) {
				return
			}
		}
	}
}

// Clone returns a deep copy of a.
func (a *Actions) Clone() Actions {
	if a == nil || a.items == nil {
		return Actions{}
	}
	return Actions{items: append([]ActionStat(nil), a.items...)}
}

// Reset empties a, keeping its storage for reuse.
func (a *Actions) Reset() {
	if a != nil {
		a.items = a.items[:0]
	}
}
