package analysistest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
)

// Now is the time of the canned inputs: Wednesday 11 March 2026, 10:30 in
// Los Angeles.
var Now = time.Date(2026, 3, 11, 17, 30, 0, 0, time.UTC)

// Inputs returns the canned inputs of the suite, by name, built offline
// (no network) and fresh on every call, so a test may change its copy:
//
//   - "shop": a sales account in USD with a winner, a money-losing ad set,
//     an over-pacing ad set and a paused one, 28 days of rows, the
//     default rules' dry-run evaluation and two signals;
//   - "leads": a lead account in EUR (conversions without value);
//   - "empty": an account without campaigns.
func Inputs() map[string]*analysis.Input {
	return map[string]*analysis.Input{
		"shop":  shopInput(),
		"leads": leadsInput(),
		"empty": mustInput(analysis.Rows{Account: account("act_3", "JPY", "Asia/Tokyo")}, analysis.Goals{}, nil),
	}
}

func account(id, currency, zone string) metaads.AdAccount {
	return metaads.AdAccount{ID: metaads.MustParseAccountID(id), Name: "Canned " + currency, Currency: currency, TimezoneName: zone, AccountStatus: metaads.AccountActive}
}

// setSpec plants an ad set's daily delivery.
type setSpec struct {
	id, name       string
	budget, spend  int64 // daily budget and spend, minor units
	cpa            int64 // cost per conversion, minor units
	value          int64 // value per conversion, minor units (0 for leads)
	paused         bool
	ctr, frequency float64 // link CTR, daily frequency
}

func build(acct metaads.AdAccount, objective metaads.Objective, sets []setSpec) analysis.Rows {
	loc, err := time.LoadLocation(acct.TimezoneName)
	if err != nil {
		panic(err) // the canned zones are fixed
	}
	now := Now.In(loc)
	today := metaads.DateOf(now)
	start := metaads.Time{Time: now.AddDate(0, 0, -60)}
	in := analysis.Rows{Account: acct, CollectedAt: now}
	cid := "9001"
	in.Campaigns = []metaads.Campaign{{ID: cid, AccountID: acct.ID, Name: "Canned campaign", Objective: objective,
		Status: metaads.StatusActive, EffectiveStatus: metaads.EffectiveActive, StartTime: start, CreatedTime: start}}
	for _, s := range sets {
		st, eff := metaads.StatusActive, metaads.EffectiveActive
		if s.paused {
			st, eff = metaads.StatusPaused, metaads.EffectivePaused
		}
		in.AdSets = append(in.AdSets, metaads.AdSet{ID: s.id, AccountID: acct.ID, CampaignID: cid, Name: s.name, DailyBudget: s.budget,
			Status: st, EffectiveStatus: eff, StartTime: start, CreatedTime: start,
			LearningStageInfo: &metaads.LearningStageInfo{Status: metaads.LearningStatusSuccess, LastSignificantEdit: start}})
		in.Ads = append(in.Ads, metaads.Ad{ID: s.id + "1", AccountID: acct.ID, CampaignID: cid, AdSetID: s.id, Name: s.name + " - Ad",
			Status: st, EffectiveStatus: eff, CreatedTime: start})
		if s.paused {
			continue
		}
		for d := 28; d >= 0; d-- {
			spend := s.spend
			if d == 0 {
				spend = spend * int64(now.Hour()) / 24 // today so far
			}
			impr := spend * 1000 / 900 // a 9.00 CPM
			reach := int64(float64(impr) / s.frequency)
			link := int64(float64(impr) * s.ctr)
			conv := spend / s.cpa
			day := today.AddDays(-d)
			c := metrics.Counts{Impressions: impr, Reach: reach, Clicks: link * 3 / 2, LinkClicks: link, Spend: spend,
				Purchases: conv, PurchaseValue: conv * s.value, Leads: conv}
			if s.value == 0 {
				c.Purchases, c.PurchaseValue = 0, 0
			}
			in.Insights = append(in.Insights, analysis.Row{CampaignID: cid, AdSetID: s.id, AdID: s.id + "1", Since: day, Until: day, Counts: c})
		}
	}
	return in
}

func shopInput() *analysis.Input {
	in := build(account("act_1", "USD", "America/Los_Angeles"), metaads.ObjectiveSales, []setSpec{
		{id: "8001", name: "Winner", budget: 10000, spend: 9500, cpa: 1800, value: 7000, ctr: 0.012, frequency: 1.3},
		{id: "8002", name: "Loser", budget: 8000, spend: 7800, cpa: 3900, value: 2400, ctr: 0.004, frequency: 1.4},
		{id: "8003", name: "Over-pacing", budget: 5000, spend: 7000, cpa: 2300, value: 8000, ctr: 0.010, frequency: 1.2},
		{id: "8004", name: "Paused", budget: 3000, paused: true},
	})
	signals := []analysis.Signal{
		{Kind: analysis.SignalHourOfDay, Finding: "Clicks cost less in the evening", Polarity: analysis.KindOpportunity, Severity: analysis.SeverityInfo,
			Evidence:   []analysis.Figure{{Name: "cpc_index", Value: 0.8, Unit: metrics.UnitRatio, Basis: analysis.BasisMeasured, Scope: "hours 18-22 over the last 28 days"}},
			Confidence: analysis.Confidence{Level: analysis.ConfidenceMedium, FalseAlarmRate: 0.05, Basis: "Benjamini-Hochberg at q = 0.05"}},
		{Kind: analysis.SignalOverlap, Finding: "Winner and Loser compete for the same people", Polarity: analysis.KindProblem, Severity: analysis.SeverityWarning,
			Entities:   []analysis.EntityRef{{Level: metrics.LevelAdSet, ID: "8001", Name: "Winner"}, {Level: metrics.LevelAdSet, ID: "8002", Name: "Loser"}},
			Evidence:   []analysis.Figure{{Name: "overlap_share", Value: 0.4, Unit: metrics.UnitFraction, Basis: analysis.BasisEstimate, Method: "inclusion-exclusion bounds"}},
			Confidence: analysis.Confidence{Level: analysis.ConfidenceLow, Basis: "targeting-spec bounds only"}},
	}
	return mustInput(in, analysis.Goals{TargetCPA: 3000, GrossMargin: 0.5}, signals)
}

func leadsInput() *analysis.Input {
	in := build(account("act_2", "EUR", "Europe/Berlin"), metaads.ObjectiveLeads, []setSpec{
		{id: "7001", name: "Webinar", budget: 6000, spend: 5600, cpa: 1100, ctr: 0.011, frequency: 1.5},
		{id: "7002", name: "Expensive leads", budget: 6000, spend: 5800, cpa: 4000, ctr: 0.006, frequency: 1.6},
	})
	return mustInput(in, analysis.Goals{TargetCPA: 1500}, nil)
}

// mustInput builds an Input as analysis.RunDataset would: snapshot,
// statistics, the default rules' dry run, the signals.
func mustInput(rows analysis.Rows, g analysis.Goals, signals []analysis.Signal) *analysis.Input {
	ds, err := analysis.FromRows(rows)
	if err != nil {
		panic(fmt.Sprintf("analysistest: canned rows: %v", err))
	}
	fixed := func(_ context.Context, _ *analysis.Dataset, _ time.Time) ([]analysis.Signal, error) {
		return signals, nil
	}
	rep, err := analysis.RunDataset(context.Background(), ds, analysis.RunOptions{Goals: g, Signals: fixed, Now: func() time.Time { return Now }})
	if err != nil {
		panic(fmt.Sprintf("analysistest: canned pass: %v", err))
	}
	snap, _ := ds.Snapshot(Now)
	return &analysis.Input{Now: rep.Now, Dataset: ds, Snapshot: snap, Statistics: rep.Statistics, Evaluation: rep.Evaluation, Signals: rep.Signals, Goals: rep.Goals}
}

// Fake is an Analyzer for tests of code that uses one. It returns a copy
// of Result (or, when Result is nil, one recommendation naming the first
// entity of the Input's snapshot), or Err; it waits Delay first, ending
// early with ctx's error, and records every Input it was given. A nil or
// empty Input gets an error wrapping analysis.ErrInvalidInput, as from a
// real analyzer. Fake is safe for concurrent use; configure it before use.
type Fake struct {
	Result *analysis.Result
	Err    error
	Delay  time.Duration

	mu    sync.Mutex
	calls []*analysis.Input
}

// Analyze implements analysis.Analyzer.
func (f *Fake) Analyze(ctx context.Context, in *analysis.Input) (*analysis.Result, error) {
	f.mu.Lock()
	f.calls = append(f.calls, in)
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("analysistest: fake analyzer: %w", err)
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("analysistest: fake analyzer: %w", ctx.Err())
		case <-t.C:
		}
	}
	if f.Err != nil {
		return nil, f.Err
	}
	if in == nil || (in.Snapshot == nil && in.Dataset == nil) {
		return nil, fmt.Errorf("%w: analysistest: fake analyzer: no Snapshot or Dataset", analysis.ErrInvalidInput)
	}
	if f.Result != nil {
		b, err := json.Marshal(f.Result)
		if err != nil {
			return nil, err
		}
		var out analysis.Result
		return &out, json.Unmarshal(b, &out)
	}
	return defaultResult(in), nil
}

// Calls returns the Inputs Analyze was called with, in order.
func (f *Fake) Calls() []*analysis.Input {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*analysis.Input(nil), f.calls...)
}

func defaultResult(in *analysis.Input) *analysis.Result {
	res := &analysis.Result{Analyzer: "fake", Summary: "A canned result from analysistest.Fake.", Recommendations: []analysis.Recommendation{}}
	snap := in.Snapshot
	if snap == nil {
		var err error
		if snap, err = in.Dataset.Snapshot(in.Now); err != nil {
			return res
		}
	}
	res.Currency = snap.Currency
	if len(snap.Entities) == 0 {
		return res
	}
	e := snap.Entities[0]
	res.Recommendations = append(res.Recommendations, analysis.Recommendation{
		Rank: 1, Priority: analysis.PriorityLow, Kind: analysis.KindProblem,
		Entity: analysis.EntityRef{Level: e.Level, ID: e.ID, Name: e.Name}, Action: analysis.Action{Type: analysis.ActionMonitor},
		Title: "Watch " + e.Name, Rationale: "analysistest.Fake always recommends watching the first entity.",
		Confidence: analysis.Confidence{Level: analysis.ConfidenceLow, Basis: "a fake"},
	})
	return res
}

var _ analysis.Analyzer = (*Fake)(nil)
