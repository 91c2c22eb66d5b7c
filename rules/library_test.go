package rules

import (
	"testing"

	"github.com/adpilot/adpilot/metrics"
)

// The break-even rule cuts only a ROAS the purchases prove below
// break-even: a healthy sales ad set (60% margin, break-even 1.67) whose
// week dipped to 1.60 on 10 purchases is noise, an ad set at 0.50 on the
// same purchases is a loss.
func TestROASBelowBreakEvenNeedsEvidence(t *testing.T) {
	set := libraryFor(t, Params{TargetCPA: 4000, GrossMargin: 0.6})
	sales := func(id, name string, value int64) Entity {
		e := adset(id, name, 5000, LearningStageSuccess,
			win(WindowLast7D, metrics.Counts{Impressions: 40000, Reach: 25000, Spend: 35000, Conversions: 10, ConversionValue: value}))
		e.Objective = "OUTCOME_SALES"
		return e
	}
	snap := &Snapshot{Now: fixtureNow, Currency: "USD", Entities: []Entity{
		sales("1", "Noisy week", 56000), // ROAS 1.60, 30 days at 2.1
		sales("2", "Losing", 17500),     // ROAS 0.50
	}}
	ev, err := set.Evaluate(snap)
	if err != nil {
		t.Fatal(err)
	}
	got := decisionsOf(ev, "roas-below-break-even")
	if len(got) != 1 || got[0].EntityID != "2" {
		var ids []string
		for _, d := range got {
			ids = append(ids, d.EntityName)
		}
		t.Fatalf("roas-below-break-even fired on %v; want only the losing ad set", ids)
	}
	var gate *Evidence
	for i, e := range got[0].Evidence {
		if e.Interval != nil {
			gate = &got[0].Evidence[i]
		}
	}
	if gate == nil || gate.Metric != "cpa" || gate.Interval.Confidence != 0.9 {
		t.Errorf("the decision shows no credible interval of the cost per purchase: %+v", got[0].Evidence)
	}
}

// A winner that spends more than its budget allows (Meta keeps a week
// within 7 daily budgets; the demo's Advantage+ ad set runs 25-30% over)
// is not budget-limited: raising its budget would only add overspend.
func TestScaleWinnerNotOverPacing(t *testing.T) {
	set := libraryFor(t, Params{TargetCPA: 3000})
	winner := func(id string, spend7 int64) Entity {
		return adset(id, "Winner "+id, 10000, LearningStageSuccess,
			win(WindowLast3D, metrics.Counts{Impressions: 60000, Reach: 40000, Spend: spend7 * 3 / 7, Conversions: 30}),
			win(WindowLast7D, metrics.Counts{Impressions: 140000, Reach: 80000, Spend: spend7, Conversions: 70}),
			win(WindowYesterday, metrics.Counts{Impressions: 20000, Reach: 15000, Spend: spend7 / 7, Conversions: 10}))
	}
	ev, err := set.Evaluate(&Snapshot{Now: fixtureNow, Currency: "USD", Entities: []Entity{winner("1", 70000), winner("2", 88000)}})
	if err != nil {
		t.Fatal(err)
	}
	got := decisionsOf(ev, "scale-winner")
	if len(got) != 1 || got[0].EntityID != "1" {
		var ids []string
		for _, d := range got {
			ids = append(ids, d.EntityName)
		}
		t.Fatalf("scale-winner fired on %v; want only the winner within its weekly budget", ids)
	}
}
