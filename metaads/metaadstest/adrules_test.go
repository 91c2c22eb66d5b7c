package metaadstest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	adsetPause = `{"execution_type":"PAUSE"}`
	daily      = `{"schedule_type":"DAILY"}`
)

func ruleForm(name, eval, exec, sched string) url.Values {
	f := url.Values{"name": {name}, "evaluation_spec": {eval}, "execution_spec": {exec}}
	if sched != "" {
		f.Set("schedule_spec", sched)
	}
	return f
}

func postRule(t *testing.T, srv *Server, tok string, f url.Values) resp {
	t.Helper()
	return do(t, http.MethodPost, srv.URL+"/v26.0/act_"+DemoAccountShop+"/adrules_library", tok, f)
}

// filters builds an evaluation spec from filter JSON objects.
func filters(fs ...string) string {
	return `{"evaluation_type":"SCHEDULE","filters":[` + strings.Join(fs, ",") + `]}`
}

const (
	fAdSet    = `{"field":"entity_type","value":"ADSET","operator":"EQUAL"}`
	fAd       = `{"field":"entity_type","value":"AD","operator":"EQUAL"}`
	fCampaign = `{"field":"entity_type","value":"CAMPAIGN","operator":"EQUAL"}`
	fLast7D   = `{"field":"time_preset","value":"LAST_7D","operator":"EQUAL"}`
	fToday    = `{"field":"time_preset","value":"TODAY","operator":"EQUAL"}`
)

// Each documented check refuses the bad form (reference §8 and §8.1); the
// good form next to it is accepted.
func TestAdRuleValidation(t *testing.T) {
	srv, _, tok := newDemo(t)
	cases := []struct {
		name           string
		eval, exec     string
		sched          string
		code, subcode  int
		mention        string // in the error message
		goodEval, good string // a corrected form that is accepted ("" skips)
	}{
		{name: "action_frequency on PAUSE (§8.1)",
			eval: filters(fAdSet, fLast7D, `{"field":"spent","value":9000,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"PAUSE","execution_options":[{"field":"action_frequency","value":4320,"operator":"EQUAL"}]}`, sched: daily,
			code: 100, mention: "action_frequency", good: adsetPause},
		{name: "execution_count_limit on NOTIFICATION (§8.1)",
			eval: filters(fAdSet, fLast7D, `{"field":"frequency","value":3.5,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"NOTIFICATION","execution_options":[{"field":"execution_count_limit","value":1,"operator":"EQUAL"}]}`, sched: daily,
			code: 100, mention: "execution_count_limit", good: `{"execution_type":"NOTIFICATION"}`},
		{name: "action_frequency on CHANGE_BUDGET is documented",
			eval: filters(fAdSet, fLast7D, `{"field":"cost_per","value":4500,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"CHANGE_BUDGET","execution_options":[{"field":"change_spec","value":{"amount":-20,"unit":"PERCENTAGE"},"operator":"EQUAL"},{"field":"action_frequency","value":4320,"operator":"EQUAL"},{"field":"execution_count_limit","value":2,"operator":"EQUAL"}]}`, sched: daily},
		{name: "daily_ratio_spent on campaigns (§8.1)",
			eval: filters(fCampaign, fToday, `{"field":"daily_ratio_spent","value":1.75,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"NOTIFICATION"}`, sched: `{"schedule_type":"SEMI_HOURLY"}`,
			code: 100, mention: "daily_ratio_spent",
			goodEval: filters(fAdSet, fToday, `{"field":"daily_ratio_spent","value":1.75,"operator":"GREATER_THAN"}`), good: `{"execution_type":"NOTIFICATION"}`},
		{name: "EQUAL on numeric metadata (§8.1)",
			eval: filters(fAdSet, `{"field":"daily_budget","value":5000,"operator":"EQUAL"}`),
			exec: `{"execution_type":"NOTIFICATION"}`, sched: daily,
			code: 100, mention: `operator EQUAL is not valid for the metadata field \"daily_budget\"`,
			goodEval: filters(fAdSet, `{"field":"daily_budget","value":[4999.5,5000.5],"operator":"IN_RANGE"}`), good: `{"execution_type":"NOTIFICATION"}`},
		{name: "EQUAL on hours_since_creation (§8.1)",
			eval: filters(fAdSet, `{"field":"hours_since_creation","value":72,"operator":"EQUAL"}`),
			exec: `{"execution_type":"NOTIFICATION"}`, sched: daily, code: 100, mention: "hours_since_creation"},
		{name: "budget metadata on campaigns (§8.1)",
			eval: filters(fCampaign, `{"field":"daily_budget","value":5000,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"NOTIFICATION"}`, sched: daily, code: 100, mention: "daily_budget"},
		{name: "budget metadata in a formula on campaigns (§8.1)",
			eval: filters(fCampaign, fToday, `{"field":"today_spent / daily_budget","value":1.75,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"NOTIFICATION"}`, sched: daily, code: 100, mention: "daily_budget"},
		{name: "cost condition on an ad set PAUSE (error 2703)",
			eval: filters(fAdSet, fLast7D, `{"field":"cost_per","value":4500,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 2703, mention: "cost_per",
			goodEval: filters(fCampaign, fLast7D, `{"field":"cost_per","value":4500,"operator":"GREATER_THAN"}`), good: adsetPause},
		{name: "cost condition in a formula on an ad PAUSE (error 2703)",
			eval: filters(fAd, fLast7D, `{"field":"last_3d_cpm / cpm","value":1.3,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 2703, mention: "cpm"},
		{name: "cost condition on an ad NOTIFICATION (2703/2490336, field reports §8.1)",
			eval: filters(fAd, fLast7D, `{"field":"cpc","value":150,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"NOTIFICATION"}`, sched: daily, code: 2703, subcode: 2490336, mention: "cpc"},
		{name: "unknown filter field",
			eval: filters(fAdSet, fLast7D, `{"field":"spend","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 100, mention: `field \"spend\"`,
			goodEval: filters(fAdSet, fLast7D, `{"field":"spent","value":1,"operator":"GREATER_THAN"}`), good: adsetPause},
		{name: "unknown operator",
			eval: filters(fAdSet, fLast7D, `{"field":"spent","value":1,"operator":"GREATER_THAN_OR_EQUAL"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "GREATER_THAN_OR_EQUAL"},
		{name: "NOT_EQUAL on insights (§8)",
			eval: filters(fAdSet, fLast7D, `{"field":"results","value":0,"operator":"NOT_EQUAL"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "NOT_EQUAL"},
		{name: "unknown time-preset prefix",
			eval: filters(fAdSet, fLast7D, `{"field":"last_5d_spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "last_5d_spent",
			goodEval: filters(fAdSet, fLast7D, `{"field":"last_3d_spent","value":1,"operator":"GREATER_THAN"}`), good: adsetPause},
		{name: "formula with seven fields (§8.1: at most 6)",
			eval: filters(fAdSet, fLast7D, `{"field":"spent + spent + spent + spent + spent + spent + spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "at most 6",
			goodEval: filters(fAdSet, fLast7D, `{"field":"last_2d_spent / daily_budget - yesterday_spent / daily_budget","value":0.5,"operator":"LESS_THAN"}`), good: adsetPause},
		{name: "insights without a time_preset (§8)",
			eval: filters(fAdSet, `{"field":"spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "time_preset",
			goodEval: filters(fAdSet, fLast7D, `{"field":"spent","value":1,"operator":"GREATER_THAN"}`), good: adsetPause},
		{name: "prefixed insights without a time_preset (§8: a prefix overrides the rule's preset, §8.1)",
			eval: filters(fAdSet, `{"field":"yesterday_spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "time_preset",
			goodEval: filters(fAdSet, fLast7D, `{"field":"yesterday_spent","value":1,"operator":"GREATER_THAN"}`), good: adsetPause},
		{name: "prefixed insights in a formula without a time_preset (§8)",
			eval: filters(fAdSet, `{"field":"yesterday_spent / daily_budget","value":0.5,"operator":"LESS_THAN"}`),
			exec: `{"execution_type":"NOTIFICATION"}`, sched: daily, code: 100, mention: "time_preset"},
		{name: "cost condition on an ad set UNPAUSE (2703: only budget and bid changes, field reports §8.1)",
			eval: filters(fAdSet, fLast7D, `{"field":"cost_per","value":4500,"operator":"LESS_THAN"}`),
			exec: `{"execution_type":"UNPAUSE"}`, sched: daily, code: 2703, mention: "cost_per",
			goodEval: filters(fAdSet, fLast7D, `{"field":"results","value":5,"operator":"GREATER_THAN"}`), good: `{"execution_type":"UNPAUSE"}`},
		{name: "no entity_type or id (§8)",
			eval: filters(fLast7D, `{"field":"spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "entity_type"},
		{name: "CHANGE_BUDGET on campaigns",
			eval: filters(fCampaign, fLast7D, `{"field":"cost_per","value":4500,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"CHANGE_BUDGET","execution_options":[{"field":"change_spec","value":{"amount":-20,"unit":"PERCENTAGE"},"operator":"EQUAL"}]}`, sched: daily,
			code: 100, mention: "CHANGE_BUDGET",
			good: `{"execution_type":"CHANGE_CAMPAIGN_BUDGET","execution_options":[{"field":"change_spec","value":{"amount":-20,"unit":"PERCENTAGE"},"operator":"EQUAL"}]}`},
		{name: "change_spec without a unit (change-spec)",
			eval: filters(fAdSet, fLast7D, `{"field":"cost_per","value":4500,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"CHANGE_BUDGET","execution_options":[{"field":"change_spec","value":{"amount":-20},"operator":"EQUAL"}]}`, sched: daily,
			code: 100, mention: "unit"},
		{name: "user_ids that are not ids",
			eval: filters(fAdSet, fLast7D, `{"field":"frequency","value":3.5,"operator":"GREATER_THAN"}`),
			exec: `{"execution_type":"NOTIFICATION","execution_options":[{"field":"user_ids","value":["dana"],"operator":"EQUAL"}]}`, sched: daily,
			code: 100, mention: "dana",
			good: `{"execution_type":"NOTIFICATION","execution_options":[{"field":"user_ids","value":["` + DemoUserID + `"],"operator":"EQUAL"}]}`},
		{name: "unknown key in the evaluation spec",
			eval: `{"evaluation_type":"SCHEDULE","filters":[` + fAdSet + `],"logic":"OR"}`,
			exec: adsetPause, sched: daily, code: 100, mention: "logic"},
		{name: "CUSTOM schedule off the half hour (advanced-scheduling)",
			eval: filters(fAdSet, fToday, `{"field":"spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: `{"schedule_type":"CUSTOM","schedule":[{"start_minute":45,"days":[5]}]}`,
			code: 100, mention: "start_minute"},
		{name: "SCHEDULE rule without schedule_spec",
			eval: filters(fAdSet, fToday, `{"field":"spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, code: 100, mention: "schedule_spec"},
		{name: "a time preset that does not exist",
			eval: filters(fAdSet, `{"field":"time_preset","value":"LAST_5D","operator":"EQUAL"}`, `{"field":"spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "LAST_5D"},
		{name: "prefix below the entity",
			eval: filters(fCampaign, fLast7D, `{"field":"ad.spent","value":1,"operator":"GREATER_THAN"}`),
			exec: adsetPause, sched: daily, code: 100, mention: "reads a level below"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := postRule(t, srv, tok, ruleForm("r", c.eval, c.exec, c.sched))
			if c.code == 0 {
				require.Equal(t, 200, r.Status, r.Raw)
				assert.NotEmpty(t, r.Body["id"])
				return
			}
			code, sub := errCode(r)
			require.Equal(t, c.code, code, r.Raw)
			assert.Equal(t, c.subcode, sub, r.Raw)
			assert.Contains(t, r.Raw, c.mention)
			if c.code == 100 && strings.Contains(r.Raw, "Param ") {
				assert.Contains(t, r.Raw, "blame_field_specs")
			}
			if c.good != "" || c.goodEval != "" {
				eval, exec := c.eval, c.exec
				if c.goodEval != "" {
					eval = c.goodEval
				}
				if c.good != "" {
					exec = c.good
				}
				r := postRule(t, srv, tok, ruleForm("r", eval, exec, c.sched))
				assert.Equal(t, 200, r.Status, "the corrected form is refused: %s", r.Raw)
			}
		})
	}
}

// A created rule reads back, lists, updates, previews and deletes.
func TestAdRuleLifecycle(t *testing.T) {
	srv, _, tok := newDemo(t)
	eval := filters(fAdSet, fLast7D, `{"field":"spent","value":1,"operator":"GREATER_THAN"}`)
	r := postRule(t, srv, tok, ruleForm("Spending", eval, `{"execution_type":"NOTIFICATION"}`, daily))
	require.Equal(t, 200, r.Status, r.Raw)
	id := r.Body["id"].(string)

	r = get(t, srv, "/"+id+"?fields=id,name,status,evaluation_spec,execution_spec,schedule_spec,created_by,account_id", tok)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, "Spending", r.Body["name"])
	assert.Equal(t, "ENABLED", r.Body["status"])
	assert.Equal(t, DemoAccountShop, r.Body["account_id"])
	assert.Equal(t, "SCHEDULE", r.Body["evaluation_spec"].(map[string]any)["evaluation_type"])
	assert.Equal(t, DemoUserID, r.Body["created_by"].(map[string]any)["id"])
	code, _ := errCode(get(t, srv, "/"+id+"?fields=colour", tok))
	assert.Equal(t, 100, code)

	list := get(t, srv, "/act_"+DemoAccountShop+"/adrules_library?fields=id,name", tok)
	require.Equal(t, 200, list.Status, list.Raw)
	assert.Len(t, list.Body["data"], 1)

	// Preview: every active ad set spent over the last 7 days (the paused
	// campaign's ad set is not ACTIVE).
	p := do(t, http.MethodPost, srv.URL+"/v26.0/"+id+"/preview", tok, url.Values{})
	require.Equal(t, 200, p.Status, p.Raw)
	sets := get(t, srv, "/act_"+DemoAccountShop+"/adsets?fields=id,effective_status&limit=100", tok)
	want, got := map[string]bool{}, map[string]bool{}
	for _, s := range sets.Body["data"].([]any) {
		if m := s.(map[string]any); m["effective_status"] == "ACTIVE" {
			want[m["id"].(string)] = true
		}
	}
	for _, e := range p.Body["data"].([]any) {
		got[e.(map[string]any)["id"].(string)] = true
	}
	assert.Equal(t, want, got)
	assert.GreaterOrEqual(t, len(got), 5)

	// Status alone may change; a bad update is refused and changes nothing.
	u := do(t, http.MethodPost, srv.URL+"/v26.0/"+id, tok, url.Values{"status": {"DISABLED"}})
	require.Equal(t, 200, u.Status, u.Raw)
	bad := do(t, http.MethodPost, srv.URL+"/v26.0/"+id, tok, url.Values{"execution_spec": {`{"execution_type":"PAUSE","execution_options":[{"field":"action_frequency","value":60,"operator":"EQUAL"}]}`}})
	code, _ = errCode(bad)
	assert.Equal(t, 100, code, bad.Raw)
	rules := srv.AdRules(DemoAccountShop)
	require.Len(t, rules, 1)
	assert.Equal(t, "DISABLED", rules[0].Status)
	assert.JSONEq(t, `{"execution_type":"NOTIFICATION"}`, string(rules[0].ExecutionSpec))

	d := do(t, http.MethodDelete, srv.URL+"/v26.0/"+id, tok, nil)
	require.Equal(t, 200, d.Status, d.Raw)
	assert.Empty(t, get(t, srv, "/act_"+DemoAccountShop+"/adrules_library", tok).Body["data"])
	assert.Equal(t, "DELETED", get(t, srv, "/"+id+"?fields=status", tok).Body["status"])
	code, _ = errCode(do(t, http.MethodPost, srv.URL+"/v26.0/"+id+"/preview", tok, url.Values{}))
	assert.Equal(t, 100, code)
}

// Rules need ads_management to create and an account the token may use.
func TestAdRulePermissions(t *testing.T) {
	srv, _, _ := newDemo(t)
	reader, err := srv.IssueToken(TokenSpec{UserID: DemoUserID, Scopes: []string{"ads_read"}})
	require.NoError(t, err)
	f := ruleForm("r", filters(fAdSet), `{"execution_type":"NOTIFICATION"}`, daily)
	code, _ := errCode(postRule(t, srv, reader, f))
	assert.Equal(t, 294, code)
	other, err := srv.IssueToken(TokenSpec{UserID: DemoUserID, AdAccounts: []string{DemoAccountLeads}})
	require.NoError(t, err)
	code, sub := errCode(postRule(t, srv, other, f))
	assert.Equal(t, [2]int{100, 33}, [2]int{code, sub})
	code, _ = errCode(postRule(t, srv, other, url.Values{"name": {"r"}, "evaluation_spec": {filters(fAdSet)}, "execution_spec": {`{"execution_type":"NOTIFICATION"}`}, "schedule_spec": {daily}, "colour": {"red"}}))
	assert.Equal(t, 100, code)
}

// Preview reads the same numbers insights report: a formula over two
// windows and a prefixed field agree with the ad sets' insights.
func TestAdRulePreviewMatchesInsights(t *testing.T) {
	srv, _, tok := newDemo(t)
	eval := filters(fAdSet, `{"field":"time_preset","value":"YESTERDAY","operator":"EQUAL"}`,
		`{"field":"spent / daily_budget","value":1.2,"operator":"GREATER_THAN"}`)
	r := postRule(t, srv, tok, ruleForm("Overpacing", eval, `{"execution_type":"NOTIFICATION"}`, daily))
	require.Equal(t, 200, r.Status, r.Raw)
	p := do(t, http.MethodPost, srv.URL+"/v26.0/"+r.Body["id"].(string)+"/preview", tok, url.Values{})
	require.Equal(t, 200, p.Status, p.Raw)
	ins := get(t, srv, "/act_"+DemoAccountShop+"/insights?level=adset&date_preset=yesterday&fields=adset_id,spend", tok)
	require.Equal(t, 200, ins.Status, ins.Raw)
	want := map[string]bool{}
	for _, row := range ins.Body["data"].([]any) {
		m := row.(map[string]any)
		set, _ := srv.AdSet(m["adset_id"].(string))
		spend, _ := asFloat(m["spend"])
		if set.DailyBudget > 0 && spend*100 > 1.2*float64(set.DailyBudget) {
			want[set.ID] = true
		}
	}
	got := map[string]bool{}
	for _, e := range p.Body["data"].([]any) {
		got[e.(map[string]any)["id"].(string)] = true
	}
	assert.Equal(t, want, got)
	assert.True(t, got[DemoOverpacingSet], "the over-pacing ad set passes")
}
