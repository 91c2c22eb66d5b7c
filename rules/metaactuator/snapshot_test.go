package metaactuator_test

import (
	"context"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// demoNow is the fake's clock in these tests: a Friday, 07:30 in Los
// Angeles (the demo shop's zone).
var demoNow = time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC)

func demoClient(t *testing.T) (*metaadstest.Server, *metaads.Client) {
	t.Helper()
	srv := metaadstest.Start(t, metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return demoNow }))
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	if err != nil {
		t.Fatal(err)
	}
	client, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{
		"act_" + metaadstest.DemoAccountShop:  tok,
		"act_" + metaadstest.DemoAccountLeads: tok,
	}))
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

// demoSnapshot builds the rules snapshot of one demo account through the
// client: the objects with budgets, times and effective status (what
// Meta's rules filter on), and insights per window at each level. The
// analysis package does this for real accounts; this is the minimum the
// export tests need.
func demoSnapshot(t *testing.T, client *metaads.Client, account, conversion string) *rules.Snapshot {
	t.Helper()
	ctx := context.Background()
	acct, err := metaads.ParseAccountID(account)
	if err != nil {
		t.Fatal(err)
	}
	info, err := client.Accounts.Get(ctx, acct, metaads.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation(info.TimezoneName)
	if err != nil {
		t.Fatal(err)
	}
	now := demoNow.In(loc)
	snap := &rules.Snapshot{Now: now, Currency: info.Currency}
	index := map[string]int{}
	add := func(e rules.Entity) {
		index[e.ID] = len(snap.Entities)
		e.Account = acct.String()
		snap.Entities = append(snap.Entities, e)
	}
	objective := map[string]string{}
	for c, err := range client.Campaigns.List(ctx, acct, metaads.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		objective[c.ID] = string(c.Objective)
		add(rules.Entity{ID: c.ID, Name: c.Name, Level: metrics.LevelCampaign, Status: string(c.EffectiveStatus), Objective: string(c.Objective),
			DailyBudget: c.DailyBudget, LifetimeBudget: c.LifetimeBudget, CreatedTime: c.CreatedTime.Time, StartTime: c.StartTime.Time, EndTime: c.StopTime.Time})
	}
	for s, err := range client.AdSets.List(ctx, acct, metaads.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		add(rules.Entity{ID: s.ID, Name: s.Name, Level: metrics.LevelAdSet, Status: string(s.EffectiveStatus), Objective: objective[s.CampaignID],
			DailyBudget: s.DailyBudget, LifetimeBudget: s.LifetimeBudget, BidAmount: s.BidAmount,
			CreatedTime: s.CreatedTime.Time, StartTime: s.StartTime.Time, EndTime: s.EndTime.Time})
	}
	for a, err := range client.Ads.List(ctx, acct, metaads.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		add(rules.Entity{ID: a.ID, Name: a.Name, Level: metrics.LevelAd, Status: string(a.EffectiveStatus), Objective: objective[a.CampaignID], CreatedTime: a.CreatedTime.Time})
	}
	today := metaads.DateOf(now)
	windows := []struct {
		w rules.Window
		p metaads.InsightsParams
	}{
		{rules.WindowToday, metaads.InsightsParams{DatePreset: metaads.DatePresetToday}},
		{rules.WindowYesterday, metaads.InsightsParams{DatePreset: metaads.DatePresetYesterday}},
		{rules.WindowLast3D, metaads.InsightsParams{DatePreset: metaads.DatePresetLast3Days}},
		{rules.WindowLast7D, metaads.InsightsParams{DatePreset: metaads.DatePresetLast7Days}},
		{rules.WindowLast14D, metaads.InsightsParams{DatePreset: metaads.DatePresetLast14Days}},
		{rules.WindowLast30D, metaads.InsightsParams{DatePreset: metaads.DatePresetLast30Days}},
		{rules.WindowLifetime, metaads.InsightsParams{DatePreset: metaads.DatePresetMaximum}},
		{rules.WindowPrevious7D, metaads.InsightsParams{TimeRange: metaads.TimeRange{Since: today.AddDays(-14), Until: today.AddDays(-8)}}},
	}
	for n := 2; n <= 7; n++ {
		w, _ := rules.DayWindow(n)
		windows = append(windows, struct {
			w rules.Window
			p metaads.InsightsParams
		}{w, metaads.InsightsParams{TimeRange: metaads.TimeRange{Since: today.AddDays(-n), Until: today.AddDays(-n)}}})
	}
	// Every demo object existed through every window: a window without an
	// insights row is a window without delivery (zero counts), as Meta's
	// rules read it.
	for i := range snap.Entities {
		for _, w := range windows {
			snap.Entities[i].Stats = append(snap.Entities[i].Stats, rules.WindowCounts{Window: w.w})
		}
	}
	for wi, w := range windows {
		for _, level := range []metrics.Level{metrics.LevelCampaign, metrics.LevelAdSet, metrics.LevelAd} {
			p := w.p
			p.Level = level
			for row, err := range client.Insights.List(ctx, acct, p) {
				if err != nil {
					t.Fatal(err)
				}
				id := map[metrics.Level]string{metrics.LevelCampaign: row.CampaignID, metrics.LevelAdSet: row.AdSetID, metrics.LevelAd: row.AdID}[level]
				i, ok := index[id]
				if !ok {
					t.Fatalf("insights row for unknown %s %s", level, id)
				}
				snap.Entities[i].Stats[wi].Counts = row.Counts(metaads.CountsOptions{ConversionActionType: conversion})
			}
		}
	}
	return snap
}
