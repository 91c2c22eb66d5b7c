package rules

import (
	"fmt"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// field is an entity attribute a condition can compare: a budget, the age,
// a pacing ratio. Metrics come from the metrics registry; fields from here.
type field uint8

const (
	fieldDailyBudget field = iota + 1
	fieldLifetimeBudget
	fieldBudget
	fieldBidAmount
	fieldAgeHours
	fieldHoursSinceEdit
	fieldFlightElapsed
	fieldDailyPacing
	fieldLifetimePacing
	fieldLearningPhase
	numFields
)

type fieldInfo struct {
	name  string
	unit  metrics.Unit
	words string
}

var fieldTable = [numFields]fieldInfo{
	fieldDailyBudget:    {"daily_budget", metrics.UnitMoney, "daily budget"},
	fieldLifetimeBudget: {"lifetime_budget", metrics.UnitMoney, "lifetime budget"},
	fieldBudget:         {"budget", metrics.UnitMoney, "budget (daily, else lifetime)"},
	fieldBidAmount:      {"bid_amount", metrics.UnitMoney, "bid amount"},
	fieldAgeHours:       {"age_hours", metrics.UnitHours, "age in hours"},
	fieldHoursSinceEdit: {"hours_since_edit", metrics.UnitHours, "hours since the last significant edit"},
	fieldFlightElapsed:  {"flight_elapsed", metrics.UnitFraction, "share of the flight elapsed"},
	fieldDailyPacing:    {"daily_pacing", metrics.UnitRatio, "daily pacing (spend today / budget x share of the day elapsed)"},
	fieldLifetimePacing: {"lifetime_pacing", metrics.UnitRatio, "lifetime pacing (lifetime spend / lifetime budget x share of the flight elapsed)"},
	fieldLearningPhase:  {"learning_phase", metrics.UnitCount, "learning-phase flag (1 = learning)"},
}

func parseField(s string) (field, error) {
	for f := fieldDailyBudget; f < numFields; f++ {
		if fieldTable[f].name == s {
			return f, nil
		}
	}
	names := make([]string, 0, numFields)
	for f := fieldDailyBudget; f < numFields; f++ {
		names = append(names, fieldTable[f].name)
	}
	return 0, fmt.Errorf("unknown field %q; expected one of %s", s, quotedList(names))
}

func hoursBetween(from, to time.Time) float64 { return to.Sub(from).Hours() }

// value returns the field of e at now; ok is false when it is not defined
// (no budget at this level, unknown creation time, no flight end, ...).
func (f field) value(e *Entity, now time.Time) (float64, bool) {
	switch f {
	case fieldDailyBudget:
		return float64(e.DailyBudget), e.DailyBudget > 0
	case fieldLifetimeBudget:
		return float64(e.LifetimeBudget), e.LifetimeBudget > 0
	case fieldBudget:
		b, _ := e.budget()
		return float64(b), b > 0
	case fieldBidAmount:
		return float64(e.BidAmount), e.BidAmount > 0
	case fieldAgeHours:
		return hoursBetween(e.CreatedTime, now), !e.CreatedTime.IsZero()
	case fieldHoursSinceEdit:
		return hoursBetween(e.LastSignificantEdit, now), !e.LastSignificantEdit.IsZero()
	case fieldFlightElapsed:
		start, end, ok := e.flight()
		if !ok {
			return 0, false
		}
		return metrics.PeriodElapsed(start, end, now)
	case fieldDailyPacing:
		c, ok := e.counts(WindowToday)
		if !ok {
			return 0, false
		}
		return metrics.DailyPacing(c.Spend, e.DailyBudget, now)
	case fieldLearningPhase:
		if e.LearningStage == "" {
			return 0, false
		}
		if e.LearningStage == LearningStageLearning {
			return 1, true
		}
		return 0, true
	case fieldLifetimePacing:
		c, ok := e.counts(WindowLifetime)
		start, end, fok := e.flight()
		if !ok || !fok {
			return 0, false
		}
		return metrics.LifetimePacing(c.Spend, e.LifetimeBudget, start, end, now)
	}
	return 0, false
}

// flight returns the flight of e: from StartTime (CreatedTime when unset)
// to EndTime. ok is false when either end is unknown.
func (e *Entity) flight() (start, end time.Time, ok bool) {
	start = e.StartTime
	if start.IsZero() {
		start = e.CreatedTime
	}
	if start.IsZero() || e.EndTime.IsZero() {
		return start, e.EndTime, false
	}
	return start, e.EndTime, true
}
