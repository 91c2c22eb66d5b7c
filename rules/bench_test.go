package rules

import (
	"fmt"
	"testing"

	"github.com/adpilot/adpilot/metrics"
)

// benchRules returns n ad-set rules: the ad-set rules of the default
// library, then extra rules with groups, metric-vs-metric comparisons, time
// conditions and statistical gates.
func benchRules(tb testing.TB, n int) *RuleSet {
	tb.Helper()
	spec, err := DefaultLibrary(fixtureParams())
	if err != nil {
		tb.Fatal(err)
	}
	var rs []RuleSpec
	for _, r := range spec.Rules {
		if r.Level == "adset" {
			rs = append(rs, r)
		}
	}
	extra := []string{
		`{"id": "x1", "level": "adset", "conditions": {"all": [{"min_data": {"window": "last_7d", "impressions": 1000}}, {"metric": "ctr", "window": "last_7d", "op": "<", "value": 0.004}]}, "action": {"type": "notify", "message": "m"}}`,
		`{"id": "x2", "level": "adset", "conditions": {"any": [{"metric": "cpc", "window": "last_3d", "op": ">", "than": {"metric": "cpc", "window": "last_7d", "factor": 3}}, {"metric": "cpm", "window": "yesterday", "op": ">", "value": 5000}]}, "action": {"type": "notify", "message": "m"}}`,
		`{"id": "x3", "level": "adset", "conditions": {"all": [{"hours": {"from": 9, "to": 17}}, {"metric": "spend", "window": "today", "op": ">", "than": {"field": "daily_budget", "factor": 1.25}}]}, "action": {"type": "scale_budget", "percent": 10}}`,
		`{"id": "x4", "level": "adset", "conditions": {"all": [{"weekdays": ["sat", "sun"]}, {"metric": "cpa", "window": "last_7d", "op": ">", "value": 9000}]}, "action": {"type": "scale_budget", "percent": -10}}`,
		`{"id": "x5", "level": "adset", "conditions": {"all": [{"metric": "conversions", "window": "last_7d", "op": ">=", "value": 30}, {"metric": "conversion_rate", "window": "last_7d", "op": "<", "value": 0.005, "confidence": 0.9}]}, "action": {"type": "notify", "message": "m"}}`,
		`{"id": "x6", "level": "adset", "conditions": {"not": {"metric": "impressions", "window": "last_7d", "op": ">", "value": 100}}, "action": {"type": "notify", "message": "m"}}`,
	}
	for _, doc := range extra {
		s, err := ParseSpec([]byte(`{"rules": [` + doc + `]}`))
		if err != nil {
			tb.Fatal(err)
		}
		rs = append(rs, s.Rules...)
	}
	if len(rs) < n {
		tb.Fatalf("only %d rules", len(rs))
	}
	set, err := Compile(Spec{Rules: rs[:n]})
	if err != nil {
		tb.Fatal(err)
	}
	return set
}

// benchSnapshot is n ad sets with four windows each; a few percent of
// them trip a rule.
func benchSnapshot(n int) *Snapshot {
	es := make([]Entity, n)
	for i := range es {
		k := int64(i%97 + 1)
		c7 := metrics.Counts{Impressions: 20000 + 300*k, Reach: 12000 + 100*k, Clicks: 300 + 3*k, LinkClicks: 200 + 2*k, Spend: 20000 + 300*k, Conversions: 12 + k%9, ConversionValue: 90000 + 1000*k}
		if i%50 == 0 { // one ad set in 50 bleeds
			c7.Spend *= 3
		}
		c3 := metrics.Counts{Impressions: 9000 + 100*k, Clicks: 130 + k, LinkClicks: 90 + k, Spend: 20000 + 200*k, Conversions: 5 + k%4}
		cy := metrics.Counts{Impressions: 3000 + 30*k, Clicks: 40, Spend: 4500 + 10*k, Conversions: 2}
		ct := metrics.Counts{Impressions: 1500 + 10*k, Clicks: 20, Spend: 2500 + 40*k}
		e := adset(fmt.Sprint(i), "Ad set", 5000, LearningStageSuccess,
			win(WindowLast7D, c7), win(WindowLast3D, c3), win(WindowYesterday, cy), win(WindowToday, ct))
		es[i] = e
	}
	return &Snapshot{Now: fixtureNow, Currency: "USD", Entities: es}
}

func benchmarkEvaluate(b *testing.B, rules int) {
	set := benchRules(b, rules)
	snap := benchSnapshot(100_000)
	ev, err := set.Evaluate(snap)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := set.Evaluate(snap); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ev.Decisions)), "decisions")
}

// BenchmarkEvaluate100kEntities: 5 and 20 rules over 100,000 ad sets in
// one evaluation. Run with -cpu 1 -benchmem; the target for 20 rules is
// under 50 ms.
func BenchmarkEvaluate100kEntities(b *testing.B) {
	for _, n := range []int{5, 20} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) { benchmarkEvaluate(b, n) })
	}
}

// BenchmarkEvaluateNoDecisions measures the path of entities no rule fires
// on: it must not allocate per entity, whatever the rule count.
func BenchmarkEvaluateNoDecisions(b *testing.B) {
	for _, n := range []int{5, 20} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			set := benchRules(b, n)
			snap := benchSnapshot(100_000)
			for i := range snap.Entities {
				snap.Entities[i].Stats = snap.Entities[i].Stats[:1] // last 7 days only: most rules are unknown
				snap.Entities[i].Stats[0].Counts.Conversions = 5
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := set.Evaluate(snap); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
