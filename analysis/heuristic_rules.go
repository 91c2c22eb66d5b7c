package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// The heuristic's findings from the rule engine's decisions.

// ruleAdvice maps a notify rule of the default library to its advice.
var ruleAdvice = map[string]struct {
	action   ActionKind
	family   string
	priority Priority
	title    string
}{
	"creative-fatigue":         {ActionRefresh, "creative", PriorityHigh, "Replace a fatigued creative"},
	"ctr-decay":                {ActionRefresh, "creative", PriorityHigh, "Refresh a creative whose link CTR decayed"},
	"frequency-saturation":     {ActionAudience, "audience", PriorityMedium, "Broaden a saturated audience"},
	"cpm-surge":                {ActionInvestigate, "cpm", PriorityMedium, "Look into a CPM surge"},
	"daily-overspend":          {ActionReviewBudget, "pacing", PriorityHigh, "Check an ad set overspending its daily budget"},
	"daily-overspend-campaign": {ActionReviewBudget, "pacing", PriorityHigh, "Check a campaign overspending its daily budget"},
	"lifetime-pacing-campaign": {ActionReviewBudget, "pacing", PriorityMedium, "Bring a campaign back on its lifetime pace"},
	"lifetime-pacing-adset":    {ActionReviewBudget, "pacing", PriorityMedium, "Bring an ad set back on its lifetime pace"},
	"under-delivery":           {ActionReviewBudget, "delivery", PriorityMedium, "Fix an under-delivering ad set"},
	"learning-limited":         {ActionConsolidate, "learning", PriorityMedium, "Get a learning-limited ad set out of learning"},
}

func (a *analysis) fromRules() {
	ev := a.in.Evaluation
	if ev == nil {
		a.notes = append(a.notes, "No rule evaluation in the input: rule decisions are not part of this analysis.")
		return
	}
	for i := range ev.Decisions {
		d := &ev.Decisions[i]
		if d.Action == rules.ActionFreeze || !d.Allowed {
			continue // a freeze only holds other rules; blocked decisions need nothing now
		}
		e := a.byID[d.EntityID]
		c := &candidate{}
		c.Entity = EntityRef{Level: d.Level, ID: d.EntityID, Name: d.EntityName}
		c.Sources = []Source{{Kind: "rule", ID: d.RuleID, Detail: d.Summary()}}
		c.Evidence = a.ruleEvidence(d, e)
		c.Confidence = ruleConfidence(d)
		switch d.Class {
		case rules.ClassSafety:
			c.Priority, c.Kind, c.family = PriorityUrgent, KindProblem, "cut"
		case rules.ClassProtect:
			c.Priority, c.Kind, c.family = PriorityHigh, KindProblem, "cut"
		case rules.ClassScale:
			c.Priority, c.Kind, c.family = PriorityMedium, KindOpportunity, "grow"
		default:
			c.Priority, c.Kind = PriorityMedium, KindProblem
		}
		c.Action = Action{Type: ActionKindOf(d.Action), From: d.From, To: d.To}
		if d.From > 0 && d.To > 0 {
			c.Action.Percent = math.Round((float64(d.To)/float64(d.From)-1)*1000) / 10
		}
		c.Title = fmt.Sprintf("%s: %s %q", d.RuleName, d.Level, d.EntityName)
		if adv, ok := ruleAdvice[d.RuleID]; ok && d.Action == rules.ActionNotify {
			c.Action = Action{Type: adv.action}
			c.family, c.Priority = adv.family, adv.priority
			c.Title = fmt.Sprintf("%s: %s %q", adv.title, d.Level, d.EntityName)
		} else if d.Action == rules.ActionNotify {
			c.family = "notify:" + d.RuleID
		}
		c.Rationale = fmt.Sprintf("Rule %q (%s) fired on %s %q: %s.", d.RuleName, d.Class, d.Level, d.EntityName, metEvidenceWords(d))
		if d.Message != "" && d.Action == rules.ActionNotify {
			c.Rationale = d.Message + "."
		}
		c.Impact = a.ruleImpact(d, e)
		if est := c.Impact.Estimates; len(est) > 0 {
			c.stake = math.Abs(est[0].Value)
		}
		a.add(c)
	}
}

// metEvidenceWords joins the met leaf conditions of a decision.
func metEvidenceWords(d *rules.Decision) string {
	var parts []string
	for _, ev := range d.Evidence {
		if ev.Result == "met" && ev.Metric != "" {
			parts = append(parts, ev.Text)
		}
	}
	if len(parts) == 0 {
		return "its conditions were met"
	}
	return strings.Join(parts, "; ")
}

// settingFields are rules fields that are configuration, not measurement.
var settingFields = []string{"daily_budget", "lifetime_budget", "budget", "bid_amount"}

func (a *analysis) ruleEvidence(d *rules.Decision, e *rules.Entity) []Figure {
	var out []Figure
	for _, ev := range d.Evidence {
		if ev.Result != "met" || ev.Metric == "" || ev.Value == nil {
			continue
		}
		f := Figure{Name: ev.Metric, Value: *ev.Value, Unit: ev.Unit, Basis: BasisMeasured, Text: ev.Text}
		if ev.Window != 0 {
			f.Period = a.period(ev.Window, e)
		}
		if slices.Contains(settingFields, ev.Metric) {
			f.Basis = BasisSetting
		}
		if ev.Interval != nil {
			iv := *ev.Interval // a copy: the Result shares no pointer with the decision
			f.Interval = &iv
		}
		out = append(out, f)
	}
	return out
}

func ruleConfidence(d *rules.Decision) Confidence {
	for _, ev := range d.Evidence {
		if ev.Result == "met" && ev.Interval != nil {
			return Confidence{Level: ConfidenceHigh, Probability: ev.Interval.Confidence,
				Basis: fmt.Sprintf("a statistical gate of the rule held at %.0f%% confidence", ev.Interval.Confidence*100)}
		}
	}
	for _, ev := range d.Evidence {
		if ev.Result == "met" && strings.Contains(ev.Text, "minimum data") {
			return Confidence{Level: ConfidenceMedium, Basis: "the rule's minimum-data gate held; no statistical gate"}
		}
	}
	return Confidence{Level: ConfidenceMedium, Basis: "the rule's thresholds held on the measured windows"}
}

// ruleImpact estimates what acting on a budget decision changes per day.
func (a *analysis) ruleImpact(d *rules.Decision, e *rules.Entity) Impact {
	if e == nil {
		return Impact{Summary: "See the rule's evidence."}
	}
	c7, ok := windowOf(e, rules.WindowLast7D)
	switch {
	case d.Action == rules.ActionPause && ok:
		daily := float64(c7.Spend) / 7
		return Impact{Summary: fmt.Sprintf("stops about %s of spend a day", formatValue(daily, metrics.UnitMoney, a.currency)),
			Estimates: []Figure{a.estimate("daily_spend_stopped", daily, metrics.UnitMoney, "spend over the last 7 complete days / 7")}}
	case (d.Action == rules.ActionScaleBudget || d.Action == rules.ActionSetBudget) && d.From > 0 && d.To > 0:
		delta := float64(d.To - d.From)
		verb := "cuts"
		if delta > 0 {
			verb = "adds"
		}
		return Impact{Summary: fmt.Sprintf("%s about %s of daily budget", verb, formatValue(math.Abs(delta), metrics.UnitMoney, a.currency)),
			Estimates: []Figure{a.estimate("daily_budget_change", delta, metrics.UnitMoney, "new daily budget − current daily budget; spend follows the budget")}}
	}
	return Impact{Summary: "Acting on it restores the metric the rule watches; the rule's evidence says how far it is off."}
}
