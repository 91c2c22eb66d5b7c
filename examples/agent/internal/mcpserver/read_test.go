package mcpserver

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// TestReadTools: the SDK's client lists every tool with its input and
// output schema, and each read tool answers on the demo shop with the
// numbers of the pass (the same Dataset for every tool); the resources
// and the weekly review prompt are served; no token appears anywhere.
func TestReadTools(t *testing.T) {
	e := newEnv(t, fullPass)
	ctx := context.Background()

	// Schemas: typed input and output for every tool.
	want := []string{"account_summary", "apply_change", "explain_decision", "get_signals", "latest_report", "list_accounts", "list_entities", "propose_change"}
	var names []string
	for tool, err := range e.cs.Tools(ctx, nil) {
		require.NoError(t, err)
		names = append(names, tool.Name)
		in, out := schemaMap(t, tool.InputSchema), schemaMap(t, tool.OutputSchema)
		assert.Equal(t, "object", in["type"], tool.Name)
		assert.Equal(t, "object", out["type"], tool.Name)
		assert.Equal(t, false, in["additionalProperties"], "%s: unknown arguments are refused", tool.Name)
		assert.NotEmpty(t, tool.Description, tool.Name)
		require.NotNil(t, tool.Annotations, tool.Name)
		assert.Equal(t, !slices.Contains([]string{"propose_change", "apply_change"}, tool.Name), tool.Annotations.ReadOnlyHint, tool.Name)
		if tool.Name != "list_accounts" && tool.Name != "apply_change" {
			assert.Contains(t, in["required"], "account", "%s requires the account", tool.Name)
		}
	}
	slices.Sort(names)
	assert.Equal(t, want, names)

	accts := ok[AccountsOut](e, "list_accounts", nil)
	require.Len(t, accts.Accounts, 2)
	assert.Equal(t, shop, accts.Accounts[0].ID)
	assert.Equal(t, "configured", accts.Accounts[0].State)
	assert.Empty(t, accts.Accounts[0].Name, "the file names no account and none was read yet")
	assert.True(t, accts.ApplyEnabled)
	assert.False(t, accts.KillSwitch)

	sum := ok[SummaryOut](e, "account_summary", map[string]any{"account": shop})
	assert.Equal(t, "last_7d", sum.Window)
	assert.Equal(t, "USD", sum.Data.Currency)
	assert.Equal(t, "America/Los_Angeles", sum.Data.TimeZone)
	assert.Equal(t, "2026-03-04", sum.Since, "seven complete days before Wednesday March 11 in Los Angeles")
	assert.Equal(t, "2026-03-10", sum.Until)
	require.Len(t, sum.Levels, 3)
	camp := sum.Levels[0]
	assert.Equal(t, "campaign", camp.Level)
	assert.Greater(t, camp.Totals.Spend, int64(0))
	assert.True(t, camp.Metrics.CPA.OK)
	assert.InDelta(t, float64(camp.Totals.Spend)/float64(camp.Totals.Conversions), camp.Metrics.CPA.Value, 1e-9, "CPA is a ratio of the sums")

	ents := ok[EntitiesOut](e, "list_entities", map[string]any{"account": shop, "level": "campaign"})
	assert.Equal(t, sum.Since, ents.Since)
	var spend int64
	for _, x := range ents.Entities {
		spend += x.Counts.Spend
	}
	assert.Equal(t, camp.Totals.Spend, spend, "the campaigns' spends add up to the summary's total")
	sets := ok[EntitiesOut](e, "list_entities", map[string]any{"account": shop, "level": "adset"})
	byID := map[string]EntityOut{}
	for _, x := range sets.Entities {
		byID[x.ID] = x
	}
	assert.Equal(t, int64(5000), byID[siteVisitors].DailyBudget)
	assert.Equal(t, "ACTIVE", byID[siteVisitors].Status)
	assert.Equal(t, "CAMPAIGN_PAUSED", byID["120300000000000016"].Status, "the video ad set of the paused campaign")
	assert.Equal(t, int64(15000), byID[metaadstest.DemoLosingSet].DailyBudget)
	assert.Equal(t, sets.Entities[0].Counts.Spend, slices.MaxFunc(sets.Entities, func(a, b EntityOut) int { return int(a.Counts.Spend - b.Counts.Spend) }).Counts.Spend, "by spend")

	rep := ok[ReportOut](e, "latest_report", map[string]any{"account": shop, "markdown": true})
	assert.Equal(t, sum.Data.Now, rep.Data.Now, "one pass serves every tool")
	assert.NotEmpty(t, rep.Summary)
	require.NotEmpty(t, rep.Recommendations)
	assert.Equal(t, metaadstest.DemoLosingSet, rep.Recommendations[0].Entity.ID, "the money-losing ad set ranks first")
	assert.Contains(t, rep.Markdown, "Demo Shop US")
	var cut *DecisionBrief
	for i, d := range rep.Decisions {
		if d.EntityID == metaadstest.DemoLosingSet && d.Action == "scale_budget" {
			cut = &rep.Decisions[i]
		}
	}
	require.NotNil(t, cut, "the rules cut the losing ad set: %+v", rep.Decisions)
	assert.Equal(t, int64(15000), cut.From)
	assert.Equal(t, int64(12000), cut.To)

	ex := ok[ExplainOut](e, "explain_decision", map[string]any{"account": shop, "decision_id": cut.ID})
	assert.Equal(t, "pass", ex.Source)
	assert.Equal(t, cut.RuleID, ex.Rule.ID)
	assert.NotEmpty(t, ex.Decision.Evidence)
	assert.NotEmpty(t, ex.Decision.Safeguards)
	require.NotNil(t, ex.Coverage)
	assert.Positive(t, ex.Coverage.Fired)
	assert.True(t, json.Valid([]byte(ex.Rule.Conditions)))
	e.fails(CodeNotFound, "explain_decision", map[string]any{"account": shop, "decision_id": "0123"})

	sig := ok[SignalsOut](e, "get_signals", map[string]any{"account": shop})
	require.NotEmpty(t, sig.Signals, "the demo shop's planted patterns")
	kinds := map[string]bool{}
	for _, s := range sig.Signals {
		kinds[string(s.Kind)] = true
		assert.NotEmpty(t, s.Evidence, s.Finding)
	}
	assert.True(t, kinds["hour_of_day"], "the planted hour-of-day effect: %v", kinds)
	fat := ok[SignalsOut](e, "get_signals", map[string]any{"account": shop, "entity_id": metaadstest.DemoFatiguedAd})
	assert.NotEmpty(t, fat.Signals, "the fatiguing creative")

	// Bad input is a tool error naming the argument: the schema's enum,
	// or the server's own checks.
	res := e.call("account_summary", map[string]any{"account": shop, "window": "last_9d"})
	assert.True(t, res.IsError)
	assert.Contains(t, text(res), "last_9d")
	assert.Contains(t, e.fails(CodeInvalidArgument, "list_entities", map[string]any{"account": shop, "limit": 9999}), "limit 9999")
	e.fails(CodeInvalidArgument, "list_entities", map[string]any{"account": "shop"})
	res = e.call("account_summary", map[string]any{"account": shop, "extra": 1})
	assert.True(t, res.IsError, "an unknown argument fails the schema")
	// An account outside the credentials.
	assert.Contains(t, e.fails(CodeAccountNotAllowed, "account_summary", map[string]any{"account": tokyo}), tokyo)

	// Resources and the prompt.
	var uris []string
	for r, err := range e.cs.Resources(ctx, nil) {
		require.NoError(t, err)
		uris = append(uris, r.URI)
	}
	assert.Equal(t, []string{"adpilot://accounts/" + shop + "/report.md", "adpilot://accounts/" + leads + "/report.md"}, sorted(uris))
	md, err := e.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "adpilot://accounts/" + shop + "/report.md"})
	require.NoError(t, err)
	assert.Equal(t, rep.Markdown, md.Contents[0].Text)
	js, err := e.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "adpilot://accounts/" + shop + "/report.json"})
	require.NoError(t, err)
	assert.True(t, json.Valid([]byte(js.Contents[0].Text)))
	_, err = e.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "adpilot://accounts/" + tokyo + "/report.md"})
	assert.ErrorContains(t, err, CodeAccountNotAllowed)
	_, err = e.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "adpilot://accounts/" + shop + "/stored-report.md"})
	assert.ErrorContains(t, err, "no agent run has stored a report")
	pr, err := e.cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: "weekly_review", Arguments: map[string]string{"account": shop}})
	require.NoError(t, err)
	body := pr.Messages[0].Content.(*mcp.TextContent).Text
	for _, tool := range []string{"account_summary", "latest_report", "get_signals", "explain_decision", "propose_change", "apply_change"} {
		assert.Contains(t, body, tool)
	}
	assert.Contains(t, body, "Demo Shop US ("+shop+")", "named from the pass already read")
	assert.Contains(t, body, "minor units of USD")

	// Once read, the account's name and currency come from the pass.
	accts = ok[AccountsOut](e, "list_accounts", nil)
	assert.Equal(t, "Demo Shop US", accts.Accounts[0].Name)
	assert.Equal(t, "USD", accts.Accounts[0].Currency)

	e.secretsAbsent()
}

func schemaMap(t testing.TB, s any) map[string]any {
	t.Helper()
	b, err := json.Marshal(s)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.SortFunc(s, strings.Compare)
	return s
}
