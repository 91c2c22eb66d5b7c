package signals

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFatigueDemo(t *testing.T) {
	ds := demoShop(t)
	res, err := Fatigue(ds)
	require.NoError(t, err)
	for _, a := range res.Ads {
		tr := a.CTRTrend
		t.Logf("%s %s state %s launch %s days %d drop %.2f ratio %.2f flagged %v onset %s", a.Ad.ID, a.Ad.Name, a.State, a.Launch, a.Days, a.CTRDrop, a.CostRatio, a.Flagged, a.Onset)
		if tr != nil {
			t.Logf("   trend %+.4f t %.2f p %.3g q %.3g; forecast %+v", tr.DailyChange, tr.TStat, tr.P, tr.Q, a.Forecast)
		}
	}
	for _, s := range res.Signals {
		t.Log(s.Finding)
		for _, e := range s.Evidence {
			t.Log("  ", e.Text)
		}
	}
}
