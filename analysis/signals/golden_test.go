package signals

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/internal/golden"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestGolden pins every result on the demo shop: the tables, figures and
// words of each signal, and the signals as the analyzers see them (Data
// left out: it is the result, pinned beside). Regenerate with -update
// after a deliberate change and read the diff.
func TestGolden(t *testing.T) {
	res, err := All(demoShop(t))
	require.NoError(t, err)
	// The weekday-hour grid is pinned as a table of CTR indexes (a * marks
	// a flagged cell); the rest of the hour result as JSON.
	var grid strings.Builder
	grid.WriteString("CTR index by weekday (rows, Sunday first) and hour (columns); * flagged\n")
	for w, row := range res.HourOfDay.Grid {
		fmt.Fprintf(&grid, "%s", weekdayNames[w][:3])
		for _, c := range row {
			mark := " "
			if c.CTR != nil && c.CTR.Flagged {
				mark = "*"
			}
			idx := 0.0
			if c.CTR != nil {
				idx = c.CTR.Index
			}
			fmt.Fprintf(&grid, " %4.2f%s", idx, mark)
		}
		grid.WriteString("\n")
	}
	golden.Compare(t, filepath.Join("testdata", "hour_grid.golden"), []byte(grid.String()), *update)
	hours := *res.HourOfDay
	hours.Grid = nil
	for name, v := range map[string]any{
		"hour_of_day": &hours, "day_of_week": res.DayOfWeek, "seasonality": res.Seasonality, "fatigue": res.Fatigue,
		"pacing": res.Pacing, "overlap": res.Overlap, "benchmarks": res.Benchmarks,
	} {
		b, err := json.MarshalIndent(v, "", "  ")
		require.NoError(t, err, name)
		golden.Compare(t, filepath.Join("testdata", name+".golden"), append(b, '\n'), *update)
	}
	sigs := res.Signals()
	for i := range sigs {
		sigs[i].Data = nil
	}
	b, err := json.MarshalIndent(sigs, "", "  ")
	require.NoError(t, err)
	golden.Compare(t, filepath.Join("testdata", "signals.golden"), append(b, '\n'), *update)
}
