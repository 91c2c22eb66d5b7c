package signals

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
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
	t.Parallel()
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
		golden.Compare(t, filepath.Join("testdata", name+".golden"), roundedJSON(t, v), *update)
	}
	sigs := res.Signals()
	for i := range sigs {
		sigs[i].Data = nil
	}
	golden.Compare(t, filepath.Join("testdata", "signals.golden"), roundedJSON(t, sigs), *update)
}

// roundedJSON encodes v with every number rounded to 9 significant
// digits: the goldens pin the figures, not the last bits of the special
// functions behind the intervals (which package metrics may refine).
func roundedJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var x any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	require.NoError(t, d.Decode(&x))
	var round func(any) any
	round = func(x any) any {
		switch y := x.(type) {
		case map[string]any:
			for k, e := range y {
				y[k] = round(e)
			}
		case []any:
			for i, e := range y {
				y[i] = round(e)
			}
		case json.Number:
			if f, err := y.Float64(); err == nil && strings.ContainsAny(string(y), ".eE") {
				return json.Number(strconv.FormatFloat(f, 'g', 9, 64))
			}
		}
		return x
	}
	out, err := json.MarshalIndent(round(x), "", "  ")
	require.NoError(t, err)
	return append(out, '\n')
}
