package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// evidenceWordsSpec has one rule per kind of condition. Each rule's tree
// is "any" of an always-true condition and the condition under test, so
// every rule fires and its evidence shows how the condition reads (the
// evidence walks the whole tree).
const evidenceWordsSpec = `{"max_daily_changes": 2, "rules": [
 {"id": "hours", "level": "adset", "conditions": {"any": [ALWAYS, {"hours": {"from": 9, "to": 17}}, {"hours": {"from": 22, "to": 6}}]}, "action": {"type": "notify", "message": "{{.Rule}} on {{.Entity}}: {{.Evidence}}"}},
 {"id": "weekdays", "level": "adset", "conditions": {"any": [ALWAYS, {"weekdays": ["sat", "sun"]}, {"label": "midweek", "weekdays": ["wed"]}]}, "action": {"type": "notify", "message": "m"}},
 {"id": "ranges", "level": "adset", "conditions": {"any": [ALWAYS, {"metric": "cpm", "window": "last_7d", "op": "between", "range": [100, 2000]}, {"metric": "ctr", "window": "last_7d", "op": "outside", "range": [0.01, 0.02]}]}, "action": {"type": "notify", "message": "m"}},
 {"id": "not", "level": "adset", "conditions": {"any": [ALWAYS, {"not": {"all": [{"metric": "cpa", "window": "last_7d", "op": ">", "value": 100}, {"metric": "roas", "window": "last_7d", "op": "<", "value": 2}]}}]}, "action": {"type": "notify", "message": "m"}},
 {"id": "missing", "level": "adset", "conditions": {"any": [ALWAYS, {"metric": "cpa", "window": "last_30d", "op": ">", "value": 100}, {"metric": "cpa", "window": "today", "op": ">", "value": 100}, {"metric": "cpc", "window": "last_7d", "op": ">", "than": {"metric": "cpa", "window": "today", "factor": 2}}]}, "action": {"type": "notify", "message": "m"}},
 {"id": "gates", "level": "adset", "conditions": {"any": [ALWAYS, {"metric": "cpa", "window": "last_7d", "op": ">", "value": 1000, "confidence": 0.9}, {"metric": "ctr", "window": "last_7d", "op": "<", "value": 0.02, "confidence": 0.95}, {"metric": "cpa", "window": "last_3d", "op": ">", "than": {"metric": "cpa", "window": "last_7d", "factor": 1.3}, "confidence": 0.8}, {"metric": "link_ctr", "window": "today", "op": "<", "value": 0.01, "confidence": 0.9}]}, "action": {"type": "notify", "message": "m"}},
 {"id": "fields", "level": "adset", "conditions": {"any": [ALWAYS, {"field": "daily_budget", "op": ">=", "value": 1000}, {"field": "age_hours", "op": ">", "value": 48}, {"field": "hours_since_edit", "op": "<", "value": 24}, {"field": "daily_pacing", "op": ">", "value": 1.2}, {"field": "lifetime_pacing", "op": "<", "value": 0.8}, {"field": "flight_elapsed", "op": ">", "value": 0.5}, {"field": "learning_phase", "op": "==", "value": 1}, {"field": "bid_amount", "op": ">", "value": 10}, {"metric": "spend", "window": "today", "op": ">", "than": {"field": "daily_budget", "factor": 0.5}}]}, "action": {"type": "scale_budget", "percent": 10}},
 {"id": "min-data", "level": "adset", "conditions": {"any": [ALWAYS, {"min_data": {"window": "last_7d", "impressions": 1000, "clicks": 10, "spend": 5000, "conversions": 3, "age_hours": 72}}, {"min_data": {"window": "last_30d", "conversions": 1}}, {"min_data": {"age_hours": 12.5}}]}, "action": {"type": "notify", "message": "m"}},
 {"id": "recent", "level": "adset", "conditions": {"any": [ALWAYS, {"recent_action": {"rules": ["fields"], "actions": ["scale_budget"], "within": "72h"}}, {"recent_action": {"within": "24h"}}, {"recent_action": {"actions": ["pause"], "within": "7d"}}]}, "action": {"type": "notify", "message": "m"}},
 {"id": "floor", "level": "adset", "conditions": {"any": [ALWAYS]}, "action": {"type": "scale_budget", "percent": -50}, "safeguards": {"min_budget": 4000, "max_step_percent": 60, "cooldown": "24h", "max_executions": 3, "execution_window": "7d", "learning": "allow"}},
 {"id": "stay", "level": "adset", "conditions": {"any": [ALWAYS]}, "action": {"type": "scale_budget", "percent": -50}, "safeguards": {"min_budget": 5000, "learning": "allow"}},
 {"id": "week", "level": "adset", "class": "scale", "conditions": {"any": [ALWAYS]}, "action": {"type": "scale_budget", "percent": 20}, "safeguards": {"max_week_percent": 30, "max_budget": 6000, "max_step_percent": 25, "max_executions": 1, "learning": "allow"}},
 {"id": "bid", "level": "adset", "conditions": {"any": [ALWAYS]}, "action": {"type": "change_bid", "amount": 500}, "safeguards": {"max_step_percent": 25, "learning": "allow"}},
 {"id": "units", "level": "adset", "conditions": {"any": [ALWAYS, {"metric": "frequency", "window": "last_7d", "op": ">", "value": 2.5}, {"metric": "average_watch_time", "window": "last_7d", "op": ">", "value": 1500}, {"metric": "impressions", "window": "yesterday", "op": "<", "value": 10}, {"metric": "profit", "window": "last_7d", "op": "<", "value": 0}, {"metric": "cpc", "window": "last_7d", "op": ">", "than": {"metric": "cpa", "window": "last_7d", "factor": 0.0333}}]}, "action": {"type": "notify", "message": "m"}}
]}`

// TestEvidenceWords pins the evidence text of every kind of condition, with
// and without a snapshot currency, in a golden file.
func TestEvidenceWords(t *testing.T) {
	always := `{"label": "always", "metric": "spend", "window": "last_7d", "op": ">=", "value": 0}`
	spec, err := ParseSpec([]byte(strings.ReplaceAll(evidenceWordsSpec, "ALWAYS", always)))
	if err != nil {
		t.Fatal(err)
	}
	set, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	full := adset("201", "Every window", 5000, LearningStageLearning,
		win(WindowLast7D, metrics.Counts{Impressions: 30000, Reach: 12000, Clicks: 450, LinkClicks: 300, Spend: 21000, Conversions: 9, ConversionValue: 15000, VideoPlays: 900, VideoWatchTimeMillis: 2500000}),
		win(WindowLast3D, metrics.Counts{Impressions: 9000, Clicks: 140, Spend: 12000, Conversions: 3}),
		win(WindowYesterday, metrics.Counts{Impressions: 4000, Clicks: 40, Spend: 4000, Conversions: 1}),
		win(WindowToday, metrics.Counts{Impressions: 1500, Clicks: 20, Spend: 3500}),
		win(WindowLifetime, metrics.Counts{Impressions: 90000, Spend: 60000, Conversions: 20}))
	full.LifetimeBudget = 100000
	full.BidAmount = 250
	full.StartTime = daysAgo(10)
	full.EndTime = daysAgo(-10)
	sparse := adset("202", "Sparse", 0, "",
		win(WindowLast7D, metrics.Counts{Impressions: 40, Spend: 90}))
	sparse.CreatedTime = time.Time{}
	sparse.LastSignificantEdit = time.Time{}
	hist := []Entry{
		{DecisionID: "h1", RuleID: "fields", EntityID: "201", Action: ActionScaleBudget, Budget: BudgetDaily, From: 4000, To: 5000, Outcome: OutcomeApplied, At: fixtureNow.Add(-30 * time.Hour)},
		{DecisionID: "h2", RuleID: "q", EntityID: "201", Action: ActionPause, Outcome: OutcomeApplied, At: fixtureNow.Add(-100 * time.Hour)},
	}
	var out bytes.Buffer
	for _, currency := range []string{"USD", ""} {
		snap := &Snapshot{Now: fixtureNow, Currency: currency, Entities: []Entity{full, sparse}, History: hist}
		ev, err := set.Evaluate(snap)
		if err != nil {
			t.Fatal(err)
		}
		if err := ev.WriteText(&out); err != nil {
			t.Fatal(err)
		}
		js, err := json.MarshalIndent(ev, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		out.Write(js)
		out.WriteByte('\n')
	}
	compareGolden(t, "evidence_words.golden", out.Bytes())
}

// Statistical gates reuse the gamma quantiles across entities with the
// same result count; the intervals must be exactly those of the metrics
// package.
func TestCachedIntervalsMatchMetrics(t *testing.T) {
	spec, err := ParseSpec([]byte(`{"rules": [{"id": "g", "level": "adset", "conditions": {"any": [
		{"metric": "spend", "window": "last_7d", "op": ">=", "value": 0},
		{"metric": "cpa", "window": "last_7d", "op": ">", "value": 1000, "confidence": 0.9},
		{"metric": "cpc", "window": "last_7d", "op": "<", "value": 50, "confidence": 0.8}]},
		"action": {"type": "notify", "message": "m"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	var es []Entity
	for i := range 60 {
		c := metrics.Counts{Impressions: 5000, Clicks: int64(1 + i%7), Spend: int64(1000 + 37*i), Conversions: int64(1 + i%5)}
		es = append(es, adset(fmt.Sprint(i), "e", 5000, LearningStageSuccess, win(WindowLast7D, c)))
	}
	ev, err := set.Evaluate(&Snapshot{Now: fixtureNow, Entities: es})
	if err != nil {
		t.Fatal(err)
	}
	if len(ev.Decisions) != len(es) {
		t.Fatalf("%d decisions, want %d", len(ev.Decisions), len(es))
	}
	checked := 0
	for i, d := range ev.Decisions {
		c := es[i].Stats[0].Counts
		for _, e := range d.Evidence[2:] { // after the group and the always-true condition
			if e.Interval == nil {
				t.Fatalf("entity %d, %s: no interval", i, e.Text)
			}
			var lo, hi float64
			var ok bool
			switch e.Interval.Confidence {
			case 0.9:
				lo, hi, ok = metrics.CostPerResultInterval(c.Spend, c.Conversions, 0.9)
			case 0.8:
				lo, hi, ok = metrics.CostPerResultInterval(c.Spend, c.Clicks, 0.8)
			}
			if !ok || e.Interval.Lo != lo || e.Interval.Hi != hi {
				t.Errorf("entity %d, %s: interval %+v, metrics gives %v, %v, %v", i, e.Text, *e.Interval, lo, hi, ok)
			}
			checked++
		}
	}
	if checked != 2*len(es) {
		t.Errorf("checked %d intervals, want %d", checked, 2*len(es))
	}
}

// The precomputed safeguard details read as the general formula does.
func TestSafeguardWordConstants(t *testing.T) {
	for c := ClassNotify; c <= ClassSafety; c++ {
		if got, want := onlyChangeWords(c), "the only change to this entity this run (highest precedence: "+c.String()+")"; got != want {
			t.Errorf("onlyChangeWords(%v) = %q, want %q", c, got, want)
		}
	}
	for _, s := range []string{LearningStageSuccess, LearningStageFail, LearningStageLearning, "", "OTHER"} {
		if got, want := notLearningWords(s), "not in the learning phase (stage "+orWord(s, "unknown")+")"; got != want {
			t.Errorf("notLearningWords(%q) = %q, want %q", s, got, want)
		}
	}
}
