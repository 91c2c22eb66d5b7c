package signals

import (
	"fmt"
	"math"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// Fatigue states, from Meta's delivery states and the leading indicators.
const (
	// FatigueHealthy: no significant decline.
	FatigueHealthy = "healthy"
	// FatigueDeclining: link CTR is falling significantly and is at least
	// the drop threshold below launch, while cost per result is still at or
	// below its best week (or there are too few results to say).
	FatigueDeclining = "declining"
	// FatigueLimited is Meta's "creative limited": cost per result above
	// its best week but under twice it, with the decline.
	FatigueLimited = "limited"
	// FatigueFatigued is Meta's "creative fatigue": cost per result at
	// least twice its best week, with the decline.
	FatigueFatigued = "fatigued"
	// FatigueUnknown: too little data to judge (under 10 complete days
	// after launch, or under 1,000 impressions in the launch or the recent
	// week).
	FatigueUnknown = "insufficient_data"
)

// FatigueResult is the creative-fatigue analysis of every ad of one
// account that delivered in the last week. It encodes to JSON.
type FatigueResult struct {
	Account        analysis.EntityRef `json:"account"`
	Currency       string             `json:"currency"`
	Ads            []AdFatigue        `json:"ads"`
	FalseAlarmRate float64            `json:"false_alarm_rate"`
	Notes          []string           `json:"notes,omitempty"`
	Signals        []analysis.Signal  `json:"-"`
}

// AdFatigue is the fatigue analysis of one ad.
type AdFatigue struct {
	Ad    analysis.EntityRef `json:"ad"`
	AdSet analysis.EntityRef `json:"adset"`
	State string             `json:"state"`
	// Launch is the ad's first day of delivery in the Dataset (left out of
	// the analysis: a launch day is partial; for an ad older than the
	// Dataset's range it is the range's first day, and the "launch week" is
	// the first week of data); Days the complete days analysed after it.
	Launch metaads.Date `json:"launch"`
	Days   int          `json:"days"`
	// Result is what cost per result counts: the campaign's conversion
	// event, or link clicks for a campaign without one.
	Result string `json:"result"`
	// Best is the 7-day window with the lowest cost per result (at least
	// 10 results), Recent the last 7 complete days; CostRatio is Recent's
	// cost per result over Best's (Meta: limited from 1x, fatigued from 2x).
	Best      *CostWindow `json:"best,omitempty"`
	Recent    *CostWindow `json:"recent,omitempty"`
	CostRatio float64     `json:"cost_ratio,omitempty"`
	// LaunchCTR and RecentCTR are the link CTR of the first 7 analysed
	// days and of the last 7; CTRDrop is 1 − Recent/Launch.
	LaunchCTR float64 `json:"launch_ctr"`
	RecentCTR float64 `json:"recent_ctr"`
	CTRDrop   float64 `json:"ctr_drop"`
	// CTRTrend, FrequencyTrend and CPMTrend are the daily trends of link
	// CTR (the test), daily frequency and CPM (leading indicators, shown as
	// evidence).
	CTRTrend       *Trend `json:"ctr_trend,omitempty"`
	FrequencyTrend *Trend `json:"frequency_trend,omitempty"`
	CPMTrend       *Trend `json:"cpm_trend,omitempty"`
	// Onset is the first day of the decline: the break of the best-fitting
	// line through impressions per link click (1/CTR) that is flat before
	// it and straight after it.
	Onset metaads.Date `json:"onset,omitzero"`
	// Forecast is when link CTR reaches half its best week (from the same
	// line), the point where cost per result doubles if CPM and conversion
	// rate hold.
	Forecast *FatigueForecast `json:"forecast,omitempty"`
	Flagged  bool             `json:"flagged"`
}

// CostWindow is the cost per result of a 7-day window.
type CostWindow struct {
	Since   metaads.Date `json:"since"`
	Until   metaads.Date `json:"until"`
	Spend   int64        `json:"spend"`
	Results int64        `json:"results"`
	// CostPerResult is Spend / Results in minor units, with its 95%
	// interval (results as a Poisson process in spend).
	CostPerResult float64 `json:"cost_per_result"`
	Lo            float64 `json:"lo"`
	Hi            float64 `json:"hi"`
	LinkCTR       float64 `json:"link_ctr"`
}

// FatigueForecast is the days-to-threshold forecast of an ad's decline.
type FatigueForecast struct {
	// Threshold is the link CTR the forecast is for (half the best 7-day
	// window's).
	Threshold float64 `json:"threshold"`
	// Crossed is the day the fitted line crossed Threshold; zero when it
	// has not yet.
	Crossed metaads.Date `json:"crossed,omitzero"`
	// Days is how many days after the last complete day the fitted line
	// reaches Threshold, with a 95% interval from the slope's standard
	// error alone (the level and the onset are taken as known); 0 when
	// already crossed; -1 (for any of the three) when not within a year.
	Days   float64 `json:"days"`
	DaysLo float64 `json:"days_lo"`
	DaysHi float64 `json:"days_hi"`
}

// adSeries is one ad's complete days after launch.
type adSeries struct {
	ad        *metaads.Ad
	launch    int // civil day of first delivery
	first     int // first analysed day (launch + 1)
	days      []metrics.Counts
	hasResult bool // the campaign has a conversion event
	event     string
}

// Fatigue analyses each ad that delivered in the last 7 complete days for
// creative fatigue: the test is a significant downward trend of daily link
// CTR since launch (weighted least squares of its log, one-sided, under
// Benjamini-Hochberg control across the ads) together with a link CTR at
// least the drop threshold (20%) below the launch week; the state follows
// Meta's definition (cost per result against the ad's best 7-day window:
// limited from 1x, fatigued from 2x); frequency and CPM trends are shown
// as leading indicators, and the onset day and a days-to-threshold
// forecast come from a broken-line fit.
func Fatigue(ds *analysis.Dataset, opts ...Option) (*FatigueResult, error) {
	v, err := newView(ds, opts)
	if err != nil {
		return nil, err
	}
	res := &FatigueResult{Account: v.account, Currency: v.currency, FalseAlarmRate: FalseAlarmRate(analysis.SignalFatigue)}
	series := v.adSeries()
	if len(series) == 0 {
		res.Notes = append(res.Notes, "No ad-level daily rows with delivery in the last 7 complete days.")
		return res, nil
	}
	var fm family
	var tested []int
	for _, s := range series {
		af := v.analyseAd(s)
		res.Ads = append(res.Ads, af)
		if af.CTRTrend != nil && af.State != FatigueUnknown {
			p := af.CTRTrend.P / 2 // one-sided: a decline
			if af.CTRTrend.DailyChange >= 0 {
				p = 1 - p
			}
			fm.add(p, af.CTRDrop)
			tested = append(tested, len(res.Ads)-1)
		}
	}
	qv, flagged := fm.resolve(v.cfg.fdr, v.cfg.fatigueDrop)
	for k, i := range tested {
		af := &res.Ads[i]
		af.CTRTrend.Q = qv[k]
		af.CTRTrend.Flagged = flagged[k]
		af.Flagged = flagged[k]
		if !af.Flagged {
			af.State = FatigueHealthy
			af.Onset, af.Forecast = metaads.Date{}, nil
		}
	}
	for i := range res.Ads {
		if res.Ads[i].Flagged {
			sig, err := v.fatigueSignal(res, &res.Ads[i])
			if err != nil {
				return nil, err
			}
			res.Signals = append(res.Signals, sig)
		}
	}
	sortSignals(res.Signals)
	return res, nil
}

// adSeries collects the ads' complete days after launch.
func (v *view) adSeries() []*adSeries {
	last := dayNumber(v.today) - 1
	byAd := map[string]map[int]metrics.Counts{}
	var order []string
	for i := range v.ds.Daily {
		r := &v.ds.Daily[i]
		if r.Level != metrics.LevelAd || r.Counts.Impressions == 0 {
			continue
		}
		d := dayNumber(r.Date)
		if d > last {
			continue
		}
		m := byAd[r.ID]
		if m == nil {
			m = map[int]metrics.Counts{}
			byAd[r.ID] = m
			order = append(order, r.ID)
		}
		c := m[d]
		c.Add(r.Counts)
		m[d] = c
	}
	var out []*adSeries
	for _, id := range order {
		m := byAd[id]
		launch := last + 1
		recent := false
		for d := range m {
			launch = min(launch, d)
			if d > last-7 {
				recent = true
			}
		}
		if !recent {
			continue
		}
		s := &adSeries{ad: v.ads[id], launch: launch, first: launch + 1}
		if s.ad == nil {
			s.ad = &metaads.Ad{ID: id}
		}
		for d := s.first; d <= last; d++ {
			s.days = append(s.days, m[d])
		}
		s.event = v.events[s.ad.CampaignID]
		s.hasResult = s.event != ""
		out = append(out, s)
	}
	return out
}

// window sums days [from, to) of a series.
func (s *adSeries) window(from, to int) metrics.Counts {
	var c metrics.Counts
	for _, d := range s.days[max(0, from):min(len(s.days), to)] {
		c.Add(d)
	}
	return c
}

func (s *adSeries) results(c *metrics.Counts) int64 {
	if s.hasResult {
		return c.Conversions
	}
	return c.LinkClicks
}

func (s *adSeries) costWindow(from int) *CostWindow {
	c := s.window(from, from+7)
	w := &CostWindow{Since: dateOfNumber(s.first + from), Until: dateOfNumber(s.first + from + 6), Spend: c.Spend, Results: s.results(&c)}
	w.LinkCTR, _ = metrics.LinkCTR(c.LinkClicks, c.Impressions)
	if w.Results > 0 {
		w.CostPerResult = float64(c.Spend) / float64(w.Results)
	}
	if lo, hi, ok := metrics.CostPerResultInterval(c.Spend, w.Results, 0.95); ok {
		w.Lo, w.Hi = lo, hi
	}
	return w
}

// analyseAd computes one ad's fatigue figures; Flagged and the final
// state are settled across the ads by the caller.
func (v *view) analyseAd(s *adSeries) AdFatigue {
	af := AdFatigue{Ad: analysis.EntityRef{Level: metrics.LevelAd, ID: s.ad.ID, Name: s.ad.Name}, State: FatigueUnknown,
		Launch: dateOfNumber(s.launch), Days: len(s.days), Result: "link_click"}
	if s.hasResult {
		af.Result = s.event
	}
	if set := v.adsets[s.ad.AdSetID]; set != nil {
		af.AdSet = analysis.EntityRef{Level: metrics.LevelAdSet, ID: set.ID, Name: set.Name}
	}
	n := len(s.days)
	if n < 10 {
		return af
	}
	launch, recent := s.window(0, 7), s.window(n-7, n)
	if launch.Impressions < 1000 || recent.Impressions < 1000 {
		return af
	}
	af.LaunchCTR, _ = metrics.LinkCTR(launch.LinkClicks, launch.Impressions)
	af.RecentCTR, _ = metrics.LinkCTR(recent.LinkClicks, recent.Impressions)
	if af.LaunchCTR > 0 {
		af.CTRDrop = 1 - af.RecentCTR/af.LaunchCTR
	}
	// Trends of the daily series.
	ys, ws := make([]float64, n), make([]float64, n)
	fy, fw := make([]float64, n), make([]float64, n)
	cy, cw := make([]float64, n), make([]float64, n)
	for i, c := range s.days {
		if c.LinkClicks > 0 && c.Impressions > 0 {
			ys[i], ws[i] = math.Log(float64(c.LinkClicks)/float64(c.Impressions)), float64(c.LinkClicks)
		}
		if c.Reach > 0 && !c.ReachSummed {
			fy[i], fw[i] = float64(c.Impressions)/float64(c.Reach), 1
		}
		if c.Impressions > 0 && c.Spend > 0 {
			cy[i], cw[i] = math.Log(float64(c.Spend)/float64(c.Impressions)), float64(c.Impressions)
		}
	}
	tr, ok := metrics.WeightedLinearTrend(ys, ws)
	if !ok || tr.N < 7 {
		return af
	}
	af.CTRTrend = logTrend("link_ctr", tr, n)
	if t, ok := metrics.WeightedLinearTrend(fy, fw); ok {
		// Frequency is fitted on its own scale: DailyChange is relative to
		// the launch level.
		ft := &Trend{Metric: "frequency", TStat: t.TStat, P: t.PValue, Q: 1, Points: t.N}
		if t.Intercept > 0 {
			ft.DailyChange = t.Slope / t.Intercept
			ft.Change = t.Slope * float64(n-1) / t.Intercept
		}
		af.FrequencyTrend = ft
	}
	if t, ok := metrics.WeightedLinearTrend(cy, cw); ok {
		af.CPMTrend = logTrend("cpm", t, n)
	}
	af.State = FatigueHealthy

	// Meta's definition: cost per result against the best 7-day window.
	var best *CostWindow
	bestCTR := 0.0
	for from := 0; from+7 <= n; from++ {
		w := s.costWindow(from)
		bestCTR = math.Max(bestCTR, w.LinkCTR)
		if w.Results >= 10 && (best == nil || w.CostPerResult < best.CostPerResult) {
			best = w
		}
	}
	rec := s.costWindow(n - 7)
	af.Recent = rec
	if best != nil && rec.Results >= 5 {
		af.Best = best
		af.CostRatio = rec.CostPerResult / best.CostPerResult
	}
	switch {
	case af.CostRatio >= 2:
		af.State = FatigueFatigued
	case af.CostRatio >= 1:
		af.State = FatigueLimited
	default:
		af.State = FatigueDeclining
	}

	// Onset and forecast from a broken line through the inverse of the
	// daily link CTR: impressions per link click grow in step with
	// frequency as an audience wears out (CTR ∝ 1/frequency), so the
	// decline is hyperbolic, not exponential, and a straight line in
	// 1/CTR extrapolates it without bending. Weights: the variance of
	// 1/CTR is about 1/(link clicks × CTR²).
	iy, iw := make([]float64, n), make([]float64, n)
	for i, c := range s.days {
		if c.LinkClicks > 0 && c.Impressions > 0 {
			p := float64(c.LinkClicks) / float64(c.Impressions)
			iy[i], iw[i] = 1/p, float64(c.LinkClicks)*p*p
		}
	}
	tau, a, b, se, ok := brokenLine(iy, iw)
	if ok && b > 0 {
		af.Onset = dateOfNumber(s.first + tau)
		if bestCTR > 0 {
			af.Forecast = forecast(a, b, se, tau, n, bestCTR/2, s.first)
		}
	}
	return af
}

// logTrend turns a fit of a log series into a Trend.
func logTrend(name string, t metrics.Trend, n int) *Trend {
	span := float64(n - 1)
	tr := &Trend{Metric: name, DailyChange: math.Expm1(t.Slope), Change: math.Expm1(t.Slope * span),
		ChangeLo: math.Expm1((t.Slope - 1.96*t.StdErr) * span), ChangeHi: math.Expm1((t.Slope + 1.96*t.StdErr) * span),
		TStat: t.TStat, P: t.PValue, Q: 1, Points: t.N}
	if math.IsNaN(tr.P) {
		tr.P = 1
	}
	return tr
}

// brokenLine fits y = a for x < tau and y = a + b(x − tau) after, by
// weighted least squares over every break tau that leaves at least 5
// points after it, and returns the best break with the slope's standard
// error.
func brokenLine(ys, ws []float64) (tau int, a, b, se float64, ok bool) {
	n := len(ys)
	bestRSS := math.Inf(1)
	for t := 0; t+5 <= n; t++ {
		var sw, sx, sy, sxx, sxy float64
		pts := 0
		for i := range n {
			w := ws[i]
			if w <= 0 {
				continue
			}
			x := math.Max(0, float64(i-t))
			sw += w
			sx += w * x
			sy += w * ys[i]
			sxx += w * x * x
			sxy += w * x * ys[i]
			pts++
		}
		den := sw*sxx - sx*sx
		if pts < 5 || !(den > 0) {
			continue
		}
		bt := (sw*sxy - sx*sy) / den
		at := (sy - bt*sx) / sw
		var rss float64
		for i := range n {
			if ws[i] > 0 {
				r := ys[i] - at - bt*math.Max(0, float64(i-t))
				rss += ws[i] * r * r
			}
		}
		if rss < bestRSS {
			bestRSS, tau, a, b = rss, t, at, bt
			se = math.Sqrt(rss / float64(pts-2) * sw / den)
			ok = true
		}
	}
	return tau, a, b, se, ok
}

// forecast solves the broken line of 1/CTR (rising at slope b after the
// break tau) for the day it reaches 1/threshold.
func forecast(a, b, se float64, tau, n int, threshold float64, first int) *FatigueForecast {
	f := &FatigueForecast{Threshold: threshold, DaysLo: -1, DaysHi: -1}
	target := 1 / threshold
	last := float64(n - 1)
	level := a + b*math.Max(0, last-float64(tau))
	if level >= target {
		// Crossed: the first day the fitted line is at or over it.
		x := float64(tau) + (target-a)/b
		f.Crossed = dateOfNumber(first + int(math.Ceil(math.Max(x, float64(tau)))))
		f.DaysLo, f.DaysHi = 0, 0
		return f
	}
	days := func(slope float64) float64 {
		if slope <= 0 {
			return -1
		}
		d := (target - level) / slope
		if d > 365 {
			return -1
		}
		return d
	}
	f.Days = days(b)
	f.DaysLo = days(b + 1.96*se) // steeper: sooner
	f.DaysHi = days(b - 1.96*se)
	return f
}

func (v *view) fatigueSignal(res *FatigueResult, af *AdFatigue) (analysis.Signal, error) {
	sig := analysis.Signal{Kind: analysis.SignalFatigue, Entities: []analysis.EntityRef{af.Ad}, Polarity: analysis.KindProblem, Severity: analysis.SeverityInfo}
	if af.AdSet.ID != "" {
		sig.Entities = append(sig.Entities, af.AdSet)
	}
	name := af.Ad.Name
	if name == "" {
		name = af.Ad.ID
	}
	launchPer := &analysis.Period{Window: "launch_7d", Since: af.Launch.AddDays(1), Until: af.Launch.AddDays(7)}
	recentPer := &analysis.Period{Window: "last_7d", Since: af.Recent.Since, Until: af.Recent.Until}
	whole := &analysis.Period{Since: af.Launch.AddDays(1), Until: af.Recent.Until}
	var parts []string
	switch af.State {
	case FatigueFatigued:
		sig.Severity = analysis.SeverityWarning
		parts = append(parts, fmt.Sprintf("is fatigued: cost per %s is %.2fx its best week", resultWord(af.Result), af.CostRatio))
	case FatigueLimited:
		sig.Severity = analysis.SeverityWarning
		parts = append(parts, fmt.Sprintf("is creative-limited: cost per %s is %.2fx its best week", resultWord(af.Result), af.CostRatio))
	default:
		parts = append(parts, "is wearing out")
	}
	parts = append(parts, fmt.Sprintf("link CTR is down %.0f%% from its launch week", 100*af.CTRDrop))
	if af.FrequencyTrend != nil && af.FrequencyTrend.TStat > 2 {
		parts = append(parts, fmt.Sprintf("frequency rising %.1f%% a day", 100*af.FrequencyTrend.DailyChange))
	}
	sig.Finding = fmt.Sprintf("Ad %q %s.", name, strings.Join(parts, "; "))
	sig.Evidence = append(sig.Evidence,
		analysis.Figure{Name: "link_ctr", Value: af.LaunchCTR, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: launchPer,
			Text: fmt.Sprintf("link CTR in the launch week (%s to %s): %s", launchPer.Since, launchPer.Until, pct(af.LaunchCTR))},
		analysis.Figure{Name: "link_ctr", Value: af.RecentCTR, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: recentPer,
			Text: fmt.Sprintf("link CTR over the last 7 complete days: %s", pct(af.RecentCTR))},
		analysis.Figure{Name: "link_ctr_trend", Value: af.CTRTrend.DailyChange, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: whole,
			Method: "weighted least squares of the log daily link CTR (weights: link clicks)",
			Text:   fmt.Sprintf("link CTR trend: %+.1f%% a day over %d days (t = %.1f)", 100*af.CTRTrend.DailyChange, af.Days, af.CTRTrend.TStat)})
	if af.Best != nil {
		word := resultWord(af.Result)
		sig.Evidence = append(sig.Evidence,
			analysis.Figure{Name: "cost_per_result", Value: af.Best.CostPerResult, Unit: metrics.UnitMoney, Basis: analysis.BasisMeasured,
				Period: &analysis.Period{Since: af.Best.Since, Until: af.Best.Until}, Scope: "the best 7-day week",
				Interval: &metrics.Interval{Lo: af.Best.Lo, Hi: af.Best.Hi, Confidence: 0.95},
				Text:     fmt.Sprintf("cost per %s in its best week (%s to %s): %s over %d", word, af.Best.Since, af.Best.Until, v.money(af.Best.CostPerResult), af.Best.Results)},
			analysis.Figure{Name: "cost_per_result", Value: af.Recent.CostPerResult, Unit: metrics.UnitMoney, Basis: analysis.BasisMeasured, Period: recentPer,
				Interval: &metrics.Interval{Lo: af.Recent.Lo, Hi: af.Recent.Hi, Confidence: 0.95},
				Text:     fmt.Sprintf("cost per %s over the last 7 complete days: %s over %d", word, v.money(af.Recent.CostPerResult), af.Recent.Results)})
	}
	if af.Best != nil && af.CostRatio > 1 {
		daily := float64(af.Recent.Spend) / 7
		stake := daily * (1 - 1/af.CostRatio)
		sig.Evidence = append(sig.Evidence, analysis.Figure{Name: analysis.FigureMoneyAtStake, Value: stake, Unit: metrics.UnitMoney, Basis: analysis.BasisEstimate,
			Method: "daily spend of the last 7 days × (1 − best week's cost per result / recent cost per result): what the same results would have cost less at the best week's rate",
			Text:   fmt.Sprintf("about %s a day more than its best week's cost per %s would charge", v.money(stake), resultWord(af.Result))})
	}
	if af.FrequencyTrend != nil {
		sig.Evidence = append(sig.Evidence, analysis.Figure{Name: "frequency_trend", Value: af.FrequencyTrend.DailyChange, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: whole,
			Method: "least squares of daily frequency, relative to its fitted launch level",
			Text:   fmt.Sprintf("daily frequency trend: %+.1f%% a day (t = %.1f)", 100*af.FrequencyTrend.DailyChange, af.FrequencyTrend.TStat)})
	}
	if af.CPMTrend != nil {
		sig.Evidence = append(sig.Evidence, analysis.Figure{Name: "cpm_trend", Value: af.CPMTrend.DailyChange, Unit: metrics.UnitFraction, Basis: analysis.BasisMeasured, Period: whole,
			Text: fmt.Sprintf("CPM trend: %+.1f%% a day (t = %.1f)", 100*af.CPMTrend.DailyChange, af.CPMTrend.TStat)})
	}
	if f := af.Forecast; f != nil {
		switch {
		case !f.Crossed.IsZero():
			sig.Evidence = append(sig.Evidence, analysis.Figure{Name: "fatigue_crossed", Value: 0, Unit: metrics.UnitDays, Basis: analysis.BasisEstimate,
				Method: "broken-line fit of impressions per link click (1/CTR) by day",
				Text:   fmt.Sprintf("the fitted link CTR fell to half its best week (%s) on %s", pct(f.Threshold), f.Crossed)})
		case f.Days >= 0:
			fig := analysis.Figure{Name: "days_to_fatigue", Value: f.Days, Unit: metrics.UnitDays, Basis: analysis.BasisEstimate,
				Method: "broken-line fit of impressions per link click (1/CTR) by day, extrapolated to half the best week's link CTR; interval from the slope's standard error only",
				Text:   fmt.Sprintf("link CTR reaches half its best week (%s) in about %.0f days", pct(f.Threshold), f.Days)}
			if f.DaysLo >= 0 && f.DaysHi >= 0 {
				fig.Interval = &metrics.Interval{Lo: f.DaysLo, Hi: f.DaysHi, Confidence: 0.95}
				fig.Text += fmt.Sprintf(" (%.0f to %.0f)", f.DaysLo, f.DaysHi)
			}
			sig.Evidence = append(sig.Evidence, fig)
		}
	}
	onset := ""
	if !af.Onset.IsZero() {
		onset = fmt.Sprintf(" The decline began about %s.", af.Onset)
	}
	sig.Explanation = fmt.Sprintf("Daily link CTR since launch (%s, %d complete days after it) falls significantly (one-sided test of the weighted "+
		"least-squares slope of its log, Benjamini-Hochberg control across the account's ads at a %.0f%% false discovery rate) and the last week is "+
		"%.0f%% below the launch week (threshold %.0f%%). State by Meta's definition: cost per result against the ad's own best 7-day window "+
		"(limited from 1x, fatigued from 2x).%s", af.Launch, af.Days, 100*v.cfg.fdr, 100*af.CTRDrop, 100*v.cfg.fatigueDrop, onset)
	prob := 1 - af.CTRTrend.Q
	sig.Confidence = analysis.Confidence{Level: confidenceLevel(prob), Probability: prob, FalseAlarmRate: res.FalseAlarmRate,
		Basis: fmt.Sprintf("q-value of the link CTR decline %.2g; on data with no fatigue this signal flagged %s", af.CTRTrend.Q, falseAlarmWords(res.FalseAlarmRate))}
	sig.Suggestion = analysis.Action{Type: analysis.ActionRefresh,
		Detail: "add a new, materially different creative to the ad set and keep this one running until the new one has delivered (adding ads restarts learning: batch the swaps)"}
	data, err := encodeData(af)
	if err != nil {
		return sig, err
	}
	sig.Data = data
	return sig, nil
}

// resultWord names a result in words.
func resultWord(r string) string {
	switch {
	case r == "link_click":
		return "link click"
	case strings.Contains(r, "purchase"):
		return "purchase"
	case strings.Contains(r, "lead"):
		return "lead"
	}
	return "result"
}
