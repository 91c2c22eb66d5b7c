package signals

import (
	"fmt"
	"math"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// DayOfWeekResult is the day-of-week analysis of one ad account from its
// daily rows: CTR, CPC, CPM and, for the campaigns of the main conversion
// event, CVR and CPA per weekday, each against the whole period. It
// encodes to JSON (the Data of its signal).
type DayOfWeekResult struct {
	Account  analysis.EntityRef `json:"account"`
	Currency string             `json:"currency"`
	Level    metrics.Level      `json:"level,omitempty"`
	Period   *analysis.Period   `json:"period,omitempty"`
	Weeks    int                `json:"weeks"`
	// ConversionEvent is the action type CVR and CPA count (the event of
	// the campaigns with the most spend); empty when no campaign has one.
	ConversionEvent string             `json:"conversion_event,omitempty"`
	Totals          TimeTotals         `json:"totals"`
	Dispersion      map[string]float64 `json:"dispersion,omitempty"`
	// Days are the weekdays, Sunday first (Days[w].Weekday == w).
	Days []TimeCell `json:"days"`
	// Best and Worst are the weekdays with the lowest and highest adjusted
	// cost per result (CPA when conversions are counted, else CPC); -1 when
	// none.
	Best           int      `json:"best"`
	Worst          int      `json:"worst"`
	FalseAlarmRate float64  `json:"false_alarm_rate"`
	Notes          []string `json:"notes,omitempty"`
	// Rules are the rules of the signal: a budget step on the flagged
	// weekday and the step back the day after.
	Rules   []rules.RuleSpec  `json:"rules,omitempty"`
	Signals []analysis.Signal `json:"-"`
}

// DayOfWeek analyses the account's daily rows by weekday. Each weekday's
// rates over the whole weeks of complete days in Dataset.Daily are tested
// against each week's own rate (so a trend or a seasonal week is not read
// as a weekday effect), with quasi-Poisson variance, and flagged under
// Benjamini-Hochberg control across every weekday and metric. Conversion
// metrics come from daily rows, which carry conversions (hourly rows do
// not).
func DayOfWeek(ds *analysis.Dataset, opts ...Option) (*DayOfWeekResult, error) {
	v, err := newView(ds, opts)
	if err != nil {
		return nil, err
	}
	res := &DayOfWeekResult{Account: v.account, Currency: v.currency, Best: -1, Worst: -1, FalseAlarmRate: FalseAlarmRate(analysis.SignalDayOfWeek)}
	s, why := v.dailyTable()
	if s == nil {
		res.Notes = append(res.Notes, why)
		return res, nil
	}
	res.Level, res.Period, res.Weeks, res.ConversionEvent = s.level, s.period(), s.weeks, s.event
	res.Totals = totalsOf(s.totalAll)
	res.Totals.Conversions = s.totalConv.Conversions
	res.Totals.CVR, _ = metrics.ConversionRate(s.totalConv.Conversions, s.totalConv.LinkClicks)
	res.Totals.CPA, _ = metrics.CPA(s.totalConv.Spend, s.totalConv.Conversions)
	if s.event == "" {
		res.Notes = append(res.Notes, "No campaign has a conversion event: weekdays are compared on delivery metrics only.")
	}
	res.Days = make([]TimeCell, 7)
	for w := range 7 {
		var all, conv metrics.Counts
		for d := range s.days() {
			if s.weekdayOf(d) == w {
				all.Add(s.all[d])
				conv.Add(s.conv[d])
			}
		}
		res.Days[w] = TimeCell{Weekday: w, Hour: -1}
		fillCounts(&res.Days[w], &all, &conv, s.totalAll.Spend)
	}
	res.Dispersion = map[string]float64{}
	var fm family
	var list []pending
	qc := quantileCache{}
	for _, sp := range s.specs() {
		f := s.layoutBy(sp, s.weeks, 7, s.weekOf, s.weekdayOf).fit()
		res.Dispersion[sp.name] = f.dispersion
		for w := range 7 {
			var sum metrics.Counts
			for d := range s.days() {
				if s.weekdayOf(d) == w {
					sum.Add(*s.counts(sp, d))
				}
			}
			if r, ok := newRate(sp, sp.num(&sum), sp.exp(&sum), s.overall(sp), f.dispersion, f.testCells(nil, []int{w}), qc); ok {
				res.Days[w].setRate(sp.name, r)
				fm.register(r, &list)
			}
		}
	}
	settle(&fm, list, v.cfg.fdr, v.cfg.minEffect)

	key := &specCPC
	if s.event != "" && s.totalConv.Conversions > 0 {
		key = &specCPA
	}
	for w := range 7 {
		r := res.Days[w].rate(key.name)
		if r == nil || !r.Tested {
			continue
		}
		if res.Best < 0 || r.Adjusted < res.Days[res.Best].rate(key.name).Adjusted {
			res.Best = w
		}
		if res.Worst < 0 || r.Adjusted > res.Days[res.Worst].rate(key.name).Adjusted {
			res.Worst = w
		}
	}
	var flagged []int
	for w := range 7 {
		if res.Days[w].flagged() {
			flagged = append(flagged, w)
		}
	}
	if len(flagged) == 0 {
		return res, nil
	}
	sig, err := v.dayOfWeekSignal(res, s, key, flagged)
	if err != nil {
		return nil, err
	}
	res.Signals = []analysis.Signal{sig}
	return res, nil
}

func (v *view) dayOfWeekSignal(res *DayOfWeekResult, s *dailySeries, key *metricSpec, flagged []int) (analysis.Signal, error) {
	per := res.Period
	sig := analysis.Signal{Kind: analysis.SignalDayOfWeek, Polarity: analysis.KindOpportunity, Severity: analysis.SeverityInfo}
	maxQ := 0.0
	var parts []string
	for _, w := range flagged {
		c := &res.Days[w]
		for _, sp := range s.specs() {
			r := c.rate(sp.name)
			if r == nil || !r.Flagged {
				continue
			}
			maxQ = math.Max(maxQ, r.Q)
			unit, val := metrics.UnitMoney, v.money(r.Value)
			if sp.kind == kindShare {
				unit, val = metrics.UnitFraction, pct(r.Value)
			}
			sig.Evidence = append(sig.Evidence, analysis.Figure{Name: sp.name, Value: r.Value, Unit: unit, Basis: analysis.BasisMeasured, Period: per,
				Scope: weekdayNames[w] + "s", Interval: &metrics.Interval{Lo: r.IndexLo * s.overall(sp), Hi: r.IndexHi * s.overall(sp), Confidence: 0.95},
				Text: fmt.Sprintf("%s on %ss: %s (index %.2f against all days)", strings.ToUpper(sp.name), weekdayNames[w], val, r.Index)})
		}
		if r := c.rate(key.name); r != nil && r.Flagged {
			word := "cheaper"
			if r.Adjusted > 1 {
				word = "dearer"
			}
			parts = append(parts, fmt.Sprintf("%ss are %s (%s index %.2f)", weekdayNames[w], word, strings.ToUpper(key.name), r.Index))
		}
	}
	overall := s.overall(key)
	sig.Evidence = append([]analysis.Figure{{Name: key.name, Value: overall, Unit: metrics.UnitMoney, Basis: analysis.BasisMeasured, Period: per,
		Text: fmt.Sprintf("%s over %d weeks, all days: %s", strings.ToUpper(key.name), res.Weeks, v.money(overall))}}, sig.Evidence...)
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("%d weekdays differ from the account's rates on delivery metrics", len(flagged)))
	}
	sig.Finding = "The day of the week matters: " + strings.Join(parts, "; ") + "."
	conv := "conversions of " + res.ConversionEvent
	if res.ConversionEvent == "" {
		conv = "no conversions (no campaign has a conversion event)"
	}
	sig.Explanation = fmt.Sprintf("Each weekday of %d whole weeks of daily rows (%s to %s; %s) was compared with each week's own rate "+
		"(quasi-Poisson with the measured dispersion), with Benjamini-Hochberg control at a %.0f%% false discovery rate over every weekday and metric "+
		"and an index at least %.0f%% from 1.", res.Weeks, per.Since, per.Until, conv, 100*v.cfg.fdr, 100*v.cfg.minEffect)
	prob := 1 - maxQ
	sig.Confidence = analysis.Confidence{Level: confidenceLevel(prob), Probability: prob, FalseAlarmRate: res.FalseAlarmRate,
		Basis: fmt.Sprintf("largest q-value among the flagged tests %.2g; on data with no weekday effect this signal flagged %s", maxQ, falseAlarmWords(res.FalseAlarmRate))}
	day, percent := -1, 0.0
	if w := res.Best; w >= 0 && res.Days[w].rate(key.name) != nil && res.Days[w].rate(key.name).Flagged {
		day, percent = w, 20
	} else if w := res.Worst; w >= 0 && res.Days[w].rate(key.name) != nil && res.Days[w].rate(key.name).Flagged {
		day, percent = w, -20
	}
	sig.Suggestion = analysis.Action{Type: analysis.ActionSchedule}
	if day >= 0 {
		word := "raise budgets on " + weekdayNames[day] + "s"
		if percent < 0 {
			word = "lower budgets on " + weekdayNames[day] + "s"
		}
		sig.Suggestion.Detail = fmt.Sprintf("%s by %.0f%% (Meta's budget scheduling of high-demand periods, or the rule pair in Data.rules)", word, math.Abs(percent))
		if step, back := weekdayRules(v, day, percent); step != nil {
			sig.Rule = step
			res.Rules = []rules.RuleSpec{*step, *back}
		}
	}
	data, err := encodeData(res)
	if err != nil {
		return sig, err
	}
	sig.Data = data
	return sig, nil
}

// weekdayRules returns a rule that changes the budgets of the account's
// active daily-budget ad sets by percent at the start of the weekday, and
// one that steps them back at the start of the next day; nil when there
// is no such ad set. Both are dry runs until the user turns them on; the
// step back is the inverse change, so the two together leave the budget
// where it was.
func weekdayRules(v *view, day int, percent float64) (step, back *rules.RuleSpec) {
	var ids []string
	for i := range v.ds.AdSets {
		a := &v.ds.AdSets[i]
		if a.EffectiveStatus == metaads.EffectiveActive && a.DailyBudget > 0 {
			ids = append(ids, a.ID)
		}
	}
	dir := "up"
	if percent < 0 {
		dir = "down"
	}
	if len(ids) == 0 {
		return nil, nil // no active daily budget to step
	}
	id := fmt.Sprintf("weekday_%s_%s%.0f", weekdayRule[day], dir, math.Abs(percent))
	inverse := 100 * (100/(100+percent) - 1)
	step = &rules.RuleSpec{ID: id, Name: fmt.Sprintf("Budget %+.0f%% on %ss", percent, weekdayNames[day]),
		Description: "From the day-of-week signal; rule " + id + "_back steps the budget back the next day.",
		Level:       "adset", Filter: &rules.FilterSpec{IDs: ids},
		Conditions: &rules.ConditionSpec{All: []rules.ConditionSpec{
			{Label: "on " + weekdayNames[day] + "s", Weekdays: []string{weekdayRule[day]}},
			{Label: "at the start of the day", Hours: &rules.HoursSpec{From: 0, To: 2}},
		}},
		Action:     rules.ActionSpec{Type: "scale_budget", Percent: &percent},
		Safeguards: rules.SafeguardSpec{Cooldown: "20h", Learning: "skip"},
	}
	next := (day + 1) % 7
	back = &rules.RuleSpec{ID: id + "_back", Name: fmt.Sprintf("Budget back after %ss", weekdayNames[day]),
		Description: "Undoes rule " + id + " the day after.",
		Level:       "adset", Filter: &rules.FilterSpec{IDs: ids},
		Conditions: &rules.ConditionSpec{All: []rules.ConditionSpec{
			{Label: "on " + weekdayNames[next] + "s", Weekdays: []string{weekdayRule[next]}},
			{Label: "at the start of the day", Hours: &rules.HoursSpec{From: 0, To: 2}},
			{Label: "changed by " + id, RecentAction: &rules.RecentActionSpec{Rules: []string{id}, Within: "30h"}},
		}},
		Action:     rules.ActionSpec{Type: "scale_budget", Percent: &inverse},
		Safeguards: rules.SafeguardSpec{Cooldown: "20h", Learning: "allow"},
	}
	if percent > 0 {
		step.Class = "scale"
		back.Class = "protect"
	} else {
		step.Class = "protect"
		back.Class = "scale"
	}
	return step, back
}
