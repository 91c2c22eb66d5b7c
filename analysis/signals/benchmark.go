package signals

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// minHistoryWeeks is how many whole weeks before the last one the
// account's own history needs before it is preferred to published
// benchmarks.
const minHistoryWeeks = 6

// BenchmarkResult compares one account with published benchmarks and
// with its own history, per objective. It encodes to JSON.
type BenchmarkResult struct {
	Account  analysis.EntityRef `json:"account"`
	Currency string             `json:"currency"`
	// TableVersion is the benchmark table's version; Industry the
	// industry selected (empty: all-industry rows only).
	TableVersion string `json:"table_version"`
	Industry     string `json:"industry,omitempty"`
	// Period is the last 30 complete days the published comparisons use.
	Period         *analysis.Period      `json:"period,omitempty"`
	Comparisons    []BenchmarkComparison `json:"comparisons"`
	History        []HistoryPosition     `json:"history"`
	FalseAlarmRate float64               `json:"false_alarm_rate"`
	Notes          []string              `json:"notes,omitempty"`
	Signals        []analysis.Signal     `json:"-"`
}

// BenchmarkComparison is the account's metric over Period against one
// published figure.
type BenchmarkComparison struct {
	Objective string  `json:"objective"`
	Metric    string  `json:"metric"`
	Account   float64 `json:"account"`
	// Ratio is Account / Benchmark.Value; Better says whether that is the
	// good side (a higher CTR or CVR, a lower cost).
	Ratio     float64      `json:"ratio"`
	Better    bool         `json:"better"`
	Benchmark BenchmarkRow `json:"benchmark"`
	// Far is true when the account is worse by a factor of two or more.
	Far bool `json:"far"`
}

// HistoryPosition is the account's last 7 complete days of one metric
// against its own previous whole weeks.
type HistoryPosition struct {
	Objective string  `json:"objective"`
	Metric    string  `json:"metric"`
	Recent    float64 `json:"recent"`
	// Weeks are the previous whole weeks' values, oldest first; Median
	// their median and Percentile the share of them the recent week beats.
	Weeks      []float64 `json:"weeks"`
	Median     float64   `json:"median"`
	Percentile float64   `json:"percentile"`
	// Index is Recent over the weeks' geometric mean; P the two-sided
	// p-value of a t test of the recent week's log value against the
	// previous weeks' (a prediction interval, df = weeks − 1), Q its
	// Benjamini-Hochberg value across the account's metrics.
	Index   float64 `json:"index"`
	P       float64 `json:"p"`
	Q       float64 `json:"q"`
	Enough  bool    `json:"enough"`
	Flagged bool    `json:"flagged"`
}

// objectiveGroup maps a campaign objective to a benchmark objective.
func objectiveGroup(o metaads.Objective) string {
	switch o {
	case metaads.ObjectiveTraffic, metaads.ObjectiveLinkClicks:
		return "traffic"
	case metaads.ObjectiveLeads:
		return "leads"
	case metaads.ObjectiveSales, metaads.ObjectiveConversions:
		return "sales"
	}
	return ""
}

// Benchmarks compares the account, per objective (traffic, leads, sales),
// with the published benchmark table (as ratios; money only when the
// account's currency is the table's) and with its own history (the last
// 7 complete days against each previous whole week, preferred when there
// are at least 6 of them). Own-history deviations are tested and flagged
// under Benjamini-Hochberg control; published figures are priors, so an
// account is flagged against them only when its own history is too short
// and it is worse by a factor of two.
func Benchmarks(ds *analysis.Dataset, opts ...Option) (*BenchmarkResult, error) {
	v, err := newView(ds, opts)
	if err != nil {
		return nil, err
	}
	tbl := v.cfg.benchmarks
	res := &BenchmarkResult{Account: v.account, Currency: v.currency, TableVersion: tbl.Version, Industry: v.cfg.industry,
		FalseAlarmRate: FalseAlarmRate(analysis.SignalBenchmark)}
	lvl, ok := v.dailyLevel()
	if !ok {
		res.Notes = append(res.Notes, "No daily rows.")
		return res, nil
	}
	last := dayNumber(v.today) - 1
	first := last - 29
	res.Period = period(first, last, "last_30d")
	// Daily counts per objective group.
	groups := map[string]map[int]*metrics.Counts{}
	for i := range ds.Daily {
		r := &ds.Daily[i]
		if r.Level != lvl {
			continue
		}
		camp := v.campaigns[v.campaignOf(lvl, r.ID)]
		if camp == nil {
			continue
		}
		g := objectiveGroup(camp.Objective)
		if g == "" {
			continue
		}
		if groups[g] == nil {
			groups[g] = map[int]*metrics.Counts{}
		}
		d := dayNumber(r.Date)
		if groups[g][d] == nil {
			groups[g][d] = &metrics.Counts{}
		}
		groups[g][d].Add(r.Counts)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	slices.Sort(names)
	var fm family
	var idx []int
	for _, g := range names {
		days := groups[g]
		var sum metrics.Counts
		for d := first; d <= last; d++ {
			if c := days[d]; c != nil {
				sum.Add(*c)
			}
		}
		region, ok := v.regionOf(g)
		if !ok {
			res.Notes = append(res.Notes, fmt.Sprintf("%s campaigns: %s; only figures without a region are compared.", g, region))
			region = ""
		}
		res.Comparisons = append(res.Comparisons, v.compare(g, region, &sum, tbl)...)
		for _, h := range v.history(g, days, last) {
			res.History = append(res.History, h)
			if h.Enough {
				idx = append(idx, len(res.History)-1)
				fm.add(h.P, math.Abs(h.Index-1))
			}
		}
	}
	if v.currency != "USD" {
		res.Notes = append(res.Notes, fmt.Sprintf("The table's money figures are in USD and the account's in %s: costs are compared with the account's own history only.", v.currency))
	}
	qv, flagged := fm.resolve(v.cfg.fdr, v.cfg.minEffect)
	for k, i := range idx {
		h := &res.History[i]
		h.Q = qv[k]
		h.Flagged = flagged[k] && worse(specByName(h.Metric), h.Index-1)
	}
	enough := map[string]bool{}
	for _, h := range res.History {
		if h.Enough {
			enough[h.Objective] = true
		}
	}
	var sigs []analysis.Signal
	for _, g := range names {
		var hs []HistoryPosition
		var cs []BenchmarkComparison
		for _, h := range res.History {
			if h.Objective == g && h.Flagged {
				hs = append(hs, h)
			}
		}
		if !enough[g] {
			for _, c := range res.Comparisons {
				if c.Objective == g && c.Far {
					cs = append(cs, c)
				}
			}
		}
		if len(hs) > 0 || len(cs) > 0 {
			sig, err := v.benchmarkSignal(res, g, hs, cs)
			if err != nil {
				return nil, err
			}
			sigs = append(sigs, sig)
		}
	}
	res.Signals = sigs
	return res, nil
}

// accountMetric returns the account's value of a table metric.
func accountMetric(metric string, c *metrics.Counts) (float64, bool) {
	switch metric {
	case "ctr":
		return metrics.CTR(c.Clicks, c.Impressions)
	case "link_ctr":
		return metrics.LinkCTR(c.LinkClicks, c.Impressions)
	case "cpc":
		return metrics.CPC(c.Spend, c.Clicks)
	case "cpm":
		return metrics.CPM(c.Spend, c.Impressions)
	case "cvr":
		return metrics.ConversionRate(c.Conversions, c.LinkClicks)
	case "cpa":
		return metrics.CPA(c.Spend, c.Conversions)
	}
	return 0, false
}

// regionOf returns the one country the ad sets of an objective group's
// campaigns target (an ISO code such as "US"), read from their targeting.
// ok is false, with the reason in words, when they target several
// countries or a place whose country the targeting does not name, or when
// an ad set's targeting is not in the Dataset.
func (v *view) regionOf(objective string) (string, bool) {
	country := ""
	for i := range v.ds.AdSets {
		s := &v.ds.AdSets[i]
		camp := v.campaigns[s.CampaignID]
		if camp == nil || objectiveGroup(camp.Objective) != objective {
			continue
		}
		if s.Targeting == nil {
			return fmt.Sprintf("the targeting of ad set %s is not in the Dataset, so the country its audience is in is unknown", s.ID), false
		}
		for _, a := range geoAtoms(s.Targeting.GeoLocations) {
			switch {
			case a.country == "":
				return fmt.Sprintf("ad set %s targets a place (%s %s) whose country its targeting does not name", s.ID, a.kind, a.key), false
			case country == "":
				country = a.country
			case a.country != country:
				return fmt.Sprintf("the ad sets target more than one country (%s, %s)", country, a.country), false
			}
		}
	}
	if country == "" {
		return "no ad set's targeting names a country", false
	}
	return country, true
}

// compare picks the table rows for an objective (the objective's own and
// the all-objective rows, all industries and the selected one) and
// compares each with the account. A row of a region (the US figures)
// applies only to campaigns whose ad sets all target that country
// (region, "" when unknown); rows without a region apply to any.
func (v *view) compare(objective, region string, sum *metrics.Counts, tbl *BenchmarkTable) []BenchmarkComparison {
	var out []BenchmarkComparison
	for _, r := range tbl.Rows {
		if r.Objective != objective && r.Objective != "all" || r.Industry != "" && r.Industry != v.cfg.industry {
			continue
		}
		if r.Region != "" && r.Region != region {
			continue
		}
		if moneyMetric(r.Metric) && r.Currency != v.currency {
			continue
		}
		val, ok := accountMetric(r.Metric, sum)
		if !ok || !(val > 0) {
			continue
		}
		c := BenchmarkComparison{Objective: objective, Metric: r.Metric, Account: val, Ratio: val / r.Value, Benchmark: r}
		higher := r.Metric == "ctr" || r.Metric == "link_ctr" || r.Metric == "cvr"
		c.Better = c.Ratio > 1 == higher
		c.Far = higher && c.Ratio <= 0.5 || !higher && c.Ratio >= 2
		out = append(out, c)
	}
	return out
}

// history places the last 7 complete days of each metric among the
// previous whole weeks.
func (v *view) history(objective string, days map[int]*metrics.Counts, last int) []HistoryPosition {
	first := last + 1
	for d := range days {
		first = min(first, d)
	}
	if !v.ds.Range.Since.IsZero() {
		first = max(first, dayNumber(v.ds.Range.Since))
	}
	weeks := (last - first + 1) / 7
	if weeks < 3 {
		return nil
	}
	week := func(w int) metrics.Counts { // w = 0 is the last week
		var c metrics.Counts
		for d := last - 7*w - 6; d <= last-7*w; d++ {
			if x := days[d]; x != nil {
				c.Add(*x)
			}
		}
		return c
	}
	recent := week(0)
	var out []HistoryPosition
	for _, m := range []string{"ctr", "cpc", "cpm", "cvr", "cpa"} {
		rv, ok := accountMetric(m, &recent)
		if !ok || !(rv > 0) {
			continue
		}
		h := HistoryPosition{Objective: objective, Metric: m, Recent: rv, P: 1, Q: 1}
		var logs []float64
		for w := weeks - 1; w >= 1; w-- {
			c := week(w)
			if x, ok := accountMetric(m, &c); ok && x > 0 {
				h.Weeks = append(h.Weeks, x)
				logs = append(logs, math.Log(x))
			}
		}
		k := len(logs)
		if k < 2 {
			continue
		}
		sorted := slices.Clone(h.Weeks)
		slices.Sort(sorted)
		h.Median = sorted[k/2]
		if k%2 == 0 {
			h.Median = (sorted[k/2-1] + sorted[k/2]) / 2
		}
		sp := specByName(m)
		beats := 0
		for _, x := range h.Weeks {
			if sp.higherBetter && rv > x || !sp.higherBetter && rv < x {
				beats++
			}
		}
		h.Percentile = float64(beats) / float64(k)
		var mean, ss float64
		for _, l := range logs {
			mean += l
		}
		mean /= float64(k)
		for _, l := range logs {
			ss += (l - mean) * (l - mean)
		}
		sd := math.Sqrt(ss / float64(k-1))
		h.Index = math.Exp(math.Log(rv) - mean)
		h.Enough = k >= minHistoryWeeks
		if sd > 0 {
			if p, ok := metrics.StudentTTwoSided((math.Log(rv)-mean)/(sd*math.Sqrt(1+1/float64(k))), float64(k-1)); ok {
				h.P = p
			}
		}
		out = append(out, h)
	}
	return out
}

func (v *view) benchmarkSignal(res *BenchmarkResult, objective string, hs []HistoryPosition, cs []BenchmarkComparison) (analysis.Signal, error) {
	sig := analysis.Signal{Kind: analysis.SignalBenchmark, Polarity: analysis.KindProblem, Severity: analysis.SeverityInfo}
	var parts []string
	maxQ := 0.0
	recent := &analysis.Period{Window: "last_7d", Since: dateOfNumber(dayNumber(v.today) - 7), Until: dateOfNumber(dayNumber(v.today) - 1)}
	value := func(metric string, x float64) (metrics.Unit, string) {
		if moneyMetric(metric) {
			return metrics.UnitMoney, v.money(x)
		}
		return metrics.UnitFraction, pct(x)
	}
	for _, h := range hs {
		maxQ = math.Max(maxQ, h.Q)
		u, txt := value(h.Metric, h.Recent)
		parts = append(parts, fmt.Sprintf("%s of %s campaigns is %.0f%% %s its previous %d weeks", strings.ToUpper(h.Metric), objective, 100*math.Abs(h.Index-1), map[bool]string{true: "above", false: "below"}[h.Index > 1], len(h.Weeks)))
		sig.Evidence = append(sig.Evidence, analysis.Figure{Name: h.Metric, Value: h.Recent, Unit: u, Basis: analysis.BasisMeasured, Period: recent, Scope: objective + " campaigns",
			Text: fmt.Sprintf("%s of %s campaigns over the last 7 complete days: %s, better than %.0f%% of the previous %d weeks (index %.2f against their geometric mean)", strings.ToUpper(h.Metric), objective, txt, 100*h.Percentile, len(h.Weeks), h.Index)})
		if h.Metric == "cpa" || h.Metric == "cpc" {
			sig.Severity = analysis.SeverityWarning
		}
	}
	for _, c := range cs {
		u, txt := value(c.Metric, c.Account)
		_, btxt := value(c.Metric, c.Benchmark.Value)
		if moneyMetric(c.Metric) {
			btxt = strings.Replace(btxt, v.currency, c.Benchmark.Currency, 1)
		}
		parts = append(parts, fmt.Sprintf("%s of %s campaigns is %.1fx the published figure", strings.ToUpper(c.Metric), objective, c.Ratio))
		sig.Evidence = append(sig.Evidence,
			analysis.Figure{Name: c.Metric, Value: c.Account, Unit: u, Basis: analysis.BasisMeasured, Period: res.Period, Scope: objective + " campaigns",
				Text: fmt.Sprintf("%s of %s campaigns over the last 30 complete days: %s", strings.ToUpper(c.Metric), objective, txt)},
			analysis.Figure{Name: "benchmark_" + c.Metric, Value: c.Benchmark.Value, Unit: u, Basis: analysis.BasisGoal,
				Method: fmt.Sprintf("%s (%d, data %s%s; %s)", c.Benchmark.Source, c.Benchmark.Year, c.Benchmark.DataPeriod, regionWords(c.Benchmark.Region), c.Benchmark.Definition),
				Text:   fmt.Sprintf("published %s for %s (%s %d): %s", strings.ToUpper(c.Metric), objectiveWords(c.Benchmark), c.Benchmark.Source, c.Benchmark.Year, btxt)})
	}
	sig.Finding = "Against its benchmarks: " + strings.Join(parts, "; ") + "."
	sig.Explanation = fmt.Sprintf("Own history is preferred when the account has at least %d previous whole weeks: the last 7 complete days are tested "+
		"against them (t test of the log value, Benjamini-Hochberg control across the account's metrics, an effect of at least %.0f%%). Published "+
		"figures (table %s) are priors from other advertisers, used only without enough history and only when the account is worse by a factor of two.",
		minHistoryWeeks, 100*v.cfg.minEffect, res.TableVersion)
	conf := analysis.Confidence{Level: analysis.ConfidenceLow, FalseAlarmRate: res.FalseAlarmRate,
		Basis: "published benchmarks come from other accounts, years and definitions; a prior, not a target"}
	if len(hs) > 0 {
		prob := 1 - maxQ
		conf = analysis.Confidence{Level: confidenceLevel(prob), Probability: prob, FalseAlarmRate: res.FalseAlarmRate,
			Basis: fmt.Sprintf("largest q-value among the flagged comparisons with the account's own weeks %.2g; on data with no change this signal flagged %s", maxQ, falseAlarmWords(res.FalseAlarmRate))}
	}
	sig.Confidence = conf
	sig.Suggestion = analysis.Action{Type: analysis.ActionInvestigate, Detail: "compare creatives, audiences and tracking of the recent week with the earlier ones"}
	data, err := encodeData(struct {
		Objective   string                `json:"objective"`
		History     []HistoryPosition     `json:"history,omitempty"`
		Comparisons []BenchmarkComparison `json:"comparisons,omitempty"`
	}{objective, hs, cs})
	if err != nil {
		return sig, err
	}
	sig.Data = data
	return sig, nil
}

func objectiveWords(r BenchmarkRow) string {
	s := r.Objective + " campaigns"
	if r.Objective == "all" {
		s = "all objectives"
	}
	if r.Industry != "" {
		s += ", " + r.Industry
	}
	return s
}

// regionWords is a row's region as a clause of its method: ", US", or
// nothing when the source gives none.
func regionWords(region string) string {
	if region == "" {
		return ""
	}
	return ", " + region
}
