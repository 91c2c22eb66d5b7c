package analysis

import (
	"encoding/json"

	"github.com/adpilot/adpilot/rules"
)

// Signal is one finding of a pure signal function: a time pattern,
// creative fatigue, a pacing problem, an audience overlap, a benchmark
// comparison. The signal functions live in package analysis/signals
// (which imports analysis, not the other way round); they return Signals,
// [Input] carries them and the analyzers rank them. A Signal says what was
// found, about which entities, with the evidence in numbers (units and
// windows) and in words, how sure it is in a form a person can read, how
// much it matters, and, when a rule could act on it, a rule spec the user
// can adopt.
//
// The type is designed to be filled without changing this package:
// Kind is an open set of names, Evidence uses the shared [Figure], and a
// signal's own structured result (a day-of-week by hour table, a
// recommended adset_schedule, overlap bounds) goes in Data as JSON.
type Signal struct {
	// Kind names the signal. The kinds of analysis/signals are the
	// Signal* constants; other producers may use their own names.
	Kind SignalKind `json:"kind"`
	// Entities are the entities the finding is about: one ad for fatigue,
	// one ad set for pacing, the pair for an overlap, none (the account)
	// for an account-wide time pattern.
	Entities []EntityRef `json:"entities,omitempty"`
	// Finding is the finding in one sentence ("Ad 'Broad - Ad 1' is
	// fatigued: cost per purchase doubled against its best week").
	Finding string `json:"finding"`
	// Polarity says whether the finding is a problem or an opportunity
	// (a strong hour to shift budget to).
	Polarity RecommendationKind `json:"polarity"`
	// Evidence are the numbers behind the finding, each with its unit,
	// basis and window; Evidence[i].Text says each in words. An estimate
	// named [FigureMoneyAtStake] is the money the finding puts at stake
	// per day: the analyzers rank the signal by it (otherwise by its first
	// money estimate).
	Evidence []Figure `json:"evidence"`
	// Explanation is the evidence in words, as a report prints it under
	// the finding (method, thresholds, what was compared with what).
	Explanation string `json:"explanation,omitempty"`
	// Confidence is how sure the signal is, with the method's false-alarm
	// rate when it is known.
	Confidence Confidence `json:"confidence"`
	// Severity is how much the finding matters.
	Severity Severity `json:"severity"`
	// Suggestion is the action the signal points to (the heuristic passes
	// it on as a recommendation's action); zero when none.
	Suggestion Action `json:"suggestion,omitzero"`
	// Rule, when set, is a rule spec that acts on the finding and that a
	// user can adopt (a time condition, a frequency cap), ready for
	// rules.Compile.
	Rule *rules.RuleSpec `json:"rule,omitempty"`
	// Data is the signal's own structured result as JSON (a table, a
	// schedule, bounds); its shape is documented by the signal's producer.
	Data json.RawMessage `json:"data,omitempty"`
}

// FigureMoneyAtStake names the Evidence estimate of a [Signal] that says
// how much money the finding puts at stake per day (minor units of the
// account currency, Basis estimate, with its Method): overspend of a
// budget, the excess cost of a fatigued creative, the money a bad hour
// window wastes.
const FigureMoneyAtStake = "money_at_stake"

// SignalKind names a kind of signal.
type SignalKind string

// The signal kinds of package analysis/signals.
const (
	SignalHourOfDay      SignalKind = "hour_of_day"      // hour-of-day effect on CTR, CPC, CPM
	SignalDayOfWeek      SignalKind = "day_of_week"      // day-of-week effect, conversions included
	SignalSeasonality    SignalKind = "seasonality"      // weekly seasonality or trend of a daily series
	SignalFatigue        SignalKind = "creative_fatigue" // cost per result against the ad's best window, leading indicators
	SignalPacing         SignalKind = "pacing"           // over- or under-pacing of a daily or lifetime budget
	SignalOverlap        SignalKind = "audience_overlap" // two ad sets competing for the same people
	SignalBenchmark      SignalKind = "benchmark"        // against published figures or the account's history
	SignalLearning       SignalKind = "learning"         // learning limited, too few optimisation events
	SignalConversionData SignalKind = "conversion_data"  // a conversion event that is not tracked
)

// Severity is how much a signal matters.
type Severity string

// Severities, most severe first.
const (
	// SeverityCritical: money is being lost now (overspend, a dead conversion event).
	SeverityCritical Severity = "critical"
	// SeverityWarning: a problem that costs money if left alone (fatigue, overlap).
	SeverityWarning Severity = "warning"
	// SeverityInfo: worth knowing; an opportunity or a mild effect.
	SeverityInfo Severity = "info"
)

// Rank returns 0 for critical, 1 for warning, 2 for info and 3 for
// anything else, so that sorting by Rank puts the most severe first.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 0
	case SeverityWarning:
		return 1
	case SeverityInfo:
		return 2
	}
	return 3
}
