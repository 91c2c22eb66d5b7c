package signals

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHourOfDayDemo(t *testing.T) {
	ds := demoShop(t)
	res, err := HourOfDay(ds)
	require.NoError(t, err)
	t.Logf("weeks %d disp %v best %+v worst %+v", res.Weeks, res.Dispersion, res.Best, res.Worst)
	for h, c := range res.Hours {
		t.Logf("%02d ctr %.4f idx %.2f adj %.2f q %.3g flag %v | cpc idx %.2f flag %v share %.3f", h, c.CTR.Value, c.CTR.Index, c.CTR.Adjusted, c.CTR.Q, c.CTR.Flagged, c.CPC.Index, c.CPC.Flagged, c.SpendShare)
	}
	require.Len(t, res.Signals, 1)
	t.Log(res.Signals[0].Finding)
	t.Log(res.Signals[0].Explanation)
	assert.NotNil(t, res.Schedule)
}
