package rules_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// A rule as JSON: cut the budget of an ad set whose 3-day CPA is 30% above
// its 14-day CPA, once it has enough conversions.
const cpaDrift = `{"rules": [{
  "id": "cpa-drift", "level": "adset", "live": true,
  "conditions": {"all": [
    {"min_data": {"window": "last_3d", "conversions": 5}},
    {"label": "CPA drifting up", "metric": "cpa", "window": "last_3d", "op": ">",
     "than": {"metric": "cpa", "window": "last_14d", "factor": 1.3}}
  ]},
  "action": {"type": "scale_budget", "percent": -20},
  "safeguards": {"cooldown": "72h", "min_budget": 2000}
}]}`

func exampleSnapshot() *rules.Snapshot {
	return &rules.Snapshot{
		Now:      time.Date(2026, 3, 11, 9, 0, 0, 0, time.UTC),
		Currency: "USD",
		Entities: []rules.Entity{{
			ID: "6001", Name: "Prospecting US", Level: metrics.LevelAdSet, Account: "act_1",
			Status: "ACTIVE", DailyBudget: 10000, LearningStage: rules.LearningStageSuccess,
			Stats: []rules.WindowCounts{
				{Window: rules.WindowLast3D, Counts: metrics.Counts{Spend: 30000, Conversions: 6}},
				{Window: rules.WindowLast14D, Counts: metrics.Counts{Spend: 120000, Conversions: 40}},
			},
		}},
	}
}

func Example() {
	set, err := rules.CompileJSON([]byte(cpaDrift))
	if err != nil {
		fmt.Println(err)
		return
	}
	ev, err := set.Evaluate(exampleSnapshot())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range ev.Decisions {
		fmt.Println(d.Summary())
		for _, e := range d.Evidence[1:] {
			fmt.Printf("  [%s] %s\n", e.Result, e.Text)
		}
	}
	// Output:
	// cpa-drift: set daily budget 10000 -> 8000 (-20.0%) of adset "Prospecting US" (6001): allowed
	//   [met] minimum data: conversions 6 (needs 5) over the last 3 complete days
	//   [met] CPA drifting up: cpa over the last 3 complete days is 50.00 USD; needs above 1.3 x cpa over the last 14 complete days (30.00 USD) = 39.00 USD
}

func ExampleCompile() {
	_, err := rules.CompileJSON([]byte(`{"rules": [{
	  "id": "typos", "level": "adset",
	  "conditions": {"all": [
	    {"metric": "cpx", "window": "last_7d", "op": ">", "value": 100},
	    {"metric": "ctr", "window": "last_7d", "op": "<", "value": 1.5},
	    {"metric": "spend", "op": ">", "value": 100}
	  ]},
	  "action": {"type": "scale_budget", "percent": 50},
	  "safeguards": {"max_step_percent": 20, "min_budget": 5000, "max_budget": 1000}
	}]}`))
	var ce *rules.CompileError
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Println(p.Path)
		}
	}
	fmt.Println(errors.Is(err, rules.ErrInvalidSpec))
	// Output:
	// rules[0].conditions.all[0].metric
	// rules[0].conditions.all[1].value
	// rules[0].conditions.all[2].window
	// rules[0].safeguards
	// rules[0].safeguards.max_step_percent
	// true
}

func ExampleExecutor() {
	set, _ := rules.CompileJSON([]byte(cpaDrift))
	ev, _ := set.Evaluate(exampleSnapshot())

	calls := 0
	act := rules.ActuatorFunc(func(_ context.Context, c rules.Change) error {
		calls++
		if calls == 1 {
			return errors.New("network down") // the first attempt fails
		}
		fmt.Printf("set %s budget of %s to %d\n", c.Budget, c.EntityID, c.To)
		return nil
	})
	x, _ := rules.NewExecutor(act)
	ctx := context.Background()
	_, err := x.Execute(ctx, ev)
	fmt.Println("first run:", err != nil)
	_, err = x.Execute(ctx, ev) // retry: applies what failed
	fmt.Println("retry:", err)
	_, err = x.Execute(ctx, ev) // nothing left to apply
	fmt.Println("again:", err, "calls:", calls)
	// Output:
	// first run: true
	// set daily budget of 6001 to 8000
	// retry: <nil>
	// again: <nil> calls: 2
}

func ExampleDefaultLibrary() {
	spec, err := rules.DefaultLibrary(rules.Params{TargetCPA: 3000, GrossMargin: 0.4})
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := rules.Compile(spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range set.Rules()[:6] {
		fmt.Printf("%-22s %-7s %s\n", r.ID(), r.Class(), r.Action())
	}
	// Output:
	// stop-loss              safety  pause
	// confirmed-loser        safety  pause
	// cpa-bleeder            protect scale_budget
	// roas-below-break-even  protect scale_budget
	// scale-winner           scale   scale_budget
	// revive                 scale   unpause
}

func ExampleRuleSet_ExportMeta() {
	set, _ := rules.CompileJSON([]byte(`{"rules": [
	  {"id": "overspend", "level": "adset", "live": true,
	   "conditions": {"metric": "spend", "window": "today", "op": ">", "than": {"field": "daily_budget", "factor": 1.75}},
	   "action": {"type": "notify", "message": "{{.Entity}} overspends"}},
	  {"id": "drift", "level": "adset",
	   "conditions": {"metric": "cpa", "window": "last_3d", "op": ">", "than": {"metric": "cpa", "window": "last_14d", "factor": 1.3}},
	   "action": {"type": "scale_budget", "percent": -10}, "safeguards": {"cooldown": "72h", "learning": "allow"}},
	  {"id": "either", "level": "adset",
	   "conditions": {"any": [{"metric": "ctr", "window": "last_7d", "op": "<", "value": 0.005},
	                          {"metric": "frequency", "window": "last_7d", "op": ">", "value": 4}]},
	   "action": {"type": "notify", "message": "check {{.Entity}}"}}
	]}`))
	exp, _ := set.ExportMeta(rules.ExportNotify("100000000000042"))
	for _, r := range exp.Rules {
		fmt.Println("exported:", r.RuleID, r.Meta.ExecutionSpec.ExecutionType, r.Meta.ScheduleSpec.ScheduleType, r.Meta.Status)
		for _, f := range r.Meta.EvaluationSpec.Filters {
			fmt.Println("  ", f.Field, f.Operator, f.Value)
		}
		for _, o := range r.Meta.ExecutionSpec.ExecutionOptions {
			fmt.Println("   option", o.Field, o.Value)
		}
	}
	for _, u := range exp.Unsupported {
		fmt.Println("not exported:", u.RuleID, u.Path)
	}
	// Output:
	// exported: overspend NOTIFICATION SEMI_HOURLY ENABLED
	//    entity_type EQUAL ADSET
	//    effective_status IN [ACTIVE]
	//    daily_budget GREATER_THAN 0
	//    daily_ratio_spent GREATER_THAN 1.75
	//    time_preset EQUAL TODAY
	//    option user_ids [100000000000042]
	// exported: drift CHANGE_BUDGET DAILY DISABLED
	//    entity_type EQUAL ADSET
	//    effective_status IN [ACTIVE]
	//    cost_per / last_14d_cost_per GREATER_THAN 1.3
	//    time_preset EQUAL LAST_3D
	//    option change_spec map[amount:-10 unit:PERCENTAGE]
	//    option action_frequency 4320
	// not exported: either rules[2].conditions
}
