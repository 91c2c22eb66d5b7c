package signals

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// HourOfDayResult is the hour-of-day analysis of one ad account: the
// hour and weekday-hour tables of CTR, CPC, CPM and spend share, the best
// and worst hour windows, a recommended adset_schedule and the signals.
// It encodes to JSON (the Data of its signals) so that a UI can draw the
// day x hour heatmap without recomputing anything.
type HourOfDayResult struct {
	Account  analysis.EntityRef `json:"account"`
	Currency string             `json:"currency"`
	// Level is the level of the hourly rows that were summed (ad set by
	// default); Period the whole weeks of complete days used.
	Level  metrics.Level    `json:"level,omitempty"`
	Period *analysis.Period `json:"period,omitempty"`
	Weeks  int              `json:"weeks"`
	// Totals are the counts and rates over the whole table.
	Totals TimeTotals `json:"totals"`
	// Dispersion is the measured overdispersion of each metric (1 is
	// Poisson-like; larger widens every interval and test).
	Dispersion map[string]float64 `json:"dispersion,omitempty"`
	// Hours are the 24 hours of the day (in the account's time zone),
	// every weekday together.
	Hours []TimeCell `json:"hours"`
	// Grid is weekday by hour: Grid[w][h] for weekday w (0 Sunday, as
	// Meta's adset_schedule counts) and hour h.
	Grid [][]TimeCell `json:"grid"`
	// Best and Worst are windows of WindowHours consecutive hours: Best
	// where clicks cost least (lowest adjusted CPC index), Worst where the
	// most money is wasted (share of spend × (1 − 1/adjusted CPC index));
	// nil when there is no table.
	Best  *HourWindow `json:"best,omitempty"`
	Worst *HourWindow `json:"worst,omitempty"`
	// Schedule is the recommended delivery schedule when some hours are
	// significantly worse; nil otherwise.
	Schedule *Schedule `json:"schedule,omitempty"`
	// FalseAlarmRate is the measured share of no-pattern seeds on which
	// this signal flags anything (an upper 95% bound; see the package doc).
	FalseAlarmRate float64 `json:"false_alarm_rate"`
	// Notes say what the analysis could not do and what hourly rows
	// cannot show (conversions).
	Notes []string `json:"notes,omitempty"`
	// Signals are the findings (none when nothing is flagged).
	Signals []analysis.Signal `json:"-"`
}

// TimeTotals are the counts and rates of a whole time table.
type TimeTotals struct {
	Impressions int64   `json:"impressions"`
	Clicks      int64   `json:"clicks"`
	LinkClicks  int64   `json:"link_clicks"`
	Spend       int64   `json:"spend"`                 // minor units
	Conversions int64   `json:"conversions,omitempty"` // daily tables only
	CTR         float64 `json:"ctr"`                   // fraction
	CPC         float64 `json:"cpc"`                   // minor units
	CPM         float64 `json:"cpm"`                   // minor units per 1,000 impressions
	CVR         float64 `json:"cvr,omitempty"`         // conversions per link click, daily tables only
	CPA         float64 `json:"cpa,omitempty"`         // minor units, daily tables only
}

// TimeCell is one cell of a time table: an hour, a weekday-hour, a
// weekday or a week. Rates are nil when the cell has no data for them.
type TimeCell struct {
	// Weekday is 0 (Sunday) to 6, or -1 when the cell covers every weekday.
	Weekday int `json:"weekday"`
	// Hour is 0 to 23, or -1 when the cell covers the whole day.
	Hour int `json:"hour"`
	// Week, in weekly tables, is the first day of the week; zero otherwise.
	Week metaads.Date `json:"week,omitzero"`

	Impressions int64   `json:"impressions"`
	Clicks      int64   `json:"clicks"`
	LinkClicks  int64   `json:"link_clicks"`
	Spend       int64   `json:"spend"`
	Conversions int64   `json:"conversions,omitempty"`
	SpendShare  float64 `json:"spend_share"` // the cell's share of the table's spend

	CTR *Rate `json:"ctr,omitempty"`
	CPC *Rate `json:"cpc,omitempty"`
	CPM *Rate `json:"cpm,omitempty"`
	CVR *Rate `json:"cvr,omitempty"` // daily tables only: hourly rows carry no conversions
	CPA *Rate `json:"cpa,omitempty"` // daily tables only
}

// rate returns the cell's Rate of a metric.
func (c *TimeCell) rate(name string) *Rate {
	switch name {
	case "ctr":
		return c.CTR
	case "cpc":
		return c.CPC
	case "cpm":
		return c.CPM
	case "cvr":
		return c.CVR
	case "cpa":
		return c.CPA
	}
	return nil
}

func (c *TimeCell) setRate(name string, r *Rate) {
	switch name {
	case "ctr":
		c.CTR = r
	case "cpc":
		c.CPC = r
	case "cpm":
		c.CPM = r
	case "cvr":
		c.CVR = r
	case "cpa":
		c.CPA = r
	}
}

// flagged reports whether any rate of the cell is flagged.
func (c *TimeCell) flagged() bool {
	for _, r := range []*Rate{c.CTR, c.CPC, c.CPM, c.CVR, c.CPA} {
		if r != nil && r.Flagged {
			return true
		}
	}
	return false
}

// HourWindow is a window of consecutive hours [From, To) of the day; To
// may be smaller than From when the window wraps midnight.
type HourWindow struct {
	From int `json:"from"`
	To   int `json:"to"`
	// CPC and CTR are the window's rates (Adjusted, P and interval as in
	// the tables; the window itself is not a test of its own: Flagged
	// says whether an hour inside it is flagged in the same direction).
	CPC        *Rate   `json:"cpc,omitempty"`
	CTR        *Rate   `json:"ctr,omitempty"`
	SpendShare float64 `json:"spend_share"`
	Flagged    bool    `json:"flagged"`
}

// Schedule is a recommended delivery schedule in Meta's adset_schedule
// format. Meta applies an adset_schedule only to ad sets with a lifetime
// budget and pacing_type ["day_parting"]; AdSets are the active ad sets
// that qualify and Other the ones that would first need a lifetime budget
// (for those, the signal's rule pauses and resumes them instead).
type Schedule struct {
	Blocks []ScheduleBlock `json:"adset_schedule"`
	// ExcludedHours are the hours the schedule leaves out.
	ExcludedHours []int                `json:"excluded_hours"`
	AdSets        []analysis.EntityRef `json:"adsets,omitempty"`
	Other         []analysis.EntityRef `json:"other,omitempty"`
	// Rules are the pause and resume rules for the Other ad sets (empty
	// when there are none, or when no window is flagged as worse).
	Rules []rules.RuleSpec `json:"rules,omitempty"`
	Note  string           `json:"note"`
}

// ScheduleBlock is one adset_schedule entry: minutes from midnight (on the
// hour), the weekdays (0 Sunday to 6 Saturday) and the time zone the
// minutes are in (ADVERTISER: the account's, which the hour tables use).
type ScheduleBlock struct {
	StartMinute  int    `json:"start_minute"`
	EndMinute    int    `json:"end_minute"`
	Days         []int  `json:"days"`
	TimezoneType string `json:"timezone_type"`
}

// HourOfDay analyses the account's hourly rows: for the whole weeks of
// complete days in Dataset.Hourly, the CTR, CPC and CPM of each hour and
// each weekday-hour against the whole table, each tested against each
// day's own rate with quasi-Poisson variance and flagged under
// Benjamini-Hochberg control across all 576 tests (24 hours and 168
// weekday-hours, three metrics). Hourly rows carry no off-Meta conversions
// (Meta's restriction since 2021), so the tables hold delivery metrics
// only; day-of-week conversion metrics are in [DayOfWeek].
//
// It returns one signal when something is flagged: the best and worst
// windows, a recommended adset_schedule and a pair of rules (pause in the
// worst window, resume after it) a user can adopt.
func HourOfDay(ds *analysis.Dataset, opts ...Option) (*HourOfDayResult, error) {
	v, err := newView(ds, opts)
	if err != nil {
		return nil, err
	}
	res := &HourOfDayResult{Account: v.account, Currency: v.currency, FalseAlarmRate: FalseAlarmRate(analysis.SignalHourOfDay),
		Notes: []string{"Hourly rows carry no pixel (off-Meta) conversions, reach or video metrics (Meta's hourly breakdown restriction): the hour tables hold CTR, CPC, CPM and spend share; conversion metrics by day of week come from daily rows."}}
	lvl, ok := v.hourlyLevel()
	if !ok {
		res.Notes = append(res.Notes, "No hourly rows: collect the hourly breakdown to analyse hours.")
		return res, nil
	}
	res.Level = lvl
	last := dayNumber(v.today) - 1
	first := last + 1
	for i := range ds.Hourly {
		r := &ds.Hourly[i]
		if r.Level == lvl {
			if d := dayNumber(r.Date); d <= last {
				first = min(first, d)
			}
		}
	}
	weeks := (last - first + 1) / 7
	if weeks < v.cfg.minWeeks {
		res.Notes = append(res.Notes, fmt.Sprintf("%d whole weeks of complete days of hourly rows; at least %d are needed.", max(weeks, 0), v.cfg.minWeeks))
		return res, nil
	}
	first = last - 7*weeks + 1
	res.Weeks, res.Period = weeks, period(first, last, "")
	days := last - first + 1

	// Counts per (day, hour).
	cells := make([]metrics.Counts, days*24)
	var total metrics.Counts
	for i := range ds.Hourly {
		r := &ds.Hourly[i]
		d := dayNumber(r.Date)
		if r.Level != lvl || d < first || d > last || r.Hour < 0 || r.Hour > 23 {
			continue
		}
		cells[(d-first)*24+r.Hour].Add(r.Counts)
		total.Add(r.Counts)
	}
	if total.Impressions == 0 {
		res.Notes = append(res.Notes, "No impressions in the hourly rows of the period.")
		return res, nil
	}
	res.Totals = totalsOf(total)
	wdOf := func(block int) int { return int(weekday(dateOfNumber(first + block))) }

	specs := []*metricSpec{&specCTR, &specCPC, &specCPM}
	fits := map[string]*fit{}
	res.Dispersion = map[string]float64{}
	for _, sp := range specs {
		l := newLayout(days, 24)
		for b := range days {
			for h := range 24 {
				c := &cells[b*24+h]
				l.add(b, h, sp.num(c), sp.exp(c))
			}
		}
		fits[sp.name] = l.fit()
		res.Dispersion[sp.name] = fits[sp.name].dispersion
	}
	overall := map[string]float64{"ctr": res.Totals.CTR, "cpc": res.Totals.CPC, "cpm": res.Totals.CPM}

	qc := quantileCache{}
	var fm family
	var list []pending
	fill := func(cell *TimeCell, sum *metrics.Counts, blocks, hours []int) {
		cell.Impressions, cell.Clicks, cell.LinkClicks, cell.Spend = sum.Impressions, sum.Clicks, sum.LinkClicks, sum.Spend
		if total.Spend > 0 {
			cell.SpendShare = float64(sum.Spend) / float64(total.Spend)
		}
		for _, sp := range specs {
			f := fits[sp.name]
			if r, ok := newRate(sp, sp.num(sum), sp.exp(sum), overall[sp.name], f.dispersion, f.testCells(blocks, hours), qc); ok {
				cell.setRate(sp.name, r)
				fm.register(r, &list)
			}
		}
	}
	res.Hours = make([]TimeCell, 24)
	for h := range 24 {
		var sum metrics.Counts
		for b := range days {
			sum.Add(cells[b*24+h])
		}
		res.Hours[h] = TimeCell{Weekday: -1, Hour: h}
		fill(&res.Hours[h], &sum, nil, []int{h})
	}
	byWeekday := make([][]int, 7)
	for b := range days {
		byWeekday[wdOf(b)] = append(byWeekday[wdOf(b)], b)
	}
	res.Grid = make([][]TimeCell, 7)
	for w := range 7 {
		res.Grid[w] = make([]TimeCell, 24)
		for h := range 24 {
			var sum metrics.Counts
			for _, b := range byWeekday[w] {
				sum.Add(cells[b*24+h])
			}
			res.Grid[w][h] = TimeCell{Weekday: w, Hour: h}
			fill(&res.Grid[w][h], &sum, byWeekday[w], []int{h})
		}
	}
	settle(&fm, list, v.cfg.fdr, v.cfg.minEffect)

	// Windows of consecutive hours, ranked by adjusted CPC index.
	k := v.cfg.windowHours
	inWindow := func(from, h int) bool { return (h-from+24)%24 < k }
	var windows []*HourWindow
	for from := range 24 {
		var sum metrics.Counts
		for b := range days {
			for h := range 24 {
				if inWindow(from, h) {
					sum.Add(cells[b*24+h])
				}
			}
		}
		w := &HourWindow{From: from, To: (from + k) % 24}
		if total.Spend > 0 {
			w.SpendShare = float64(sum.Spend) / float64(total.Spend)
		}
		var in []int
		for h := range k {
			in = append(in, (from+h)%24)
		}
		w.CPC, _ = newRate(&specCPC, specCPC.num(&sum), specCPC.exp(&sum), overall["cpc"], fits["cpc"].dispersion, fits["cpc"].testCells(nil, in), qc)
		w.CTR, _ = newRate(&specCTR, specCTR.num(&sum), specCTR.exp(&sum), overall["ctr"], fits["ctr"].dispersion, fits["ctr"].testCells(nil, in), qc)
		if w.CPC != nil && w.CPC.Tested {
			windows = append(windows, w)
		}
	}
	if len(windows) > 0 {
		best := slices.MinFunc(windows, func(a, b *HourWindow) int { return cmpFloat(a.CPC.Adjusted, b.CPC.Adjusted) })
		// The worst window is the one that wastes the most: its share of
		// spend times the share of that spend an average click price would
		// have saved (1 − 1/index).
		waste := func(w *HourWindow) float64 { return w.SpendShare * (1 - 1/w.CPC.Adjusted) }
		worst := slices.MaxFunc(windows, func(a, b *HourWindow) int { return cmpFloat(waste(a), waste(b)) })
		for h := range 24 {
			c := &res.Hours[h]
			if inWindow(best.From, h) && hourFlagged(c, true) {
				best.Flagged = true
			}
			if inWindow(worst.From, h) && hourFlagged(c, false) {
				worst.Flagged = true
			}
		}
		res.Best, res.Worst = best, worst
	}

	var flaggedCells []*TimeCell
	for h := range 24 {
		if res.Hours[h].flagged() {
			flaggedCells = append(flaggedCells, &res.Hours[h])
		}
	}
	for w := range 7 {
		for h := range 24 {
			if res.Grid[w][h].flagged() {
				flaggedCells = append(flaggedCells, &res.Grid[w][h])
			}
		}
	}
	if len(flaggedCells) == 0 {
		return res, nil
	}
	res.Schedule = v.schedule(res)
	sig, err := v.hourSignal(res, flaggedCells)
	if err != nil {
		return nil, err
	}
	res.Signals = []analysis.Signal{sig}
	return res, nil
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// hourFlagged reports whether an hour is flagged as better (or worse) on
// cost per click or CTR.
func hourFlagged(c *TimeCell, better bool) bool {
	for _, x := range []struct {
		r    *Rate
		spec *metricSpec
	}{{c.CPC, &specCPC}, {c.CTR, &specCTR}} {
		if x.r != nil && x.r.Flagged && x.r.better(x.spec) == better {
			return true
		}
	}
	return false
}

func totalsOf(c metrics.Counts) TimeTotals {
	t := TimeTotals{Impressions: c.Impressions, Clicks: c.Clicks, LinkClicks: c.LinkClicks, Spend: c.Spend, Conversions: c.Conversions}
	t.CTR, _ = metrics.CTR(c.Clicks, c.Impressions)
	t.CPC, _ = metrics.CPC(c.Spend, c.Clicks)
	t.CPM, _ = metrics.CPM(c.Spend, c.Impressions)
	t.CVR, _ = metrics.ConversionRate(c.Conversions, c.LinkClicks)
	t.CPA, _ = metrics.CPA(c.Spend, c.Conversions)
	return t
}

// schedule builds the recommended adset_schedule: every hour except those
// flagged as significantly more expensive (CPC) or worse (CTR).
func (v *view) schedule(res *HourOfDayResult) *Schedule {
	var excluded []int
	for h := range 24 {
		if hourFlagged(&res.Hours[h], false) {
			excluded = append(excluded, h)
		}
	}
	if len(excluded) == 0 || len(excluded) == 24 {
		return nil
	}
	s := &Schedule{ExcludedHours: excluded,
		Note: "Meta applies adset_schedule only to ad sets with a lifetime budget (and an end time) and pacing_type [\"day_parting\"]; minutes are in the account's time zone (timezone_type ADVERTISER). Meta warns that frequent pausing and resuming hurts pacing: a schedule is the gentler way."}
	all := []int{0, 1, 2, 3, 4, 5, 6}
	h := 0
	for h < 24 {
		if slices.Contains(excluded, h) {
			h++
			continue
		}
		start := h
		for h < 24 && !slices.Contains(excluded, h) {
			h++
		}
		s.Blocks = append(s.Blocks, ScheduleBlock{StartMinute: start * 60, EndMinute: h * 60, Days: all, TimezoneType: "ADVERTISER"})
	}
	for i := range v.ds.AdSets {
		a := &v.ds.AdSets[i]
		if a.EffectiveStatus != metaads.EffectiveActive {
			continue
		}
		ref := analysis.EntityRef{Level: metrics.LevelAdSet, ID: a.ID, Name: a.Name}
		if a.LifetimeBudget > 0 && !a.EndTime.IsZero() {
			s.AdSets = append(s.AdSets, ref)
		} else {
			s.Other = append(s.Other, ref)
		}
	}
	return s
}

// scheduleText writes schedule blocks in words.
func scheduleText(s *Schedule) string {
	var parts []string
	for _, b := range s.Blocks {
		parts = append(parts, hourRange(b.StartMinute/60, b.EndMinute/60))
	}
	return strings.Join(parts, ", ")
}

// hourSignal turns the flagged hour table into a signal.
func (v *view) hourSignal(res *HourOfDayResult, flagged []*TimeCell) (analysis.Signal, error) {
	per := res.Period
	maxQ := 0.0
	for _, c := range flagged {
		for _, r := range []*Rate{c.CTR, c.CPC, c.CPM} {
			if r != nil && r.Flagged {
				maxQ = math.Max(maxQ, r.Q)
			}
		}
	}
	sig := analysis.Signal{Kind: analysis.SignalHourOfDay, Polarity: analysis.KindOpportunity, Severity: analysis.SeverityInfo}
	sig.Evidence = append(sig.Evidence,
		analysis.Figure{Name: "cpc", Value: res.Totals.CPC, Unit: metrics.UnitMoney, Basis: analysis.BasisMeasured, Period: per,
			Text: fmt.Sprintf("CPC over %d weeks, all hours: %s", res.Weeks, v.money(res.Totals.CPC))},
		analysis.Figure{Name: "ctr", Value: res.Totals.CTR, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: per,
			Text: fmt.Sprintf("CTR over %d weeks, all hours: %s", res.Weeks, pct(res.Totals.CTR))})
	var finding []string
	windowFigures := func(w *HourWindow, label string) {
		scope := "hours " + hourRange(w.From, w.To)
		sig.Evidence = append(sig.Evidence,
			analysis.Figure{Name: "hour_index", Value: w.CPC.Index, Unit: metrics.UnitRatio, Basis: analysis.BasisMeasured, Period: per, Scope: scope,
				Interval: &metrics.Interval{Lo: w.CPC.IndexLo, Hi: w.CPC.IndexHi, Confidence: 0.95}, Method: "CPC in the window / CPC over all hours",
				Text: fmt.Sprintf("CPC index of the %s window %s: %.2f (%s per click)", label, hourRange(w.From, w.To), w.CPC.Index, v.money(w.CPC.Value))},
			analysis.Figure{Name: "spend_share", Value: w.SpendShare, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: per, Scope: scope,
				Text: fmt.Sprintf("share of spend in %s: %s", hourRange(w.From, w.To), pct(w.SpendShare))})
		if w.CTR != nil {
			sig.Evidence = append(sig.Evidence, analysis.Figure{Name: "ctr", Value: w.CTR.Value, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: per, Scope: scope,
				Interval: &metrics.Interval{Lo: w.CTR.IndexLo * res.Totals.CTR, Hi: w.CTR.IndexHi * res.Totals.CTR, Confidence: 0.95},
				Text:     fmt.Sprintf("CTR in %s: %s (index %.2f)", hourRange(w.From, w.To), pct(w.CTR.Value), w.CTR.Index)})
		}
	}
	if res.Best != nil && res.Best.Flagged {
		windowFigures(res.Best, "best")
		finding = append(finding, fmt.Sprintf("clicks cost least at %s (CPC index %.2f)", hourRange(res.Best.From, res.Best.To), res.Best.CPC.Index))
	}
	if res.Worst != nil && res.Worst.Flagged {
		windowFigures(res.Worst, "worst")
		finding = append(finding, fmt.Sprintf("most at %s (CPC index %.2f, %s of spend)", hourRange(res.Worst.From, res.Worst.To), res.Worst.CPC.Index, pct(res.Worst.SpendShare)))
		if res.Worst.CPC.Adjusted >= 1+2*v.cfg.minEffect && res.Worst.SpendShare >= 0.05 {
			sig.Severity = analysis.SeverityWarning
		}
		daily := float64(res.Totals.Spend) / float64(7*res.Weeks)
		stake := daily * res.Worst.SpendShare * (1 - 1/res.Worst.CPC.Adjusted)
		sig.Evidence = append(sig.Evidence, analysis.Figure{Name: analysis.FigureMoneyAtStake, Value: stake, Unit: metrics.UnitMoney, Basis: analysis.BasisEstimate,
			Method: "daily spend × the worst window's share of it × (1 − 1/its adjusted CPC index): what its clicks cost above the account's average price",
			Text:   fmt.Sprintf("about %s a day paid above the average click price in %s", v.money(stake), hourRange(res.Worst.From, res.Worst.To))})
	}
	if len(finding) == 0 {
		c := flagged[0]
		when := fmt.Sprintf("hour %02d:00", c.Hour)
		if c.Weekday >= 0 {
			when = weekdayNames[c.Weekday] + "s at " + fmt.Sprintf("%02d:00", c.Hour)
		}
		finding = append(finding, fmt.Sprintf("%d hour cells differ from the account's rates, first %s", len(flagged), when))
	}
	sig.Finding = "Time of day matters: " + strings.Join(finding, " and ") + "."
	sig.Explanation = fmt.Sprintf("Each hour and weekday-hour of %d whole weeks of hourly rows (%s to %s) was compared with each day's own rate "+
		"(quasi-Poisson, dispersion CTR %.2f, CPC %.2f, CPM %.2f); %d of 576 tests are significant under Benjamini-Hochberg control at a "+
		"%.0f%% false discovery rate with an index at least %.0f%% from 1. Hourly rows carry no conversions: the hours are judged on clicks and their cost.",
		res.Weeks, per.Since, per.Until, res.Dispersion["ctr"], res.Dispersion["cpc"], res.Dispersion["cpm"], countFlagged(res), 100*v.cfg.fdr, 100*v.cfg.minEffect)
	prob := 1 - maxQ
	sig.Confidence = analysis.Confidence{Level: confidenceLevel(prob), Probability: prob, FalseAlarmRate: res.FalseAlarmRate,
		Basis: fmt.Sprintf("largest q-value among the flagged tests %.2g; on data with no hour effect this signal flagged %s", maxQ, falseAlarmWords(res.FalseAlarmRate))}
	sig.Suggestion = analysis.Action{Type: analysis.ActionSchedule}
	if res.Schedule != nil {
		sig.Suggestion.Detail = fmt.Sprintf("deliver only at %s account time: adset_schedule for lifetime-budget ad sets (Data.schedule), or the pause/resume rules for daily budgets", scheduleText(res.Schedule))
		if res.Worst != nil && res.Worst.Flagged && len(res.Schedule.Other) > 0 {
			pause, resume := worstWindowRules(v, res)
			sig.Rule = pause
			res.Schedule.Rules = []rules.RuleSpec{*pause, *resume}
		}
	} else if res.Best != nil && res.Best.Flagged {
		sig.Suggestion.Detail = fmt.Sprintf("favour %s account time (budget scheduling of high-demand periods works with daily budgets)", hourRange(res.Best.From, res.Best.To))
	}
	data, err := encodeData(res)
	if err != nil {
		return sig, err
	}
	sig.Data = data
	return sig, nil
}

func countFlagged(res *HourOfDayResult) int {
	n := 0
	count := func(c *TimeCell) {
		for _, r := range []*Rate{c.CTR, c.CPC, c.CPM} {
			if r != nil && r.Flagged {
				n++
			}
		}
	}
	for h := range res.Hours {
		count(&res.Hours[h])
	}
	for w := range res.Grid {
		for h := range res.Grid[w] {
			count(&res.Grid[w][h])
		}
	}
	return n
}

// worstWindowRules returns a rule that pauses the account's active
// daily-budget ad sets during the worst window and one that resumes the
// ad sets it paused when the window ends. Both are dry runs (Live false)
// until the user turns them on.
func worstWindowRules(v *view, res *HourOfDayResult) (pause, resume *rules.RuleSpec) {
	w := res.Worst
	var ids []string
	for _, a := range res.Schedule.Other {
		ids = append(ids, a.ID)
	}
	id := fmt.Sprintf("hour_pause_%02d_%02d", w.From, w.To)
	pause = &rules.RuleSpec{ID: id, Name: "Pause in the worst hours " + hourRange(w.From, w.To),
		Description: fmt.Sprintf("From the hour-of-day signal: clicks cost %.2fx the account average at %s (account time) over %d weeks. Pauses during the window; rule %s_resume resumes.", w.CPC.Index, hourRange(w.From, w.To), res.Weeks, id),
		Level:       "adset",
		Conditions:  &rules.ConditionSpec{All: []rules.ConditionSpec{{Label: "in the worst hours", Hours: &rules.HoursSpec{From: w.From, To: w.To}}}},
		Action:      rules.ActionSpec{Type: "pause"},
		Safeguards:  rules.SafeguardSpec{Cooldown: "20h"},
	}
	resume = &rules.RuleSpec{ID: id + "_resume", Name: "Resume after the worst hours " + hourRange(w.From, w.To),
		Description: "Resumes the ad sets rule " + id + " paused, once the window is over.",
		Level:       "adset",
		Conditions: &rules.ConditionSpec{All: []rules.ConditionSpec{
			{Label: "the window is over", Hours: &rules.HoursSpec{From: w.To, To: (w.To + 1) % 24}},
			{Label: "paused by " + id, RecentAction: &rules.RecentActionSpec{Rules: []string{id}, Actions: []string{"pause"}, Within: "24h"}},
		}},
		Action:     rules.ActionSpec{Type: "unpause"},
		Safeguards: rules.SafeguardSpec{Cooldown: "20h", Learning: "allow"},
	}
	pause.Filter = &rules.FilterSpec{IDs: ids}
	resume.Filter = &rules.FilterSpec{IDs: ids}
	return pause, resume
}

// falseAlarmWords says a false-alarm rate in words.
func falseAlarmWords(rate float64) string {
	return fmt.Sprintf("at most %.1f%% of %d seeds (upper 95%% bound)", 100*rate, falseAlarmSeeds)
}
