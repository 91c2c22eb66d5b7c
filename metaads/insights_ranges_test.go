package metaads

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One call with time_ranges gives a result set per range, and each
// range's additive totals equal the sum of its daily rows.
func TestInsightsTimeRanges(t *testing.T) {
	now := time.Date(2026, 3, 11, 18, 0, 0, 0, time.UTC)
	e := newFakeEnv(t, seedScenario(1, 2), []metaadstest.Option{metaadstest.WithClock(func() time.Time { return now })}, false)
	ctx := context.Background()
	today := DateOf(now.In(mustLoad(t, "America/Los_Angeles")))
	last3 := TimeRange{Since: today.AddDays(-3), Until: today.AddDays(-1)}
	last7 := TimeRange{Since: today.AddDays(-7), Until: today.AddDays(-1)}
	rows, err := collect(e.c.Insights.List(ctx, e.acct, InsightsParams{Level: metrics.LevelCampaign, TimeRanges: []TimeRange{last3, last7}}))
	require.NoError(t, err)
	require.Len(t, rows, 2, "one delivering campaign (the seed gives ads to the first only) x two ranges")
	daily, err := collect(e.c.Insights.List(ctx, e.acct, InsightsParams{Level: metrics.LevelCampaign, TimeRange: last7, TimeIncrement: IncrementDaily}))
	require.NoError(t, err)
	for _, r := range rows {
		tr := TimeRange{Since: r.DateStart, Until: r.DateStop}
		require.True(t, tr == last3 || tr == last7, "row range %v", tr)
		var impr int64
		for _, d := range daily {
			if d.CampaignID == r.CampaignID && !d.DateStart.Before(tr.Since) && !tr.Until.Before(d.DateStart) {
				impr += d.Impressions
			}
		}
		assert.Equal(t, impr, r.Impressions, "campaign %s over %v", r.CampaignID, tr)
		assert.Positive(t, r.Reach)
	}
	for name, p := range map[string]InsightsParams{
		"with time_range": {TimeRanges: []TimeRange{last3}, TimeRange: last7},
		"with increment":  {TimeRanges: []TimeRange{last3}, TimeIncrement: IncrementDaily},
		"with preset":     {TimeRanges: []TimeRange{last3}, DatePreset: DatePresetLast7Days},
		"bad range":       {TimeRanges: []TimeRange{{Since: today, Until: today.AddDays(-1)}}},
	} {
		assert.True(t, errors.Is(p.Validate(), ErrInvalidParameter), name)
	}
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}
