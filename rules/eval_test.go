package rules

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// oneRule compiles a document with one ad-set rule around the condition.
func oneRule(t *testing.T, cond string, action string, safeguards string) *RuleSet {
	t.Helper()
	if action == "" {
		action = `{"type": "notify", "message": "{{.Entity}}"}`
	}
	if safeguards == "" {
		safeguards = "{}"
	}
	doc := `{"rules": [{"id": "r", "level": "adset", "live": true, "conditions": ` + cond + `, "action": ` + action + `, "safeguards": ` + safeguards + `}]}`
	set, err := CompileJSON([]byte(doc))
	if err != nil {
		t.Fatalf("compile %s: %v", doc, err)
	}
	return set
}

func fires(t *testing.T, set *RuleSet, snap *Snapshot) bool {
	t.Helper()
	ev, err := set.Evaluate(snap)
	if err != nil {
		t.Fatal(err)
	}
	return len(ev.Decisions) > 0
}

func snapOf(e Entity) *Snapshot {
	return &Snapshot{Now: fixtureNow, Entities: []Entity{e}}
}

func statsEntity(stats ...WindowCounts) Entity {
	return adset("1", "Test", 5000, LearningStageSuccess, stats...)
}

func TestOperators(t *testing.T) {
	// spend over last_7d is 1000 minor units.
	e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 1000, Impressions: 100000, Clicks: 1000}))
	cases := []struct {
		op, rhs string
		want    bool
	}{
		{">", `"value": 999`, true}, {">", `"value": 1000`, false},
		{">=", `"value": 1000`, true}, {">=", `"value": 1001`, false},
		{"<", `"value": 1001`, true}, {"<", `"value": 1000`, false},
		{"<=", `"value": 1000`, true}, {"<=", `"value": 999`, false},
		{"==", `"value": 1000`, true}, {"==", `"value": 999`, false},
		{"!=", `"value": 999`, true}, {"!=", `"value": 1000`, false},
		{"between", `"range": [1000, 2000]`, true}, {"between", `"range": [1001, 2000]`, false},
		{"outside", `"range": [1001, 2000]`, true}, {"outside", `"range": [0, 1000]`, false},
		// metric vs field x factor: daily budget is 5000.
		{">", `"than": {"field": "daily_budget", "factor": 0.19}`, true},
		{">", `"than": {"field": "daily_budget", "factor": 0.2}`, false},
		// metric vs metric: cpm (10) vs cpc (1) x 9.
		{">", `"than": {"metric": "spend", "window": "last_7d", "factor": 0.5}`, true},
	}
	for _, c := range cases {
		cond := `{"metric": "spend", "window": "last_7d", "op": "` + c.op + `", ` + c.rhs + `}`
		if got := fires(t, oneRule(t, cond, "", ""), snapOf(e)); got != c.want {
			t.Errorf("spend 1000 %s %s: fired %v; want %v", c.op, c.rhs, got, c.want)
		}
	}
}

func TestEveryWindowReadsItsOwnCounts(t *testing.T) {
	for _, w := range Windows() {
		// Only window w has spend 700; every other window has 100.
		var stats []WindowCounts
		for _, o := range Windows() {
			spend := int64(100)
			if o == w {
				spend = 700
			}
			stats = append(stats, win(o, metrics.Counts{Spend: spend}))
		}
		e := statsEntity(stats...)
		cond := `{"metric": "spend", "window": "` + w.String() + `", "op": ">", "value": 500}`
		if !fires(t, oneRule(t, cond, "", ""), snapOf(e)) {
			t.Errorf("window %s: rule did not read that window's counts", w)
		}
		if pw, err := ParseWindow(w.String()); err != nil || pw != w {
			t.Errorf("ParseWindow(%q) = %v, %v", w, pw, err)
		}
	}
	// A window the entity lacks is unknown: neither the condition nor its negation fires.
	e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 100}))
	for _, cond := range []string{
		`{"metric": "spend", "window": "last_30d", "op": ">", "value": 0}`,
		`{"not": {"metric": "spend", "window": "last_30d", "op": ">", "value": 0}}`,
		`{"metric": "cpa", "window": "last_7d", "op": ">", "value": 0}`,
	} {
		if fires(t, oneRule(t, cond, "", ""), snapOf(e)) {
			t.Errorf("%s fired on missing data", cond)
		}
	}
}

func TestGroupsAndTimeConditions(t *testing.T) {
	e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 1000}))
	yes := `{"metric": "spend", "window": "last_7d", "op": ">", "value": 1}`
	no := `{"metric": "spend", "window": "last_7d", "op": ">", "value": 5000}`
	unknown := `{"metric": "cpa", "window": "last_7d", "op": ">", "value": 1}`
	cases := map[string]bool{
		`{"all": [` + yes + `,` + yes + `]}`:     true,
		`{"all": [` + yes + `,` + no + `]}`:      false,
		`{"any": [` + no + `,` + yes + `]}`:      true,
		`{"any": [` + no + `,` + no + `]}`:       false,
		`{"any": [` + unknown + `,` + yes + `]}`: true,
		`{"all": [` + unknown + `,` + yes + `]}`: false,
		`{"not": ` + no + `}`:                    true,
		`{"not": ` + yes + `}`:                   false,
		// fixtureNow is a Wednesday, 15:30.
		`{"hours": {"from": 15, "to": 16}}`:                   true,
		`{"hours": {"from": 9, "to": 15}}`:                    false,
		`{"hours": {"from": 22, "to": 16}}`:                   true, // wraps midnight
		`{"hours": {"from": 22, "to": 6}}`:                    false,
		`{"weekdays": ["wed", "thu"]}`:                        true,
		`{"weekdays": ["sat", "sun"]}`:                        false,
		`{"min_data": {"age_hours": 700}}`:                    true,
		`{"min_data": {"age_hours": 800}}`:                    false,
		`{"min_data": {"window": "last_7d", "spend": 1000}}`:  true,
		`{"min_data": {"window": "last_7d", "spend": 1001}}`:  false,
		`{"min_data": {"window": "last_3d", "spend": 1}}`:     false,
		`{"field": "age_hours", "op": ">=", "value": 720}`:    true,
		`{"field": "learning_phase", "op": "==", "value": 0}`: true,
	}
	for cond, want := range cases {
		if got := fires(t, oneRule(t, cond, "", ""), snapOf(e)); got != want {
			t.Errorf("%s: fired %v; want %v", cond, got, want)
		}
	}
}

func TestStatisticalGateNeedsEvidenceBeyondThreshold(t *testing.T) {
	cond := `{"metric": "cpa", "window": "last_7d", "op": ">", "value": 3000, "confidence": 0.9}`
	set := oneRule(t, cond, "", "")
	// CPA 5000 on 2 conversions: point above 3000 but the interval is wide.
	few := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 10000, Conversions: 2}))
	// CPA 5000 on 100 conversions: the lower bound is above 3000.
	many := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 500000, Conversions: 100}))
	if fires(t, set, snapOf(few)) {
		t.Error("gate fired on 2 conversions")
	}
	ev, err := set.Evaluate(snapOf(many))
	if err != nil || len(ev.Decisions) != 1 {
		t.Fatalf("gate did not fire on 100 conversions: %v %v", ev, err)
	}
	iv := ev.Decisions[0].Evidence[0].Interval
	if iv == nil || !(iv.Lo > 3000 && iv.Lo < 5000 && iv.Hi > 5000) || iv.Confidence != 0.9 {
		t.Errorf("interval %+v; want lo in (3000, 5000), hi > 5000 at 0.9", iv)
	}
	if !strings.Contains(ev.Decisions[0].Evidence[0].Text, "90% interval") {
		t.Errorf("evidence %q does not name the interval", ev.Decisions[0].Evidence[0].Text)
	}
}

// history builds applied ledger entries of rule r on entity 1 at the given ages.
func history(rule string, action ActionType, ages ...time.Duration) []Entry {
	var out []Entry
	for i, a := range ages {
		out = append(out, Entry{DecisionID: "h" + string(rune('a'+i)), RuleID: rule, EntityID: "1", Action: action, Budget: BudgetDaily, From: 4000, To: 5000, Outcome: OutcomeApplied, At: fixtureNow.Add(-a)})
	}
	return out
}

func TestSafeguards(t *testing.T) {
	always := `{"metric": "spend", "window": "last_7d", "op": ">=", "value": 0}`
	e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 1000}))
	scale := `{"type": "scale_budget", "percent": 20}`
	cases := []struct {
		name, action, guards string
		mutate               func(*Snapshot)
		wantAllowed          bool
		wantTo               int64
		blockedBy            string
	}{
		{"cooldown active", scale, `{"cooldown": "72h"}`, func(s *Snapshot) { s.History = history("r", ActionScaleBudget, 24*time.Hour) }, false, 6000, "cooldown"},
		{"cooldown over", scale, `{"cooldown": "72h"}`, func(s *Snapshot) { s.History = history("r", ActionScaleBudget, 73*time.Hour) }, true, 6000, ""},
		{"cooldown of another rule", scale, `{"cooldown": "72h"}`, func(s *Snapshot) { s.History = history("other", ActionScaleBudget, time.Hour) }, true, 6000, ""},
		{"definitely failed attempts do not count", scale, `{"cooldown": "72h"}`, func(s *Snapshot) {
			s.History = history("r", ActionScaleBudget, time.Hour)
			s.History[0].Outcome = OutcomeFailed
		}, true, 6000, ""},
		{"unknown outcomes count for the cooldown", scale, `{"cooldown": "72h"}`, func(s *Snapshot) {
			s.History = history("r", ActionScaleBudget, time.Hour)
			s.History[0].Outcome = OutcomeUnknown
		}, false, 6000, "cooldown"},
		{"pending claims count for the cooldown", scale, `{"cooldown": "72h"}`, func(s *Snapshot) {
			s.History = history("r", ActionScaleBudget, time.Hour)
			s.History[0].Outcome = OutcomePending
		}, false, 6000, "cooldown"},
		{"unknown outcomes count for max executions", scale, `{"max_executions": 2, "execution_window": "7d"}`, func(s *Snapshot) {
			s.History = history("r", ActionScaleBudget, 24*time.Hour, 48*time.Hour)
			s.History[1].Outcome = OutcomeUnknown
		}, false, 6000, "max_executions"},
		{"a claim and its outcome count once", scale, `{"max_executions": 2, "execution_window": "7d"}`, func(s *Snapshot) {
			s.History = history("r", ActionScaleBudget, 24*time.Hour)
			claim := s.History[0]
			claim.Outcome = OutcomePending
			s.History = []Entry{claim, s.History[0]}
		}, true, 6000, ""},
		{"a failure after its claim does not count", scale, `{"cooldown": "72h"}`, func(s *Snapshot) {
			s.History = history("r", ActionScaleBudget, time.Hour)
			claim := s.History[0]
			claim.Outcome = OutcomePending
			s.History[0].Outcome = OutcomeFailed
			s.History = []Entry{claim, s.History[0]}
		}, true, 6000, ""},
		{"unknown outcomes count for the week cap", scale, `{"max_week_percent": 25}`, func(s *Snapshot) {
			s.History = history("other", ActionScaleBudget, 48*time.Hour)
			s.History[0].Outcome = OutcomeUnknown
		}, false, 5000, "max_week"},
		{"max executions reached", scale, `{"max_executions": 2, "execution_window": "7d"}`, func(s *Snapshot) { s.History = history("r", ActionScaleBudget, 24*time.Hour, 48*time.Hour) }, false, 6000, "max_executions"},
		{"max executions outside window", scale, `{"max_executions": 2, "execution_window": "7d"}`, func(s *Snapshot) { s.History = history("r", ActionScaleBudget, 24*time.Hour, 200*time.Hour) }, true, 6000, ""},
		{"max executions ever", scale, `{"max_executions": 2}`, func(s *Snapshot) { s.History = history("r", ActionScaleBudget, 24*time.Hour, 2000*time.Hour) }, false, 6000, "max_executions"},
		{"ceiling clamps", scale, `{"max_budget": 5500}`, nil, true, 5500, ""},
		{"at the ceiling", scale, `{"max_budget": 5000}`, nil, false, 5000, "max_budget"},
		{"floor clamps", `{"type": "scale_budget", "percent": -50}`, `{"min_budget": 4000}`, nil, true, 4000, ""},
		{"at the floor", `{"type": "scale_budget", "percent": -50}`, `{"min_budget": 5000}`, nil, false, 5000, "min_budget"},
		{"step clamps set_budget", `{"type": "set_budget", "amount": 9000}`, `{"max_step_percent": 20}`, nil, true, 6000, ""},
		{"week cap clamps", scale, `{"max_week_percent": 30}`, func(s *Snapshot) { s.History = history("other", ActionScaleBudget, 48*time.Hour) }, true, 5200, ""},
		{"week cap reached", scale, `{"max_week_percent": 25}`, func(s *Snapshot) { s.History = history("other", ActionScaleBudget, 48*time.Hour) }, false, 5000, "max_week"},
		{"week cap forgets old changes", scale, `{"max_week_percent": 25}`, func(s *Snapshot) { s.History = history("other", ActionScaleBudget, 8*24*time.Hour) }, true, 6000, ""},
		{"learning skips scale", scale, "", func(s *Snapshot) { s.Entities[0].LearningStage = LearningStageLearning }, false, 6000, "learning_phase"},
		{"learning allowed", scale, `{"learning": "allow"}`, func(s *Snapshot) { s.Entities[0].LearningStage = LearningStageLearning }, true, 6000, ""},
		{"learning does not stop safety", `{"type": "pause"}`, "", func(s *Snapshot) { s.Entities[0].LearningStage = LearningStageLearning }, true, 0, ""},
		{"no budget at this level", scale, "", func(s *Snapshot) { s.Entities[0].DailyBudget = 0 }, false, 0, "budget"},
		{"lifetime budget scaled", scale, "", func(s *Snapshot) { s.Entities[0].DailyBudget, s.Entities[0].LifetimeBudget = 0, 100000 }, true, 120000, ""},
		{"bid change", `{"type": "change_bid", "percent": -10}`, "", func(s *Snapshot) { s.Entities[0].BidAmount = 250 }, true, 225, ""},
		{"no bid", `{"type": "change_bid", "percent": -10}`, "", nil, false, 0, "bid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			set := oneRule(t, always, c.action, c.guards)
			snap := snapOf(e)
			if c.mutate != nil {
				c.mutate(snap)
			}
			ev, err := set.Evaluate(snap)
			if err != nil {
				t.Fatal(err)
			}
			if len(ev.Decisions) != 1 {
				t.Fatalf("%d decisions; want 1", len(ev.Decisions))
			}
			d := ev.Decisions[0]
			if d.Allowed != c.wantAllowed {
				t.Errorf("allowed = %v; want %v\n%s", d.Allowed, c.wantAllowed, text(ev))
			}
			if d.To != c.wantTo {
				t.Errorf("to = %d; want %d\n%s", d.To, c.wantTo, text(ev))
			}
			if c.blockedBy != "" && !blockedBy(d, c.blockedBy) {
				t.Errorf("not blocked by %s\n%s", c.blockedBy, text(ev))
			}
		})
	}
}

func blockedBy(d Decision, name string) bool {
	for _, c := range d.Safeguards {
		if c.Name == name && !c.Passed {
			return true
		}
	}
	return false
}

func text(ev *Evaluation) string {
	var b strings.Builder
	_ = ev.WriteText(&b)
	return b.String()
}

func TestPrecedenceAndKillSwitch(t *testing.T) {
	doc := func(kill bool) string {
		return `{"kill_switch": ` + map[bool]string{true: "true", false: "false"}[kill] + `, "rules": [
		  {"id": "notify", "level": "adset", "live": true, "conditions": {"field": "daily_budget", "op": ">", "value": 0}, "action": {"type": "notify", "message": "hi"}},
		  {"id": "grow", "level": "adset", "live": true, "conditions": {"field": "daily_budget", "op": ">", "value": 0}, "action": {"type": "scale_budget", "percent": 10}},
		  {"id": "cut", "level": "adset", "live": true, "conditions": {"field": "daily_budget", "op": ">", "value": 0}, "action": {"type": "scale_budget", "percent": -10}},
		  {"id": "stop", "level": "adset", "live": true, "conditions": {"field": "daily_budget", "op": ">", "value": 0}, "action": {"type": "pause"}},
		  {"id": "stop2", "level": "adset", "live": true, "conditions": {"field": "daily_budget", "op": ">", "value": 0}, "action": {"type": "pause"}}
		]}`
	}
	set, err := CompileJSON([]byte(doc(false)))
	if err != nil {
		t.Fatal(err)
	}
	ev, _ := set.Evaluate(snapOf(statsEntity()))
	allowed := map[string]bool{}
	for _, d := range ev.Decisions {
		allowed[d.RuleID] = d.Allowed
	}
	want := map[string]bool{"notify": true, "grow": false, "cut": false, "stop": true, "stop2": false}
	for id, w := range want {
		if allowed[id] != w {
			t.Errorf("rule %s allowed = %v; want %v\n%s", id, allowed[id], w, text(ev))
		}
	}
	set, _ = CompileJSON([]byte(doc(true)))
	ev, _ = set.Evaluate(snapOf(statsEntity()))
	for _, d := range ev.Decisions {
		if d.Action.Mutates() && (d.Allowed || !blockedBy(d, "kill_switch")) {
			t.Errorf("kill switch: %s", d.Summary())
		}
		if d.Action == ActionNotify && !d.Allowed {
			t.Errorf("kill switch blocked a notification")
		}
	}
}

func TestFilters(t *testing.T) {
	e := statsEntity()
	e.Labels = []string{"brand", "q1"}
	always := `{"field": "daily_budget", "op": ">", "value": 0}`
	cases := map[string]bool{
		`{"ids": ["1"]}`:                   true,
		`{"ids": ["2"]}`:                   false,
		`{"exclude_ids": ["1"]}`:           false,
		`{"name_contains": "TES"}`:         true,
		`{"name_contains": "nope"}`:        false,
		`{"name_matches": "^T.st$"}`:       true,
		`{"name_matches": "^x"}`:           false,
		`{"status": ["PAUSED"]}`:           false,
		`{"objective": ["OUTCOME_LEADS"]}`: true,
		`{"objective": ["OUTCOME_SALES"]}`: false,
		`{"labels": ["brand"]}`:            true,
		`{"labels": ["brand", "q2"]}`:      false,
		`{"learning_stage": ["SUCCESS"]}`:  true,
		`{"learning_stage": ["LEARNING"]}`: false,
	}
	for filter, want := range cases {
		doc := `{"rules": [{"id": "r", "level": "adset", "filter": ` + filter + `, "conditions": ` + always + `, "action": {"type": "pause"}}]}`
		set, err := CompileJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if got := fires(t, set, snapOf(e)); got != want {
			t.Errorf("filter %s: fired %v; want %v", filter, got, want)
		}
	}
	// Levels never mix.
	e.Level = metrics.LevelAd
	set := oneRule(t, always, "", "")
	if fires(t, set, snapOf(e)) {
		t.Error("adset rule fired on an ad")
	}
}

func TestEvaluateRejectsBadSnapshot(t *testing.T) {
	set := oneRule(t, `{"field": "daily_budget", "op": ">", "value": 0}`, "", "")
	for name, snap := range map[string]*Snapshot{
		"nil":        nil,
		"zero now":   {},
		"currency":   {Now: fixtureNow, Currency: "XXXX"},
		"no id":      {Now: fixtureNow, Entities: []Entity{{Level: metrics.LevelAdSet}}},
		"no level":   {Now: fixtureNow, Entities: []Entity{{ID: "1"}}},
		"bad window": {Now: fixtureNow, Entities: []Entity{{ID: "1", Level: metrics.LevelAd, Stats: []WindowCounts{{Window: 99}}}}},
	} {
		if _, err := set.Evaluate(snap); !errors.Is(err, ErrInvalidSnapshot) {
			t.Errorf("%s: err = %v; want ErrInvalidSnapshot", name, err)
		}
	}
}

func TestEvaluationIsDeterministic(t *testing.T) {
	a, b := fixtureEvaluation(t), fixtureEvaluation(t)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Error("two evaluations of the same snapshot differ")
	}
	ids := map[string]bool{}
	for _, d := range a.Decisions {
		if ids[d.ID] {
			t.Errorf("duplicate decision id %s", d.ID)
		}
		ids[d.ID] = true
	}
}

func TestHistoryOrderDoesNotMatter(t *testing.T) {
	always := `{"metric": "spend", "window": "last_7d", "op": ">=", "value": 0}`
	set := oneRule(t, always, `{"type": "scale_budget", "percent": 20}`, `{"cooldown": "72h", "max_week_percent": 30}`)
	snap := snapOf(statsEntity(win(WindowLast7D, metrics.Counts{Spend: 1})))
	// Newest first: the week's baseline is the older entry's From (4000),
	// the cooldown counts from the newer one (100h ago is over).
	snap.History = []Entry{
		{DecisionID: "b", RuleID: "r", EntityID: "1", Action: ActionScaleBudget, Budget: BudgetDaily, From: 4500, To: 5000, Outcome: OutcomeApplied, At: fixtureNow.Add(-100 * time.Hour)},
		{DecisionID: "a", RuleID: "r", EntityID: "1", Action: ActionScaleBudget, Budget: BudgetDaily, From: 4000, To: 4500, Outcome: OutcomeApplied, At: fixtureNow.Add(-140 * time.Hour)},
	}
	ev, _ := set.Evaluate(snap)
	if d := ev.Decisions[0]; !d.Allowed || d.To != 5200 {
		t.Errorf("allowed %v, to %d; want allowed, 5200 (4000 + 30%%)\n%s", d.Allowed, d.To, text(ev))
	}
	snap.History[0].At = fixtureNow.Add(-10 * time.Hour)
	snap.History[0], snap.History[1] = snap.History[1], snap.History[0]
	ev, _ = set.Evaluate(snap)
	if d := ev.Decisions[0]; !blockedBy(d, "cooldown") {
		t.Errorf("cooldown ignored the newest entry when it came last\n%s", text(ev))
	}
}

func TestMaxDailyChanges(t *testing.T) {
	doc := `{"max_daily_changes": 2, "rules": [
	  {"id": "grow", "level": "adset", "conditions": {"field": "daily_budget", "op": ">", "value": 0}, "action": {"type": "scale_budget", "percent": 10}},
	  {"id": "stop", "level": "adset", "conditions": {"field": "daily_budget", "op": ">", "value": 99999}, "action": {"type": "pause"}}]}`
	set, err := CompileJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	snap := snapOf(statsEntity())
	snap.History = history("other", ActionScaleBudget, 2*time.Hour, 30*time.Hour)
	if ev, _ := set.Evaluate(snap); !ev.Decisions[0].Allowed {
		t.Errorf("one change in 24h blocked a second\n%s", text(ev))
	}
	snap.History = history("other", ActionScaleBudget, 2*time.Hour, 20*time.Hour)
	ev, _ := set.Evaluate(snap)
	if !blockedBy(ev.Decisions[0], "max_daily_changes") {
		t.Errorf("third change in 24h allowed\n%s", text(ev))
	}
	// A change of unknown outcome counts; a definite failure does not.
	snap.History[1].Outcome = OutcomeUnknown
	if ev, _ := set.Evaluate(snap); !blockedBy(ev.Decisions[0], "max_daily_changes") {
		t.Errorf("a change of unknown outcome was not counted\n%s", text(ev))
	}
	snap.History[1].Outcome = OutcomeFailed
	if ev, _ := set.Evaluate(snap); !ev.Decisions[0].Allowed {
		t.Errorf("a failed change was counted\n%s", text(ev))
	}
	snap.History[1].Outcome = OutcomeApplied
	// Safety rules are exempt.
	snap.Entities[0].DailyBudget = 100000
	ev, _ = set.Evaluate(snap)
	for _, d := range ev.Decisions {
		if d.RuleID == "stop" && !d.Allowed {
			t.Errorf("safety rule blocked by the daily cap\n%s", text(ev))
		}
	}
	if _, err := CompileJSON([]byte(`{"max_daily_changes": -1, "rules": [{"id": "a", "level": "ad", "conditions": {"hours": {"from": 1, "to": 2}}, "action": {"type": "pause"}}]}`)); err == nil || !strings.Contains(err.Error(), "max_daily_changes: -1 is negative") {
		t.Errorf("negative cap: %v", err)
	}
}
