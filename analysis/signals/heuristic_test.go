package signals

import (
	"context"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/stretchr/testify/require"
)

func TestHeuristicDemoRanking(t *testing.T) {
	ds := demoShop(t)
	rep, err := analysis.RunDataset(context.Background(), ds, analysis.RunOptions{Signals: Func(), Now: func() time.Time { return testNow }})
	require.NoError(t, err)
	for _, r := range rep.Result.Recommendations {
		src := ""
		for _, s := range r.Sources {
			src += s.Kind + ":" + s.ID + " "
		}
		t.Logf("%2d %-7s %s %s %q [%s]", r.Rank, r.Priority, r.Entity.Level, r.Entity.ID, r.Title, src)
	}
}
