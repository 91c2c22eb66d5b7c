package analysis

import (
	"cmp"
	"math"
	"slices"

	"github.com/adpilot/adpilot/metrics"
)

// The heuristic's findings from the signals.

func (a *analysis) fromSignals() {
	if len(a.in.Signals) == 0 {
		a.notes = append(a.notes, "No signals in the input (time patterns, creative fatigue trends, pacing curves, audience overlap, benchmarks): those findings are not part of this analysis.")
		return
	}
	for i := range a.in.Signals {
		s := &a.in.Signals[i]
		c := &candidate{family: "signal:" + string(s.Kind)}
		c.Kind = cmp.Or(s.Polarity, KindProblem)
		switch s.Severity {
		case SeverityCritical:
			c.Priority = PriorityUrgent
		case SeverityWarning:
			c.Priority = PriorityHigh
		default:
			c.Priority = PriorityMedium
			if c.Kind == KindProblem {
				c.Priority = PriorityLow
			}
		}
		if s.Confidence.Level == ConfidenceLow && c.Priority.Rank() < PriorityMedium.Rank() {
			c.Priority = PriorityMedium // an unsure finding is never urgent
		}
		if len(s.Entities) > 0 {
			c.Entity, c.Related = s.Entities[0], slices.Clone(s.Entities[1:])
		} else {
			c.Entity = EntityRef{Level: metrics.LevelAccount, ID: a.snap.Account, Name: a.accountName()}
		}
		c.Action = s.Suggestion
		if c.Action.Type == "" {
			c.Action = Action{Type: signalAction(s.Kind)}
		}
		// A signal about the same entity as a metric or rule finding of
		// the same kind is merged into it: fatigue with the creative
		// findings, pacing with the pacing ones, whatever action it proposes.
		switch {
		case s.Kind == SignalFatigue || c.Action.Type == ActionRefresh:
			c.family = "creative"
		case s.Kind == SignalPacing || c.Action.Type == ActionReviewBudget:
			c.family = "pacing"
		}
		c.Title = s.Finding
		c.Rationale = cmp.Or(s.Explanation, s.Finding)
		c.Evidence = slices.Clone(s.Evidence)
		c.Confidence = s.Confidence
		c.Sources = []Source{{Kind: "signal", ID: string(s.Kind), Detail: s.Finding}}
		c.Impact = Impact{Summary: "see the signal's evidence"}
		for _, f := range s.Evidence {
			if f.Basis == BasisEstimate {
				if f.Name == FigureMoneyAtStake {
					c.Impact.Estimates = append([]Figure{f}, c.Impact.Estimates...)
					c.stake = math.Abs(f.Value)
					continue
				}
				c.Impact.Estimates = append(c.Impact.Estimates, f)
			}
		}
		if c.stake == 0 {
			for _, f := range c.Impact.Estimates {
				if f.Unit == metrics.UnitMoney {
					c.stake = math.Abs(f.Value)
					break
				}
			}
		}
		if n := len(c.Impact.Estimates); n > 0 {
			c.Impact.Summary = c.Impact.Estimates[0].Text
		}
		a.add(c)
	}
}

func signalAction(k SignalKind) ActionKind {
	switch k {
	case SignalHourOfDay, SignalDayOfWeek, SignalSeasonality:
		return ActionSchedule
	case SignalFatigue:
		return ActionRefresh
	case SignalPacing:
		return ActionReviewBudget
	case SignalOverlap:
		return ActionAudience
	case SignalLearning:
		return ActionConsolidate
	case SignalConversionData:
		return ActionFixTracking
	}
	return ActionInvestigate
}

func (a *analysis) accountName() string {
	if a.in.Dataset != nil {
		return a.in.Dataset.Account.Name
	}
	return ""
}
