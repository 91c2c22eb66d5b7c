package rules

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/metrics"
)

// Limits of a rule document. Documents are edited by people and are not
// trusted; these bound the time and memory of [ParseSpec] and [Compile].
const (
	maxDocumentBytes = 1 << 20 // a JSON rule document, bytes
	maxRules         = 1000    // rules per document
	maxDepth         = 32      // nesting of a condition tree (the root is level 1)
	maxNodes         = 1000    // condition nodes per rule
)

// Spec is a rule document as people write it (JSON, editable in a CRM).
// [Compile] validates it and turns it into a [RuleSet]. The JSON field names
// are the json tags below; doc.go shows a complete example.
type Spec struct {
	// KillSwitch, when true, blocks every mutation of every rule; the
	// decisions are still computed and reported (notifications still go).
	KillSwitch bool `json:"kill_switch,omitempty"`

	// MaxDailyChanges, when positive, caps the changes applied to one
	// entity by all rules together over the last 24 hours (Meta advises at
	// most 2 or 3 budget or bid edits a day). Safety rules are exempt.
	MaxDailyChanges int `json:"max_daily_changes,omitempty"`

	// Currency, when set, is the ISO 4217 code of every money value of the
	// document (thresholds, budgets, bounds, in its minor units): the rule
	// set then refuses to evaluate a snapshot in another currency.
	Currency string `json:"currency,omitempty"`

	// ConversionEvent, when set, is the action type the document's
	// conversion metrics are about ("omni_purchase", "lead"): a rule that
	// reads conversions (conversions, cpa, roas, conversion_rate, profit,
	// a min_data conversions gate, ...) skips every entity whose
	// Entity.ConversionEvent differs, so a purchase target never judges a
	// lead campaign. Rules that read no conversions evaluate every entity.
	ConversionEvent string `json:"conversion_event,omitempty"`

	// Rules are evaluated in order; on a tie of precedence the earlier rule wins.
	Rules []RuleSpec `json:"rules"`
}

// RuleSpec is one rule: which entities it looks at, when it fires, what it
// does and the safeguards around the action.
type RuleSpec struct {
	ID          string        `json:"id"`                    // stable id: ledger entries, cooldowns and decision ids use it
	Name        string        `json:"name,omitempty"`        // human name; defaults to ID
	Description string        `json:"description,omitempty"` // free text
	Level       metrics.Level `json:"level"`                 // "campaign", "adset" or "ad"

	// Class sets the precedence of the rule's action: "safety" (stop
	// losses) > "protect" (cut) > "scale" (grow) > "notify". Empty derives it
	// from the action: pause is safety, a percentage decrease of a budget or
	// bid protect, an increase, unpause or set_budget scale, notify notify.
	// Give a set_budget rule that cuts budgets the class "protect".
	Class string `json:"class,omitempty"`

	// Live must be true for the rule's mutations to be applied; rules are
	// dry runs by default and their decisions are reported, not applied.
	Live bool `json:"live,omitempty"`

	// Disabled rules are compiled (so their mistakes are reported) but never evaluated.
	Disabled bool `json:"disabled,omitempty"`

	Filter     *FilterSpec    `json:"filter,omitempty"`
	Conditions *ConditionSpec `json:"conditions"`
	Action     ActionSpec     `json:"action"`
	Safeguards SafeguardSpec  `json:"safeguards,omitzero"`
}

// FilterSpec selects the entities a rule looks at. Every non-empty field
// must match.
type FilterSpec struct {
	IDs           []string `json:"ids,omitempty"`            // only these ids
	ExcludeIDs    []string `json:"exclude_ids,omitempty"`    // never these ids
	NameContains  string   `json:"name_contains,omitempty"`  // case-insensitive substring
	NameMatches   string   `json:"name_matches,omitempty"`   // RE2 regular expression
	Status        []string `json:"status,omitempty"`         // configured status in this list (default: ACTIVE, or PAUSED for unpause)
	Objective     []string `json:"objective,omitempty"`      // objective in this list
	Labels        []string `json:"labels,omitempty"`         // entity carries every one of these labels
	LearningStage []string `json:"learning_stage,omitempty"` // learning stage in this list
}

// ConditionSpec is one node of the condition tree. It holds exactly one of:
//
//   - a group: All (every child true), Any (some child true) or Not;
//   - a comparison: Metric (with Window) or Field on the left, Op, and on
//     the right Value, Range (for "between" and "outside") or Than (another
//     metric or field times a factor); Confidence turns it into a
//     statistical gate;
//   - Hours (hour of day) or Weekdays (day of week) of Snapshot.Now;
//   - MinData, a minimum-data gate;
//   - RecentAction, a test on the ledger (what the rules did lately).
type ConditionSpec struct {
	Label string `json:"label,omitempty"` // words for the evidence ("CPA at least 1.5 x target")

	All []ConditionSpec `json:"all,omitempty"`
	Any []ConditionSpec `json:"any,omitempty"`
	Not *ConditionSpec  `json:"not,omitempty"`

	Metric     string       `json:"metric,omitempty"`     // a metrics registry name: "cpa", "link_ctr", ...
	Field      string       `json:"field,omitempty"`      // an entity field: "daily_budget", "age_hours", ...
	Window     string       `json:"window,omitempty"`     // required with Metric
	Op         string       `json:"op,omitempty"`         // ">", ">=", "<", "<=", "==", "!=", "between", "outside"
	Value      *float64     `json:"value,omitempty"`      // constant in the metric's unit (money in minor units, fractions not percents)
	Range      []float64    `json:"range,omitempty"`      // [lo, hi] for "between" and "outside"
	Than       *OperandSpec `json:"than,omitempty"`       // compare with another metric or field
	Confidence float64      `json:"confidence,omitempty"` // e.g. 0.95: compare the conservative interval bound instead of the point value

	Hours        *HoursSpec        `json:"hours,omitempty"`
	Weekdays     []string          `json:"weekdays,omitempty"` // "mon" ... "sun"
	MinData      *MinDataSpec      `json:"min_data,omitempty"`
	RecentAction *RecentActionSpec `json:"recent_action,omitempty"`
}

// OperandSpec is the right-hand side of a comparison between two measured
// values: Factor x (Metric over Window, or Field). Factor defaults to 1.
type OperandSpec struct {
	Metric string   `json:"metric,omitempty"`
	Field  string   `json:"field,omitempty"`
	Window string   `json:"window,omitempty"`
	Factor *float64 `json:"factor,omitempty"`
}

// HoursSpec is true when the hour of Snapshot.Now is in [From, To); when
// From > To the range wraps midnight (22 to 6).
type HoursSpec struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// MinDataSpec is a minimum-data gate: true when every non-zero minimum is
// reached. Counts are read over Window (required when any count is set).
type MinDataSpec struct {
	Window      string  `json:"window,omitempty"`
	Impressions int64   `json:"impressions,omitempty"`
	Clicks      int64   `json:"clicks,omitempty"`
	Spend       int64   `json:"spend,omitempty"` // minor units
	Conversions int64   `json:"conversions,omitempty"`
	AgeHours    float64 `json:"age_hours,omitempty"` // hours since CreatedTime
}

// RecentActionSpec is true when the ledger holds an applied action on the
// entity within the duration, by one of the rules (any rule when empty) and
// of one of the action types (any when empty).
type RecentActionSpec struct {
	Rules   []string `json:"rules,omitempty"`
	Actions []string `json:"actions,omitempty"`
	Within  string   `json:"within"` // duration: "72h", "7d"
}

// ActionSpec is what a rule does when it fires.
type ActionSpec struct {
	// Type is "pause", "unpause", "scale_budget", "set_budget", "change_bid",
	// "notify" or "freeze" (block the entity's non-safety rules this run).
	Type string `json:"type"`

	Percent *float64 `json:"percent,omitempty"` // scale_budget, change_bid: +20 raises by 20%, -20 cuts by 20%
	Amount  *int64   `json:"amount,omitempty"`  // set_budget, change_bid: the new value, minor units
	Message string   `json:"message,omitempty"` // notify (optional elsewhere): text with placeholders {{.Rule}} {{.Entity}} {{.EntityID}} {{.Level}} {{.Evidence}}; nothing else
}

// SafeguardSpec bounds how often and how far a rule may act on one entity.
type SafeguardSpec struct {
	Cooldown        string   `json:"cooldown,omitempty"`         // minimum time between applied actions of this rule on one entity ("24h", "3d")
	MaxExecutions   int      `json:"max_executions,omitempty"`   // cap on applied actions of this rule per entity within ExecutionWindow
	ExecutionWindow string   `json:"execution_window,omitempty"` // window of MaxExecutions; empty means ever
	MinBudget       *int64   `json:"min_budget,omitempty"`       // budget floor, minor units
	MaxBudget       *int64   `json:"max_budget,omitempty"`       // budget ceiling, minor units
	MaxStepPercent  *float64 `json:"max_step_percent,omitempty"` // largest change of one action, percent of the current value
	MaxWeekPercent  *float64 `json:"max_week_percent,omitempty"` // largest cumulative increase of the budget or bid over 7 days, percent
	// Learning is "skip" (do not act while the entity is in the learning
	// phase; the default except for safety rules) or "allow".
	Learning string `json:"learning,omitempty"`
}

// ParseSpec decodes a JSON rule document. Unknown keys, keys repeated in
// one object and numbers that round to 0 are problems with their paths, so
// a misspelt or repeated key cannot silently disable a safeguard. The result still needs
// [Compile]; [CompileJSON] does both.
func ParseSpec(data []byte) (Spec, error) {
	if len(data) > maxDocumentBytes {
		return Spec{}, &CompileError{Problems: []Problem{{Path: "$", Message: "document of " + strconv.Itoa(len(data)) + " bytes; expected at most " + strconv.Itoa(maxDocumentBytes)}}}
	}
	if ps := checkShape(data); len(ps) > 0 {
		return Spec{}, &CompileError{Problems: ps}
	}
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		// checkShape accepts only what decodes; this is a safety net.
		return Spec{}, &CompileError{Problems: []Problem{{Path: "$", Message: "invalid rule document: " + strings.TrimPrefix(err.Error(), "json: ")}}}
	}
	return s, nil
}

// CompileJSON parses and compiles a JSON rule document.
func CompileJSON(data []byte) (*RuleSet, error) {
	s, err := ParseSpec(data)
	if err != nil {
		return nil, err
	}
	return Compile(s)
}
