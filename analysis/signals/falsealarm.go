package signals

import "github.com/adpilot/adpilot/analysis"

// falseAlarmSeeds is the number of seeds of no-pattern data each signal's
// false-alarm rate was measured on (TestFalseAlarms).
const falseAlarmSeeds = 200

// FalseAlarmRate returns the measured false-alarm rate of a signal kind
// of this package: the one-sided 95% Clopper-Pearson upper bound of the
// share of 200 seeds of generated data without any pattern (the quiet
// business of the tests) on which the signal flagged anything. Measured
// shares: hour of day 3 of 200 seeds (bound 3.83%); day of week,
// seasonality, fatigue, pacing, overlap and benchmarks 0 of 200 (bound
// 1.49%). TestFalseAlarms measures them again on every run and fails
// when a share exceeds 5% or no longer matches the bound stated here. 0
// for kinds this package does not produce.
func FalseAlarmRate(kind analysis.SignalKind) float64 {
	switch kind {
	case analysis.SignalHourOfDay:
		return 0.0383
	case analysis.SignalDayOfWeek, analysis.SignalSeasonality, analysis.SignalFatigue, analysis.SignalPacing,
		analysis.SignalOverlap, analysis.SignalBenchmark:
		return 0.0149
	}
	return 0
}
