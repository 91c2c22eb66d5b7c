package rules

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestGoldenExportMeta(t *testing.T) {
	p := fixtureParams()
	p.Live = true
	spec, err := DefaultLibrary(p)
	if err != nil {
		t.Fatal(err)
	}
	set, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := set.ExportMeta()
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "export_meta.json.golden", append(js, '\n'))
	// Every rule is either exported or has at least one reason.
	seen := map[string]bool{}
	for _, r := range exp.Rules {
		seen[r.RuleID] = true
	}
	for _, u := range exp.Unsupported {
		if u.Reason == "" || !strings.HasPrefix(u.Path, "rules[") {
			t.Errorf("issue without reason or path: %+v", u)
		}
		seen[u.RuleID] = true
	}
	for _, r := range set.Rules() {
		if !seen[r.ID()] {
			t.Errorf("rule %s neither exported nor explained", r.ID())
		}
	}
}

type exportCase struct {
	name, rule string
	doc        string // document keys before "rules" (`"conversion_event": "lead",`)
	opts       []ExportOption
	exported   bool
	want       []string // each in the JSON of the exported rule or of the issues
	not        []string // none of these
}

var exportCases = []exportCase{
	{name: "stop-loss as spend and count", rule: `{"id": "r", "level": "adset", "live": true, "conditions": {"all": [
			{"metric": "spend", "window": "last_7d", "op": ">=", "value": 9000},
			{"metric": "conversions", "window": "last_7d", "op": "==", "value": 0}]},
			"action": {"type": "pause"}, "safeguards": {"cooldown": "1d", "max_executions": 1}}`,
		exported: true, want: []string{`{"field":"spent","value":8999,"operator":"GREATER_THAN"}`, `{"field":"results","value":0,"operator":"EQUAL"}`,
			`"execution_type":"PAUSE"}`, "the cooldown of 24h and the cap of 1 are dropped", `"exact":true`},
		not: []string{`"field":"action_frequency"`, `"field":"execution_count_limit"`}},
	{name: "ctr in percent, as a plain decimal", rule: `{"id": "r", "level": "ad", "conditions": {"metric": "ctr", "window": "last_3d", "op": "<", "value": 0.07}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"ctr","value":7,"operator":"LESS_THAN"}`}, not: []string{"7.0000"}},
	{name: "link ctr fraction to percent", rule: `{"id": "r", "level": "ad", "conditions": {"metric": "link_ctr", "window": "last_3d", "op": ">", "value": 0.0123}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"link_ctr","value":1.23,"operator":"GREATER_THAN"}`}},
	{name: "daily ratio spent on ad sets", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "than": {"field": "daily_budget", "factor": 1.75}}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"daily_ratio_spent","value":1.75,"operator":"GREATER_THAN"}`, `"schedule_type":"SEMI_HOURLY"`}},
	{name: "no budget comparison on campaigns", rule: `{"id": "r", "level": "campaign", "conditions": {"metric": "spend", "window": "today", "op": ">", "than": {"field": "daily_budget", "factor": 1.75}}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"budgets and bids of ad sets only"}, not: []string{"daily_ratio_spent"}},
	{name: "no budget field on ads", rule: `{"id": "r", "level": "ad", "conditions": {"field": "daily_budget", "op": ">", "value": 100}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"an ad has no daily budget of its own"}},
	{name: "budget change with limit", rule: `{"id": "r", "level": "campaign", "conditions": {"metric": "cpa", "window": "last_7d", "op": "<", "value": 2000}, "action": {"type": "scale_budget", "percent": 10}, "safeguards": {"max_budget": 90000, "learning": "allow", "cooldown": "72h", "max_executions": 3, "execution_window": "7d"}}`,
		exported: true, want: []string{`"execution_type":"CHANGE_CAMPAIGN_BUDGET","execution_options":[{"field":"change_spec","value":{"amount":10,"limit":90000,"unit":"PERCENTAGE"}`,
			`{"field":"action_frequency","value":4320,"operator":"EQUAL"}`, `{"field":"execution_count_limit","value":3,"operator":"EQUAL"}`, "exported as 3 in total"}},
	{name: "pause on cost", rule: `{"id": "r", "level": "ad", "conditions": {"metric": "cpa", "window": "last_7d", "op": ">", "value": 5000}, "action": {"type": "pause"}}`,
		want: []string{"error 2703"}},
	{name: "a budget below a value skips ad sets without one", rule: `{"id": "r", "level": "adset", "conditions": {"field": "daily_budget", "op": "<", "value": 1000}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"daily_budget","value":0,"operator":"GREATER_THAN"},{"field":"daily_budget","value":1000,"operator":"LESS_THAN"}`, `"exact":true`}},
	{name: "unpause on cost", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "cpc", "window": "last_3d", "op": "<", "value": 80}, "action": {"type": "unpause"}}`,
		want: []string{"only on budget and bid changes", "not on a rule that unpauses"}, not: []string{`"execution_type":"UNPAUSE"`}},
	{name: "unpause on cost at campaign level", rule: `{"id": "r", "level": "campaign", "conditions": {"metric": "cpc", "window": "last_3d", "op": "<", "value": 80}, "action": {"type": "unpause"}, "safeguards": {"learning": "allow"}}`,
		exported: true, want: []string{`"execution_type":"UNPAUSE"`, `{"field":"cpc","value":80,"operator":"LESS_THAN"}`}},
	{name: "notify on cost at ad set level", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "cpm", "window": "last_7d", "op": ">", "value": 5000}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"2490336", "field reports"}},
	{name: "notify on cost at campaign level", rule: `{"id": "r", "level": "campaign", "conditions": {"metric": "cpm", "window": "last_7d", "op": ">", "value": 5000}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"cpm","value":5000,"operator":"GREATER_THAN"}`}},
	{name: "two windows through a prefix", rule: `{"id": "r", "level": "adset", "conditions": {"all": [{"metric": "spend", "window": "last_3d", "op": ">", "value": 1}, {"metric": "impressions", "window": "last_7d", "op": ">", "value": 1000}]}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"spent","value":1,"operator":"GREATER_THAN"}`, `{"field":"last_7d_impressions","value":1000,"operator":"GREATER_THAN"}`, `{"field":"time_preset","value":"LAST_3D","operator":"EQUAL"}`}},
	{name: "metric against metric as a formula", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "cpa", "window": "last_3d", "op": ">", "than": {"metric": "cpa", "window": "last_14d", "factor": 1.3}}, "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"learning": "allow"}}`,
		exported: true, want: []string{`{"field":"cost_per / last_14d_cost_per","value":1.3,"operator":"GREATER_THAN"}`, "results"}},
	{name: "a count divisor that can be zero is not exact", rule: `{"id": "r", "level": "ad", "conditions": {"metric": "clicks", "window": "today", "op": ">", "than": {"metric": "conversions", "window": "today", "factor": 20}}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"clicks / results","value":20,"operator":"GREATER_THAN"}`, "where conversions over today is 0", "divides by zero", `"exact":false`}},
	{name: "below a divisor that can be zero stays exact", rule: `{"id": "r", "level": "ad", "conditions": {"metric": "clicks", "window": "today", "op": "<", "than": {"metric": "conversions", "window": "today", "factor": 20}}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"clicks / results","value":20,"operator":"LESS_THAN"}`, `"exact":true`}, not: []string{"divides by zero"}},
	{name: "frequency is never zero where defined", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "frequency", "window": "last_3d", "op": ">", "than": {"metric": "frequency", "window": "last_14d", "factor": 1.2}}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"frequency / last_14d_frequency","value":1.2,"operator":"GREATER_THAN"}`, `"exact":true`}, not: []string{"divides by zero"}},
	{name: "name contains: case is undocumented", rule: `{"id": "r", "level": "adset", "filter": {"name_contains": "Sale"}, "conditions": {"metric": "spend", "window": "last_3d", "op": ">", "value": 1}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"name","value":"Sale","operator":"CONTAIN"}`, "case-insensitively", `"exact":false`}},
	{name: "name contains without letters is exact", rule: `{"id": "r", "level": "adset", "filter": {"name_contains": "2026"}, "conditions": {"metric": "spend", "window": "last_3d", "op": ">", "value": 1}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"name","value":"2026","operator":"CONTAIN"}`, `"exact":true`}},
	{name: "min data without conversions says nothing of results", rule: `{"id": "r", "level": "adset", "conditions": {"min_data": {"window": "last_3d", "impressions": 1000}}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"impressions","value":999,"operator":"GREATER_THAN"}`}, not: []string{"results"}},
	{name: "previous week as LAST_ND_14_8", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "frequency", "window": "last_7d", "op": ">", "than": {"metric": "frequency", "window": "previous_7d", "factor": 1.2}}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`"field":"frequency / last_nd_14_8_frequency"`}},
	{name: "under-delivery in full", rule: `{"id": "r", "level": "adset", "conditions": {"all": [
			{"metric": "spend", "window": "yesterday", "op": "<", "than": {"field": "daily_budget", "factor": 0.5}},
			{"metric": "spend", "window": "last_3d", "op": "<", "than": {"field": "daily_budget", "factor": 1.5}}]}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`"field":"spent / daily_budget","value":0.5,"operator":"LESS_THAN"`, `"field":"last_3d_spent / daily_budget","value":1.5`, `"exact":true`}},
	{name: "purchase ROAS", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "roas", "window": "last_7d", "op": "<", "value": 2.5}, "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"learning": "allow"}}`,
		opts: []ExportOption{ExportConversion(MetaWebsitePurchases)}, exported: true, want: []string{`{"field":"website_purchase_roas","value":2.5,"operator":"LESS_THAN"}`}},
	{name: "app purchase ROAS", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "roas", "window": "last_7d", "op": "<", "value": 2.5}, "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"learning": "allow"}}`,
		opts: []ExportOption{ExportConversion(MetaAppPurchases)}, exported: true, want: []string{`{"field":"mobile_app_purchase_roas","value":2.5,"operator":"LESS_THAN"}`}},
	{name: "ROAS needs purchases", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "roas", "window": "last_7d", "op": "<", "value": 2.5}, "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"learning": "allow"}}`,
		want: []string{"ROAS only for purchases"}},
	{name: "website purchases count and cost", rule: `{"id": "r", "level": "adset", "conditions": {"all": [{"min_data": {"window": "last_7d", "conversions": 5}}, {"metric": "cpa", "window": "last_7d", "op": ">", "value": 3000}]}, "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"learning": "allow"}}`,
		opts: []ExportOption{ExportConversion(MetaWebsitePurchases)}, exported: true,
		want: []string{`{"field":"offsite_conversion.fb_pixel_purchase","value":4,"operator":"GREATER_THAN"}`, `{"field":"cost_per_purchase_fb","value":3000`}, not: []string{"results"}},
	{name: "or group", rule: `{"id": "r", "level": "adset", "conditions": {"any": [{"metric": "spend", "window": "last_3d", "op": ">", "value": 1}, {"metric": "spend", "window": "last_7d", "op": ">", "value": 1}]}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"AND-only"}},
	{name: "one-condition any", rule: `{"id": "r", "level": "adset", "conditions": {"any": [{"metric": "spend", "window": "last_3d", "op": ">", "value": 1}]}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"spent","value":1,"operator":"GREATER_THAN"}`}},
	{name: "negated comparison reverses the operator", rule: `{"id": "r", "level": "adset", "conditions": {"not": {"metric": "impressions", "window": "last_3d", "op": ">", "value": 1000}}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"impressions","value":1001,"operator":"LESS_THAN"}`}},
	{name: "negated group", rule: `{"id": "r", "level": "adset", "conditions": {"not": {"all": [{"metric": "spend", "window": "last_3d", "op": ">", "value": 1}]}}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"cannot negate"}},
	{name: "statistical gate", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "cpa", "window": "last_3d", "op": ">", "value": 1, "confidence": 0.9}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"statistical evidence"}},
	{name: "hours and weekdays as a CUSTOM schedule", rule: `{"id": "r", "level": "adset", "conditions": {"all": [{"hours": {"from": 22, "to": 6}}, {"weekdays": ["sat", "sun"]}, {"metric": "spend", "window": "today", "op": ">", "value": 1}]}, "action": {"type": "pause"}}`,
		exported: true, want: []string{`"schedule_type":"CUSTOM","schedule":[{"start_minute":1320,"end_minute":1410,"days":[0,6]},{"start_minute":0,"end_minute":330,"days":[0,6]}]`}},
	{name: "weekday on a daily rule runs at midnight of those days", rule: `{"id": "r", "level": "adset", "conditions": {"all": [{"not": {"weekdays": ["sat", "sun"]}}, {"metric": "spend", "window": "last_7d", "op": ">", "value": 1}]}, "action": {"type": "pause"}}`,
		exported: true, want: []string{`"schedule":[{"start_minute":0,"days":[1,2,3,4,5]}]`}},
	{name: "hours inside a group", rule: `{"id": "r", "level": "adset", "conditions": {"any": [{"hours": {"from": 1, "to": 5}}, {"metric": "spend", "window": "today", "op": ">", "value": 1}]}, "action": {"type": "pause"}}`,
		want: []string{"AND-only"}},
	{name: "hours that exclude everything", rule: `{"id": "r", "level": "adset", "conditions": {"all": [{"hours": {"from": 1, "to": 5}}, {"hours": {"from": 6, "to": 8}}]}, "action": {"type": "pause"}}`,
		want: []string{"could never run"}},
	{name: "set budget", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 1}, "action": {"type": "set_budget", "amount": 500}}`,
		want: []string{"not to a value"}},
	{name: "weekly cap", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 1}, "action": {"type": "scale_budget", "percent": 10}, "safeguards": {"max_week_percent": 50}}`,
		want: []string{"drop a safeguard"}},
	{name: "learning skip dropped", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 1}, "action": {"type": "scale_budget", "percent": -10}}`,
		want: []string{`"path":"rules[0].safeguards.learning","reason":"Meta's rules cannot skip entities in the learning phase`}},
	{name: "message dropped", rule: `{"id": "r", "level": "ad", "conditions": {"metric": "ctr", "window": "last_3d", "op": "<", "value": 0.01}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`rules[0].action.message: Meta's rules send their own notification text; the message is dropped`}},
	{name: "half-hourly notification keeps no cooldown", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 100}, "action": {"type": "notify", "message": "m"}, "safeguards": {"cooldown": "20h"}}`,
		want: []string{`"path":"rules[0].safeguards.cooldown"`, "every 30 minutes"}},
	{name: "half-hourly notification without cooldown", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 100}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, not: []string{`"field":"action_frequency"`, "safeguards.cooldown"}},
	{name: "daily notification loses its weekly cooldown", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "frequency", "window": "last_7d", "op": ">", "value": 3}, "action": {"type": "notify", "message": "m"}, "safeguards": {"cooldown": "7d"}}`,
		exported: true, want: []string{"the cooldown of 168h is dropped: Meta notifies at every daily run"}, not: []string{`"field":"action_frequency"`}},
	{name: "daily notification with a day's cooldown loses nothing", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "frequency", "window": "last_7d", "op": ">", "value": 3}, "action": {"type": "notify", "message": "m"}, "safeguards": {"cooldown": "24h"}}`,
		exported: true, not: []string{"safeguards.cooldown", `"field":"action_frequency"`}},
	{name: "recipients", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "frequency", "window": "last_7d", "op": ">", "value": 3}, "action": {"type": "notify", "message": "m"}}`,
		opts: []ExportOption{ExportNotify("1001", "1002")}, exported: true, want: []string{`{"field":"user_ids","value":["1001","1002"],"operator":"EQUAL"}`}, not: []string{"warnings"}},
	{name: "no recipients warns", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "frequency", "window": "last_7d", "op": ">", "value": 3}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`"warnings":["rules[0].action: no recipients (user_ids)`}, not: []string{"user_ids\","}},
	{name: "budget equality as a range", rule: `{"id": "r", "level": "adset", "conditions": {"field": "daily_budget", "op": "==", "value": 5000}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"daily_budget","value":[4999.5,5000.5],"operator":"IN_RANGE"}`}, not: []string{`"operator":"EQUAL"}],`}},
	{name: "count inequality as a range", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "conversions", "window": "last_7d", "op": "!=", "value": 0}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"results","value":[-0.5,0.5],"operator":"NOT_IN_RANGE"}`}},
	{name: "fractional inequality", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "frequency", "window": "last_7d", "op": "!=", "value": 2}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"no not-equal operator"}},
	{name: "age equality", rule: `{"id": "r", "level": "adset", "conditions": {"field": "age_hours", "op": "==", "value": 72}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"hours_since_creation"}},
	{name: "age at least", rule: `{"id": "r", "level": "adset", "conditions": {"field": "age_hours", "op": ">=", "value": 48}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`{"field":"hours_since_creation","value":47,"operator":"GREATER_THAN"}`, `"exact":true`}},
	{name: "fractional at least is approximate", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "frequency", "window": "last_7d", "op": ">=", "value": 2.5}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`"exact":false`, "only strict comparisons"}},
	{name: "single days as differences of presets", rule: `{"id": "r", "level": "adset", "conditions": {"all": [
			{"metric": "spend", "window": "day_2", "op": "<", "than": {"field": "daily_budget", "factor": 0.5}},
			{"metric": "impressions", "window": "day_3", "op": ">", "value": 100},
			{"min_data": {"window": "day_7", "clicks": 10}}]}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`"field":"spent / daily_budget - yesterday_spent / daily_budget","value":0.5,"operator":"LESS_THAN"`,
			`"field":"last_3d_impressions - impressions","value":100`,
			`"field":"last_7d_clicks - last_7_days_clicks + today_clicks","value":9`, `"value":"LAST_2D"`, `"exact":true`}},
	{name: "single day 4 is no difference", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "day_4", "op": ">", "value": 1}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{`no difference of its presets is that single day`}},
	{name: "ratio over a single day", rule: `{"id": "r", "level": "adset", "conditions": {"metric": "ctr", "window": "day_2", "op": "<", "value": 0.01}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{`ratio over one day`}},
	{name: "conversion event on a pause rule without a filter", doc: `"conversion_event": "omni_purchase",`, rule: `{"id": "r", "level": "adset", "conditions": {"all": [
			{"metric": "spend", "window": "last_7d", "op": ">", "value": 9000}, {"metric": "conversions", "window": "last_7d", "op": "==", "value": 0}]}, "action": {"type": "pause"}}`,
		want: []string{`"path":"rules[0].filter"`, "cannot read an ad set's conversion event"}},
	{name: "conversion event on a filtered pause rule", doc: `"conversion_event": "omni_purchase",`, rule: `{"id": "r", "level": "adset", "filter": {"objective": ["OUTCOME_SALES"]}, "conditions": {"all": [
			{"metric": "spend", "window": "last_7d", "op": ">", "value": 9000}, {"metric": "conversions", "window": "last_7d", "op": "==", "value": 0}]}, "action": {"type": "pause"}}`,
		exported: true, want: []string{`"exact":false`, `campaign.objective`}},
	{name: "pixel purchase event picks website purchases", doc: `"conversion_event": "offsite_conversion.fb_pixel_purchase", "currency": "USD",`, rule: `{"id": "r", "level": "adset", "conditions": {"metric": "roas", "window": "last_7d", "op": "<", "value": 2}, "action": {"type": "notify", "message": "m"}}`,
		exported: true, want: []string{`"currency":"USD"`, `"field":"website_purchase_roas"`}},
	{name: "launch window", rule: `{"id": "r", "level": "ad", "conditions": {"metric": "ctr", "window": "launch_7d", "op": "<", "value": 0.01}, "action": {"type": "notify", "message": "m"}}`,
		want: []string{"no time preset", "launch_7d"}},
}

func exportOne(t *testing.T, doc, rule string, opts ...ExportOption) *MetaExport {
	t.Helper()
	set, err := CompileJSON([]byte(`{` + doc + `"rules": [` + rule + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := set.ExportMeta(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func TestExportMetaCases(t *testing.T) {
	for _, c := range exportCases {
		t.Run(c.name, func(t *testing.T) {
			exp := exportOne(t, c.doc, c.rule, c.opts...)
			if got := len(exp.Rules) == 1; got != c.exported {
				t.Fatalf("exported = %v; want %v (%+v)", got, c.exported, exp)
			}
			js, _ := json.Marshal(exp)
			for _, w := range c.want {
				if !strings.Contains(string(js), w) {
					t.Errorf("export lacks %s:\n%s", w, js)
				}
			}
			for _, n := range c.not {
				if strings.Contains(string(js), n) {
					t.Errorf("export has %s:\n%s", n, js)
				}
			}
			if c.exported {
				checkAccepted(t, exp.Rules[0])
				form, err := exp.Rules[0].Meta.Form()
				if err != nil || form.Get("evaluation_spec") == "" || form.Get("execution_spec") == "" || form.Get("schedule_spec") == "" {
					t.Errorf("form %v, %v", form, err)
				}
			}
		})
	}
}

// checkAccepted checks an exported rule against each of Meta's refusals
// the issue lists (reference §8.1); metaadstest refuses each of these
// forms, and the round trip in rules/metaactuator creates every exported
// rule there.
func checkAccepted(t *testing.T, r ExportedRule) {
	t.Helper()
	m := r.Meta
	typ := m.ExecutionSpec.ExecutionType
	budgetOrBid := typ == "CHANGE_BUDGET" || typ == "CHANGE_CAMPAIGN_BUDGET" || typ == "CHANGE_BID"
	for _, o := range m.ExecutionSpec.ExecutionOptions {
		if (o.Field == "action_frequency" || o.Field == "execution_count_limit") && !budgetOrBid {
			t.Errorf("%s: %s on %s", r.RuleID, o.Field, typ)
		}
	}
	entity := ""
	for _, f := range m.EvaluationSpec.Filters {
		if f.Field == "entity_type" {
			entity = f.Value.(string)
		}
	}
	costRE := regexp.MustCompile(`(^|[ ._])(cpc|cpm|cpp|cpa|cost_per\w*)($| )`)
	for _, f := range m.EvaluationSpec.Filters {
		if strings.Contains(f.Field, "ratio_spent") && entity == "CAMPAIGN" {
			t.Errorf("%s: %s on campaigns", r.RuleID, f.Field)
		}
		for _, b := range []string{"daily_budget", "lifetime_budget", "bid_amount"} {
			if strings.Contains(f.Field, b) && entity != "ADSET" {
				t.Errorf("%s: %s on %s", r.RuleID, b, entity)
			}
			if f.Field == b && f.Operator == "EQUAL" {
				t.Errorf("%s: EQUAL on %s", r.RuleID, b)
			}
		}
		if f.Field == "hours_since_creation" && f.Operator == "EQUAL" {
			t.Errorf("%s: EQUAL on hours_since_creation", r.RuleID)
		}
		if costRE.MatchString(f.Field) && entity != "CAMPAIGN" && !budgetOrBid {
			t.Errorf("%s: cost condition %s on an %s %s rule", r.RuleID, f.Field, entity, typ)
		}
		if !slices.Contains([]string{"GREATER_THAN", "LESS_THAN", "EQUAL", "IN_RANGE", "NOT_IN_RANGE", "IN", "NOT_IN", "CONTAIN"}, f.Operator) {
			t.Errorf("%s: operator %s", r.RuleID, f.Operator)
		}
	}
	// Numbers are plain decimals: no float noise from scaling.
	js, _ := json.Marshal(m)
	if noise := regexp.MustCompile(`\d\.\d*(0000|9999)\d`).Find(js); noise != nil {
		t.Errorf("%s: number %s is not a plain decimal", r.RuleID, noise)
	}
}

// The default library, with every option, never exports a form Meta
// refuses.
func TestExportLibraryAccepted(t *testing.T) {
	for _, p := range []Params{fixtureParams(), {TargetROAS: 3, AudienceType: "retargeting"}, {TargetCPA: 2500, GrossMargin: 0.3, HardDailyCap: 1500}} {
		spec, err := DefaultLibrary(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range spec.Rules {
			spec.Rules[i].Safeguards.Learning = "allow" // export more of them
			spec.Rules[i].Safeguards.MaxWeekPercent = nil
		}
		set, err := Compile(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, opts := range [][]ExportOption{nil, {ExportConversion(MetaWebsitePurchases), ExportNotify("7")}, {ExportConversion(MetaAppPurchases)}} {
			exp, err := set.ExportMeta(opts...)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range exp.Rules {
				checkAccepted(t, r)
			}
		}
	}
}

func TestExportOptions(t *testing.T) {
	set := oneRule(t, `{"metric": "spend", "window": "today", "op": ">", "value": 1}`, `{"type": "pause"}`, "")
	for name, o := range map[string]ExportOption{
		"no ids":     ExportNotify(),
		"not digits": ExportNotify("dana"),
		"conversion": ExportConversion(MetaConversion(9)),
		"nil":        nil,
	} {
		if _, err := set.ExportMeta(o); err == nil || !strings.Contains(err.Error(), "rules: ") {
			t.Errorf("%s: err = %v; want an option error", name, err)
		}
	}
}

func TestPercentDecimal(t *testing.T) {
	for v, want := range map[float64]string{0.07: "7", 0.0123: "1.23", 1: "100", 0.5: "50", 0.001: "0.1", 0: "0", -0.025: "-2.5", 12.5: "1250", 1e-7: "0.00001"} {
		if got := percent(v); string(got) != want {
			t.Errorf("percent(%v) = %s; want %s", v, got, want)
		}
	}
}

// The guard that makes Meta skip ad sets without a budget (the engine
// reads their budget as undefined) is written once however many
// conditions read the budget.
func TestExportBudgetGuardOnce(t *testing.T) {
	exp := exportOne(t, "", `{"id": "r", "level": "adset", "conditions": {"all": [
		{"metric": "spend", "window": "yesterday", "op": "<", "than": {"field": "daily_budget", "factor": 0.5}},
		{"metric": "spend", "window": "day_2", "op": "<", "than": {"field": "daily_budget", "factor": 0.5}},
		{"field": "daily_budget", "op": ">", "value": 500}]},
		"action": {"type": "notify", "message": "m"}}`)
	if len(exp.Rules) != 1 {
		t.Fatalf("not exported: %+v", exp.Unsupported)
	}
	n := 0
	for _, f := range exp.Rules[0].Meta.EvaluationSpec.Filters {
		if f.Field == "daily_budget" && f.Operator == "GREATER_THAN" && f.Value == json.Number("0") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d daily_budget > 0 guards, want 1: %+v", n, exp.Rules[0].Meta.EvaluationSpec.Filters)
	}
}
