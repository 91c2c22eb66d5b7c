package signals

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAllDemo(t *testing.T) {
	ds := demoShop(t)
	res, err := All(ds)
	require.NoError(t, err)
	for _, s := range res.Signals() {
		t.Log(s.Severity, s.Kind, s.Finding)
	}
	for _, c := range res.Benchmarks.Comparisons {
		t.Logf("%s %s acct %.4f bench %.4f ratio %.2f far %v (%s %d %s)", c.Objective, c.Metric, c.Account, c.Benchmark.Value, c.Ratio, c.Far, c.Benchmark.Source[:20], c.Benchmark.Year, c.Benchmark.Industry)
	}
	for _, h := range res.Benchmarks.History {
		t.Logf("%s %s recent %.4f idx %.2f p %.3g q %.3g enough %v flagged %v", h.Objective, h.Metric, h.Recent, h.Index, h.P, h.Q, h.Enough, h.Flagged)
	}
}
