package rules

import (
	"encoding/json"
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

func TestExportMetaCases(t *testing.T) {
	cases := []struct {
		name, rule string
		exported   bool
		want       string // in the JSON of the exported rule or of the issues
	}{
		{"stop-loss as spend and count", `{"id": "r", "level": "adset", "live": true, "conditions": {"all": [
			{"metric": "spend", "window": "last_7d", "op": ">=", "value": 9000},
			{"metric": "conversions", "window": "last_7d", "op": "==", "value": 0}]},
			"action": {"type": "pause"}, "safeguards": {"cooldown": "1d", "max_executions": 1}}`,
			true, `{"field":"spent","value":8999,"operator":"GREATER_THAN"}`},
		{"ctr in percent", `{"id": "r", "level": "ad", "conditions": {"metric": "ctr", "window": "last_3d", "op": "<", "value": 0.01}, "action": {"type": "notify", "message": "m"}}`,
			true, `{"field":"ctr","value":1,"operator":"LESS_THAN"}`},
		{"daily ratio spent", `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "than": {"field": "daily_budget", "factor": 1.75}}, "action": {"type": "notify", "message": "m"}}`,
			true, `{"field":"daily_ratio_spent","value":1.75,"operator":"GREATER_THAN"}`},
		{"budget change with limit", `{"id": "r", "level": "campaign", "conditions": {"metric": "cpa", "window": "last_7d", "op": "<", "value": 2000}, "action": {"type": "scale_budget", "percent": 10}, "safeguards": {"max_budget": 90000, "learning": "allow"}}`,
			true, `"execution_type":"CHANGE_CAMPAIGN_BUDGET","execution_options":[{"field":"change_spec","value":{"amount":10,"limit":90000,"unit":"PERCENTAGE"}`},
		{"pause on cost", `{"id": "r", "level": "ad", "conditions": {"metric": "cpa", "window": "last_7d", "op": ">", "value": 5000}, "action": {"type": "pause"}}`,
			false, "error 2703"},
		{"two windows", `{"id": "r", "level": "adset", "conditions": {"all": [{"metric": "cpa", "window": "last_3d", "op": ">", "value": 1}, {"metric": "cpa", "window": "last_7d", "op": ">", "value": 1}]}, "action": {"type": "notify", "message": "m"}}`,
			false, "one time window"},
		{"or group", `{"id": "r", "level": "adset", "conditions": {"any": [{"metric": "cpa", "window": "last_3d", "op": ">", "value": 1}]}, "action": {"type": "notify", "message": "m"}}`,
			false, "AND-only"},
		{"metric vs metric", `{"id": "r", "level": "adset", "conditions": {"metric": "cpa", "window": "last_3d", "op": ">", "than": {"metric": "cpa", "window": "last_3d", "factor": 1.3}}, "action": {"type": "notify", "message": "m"}}`,
			false, "cannot compare"},
		{"statistical gate", `{"id": "r", "level": "adset", "conditions": {"metric": "cpa", "window": "last_3d", "op": ">", "value": 1, "confidence": 0.9}, "action": {"type": "notify", "message": "m"}}`,
			false, "statistical evidence"},
		{"hours", `{"id": "r", "level": "adset", "conditions": {"hours": {"from": 1, "to": 5}}, "action": {"type": "pause"}}`,
			false, "hour-of-day"},
		{"set budget", `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 1}, "action": {"type": "set_budget", "amount": 500}}`,
			false, "not to a value"},
		{"weekly cap", `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 1}, "action": {"type": "scale_budget", "percent": 10}, "safeguards": {"max_week_percent": 50}}`,
			false, "drop a safeguard"},
		{"learning skip dropped", `{"id": "r", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 1}, "action": {"type": "scale_budget", "percent": -10}}`,
			false, `"path":"rules[0].safeguards.learning","reason":"Meta's rules cannot skip entities in the learning phase`},
		{"message dropped", `{"id": "r", "level": "ad", "conditions": {"metric": "ctr", "window": "last_3d", "op": "<", "value": 0.01}, "action": {"type": "notify", "message": "m"}}`,
			true, `rules[0].action.message: Meta's rules send their own notification text; the message is dropped`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set, err := CompileJSON([]byte(`{"rules": [` + c.rule + `]}`))
			if err != nil {
				t.Fatal(err)
			}
			exp, _ := set.ExportMeta()
			if got := len(exp.Rules) == 1; got != c.exported {
				t.Fatalf("exported = %v; want %v (%+v)", got, c.exported, exp)
			}
			js, _ := json.Marshal(exp)
			if !strings.Contains(string(js), c.want) {
				t.Errorf("export lacks %s:\n%s", c.want, js)
			}
			if c.exported {
				form, err := exp.Rules[0].Meta.Form()
				if err != nil || form.Get("evaluation_spec") == "" || form.Get("execution_spec") == "" {
					t.Errorf("form %v, %v", form, err)
				}
			}
		})
	}
}
