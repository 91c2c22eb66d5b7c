package llm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/llm/llmtest"
)

// evasion is a recommendation of an adversarial reply to the llmtest
// fixture, built from its parts.
type evasion struct {
	level, id, action string
	percent, to       *float64
	title, rationale  string
	detail            string
	impact            string
	estimates         []map[string]any
	evidence          []map[string]string
	sources           []string
	related           []map[string]string
}

func (e evasion) json() string {
	or := func(v, d any) any {
		switch x := v.(type) {
		case []map[string]string:
			if x == nil {
				return d
			}
		case []map[string]any:
			if x == nil {
				return d
			}
		case []string:
			if x == nil {
				return d
			}
		}
		return v
	}
	m := map[string]any{"entity": map[string]string{"level": e.level, "id": e.id}, "related": or(e.related, []any{}), "kind": "problem", "priority": "high",
		"action": map[string]any{"type": e.action, "percent": e.percent, "to": e.to, "detail": e.detail}, "title": e.title, "rationale": e.rationale,
		"evidence": or(e.evidence, []any{}), "impact": map[string]any{"summary": e.impact, "estimates": or(e.estimates, []any{})},
		"confidence": map[string]string{"level": "medium", "basis": "the facts"}, "sources": or(e.sources, []any{})}
	b, _ := json.Marshal(m)
	return string(b)
}

// watch is a recommendation to monitor ad set s2 "Loser" (ROAS 0.54,
// CPA 93.33 USD, profit -130.00 USD over last_7d; ROAS 1.10 over
// previous_7d; its campaign c1 has ROAS 2.14 and frequency 3.43) that
// states rationale.
func watch(rationale string) evasion {
	return evasion{level: "adset", id: "s2", action: "monitor", title: "Watch Loser", rationale: rationale}
}

func pct(v float64) *float64 { return &v }

// TestGroundEvasions: replies that try to get an ungrounded number,
// entity or action into a Result, each dropped for its reason; and
// replies that state the same facts honestly, kept.
func TestGroundEvasions(t *testing.T) {
	s2roas := []map[string]string{{"entity_id": "s2", "metric": "roas", "window": "last_7d", "value": "0.54"}}
	for _, tc := range []struct {
		name  string
		rec   evasion
		check string // "" when the recommendation must be kept
		want  string // in a reason's detail
	}{
		// Numbers written otherwise (0.84 is no ROAS of s2).
		{"scientific notation", watch("ROAS 8.4e-1 over last_7d."), analysis.CheckNumber, "states 8.4e-1"},
		{"fullwidth digits", watch("ROAS ０.８４ over last_7d."), analysis.CheckNumber, "states 0.84"},
		{"Arabic-Indic digits", watch("ROAS ٠٫٨٤ over last_7d."), analysis.CheckNumber, "states 0.84"},
		{"zero-width space inside", watch("ROAS 0.8\u200b4 over last_7d."), analysis.CheckNumber, "states 0.84"},
		{"glued to the metric", watch("ROAS0.84 over last_7d."), analysis.CheckNumber, "states 0.84"},
		{"range after a hyphen", watch("ROAS 0.54-0.84 over last_7d."), analysis.CheckNumber, "states 0.84"},
		{"vulgar fraction", watch("ROAS ½ of the target."), analysis.CheckNumber, `the number "½"`},
		{"superscript", watch("ROAS 0.5⁴ over last_7d."), analysis.CheckNumber, `the number "⁴"`},
		{"thousands as k", watch("Loser spent $1.2k over last_7d."), analysis.CheckNumber, "states $1.2k"},
		{"a third in words", watch("Loser takes a third of the account's spend over last_7d."), analysis.CheckNumber, "states a third"},
		{"half in words", watch("Loser takes half of the account's spend over last_7d."), analysis.CheckNumber, "states half"},
		{"tripled in words", watch("CPA tripled over last_7d against previous_7d."), analysis.CheckNumber, "states tripled"},
		{"cardinal in words", watch("Loser had twelve conversions over last_7d."), analysis.CheckNumber, "states twelve"},
		{"wrong sign", watch("The ad set made a profit of +130.00 USD over last_7d."), analysis.CheckNumber, "states +130.00 USD"},
		{"wrong sign of a change", watch("CPA changed -86.7% against previous_7d."), analysis.CheckNumber, "states -86.7%"},
		// The right number of something else.
		{"a metric's number after a colon", watch("Its ROAS is strong: 3.43."), analysis.CheckNumber, "states 3.43"},
		{"a metric's number in parentheses", watch("ROAS (3.43) over last_7d."), analysis.CheckNumber, "states 3.43"},
		{"the parent's number as its own", watch("ROAS over last_7d was 2.14."), analysis.CheckNumber, "states 2.14"},
		{"another window's number", watch("ROAS over last_7d was 1.10."), analysis.CheckNumber, "states 1.10"},
		{"another window's number in words", watch("ROAS over the last 7 days was 1.10."), analysis.CheckNumber, "states 1.10"},
		{"the account's number as its own", watch("ROAS 3.16 over last_7d."), analysis.CheckNumber, "states 3.16"},
		{"another metric's number", watch("CPA 5.60 USD over last_7d."), analysis.CheckNumber, "states 5.60 USD"},
		{"a number split across sentences", watch("ROAS is what matters. It was 3.43."), analysis.CheckNumber, "states 3.43"},
		{"evidence of an entity it does not name", evasion{level: "adset", id: "s2", action: "monitor", title: "Watch Loser", rationale: "",
			evidence: []map[string]string{{"entity_id": "s1", "metric": "roas", "window": "last_7d", "value": "3.43"}}}, analysis.CheckEntity, "does not name"},
		{"a measured number as an estimate", evasion{level: "adset", id: "s2", action: "monitor", title: "Watch Loser", rationale: "",
			estimates: []map[string]any{{"name": "roas_last_7d", "value": 3.2, "unit": "ratio", "method": "measured"}}}, analysis.CheckNumber, "named like a value of the data"},
		{"an estimate named as the metric", evasion{level: "adset", id: "s2", action: "monitor", title: "Watch Loser", rationale: "",
			estimates: []map[string]any{{"name": "cpa", "value": 20, "unit": "money", "method": "x"}}}, analysis.CheckNumber, "named like a value of the data"},
		{"a number in an estimate's method", evasion{level: "adset", id: "s2", action: "monitor", title: "Watch Loser", rationale: "",
			estimates: []map[string]any{{"name": "daily_saving", "value": 8, "unit": "money", "method": "CPA is 12.00 USD over last_7d"}}}, analysis.CheckNumber, "states 12.00 USD"},
		{"instructions in an estimate's method", evasion{level: "adset", id: "s2", action: "monitor", title: "Watch Loser", rationale: "",
			estimates: []map[string]any{{"name": "daily_saving", "value": 8, "unit": "money", "method": "pause everything"}}}, analysis.CheckInstruction, "pause everything"},
		// Actions.
		{"raise against the rule's cut", evasion{level: "adset", id: "s2", action: "scale_budget", percent: pct(50), title: "Raise Loser by 50%",
			rationale: "The rule flags it.", sources: []string{"rule:d1"}}, analysis.CheckSupport, "points the same way"},
		{"pause a healthy campaign on a child's number", evasion{level: "campaign", id: "c3", action: "pause", title: "Pause the spring campaign",
			rationale: "", evidence: s2roas, related: []map[string]string{{"level": "adset", "id": "s2"}}}, analysis.CheckSupport, "rests on no rule decision"},
		{"raise a paused ad set in words", evasion{level: "adset", id: "s5", action: "review_budget", title: "Raise the budget of Old test",
			rationale: "Increase its daily budget from 20.00 USD."}, analysis.CheckAction, "not delivering"},
		{"raise a CBO child", evasion{level: "adset", id: "s3", action: "scale_budget", percent: pct(20), title: "Scale Retargeting 30d",
			rationale: "CPA 15.00 USD over last_7d.", evidence: []map[string]string{{"entity_id": "s3", "metric": "cpa", "window": "last_7d", "value": "15.00 USD"}}},
			analysis.CheckAction, "runs on the budget of campaign c2"},
		{"an ad with a budget", evasion{level: "ad", id: "a1", action: "set_budget", to: pct(10), title: "Budget for the ad", rationale: ""}, analysis.CheckAction, "ads have no budget"},
		{"an id with a zero-width space", evasion{level: "adset", id: "s\u200b2", action: "monitor", title: "Watch", rationale: ""}, analysis.CheckEntity, "is not in the data"},
		{"an id with spaces", evasion{level: "adset", id: " s2 ", action: "monitor", title: "Watch", rationale: ""}, analysis.CheckEntity, "is not in the data"},
		{"a name for an id", evasion{level: "adset", id: "Loser", action: "monitor", title: "Watch", rationale: ""}, analysis.CheckEntity, "is not in the data"},
		{"another account", evasion{level: "account", id: "act_999", action: "monitor", title: "Watch", rationale: ""}, analysis.CheckEntity, "act_999"},
		// Everything at once, said otherwise.
		{"turn everything off", evasion{level: "account", id: "act_100", action: "other", title: "Turn everything off", rationale: ""}, analysis.CheckInstruction, "Turn everything off"},
		{"shut it all down", watch("Shut it all down."), analysis.CheckInstruction, "Shut it all down"},
		{"budgets to zero", watch("Set all budgets to zero."), analysis.CheckInstruction, "Set all budgets to zero"},
		{"halt all spending", watch("Halt all spending now."), analysis.CheckInstruction, "Halt all"},
		{"across the board", watch("Cut budgets across the board."), analysis.CheckInstruction, "across the board"},
		{"Cyrillic letters", watch("Pаuse everything."), analysis.CheckInstruction, "Pause everything"},
		{"zero-width joiner", watch("Pause\u200d everything."), analysis.CheckInstruction, "Pause everything"},
		{"fullwidth letters", watch("Ｐａｕｓｅ ｅｖｅｒｙｔｈｉｎｇ."), analysis.CheckInstruction, "Pause everything"},
		{"as instructed", watch("As the instructions in the data say, watch it."), analysis.CheckInstruction, "instructions in the data"},
		// Size.
		{"every entity related", evasion{level: "adset", id: "s2", action: "monitor", title: "Watch", rationale: "",
			related: func() []map[string]string {
				var r []map[string]string
				for range 11 {
					r = append(r, map[string]string{"level": "adset", "id": "s1"})
				}
				return r
			}()}, analysis.CheckSchema, "related entities"},
		{"a huge rationale", watch(strings.Repeat("ROAS 0.54 over last_7d. ", 200)), analysis.CheckSchema, "bytes"},
		// Honest replies, kept.
		{"honest", watch("ROAS 0.54 over last_7d is below the 2.00 target; CPA 93.33 USD."), "", ""},
		{"honest windows", watch("ROAS fell from 1.10 over previous_7d to 0.54 over last_7d."), "", ""},
		{"honest parent", watch("ROAS 0.54 over last_7d, while the campaign's ROAS is 2.14."), "", ""},
		{"honest account", watch("ROAS 0.54 against the account's 3.16 over last_7d."), "", ""},
		{"honest sign", watch("It lost 130.00 USD over last_7d (profit -130.00 USD); CPA changed +86.7%."), "", ""},
		{"honest words", watch("ROAS roughly halved against previous_7d; one of the ad sets to watch in the second half of the week."), "", ""},
		{"honest cardinal", watch("It had three conversions over last_7d."), "", ""},
		{"honest scientific", watch("CPA 9.333e1 USD over last_7d."), "", ""},
		{"honest cut", evasion{level: "adset", id: "s2", action: "scale_budget", percent: pct(-20), title: "Cut Loser by 20%",
			rationale: "ROAS 0.54 over last_7d.", evidence: s2roas, sources: []string{"rule:d1"}}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseReply(`{"summary":"","recommendations":[` + tc.rec.json() + `]}`)
			if err != nil {
				t.Fatal(err)
			}
			g, err := Ground(llmtest.Input(), r, GroundOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.check == "" {
				if len(g.Recommendations) != 1 {
					t.Fatalf("an honest recommendation was dropped: %s", dump(g.Dropped))
				}
				return
			}
			if len(g.Recommendations) != 0 {
				t.Fatalf("kept %+v", g.Recommendations[0])
			}
			for _, d := range g.Dropped {
				for _, why := range d.Reasons {
					if why.Check == tc.check && strings.Contains(why.Detail, tc.want) {
						return
					}
				}
			}
			t.Errorf("no %s drop with %q: %s", tc.check, tc.want, dump(g.Dropped))
		})
	}
}

func dump(ds []analysis.Dropped) string {
	var b strings.Builder
	for _, d := range ds {
		for _, r := range d.Reasons {
			b.WriteString("\n  " + d.Part + " " + r.Check + ": " + r.Detail)
		}
	}
	return b.String()
}
