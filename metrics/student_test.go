package metrics

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStudentTTwoSided(t *testing.T) {
	// Reference values: two-sided tail probabilities of Student's t
	// (R: 2*pt(-abs(t), df)).
	for _, c := range []struct{ t, df, want float64 }{
		{0, 5, 1},
		{2.570582, 5, 0.05},
		{-2.570582, 5, 0.05},
		{2.100922, 18, 0.05},
		{3.922, 18, 0.001},
		{1.959964, 1e6, 0.05},
		{12.7062, 1, 0.05},
	} {
		got, ok := StudentTTwoSided(c.t, c.df)
		assert.True(t, ok)
		assert.InDelta(t, c.want, got, 2e-4*math.Max(1, c.want*10), "t=%v df=%v", c.t, c.df)
	}
	got, ok := StudentTTwoSided(math.Inf(1), 3)
	assert.True(t, ok)
	assert.Zero(t, got)
	for _, bad := range [][2]float64{{math.NaN(), 3}, {1, 0}, {1, -2}, {1, math.Inf(1)}, {1, math.NaN()}} {
		_, ok := StudentTTwoSided(bad[0], bad[1])
		assert.False(t, ok, "%v", bad)
	}
}
