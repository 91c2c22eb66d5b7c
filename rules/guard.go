package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// decide turns the rules that fired for one entity into decisions:
// per-rule safeguards, then the learning freeze, then one mutation per
// entity by precedence.
func (s *RuleSet) decide(ec *evalCtx, fired []*Rule, out []Decision) []Decision {
	first := len(out)
	e := ec.e
	var freezer *Rule
	for _, r := range fired {
		if r.action.typ == ActionFreeze {
			freezer = r
			break
		}
	}
	for _, r := range fired {
		d := Decision{
			RuleID: r.id, RuleName: r.name, Class: r.class, Action: r.action.typ, Level: e.Level,
			EntityID: e.ID, EntityName: e.Name, Account: e.Account, At: ec.now,
			DryRun: !r.live && r.action.typ != ActionFreeze, // a freeze acts inside the evaluation
		}
		d.Evidence = ec.ruleEvidence(r)
		d.Safeguards = make([]Check, 0, 8)
		s.guard(ec, r, &d)
		if freezer != nil && r != freezer && d.Action != ActionNotify && r.class != ClassSafety {
			d.Safeguards = append(d.Safeguards, Check{Name: "learning_freeze", Detail: fmt.Sprintf("frozen by rule %q this run; only safety rules and notifications act", freezer.id)})
		} else if freezer != nil && r != freezer && r.class == ClassSafety {
			d.Safeguards = append(d.Safeguards, Check{Name: "learning_freeze", Passed: true, Detail: fmt.Sprintf("rule %q froze the entity, but safety rules still act", freezer.id)})
		}
		d.Allowed = allPassed(d.Safeguards)
		if m := r.action.message; m != nil {
			if m.konst {
				d.Message = m.text
			} else {
				d.Message = m.render(r.name, e.Name, e.ID, e.Level.String(), metEvidence(d.Evidence))
			}
		}
		d.ID = decisionID(&d, ec.nowID)
		out = append(out, d)
	}
	// One mutation per entity per run: the allowed mutation of highest
	// class wins (earlier rule on a tie); the others are blocked.
	win := -1
	for i := first; i < len(out); i++ {
		d := &out[i]
		if !d.Allowed || !d.Action.Mutates() {
			continue
		}
		if win < 0 || d.Class > out[win].Class {
			win = i
		}
	}
	for i := first; i < len(out); i++ {
		d := &out[i]
		if !d.Action.Mutates() {
			continue
		}
		if i == win {
			d.Safeguards = append(d.Safeguards, Check{Name: "one_mutation_per_run", Passed: true, Detail: onlyChangeWords(d.Class)})
			continue
		}
		if d.Allowed && win >= 0 {
			d.Safeguards = append(d.Safeguards, Check{Name: "one_mutation_per_run", Detail: fmt.Sprintf("rule %q (%s) changes this entity this run; precedence is safety > protect > scale > notify", out[win].RuleID, out[win].Class)})
			d.Allowed = false
		}
	}
	return out
}

func allPassed(cs []Check) bool {
	for _, c := range cs {
		if !c.Passed {
			return false
		}
	}
	return true
}

func metEvidence(ev []Evidence) string {
	var parts []string
	for _, e := range ev {
		if e.Result == "met" && e.Value != nil {
			parts = append(parts, e.Text)
		}
	}
	return strings.Join(parts, "; ")
}

func decisionID(d *Decision, at []byte) string {
	var buf [256]byte
	b := buf[:0]
	for _, s := range [...]string{d.RuleID, d.EntityID, d.Level.String(), d.Action.String(), d.Budget.String()} {
		b = append(b, s...)
		b = append(b, 0)
	}
	b = strconv.AppendInt(b, d.To, 10)
	b = append(b, 0)
	b = append(b, at...) // d.At in UTC, RFC 3339 with nanoseconds
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// guard applies the rule's own safeguards and computes the new value of
// budget and bid actions.
func (s *RuleSet) guard(ec *evalCtx, r *Rule, d *Decision) {
	e := ec.e
	add := func(name string, passed bool, detail string) {
		d.Safeguards = append(d.Safeguards, Check{Name: name, Passed: passed, Detail: detail})
	}
	mut := r.action.typ.Mutates()
	if mut && s.killSwitch {
		add("kill_switch", false, "the kill switch is on: no rule changes anything")
	}
	if mut && s.maxDaily > 0 && r.class != ClassSafety {
		n := 0
		for _, h := range ec.hist {
			if h.Outcome.mayHaveApplied() && h.Action.Mutates() && !h.At.After(ec.now) && ec.now.Sub(h.At) < 24*time.Hour {
				n++
			}
		}
		add("max_daily_changes", n < s.maxDaily, strconv.Itoa(n)+" of "+strconv.Itoa(s.maxDaily)+" changes to this entity in the last 24h, by all rules")
	}
	if r.guard.skipLearning {
		if e.LearningStage == LearningStageLearning {
			add("learning_phase", false, "the entity is in the learning phase; this "+r.class.String()+" rule waits until it exits")
		} else {
			d.Safeguards = append(d.Safeguards, Check{Name: "learning_phase", Passed: true, Detail: notLearningWords(e.LearningStage)})
		}
	}
	g := &r.guard
	if g.cooldown > 0 {
		last := lastApplied(ec.hist, r.id, time.Time{})
		if last != nil && ec.now.Sub(last.At) < g.cooldown {
			add("cooldown", false, fmt.Sprintf("this rule last acted %s ago (%s); cooldown is %s", hoursWords(ec.now.Sub(last.At)), last.At.Format(time.RFC3339), hoursWords(g.cooldown)))
		} else {
			d.Safeguards = append(d.Safeguards, Check{Name: "cooldown", Passed: true, Detail: g.cooldownOK})
		}
	}
	if g.maxExec > 0 {
		since := time.Time{}
		window := "ever"
		if g.execWindow > 0 {
			since = ec.now.Add(-g.execWindow)
			window = "in the last " + hoursWords(g.execWindow)
		}
		n := countApplied(ec.hist, r.id, since)
		add("max_executions", n < g.maxExec, strconv.Itoa(n)+" of "+strconv.Itoa(g.maxExec)+" executions used "+window)
	}
	switch r.action.typ {
	case ActionScaleBudget, ActionSetBudget:
		from, kind := e.budget()
		d.Budget, d.From = kind, from
		if from <= 0 {
			add("budget", false, "no budget at this level (it may be set on the campaign)")
			return
		}
		to := r.action.amount
		if r.action.typ == ActionScaleBudget {
			to = int64(math.Round(float64(from) * (1 + r.action.percent/100)))
		}
		d.To = s.clampBudget(ec, r, from, to, kind, add)
		classDirection(r, d, add)
	case ActionChangeBid:
		d.From = e.BidAmount
		if e.BidAmount <= 0 {
			add("bid", false, "no bid amount set (automatic bidding); nothing to change")
			return
		}
		to := r.action.amount
		if r.action.hasPct {
			to = int64(math.Round(float64(e.BidAmount) * (1 + r.action.percent/100)))
		}
		d.To = clampStep(g, e.BidAmount, to, add)
		d.To = weekCap(ec, g, e.BidAmount, d.To, func(h *Entry) bool { return h.Action == ActionChangeBid }, add)
		if d.To == d.From {
			add("change", false, "the bid would not change")
		}
		classDirection(r, d, add)
	}
}

// classDirection blocks a raise under a safety or protect class: those
// classes pass the learning skip, the daily change cap and precedence
// because they cut, so a set_budget or an absolute change_bid that would
// raise the value must not borrow them. (Compile rejects the classes for
// actions that always raise.)
func classDirection(r *Rule, d *Decision, add addCheck) {
	if (r.class == ClassSafety || r.class == ClassProtect) && d.To > d.From {
		add("class", false, "class "+r.class.String()+" only cuts, but this change raises "+strconv.FormatInt(d.From, 10)+" to "+strconv.FormatInt(d.To, 10)+"; give the rule the class \"scale\" to raise")
	}
}

// onlyChangeWords is the detail of the winning mutation's check.
func onlyChangeWords(c Class) string {
	switch c {
	case ClassSafety:
		return "the only change to this entity this run (highest precedence: safety)"
	case ClassProtect:
		return "the only change to this entity this run (highest precedence: protect)"
	case ClassScale:
		return "the only change to this entity this run (highest precedence: scale)"
	}
	return "the only change to this entity this run (highest precedence: " + c.String() + ")"
}

// notLearningWords is the detail of a passed learning-phase check.
func notLearningWords(stage string) string {
	switch stage {
	case LearningStageSuccess:
		return "not in the learning phase (stage SUCCESS)"
	case LearningStageFail:
		return "not in the learning phase (stage FAIL)"
	}
	return "not in the learning phase (stage " + orWord(stage, "unknown") + ")"
}

func orWord(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func hoursWords(d time.Duration) string {
	h := d.Hours()
	if h == math.Trunc(h) {
		return strconv.FormatFloat(h, 'f', 0, 64) + "h"
	}
	return strconv.FormatFloat(h, 'f', 1, 64) + "h"
}

type addCheck func(name string, passed bool, detail string)

// clampStep bounds one change to the rule's max_step_percent.
func clampStep(g *safeguards, from, to int64, add addCheck) int64 {
	if !g.hasStep {
		return to
	}
	limit := g.maxStep * float64(from)
	if math.Abs(float64(to-from)) > limit {
		clamped := from + int64(math.Copysign(math.Floor(limit), float64(to-from)))
		add("max_step", true, "change from "+strconv.FormatInt(from, 10)+" to "+strconv.FormatInt(to, 10)+" exceeds "+strconv.FormatFloat(g.maxStep*100, 'f', 0, 64)+"% per step; clamped to "+strconv.FormatInt(clamped, 10))
		return clamped
	}
	add("max_step", true, "change from "+strconv.FormatInt(from, 10)+" to "+strconv.FormatInt(to, 10)+" is within "+strconv.FormatFloat(g.maxStep*100, 'f', 0, 64)+"% per step")
	return to
}

func (s *RuleSet) clampBudget(ec *evalCtx, r *Rule, from, to int64, kind BudgetKind, add addCheck) int64 {
	g := &r.guard
	to = clampStep(g, from, to, add)
	to = weekCap(ec, g, from, to, func(h *Entry) bool { return h.Action.budget() && h.Budget == kind }, add)
	if g.maxBudget > 0 && to > g.maxBudget {
		to = max(g.maxBudget, min(to, from))
		add("max_budget", to > from || to < from, "ceiling "+strconv.FormatInt(g.maxBudget, 10)+"; budget set to "+strconv.FormatInt(to, 10))
	}
	if g.minBudget > 0 && to < g.minBudget {
		to = min(g.minBudget, max(to, from))
		add("min_budget", to > from || to < from, "floor "+strconv.FormatInt(g.minBudget, 10)+"; budget set to "+strconv.FormatInt(to, 10))
	}
	if to == from {
		add("change", false, "the budget would stay at "+strconv.FormatInt(from, 10))
	}
	return to
}

// weekCap bounds an increase to the rule's max_week_percent over 7 days.
// The baseline is the value before the first change in the last 7 days of
// the same budget or of the bid (same reports which entries), by any rule,
// applied or of unknown outcome.
func weekCap(ec *evalCtx, g *safeguards, from, to int64, same func(*Entry) bool, add addCheck) int64 {
	if !g.hasWeek || to <= from {
		return to
	}
	base := from
	var first *Entry
	for _, h := range ec.hist {
		if h.Outcome.mayHaveApplied() && same(h) && ec.now.Sub(h.At) < 7*24*time.Hour && !h.At.After(ec.now) &&
			(first == nil || h.At.Before(first.At)) {
			first = h
		}
	}
	if first != nil {
		base = first.From
	}
	limit := int64(math.Floor(float64(base) * (1 + g.maxWeek)))
	if to > limit {
		add("max_week", limit > from, fmt.Sprintf("7-day increase cap %.0f%% over %d allows at most %d; clamped from %d", g.maxWeek*100, base, limit, to))
		return max(limit, from)
	}
	add("max_week", true, "7-day increase from "+strconv.FormatInt(base, 10)+" to "+strconv.FormatInt(to, 10)+" is within "+strconv.FormatFloat(g.maxWeek*100, 'f', 0, 64)+"%")
	return to
}

// lastApplied returns the latest entry of the rule that may have applied a
// change (History need not be sorted).
func lastApplied(hist []*Entry, ruleID string, since time.Time) *Entry {
	var last *Entry
	for _, h := range hist {
		if h.Outcome.mayHaveApplied() && h.RuleID == ruleID && !h.At.Before(since) && (last == nil || h.At.After(last.At)) {
			last = h
		}
	}
	return last
}

func countApplied(hist []*Entry, ruleID string, since time.Time) int {
	n := 0
	for _, h := range hist {
		if h.Outcome.mayHaveApplied() && h.RuleID == ruleID && !h.At.Before(since) {
			n++
		}
	}
	return n
}
