package metaads

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func spendRule(name string) AdRuleSpec {
	return AdRuleSpec{
		Name: name,
		EvaluationSpec: AdRuleEvaluationSpec{EvaluationType: "SCHEDULE", Filters: []AdRuleFilter{
			{Field: "entity_type", Value: "ADSET", Operator: "EQUAL"},
			{Field: "time_preset", Value: "LAST_7D", Operator: "EQUAL"},
			{Field: "id", Value: []string{"3000000"}, Operator: "IN"},
			{Field: "last_3d_spent / daily_budget", Value: json.Number("0.25"), Operator: "GREATER_THAN"},
		}},
		ExecutionSpec: AdRuleExecutionSpec{ExecutionType: "CHANGE_BUDGET", ExecutionOptions: []AdRuleFilter{
			{Field: "change_spec", Value: map[string]any{"amount": -10, "unit": "PERCENTAGE", "limit": 1000}, Operator: "EQUAL"},
			{Field: "action_frequency", Value: 4320, Operator: "EQUAL"},
		}},
		ScheduleSpec: &AdRuleScheduleSpec{ScheduleType: "DAILY"},
		Status:       AdRuleDisabled,
	}
}

func TestAdRulesService(t *testing.T) {
	e := newFakeEnv(t, seedScenario(1, 2), nil, true, WithRetryBackoff(time.Millisecond, time.Millisecond))
	ctx := context.Background()
	id, err := e.c.AdRules.Create(ctx, e.acct, spendRule("Cut the spenders"))
	require.NoError(t, err)
	rec := requests(e.srv, "POST", "/act_1001/adrules_library")
	require.Len(t, rec, 1)
	assert.JSONEq(t, `{"schedule_type":"DAILY"}`, rec[0].Params.Get("schedule_spec"))
	assert.Equal(t, "DISABLED", rec[0].Params.Get("status"))

	r, err := e.c.AdRules.Get(ctx, e.acct, id, GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, "Cut the spenders", r.Name)
	assert.Equal(t, AdRuleDisabled, r.Status)
	assert.Equal(t, "1001", r.AccountID)
	assert.Equal(t, "900", r.CreatedBy.ID)
	assert.False(t, r.CreatedTime.IsZero())
	require.NotNil(t, r.EvaluationSpec)
	require.Len(t, r.EvaluationSpec.Filters, 4)
	// Numbers read back exactly, as json.Number.
	assert.Equal(t, json.Number("0.25"), r.EvaluationSpec.Filters[3].Value)
	assert.Equal(t, []any{"3000000"}, r.EvaluationSpec.Filters[2].Value)
	assert.Equal(t, json.Number("4320"), r.ExecutionSpec.ExecutionOptions[1].Value)
	assert.Equal(t, "DAILY", r.ScheduleSpec.ScheduleType)

	id2, err := e.c.AdRules.Create(ctx, e.acct, spendRule("Second"))
	require.NoError(t, err)
	all, err := collect(e.c.AdRules.List(ctx, e.acct, ListOptions{Limit: 1}))
	require.NoError(t, err)
	assert.Len(t, all, 2, "two rules over two pages")
	p, err := e.c.AdRules.ListPage(ctx, e.acct, ListOptions{Limit: 1}, "")
	require.NoError(t, err)
	assert.True(t, p.HasNext)
	assert.Equal(t, id, p.Items[0].ID)

	require.NoError(t, e.c.AdRules.UpdateStatus(ctx, e.acct, id, AdRuleEnabled))
	r, err = e.c.AdRules.Get(ctx, e.acct, id, GetOptions{Fields: []string{"id", "status"}})
	require.NoError(t, err)
	assert.Equal(t, AdRuleEnabled, r.Status)
	assert.Nil(t, r.EvaluationSpec, "only the fields asked for")

	// Preview: the seeded ad set 3000000 spent over a quarter of its
	// budget in the last 3 days.
	got, err := e.c.AdRules.Preview(ctx, e.acct, id)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, AdRulePreview{ID: "3000000", Name: "Ad set", EntityType: "ADSET"}, got[0])

	require.NoError(t, e.c.AdRules.Delete(ctx, e.acct, id2))
	all, err = collect(e.c.AdRules.List(ctx, e.acct, ListOptions{}))
	require.NoError(t, err)
	assert.Len(t, all, 1)
}

// Meta's refusals come back as *Error with the field named; invalid specs
// are refused before anything is sent.
func TestAdRulesValidation(t *testing.T) {
	e := newFakeEnv(t, seedScenario(1, 1), nil, true, WithRetryBackoff(time.Millisecond, time.Millisecond))
	ctx := context.Background()
	bad := spendRule("Pause on cost")
	bad.ExecutionSpec = AdRuleExecutionSpec{ExecutionType: "PAUSE"}
	bad.EvaluationSpec.Filters[3] = AdRuleFilter{Field: "cost_per", Value: 5000, Operator: "GREATER_THAN"}
	_, err := e.c.AdRules.Create(ctx, e.acct, bad)
	var me *Error
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 2703, me.Code)

	bad = spendRule("Cooldown on a pause")
	bad.ExecutionSpec = AdRuleExecutionSpec{ExecutionType: "PAUSE", ExecutionOptions: []AdRuleFilter{{Field: "action_frequency", Value: 60, Operator: "EQUAL"}}}
	_, err = e.c.AdRules.Create(ctx, e.acct, bad)
	require.ErrorAs(t, err, &me)
	assert.Equal(t, 100, me.Code)
	assert.Contains(t, err.Error(), "action_frequency")

	e.srv.ResetRequests()
	for name, mod := range map[string]func(*AdRuleSpec){
		"no name":           func(s *AdRuleSpec) { s.Name = " " },
		"bad status":        func(s *AdRuleSpec) { s.Status = "PAUSED" },
		"no schedule":       func(s *AdRuleSpec) { s.ScheduleSpec = nil },
		"no filters":        func(s *AdRuleSpec) { s.EvaluationSpec.Filters = nil },
		"bad type":          func(s *AdRuleSpec) { s.EvaluationSpec.EvaluationType = "DAILY" },
		"no execution type": func(s *AdRuleSpec) { s.ExecutionSpec.ExecutionType = "" },
		"filter without op": func(s *AdRuleSpec) { s.EvaluationSpec.Filters[0].Operator = "" },
		"trigger schedule": func(s *AdRuleSpec) {
			s.EvaluationSpec.EvaluationType = "TRIGGER"
		},
	} {
		s := spendRule("r")
		mod(&s)
		_, err := e.c.AdRules.Create(ctx, e.acct, s)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "metaads: AdRuleSpec.", name)
	}
	_, err = e.c.AdRules.Create(ctx, AccountID{}, spendRule("r"))
	require.Error(t, err)
	require.Error(t, e.c.AdRules.Delete(ctx, e.acct, "rule-1"))
	require.Error(t, e.c.AdRules.UpdateStatus(ctx, e.acct, "1", AdRuleDeleted))
	_, err = e.c.AdRules.Preview(ctx, e.acct, "")
	require.Error(t, err)
	assert.Empty(t, e.srv.Requests(), "nothing sent for invalid input")
}

// A create is not resent after a 500 (a second rule could be made); a
// preview, which changes nothing, is.
func TestAdRulesRetries(t *testing.T) {
	e := newFakeEnv(t, seedScenario(1, 1), nil, true, WithRetryBackoff(time.Millisecond, time.Millisecond))
	ctx := context.Background()
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/act_1001/adrules_library", Kind: metaadstest.FaultHTTP500}))
	_, err := e.c.AdRules.Create(ctx, e.acct, spendRule("r"))
	require.ErrorIs(t, err, ErrTransient)
	assert.Len(t, requests(e.srv, "POST", "/act_1001/adrules_library"), 1, "not retried")
	assert.Empty(t, e.srv.AdRules("1001"))

	id, err := e.c.AdRules.Create(ctx, e.acct, spendRule("r"))
	require.NoError(t, err)
	require.NoError(t, e.srv.InjectFault(metaadstest.Fault{Method: "POST", Path: "/" + id + "/preview", Kind: metaadstest.FaultHTTP500}))
	_, err = e.c.AdRules.Preview(ctx, e.acct, id)
	require.NoError(t, err)
	assert.Len(t, requests(e.srv, "POST", "/"+id+"/preview"), 2, "a preview is retried")
	_, err = e.c.AdRules.Get(ctx, e.acct, "999999", GetOptions{})
	assert.True(t, errors.Is(err, ErrNotFound), "%v", err)
}
