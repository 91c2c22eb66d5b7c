package rules

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// schedule is the rule's schedule_spec: SEMI_HOURLY when a condition
// reads today, DAILY otherwise; CUSTOM when top-level hour or weekday
// conditions restrict when it runs. A daily rule restricted to hours runs
// once at the start of each allowed range (its complete-day data is the
// same all day); an intraday one every half hour within them.
func (x *exporter) schedule() *MetaScheduleSpec {
	if !x.timed || x.hours == 1<<24-1 && x.days == 1<<7-1 {
		if x.intraday {
			return &MetaScheduleSpec{ScheduleType: "SEMI_HOURLY"}
		}
		return &MetaScheduleSpec{ScheduleType: "DAILY"}
	}
	if x.hours == 0 || x.days == 0 {
		x.issue(x.path+".conditions", "the hour and weekday conditions exclude every hour of the week; the rule could never run")
		return nil
	}
	var days []int
	if x.days != 1<<7-1 {
		for d := range 7 {
			if x.days&(1<<d) != 0 {
				days = append(days, d) // Meta's days: 0 is Sunday, like time.Weekday
			}
		}
	}
	minute := func(h int) *int { m := h * 60; return &m }
	var out []MetaSchedule
	for _, r := range hourRanges(x.hours) {
		if !x.intraday {
			out = append(out, MetaSchedule{StartMinute: minute(r[0]), Days: days})
			continue
		}
		// Runs at :00 and :30 from the range's first hour to the last
		// half hour before its end; a range over midnight is two entries.
		for _, seg := range [][2]int{{r[0], min(r[1], 24)}, {0, r[1] - 24}} {
			if seg[1] > seg[0] {
				end := seg[1]*60 - 30
				out = append(out, MetaSchedule{StartMinute: minute(seg[0]), EndMinute: &end, Days: days})
			}
		}
	}
	return &MetaScheduleSpec{ScheduleType: "CUSTOM", Schedule: out}
}

// hourRanges splits a 24-bit hour mask into ranges [from, to) on the
// clock; a range over midnight ends past 24 (22 to 30 is 22:00 to 06:00).
func hourRanges(mask uint32) [][2]int {
	if mask == 1<<24-1 {
		return [][2]int{{0, 24}}
	}
	var out [][2]int
	for h := range 24 {
		if mask&(1<<h) == 0 || mask&(1<<((h+23)%24)) != 0 {
			continue // not set, or not the first hour of a range
		}
		end := h
		for mask&(1<<(end%24)) != 0 {
			end++
		}
		out = append(out, [2]int{h, end})
	}
	return out
}

// budgetOrBid reports whether Meta accepts action_frequency and
// execution_count_limit on the execution type (reference §8.1).
func budgetOrBid(t ActionType) bool { return t == ActionScaleBudget || t == ActionChangeBid }

func (x *exporter) action() MetaExecutionSpec {
	r := x.rule
	p := x.path + ".action"
	var opts []MetaFilter
	var typ string
	switch r.action.typ {
	case ActionPause:
		typ = "PAUSE"
	case ActionUnpause:
		typ = "UNPAUSE"
	case ActionNotify:
		typ = "NOTIFICATION"
		if len(x.cfg.userIDs) > 0 {
			opts = append(opts, MetaFilter{Field: "user_ids", Value: x.cfg.userIDs, Operator: "EQUAL"})
		} else {
			x.warnings = append(x.warnings, p+": no recipients (user_ids): Meta notifies only the rule's creator, and nobody when a system user creates the rule; pass rules.ExportNotify")
		}
	case ActionScaleBudget:
		typ = "CHANGE_BUDGET"
		if r.level == metrics.LevelCampaign {
			typ = "CHANGE_CAMPAIGN_BUDGET"
		}
		opts = append(opts, MetaFilter{Field: "change_spec", Value: x.changeSpec(), Operator: "EQUAL"})
	case ActionChangeBid:
		typ = "CHANGE_BID"
		if !r.action.hasPct {
			x.issue(p+".amount", "Meta changes bids by an amount or a percentage, not to a value")
		}
		opts = append(opts, MetaFilter{Field: "change_spec", Value: map[string]any{"amount": dec(r.action.percent), "unit": "PERCENTAGE"}, Operator: "EQUAL"})
	case ActionSetBudget:
		x.issue(p+".type", "Meta changes budgets by an amount or a percentage, not to a value")
	case ActionFreeze:
		x.issue(p+".type", "a freeze acts on this engine's other rules; Meta's rules cannot block each other")
	}
	g := &r.guard
	sp := x.path + ".safeguards"
	if budgetOrBid(r.action.typ) {
		if g.cooldown > 0 {
			opts = append(opts, MetaFilter{Field: "action_frequency", Value: dec(math.Ceil(g.cooldown.Minutes())), Operator: "EQUAL"})
		}
		if g.maxExec > 0 {
			opts = append(opts, MetaFilter{Field: "execution_count_limit", Value: dec(float64(g.maxExec)), Operator: "EQUAL"})
			if g.execWindow > 0 {
				x.note("%s.execution_window: Meta counts executions over the rule's whole life; the cap of %d per %s is exported as %d in total (stricter)", sp, g.maxExec, hoursWords(g.execWindow), g.maxExec)
			}
		}
	} else {
		x.unexportedLimits(sp)
	}
	if g.hasWeek {
		x.issue(sp+".max_week_percent", "Meta's rules have no cumulative weekly change cap; exporting would drop a safeguard")
	}
	if g.skipLearning && r.action.typ.Mutates() {
		// Like the weekly cap: a dropped safeguard makes the rule unsupported.
		x.issue(sp+".learning", "Meta's rules cannot skip entities in the learning phase (Meta documents no rule filter for the learning stage); exporting would drop a safeguard (set \"learning\": \"allow\" to export the rule without it)")
	}
	if r.action.message != nil {
		x.note("%s.message: Meta's rules send their own notification text; the message is dropped", p)
	}
	return MetaExecutionSpec{ExecutionType: typ, ExecutionOptions: opts}
}

// unexportedLimits handles a cooldown or execution cap on a pause,
// unpause or notification rule, where Meta documents neither (§8.1).
func (x *exporter) unexportedLimits(sp string) {
	g := &x.rule.guard
	var lost []string
	if g.cooldown > 0 {
		lost = append(lost, "the cooldown of "+hoursWords(g.cooldown))
	}
	if g.maxExec > 0 {
		limit := fmt.Sprintf("the cap of %d", g.maxExec)
		if g.execWindow > 0 {
			limit += " per " + hoursWords(g.execWindow)
		}
		lost = append(lost, limit)
	}
	if len(lost) == 0 {
		return
	}
	what, verb := strings.Join(lost, " and "), "is"
	if len(lost) > 1 {
		verb = "are"
	}
	key := sp + ".cooldown"
	if g.cooldown == 0 {
		key = sp + ".max_executions"
	}
	const why = "Meta documents action_frequency and execution_count_limit only for budget and bid changes"
	switch x.rule.action.typ {
	case ActionPause:
		x.note("%s: %s, so %s %s dropped: a paused entity leaves the rule's effective_status filter (ACTIVE), so it is paused again only if someone reactivates it while it still matches, at the next run", key, why, what, verb)
		return
	case ActionUnpause:
		x.note("%s: %s, so %s %s dropped: an unpaused entity leaves the rule's effective_status filter (PAUSED), so it is unpaused again only if someone pauses it while it still matches, at the next run", key, why, what, verb)
		return
	}
	run := 24 * time.Hour
	if x.intraday {
		run = 30 * time.Minute
	}
	if g.maxExec == 0 && g.cooldown <= run {
		return // one notification per run is within the cooldown
	}
	if x.intraday {
		x.issue(key, "%s, and this notification reads today, so it runs every 30 minutes: without %s it would notify at every run while the condition holds", why, what)
		return
	}
	x.note("%s: %s, so %s %s dropped: Meta notifies at every daily run while the condition holds", key, why, what, verb)
}

func (x *exporter) changeSpec() map[string]any {
	a, g := x.rule.action, x.rule.guard
	cs := map[string]any{"amount": dec(a.percent), "unit": "PERCENTAGE"}
	switch {
	case a.percent > 0 && g.maxBudget > 0:
		cs["limit"] = dec(float64(g.maxBudget))
	case a.percent < 0 && g.minBudget > 0:
		cs["limit"] = dec(float64(g.minBudget))
	}
	if a.percent > 0 && g.minBudget > 0 || a.percent < 0 && g.maxBudget > 0 {
		x.note("%s.safeguards: Meta's change_spec limit bounds only the direction of the change; the other bound is dropped", x.path)
	}
	return cs
}
