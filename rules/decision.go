package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// Evaluation is the result of evaluating a [RuleSet] against a [Snapshot]:
// the decisions of every rule that fired, allowed or blocked.
type Evaluation struct {
	Now       time.Time  `json:"now"`
	Decisions []Decision `json:"decisions"`
	// Coverage has one entry per rule, in document order: what the rule
	// evaluated, skipped and could not decide, and why.
	Coverage []RuleCoverage `json:"coverage"`
}

// Decision is what one rule decided for one entity, with the evidence that
// made it fire and the safeguards that allowed or blocked it.
type Decision struct {
	// ID is deterministic: the same rule, entity, action, target value and
	// Snapshot.Now give the same id, so the ledger can tell a retry from a
	// new decision.
	ID         string        `json:"id"`
	RuleID     string        `json:"rule_id"`
	RuleName   string        `json:"rule_name"`
	Class      Class         `json:"class"`
	Action     ActionType    `json:"action"`
	Level      metrics.Level `json:"level"`
	EntityID   string        `json:"entity_id"`
	EntityName string        `json:"entity_name,omitempty"`
	Account    string        `json:"account,omitempty"`

	Budget BudgetKind `json:"budget,omitempty"` // budget actions: which budget
	From   int64      `json:"from,omitempty"`   // budget or bid now, minor units
	To     int64      `json:"to,omitempty"`     // budget or bid after the action, minor units

	Message string `json:"message,omitempty"` // rendered message template

	// Allowed is true when every safeguard passed. An allowed decision of a
	// rule that is not live is still a dry run (DryRun true).
	Allowed bool `json:"allowed"`
	DryRun  bool `json:"dry_run"`

	Evidence   []Evidence `json:"evidence"`
	Safeguards []Check    `json:"safeguards"`

	At time.Time `json:"at"` // Snapshot.Now
}

// Summary is the decision in one line of words.
func (d *Decision) Summary() string {
	var b strings.Builder
	b.WriteString(d.RuleName)
	b.WriteString(": ")
	b.WriteString(d.actionWords())
	b.WriteString(" ")
	b.WriteString(d.Level.String())
	b.WriteString(" ")
	b.WriteString(strconv.Quote(d.EntityName))
	b.WriteString(" (")
	b.WriteString(d.EntityID)
	b.WriteString(")")
	switch {
	case !d.Allowed:
		b.WriteString(": blocked")
		for _, c := range d.Safeguards {
			if !c.Passed {
				b.WriteString(" by ")
				b.WriteString(c.Name)
				break
			}
		}
	case d.Action == ActionFreeze:
		b.WriteString(": only safety rules and notifications act on it this run")
	case d.DryRun:
		b.WriteString(": dry run")
	default:
		b.WriteString(": allowed")
	}
	return b.String()
}

func (d *Decision) actionWords() string {
	switch d.Action {
	case ActionScaleBudget, ActionSetBudget:
		return fmt.Sprintf("set %s budget %d -> %d (%+.1f%%) of", d.Budget, d.From, d.To, pctChange(d.From, d.To))
	case ActionChangeBid:
		return fmt.Sprintf("set bid %d -> %d (%+.1f%%) of", d.From, d.To, pctChange(d.From, d.To))
	}
	return d.Action.String()
}

func pctChange(from, to int64) float64 {
	if from == 0 {
		return 0
	}
	return (float64(to)/float64(from) - 1) * 100
}

// Evidence is one condition of a rule as it was measured. Depth is the
// nesting in the condition tree (0 at the root).
type Evidence struct {
	Depth  int    `json:"depth"`
	Text   string `json:"text"`            // the condition and its measurement in words
	Result string `json:"result"`          // "met", "not met" or "unknown" (data missing)
	Window Window `json:"window,omitzero"` // window of the left-hand metric
	// Metric is the left-hand metric ("cpa") or entity field
	// ("daily_budget") of a comparison; empty for other conditions.
	Metric string `json:"metric,omitempty"`
	// Unit is the unit of Value and Threshold (money is in minor units
	// of Snapshot.Currency; age fields are in hours); empty for other
	// conditions.
	Unit      metrics.Unit `json:"unit,omitempty"`
	Value     *float64     `json:"value,omitempty"`     // measured value; nil when undefined
	Threshold *float64     `json:"threshold,omitempty"` // what it was compared with
	// Interval is, for statistical gates, the interval the gate used.
	Interval *metrics.Interval `json:"interval,omitempty"`
}

// Check is one safeguard applied to a decision.
type Check struct {
	Name   string `json:"name"` // "cooldown", "max_executions", "learning_phase", ...
	Passed bool   `json:"passed"`
	Detail string `json:"detail"` // what was checked, in words
}
