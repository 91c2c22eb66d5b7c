package signals

import (
	"fmt"
	"math"
	"slices"

	"github.com/adpilot/adpilot/analysis"
)

// Option configures the signal functions. Options validate their argument
// and a bad one makes the function return an error wrapping
// [analysis.ErrInvalidInput] that names the option; every signal function
// accepts every option and ignores the ones that do not concern it.
type Option func(*config) error

// config holds the options with their defaults.
type config struct {
	fdr         float64 // false discovery rate of the Benjamini-Hochberg control
	minEffect   float64 // smallest relative effect flagged (0.10: an index outside [0.9, 1.1])
	minWeeks    int     // whole weeks needed for a time pattern
	windowHours int     // length of the best and worst hour windows

	allowance      float64 // Meta's daily over-delivery allowance (0.75, legacy 0.25)
	weeklyMult     float64 // Meta's weekly ceiling in daily budgets (7)
	paceTolerance  float64 // on pace when |ratio-1| <= this (0.08)
	paceUnder      float64 // under-pacing below this ratio (0.80)
	paceOver       float64 // over-pacing above this ratio (1.20)
	fatigueDrop    float64 // relative link CTR drop from launch that counts (0.20)
	overlapAt      float64 // overlap coefficient flagged (0.30)
	reachEstimates map[string]ReachEstimate
	benchmarks     *BenchmarkTable
	industry       string
}

func defaults() config {
	return config{
		fdr: 0.05, minEffect: 0.10, minWeeks: 2, windowHours: 3,
		allowance: 0.75, weeklyMult: 7, paceTolerance: 0.08, paceUnder: 0.80, paceOver: 1.20,
		fatigueDrop: 0.20, overlapAt: 0.30,
	}
}

func newConfig(opts []Option) (config, error) {
	c := defaults()
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return c, fmt.Errorf("signals: %w: %w", analysis.ErrInvalidInput, err)
		}
	}
	if c.paceUnder >= 1-c.paceTolerance || c.paceOver <= 1+c.paceTolerance {
		return c, fmt.Errorf("signals: %w: pacing bands under %.2f and over %.2f must lie outside the on-pace tolerance ±%.2f",
			analysis.ErrInvalidInput, c.paceUnder, c.paceOver, c.paceTolerance)
	}
	if c.benchmarks == nil {
		c.benchmarks = DefaultBenchmarks()
	}
	if c.industry != "" && !slices.Contains(c.benchmarks.Industries(), c.industry) {
		return c, fmt.Errorf("signals: %w: WithIndustry(%q): the benchmark table has no such industry; expected one of %q",
			analysis.ErrInvalidInput, c.industry, c.benchmarks.Industries())
	}
	return c, nil
}

func inOpen01(v float64) bool { return v > 0 && v < 1 }

// WithFalseDiscoveryRate sets the false discovery rate q at which the
// Benjamini-Hochberg procedure controls each signal's family of tests
// (every hour and weekday-hour cell of every metric, every ad, ...); default
// 0.05. On data with no pattern at all, every flag is a false discovery, so
// q also bounds the chance of flagging anything. q must be in (0, 0.5].
func WithFalseDiscoveryRate(q float64) Option {
	return func(c *config) error {
		if !(q > 0 && q <= 0.5) {
			return fmt.Errorf("WithFalseDiscoveryRate(%v): expected a rate in (0, 0.5]", q)
		}
		c.fdr = q
		return nil
	}
}

// WithMinEffect sets the smallest relative effect a signal flags even when
// it is significant: 0.10 (the default) flags an hour or weekday only when
// its index is outside [0.9, 1.1], and a trend or a week only when it moves
// the metric by 10% or more. It must be in [0, 1).
func WithMinEffect(e float64) Option {
	return func(c *config) error {
		if !(e >= 0 && e < 1) {
			return fmt.Errorf("WithMinEffect(%v): expected a relative effect in [0, 1)", e)
		}
		c.minEffect = e
		return nil
	}
}

// WithMinWeeks sets the whole weeks of data a time pattern needs (default
// 2; Meta warns hourly breakdowns oscillate and should be read over full
// weeks). From 1 to 52.
func WithMinWeeks(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 52 {
			return fmt.Errorf("WithMinWeeks(%d): expected 1 to 52 weeks", n)
		}
		c.minWeeks = n
		return nil
	}
}

// WithWindowHours sets the length of the best and worst hour windows the
// hour-of-day signal reports (default 3 hours), from 1 to 12.
func WithWindowHours(n int) Option {
	return func(c *config) error {
		if n < 1 || n > 12 {
			return fmt.Errorf("WithWindowHours(%d): expected 1 to 12 hours", n)
		}
		c.windowHours = n
		return nil
	}
}

// WithOverspendAllowance sets Meta's daily over-delivery allowance: the
// share above the daily budget Meta may spend on a good day. Default 0.75
// (current Business Help Centre text: up to 175% of the daily budget); 0.25
// is the older text still on the Marketing API budgets page. From 0 to 2.
func WithOverspendAllowance(a float64) Option {
	return func(c *config) error {
		if !(a >= 0 && a <= 2) {
			return fmt.Errorf("WithOverspendAllowance(%v): expected a share from 0 to 2 (0.75 now, 0.25 legacy)", a)
		}
		c.allowance = a
		return nil
	}
}

// WithWeeklyMultiplier sets Meta's weekly ceiling in daily budgets (default
// 7: a calendar week, Sunday to Saturday, spends at most 7 daily budgets).
// From 1 to 14.
func WithWeeklyMultiplier(m float64) Option {
	return func(c *config) error {
		if !(m >= 1 && m <= 14) {
			return fmt.Errorf("WithWeeklyMultiplier(%v): expected 1 to 14 daily budgets", m)
		}
		c.weeklyMult = m
		return nil
	}
}

// WithPacingBands sets the pacing bands: on pace when the pacing ratio is
// within ±tolerance of 1 (default 0.08), under-pacing below under (default
// 0.80) and over-pacing above over (default 1.20); between the tolerance and
// a band the signal says "behind" or "ahead" without flagging. The bands
// must lie outside the tolerance.
func WithPacingBands(tolerance, under, over float64) Option {
	return func(c *config) error {
		if !(tolerance > 0 && tolerance < 0.5) || !inOpen01(under) || !(over > 1) || math.IsInf(over, 0) {
			return fmt.Errorf("WithPacingBands(%v, %v, %v): expected a tolerance in (0, 0.5), under in (0, 1) and over above 1", tolerance, under, over)
		}
		c.paceTolerance, c.paceUnder, c.paceOver = tolerance, under, over
		return nil
	}
}

// WithFatigueDrop sets the relative link CTR drop from an ad's launch
// week that creative fatigue needs besides a significant downward trend
// (default 0.20, the "act" level of optimization.md §2.3), in (0, 1).
func WithFatigueDrop(d float64) Option {
	return func(c *config) error {
		if !inOpen01(d) {
			return fmt.Errorf("WithFatigueDrop(%v): expected a share in (0, 1)", d)
		}
		c.fatigueDrop = d
		return nil
	}
}

// WithOverlapThreshold sets the overlap coefficient (the overlap as a share
// of the smaller audience) at which a pair of ad sets is flagged (default
// 0.30), in (0, 1].
func WithOverlapThreshold(x float64) Option {
	return func(c *config) error {
		if !(x > 0 && x <= 1) {
			return fmt.Errorf("WithOverlapThreshold(%v): expected a share in (0, 1]", x)
		}
		c.overlapAt = x
		return nil
	}
}

// WithReachEstimates gives the overlap signal Meta's reach estimates for
// the targeting specs [OverlapQueries] lists, keyed by [ReachQuery].Key.
// Pairs whose three estimates (each ad set and their intersection) are all
// present get overlap figures from the estimates instead of from targeting
// similarity alone. Estimates must have 0 <= Lower <= Upper.
func WithReachEstimates(est map[string]ReachEstimate) Option {
	return func(c *config) error {
		for k, e := range est {
			if e.Lower < 0 || e.Upper < e.Lower {
				return fmt.Errorf("WithReachEstimates: estimate %q has bounds %d..%d; expected 0 <= lower <= upper", k, e.Lower, e.Upper)
			}
		}
		c.reachEstimates = est
		return nil
	}
}

// WithBenchmarks replaces the published benchmark table (default
// [DefaultBenchmarks]). The table must pass [BenchmarkTable.Validate].
func WithBenchmarks(t *BenchmarkTable) Option {
	return func(c *config) error {
		if t == nil {
			return fmt.Errorf("WithBenchmarks(nil): expected a table")
		}
		if err := t.Validate(); err != nil {
			return fmt.Errorf("WithBenchmarks: %w", err)
		}
		c.benchmarks = t
		return nil
	}
}

// WithIndustry selects the industry rows of the benchmark table ("Retail",
// "Real Estate", ...; see [BenchmarkTable.Industries]) besides the
// all-industry rows; default the all-industry rows only. A name the table
// does not hold is an error.
func WithIndustry(name string) Option {
	return func(c *config) error {
		c.industry = name
		return nil
	}
}
