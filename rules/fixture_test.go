package rules

import (
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// The fixed snapshot of the golden tests: Wednesday 11 March 2026, 15:30
// account time (UTC-5), an account in USD, TargetCPA $30.

var fixtureZone = time.FixedZone("EST", -5*3600)

var fixtureNow = time.Date(2026, 3, 11, 15, 30, 0, 0, fixtureZone)

func daysAgo(d float64) time.Time {
	return fixtureNow.Add(-time.Duration(d * 24 * float64(time.Hour)))
}

func fixtureParams() Params {
	return Params{TargetCPA: 3000, GrossMargin: 0.4, HardDailyCap: 50000, MaxBudget: 200000, MinBudget: 1000}
}

func win(w Window, c metrics.Counts) WindowCounts { return WindowCounts{Window: w, Counts: c} }

func adset(id, name string, budget int64, stage string, stats ...WindowCounts) Entity {
	return Entity{
		ID: id, Name: name, Level: metrics.LevelAdSet, Account: "act_1", Status: "ACTIVE",
		Objective: "OUTCOME_LEADS", DailyBudget: budget, CreatedTime: daysAgo(30),
		LearningStage: stage, LastSignificantEdit: daysAgo(20), Stats: stats,
	}
}

func winnerStats() []WindowCounts {
	return []WindowCounts{
		win(WindowLast3D, metrics.Counts{Impressions: 12000, Spend: 13500, Conversions: 9}),
		win(WindowLast7D, metrics.Counts{Impressions: 30000, Reach: 15000, Spend: 14000, Conversions: 12}),
		win(WindowYesterday, metrics.Counts{Impressions: 5000, Spend: 4500, Conversions: 3}),
	}
}

func fixtureSnapshot() *Snapshot {
	e := []Entity{
		adset("101", "Stop-loss candidate", 5000, LearningStageSuccess,
			win(WindowLast7D, metrics.Counts{Impressions: 20000, Reach: 12000, Spend: 10000, Conversions: 0})),
		adset("102", "CPA bleeder", 10000, LearningStageSuccess,
			win(WindowLast7D, metrics.Counts{Impressions: 40000, Reach: 20000, Spend: 60000, Conversions: 12})),
		adset("103", "Winner", 5000, LearningStageSuccess, winnerStats()...),
		adset("104", "Winner in cooldown", 5000, LearningStageSuccess, winnerStats()...),
		adset("105", "Bleeder still learning", 10000, LearningStageLearning,
			win(WindowLast7D, metrics.Counts{Impressions: 40000, Reach: 20000, Spend: 60000, Conversions: 12})),
		adset("106", "Loser and bleeder", 10000, LearningStageSuccess,
			win(WindowLast7D, metrics.Counts{Impressions: 40000, Reach: 20000, Spend: 60000, Conversions: 12}),
			win(WindowLast14D, metrics.Counts{Impressions: 90000, Spend: 216000, Conversions: 45})),
		adset("108", "Sales below break-even", 10000, LearningStageSuccess,
			win(WindowLast7D, metrics.Counts{Impressions: 30000, Reach: 20000, Spend: 25000, Conversions: 8, ConversionValue: 20000})),
		adset("109", "Overspending today", 5000, LearningStageSuccess,
			win(WindowToday, metrics.Counts{Impressions: 6000, Spend: 9000})),
		adset("110", "Saturated audience", 5000, LearningStageSuccess,
			win(WindowLast3D, metrics.Counts{Impressions: 12000, Spend: 24000, Conversions: 2}),
			win(WindowLast7D, metrics.Counts{Impressions: 40000, Reach: 10000, Spend: 56000, Conversions: 3}),
			win(WindowLast14D, metrics.Counts{Impressions: 80000, Spend: 96000, Conversions: 6}),
			win(WindowPrevious7D, metrics.Counts{Impressions: 40000, Spend: 40000, Conversions: 3})),
		adset("111", "Under-delivering", 10000, LearningStageSuccess,
			win(WindowYesterday, metrics.Counts{Impressions: 2500, Spend: 2500}),
			win(WindowDay2, metrics.Counts{Impressions: 3500, Spend: 3500, Conversions: 1}),
			win(WindowDay3, metrics.Counts{Impressions: 3000, Spend: 3000}),
			win(WindowLast3D, metrics.Counts{Impressions: 9000, Spend: 9000, Conversions: 1})),
		adset("112", "Learning limited", 5000, LearningStageFail),
		adset("113", "Healthy", 5000, LearningStageSuccess,
			win(WindowLast3D, metrics.Counts{Impressions: 9000, Spend: 15000, Conversions: 6}),
			win(WindowLast7D, metrics.Counts{Impressions: 21000, Reach: 14000, Spend: 35000, Conversions: 13})),
		adset("114", "Winner at the ceiling", 190000, LearningStageSuccess,
			win(WindowLast3D, metrics.Counts{Impressions: 300000, Spend: 540000, Conversions: 360}),
			win(WindowLast7D, metrics.Counts{Impressions: 700000, Reach: 350000, Spend: 1260000, Conversions: 840}),
			win(WindowYesterday, metrics.Counts{Impressions: 100000, Spend: 180000, Conversions: 120})),
		adset("115", "Recently edited", 5000, LearningStageSuccess, winnerStats()...),
	}
	e[6].Objective = "OUTCOME_SALES"
	e[13].LastSignificantEdit = fixtureNow.Add(-30 * time.Hour)
	paused := adset("107", "Paused by stop-loss", 5000, LearningStageSuccess,
		win(WindowLast7D, metrics.Counts{Impressions: 20000, Reach: 12000, Spend: 10000, Conversions: 4}))
	paused.Status = "PAUSED"
	humanPaused := paused
	humanPaused.ID, humanPaused.Name = "116", "Paused by a person"
	e = append(e, paused, humanPaused)
	e = append(e,
		Entity{ID: "201", Name: "Lifetime campaign", Level: metrics.LevelCampaign, Account: "act_1", Status: "ACTIVE",
			LifetimeBudget: 300000, CreatedTime: daysAgo(10), EndTime: fixtureNow.Add(20 * 24 * time.Hour),
			Stats: []WindowCounts{win(WindowLifetime, metrics.Counts{Impressions: 100000, Spend: 150000, Conversions: 40})}},
		Entity{ID: "202", Name: "CBO campaign", Level: metrics.LevelCampaign, Account: "act_1", Status: "ACTIVE",
			Objective: "OUTCOME_SALES", DailyBudget: 20000, CreatedTime: daysAgo(30),
			Stats: []WindowCounts{win(WindowToday, metrics.Counts{Impressions: 40000, Spend: 36000})}},
		Entity{ID: "301", Name: "Fatigued creative", Level: metrics.LevelAd, Account: "act_1", Status: "ACTIVE", CreatedTime: daysAgo(40),
			Stats: []WindowCounts{
				win(WindowLast7D, metrics.Counts{Impressions: 50000, Reach: 30000, LinkClicks: 500, Spend: 60000, Conversions: 12}),
				win(WindowBaseline7D, metrics.Counts{Impressions: 50000, Reach: 30000, LinkClicks: 550, Spend: 24000, Conversions: 12}),
			}},
		Entity{ID: "302", Name: "Decaying CTR", Level: metrics.LevelAd, Account: "act_1", Status: "ACTIVE", CreatedTime: daysAgo(20),
			Stats: []WindowCounts{
				win(WindowLast7D, metrics.Counts{Impressions: 50000, Reach: 15000, LinkClicks: 300, Spend: 20000, Conversions: 5}),
				win(WindowLaunch7D, metrics.Counts{Impressions: 50000, Reach: 30000, LinkClicks: 600, Spend: 20000, Conversions: 9}),
			}},
	)
	hist := []Entry{
		{DecisionID: "h1", RuleID: "cpa-bleeder", EntityID: "102", Level: metrics.LevelAdSet, Action: ActionScaleBudget, Budget: BudgetDaily, From: 12500, To: 10000, Outcome: OutcomeApplied, At: daysAgo(5), Attempt: 1},
		{DecisionID: "h2", RuleID: "scale-winner", EntityID: "103", Level: metrics.LevelAdSet, Action: ActionScaleBudget, Budget: BudgetDaily, From: 4348, To: 5000, Outcome: OutcomeApplied, At: daysAgo(5), Attempt: 1},
		{DecisionID: "h3", RuleID: "scale-winner", EntityID: "104", Level: metrics.LevelAdSet, Action: ActionScaleBudget, Budget: BudgetDaily, From: 4348, To: 5000, Outcome: OutcomeApplied, At: daysAgo(1), Attempt: 1},
		{DecisionID: "h4", RuleID: "stop-loss", EntityID: "107", Level: metrics.LevelAdSet, Action: ActionPause, Outcome: OutcomeApplied, At: fixtureNow.Add(-40 * time.Hour), Attempt: 1},
	}
	return &Snapshot{Now: fixtureNow, Currency: "USD", Entities: e, History: hist}
}
