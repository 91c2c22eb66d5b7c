package rules

import (
	"errors"
	"fmt"
	"math"

	"github.com/adpilot/adpilot/metrics"
)

// Params are the business inputs of the default rule library. Money is in
// minor units of the account currency. Zero values take the defaults
// documented on each field.
type Params struct {
	// Currency is the ISO 4217 code of the money parameters (TargetCPA,
	// HardDailyCap, MinBudget, MaxBudget). When set it becomes
	// Spec.Currency, and the rule set refuses a snapshot in another
	// currency. Set it: 3000 is $30.00 in USD and 30 yen in JPY.
	Currency string
	// ConversionEvent is the action type TargetCPA and TargetROAS are for
	// ("omni_purchase", "lead", ...). When set it becomes
	// Spec.ConversionEvent: the rules that read conversions act only on
	// entities counting that event.
	ConversionEvent string
	// TargetCPA is the target cost per result. It enables the CPA rules
	// (stop-loss, CPA bleeder, confirmed loser, scale winner, revive).
	// At least one of TargetCPA and TargetROAS is required.
	TargetCPA int64
	// TargetROAS is the target return on ad spend (2.5 means 2.5x). When
	// TargetCPA is zero, the scale-winner rule uses it instead.
	TargetROAS float64
	// GrossMargin in (0, 1] enables the ROAS-below-break-even rule
	// (break-even ROAS = 1 / GrossMargin; it cuts only when the
	// Confidence interval of the cost per purchase puts even the best
	// ROAS it allows below break-even).
	GrossMargin float64
	// AudienceType is "prospecting" (default) or "retargeting"; it sets
	// the frequency-saturation threshold (3.5 or 6 over 7 days).
	AudienceType string
	// OverspendAllowance is how far Meta may spend over a daily budget in
	// one day: 0.75 (default, current Meta wording) or 0.25 (legacy).
	OverspendAllowance float64
	// HardDailyCap, when positive, adds a safety rule that pauses an ad
	// set whose spend today reaches it.
	HardDailyCap int64
	// MinBudget is the floor for budget cuts (default 100 minor units;
	// use Meta's minimum_budgets for the currency when known).
	MinBudget int64
	// MaxBudget is the ceiling for budget increases (default: none).
	MaxBudget int64
	// MaxStepPercent caps one budget change (default 20).
	MaxStepPercent float64
	// MaxWeekPercent caps the cumulative increase over 7 days (default 100).
	MaxWeekPercent float64
	// MinImpressions gates CTR judgements (default 1000).
	MinImpressions int64
	// MinConversions gates CPA judgements (default 10).
	MinConversions int64
	// Confidence of the statistical gates (default 0.9).
	Confidence float64
	// Live makes the library's rules live; by default they are dry runs.
	Live bool
}

func (p *Params) defaults() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf("rules: Params."+format, args...)) }
	if p.TargetCPA < 0 {
		bad("TargetCPA %d is negative; expected minor units > 0, or 0 to disable the CPA rules", p.TargetCPA)
	}
	if p.TargetROAS < 0 || math.IsNaN(p.TargetROAS) || math.IsInf(p.TargetROAS, 0) {
		bad("TargetROAS %v; expected a positive ratio such as 2.5, or 0", p.TargetROAS)
	}
	if p.Currency != "" {
		if _, err := metrics.LookupCurrency(p.Currency); err != nil {
			bad("Currency: %v; expected the ISO 4217 code of the account currency", err)
		}
	}
	if p.TargetCPA == 0 && p.TargetROAS == 0 {
		bad("TargetCPA and TargetROAS are both zero; expected at least one target")
	}
	if p.GrossMargin < 0 || p.GrossMargin > 1 || math.IsNaN(p.GrossMargin) {
		bad("GrossMargin %v; expected a fraction in (0, 1], or 0 to disable the break-even rule", p.GrossMargin)
	}
	switch p.AudienceType {
	case "":
		p.AudienceType = "prospecting"
	case "prospecting", "retargeting":
	default:
		bad("AudienceType %q; expected \"prospecting\" or \"retargeting\"", p.AudienceType)
	}
	setF := func(v *float64, def float64, name string, lo, hi float64) {
		if *v == 0 {
			*v = def
		}
		if !(*v >= lo && *v <= hi) {
			bad("%s %v; expected %v to %v", name, *v, lo, hi)
		}
	}
	setI := func(v *int64, def int64, name string) {
		if *v == 0 {
			*v = def
		}
		if *v < 0 {
			bad("%s %d is negative; expected 0 or more", name, *v)
		}
	}
	setF(&p.OverspendAllowance, 0.75, "OverspendAllowance", 0.01, 10)
	setF(&p.MaxStepPercent, 20, "MaxStepPercent", 1, 100)
	setF(&p.MaxWeekPercent, 100, "MaxWeekPercent", 1, 1000)
	setF(&p.Confidence, 0.9, "Confidence", 0.5, 0.999)
	setI(&p.MinBudget, 100, "MinBudget")
	setI(&p.MinImpressions, 1000, "MinImpressions")
	setI(&p.MinConversions, 10, "MinConversions")
	if p.MaxBudget < 0 || (p.MaxBudget > 0 && p.MaxBudget < p.MinBudget) {
		bad("MaxBudget %d; expected 0 (none) or at least MinBudget %d", p.MaxBudget, p.MinBudget)
	}
	if p.HardDailyCap < 0 {
		bad("HardDailyCap %d is negative; expected 0 (none) or an amount", p.HardDailyCap)
	}
	if p.MaxWeekPercent < p.MaxStepPercent {
		bad("MaxWeekPercent %v is below MaxStepPercent %v; expected weekly >= per step", p.MaxWeekPercent, p.MaxStepPercent)
	}
	return errors.Join(errs...)
}

// Spec-building helpers, used by the library and handy for callers.

func f64(v float64) *float64 { return &v }
func i64(v int64) *int64     { return &v }

func money(v float64) *float64 { return f64(math.Round(v)) }

// cmp compares a metric over a window with a constant.
func cmp(label, metric, window, op string, value *float64) ConditionSpec {
	return ConditionSpec{Label: label, Metric: metric, Window: window, Op: op, Value: value}
}

// cmpThan compares a metric over a window with factor x another operand.
func cmpThan(label, metric, window, op string, than OperandSpec) ConditionSpec {
	return ConditionSpec{Label: label, Metric: metric, Window: window, Op: op, Than: &than}
}

func fieldCmp(label, field, op string, value *float64) ConditionSpec {
	return ConditionSpec{Label: label, Field: field, Op: op, Value: value}
}

func all(cs ...ConditionSpec) *ConditionSpec { return &ConditionSpec{All: cs} }

// DefaultLibrary returns the default rules of the reference rule set,
// parameterised by p, as a Spec: inspect it, edit it, serialise it, or
// pass it to [Compile]. Rules whose inputs are missing (no TargetCPA, no
// GrossMargin) are left out. Order matters only for ties of precedence.
//
// The rules, by id: stop-loss, confirmed-loser, daily-hard-cap (with
// HardDailyCap), cpa-bleeder, roas-below-break-even (with GrossMargin),
// scale-winner, revive, learning-freeze, creative-fatigue, ctr-decay,
// frequency-saturation, cpm-surge, daily-overspend, lifetime-pacing,
// under-delivery, learning-limited.
func DefaultLibrary(p Params) (Spec, error) {
	if err := p.defaults(); err != nil {
		return Spec{}, err
	}
	target := float64(p.TargetCPA)
	live := p.Live
	var rs []RuleSpec
	add := func(r RuleSpec) {
		r.Live = live
		rs = append(rs, r)
	}
	budgetCut := SafeguardSpec{Cooldown: "72h", MaxExecutions: 2, ExecutionWindow: "7d", MinBudget: i64(p.MinBudget), MaxStepPercent: f64(p.MaxStepPercent)}

	if p.TargetCPA > 0 {
		add(RuleSpec{
			ID: "stop-loss", Name: "Zero-conversion stop-loss", Level: "adset",
			Description: "Pause an ad set that spent three times the target CPA over 7 days without a conversion. Meta's own rules cannot pause on cost conditions, so this is spend and a count.",
			Conditions: all(
				ConditionSpec{Label: "old enough to judge", MinData: &MinDataSpec{AgeHours: 72}},
				cmp("spent 3x target CPA", "spend", "last_7d", ">=", money(3*target)),
				cmp("no conversions", "conversions", "last_7d", "==", f64(0)),
			),
			Action:     ActionSpec{Type: "pause", Message: "{{.Entity}} paused: {{.Evidence}}"},
			Safeguards: SafeguardSpec{Cooldown: "72h", MaxExecutions: 1, ExecutionWindow: "7d"},
		})
		add(RuleSpec{
			ID: "confirmed-loser", Name: "Statistically confirmed loser", Level: "adset",
			Description: "Pause an ad set with at least 40 conversions over 14 days and a CPA of 1.5x target or worse.",
			Conditions: all(
				ConditionSpec{Label: "enough conversions", MinData: &MinDataSpec{Window: "last_14d", Conversions: 40}},
				cmp("CPA at least 1.5x target", "cpa", "last_14d", ">=", money(1.5*target)),
			),
			Action:     ActionSpec{Type: "pause"},
			Safeguards: SafeguardSpec{Cooldown: "7d", MaxExecutions: 1, ExecutionWindow: "14d"},
		})
	}
	if p.HardDailyCap > 0 {
		add(RuleSpec{
			ID: "daily-hard-cap", Name: "Daily hard cap", Level: "adset",
			Description: "Pause an ad set whose spend today reached the hard daily cap.",
			Conditions:  all(cmp("spend today at the hard cap", "spend", "today", ">=", f64(float64(p.HardDailyCap)))),
			Action:      ActionSpec{Type: "pause"},
			Safeguards:  SafeguardSpec{Cooldown: "20h"},
		})
	}
	if p.TargetCPA > 0 {
		add(RuleSpec{
			ID: "cpa-bleeder", Name: "CPA bleeder", Level: "adset",
			Description: "Cut the budget of an ad set whose CPA over 7 complete days is 1.5x target or worse, confirmed by the credible interval.",
			Conditions: all(
				ConditionSpec{Label: "enough conversions", MinData: &MinDataSpec{Window: "last_7d", Conversions: p.MinConversions}},
				cmp("CPA at least 1.5x target", "cpa", "last_7d", ">=", money(1.5*target)),
				ConditionSpec{Label: "CPA credibly above target", Metric: "cpa", Window: "last_7d", Op: ">", Value: money(target), Confidence: p.Confidence},
			),
			Action:     ActionSpec{Type: "scale_budget", Percent: f64(-p.MaxStepPercent)},
			Safeguards: budgetCut,
		})
	}
	if p.GrossMargin > 0 {
		be, _ := metrics.BreakEvenROAS(p.GrossMargin)
		add(RuleSpec{
			ID: "roas-below-break-even", Name: "ROAS below break-even", Level: "adset",
			Description: fmt.Sprintf("Cut the budget of a sales ad set whose 7-day ROAS is below break-even (1 / gross margin %.2f = %.2f), confirmed by the credible interval of its cost per purchase: even the best ROAS the purchases allow (value per purchase / the interval's lowest CPA) is below break-even, so a noisy week of a profitable ad set is not cut.", p.GrossMargin, be),
			Filter:      &FilterSpec{Objective: []string{"OUTCOME_SALES"}},
			Conditions: all(
				ConditionSpec{Label: "enough purchases", MinData: &MinDataSpec{Window: "last_7d", Conversions: 5}},
				cmpThan("spent 2x the daily budget", "spend", "last_7d", ">=", OperandSpec{Field: "daily_budget", Factor: f64(2)}),
				cmp("ROAS below break-even", "roas", "last_7d", "<", f64(math.Round(be*1000)/1000)),
				// ROAS < 1/margin is CPA > margin x value per purchase: the
				// gate asks it of the CPA's lower credible bound.
				ConditionSpec{Label: "ROAS credibly below break-even", Metric: "cpa", Window: "last_7d", Op: ">",
					Than: &OperandSpec{Metric: "value_per_conversion", Window: "last_7d", Factor: f64(p.GrossMargin)}, Confidence: p.Confidence},
			),
			Action:     ActionSpec{Type: "scale_budget", Percent: f64(-p.MaxStepPercent)},
			Safeguards: budgetCut,
		})
	}
	if p.TargetCPA > 0 || p.TargetROAS > 0 {
		step := math.Min(15, p.MaxStepPercent)
		var perf []ConditionSpec
		if p.TargetCPA > 0 {
			perf = []ConditionSpec{
				cmp("3-day CPA at most 0.8x target", "cpa", "last_3d", "<=", money(0.8*target)),
				cmp("7-day CPA at most 0.8x target", "cpa", "last_7d", "<=", money(0.8*target)),
			}
		} else {
			perf = []ConditionSpec{
				cmp("3-day ROAS at least 1.25x target", "roas", "last_3d", ">=", f64(1.25*p.TargetROAS)),
				cmp("7-day ROAS at least 1.25x target", "roas", "last_7d", ">=", f64(1.25*p.TargetROAS)),
			}
		}
		sg := SafeguardSpec{Cooldown: "72h", MaxExecutions: 3, ExecutionWindow: "7d", MaxStepPercent: f64(p.MaxStepPercent), MaxWeekPercent: f64(p.MaxWeekPercent)}
		if p.MaxBudget > 0 {
			sg.MaxBudget = i64(p.MaxBudget)
		}
		add(RuleSpec{
			ID: "scale-winner", Name: "Scale winner", Level: "adset",
			Description: "Raise the budget of an ad set that beats the target on both 3 and 7 days, spends its budget without over-pacing it (7-day spend under 1.15 x 7 daily budgets) and is not saturated.",
			Filter:      &FilterSpec{LearningStage: []string{LearningStageSuccess}},
			Conditions: all(append(perf,
				ConditionSpec{Label: "enough conversions", MinData: &MinDataSpec{Window: "last_7d", Conversions: p.MinConversions}},
				cmpThan("spent 80% of budget yesterday", "spend", "yesterday", ">=", OperandSpec{Field: "daily_budget", Factor: f64(0.8)}),
				// Meta keeps a week within 7 daily budgets: a week 15% over
				// is over-pacing, not a budget that holds a winner back.
				cmpThan("not over-pacing", "spend", "last_7d", "<", OperandSpec{Field: "daily_budget", Factor: f64(8.05)}),
				cmp("not saturated", "frequency", "last_7d", "<", f64(2.5)),
			)...),
			Action:     ActionSpec{Type: "scale_budget", Percent: f64(step)},
			Safeguards: sg,
		})
	}
	if p.TargetCPA > 0 {
		add(RuleSpec{
			ID: "revive", Name: "Revive after late conversions", Level: "adset",
			Description: "Unpause an ad set the stop-loss or loser rules paused in the last 72 hours once late conversions bring its 7-day CPA to target. Never unpauses what a person paused.",
			Conditions: all(
				ConditionSpec{Label: "paused by a rule", RecentAction: &RecentActionSpec{Rules: []string{"stop-loss", "confirmed-loser"}, Actions: []string{"pause"}, Within: "72h"}},
				cmp("7-day CPA now at most target", "cpa", "last_7d", "<=", money(target)),
			),
			Action:     ActionSpec{Type: "unpause"},
			Safeguards: SafeguardSpec{MaxExecutions: 1, ExecutionWindow: "7d"},
		})
	}
	add(RuleSpec{
		ID: "learning-freeze", Name: "Learning-phase freeze", Level: "adset",
		Description: "While an ad set learns, or within 72 hours of a significant edit, only safety rules and notifications act on it.",
		Conditions: &ConditionSpec{Any: []ConditionSpec{
			fieldCmp("in the learning phase", "learning_phase", "==", f64(1)),
			fieldCmp("edited in the last 72 hours", "hours_since_edit", "<", f64(72)),
		}},
		Action: ActionSpec{Type: "freeze"},
	})
	if p.TargetCPA > 0 {
		add(RuleSpec{
			ID: "creative-fatigue", Name: "Creative fatigue (Meta definition)", Level: "ad",
			Description: "Cost per result over the last 7 days at least twice the ad's baseline week: Meta's definition of creative fatigue.",
			Conditions: all(
				ConditionSpec{Label: "enough results this week", MinData: &MinDataSpec{Window: "last_7d", Conversions: p.MinConversions}},
				ConditionSpec{Label: "enough results in the baseline", MinData: &MinDataSpec{Window: "baseline_7d", Conversions: p.MinConversions}},
				cmpThan("CPA doubled", "cpa", "last_7d", ">=", OperandSpec{Metric: "cpa", Window: "baseline_7d", Factor: f64(2)}),
			),
			Action:     ActionSpec{Type: "notify", Message: "Replace the creative of {{.Entity}}: {{.Evidence}}"},
			Safeguards: SafeguardSpec{Cooldown: "7d"},
		})
	}
	add(RuleSpec{
		ID: "ctr-decay", Name: "CTR decay against launch", Level: "ad",
		Description: "Link CTR of the last 7 days at most 0.8x the launch week, with non-overlapping intervals, at a saturating frequency.",
		Conditions: all(
			ConditionSpec{Label: "two weeks old", MinData: &MinDataSpec{AgeHours: 14 * 24}},
			ConditionSpec{Label: "enough impressions this week", MinData: &MinDataSpec{Window: "last_7d", Impressions: p.MinImpressions}},
			ConditionSpec{Label: "enough impressions at launch", MinData: &MinDataSpec{Window: "launch_7d", Impressions: p.MinImpressions}},
			cmp("frequency high", "frequency", "last_7d", ">=", f64(2.5)),
			ConditionSpec{Label: "link CTR down 20%", Metric: "link_ctr", Window: "last_7d", Op: "<=", Than: &OperandSpec{Metric: "link_ctr", Window: "launch_7d", Factor: f64(0.8)}, Confidence: p.Confidence},
		),
		Action:     ActionSpec{Type: "notify", Message: "Fatigue warning for {{.Entity}}: {{.Evidence}}"},
		Safeguards: SafeguardSpec{Cooldown: "7d"},
	})
	freq := 3.5
	if p.AudienceType == "retargeting" {
		freq = 6
	}
	add(RuleSpec{
		ID: "frequency-saturation", Name: "Frequency saturation", Level: "adset",
		Description: fmt.Sprintf("7-day frequency above %v for a %s audience.", freq, p.AudienceType),
		Conditions:  all(cmp("frequency above "+p.AudienceType+" limit", "frequency", "last_7d", ">", f64(freq))),
		Action:      ActionSpec{Type: "notify", Message: "{{.Entity}} is saturating its audience: {{.Evidence}}"},
		Safeguards:  SafeguardSpec{Cooldown: "7d"},
	})
	add(RuleSpec{
		ID: "cpm-surge", Name: "CPM surge", Level: "adset",
		Description: "CPM of the last 3 days above 1.3x the CPM of the week before last (previous_7d, which excludes the surge days), with no budget or bid change by a rule in the last 3 days (a change, not the auction, would explain it; edits made outside the rules are not in the ledger): fatigue, auction pressure or seasonality.",
		Conditions: all(
			ConditionSpec{Label: "enough impressions", MinData: &MinDataSpec{Window: "last_3d", Impressions: p.MinImpressions}},
			ConditionSpec{Label: "no budget or bid change in the last 3 days", Not: &ConditionSpec{RecentAction: &RecentActionSpec{Actions: []string{"scale_budget", "set_budget", "change_bid"}, Within: "72h"}}},
			cmpThan("CPM up 30% on the week before", "cpm", "last_3d", ">", OperandSpec{Metric: "cpm", Window: "previous_7d", Factor: f64(1.3)}),
		),
		Action:     ActionSpec{Type: "notify", Message: "CPM surge on {{.Entity}}: {{.Evidence}}"},
		Safeguards: SafeguardSpec{Cooldown: "72h"},
	})
	// Daily overspend, on ad sets and on campaigns with a campaign budget
	// (CBO); an entity without a daily budget leaves the condition unknown.
	for _, level := range []metrics.Level{metrics.LevelAdSet, metrics.LevelCampaign} {
		id, name := "daily-overspend", "Daily overspend guard"
		if level == metrics.LevelCampaign {
			id, name = "daily-overspend-campaign", "Daily overspend guard (campaign budget)"
		}
		add(RuleSpec{
			ID: id, Name: name, Level: level,
			Description: fmt.Sprintf("Spend today at least %v%% over the daily budget (Meta's allowance).", p.OverspendAllowance*100),
			Conditions:  all(cmpThan("spend today over the allowance", "spend", "today", ">=", OperandSpec{Field: "daily_budget", Factor: f64(1 + p.OverspendAllowance)})),
			Action:      ActionSpec{Type: "notify", Message: "{{.Entity}} is overspending: {{.Evidence}}"},
			Safeguards:  SafeguardSpec{Cooldown: "20h"},
		})
	}
	for _, level := range []metrics.Level{metrics.LevelCampaign, metrics.LevelAdSet} {
		add(RuleSpec{
			ID: "lifetime-pacing-" + string(level), Name: "Lifetime pacing (" + string(level) + ")", Level: level,
			Description: "After 20% of the flight, lifetime spend off the linear plan by more than 15%.",
			Conditions: all(
				fieldCmp("20% of the flight elapsed", "flight_elapsed", ">=", f64(0.2)),
				ConditionSpec{Label: "pacing off plan", Field: "lifetime_pacing", Op: "outside", Range: []float64{0.85, 1.15}},
			),
			Action:     ActionSpec{Type: "notify", Message: "{{.Entity}} is off its lifetime pace: {{.Evidence}}"},
			Safeguards: SafeguardSpec{Cooldown: "24h"},
		})
	}
	add(RuleSpec{
		ID: "under-delivery", Name: "Under-delivery", Level: "adset",
		Description: "Spent under half its daily budget on each of the last 3 complete days: bid or cost cap too low, small audience, or learning limited.",
		Conditions: all(
			ConditionSpec{Label: "three days old", MinData: &MinDataSpec{AgeHours: 72}},
			cmpThan("spend yesterday under 50% of budget", "spend", "yesterday", "<", OperandSpec{Field: "daily_budget", Factor: f64(0.5)}),
			cmpThan("spend the day before under 50% of budget", "spend", "day_2", "<", OperandSpec{Field: "daily_budget", Factor: f64(0.5)}),
			cmpThan("spend 3 days ago under 50% of budget", "spend", "day_3", "<", OperandSpec{Field: "daily_budget", Factor: f64(0.5)}),
		),
		Action:     ActionSpec{Type: "notify", Message: "{{.Entity}} is under-delivering: {{.Evidence}}"},
		Safeguards: SafeguardSpec{Cooldown: "72h"},
	})
	add(RuleSpec{
		ID: "learning-limited", Name: "Learning-limited watch", Level: "adset",
		Description: "Learning limited for a week: consolidate ad sets, broaden the audience, raise the budget or optimise for a more frequent event.",
		Filter:      &FilterSpec{LearningStage: []string{LearningStageFail}},
		Conditions:  all(fieldCmp("a week since the last edit", "hours_since_edit", ">=", f64(7*24))),
		Action:      ActionSpec{Type: "notify", Message: "{{.Entity}} is learning limited: {{.Evidence}}"},
		Safeguards:  SafeguardSpec{Cooldown: "7d"},
	})
	return Spec{Currency: p.Currency, ConversionEvent: p.ConversionEvent, Rules: rs}, nil
}
