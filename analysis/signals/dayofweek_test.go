package signals

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDayOfWeekDemo(t *testing.T) {
	ds := demoShop(t)
	res, err := DayOfWeek(ds)
	require.NoError(t, err)
	t.Logf("weeks %d disp %v event %s best %d worst %d", res.Weeks, res.Dispersion, res.ConversionEvent, res.Best, res.Worst)
	for _, c := range res.Days {
		t.Logf("%d ctr idx %.2f q %.3g %v | cpa %.0f idx %.2f adj %.2f q %.3g %v | cvr idx %.2f %v", c.Weekday, c.CTR.Index, c.CTR.Q, c.CTR.Flagged, c.CPA.Value, c.CPA.Index, c.CPA.Adjusted, c.CPA.Q, c.CPA.Flagged, c.CVR.Index, c.CVR.Flagged)
	}
	for _, s := range res.Signals {
		t.Log(s.Finding)
	}
	sres, err := Seasonality(ds)
	require.NoError(t, err)
	t.Logf("disp %v", sres.Dispersion)
	for _, c := range sres.Weeks {
		t.Logf("%s ctr %.2f %v cvr %.2f %v cpa %.2f %v cpm %.2f %v", c.Week, c.CTR.Index, c.CTR.Flagged, c.CVR.Index, c.CVR.Flagged, c.CPA.Index, c.CPA.Flagged, c.CPM.Index, c.CPM.Flagged)
	}
	for _, tr := range sres.Trends {
		t.Logf("%+v", tr)
	}
	for _, s := range sres.Signals {
		t.Log(s.Finding)
	}
}
