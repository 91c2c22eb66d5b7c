package rules

import (
	"errors"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/metrics"
)

func TestCompileReportsEveryProblemWithPath(t *testing.T) {
	doc := `{"rules": [
	  {"id": "ok", "level": "adset", "conditions": {"metric": "spend", "window": "last_7d", "op": ">", "value": 100}, "action": {"type": "pause"}},
	  {"id": "bad", "level": "adgroup", "conditions": {"all": [
	      {"metric": "cpa", "window": "last_7d", "op": ">", "value": 10},
	      {"metric": "cpx", "window": "last_7d", "op": ">", "value": 1},
	      {"metric": "ctr", "window": "last_8d", "op": "~", "value": 2.5}
	  ]}, "action": {"type": "scale_budget", "percent": 30},
	  "safeguards": {"min_budget": 5000, "max_budget": 1000, "max_step_percent": 20}},
	  {"id": "ok", "level": "ad", "conditions": {"metric": "ctr", "window": "today", "op": "<", "value": 0.01}, "action": {"type": "notify"}}
	]}`
	_, err := CompileJSON([]byte(doc))
	if !errors.Is(err, ErrInvalidSpec) {
		t.Fatalf("err = %v; want ErrInvalidSpec", err)
	}
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("err %T is not a *CompileError", err)
	}
	want := []string{
		`rules[1].level: unknown level "adgroup"`,
		`rules[1].conditions.all[1].metric: unknown metric "cpx"; expected one of "impressions"`,
		`rules[1].conditions.all[2].window: unknown window "last_8d"`,
		`rules[1].conditions.all[2].op: unknown operator "~"`,
		`rules[1].safeguards: min_budget 5000 is above max_budget 1000`,
		`rules[1].safeguards.max_step_percent: the action changes by 30%`,
		`rules[2].id: duplicate rule id "ok"`,
		`rules[2].action.message: missing`,
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q\nfull error:\n%s", w, msg)
		}
	}
	if len(ce.Problems) < len(want) {
		t.Errorf("%d problems; want at least %d", len(ce.Problems), len(want))
	}
}

func TestCompileProblems(t *testing.T) {
	rule := func(cond, action, guards string) string {
		if action == "" {
			action = `{"type": "pause"}`
		}
		if guards == "" {
			guards = "{}"
		}
		return `{"rules": [{"id": "r", "level": "adset", "conditions": ` + cond + `, "action": ` + action + `, "safeguards": ` + guards + `}]}`
	}
	ok := `{"metric": "spend", "window": "last_7d", "op": ">", "value": 1}`
	cases := []struct{ doc, want string }{
		{`{"rules": []}`, `rules: no rules`},
		{`{"": 1}`, `$[""]: unknown key ""`},
		{`{"rules": [{"id": "r", "level": "adset", "conditions": {"metric": 5}}]}`, `rules[0].conditions.metric: got the number 5; expected a string`},
		{`{"rules": [{"id": "bad id!", "level": "adset", "conditions": ` + ok + `, "action": {"type": "pause"}}]}`, `rules[0].id: invalid id`},
		{`{"rules": [{"level": "adset", "conditions": ` + ok + `, "action": {"type": "pause"}}]}`, `rules[0].id: missing`},
		{`{"rules": [{"id": "r", "conditions": ` + ok + `, "action": {"type": "pause"}}]}`, `rules[0].level: missing`},
		{`{"rules": [{"id": "r", "level": "adset", "action": {"type": "pause"}}]}`, `rules[0].conditions: missing`},
		{`{"rules": [{"id": "r", "level": "adset", "class": "urgent", "conditions": ` + ok + `, "action": {"type": "pause"}}]}`, `rules[0].class: unknown class "urgent"`},
		{`{"rules": [{"id": "r", "level": "adset", "class": "notify", "conditions": ` + ok + `, "action": {"type": "pause"}}]}`, `rules[0].class: class "notify" contradicts action "pause"`},
		{`{"rules": [{"id": "r", "level": "adset", "filter": {"name_matches": "("}, "conditions": ` + ok + `, "action": {"type": "pause"}}]}`, `rules[0].filter.name_matches: invalid regular expression`},
		{`{"rules": [{"id": "r", "level": "adset", "filter": {"learning_stage": ["DONE"]}, "conditions": ` + ok + `, "action": {"type": "pause"}}]}`, `rules[0].filter.learning_stage[0]: unknown learning stage "DONE"`},
		{`{"rules": [{"id": "r", "level": "adset", "filter": {"ids": ["1"], "exclude_ids": ["1"]}, "conditions": ` + ok + `, "action": {"type": "pause"}}]}`, `rules[0].filter.exclude_ids: id "1" is both included and excluded`},
		{rule(`{}`, "", ""), `rules[0].conditions: empty condition`},
		{rule(`{"all": [], "any": []}`, "", ""), `condition sets all and any together`},
		{rule(`{"all": []}`, "", ""), `rules[0].conditions.all: empty group`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": ">"}`, "", ""), `comparison has no right-hand side`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": ">", "value": 1, "range": [1, 2]}`, "", ""), `more than one of "value", "range" and "than"`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": ">", "range": [1, 2]}`, "", ""), `range needs operator "between" or "outside"`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": "between", "range": [3, 2]}`, "", ""), `lo 3 is above hi 2`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": "between", "value": 3}`, "", ""), `operator "between" needs "range"`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": ">", "than": {"metric": "ctr", "window": "last_7d"}}`, "", ""), `compares spend over last_7d (money) with ctr over last_7d (a fraction)`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": ">", "than": {"field": "daily_budget", "factor": -2}}`, "", ""), `than.factor: factor -2`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": ">", "value": 12.5}`, "", ""), `12.5 is not an amount in minor units`},
		{rule(`{"metric": "conversions", "window": "last_7d", "op": ">", "value": 1.5}`, "", ""), `1.5 is not a count`},
		{rule(`{"metric": "ctr", "window": "last_7d", "op": ">", "value": 2}`, "", ""), `2 is not a fraction`},
		{rule(`{"metric": "cpa", "window": "last_7d", "op": ">", "value": 1, "confidence": 1.5}`, "", ""), `confidence 1.5; expected a probability`},
		{rule(`{"metric": "spend", "window": "last_7d", "op": ">", "value": 1, "confidence": 0.9}`, "", ""), `no interval for spend over last_7d`},
		{rule(`{"field": "daily_budget", "window": "last_7d", "op": ">", "value": 1}`, "", ""), `field "daily_budget" has no window`},
		{rule(`{"field": "budget_left", "op": ">", "value": 1}`, "", ""), `unknown field "budget_left"`},
		{rule(`{"metric": "spend", "field": "budget", "op": ">", "value": 1}`, "", ""), `sets both metric "spend" and field "budget"`},
		{rule(`{"hours": {"from": 25, "to": 25}}`, "", ""), `hours.from: hour 25 out of range`},
		{rule(`{"weekdays": ["mon", "funday"]}`, "", ""), `weekdays[1]: unknown day "funday"`},
		{rule(`{"min_data": {}}`, "", ""), `min_data: no minimum set`},
		{rule(`{"min_data": {"spend": 5}}`, "", ""), `min_data.window: missing window`},
		{rule(`{"min_data": {"window": "last_7d", "spend": -5}}`, "", ""), `min_data.spend: -5 is negative`},
		{rule(`{"recent_action": {"rules": ["nope"], "actions": ["explode"], "within": "soon"}}`, "", ""), `recent_action.within: invalid duration "soon"`},
		{rule(`{"recent_action": {"rules": ["nope"], "within": "1h"}}`, "", ""), `recent_action.rules[0]: unknown rule id "nope"`},
		{rule(`{"recent_action": {"actions": ["explode"], "within": "1h"}}`, "", ""), `recent_action.actions[0]: unknown action type "explode"`},
		{rule(ok, `{"type": "explode"}`, ""), `action.type: unknown action type "explode"`},
		{rule(ok, `{}`, ""), `action.type: missing`},
		{rule(ok, `{"type": "pause", "percent": 5}`, ""), `action.percent: action "pause" takes no percent`},
		{rule(ok, `{"type": "scale_budget"}`, ""), `scale_budget needs a percent`},
		{rule(ok, `{"type": "scale_budget", "percent": -100}`, ""), `percent -100; expected a non-zero change above -100`},
		{rule(ok, `{"type": "set_budget"}`, ""), `set_budget needs an amount`},
		{rule(ok, `{"type": "change_bid"}`, ""), `change_bid needs a percent or an amount`},
		{rule(ok, `{"type": "change_bid", "percent": 5, "amount": 5}`, ""), `change_bid sets both percent and amount`},
		{rule(ok, `{"type": "notify", "message": "{{.Nope}}"}`, ""), `action.message: invalid template: unsupported placeholder "{{.Nope}}"`},
		{rule(ok, "", `{"cooldown": "-1h"}`), `safeguards.cooldown: negative duration`},
		{rule(ok, "", `{"max_executions": -1}`), `max_executions: -1 is negative`},
		{rule(ok, "", `{"execution_window": "7d"}`), `execution_window: set without max_executions`},
		{rule(ok, "", `{"min_budget": 100}`), `min_budget applies to budget actions, not "pause"`},
		{rule(ok, "", `{"max_step_percent": 10}`), `max_step_percent applies to budget and bid actions`},
		{rule(ok, "", `{"learning": "maybe"}`), `safeguards.learning: unknown value "maybe"`},
		{rule(ok, `{"type": "set_budget", "amount": 500}`, `{"min_budget": 1000}`), `set_budget amount 500 is below the floor 1000`},
		{rule(ok, `{"type": "set_budget", "amount": 5000}`, `{"max_budget": 1000}`), `set_budget amount 5000 is above the ceiling 1000`},
		{rule(ok, `{"type": "scale_budget", "percent": 10}`, `{"max_step_percent": 20, "max_week_percent": 10}`), `max_week_percent: 10 is below max_step_percent 20`},
		{rule(ok, `{"type": "scale_budget", "percent": -10}`, `{"max_week_percent": 50}`), `the weekly cap bounds increases`},
		{`{"rules": [{"id": "r", "level": "ad", "conditions": ` + ok + `, "action": {"type": "scale_budget", "percent": 5}}]}`, `ads have no budget`},
		{`{"rules": [{"id": "r", "level": "campaign", "conditions": ` + ok + `, "action": {"type": "change_bid", "percent": 5}}]}`, `bids are set on ad sets`},
	}
	for _, c := range cases {
		_, err := CompileJSON([]byte(c.doc))
		if err == nil {
			t.Errorf("%s: compiled; want %q", c.doc, c.want)
			continue
		}
		if !errors.Is(err, ErrInvalidSpec) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %q", c.doc, err, c.want)
		}
	}
}

// The example of doc.go compiles.
func TestDocExampleCompiles(t *testing.T) {
	doc := `{"rules": [{
	  "id": "cpa-bleeder", "level": "adset", "live": false,
	  "filter": {"objective": ["OUTCOME_SALES"], "name_contains": "prospecting"},
	  "conditions": {"all": [
	    {"min_data": {"window": "last_7d", "conversions": 10}},
	    {"metric": "cpa", "window": "last_7d", "op": ">=", "value": 4500},
	    {"metric": "cpa", "window": "last_7d", "op": ">", "value": 3000, "confidence": 0.9}
	  ]},
	  "action": {"type": "scale_budget", "percent": -20},
	  "safeguards": {"cooldown": "72h", "max_executions": 2, "execution_window": "7d", "min_budget": 1000}
	}]}`
	set, err := CompileJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if r := set.Rules()[0]; r.Class() != ClassProtect || r.Live() || r.Level() != metrics.LevelAdSet {
		t.Errorf("rule %s: class %s, live %v, level %s", r.ID(), r.Class(), r.Live(), r.Level())
	}
}
