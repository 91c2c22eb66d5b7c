package metrics

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestSumKeepsOverflowWithMixedSigns: a sum that saturated used to come
// back into range when a negative row followed, so Validate no longer
// reported the overflow.
func TestSumKeepsOverflowWithMixedSigns(t *testing.T) {
	rows := []Counts{{Impressions: math.MaxInt64 - 1}, {Impressions: 5}, {Impressions: -10}}
	got := Sum(rows)
	assert.Equal(t, int64(math.MaxInt64), got.Impressions)
	assert.True(t, errors.Is(got.Validate(), ErrOverflow), "%v", got.Validate())
	var seq Counts
	for _, r := range rows {
		seq.Add(r)
	}
	assert.Equal(t, got, seq)

	var a Actions
	a.Add("purchase", math.MaxInt64-1, 0)
	a.Add("purchase", 5, 0)
	a.Add("purchase", -10, 0)
	st, _ := a.Get("purchase")
	assert.Equal(t, int64(math.MaxInt64), st.Count, "actions keep the saturation too")

	// Without saturation, mixed signs sum exactly.
	assert.Equal(t, int64(-5), Sum([]Counts{{Clicks: 5}, {Clicks: -10}}).Clicks)
}

// TestPacingRatioRejectsNegativeInputs: PacingRatio(1, -1, -1) returned ok
// (a negative budget times a negative share is positive) against its doc.
func TestPacingRatioRejectsNegativeInputs(t *testing.T) {
	for _, c := range []struct {
		spend, budget int64
		elapsed       float64
	}{{1, -1, -1}, {1, -1, 0.5}, {1, 100, -0.5}, {1, 0, 0.5}, {1, 100, 0}, {1, 100, math.NaN()}, {-1, 100, 0.5},
		{1, math.MaxInt64, math.Inf(1)}} {
		v, ok := PacingRatio(c.spend, c.budget, c.elapsed)
		assert.False(t, ok, "%+v", c)
		assert.Zero(t, v, "%+v", c)
	}
	v, ok := PacingRatio(50, 100, 0.5)
	assert.True(t, ok)
	assert.Equal(t, 1.0, v)
}
