package analysis

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// The heuristic's own checks of the Dataset's metrics: profit, winners,
// pacing and ad quality.

func (a *analysis) fromMetrics() {
	if a.goals.TargetCPA == 0 && a.goals.TargetROAS == 0 {
		a.notes = append(a.notes, "No target CPA or ROAS: cost per result is not judged against a target; profit is judged on revenue minus spend.")
	}
	if a.goals.GrossMargin == 0 {
		a.notes = append(a.notes, "No gross margin: profit is revenue minus ad spend (before the cost of goods), so a ROAS just above 1 counts as profitable.")
	}
	if a.event == "" {
		a.notes = append(a.notes, "No campaign counts a conversion event (traffic, awareness, reach or engagement objectives): conversions, cost per result and ROAS are not judged.")
	}
	other := 0
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if e.Level == metrics.LevelCampaign && delivering(e) && e.ConversionEvent != a.event && e.ConversionEvent != "" && a.event != "" {
			other++
		}
	}
	if n := a.withoutStatus(); n > 0 {
		a.notes = append(a.notes, fmt.Sprintf("%d entities with delivery over the last 7 days have no status (made from rows without their objects): they are judged on their delivery, but no rule acts on them; give FromRows the campaigns, ad sets and ads with their status and budgets.", n))
	}
	if other > 0 {
		a.notes = append(a.notes, fmt.Sprintf("%d active campaign(s) count another conversion event than %q (the goals'); their conversions are not compared with the targets.", other, a.event))
	}
	adCTRs, hooks, holds := a.adBaselines()
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if !delivering(e) {
			continue
		}
		c7, ok := windowOf(e, rules.WindowLast7D)
		if !ok || c7.Spend == 0 || (a.spend7 > 0 && float64(c7.Spend) < minSpendShare*float64(a.spend7)) {
			continue
		}
		switch e.Level {
		case metrics.LevelAdSet:
			a.profit(e, c7)
			a.winner(e, c7)
			a.pacing(e, c7)
		case metrics.LevelCampaign:
			if e.DailyBudget > 0 { // campaign budget: the campaign paces and is judged
				a.profit(e, c7)
				a.pacing(e, c7)
			}
		case metrics.LevelAd:
			a.adQuality(e, c7, adCTRs, hooks, holds)
		}
	}
}

// delivering reports whether the heuristic judges the entity: Meta delivers
// it (ACTIVE), or its status is unknown (an entity made from rows without
// its object), in which case its rows say whether it delivered. Paused
// entities and those held back by a paused parent are not judged.
func delivering(e *rules.Entity) bool { return e.Status == "ACTIVE" || e.Status == "" }

// withoutStatus counts the entities of unknown status with delivery over
// the last 7 days.
func (a *analysis) withoutStatus() int {
	n := 0
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if c, ok := windowOf(e, rules.WindowLast7D); ok && e.Status == "" && c.Spend > 0 {
			n++
		}
	}
	return n
}

// judged reports whether the entity's conversions are the goals' event.
func (a *analysis) judged(e *rules.Entity) bool {
	return e.ConversionEvent != "" && (a.event == "" || e.ConversionEvent == a.event)
}

// profit flags an entity that loses money over the last 7 days, or whose
// cost per result is well above the target.
func (a *analysis) profit(e *rules.Entity, c7 metrics.Counts) {
	if !a.judged(e) {
		return
	}
	margin := a.goals.GrossMargin
	m := cmp.Or(margin, 1.0)
	budget := e.DailyBudget
	if c7.ConversionValue > 0 || (c7.Conversions == 0 && a.goals.TargetROAS > 0) {
		profit := float64(c7.ConversionValue)*m - float64(c7.Spend)
		if profit >= 0 || (c7.Conversions < minProfitConversions && c7.Spend < 3*max(budget, 1)) {
			return
		}
		roas := float64(c7.ConversionValue) / float64(c7.Spend)
		be := 1 / m
		lossShare := -profit / float64(c7.Spend)
		c := &candidate{family: "cut"}
		c.Entity, c.Kind = ref(e), KindProblem
		c.Priority = PriorityHigh
		if lossShare >= urgentLossShare {
			c.Priority = PriorityUrgent
		}
		c.Title = fmt.Sprintf("Cut the budget of %s %q: it loses money", ref(e).Level, e.Name)
		c.Action = Action{Type: ActionScaleBudget, Percent: -20}
		if budget > 0 {
			c.Action.From, c.Action.To = budget, budget*4/5
		}
		if c7.Conversions >= winnerConversions && roas < be/2 {
			c.Action = Action{Type: ActionPause}
			c.Title = fmt.Sprintf("Pause %s %q: it returns less than half of break-even", ref(e).Level, e.Name)
		}
		profitWords := "revenue minus spend"
		if margin > 0 {
			profitWords = fmt.Sprintf("revenue x gross margin %.0f%% minus spend", margin*100)
		}
		c.Evidence = []Figure{
			a.measured(e, "spend", rules.WindowLast7D, float64(c7.Spend), metrics.UnitMoney),
			a.measured(e, "conversion_value", rules.WindowLast7D, float64(c7.ConversionValue), metrics.UnitMoney),
			a.measured(e, "roas", rules.WindowLast7D, roas, metrics.UnitRatio),
			a.measured(e, "profit", rules.WindowLast7D, profit, metrics.UnitMoney),
			a.measured(e, "conversions", rules.WindowLast7D, float64(c7.Conversions), metrics.UnitCount),
		}
		c.Evidence[3].Method = profitWords
		if margin > 0 {
			c.Evidence = append(c.Evidence, a.goal("break_even_roas", be, metrics.UnitRatio))
		}
		if budget > 0 {
			c.Evidence = append(c.Evidence, a.setting("daily_budget", budget))
		}
		c.Rationale = fmt.Sprintf("Over the last 7 complete days it spent %s and brought %s of %s conversions (ROAS %.2f against a break-even of %.2f): a loss of %s (%.0f%% of spend, profit = %s).",
			formatValue(float64(c7.Spend), metrics.UnitMoney, a.currency), formatValue(float64(c7.ConversionValue), metrics.UnitMoney, a.currency), e.ConversionEvent,
			roas, be, formatValue(-profit, metrics.UnitMoney, a.currency), lossShare*100, profitWords)
		loss := -profit / 7
		saved := loss * 0.2
		method := "loss per day over the last 7 days x 20% (the budget cut), assuming the same ROAS"
		if c.Action.Type == ActionPause {
			saved, method = loss, "loss per day over the last 7 days"
		}
		c.Impact = Impact{Summary: fmt.Sprintf("stops about %s of loss a day", formatValue(saved, metrics.UnitMoney, a.currency)),
			Estimates: []Figure{a.estimate("daily_loss_avoided", saved, metrics.UnitMoney, method)}}
		c.stake = loss
		c.Confidence = a.valueConfidence(c7, be)
		if c7.Conversions > 0 && c.Confidence.Level != ConfidenceHigh {
			// The purchases do not prove the loss: a profitable ad set has
			// weeks like this. Watch it; cutting would be a wrong decision.
			c.Priority, c.family = PriorityLow, "watch"
			c.Action = Action{Type: ActionMonitor, Detail: "judge it again when more purchases have come in; the week's ROAS is within noise of break-even"}
			c.Title = fmt.Sprintf("Watch %s %q: its ROAS dipped below break-even, within noise", ref(e).Level, e.Name)
			c.Impact = Impact{Summary: "none yet: the credible interval of its cost per conversion still allows a profitable ROAS"}
		}
		a.add(c)
		return
	}
	// No conversion value (leads): cost per result against the target.
	if a.goals.TargetCPA <= 0 || c7.Conversions < minProfitConversions {
		return
	}
	cpa := float64(c7.Spend) / float64(c7.Conversions)
	target := float64(a.goals.TargetCPA)
	if cpa < 1.3*target {
		return
	}
	lo, hi, ok := metrics.CostPerResultInterval(c7.Spend, c7.Conversions, heuristicCPAConf)
	c := &candidate{family: "cut"}
	c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityHigh
	c.Title = fmt.Sprintf("Cut the budget of %s %q: cost per %s is %.0f%% over target", ref(e).Level, e.Name, e.ConversionEvent, (cpa/target-1)*100)
	c.Action = Action{Type: ActionScaleBudget, Percent: -20}
	if budget > 0 {
		c.Action.From, c.Action.To = budget, budget*4/5
	}
	f := a.measured(e, "cpa", rules.WindowLast7D, cpa, metrics.UnitMoney)
	if ok {
		f.Interval = &metrics.Interval{Lo: lo, Hi: hi, Confidence: heuristicCPAConf}
	}
	c.Evidence = []Figure{f, a.measured(e, "conversions", rules.WindowLast7D, float64(c7.Conversions), metrics.UnitCount),
		a.measured(e, "spend", rules.WindowLast7D, float64(c7.Spend), metrics.UnitMoney), a.goal("target_cpa", target, metrics.UnitMoney)}
	c.Rationale = fmt.Sprintf("Its cost per %s over the last 7 complete days is %s against a target of %s.", e.ConversionEvent,
		formatValue(cpa, metrics.UnitMoney, a.currency), formatValue(target, metrics.UnitMoney, a.currency))
	over := (cpa - target) * float64(c7.Conversions) / 7
	c.Impact = Impact{Summary: fmt.Sprintf("about %s a day is spent above the target cost", formatValue(over, metrics.UnitMoney, a.currency)),
		Estimates: []Figure{a.estimate("daily_excess_cost", over, metrics.UnitMoney, "(CPA − target) x conversions over the last 7 days / 7")}}
	c.stake = over
	c.Confidence = Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d conversions over 7 days; the credible interval of the CPA reaches the target", c7.Conversions)}
	if ok && lo > target {
		c.Confidence = Confidence{Level: ConfidenceHigh, Probability: heuristicCPAConf,
			Basis: fmt.Sprintf("the %.0f%% credible interval of the CPA (%s to %s) is above the target", heuristicCPAConf*100,
				formatValue(lo, metrics.UnitMoney, a.currency), formatValue(hi, metrics.UnitMoney, a.currency))}
	} else {
		// Within noise of the target: watch, do not cut.
		c.Priority, c.family = PriorityLow, "watch"
		c.Action = Action{Type: ActionMonitor, Detail: "judge it again when more conversions have come in; the week's CPA is within noise of the target"}
		c.Title = fmt.Sprintf("Watch %s %q: cost per %s is %.0f%% over target, within noise", ref(e).Level, e.Name, e.ConversionEvent, (cpa/target-1)*100)
		c.Impact = Impact{Summary: "none yet: the credible interval of its cost per conversion still reaches the target"}
	}
	a.add(c)
}

// valueConfidence says how sure a loss is: the best ROAS the cost-per-result
// interval allows against break-even.
func (a *analysis) valueConfidence(c metrics.Counts, be float64) Confidence {
	if c.Conversions == 0 {
		return Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("no conversions on %s of spend", formatValue(float64(c.Spend), metrics.UnitMoney, a.currency))}
	}
	lo, _, ok := metrics.CostPerResultInterval(c.Spend, c.Conversions, heuristicCPAConf)
	aov := float64(c.ConversionValue) / float64(c.Conversions)
	if ok && lo > 0 && aov/lo < be {
		return Confidence{Level: ConfidenceHigh, Probability: heuristicCPAConf, Basis: fmt.Sprintf(
			"even at the low end of the %.0f%% credible interval of its cost per conversion (%s), the ROAS would be %.2f, under break-even %.2f",
			heuristicCPAConf*100, formatValue(lo, metrics.UnitMoney, a.currency), aov/lo, be)}
	}
	if c.Conversions >= winnerConversions {
		return Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d conversions over 7 days; the interval of the cost per conversion reaches break-even", c.Conversions)}
	}
	return Confidence{Level: ConfidenceLow, Basis: fmt.Sprintf("only %d conversions over 7 days", c.Conversions)}
}

// winner flags an ad set that beats the target with room to grow.
func (a *analysis) winner(e *rules.Entity, c7 metrics.Counts) {
	if !a.judged(e) || e.DailyBudget <= 0 || c7.Conversions < winnerConversions || e.LearningStage == rules.LearningStageLearning {
		return
	}
	y, ok := windowOf(e, rules.WindowYesterday)
	if !ok || float64(y.Spend) < 0.8*float64(e.DailyBudget) {
		return
	}
	if week, _ := a.weekBudget(e); float64(c7.Spend) >= overpaceRatio*float64(week) {
		return // over-pacing: the budget does not hold it back, a raise would not be spent as planned
	}
	if f, ok := metrics.LookupMetric("frequency"); ok {
		if v, ok := f.Value(c7); ok && v >= 2.5 {
			return
		}
	}
	cpa := float64(c7.Spend) / float64(c7.Conversions)
	roas := float64(c7.ConversionValue) / float64(c7.Spend)
	var why string
	var ev []Figure
	switch {
	case a.goals.TargetCPA > 0 && cpa <= 0.8*float64(a.goals.TargetCPA):
		why = fmt.Sprintf("cost per %s %s, at most 0.8 x the %s target", e.ConversionEvent, formatValue(cpa, metrics.UnitMoney, a.currency), formatValue(float64(a.goals.TargetCPA), metrics.UnitMoney, a.currency))
		ev = []Figure{a.measured(e, "cpa", rules.WindowLast7D, cpa, metrics.UnitMoney), a.goal("target_cpa", float64(a.goals.TargetCPA), metrics.UnitMoney)}
	case a.goals.TargetROAS > 0 && roas >= 1.25*a.goals.TargetROAS:
		why = fmt.Sprintf("ROAS %.2f, at least 1.25 x the %.2f target", roas, a.goals.TargetROAS)
		ev = []Figure{a.measured(e, "roas", rules.WindowLast7D, roas, metrics.UnitRatio), a.goal("target_roas", a.goals.TargetROAS, metrics.UnitRatio)}
	default:
		return
	}
	c := &candidate{family: "grow"}
	c.Entity, c.Kind, c.Priority = ref(e), KindOpportunity, PriorityMedium
	to := e.DailyBudget * 115 / 100
	c.Action = Action{Type: ActionScaleBudget, Percent: 15, From: e.DailyBudget, To: to}
	c.Title = fmt.Sprintf("Scale %s %q: it beats the target and spends its budget", ref(e).Level, e.Name)
	c.Evidence = append(ev, a.measured(e, "conversions", rules.WindowLast7D, float64(c7.Conversions), metrics.UnitCount),
		a.measured(e, "spend", rules.WindowYesterday, float64(y.Spend), metrics.UnitMoney), a.setting("daily_budget", e.DailyBudget))
	c.Rationale = fmt.Sprintf("Over the last 7 complete days: %s, on %d conversions; yesterday it spent %s of its %s budget, so the budget limits it.",
		why, c7.Conversions, formatValue(float64(y.Spend), metrics.UnitMoney, a.currency), formatValue(float64(e.DailyBudget), metrics.UnitMoney, a.currency))
	more := float64(c7.Conversions) / 7 * 0.15
	c.Impact = Impact{Summary: fmt.Sprintf("about %.1f more conversions a day if the cost per conversion holds", more),
		Estimates: []Figure{a.estimate("daily_conversions_added", more, metrics.UnitCount, "conversions per day over the last 7 days x 15%, at the same cost per conversion (an upper bound: marginal cost usually rises)")}}
	c.Confidence = Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d conversions over 7 days; scaling by 15%% keeps the learning phase", c7.Conversions)}
	c.stake = float64(c7.ConversionValue)*cmp.Or(a.goals.GrossMargin, 1)/7*0.15 - float64(to-e.DailyBudget)
	a.add(c)
}

// weekBudget returns the sum of the daily budgets in force on the days of
// the last 7 complete days (budgetOn); changed reports whether the ledger
// changed the budget during the week. Changes made outside the ledger are
// unknown.
func (a *analysis) weekBudget(e *rules.Entity) (sum int64, changed bool) {
	r, _ := windowRange(rules.WindowLast7D, a.today)
	for d := r.Since; !r.Until.Before(d); d = d.AddDays(1) {
		b := a.budgetOn(e, d)
		sum += b
		changed = changed || b != e.DailyBudget
	}
	return sum, changed
}

// budgetOn returns the daily budget in force on day d: today's, except
// before a budget change of the ledger (Snapshot.History, applied
// changes); on the day of a change, the larger of its budgets.
func (a *analysis) budgetOn(e *rules.Entity, d metaads.Date) int64 {
	var hist []rules.Entry
	for _, h := range a.snap.History {
		if h.EntityID == e.ID && h.Outcome == rules.OutcomeApplied && h.Budget == rules.BudgetDaily && h.From > 0 &&
			(h.Action == rules.ActionScaleBudget || h.Action == rules.ActionSetBudget) {
			hist = append(hist, h)
		}
	}
	slices.SortStableFunc(hist, func(x, y rules.Entry) int { return x.At.Compare(y.At) })
	at := func(t time.Time) int64 { // the budget in force at t
		for _, h := range hist {
			if h.At.After(t) {
				return h.From
			}
		}
		return e.DailyBudget
	}
	if len(hist) == 0 {
		return e.DailyBudget
	}
	start, end := metrics.DayBounds(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, a.snap.Now.Location()))
	return max(at(start), at(end.Add(-time.Nanosecond)))
}

// pacing flags a daily budget spent faster than Meta's weekly ceiling
// (the 7 daily budgets of the week) allows.
func (a *analysis) pacing(e *rules.Entity, c7 metrics.Counts) {
	if e.DailyBudget <= 0 {
		return
	}
	week, changed := a.weekBudget(e)
	ratio := float64(c7.Spend) / float64(week)
	if ratio < overpaceRatio {
		return
	}
	days := 0
	for n := 1; n <= 3; n++ {
		w, _ := rules.DayWindow(n)
		if d, ok := windowOf(e, w); ok && float64(d.Spend) > float64(a.budgetOn(e, a.today.AddDays(-n)))*1.1 {
			days++
		}
	}
	c := &candidate{family: "pacing"}
	c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityHigh
	c.Action = Action{Type: ActionReviewBudget, Detail: "spend runs over the daily budget; check a budget schedule, a spend cap or a lower daily budget"}
	c.Title = fmt.Sprintf("%s %q spends %.0f%% of its daily budget", cases(ref(e).Level), e.Name, ratio*100)
	over := float64(c7.Spend)/7 - float64(week)/7
	of, overMethod := "7 daily budgets", "spend per day over the last 7 days − daily budget"
	method, budgets := "spend over the last 7 complete days / (7 x daily budget)", fmt.Sprintf("7 x %s = %s",
		formatValue(float64(e.DailyBudget), metrics.UnitMoney, a.currency), formatValue(float64(week), metrics.UnitMoney, a.currency))
	if changed {
		of, overMethod = "the daily budgets in force those days", "(spend over the last 7 days − the daily budgets in force those days) / 7"
		method = "spend over the last 7 complete days / the sum of the daily budgets in force on those days (budget changes from the ledger)"
		budgets = fmt.Sprintf("the %s of daily budgets in force those days (the budget changed during the week; today's is %s)",
			formatValue(float64(week), metrics.UnitMoney, a.currency), formatValue(float64(e.DailyBudget), metrics.UnitMoney, a.currency))
	}
	c.Evidence = []Figure{a.measured(e, "spend", rules.WindowLast7D, float64(c7.Spend), metrics.UnitMoney), a.setting("daily_budget", e.DailyBudget),
		{Name: "spend_to_budget", Value: ratio, Unit: metrics.UnitRatio, Basis: BasisMeasured, Period: a.period(rules.WindowLast7D, e),
			Method: method, Text: fmt.Sprintf("spend over the last 7 complete days is %.2f x %s", ratio, of)}}
	c.Rationale = fmt.Sprintf("Over the last 7 complete days it spent %s against %s: Meta lets a day run over the daily budget but keeps a week within 7 daily budgets, so this is over-pacing (%d of the last 3 days over 110%% of the budget).",
		formatValue(float64(c7.Spend), metrics.UnitMoney, a.currency), budgets, days)
	c.Impact = Impact{Summary: fmt.Sprintf("about %s a day above the budget", formatValue(over, metrics.UnitMoney, a.currency)),
		Estimates: []Figure{a.estimate("daily_overspend", over, metrics.UnitMoney, overMethod)}}
	c.stake = over
	c.Confidence = Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d of the last 3 days were over 110%% of the budget", days)}
	if days == 3 {
		c.Confidence = Confidence{Level: ConfidenceHigh, Basis: "each of the last 3 days spent over 110% of the daily budget, and the week over 7 budgets"}
	}
	a.add(c)
}

func cases(l metrics.Level) string {
	switch l {
	case metrics.LevelAdSet:
		return "Ad set"
	case metrics.LevelAd:
		return "Ad"
	case metrics.LevelCampaign:
		return "Campaign"
	}
	return "Account"
}

// adBaselines returns the account's median link CTR, hook rate and hold
// rate across ads with enough impressions over the last 7 days.
func (a *analysis) adBaselines() (ctr, hook, hold float64) {
	var ctrs, hooks, holds []float64
	for i := range a.snap.Entities {
		e := &a.snap.Entities[i]
		if e.Level != metrics.LevelAd || !delivering(e) {
			continue
		}
		c, ok := windowOf(e, rules.WindowLast7D)
		if !ok || c.Impressions < minCompareImpr {
			continue
		}
		ctrs = append(ctrs, float64(c.LinkClicks)/float64(c.Impressions))
		if c.VideoViews3s > 0 {
			hooks = append(hooks, float64(c.VideoViews3s)/float64(c.Impressions))
			holds = append(holds, float64(c.ThruPlays)/float64(c.VideoViews3s))
		}
	}
	return median(ctrs), median(hooks), median(holds)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// adQuality flags ads by frequency, link CTR against the account, video
// hook and hold, and Meta's rankings.
func (a *analysis) adQuality(e *rules.Entity, c7 metrics.Counts, medCTR, medHook, medHold float64) {
	focus := a.goals.Priority
	if f, ok := metrics.LookupMetric("frequency"); ok {
		if v, ok := f.Value(c7); ok && v >= frequencyAdAlert {
			c := &candidate{family: "creative"}
			c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityMedium
			if focus == PriorityReachEfficiency {
				c.Priority = PriorityHigh
			}
			c.Action = Action{Type: ActionRefresh, Detail: "rotate in a new creative or widen the audience; the same people see this ad many times"}
			c.Title = fmt.Sprintf("Ad %q reaches the same people %.1f times a week", e.Name, v)
			reachEff := float64(c7.Reach) / float64(c7.Impressions)
			c.Evidence = []Figure{a.measured(e, "frequency", rules.WindowLast7D, v, metrics.UnitRatio),
				a.measured(e, "reach", rules.WindowLast7D, float64(c7.Reach), metrics.UnitCount),
				a.measured(e, "reach_efficiency", rules.WindowLast7D, reachEff, metrics.UnitFraction)}
			c.Rationale = fmt.Sprintf("Its frequency over the last 7 complete days is %.2f (de-duplicated reach %d): beyond about 3 a week for prospecting, click-through falls and cost rises.", v, c7.Reach)
			c.Impact = Impact{Summary: "new reach instead of repeats; fatigue usually shows in CTR and then in cost per result"}
			c.Confidence = Confidence{Level: ConfidenceMedium, Basis: "frequency from Meta's de-duplicated 7-day reach"}
			a.add(c)
		}
	}
	if medCTR > 0 && c7.Impressions >= minCompareImpr {
		ctr := float64(c7.LinkClicks) / float64(c7.Impressions)
		if ctr < lowCTRShare*medCTR {
			lo, hi, ok := metrics.WilsonInterval(c7.LinkClicks, c7.Impressions, 0.95)
			c := &candidate{family: "creative"}
			c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityLow
			if focus == PriorityEngagement {
				c.Priority = PriorityMedium
			}
			c.Action = Action{Type: ActionRefresh, Detail: "test a new hook, image or headline"}
			c.Title = fmt.Sprintf("Ad %q gets under half the link CTR of the account's ads", e.Name)
			f := a.measured(e, "link_ctr", rules.WindowLast7D, ctr, metrics.UnitFraction)
			if ok {
				f.Interval = &metrics.Interval{Lo: lo, Hi: hi, Confidence: 0.95}
			}
			c.Evidence = []Figure{f, {Name: "median_link_ctr", Value: medCTR, Unit: metrics.UnitFraction, Basis: BasisMeasured, Period: a.period(rules.WindowLast7D, nil),
				Scope: "median of the account's active ads with 5,000 impressions or more", Text: fmt.Sprintf("median link CTR of the account's ads over the last 7 complete days: %.2f%%", medCTR*100)}}
			c.Rationale = fmt.Sprintf("Its link CTR over the last 7 complete days is %.2f%%, against a median of %.2f%% across the account's ads.", ctr*100, medCTR*100)
			c.Impact = Impact{Summary: "a creative at the account's median CTR would buy about twice the clicks for the same spend"}
			c.Confidence = Confidence{Level: ConfidenceMedium, Basis: fmt.Sprintf("%d impressions; the 95%% Wilson interval of its link CTR", c7.Impressions)}
			if ok && hi < lowCTRShare*medCTR {
				c.Confidence = Confidence{Level: ConfidenceHigh, Probability: 0.95, Basis: fmt.Sprintf("the 95%% Wilson interval of its link CTR (%.2f%% to %.2f%%) is under half the median", lo*100, hi*100)}
			}
			a.add(c)
		}
	}
	if c7.VideoViews3s > 0 && c7.Impressions >= minCompareImpr {
		hook := float64(c7.VideoViews3s) / float64(c7.Impressions)
		hold := float64(c7.ThruPlays) / float64(c7.VideoViews3s)
		var weak []string
		var ev []Figure
		if hook < weakHookRate && medHook > 0 && hook < 0.8*medHook {
			weak = append(weak, fmt.Sprintf("hook rate %.1f%% (account median %.1f%%)", hook*100, medHook*100))
			ev = append(ev, a.measured(e, "hook_rate", rules.WindowLast7D, hook, metrics.UnitFraction))
		}
		if hold < weakHoldRate && medHold > 0 && hold < 0.8*medHold {
			weak = append(weak, fmt.Sprintf("hold rate %.1f%% (account median %.1f%%)", hold*100, medHold*100))
			ev = append(ev, a.measured(e, "hold_rate", rules.WindowLast7D, hold, metrics.UnitFraction))
		}
		if len(weak) > 0 {
			c := &candidate{family: "video"}
			c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityLow
			if focus == PriorityEngagement {
				c.Priority = PriorityMedium
			}
			c.Action = Action{Type: ActionRefresh, Detail: "recut the first 3 seconds (hook) or tighten the middle (hold)"}
			c.Title = fmt.Sprintf("Video ad %q loses viewers early", e.Name)
			c.Evidence = ev
			c.Rationale = "Over the last 7 complete days: " + strings.Join(weak, "; ") + "; a hook under about 18% is weak on cold feed, and holds of 12-25% are usual (reference figures; the account's own median is the baseline)."
			c.Impact = Impact{Summary: "more 3-second views and ThruPlays for the same impressions"}
			c.Confidence = Confidence{Level: ConfidenceLow, Basis: "practitioner thresholds and the account's own median; no statistical test"}
			a.add(c)
		}
	}
	if a.b != nil && c7.Impressions >= rankingImpressions {
		r, ok := windowRange(rules.WindowLast7D, a.today)
		if wr := a.b.windows[windowKey{entityKey{metrics.LevelAd, e.ID}, r.Since, r.Until}]; ok && wr != nil {
			rk := wr.Rankings
			var low []string
			for _, x := range []struct {
				name string
				r    metrics.Ranking
			}{{"quality", rk.Quality}, {"engagement rate", rk.EngagementRate}, {"conversion rate", rk.ConversionRate}} {
				if x.r == metrics.RankingBelowAverage10 || x.r == metrics.RankingBelowAverage20 {
					low = append(low, fmt.Sprintf("%s ranking %s", x.name, x.r))
				}
			}
			if len(low) > 0 {
				c := &candidate{family: "creative"}
				c.Entity, c.Kind, c.Priority = ref(e), KindProblem, PriorityMedium
				fix := map[string]string{"creative": "improve the creative or its targeting (quality)", "engagement": "make the ad more relevant and engaging",
					"post-click": "fix the post-click path: call to action, landing page, higher-intent audience"}[rk.Diagnosis()]
				c.Action = Action{Type: ActionRefresh, Detail: cmp.Or(fix, "review the creative")}
				c.Title = fmt.Sprintf("Ad %q ranks in the bottom 20%% of competing ads", e.Name)
				c.Evidence = []Figure{{Name: "rankings", Value: float64(len(low)), Unit: metrics.UnitCount, Basis: BasisMeasured, Period: a.period(rules.WindowLast7D, e),
					Text: "Meta's rankings over the last 7 complete days: " + strings.Join(low, ", ")}}
				c.Rationale = "Meta ranks it against ads competing for the same audience: " + strings.Join(low, ", ") + "; Meta's guidance is to use the rankings to diagnose: " + cmp.Or(fix, "review the ad") + "."
				c.Impact = Impact{Summary: "better-ranked ads win auctions at lower cost"}
				c.Confidence = Confidence{Level: ConfidenceMedium, Basis: "Meta's own rankings over the last 7 days"}
				a.add(c)
			}
		}
	}
}
