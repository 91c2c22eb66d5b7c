package signals

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPacingDemo(t *testing.T) {
	ds := demoShop(t)
	res, err := Pacing(ds)
	require.NoError(t, err)
	t.Logf("now %v curve %v", res.Now, res.Curve)
	for _, e := range res.Entities {
		t.Logf("%s %s share %.3f lin %.3f ratio %.2f lin %.2f r7 %.2f proj %.0f week %d/%0.f proj %.0f status %s cap %d", e.Entity.ID, e.Entity.Name, e.ExpectedShare, e.LinearShare, e.Ratio, e.LinearRatio, e.Ratio7d, e.ProjectedToday, e.WeekSpend, e.WeekCeiling, e.ProjectedWeek, e.Status, e.RecommendedDailyCap)
	}
	for _, s := range res.Signals {
		t.Log(s.Severity, s.Finding)
		for _, e := range s.Evidence {
			t.Log("  ", e.Text)
		}
		t.Logf("  %+v", s.Suggestion)
	}
}
