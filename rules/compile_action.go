package rules

import (
	"math"
	"strconv"
	"strings"

	"github.com/adpilot/adpilot/metrics"
)

func (c *compiler) action(path string, as *ActionSpec, level metrics.Level) action {
	a := action{}
	if as.Type == "" {
		c.addf(path+".type", "missing; expected one of %s", quotedList(actionNames[1:]))
		return a
	}
	t, err := parseActionType(as.Type)
	if err != nil {
		c.addf(path+".type", "%v", err)
		return a
	}
	a.typ = t
	if as.Percent != nil {
		a.percent, a.hasPct = *as.Percent, true
	}
	if as.Amount != nil {
		a.amount = *as.Amount
	}
	noPercent := func() {
		if as.Percent != nil {
			c.addf(path+".percent", "action %q takes no percent", t)
		}
	}
	noAmount := func() {
		if as.Amount != nil {
			c.addf(path+".amount", "action %q takes no amount", t)
		}
	}
	checkPercent := func() {
		if a.percent == 0 || a.percent <= -100 || a.percent > 1000 {
			c.addf(path+".percent", "percent %v; expected a non-zero change above -100 and at most 1000 (20 means +20%%)", a.percent)
		}
	}
	switch t {
	case ActionPause, ActionUnpause, ActionNotify, ActionFreeze:
		noPercent()
		noAmount()
	case ActionScaleBudget:
		noAmount()
		if as.Percent == nil {
			c.addf(path+".percent", "missing; scale_budget needs a percent such as 20 or -20")
		} else {
			checkPercent()
		}
	case ActionSetBudget:
		noPercent()
		if as.Amount == nil || *as.Amount <= 0 {
			c.addf(path+".amount", "missing or not positive; set_budget needs an amount in minor units such as 5000")
		}
	case ActionChangeBid:
		switch {
		case as.Percent != nil && as.Amount != nil:
			c.addf(path, "change_bid sets both percent and amount; expected one of them")
		case as.Percent != nil:
			checkPercent()
		case as.Amount != nil:
			if *as.Amount <= 0 {
				c.addf(path+".amount", "amount %d; expected a positive bid in minor units", *as.Amount)
			}
		default:
			c.addf(path, "change_bid needs a percent or an amount")
		}
	}
	if t.budget() && level == metrics.LevelAd {
		c.addf(path+".type", "action %q at level \"ad\": ads have no budget; expected level \"adset\" or \"campaign\"", t)
	}
	if t == ActionChangeBid && level != metrics.LevelAdSet {
		c.addf(path+".type", "action \"change_bid\" at level %q: bids are set on ad sets; expected level \"adset\"", level)
	}
	if t == ActionNotify && strings.TrimSpace(as.Message) == "" {
		c.addf(path+".message", "missing; notify needs a message template such as \"{{.Entity}}: {{.Evidence}}\"")
	}
	if as.Message != "" {
		if m, why := parseMessage(as.Message); why != "" {
			c.addf(path+".message", "invalid template: %s", why)
		} else {
			a.message = m
		}
	}
	return a
}

func (c *compiler) safeguards(path string, sg *SafeguardSpec, r *Rule) safeguards {
	g := safeguards{}
	g.cooldown, _ = c.duration(path+".cooldown", sg.Cooldown, false)
	if g.cooldown > 0 {
		g.cooldownOK = "no action by this rule on this entity in the last " + hoursWords(g.cooldown)
	}
	if sg.MaxExecutions < 0 {
		c.addf(path+".max_executions", "%d is negative; expected 0 (no cap) or more", sg.MaxExecutions)
	}
	g.maxExec = sg.MaxExecutions
	g.execWindow, _ = c.duration(path+".execution_window", sg.ExecutionWindow, false)
	if sg.ExecutionWindow != "" && sg.MaxExecutions == 0 {
		c.addf(path+".execution_window", "set without max_executions; expected both or neither")
	}
	typ := r.action.typ
	isBudget := typ.budget()
	moneyGuard := func(key string, v *int64) int64 {
		if v == nil {
			return 0
		}
		if !isBudget {
			c.addf(path+"."+key, "%s applies to budget actions, not %q; remove it", key, typ)
		}
		if *v <= 0 {
			c.addf(path+"."+key, "%d; expected a positive amount in minor units", *v)
		}
		return *v
	}
	g.minBudget = moneyGuard("min_budget", sg.MinBudget)
	g.maxBudget = moneyGuard("max_budget", sg.MaxBudget)
	if g.minBudget > 0 && g.maxBudget > 0 && g.minBudget > g.maxBudget {
		c.addf(path, "min_budget %d is above max_budget %d; expected floor <= ceiling", g.minBudget, g.maxBudget)
	}
	if typ == ActionSetBudget && r.action.amount > 0 {
		if g.minBudget > 0 && r.action.amount < g.minBudget {
			c.addf(path+".min_budget", "set_budget amount %d is below the floor %d; the rule could never act", r.action.amount, g.minBudget)
		}
		if g.maxBudget > 0 && r.action.amount > g.maxBudget {
			c.addf(path+".max_budget", "set_budget amount %d is above the ceiling %d; the rule could never act", r.action.amount, g.maxBudget)
		}
	}
	pct := func(key string, v *float64) (float64, bool) {
		if v == nil {
			return 0, false
		}
		if !isBudget && typ != ActionChangeBid {
			c.addf(path+"."+key, "%s applies to budget and bid actions, not %q; remove it", key, typ)
		}
		if !(*v > 0 && *v <= 1000) {
			c.addf(path+"."+key, "%v; expected a percentage above 0 and at most 1000", *v)
		}
		return *v / 100, true
	}
	g.maxStep, g.hasStep = pct("max_step_percent", sg.MaxStepPercent)
	g.maxWeek, g.hasWeek = pct("max_week_percent", sg.MaxWeekPercent)
	if g.hasStep && r.action.hasPct && math.Abs(r.action.percent)/100 > g.maxStep {
		c.addf(path+".max_step_percent", "the action changes by %v%% but max_step_percent is %v; expected a step within the cap", r.action.percent, *sg.MaxStepPercent)
	}
	if g.hasStep && g.hasWeek && g.maxWeek < g.maxStep {
		c.addf(path+".max_week_percent", "%v is below max_step_percent %v: one step would break the weekly cap; expected max_week_percent >= max_step_percent", *sg.MaxWeekPercent, *sg.MaxStepPercent)
	}
	if g.hasWeek && r.action.hasPct && r.action.percent < 0 {
		c.addf(path+".max_week_percent", "the weekly cap bounds increases, but the action only decreases; remove it")
	}
	switch sg.Learning {
	case "":
		g.skipLearning = r.class != ClassSafety && r.class != ClassNotify && typ != ActionFreeze
	case "skip":
		g.skipLearning = true
	case "allow":
	default:
		c.addf(path+".learning", "unknown value %q; expected \"skip\" or \"allow\"", sg.Learning)
	}
	return g
}

// increases reports whether the action always raises spend: unpause, or a
// positive percentage change of a budget or bid. The direction of
// set_budget and of change_bid to an amount is known only at evaluation.
func (a action) increases() bool {
	return a.typ == ActionUnpause || ((a.typ == ActionScaleBudget || a.typ == ActionChangeBid) && a.hasPct && a.percent > 0)
}

// decreases reports whether the action always cuts spend: pause, or a
// negative percentage change of a budget or bid.
func (a action) decreases() bool {
	return a.typ == ActionPause || ((a.typ == ActionScaleBudget || a.typ == ActionChangeBid) && a.hasPct && a.percent < 0)
}

// words names the action for problems ("scale_budget by +100%").
func (a action) words() string {
	if a.hasPct {
		return strconv.Quote(a.typ.String()) + " by " + strconv.FormatFloat(a.percent, 'f', -1, 64) + "%"
	}
	return strconv.Quote(a.typ.String())
}

func defaultClass(a action) Class {
	switch a.typ {
	case ActionPause:
		return ClassSafety
	case ActionUnpause:
		return ClassScale
	case ActionScaleBudget, ActionChangeBid:
		if a.hasPct && a.percent < 0 {
			return ClassProtect
		}
		return ClassScale
	case ActionSetBudget:
		return ClassScale
	case ActionFreeze:
		return ClassProtect
	}
	return ClassNotify
}
