package signals

import (
	"errors"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/rules"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRulesCompile checks that every rule spec the signals propose on the
// demo shop compiles, and that the time rules fire only in their window.
func TestRulesCompile(t *testing.T) {
	t.Parallel()
	res, err := All(demoShop(t))
	require.NoError(t, err)
	var specs []rules.RuleSpec
	for _, s := range res.Signals() {
		if s.Rule != nil {
			specs = append(specs, *s.Rule)
		}
	}
	require.NotNil(t, res.HourOfDay.Schedule)
	require.Len(t, res.HourOfDay.Schedule.Rules, 2, "pause and resume")
	specs = append(specs, res.HourOfDay.Schedule.Rules[1])
	require.Len(t, res.DayOfWeek.Rules, 2, "step and step back")
	specs = append(specs, res.DayOfWeek.Rules[1])
	kinds := map[string]bool{}
	for _, s := range specs {
		kinds[s.ID] = true
		assert.False(t, s.Live, "%s is a dry run until the user turns it on", s.ID)
	}
	assert.GreaterOrEqual(t, len(kinds), 5, "hour pause and resume, weekday step and back, overspend guard")
	_, err = rules.Compile(rules.Spec{Rules: specs})
	var ce *rules.CompileError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			t.Errorf("%s: %s", p.Path, p.Message)
		}
	}
	require.NoError(t, err)
}

// TestBadInput checks that every entry point refuses bad input with an
// error naming it, never a panic.
func TestBadInput(t *testing.T) {
	good := &analysis.Dataset{CollectedAt: testNow}
	fns := map[string]func(*analysis.Dataset, ...Option) error{
		"HourOfDay":   func(ds *analysis.Dataset, o ...Option) error { _, err := HourOfDay(ds, o...); return err },
		"DayOfWeek":   func(ds *analysis.Dataset, o ...Option) error { _, err := DayOfWeek(ds, o...); return err },
		"Seasonality": func(ds *analysis.Dataset, o ...Option) error { _, err := Seasonality(ds, o...); return err },
		"Fatigue":     func(ds *analysis.Dataset, o ...Option) error { _, err := Fatigue(ds, o...); return err },
		"Pacing":      func(ds *analysis.Dataset, o ...Option) error { _, err := Pacing(ds, o...); return err },
		"Overlap":     func(ds *analysis.Dataset, o ...Option) error { _, err := Overlap(ds, o...); return err },
		"Benchmarks":  func(ds *analysis.Dataset, o ...Option) error { _, err := Benchmarks(ds, o...); return err },
		"All":         func(ds *analysis.Dataset, o ...Option) error { _, err := All(ds, o...); return err },
	}
	cases := []struct {
		name string
		ds   *analysis.Dataset
		opts []Option
		want string
	}{
		{"nil", nil, nil, "nil Dataset"},
		{"no time", &analysis.Dataset{}, nil, "CollectedAt is zero"},
		{"zone", func() *analysis.Dataset { d := *good; d.Account.TimezoneName = "Mars/Olympus"; return &d }(), nil, "Mars/Olympus"},
		{"fdr", good, []Option{WithFalseDiscoveryRate(0)}, "WithFalseDiscoveryRate(0)"},
		{"effect", good, []Option{WithMinEffect(1)}, "WithMinEffect(1)"},
		{"weeks", good, []Option{WithMinWeeks(0)}, "WithMinWeeks(0)"},
		{"window", good, []Option{WithWindowHours(13)}, "WithWindowHours(13)"},
		{"allowance", good, []Option{WithOverspendAllowance(-0.1)}, "WithOverspendAllowance(-0.1)"},
		{"weekly", good, []Option{WithWeeklyMultiplier(0.5)}, "WithWeeklyMultiplier(0.5)"},
		{"bands", good, []Option{WithPacingBands(0.1, 0.95, 1.2)}, "outside the on-pace tolerance"},
		{"drop", good, []Option{WithFatigueDrop(1)}, "WithFatigueDrop(1)"},
		{"overlap", good, []Option{WithOverlapThreshold(0)}, "WithOverlapThreshold(0)"},
		{"estimates", good, []Option{WithReachEstimates(map[string]ReachEstimate{"adset:1": {Lower: 5, Upper: 2}})}, `"adset:1"`},
		{"benchmarks", good, []Option{WithBenchmarks(&BenchmarkTable{Version: "x", Rows: []BenchmarkRow{{Source: "s", Year: 2024, Objective: "leads", Metric: "roas", Value: 1}}})}, `metric "roas"`},
		{"industry", good, []Option{WithIndustry("Space Travel")}, `"Space Travel"`},
	}
	for _, c := range cases {
		for name, fn := range fns {
			err := fn(c.ds, c.opts...)
			require.Error(t, err, "%s %s", name, c.name)
			assert.ErrorIs(t, err, analysis.ErrInvalidInput, "%s %s", name, c.name)
			assert.ErrorContains(t, err, c.want, "%s %s", name, c.name)
		}
	}
	// An empty (but valid) Dataset gives empty results and notes, no signals.
	res, err := All(&analysis.Dataset{CollectedAt: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	assert.Empty(t, res.Signals())
	assert.NotEmpty(t, res.HourOfDay.Notes)
	_, err = Func()(t.Context(), good, time.Time{})
	assert.ErrorIs(t, err, analysis.ErrInvalidInput)
}
