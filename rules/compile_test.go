package rules

import (
	"errors"
	"strings"
	"testing"
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
