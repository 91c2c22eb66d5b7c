package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/metrics"
)

// ErrCurrencyMismatch is matched (with [ErrInvalidSnapshot]) by the error
// of [RuleSet.Evaluate] when the rule set's Spec.Currency differs from
// Snapshot.Currency: money thresholds in one currency's minor units must
// never be read in another's.
var ErrCurrencyMismatch = errors.New("rules: currency mismatch")

// RuleCoverage says what one rule looked at in an evaluation, so that an
// evaluation with no decisions can be told apart from one that had no
// data: how many entities of the rule's level there were, how many the
// rule skipped (its filter, its status, another conversion event), and of
// those it evaluated how many met its conditions, did not, or could not be
// decided (unknown) and why.
type RuleCoverage struct {
	RuleID   string        `json:"rule_id"`
	Level    metrics.Level `json:"level"`
	Disabled bool          `json:"disabled,omitempty"` // the rule is disabled: nothing was evaluated
	// Entities is the number of entities of the rule's level in the snapshot.
	Entities int `json:"entities"`
	// Skipped entities did not pass the rule's filter (status, ids,
	// objective, labels, learning stage, name) or count another
	// conversion event than the rule set's.
	Skipped int `json:"skipped"`
	// Evaluated = Fired + NotMet + Unknown.
	Evaluated int `json:"evaluated"`
	Fired     int `json:"fired"`   // conditions true: a decision was made
	NotMet    int `json:"not_met"` // conditions false
	Unknown   int `json:"unknown"` // conditions unknown: data missing
	// Reasons say why entities were unknown (and why they were skipped for
	// their conversion event), most frequent first.
	Reasons []CoverageReason `json:"reasons,omitempty"`
}

// CoverageReason is one cause of unknown (or skipped) entities of a rule.
type CoverageReason struct {
	Reason  string `json:"reason"`  // in words: "no counts for last_7d", "frequency over last_7d needs de-duplicated reach"
	Count   int    `json:"count"`   // entities with this cause
	Example string `json:"example"` // the id of the first such entity
}

// causeKind classifies why a rule could not be decided for an entity.
type causeKind uint8

const (
	causeMissingWindow causeKind = iota + 1 // the entity has no counts for the window
	causeReachSummed                        // a reach metric on summed reach
	causeUndefined                          // a zero denominator
	causeNoInterval                         // a statistical gate without an interval
	causeField                              // an entity field that is not set
	causeConvEvent                          // skipped: another conversion event
)

// cause is one comparable cause; the words are built once per evaluation.
type cause struct {
	kind   causeKind
	window Window
	field  field
	metric string
	event  string
}

func (c cause) words(setEvent string) string {
	switch c.kind {
	case causeMissingWindow:
		if c.window.Words() == c.window.String() {
			return "no counts for " + c.window.String()
		}
		return "no counts for " + c.window.String() + " (" + c.window.Words() + ")"
	case causeReachSummed:
		return c.metric + " over " + c.window.String() + " needs de-duplicated reach; the reach given is a sum of rows"
	case causeUndefined:
		return c.metric + " over " + c.window.String() + " is undefined (zero denominator)"
	case causeNoInterval:
		return c.metric + " over " + c.window.String() + " has no interval (too little data)"
	case causeField:
		return fieldUnknownWords(c.field)
	case causeConvEvent:
		ev := strconv.Quote(c.event)
		if c.event == "" {
			ev = "no stated conversion event"
		}
		return "skipped: counts " + ev + "; the rule set's conversion metrics are for " + strconv.Quote(setEvent)
	}
	return "unknown"
}

func fieldUnknownWords(f field) string {
	switch f {
	case fieldLearningPhase:
		return "no learning stage"
	case fieldHoursSinceEdit:
		return "no last significant edit"
	case fieldAgeHours:
		return "no created time"
	case fieldFlightElapsed, fieldLifetimePacing:
		return fieldTable[f].words + " undefined (no flight end, or no lifetime counts or budget)"
	case fieldDailyPacing:
		return fieldTable[f].words + " undefined (no daily budget or no counts for today)"
	}
	if f > 0 && f < numFields {
		return "no " + fieldTable[f].words
	}
	return "an unknown field"
}

// coverage accumulates one rule's counts during an evaluation.
type coverage struct {
	RuleCoverage
	causes []causeCount
}

type causeCount struct {
	c       cause
	n       int
	example string
}

func (cv *coverage) add(c cause, id string) {
	for i := range cv.causes {
		if cv.causes[i].c == c {
			cv.causes[i].n++
			return
		}
	}
	if len(cv.causes) < maxCoverageReasons {
		cv.causes = append(cv.causes, causeCount{c: c, n: 1, example: id})
	}
}

// maxCoverageReasons bounds the distinct reasons kept per rule.
const maxCoverageReasons = 16

func (cv *coverage) result(setEvent string) RuleCoverage {
	out := cv.RuleCoverage
	for _, c := range cv.causes {
		out.Reasons = append(out.Reasons, CoverageReason{Reason: c.c.words(setEvent), Count: c.n, Example: c.example})
	}
	// Most frequent first; stable, so first-seen order breaks ties.
	for i := 1; i < len(out.Reasons); i++ {
		for j := i; j > 0 && out.Reasons[j].Count > out.Reasons[j-1].Count; j-- {
			out.Reasons[j], out.Reasons[j-1] = out.Reasons[j-1], out.Reasons[j]
		}
	}
	return out
}

// unknownCause finds why n is unknown for the current entity: the first
// unknown leaf on the path that decides the result.
func (n *node) unknownCause(ec *evalCtx) (cause, bool) {
	switch n.kind {
	case nodeAll, nodeAny, nodeNot:
		for _, k := range n.kids {
			if k.eval(ec) == triUnknown {
				return k.unknownCause(ec)
			}
		}
	case nodeCompare:
		if c, ok := ec.operandCause(&n.left); ok {
			return c, true
		}
		above := n.op == opGT || n.op == opGE
		if n.conf > 0 {
			if _, _, _, ok := ec.bound(&n.left, n.conf, above); !ok {
				return cause{kind: causeNoInterval, window: n.left.window, metric: n.left.metric.Name}, true
			}
		}
		if n.hasRight {
			if c, ok := ec.operandCause(&n.right); ok {
				return c, true
			}
			if n.conf > 0 && n.right.ival {
				if _, _, _, ok := ec.bound(&n.right, n.conf, !above); !ok {
					return cause{kind: causeNoInterval, window: n.right.window, metric: n.right.metric.Name}, true
				}
			}
		}
	}
	return cause{}, false
}

// operandCause returns why o is undefined for the current entity; ok is
// false when o is defined.
func (ec *evalCtx) operandCause(o *operand) (cause, bool) {
	if ec.operand(o).ok {
		return cause{}, false
	}
	if o.isField {
		return cause{kind: causeField, field: o.field}, true
	}
	c, has := ec.counts(o.window)
	switch {
	case !has:
		return cause{kind: causeMissingWindow, window: o.window}, true
	case o.metric.NeedsWindowReach && c.ReachSummed:
		return cause{kind: causeReachSummed, window: o.window, metric: o.metric.Name}, true
	}
	return cause{kind: causeUndefined, window: o.window, metric: o.metric.Name}, true
}

// writeCoverage writes the coverage of the rules that skipped or could
// not decide entities, one line each with its reasons.
func writeCoverage(b *strings.Builder, cov []RuleCoverage) {
	wrote := false
	for _, c := range cov {
		if c.Unknown == 0 && len(c.Reasons) == 0 {
			continue
		}
		if !wrote {
			b.WriteString("\ncoverage (rules with undecided entities):\n")
			wrote = true
		}
		fmt.Fprintf(b, "  %s: %d %s entities, %d skipped, %d evaluated (%d fired, %d not met, %d unknown)\n",
			c.RuleID, c.Entities, c.Level, c.Skipped, c.Evaluated, c.Fired, c.NotMet, c.Unknown)
		for _, r := range c.Reasons {
			fmt.Fprintf(b, "    %d x %s (e.g. %s)\n", r.Count, r.Reason, r.Example)
		}
	}
}
