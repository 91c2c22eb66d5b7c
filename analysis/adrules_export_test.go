package analysis

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/rules"
	"github.com/adpilot/adpilot/rules/metaactuator"
)

// TestExportPreviewMatchesPass checks rules.RuleSet.ExportMeta's Exact on
// the snapshot a pass evaluates (Dataset.Snapshot, effective statuses, each
// campaign's conversion event), not a hand-built one: every exported rule
// marked Exact, created on the fake and previewed, passes the entities the
// engine fires on, on three days of the demo shop. The fixtures read
// windows, formulas, single days, the lifetime and every level; one
// divides by a count that is often zero and must not claim to be exact.
func TestExportPreviewMatchesPass(t *testing.T) {
	lib, err := rules.DefaultLibrary(rules.Params{TargetCPA: 2500, GrossMargin: 0.4, HardDailyCap: 1500, MaxBudget: 50000, MinBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	libSet, err := rules.Compile(lib)
	if err != nil {
		t.Fatal(err)
	}
	fixSet, err := rules.CompileJSON([]byte(previewFixtures))
	if err != nil {
		t.Fatal(err)
	}
	acct := metaads.MustParseAccountID(metaadstest.DemoAccountShop)
	compared, nonEmpty := 0, 0
	for _, now := range []time.Time{demoNow, demoNow.Add(-5 * 24 * time.Hour), demoNow.Add(3*24*time.Hour + 6*time.Hour)} {
		e := newDemo(t, now)
		snap, err := e.collect(t, metaadstest.DemoAccountShop, CollectOptions{}, now).Snapshot(now)
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range []*rules.RuleSet{libSet, fixSet} {
			exp, err := set.ExportMeta(rules.ExportNotify(metaadstest.DemoUserID), rules.ExportConversion(rules.MetaWebsitePurchases))
			if err != nil {
				t.Fatal(err)
			}
			created, err := metaactuator.CreateAdRules(context.Background(), e.c, acct, exp)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := set.Evaluate(snap)
			if err != nil {
				t.Fatal(err)
			}
			fired := map[string][]string{}
			for _, d := range ev.Decisions {
				fired[d.RuleID] = append(fired[d.RuleID], d.EntityID)
			}
			for i, c := range created {
				if c.RuleID == "clicks-per-purchase" && exp.Rules[i].Exact {
					t.Errorf("%s divides by purchases today, zero on most ads, yet is exported as exact", c.RuleID)
				}
				if !exp.Rules[i].Exact {
					continue
				}
				pv, err := e.c.AdRules.Preview(context.Background(), acct, c.AdRuleID)
				if err != nil {
					t.Fatal(err)
				}
				have := make([]string, len(pv))
				for j, p := range pv {
					have[j] = p.ID
				}
				want := fired[c.RuleID]
				slices.Sort(want)
				slices.Sort(have)
				if !slices.Equal(want, have) {
					t.Errorf("%s, %s: Meta's preview passes %v; the pass fires on %v\nfilters: %+v", now.Format(time.DateTime), c.RuleID, have, want, exp.Rules[i].Meta.EvaluationSpec.Filters)
				}
				compared++
				if len(have) > 0 {
					nonEmpty++
				}
			}
		}
	}
	if compared < 50 || nonEmpty < 40 {
		t.Errorf("compared %d exact rules, %d with entities passing; want at least 50 and 40", compared, nonEmpty)
	}
}

const previewFixtures = `{"rules": [
  {"id": "under-90", "level": "adset", "conditions": {"metric": "spend", "window": "yesterday", "op": "<", "than": {"field": "daily_budget", "factor": 0.9}}, "action": {"type": "notify", "message": "m"}},
  {"id": "frequency", "level": "adset", "conditions": {"metric": "frequency", "window": "last_7d", "op": ">", "value": 1.5}, "action": {"type": "notify", "message": "m"}},
  {"id": "frequency-ad", "level": "ad", "conditions": {"metric": "frequency", "window": "last_7d", "op": ">", "value": 1.5}, "action": {"type": "notify", "message": "m"}},
  {"id": "ctr-ad", "level": "ad", "conditions": {"metric": "ctr", "window": "last_3d", "op": "<", "value": 0.012}, "action": {"type": "notify", "message": "m"}},
  {"id": "cpa-cut", "level": "adset", "conditions": {"metric": "cpa", "window": "last_7d", "op": ">", "value": 2500}, "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"learning": "allow"}},
  {"id": "roas-cut", "level": "adset", "conditions": {"metric": "roas", "window": "last_7d", "op": "<", "value": 2.5}, "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"learning": "allow"}},
  {"id": "purchases", "level": "adset", "conditions": {"metric": "conversions", "window": "last_3d", "op": ">=", "value": 3}, "action": {"type": "notify", "message": "m"}},
  {"id": "campaign-spend", "level": "campaign", "conditions": {"metric": "spend", "window": "last_7d", "op": ">", "value": 10000}, "action": {"type": "notify", "message": "m"}},
  {"id": "ad-spend-today", "level": "ad", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 300}, "action": {"type": "notify", "message": "m"}},
  {"id": "day-3", "level": "adset", "conditions": {"metric": "spend", "window": "day_3", "op": ">", "than": {"field": "daily_budget", "factor": 0.5}}, "action": {"type": "notify", "message": "m"}},
  {"id": "day-7", "level": "adset", "conditions": {"metric": "clicks", "window": "day_7", "op": ">", "value": 10}, "action": {"type": "notify", "message": "m"}},
  {"id": "reach", "level": "adset", "conditions": {"metric": "reach", "window": "last_7d", "op": ">", "value": 5000}, "action": {"type": "notify", "message": "m"}},
  {"id": "lifetime-spend", "level": "adset", "conditions": {"metric": "spend", "window": "lifetime", "op": ">", "value": 100000}, "action": {"type": "notify", "message": "m"}},
  {"id": "cpm-on-last-week", "level": "adset", "conditions": {"metric": "cpm", "window": "last_7d", "op": ">", "than": {"metric": "cpm", "window": "previous_7d", "factor": 1.1}}, "action": {"type": "change_bid", "percent": -5}, "safeguards": {"learning": "allow"}},
  {"id": "clicks-per-purchase", "level": "ad", "conditions": {"metric": "clicks", "window": "today", "op": ">", "than": {"metric": "conversions", "window": "today", "factor": 20}}, "action": {"type": "notify", "message": "m"}},
  {"id": "old-ads", "level": "ad", "conditions": {"min_data": {"age_hours": 500}}, "action": {"type": "notify", "message": "m"}}
]}`
