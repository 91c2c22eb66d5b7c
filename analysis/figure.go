package analysis

import (
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// Figure is one number with what it is, its unit, the days it was measured
// over and whether it was measured or estimated. Recommendations and
// signals carry their evidence as Figures, so a reader (or a grounding
// check of an LLM's reply) can tell "CPA over the last 7 complete days was
// $41.20" (measured, from the Dataset) from "pausing saves about $41 a day"
// (an estimate, with its method).
type Figure struct {
	// Name is the quantity: a metrics registry name ("cpa", "frequency",
	// "link_ctr", "spend"), a rules field ("daily_budget") or a signal's
	// own ("overlap_share", "hour_index", "days_to_fatigue").
	Name string `json:"name"`
	// Value is the number, in Unit. Money is minor units of the currency
	// (4120 is $41.20); fractions are fractions (0.012 is 1.2%).
	Value float64 `json:"value"`
	// Unit is Value's unit: the metrics units, including hours and
	// days for estimates such as days to fatigue.
	Unit metrics.Unit `json:"unit"`
	// Basis says whether Value was measured, estimated, configured or is a goal.
	Basis Basis `json:"basis"`
	// Period is the window Value was measured over; nil for settings and
	// goals (a budget is not measured over days) and for estimates about
	// the future.
	Period *Period `json:"period,omitempty"`
	// Scope narrows the period in words when Value covers only part of it
	// ("hours 18-21", "Saturdays", "the best 7-day week").
	Scope string `json:"scope,omitempty"`
	// Interval is a confidence or credible interval of Value, when known.
	Interval *metrics.Interval `json:"interval,omitempty"`
	// Method says how an estimate (or a derived measurement) was computed
	// ("spend over the last 7 days / 7").
	Method string `json:"method,omitempty"`
	// Text is the figure in words, as a report shows it
	// ("CPA over the last 7 complete days: $41.20").
	Text string `json:"text,omitempty"`
}

// Basis says where a [Figure]'s value comes from.
type Basis string

// Bases.
const (
	// BasisMeasured: computed from the Dataset's counts over Period
	// (ratios of sums, de-duplicated reach).
	BasisMeasured Basis = "measured"
	// BasisEstimate: a projection or model output (expected savings, a
	// forecast, an overlap bound); Method says how.
	BasisEstimate Basis = "estimate"
	// BasisSetting: the entity's configuration (a budget, a bid).
	BasisSetting Basis = "setting"
	// BasisGoal: the advertiser's goal (target CPA, target ROAS, margin).
	BasisGoal Basis = "goal"
)

// Period is the days a measured figure covers, in the account's time zone.
type Period struct {
	// Window is the rules window name when the period is one ("last_7d",
	// "yesterday", "launch_7d"); empty otherwise.
	Window string `json:"window,omitempty"`
	// Since and Until are the first and last day, both included.
	Since metaads.Date `json:"since"`
	Until metaads.Date `json:"until"`
}

// Confidence is how sure an analyzer or signal is, in a form a person can
// read: a level, a probability when the method gives one, and the basis
// in words.
type Confidence struct {
	// Level is high, medium or low.
	Level ConfidenceLevel `json:"level"`
	// Probability, when the method gives one, is in [0, 1]: the
	// probability the finding is real (1 - a false discovery rate, a
	// posterior probability, an interval's confidence). Zero when the
	// method gives none.
	Probability float64 `json:"probability,omitempty"`
	// FalseAlarmRate, when known, is how often the method flags data with
	// no such pattern (measured on generated data for signals).
	FalseAlarmRate float64 `json:"false_alarm_rate,omitempty"`
	// Basis says why, in words ("40 conversions over 14 days; the 90%
	// credible interval of the CPA is $52-$71, above the $45 target").
	Basis string `json:"basis"`
}

// ConfidenceLevel is a coarse confidence.
type ConfidenceLevel string

// Confidence levels.
const (
	ConfidenceHigh   ConfidenceLevel = "high"
	ConfidenceMedium ConfidenceLevel = "medium"
	ConfidenceLow    ConfidenceLevel = "low"
)
