package signals

import "github.com/adpilot/adpilot/analysis"

// falseAlarmSeeds is the number of seeds of no-pattern data each signal's
// false-alarm rate was measured on (TestFalseAlarms).
const falseAlarmSeeds = 200

// FalseAlarmRate returns the measured false-alarm rate of a signal kind:
// the upper 95% (Clopper-Pearson) bound of the share of 200 seeds of
// generated data without the pattern on which the signal flagged
// anything. TestFalseAlarms measures the shares again and fails when one
// exceeds 5% or its bound here. 0 for kinds this package does not produce.
func FalseAlarmRate(kind analysis.SignalKind) float64 {
	switch kind {
	case analysis.SignalHourOfDay:
		return 0.015
	}
	return 0
}
