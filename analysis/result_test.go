package analysis

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

func sampleResult() *Result {
	d := func(s string) metaads.Date { v, _ := metaads.ParseDate(s); return v }
	return &Result{
		Analyzer: "heuristic",
		Currency: "USD",
		Summary:  "One ad set loses money.",
		Recommendations: []Recommendation{{
			Rank: 1, Priority: PriorityUrgent, Kind: KindProblem,
			Entity: EntityRef{Level: metrics.LevelAdSet, ID: "120300000000000015", Name: "Loss *maker*"},
			Action: Action{Type: ActionScaleBudget, Percent: -20, From: 5000, To: 4000},
			Title:  "Cut the budget of a money-losing ad set",
			Evidence: []Figure{{Name: "roas", Value: 0.61, Unit: metrics.UnitRatio, Basis: BasisMeasured,
				Period: &Period{Window: "last_7d", Since: d("2026-03-01"), Until: d("2026-03-07")}}},
			Impact: Impact{Summary: "saves about 10.00 USD a day", Estimates: []Figure{{Name: "daily_saving",
				Value: 1000, Unit: metrics.UnitMoney, Basis: BasisEstimate, Method: "20% of the daily budget"}}},
			Confidence: Confidence{Level: ConfidenceHigh, Basis: "42 purchases over 7 days"},
			Sources:    []Source{{Kind: "rule", ID: "roas-below-break-even"}},
		}},
	}
}

// TestResultJSONFieldNames pins the JSON field names: other programs
// (the CRM, the agent, stored reports) read them.
func TestResultJSONFieldNames(t *testing.T) {
	b, err := json.Marshal(sampleResult())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"analyzer":"heuristic"`, `"currency":"USD"`, `"summary":`, `"recommendations":[`,
		`"rank":1`, `"priority":"urgent"`, `"kind":"problem"`, `"entity":{"level":"adset","id":"120300000000000015"`,
		`"action":{"type":"scale_budget","from":5000,"to":4000,"percent":-20}`, `"evidence":[{"name":"roas","value":0.61,"unit":"ratio","basis":"measured","period":{"window":"last_7d","since":"2026-03-01","until":"2026-03-07"}}]`,
		`"impact":{"summary":"saves about 10.00 USD a day","estimates":[{"name":"daily_saving","value":1000,"unit":"money","basis":"estimate","method":"20% of the daily budget"}]}`,
		`"confidence":{"level":"high","basis":"42 purchases over 7 days"}`, `"sources":[{"kind":"rule","id":"roas-below-break-even"}]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s\n%s", want, b)
		}
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(&back)
	if string(b) != string(b2) {
		t.Errorf("round trip changed the JSON:\n%s\n%s", b, b2)
	}
}

func TestResultMarkdown(t *testing.T) {
	md := sampleResult().Markdown()
	for _, want := range []string{"# Analysis", "## 1. Cut the budget of a money-losing ad set", "Priority: **urgent**",
		`adset "Loss \*maker\*"`, "scale\\_budget by -20% (50.00 USD to 40.00 USD)",
		"roas: 0.61 (last\\_7d, 2026-03-01 to 2026-03-07)", "daily\\_saving: 10.00 USD *(estimate: 20% of the daily budget)*"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	empty := (&Result{Analyzer: "heuristic"}).Markdown()
	if !strings.Contains(empty, "No recommendations") {
		t.Errorf("empty result: %s", empty)
	}
}

func TestFigureFormat(t *testing.T) {
	for _, tc := range []struct {
		f    Figure
		cur  string
		want string
	}{
		{Figure{Value: 4120, Unit: metrics.UnitMoney}, "USD", "41.20 USD"},
		{Figure{Value: 4120, Unit: metrics.UnitMoney}, "JPY", "4120 JPY"},
		{Figure{Value: 4120, Unit: metrics.UnitMoney}, "", "4120 (minor units)"},
		{Figure{Value: 0.01234, Unit: metrics.UnitFraction}, "", "1.23%"},
		{Figure{Value: 2.5, Unit: metrics.UnitRatio}, "", "2.50"},
		{Figure{Value: 12, Unit: metrics.UnitCount}, "", "12"},
		// An estimated count is not rounded to a whole one: "about 0.7
		// more conversions a day" must not read "about 1".
		{Figure{Value: 0.71, Unit: metrics.UnitCount}, "", "0.7"},
		{Figure{Value: 12.4, Unit: metrics.UnitCount}, "", "12.4"},
	} {
		if got := tc.f.Format(tc.cur); got != tc.want {
			t.Errorf("%+v in %q: got %q, want %q", tc.f, tc.cur, got, tc.want)
		}
	}
}

// TestResultChecksJSONAndMarkdown pins the names of what an LLM analyzer
// dropped and of the analyzers that failed, and shows both in Markdown.
func TestResultChecksJSONAndMarkdown(t *testing.T) {
	r := sampleResult()
	r.Dropped = []Dropped{{Part: "recommendation", Index: 2, Title: "Pause everything",
		Entity: EntityRef{Level: metrics.LevelAd, ID: "999"}, Action: ActionPause,
		Reasons: []DropReason{{Check: CheckEntity, Detail: "ad 999 is not in the Input"}}}}
	r.Failures = []Failure{{Analyzer: "openai", Error: "rate limited"}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"dropped":[{"part":"recommendation","index":2,"title":"Pause everything","entity":{"level":"ad","id":"999"},"action":"pause","reasons":[{"check":"entity","detail":"ad 999 is not in the Input"}]}]`,
		`"failures":[{"analyzer":"openai","error":"rate limited"}]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s\n%s", want, b)
		}
	}
	md := r.Markdown()
	for _, want := range []string{"## Checks", "- Analyzer openai failed: rate limited", `- Dropped recommendation "Pause everything" (entity): ad 999 is not in the Input`} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(sampleResult().Markdown(), "Checks") {
		t.Error("a result without drops or failures shows a Checks section")
	}
}

func TestActionKindOf(t *testing.T) {
	// Every rule engine action is the analysis kind of the same name.
	want := map[rules.ActionType]ActionKind{
		rules.ActionPause: ActionPause, rules.ActionUnpause: ActionUnpause,
		rules.ActionScaleBudget: ActionScaleBudget, rules.ActionSetBudget: ActionSetBudget,
		rules.ActionChangeBid: ActionChangeBid, rules.ActionNotify: ActionNotify,
		rules.ActionFreeze: ActionFreeze,
	}
	for a, k := range want {
		if got := ActionKindOf(a); got != k {
			t.Errorf("ActionKindOf(%v) = %q, want %q", a, got, k)
		}
	}
	for _, a := range []rules.ActionType{0, rules.ActionFreeze + 1, 255} {
		if got := ActionKindOf(a); got != ActionOther {
			t.Errorf("ActionKindOf(%d) = %q, want %q", a, got, ActionOther)
		}
	}
}
