package signals

import (
	"fmt"
	"math"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metrics"
)

// SeasonalityResult is the weekly seasonality and trend of one ad
// account's daily series: each week against the whole period (after the
// weekday pattern), the weekday factors, and the trend of each metric.
// It encodes to JSON (the Data of its signal).
type SeasonalityResult struct {
	Account         analysis.EntityRef `json:"account"`
	Currency        string             `json:"currency"`
	Level           metrics.Level      `json:"level,omitempty"`
	Period          *analysis.Period   `json:"period,omitempty"`
	WeekCount       int                `json:"weeks"`
	ConversionEvent string             `json:"conversion_event,omitempty"`
	Totals          TimeTotals         `json:"totals"`
	Dispersion      map[string]float64 `json:"dispersion,omitempty"`
	// Weeks are the whole weeks of the period, oldest first, each tested
	// against the whole period after each weekday's own level (Week is the
	// week's first day).
	Weeks []TimeCell `json:"week_table"`
	// WeekdayFactors are the weekly seasonal factors of each metric: the
	// adjusted index of each weekday (Sunday first) against each week.
	WeekdayFactors map[string][]float64 `json:"weekday_factors,omitempty"`
	// Trends are the trend of each metric over the period.
	Trends         []Trend           `json:"trends"`
	FalseAlarmRate float64           `json:"false_alarm_rate"`
	Notes          []string          `json:"notes,omitempty"`
	Signals        []analysis.Signal `json:"-"`
}

// Trend is the trend of one metric of a daily series: a weighted
// least-squares line through the log of the daily rate after the weekday
// factors, weighted by each day's count of events.
type Trend struct {
	Metric string `json:"metric"`
	// DailyChange is the relative change per day (0.01 is +1% a day).
	DailyChange float64 `json:"daily_change"`
	// Change is the relative change over the whole period from the fitted
	// line (-0.2 is 20% lower at the end than at the start), with its 95%
	// interval (normal approximation of the slope).
	Change   float64 `json:"change"`
	ChangeLo float64 `json:"change_lo"`
	ChangeHi float64 `json:"change_hi"`
	TStat    float64 `json:"t"`
	P        float64 `json:"p"`
	Q        float64 `json:"q"`
	Points   int     `json:"points"`
	Flagged  bool    `json:"flagged"`
}

// Seasonality analyses the account's daily series for weekly seasonality
// and trend: the weekday factors of each metric (as [DayOfWeek] tests
// them), each whole week against the period after those factors (a
// seasonal week, a sale), and the trend of each metric. Weeks and trends
// are flagged under one Benjamini-Hochberg control.
func Seasonality(ds *analysis.Dataset, opts ...Option) (*SeasonalityResult, error) {
	v, err := newView(ds, opts)
	if err != nil {
		return nil, err
	}
	res := &SeasonalityResult{Account: v.account, Currency: v.currency, FalseAlarmRate: FalseAlarmRate(analysis.SignalSeasonality)}
	s, why := v.dailyTable()
	if s == nil {
		res.Notes = append(res.Notes, why)
		return res, nil
	}
	if s.weeks < 3 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d whole weeks of daily rows; weeks and trends need at least 3.", s.weeks))
		return res, nil
	}
	res.Level, res.Period, res.WeekCount, res.ConversionEvent = s.level, s.period(), s.weeks, s.event
	res.Totals = totalsOf(s.totalAll)
	res.Totals.Conversions = s.totalConv.Conversions
	res.Totals.CVR, _ = metrics.ConversionRate(s.totalConv.Conversions, s.totalConv.LinkClicks)
	res.Totals.CPA, _ = metrics.CPA(s.totalConv.Spend, s.totalConv.Conversions)
	res.Weeks = make([]TimeCell, s.weeks)
	for w := range s.weeks {
		var all, conv metrics.Counts
		for d := 7 * w; d < 7*w+7; d++ {
			all.Add(s.all[d])
			conv.Add(s.conv[d])
		}
		res.Weeks[w] = TimeCell{Weekday: -1, Hour: -1, Week: dateOfNumber(s.first + 7*w)}
		fillCounts(&res.Weeks[w], &all, &conv, s.totalAll.Spend)
	}
	res.Dispersion = map[string]float64{}
	res.WeekdayFactors = map[string][]float64{}
	var fm family
	var list []pending
	var trendIdx []int // family index of res.Trends[i]
	qc := quantileCache{}
	for _, sp := range s.specs() {
		// Weeks, conditional on weekday: blocks are weekdays, levels weeks.
		fw := s.layoutBy(sp, 7, s.weeks, s.weekdayOf, s.weekOf).fit()
		res.Dispersion[sp.name] = fw.dispersion
		for w := range s.weeks {
			var sum metrics.Counts
			for d := 7 * w; d < 7*w+7; d++ {
				sum.Add(*s.counts(sp, d))
			}
			if r, ok := newRate(sp, sp.num(&sum), sp.exp(&sum), s.overall(sp), fw.dispersion, fw.testCells(nil, []int{w}), qc); ok {
				res.Weeks[w].setRate(sp.name, r)
				fm.register(r, &list)
			}
		}
		// Weekday factors, conditional on week.
		fd := s.layoutBy(sp, s.weeks, 7, s.weekOf, s.weekdayOf).fit()
		factors := make([]float64, 7)
		for wd := range 7 {
			factors[wd] = adjustedIndex(sp, fd.testCells(nil, []int{wd}))
		}
		res.WeekdayFactors[sp.name] = factors
		if t, ok := s.trend(sp, factors); ok {
			res.Trends = append(res.Trends, t)
			trendIdx = append(trendIdx, fm.add(t.P, math.Abs(t.Change)))
		}
	}
	qv, flagged := fm.resolve(v.cfg.fdr, v.cfg.minEffect)
	for _, p := range list {
		p.rate.Q, p.rate.Flagged = qv[p.idx], flagged[p.idx]
	}
	for i, k := range trendIdx {
		res.Trends[i].Q, res.Trends[i].Flagged = qv[k], flagged[k]
	}
	any := false
	for w := range res.Weeks {
		any = any || res.Weeks[w].flagged()
	}
	for _, t := range res.Trends {
		any = any || t.Flagged
	}
	if !any {
		return res, nil
	}
	sig, err := v.seasonalitySignal(res, s)
	if err != nil {
		return nil, err
	}
	res.Signals = []analysis.Signal{sig}
	return res, nil
}

// trend fits the trend of a metric after its weekday factors.
func (s *dailySeries) trend(sp *metricSpec, factors []float64) (Trend, bool) {
	n := s.days()
	ys := make([]float64, n)
	ws := make([]float64, n)
	for d := range n {
		c := s.counts(sp, d)
		val, ok := rateValue(sp.kind, sp.num(c), sp.exp(c), sp.scale)
		f := factors[s.weekdayOf(d)]
		if !ok || !(val > 0) || !(f > 0) || f == math.MaxFloat64 {
			continue
		}
		ys[d] = math.Log(val / f)
		ws[d] = sp.num(c) // the variance of a log rate is about 1/count
	}
	tr, ok := metrics.WeightedLinearTrend(ys, ws)
	if !ok || tr.N < 14 {
		return Trend{}, false
	}
	span := float64(n - 1)
	t := Trend{Metric: sp.name, DailyChange: math.Expm1(tr.Slope), Change: math.Expm1(tr.Slope * span),
		ChangeLo: math.Expm1((tr.Slope - 1.96*tr.StdErr) * span), ChangeHi: math.Expm1((tr.Slope + 1.96*tr.StdErr) * span),
		TStat: tr.TStat, P: tr.PValue, Q: 1, Points: tr.N}
	if math.IsNaN(t.P) {
		t.P = 1
	}
	return t, true
}

// worse reports whether a change of a metric is for the worse.
func worse(spec *metricSpec, change float64) bool {
	if spec.higherBetter {
		return change < 0
	}
	return change > 0
}

func specByName(name string) *metricSpec {
	for _, sp := range []*metricSpec{&specCTR, &specCPC, &specCPM, &specCVR, &specCPA} {
		if sp.name == name {
			return sp
		}
	}
	return nil
}

func (v *view) seasonalitySignal(res *SeasonalityResult, s *dailySeries) (analysis.Signal, error) {
	per := res.Period
	sig := analysis.Signal{Kind: analysis.SignalSeasonality, Polarity: analysis.KindOpportunity, Severity: analysis.SeverityInfo}
	maxQ := 0.0
	var parts []string
	for _, t := range res.Trends {
		if !t.Flagged {
			continue
		}
		sp := specByName(t.Metric)
		maxQ = math.Max(maxQ, t.Q)
		dir := "up"
		if t.Change < 0 {
			dir = "down"
		}
		if worse(sp, t.Change) {
			sig.Polarity = analysis.KindProblem
			if math.Abs(t.Change) >= 2*v.cfg.minEffect && (sp == &specCPA || sp == &specCPC) {
				sig.Severity = analysis.SeverityWarning
			}
		}
		parts = append(parts, fmt.Sprintf("%s is trending %s %.0f%% over %d weeks", strings.ToUpper(t.Metric), dir, 100*math.Abs(t.Change), res.WeekCount))
		sig.Evidence = append(sig.Evidence, analysis.Figure{Name: t.Metric + "_trend", Value: t.Change, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: per,
			Interval: &metrics.Interval{Lo: t.ChangeLo, Hi: t.ChangeHi, Confidence: 0.95},
			Method:   "weighted least squares of the log daily rate after the weekday factors; change from the first to the last day of the fitted line",
			Text:     fmt.Sprintf("%s trend over %s to %s: %+.0f%% (95%% interval %+.0f%% to %+.0f%%)", strings.ToUpper(t.Metric), per.Since, per.Until, 100*t.Change, 100*t.ChangeLo, 100*t.ChangeHi)})
	}
	for _, c := range res.Weeks {
		var words []string
		for _, sp := range s.specs() {
			r := c.rate(sp.name)
			if r == nil || !r.Flagged {
				continue
			}
			maxQ = math.Max(maxQ, r.Q)
			words = append(words, fmt.Sprintf("%s index %.2f", strings.ToUpper(sp.name), r.Index))
			unit, val := metrics.UnitMoney, v.money(r.Value)
			if sp.kind == kindShare {
				unit, val = metrics.UnitFraction, pct(r.Value)
			}
			sig.Evidence = append(sig.Evidence, analysis.Figure{Name: sp.name, Value: r.Value, Unit: unit, Basis: analysis.BasisMeasured,
				Period: &analysis.Period{Since: c.Week, Until: c.Week.AddDays(6)},
				Text:   fmt.Sprintf("%s in the week of %s: %s (index %.2f against the period)", strings.ToUpper(sp.name), c.Week, val, r.Index)})
		}
		if len(words) > 0 {
			parts = append(parts, fmt.Sprintf("the week of %s stands out (%s)", c.Week, strings.Join(words, ", ")))
		}
	}
	sig.Finding = "Performance moves over the weeks: " + strings.Join(parts, "; ") + "."
	sig.Explanation = fmt.Sprintf("Over %d whole weeks of daily rows (%s to %s) each week was compared with the period after each weekday's own level, "+
		"and each metric's trend fitted through its daily values after the weekday factors; weeks and trends are flagged under Benjamini-Hochberg "+
		"control at a %.0f%% false discovery rate with an effect of at least %.0f%%. A flagged week can be a season, a sale or a tracking change; a "+
		"flagged trend continues only if its cause does.", res.WeekCount, per.Since, per.Until, 100*v.cfg.fdr, 100*v.cfg.minEffect)
	prob := 1 - maxQ
	sig.Confidence = analysis.Confidence{Level: confidenceLevel(prob), Probability: prob, FalseAlarmRate: res.FalseAlarmRate,
		Basis: fmt.Sprintf("largest q-value among the flagged tests %.2g; on data with no season or trend this signal flagged %s", maxQ, falseAlarmWords(res.FalseAlarmRate))}
	sig.Suggestion = analysis.Action{Type: analysis.ActionInvestigate, Detail: "check what changed in the flagged weeks (offers, creatives, tracking) before acting on the trend"}
	if sig.Polarity == analysis.KindOpportunity {
		sig.Suggestion = analysis.Action{Type: analysis.ActionMonitor, Detail: "note the strong weeks; budget scheduling for high-demand periods can prepare for the next one"}
	}
	data, err := encodeData(res)
	if err != nil {
		return sig, err
	}
	sig.Data = data
	return sig, nil
}
