package metaactuator_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
	"github.com/adpilot/adpilot/rules/metaactuator"
)

// exportFixtures are rules that exercise what the export can express, with
// thresholds set against the demo shop's data (a Friday, 07:30 in Los
// Angeles) so that each passes for some ad sets or ads and not for others.
const exportFixtures = `{"rules": [
  {"id": "cpa-drift", "level": "adset", "live": true,
   "conditions": {"metric": "cpa", "window": "last_3d", "op": ">", "than": {"metric": "cpa", "window": "last_14d", "factor": 1.5}},
   "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"cooldown": "72h", "max_executions": 2, "learning": "allow", "min_budget": 1000}},
  {"id": "overpacing-yesterday", "level": "adset",
   "conditions": {"metric": "spend", "window": "yesterday", "op": ">", "than": {"field": "daily_budget", "factor": 1.2}},
   "action": {"type": "notify", "message": "m"}, "safeguards": {"cooldown": "24h"}},
  {"id": "frequency-rising", "level": "adset",
   "conditions": {"metric": "frequency", "window": "last_7d", "op": ">", "than": {"metric": "frequency", "window": "previous_7d", "factor": 1.05}},
   "action": {"type": "notify", "message": "m"}},
  {"id": "fatigued-ad", "level": "ad",
   "conditions": {"all": [{"metric": "frequency", "window": "last_7d", "op": ">", "value": 4},
                          {"metric": "link_ctr", "window": "last_7d", "op": "<", "value": 0.006}]},
   "action": {"type": "notify", "message": "m"}},
  {"id": "busy", "level": "adset",
   "conditions": {"min_data": {"age_hours": 72, "window": "last_3d", "impressions": 25000}},
   "action": {"type": "notify", "message": "m"}},
  {"id": "not-low-ctr", "level": "adset",
   "conditions": {"not": {"metric": "link_ctr", "window": "last_7d", "op": "<=", "value": 0.008}},
   "action": {"type": "notify", "message": "m"}},
  {"id": "budget-8000", "level": "adset",
   "conditions": {"all": [{"field": "daily_budget", "op": "==", "value": 8000},
                          {"metric": "conversions", "window": "last_3d", "op": "<=", "value": 6}]},
   "action": {"type": "notify", "message": "m"}},
  {"id": "roas-low", "level": "adset",
   "conditions": {"metric": "roas", "window": "last_7d", "op": "<", "value": 2.7},
   "action": {"type": "notify", "message": "m"}},
  {"id": "campaign-spend", "level": "campaign",
   "conditions": {"metric": "spend", "window": "last_7d", "op": ">", "value": 100000},
   "action": {"type": "notify", "message": "m"}},
  {"id": "friday-morning", "level": "adset",
   "conditions": {"all": [{"weekdays": ["fri"]}, {"hours": {"from": 6, "to": 10}},
                          {"metric": "spend", "window": "today", "op": ">", "value": 1000}]},
   "action": {"type": "notify", "message": "m"}},
  {"id": "impressions-outside", "level": "adset",
   "conditions": {"metric": "impressions", "window": "last_3d", "op": "outside", "range": [20000, 30000]},
   "action": {"type": "notify", "message": "m"}},
  {"id": "pause-fatigued", "level": "ad", "live": true,
   "conditions": {"all": [{"metric": "frequency", "window": "last_7d", "op": ">", "value": 5},
                          {"metric": "clicks", "window": "last_7d", "op": ">=", "value": 100}]},
   "action": {"type": "pause"}, "safeguards": {"cooldown": "24h"}},
  {"id": "bid-down", "level": "adset",
   "conditions": {"metric": "cpa", "window": "last_7d", "op": ">", "value": 2400},
   "action": {"type": "change_bid", "percent": -5}, "safeguards": {"learning": "allow", "cooldown": "24h"}},
  {"id": "lifetime-spend", "level": "adset",
   "conditions": {"metric": "spend", "window": "lifetime", "op": ">", "value": 1000000},
   "action": {"type": "notify", "message": "m"}},
  {"id": "day-2-spend", "level": "adset",
   "conditions": {"metric": "spend", "window": "day_2", "op": ">", "than": {"field": "daily_budget", "factor": 0.92}},
   "action": {"type": "notify", "message": "m"}},
  {"id": "day-7-clicks", "level": "ad",
   "conditions": {"all": [{"metric": "clicks", "window": "day_7", "op": ">", "value": 40}, {"metric": "impressions", "window": "day_3", "op": "<", "value": 5000}]},
   "action": {"type": "notify", "message": "m"}},
  {"id": "frequency-band", "level": "adset",
   "conditions": {"metric": "frequency", "window": "last_7d", "op": "between", "range": [2.4, 3]},
   "action": {"type": "notify", "message": "m"}}
]}`

// demoExports are the rule sets the round trip exports for the demo shop:
// the default library (default options and website purchases) and the
// fixtures. The hard cap is low enough to be reached by 07:30.
func demoExports(t *testing.T) map[string]*rules.MetaExport {
	t.Helper()
	lib, err := rules.DefaultLibrary(rules.Params{TargetCPA: 2500, GrossMargin: 0.4, HardDailyCap: 1500, MaxBudget: 50000, MinBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	libSet, err := rules.Compile(lib)
	if err != nil {
		t.Fatal(err)
	}
	fixSet, err := rules.CompileJSON([]byte(exportFixtures))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*rules.MetaExport{}
	for name, x := range map[string]struct {
		set  *rules.RuleSet
		opts []rules.ExportOption
	}{
		"library":           {libSet, nil},
		"library-purchases": {libSet, []rules.ExportOption{rules.ExportNotify(metaadstest.DemoUserID), rules.ExportConversion(rules.MetaWebsitePurchases)}},
		"fixtures":          {fixSet, []rules.ExportOption{rules.ExportNotify(metaadstest.DemoUserID), rules.ExportConversion(rules.MetaWebsitePurchases)}},
	} {
		exp, err := x.set.ExportMeta(x.opts...)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = exp
	}
	return out
}

// The round trip: every exported rule is created on the fake (which
// validates like Meta), reads back as sent, and previews the same
// entities the engine's own evaluation fires on.
func TestExportRoundTripDemoShop(t *testing.T) {
	srv, client := demoClient(t)
	snap := demoSnapshot(t, client, metaadstest.DemoAccountShop, "")
	var total roundTripCounts
	for name, exp := range demoExports(t) {
		if name == "fixtures" && len(exp.Unsupported) > 0 {
			t.Errorf("fixtures not exported: %+v", exp.Unsupported)
		}
		total.add(roundTrip(t, client, metaadstest.DemoAccountShop, snap, name, ruleSetOf(t, name), exp))
	}
	// The comparison must mean something: rules that pass some entities
	// and not others.
	if total.compared < 20 || total.nonEmpty < 12 || total.partial < 10 {
		t.Errorf("compared %d exact rules, %d with entities passing, %d passing only some; want at least 20, 12 and 10", total.compared, total.nonEmpty, total.partial)
	}
	if n := len(srv.AdRules(metaadstest.DemoAccountShop)); n < total.compared {
		t.Errorf("the fake stores %d rules", n)
	}
}

// On the lead-generation account Meta's results are leads, as the
// snapshot's conversions are.
func TestExportRoundTripDemoLeads(t *testing.T) {
	_, client := demoClient(t)
	snap := demoSnapshot(t, client, metaadstest.DemoAccountLeads, "lead")
	set := ruleSetOf(t, "library")
	exp, err := set.ExportMeta(rules.ExportNotify(metaadstest.DemoUserID))
	if err != nil {
		t.Fatal(err)
	}
	c := roundTrip(t, client, metaadstest.DemoAccountLeads, snap, "leads", set, exp)
	if c.compared < 3 {
		t.Errorf("compared %d rules", c.compared)
	}
}

type roundTripCounts struct{ compared, nonEmpty, partial int }

func (c *roundTripCounts) add(o roundTripCounts) {
	c.compared += o.compared
	c.nonEmpty += o.nonEmpty
	c.partial += o.partial
}

func roundTrip(t *testing.T, client *metaads.Client, account string, snap *rules.Snapshot, name string, set *rules.RuleSet, exp *rules.MetaExport) roundTripCounts {
	t.Helper()
	ctx := context.Background()
	acct, _ := metaads.ParseAccountID(account)
	var out roundTripCounts
	created, err := metaactuator.CreateAdRules(ctx, client, acct, exp)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(created) != len(exp.Rules) || len(created) == 0 {
		t.Fatalf("%s: created %d of %d rules", name, len(created), len(exp.Rules))
	}
	// Read back: the library lists every rule with its specs as sent.
	byID := map[string]metaads.AdRule{}
	for r, err := range client.AdRules.List(ctx, acct, metaads.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		byID[r.ID] = r
	}
	ev, err := set.Evaluate(snap)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range created {
		got, ok := byID[c.AdRuleID]
		if !ok {
			t.Fatalf("%s/%s: rule %s not listed", name, c.RuleID, c.AdRuleID)
		}
		sent := metaactuator.AdRuleSpec(exp.Rules[i].Meta)
		if !sameJSON(t, got.EvaluationSpec, sent.EvaluationSpec) || !sameJSON(t, got.ExecutionSpec, sent.ExecutionSpec) || !sameJSON(t, got.ScheduleSpec, sent.ScheduleSpec) {
			t.Errorf("%s/%s: read back differs from what was sent", name, c.RuleID)
		}
		if got.Name != sent.Name || string(got.Status) != exp.Rules[i].Meta.Status {
			t.Errorf("%s/%s: name %q status %q; sent %q %q", name, c.RuleID, got.Name, got.Status, sent.Name, exp.Rules[i].Meta.Status)
		}
		preview, err := client.AdRules.Preview(ctx, acct, c.AdRuleID)
		if err != nil {
			t.Fatalf("%s/%s: preview: %v", name, c.RuleID, err)
		}
		if !exp.Rules[i].Exact {
			continue
		}
		var want, have []string
		for _, d := range ev.Decisions {
			if d.RuleID == c.RuleID {
				want = append(want, d.EntityID)
			}
		}
		for _, p := range preview {
			have = append(have, p.ID)
		}
		slices.Sort(want)
		slices.Sort(have)
		if !slices.Equal(want, have) {
			t.Errorf("%s/%s: Meta's preview passes %v; the engine fires on %v\nfilters: %+v", name, c.RuleID, have, want, exp.Rules[i].Meta.EvaluationSpec.Filters)
		}
		t.Logf("%s/%s: %d pass %v", name, c.RuleID, len(have), have)
		out.compared++
		if len(have) > 0 {
			out.nonEmpty++
		}
		if n := countLevel(snap, set, c.RuleID); len(have) > 0 && len(have) < n {
			out.partial++
		}
	}
	return out
}

func ruleSetOf(t *testing.T, name string) *rules.RuleSet {
	t.Helper()
	if name == "fixtures" {
		set, err := rules.CompileJSON([]byte(exportFixtures))
		if err != nil {
			t.Fatal(err)
		}
		return set
	}
	lib, err := rules.DefaultLibrary(rules.Params{TargetCPA: 2500, GrossMargin: 0.4, HardDailyCap: 1500, MaxBudget: 50000, MinBudget: 1000})
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Compile(lib)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// countLevel counts the snapshot's entities at the rule's level.
func countLevel(snap *rules.Snapshot, set *rules.RuleSet, id string) int {
	var level metrics.Level
	for _, r := range set.Rules() {
		if r.ID() == id {
			level = r.Level()
		}
	}
	n := 0
	for _, e := range snap.Entities {
		if e.Level == level {
			n++
		}
	}
	return n
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	var x, y any
	if err := json.Unmarshal(ja, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(jb, &y); err != nil {
		t.Fatal(err)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

// An export in another currency than the account's creates nothing.
func TestCreateAdRulesCurrency(t *testing.T) {
	srv, client := demoClient(t)
	set, err := rules.CompileJSON([]byte(`{"currency": "EUR", "rules": [{"id": "r", "level": "adset",
	  "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 5000}, "action": {"type": "pause"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := set.ExportMeta()
	if err != nil {
		t.Fatal(err)
	}
	shop, _ := metaads.ParseAccountID(metaadstest.DemoAccountShop)
	created, err := metaactuator.CreateAdRules(context.Background(), client, shop, exp)
	if !errors.Is(err, rules.ErrCurrencyMismatch) || len(created) != 0 || !strings.Contains(err.Error(), "USD") {
		t.Fatalf("created %v, err %v; want ErrCurrencyMismatch naming USD", created, err)
	}
	if n := len(srv.AdRules(metaadstest.DemoAccountShop)); n != 0 {
		t.Errorf("%d rules created", n)
	}
	leads, _ := metaads.ParseAccountID(metaadstest.DemoAccountLeads)
	if created, err := metaactuator.CreateAdRules(context.Background(), client, leads, exp); err != nil || len(created) != 1 {
		t.Errorf("EUR account: created %v, err %v", created, err)
	}
}

// A rule Meta refuses stops the run with the rules created so far and an
// error naming the rule and carrying Meta's code.
func TestCreateAdRulesStopsAtRefusal(t *testing.T) {
	_, client := demoClient(t)
	exp := &rules.MetaExport{Rules: []rules.ExportedRule{
		{RuleID: "good", Meta: rules.MetaRule{Name: "good", Status: "DISABLED",
			EvaluationSpec: rules.MetaEvaluationSpec{EvaluationType: "SCHEDULE", Filters: []rules.MetaFilter{{Field: "entity_type", Value: "ADSET", Operator: "EQUAL"}}},
			ExecutionSpec:  rules.MetaExecutionSpec{ExecutionType: "NOTIFICATION"}, ScheduleSpec: &rules.MetaScheduleSpec{ScheduleType: "DAILY"}}},
		{RuleID: "bad", Meta: rules.MetaRule{Name: "bad", Status: "DISABLED",
			EvaluationSpec: rules.MetaEvaluationSpec{EvaluationType: "SCHEDULE", Filters: []rules.MetaFilter{{Field: "entity_type", Value: "ADSET", Operator: "EQUAL"}}},
			ExecutionSpec:  rules.MetaExecutionSpec{ExecutionType: "PAUSE", ExecutionOptions: []rules.MetaFilter{{Field: "action_frequency", Value: 60, Operator: "EQUAL"}}},
			ScheduleSpec:   &rules.MetaScheduleSpec{ScheduleType: "DAILY"}}},
	}}
	shop, _ := metaads.ParseAccountID(metaadstest.DemoAccountShop)
	created, err := metaactuator.CreateAdRules(context.Background(), client, shop, exp)
	var me *metaads.Error
	if len(created) != 1 || !errors.As(err, &me) || me.Code != 100 || !strings.Contains(err.Error(), `"bad"`) || !strings.Contains(err.Error(), "action_frequency") {
		t.Fatalf("created %v, err %v", created, err)
	}
}
