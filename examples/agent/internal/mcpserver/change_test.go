package mcpserver

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// writes counts the budget or status writes the fake received for id.
func (e *env) writes(id string) int {
	n := 0
	for _, r := range e.fake.Requests() {
		if r.Method == "POST" && r.Path == "/"+id {
			n++
		}
	}
	return n
}

func (e *env) budget(id string) int64 {
	e.t.Helper()
	a, ok := e.fake.AdSet(id)
	require.True(e.t, ok, id)
	return a.DailyBudget
}

func propose(args map[string]any) map[string]any {
	if _, ok := args["reason"]; !ok {
		args["reason"] = "test: " + args["action"].(string)
	}
	return args
}

// TestApplyOnce: a proposal to raise the demo's retargeting ad set by 20%
// is allowed with every safeguard's verdict; applying it writes the
// budget in the fake once, and applying it again does nothing
// (already_applied, no second write). Each call is in the audit log with
// the tool, the client and its arguments. A second change to the same
// budget is then refused by the cooldown, at proposal and at apply.
func TestApplyOnce(t *testing.T) {
	e := newEnv(t)
	p := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 20,
		"reason": "best CPA of the account over the last 7 days"}))
	assert.True(t, p.Allowed, "%+v", p)
	assert.Equal(t, int64(5000), p.From)
	assert.Equal(t, int64(6000), p.To)
	assert.Equal(t, "daily", p.Budget)
	assert.Len(t, p.ProposalID, 32)
	assert.True(t, p.ApplyEnabled)
	names := map[string]bool{}
	for _, c := range p.Safeguards {
		names[c.Name] = c.Passed
	}
	for _, n := range []string{"max_daily_changes", "learning_phase", "cooldown", "max_step", "max_week", "one_mutation_per_run"} {
		assert.True(t, names[n], "safeguard %s passed: %+v", n, p.Safeguards)
	}
	assert.Contains(t, p.Evidence[0].Text, "best CPA of the account", "the reason is the evidence")
	assert.Equal(t, int64(5000), e.budget(siteVisitors), "proposing changes nothing")
	assert.Zero(t, e.writes(siteVisitors))

	a := ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": p.ProposalID})
	assert.Equal(t, "applied", a.Status)
	assert.Equal(t, "applied", a.Outcome)
	assert.Equal(t, int64(6000), e.budget(siteVisitors))
	again := ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": p.ProposalID})
	assert.Equal(t, "already_applied", again.Status)
	assert.Equal(t, int64(6000), e.budget(siteVisitors))
	assert.Equal(t, 1, e.writes(siteVisitors), "one budget write however often apply is called")

	// The ledger holds the change; the audit log names each call.
	entry, found, err := e.store.Ledger().Lookup(context.Background(), p.ProposalID)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, int64(6000), entry.To)
	log, err := e.store.AuditLog(context.Background(), 0, 10)
	require.NoError(t, err)
	require.Len(t, log, 3)
	for i, want := range []struct{ tool, outcome string }{{"propose_change", "ok"}, {"apply_change", "ok"}, {"apply_change", "ok"}} {
		assert.Equal(t, want.tool, log[i].Tool)
		assert.Equal(t, want.outcome, log[i].Outcome)
		assert.Equal(t, "test-assistant 1.0", log[i].Client)
		assert.Equal(t, shop, log[i].Account)
		assert.Equal(t, p.ProposalID, log[i].ProposalID)
		assert.True(t, json.Valid([]byte(log[i].Arguments)))
	}
	assert.Contains(t, log[2].Detail, "already_applied")
	assert.Equal(t, log[1].Seq, a.AuditSeq)

	// The cooldown: the next budget change of this ad set waits a day.
	p2 := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": -10}))
	assert.Equal(t, int64(6000), p2.From, "the pass after the change reads the new budget")
	assert.False(t, p2.Allowed)
	assert.Contains(t, p2.BlockedBy, "cooldown")
	msg := e.fails(CodeBlocked, "apply_change", map[string]any{"proposal_id": p2.ProposalID})
	assert.Contains(t, msg, "cooldown: this rule last acted")
	assert.Equal(t, 1, e.writes(siteVisitors))
	e.secretsAbsent()
}

// TestSafeguards: an apply refused by each safeguard, with its reason:
// the step cap, the budget floor, the weekly cap, the learning freeze of
// a re-activated ad set and the kill switch; an expired proposal; and
// nothing written to the fake by any refused apply.
func TestSafeguards(t *testing.T) {
	t.Run("step cap", func(t *testing.T) {
		e := newEnv(t)
		p := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 50}))
		assert.False(t, p.Allowed)
		assert.Equal(t, int64(7500), p.RequestedTo)
		assert.Equal(t, int64(6000), p.To, "the step cap allows 20%")
		assert.Contains(t, p.BlockedBy, "exact_value")
		assert.Contains(t, p.Next, "allow 6000")
		msg := e.fails(CodeBlocked, "apply_change", map[string]any{"proposal_id": p.ProposalID})
		assert.Contains(t, msg, "max_step")
		assert.Contains(t, msg, "asked for 7500")

		// The kill switch, engaged after the proposal.
		p = ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 10}))
		require.True(t, p.Allowed)
		e.kill.Store(true)
		assert.Contains(t, e.fails(CodeBlocked, "apply_change", map[string]any{"proposal_id": p.ProposalID}), "kill_switch")
		assert.True(t, ok[AccountsOut](e, "list_accounts", nil).KillSwitch)
		k := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "pause"}))
		assert.Equal(t, []string{"kill_switch"}, k.BlockedBy, "even a pause")
		e.kill.Store(false)

		// An expired proposal.
		e.clock.add(DefaultProposalTTL + time.Minute)
		assert.Contains(t, e.fails(CodeProposalExpired, "apply_change", map[string]any{"proposal_id": p.ProposalID}), "propose the change again")
		assert.Zero(t, e.writes(siteVisitors))
		e.fails(CodeNotFound, "apply_change", map[string]any{"proposal_id": "nope"})

		// A proposal of an account the credentials no longer allow (the
		// file changed since): refused at apply.
		sp, err := e.store.LoadProposal(context.Background(), p.ProposalID)
		require.NoError(t, err)
		sp.ID, sp.Account = "foreign", tokyo
		sp.Body = strings.Replace(strings.Replace(sp.Body, shop, tokyo, -1), p.ProposalID, "foreign", -1)
		sp.ExpiresAt = e.clock.now().Add(time.Hour)
		_, err = e.store.SaveProposal(context.Background(), sp)
		require.NoError(t, err)
		assert.Contains(t, e.fails(CodeAccountNotAllowed, "apply_change", map[string]any{"proposal_id": "foreign"}), tokyo)
		assert.Contains(t, e.fails(CodeAccountNotAllowed, "propose_change", propose(map[string]any{"account": tokyo, "entity_id": "120300000000000019", "action": "pause"})), tokyo)
		assert.Zero(t, e.writes("120300000000000019"))
		e.secretsAbsent()
	})
	t.Run("floor", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.Safeguards.MinBudget = 4500 })
		p := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "set_budget", "amount": 4000}))
		assert.False(t, p.Allowed)
		assert.Equal(t, int64(4500), p.To)
		msg := e.fails(CodeBlocked, "apply_change", map[string]any{"proposal_id": p.ProposalID})
		assert.Contains(t, msg, "min_budget")
		assert.Equal(t, int64(5000), e.budget(siteVisitors))
	})
	t.Run("weekly cap", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.Safeguards.MaxWeekPercent, c.Safeguards.Cooldown = 30, time.Hour })
		p := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 20}))
		require.True(t, p.Allowed)
		assert.Equal(t, "applied", ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": p.ProposalID}).Status)
		e.clock.add(2 * time.Hour) // past the cooldown
		p = ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 20}))
		assert.False(t, p.Allowed)
		assert.Equal(t, int64(6000), p.From)
		assert.Equal(t, int64(6500), p.To, "30% over the week's starting 5000")
		msg := e.fails(CodeBlocked, "apply_change", map[string]any{"proposal_id": p.ProposalID})
		assert.Contains(t, msg, "max_week")
		assert.Equal(t, int64(6000), e.budget(siteVisitors))
	})
	t.Run("learning freeze", func(t *testing.T) {
		e := newEnv(t)
		// Re-activating the paused lead ad set restarts its learning.
		p := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": leads, "entity_id": lookalikeEU, "action": "unpause"}))
		require.True(t, p.Allowed, "%+v", p.Safeguards)
		assert.Equal(t, "applied", ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": p.ProposalID}).Status)
		a, _ := e.fake.AdSet(lookalikeEU)
		require.Equal(t, "ACTIVE", a.Status)
		p = ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": leads, "entity_id": lookalikeEU, "action": "scale_budget", "percent": 10}))
		assert.False(t, p.Allowed)
		assert.Contains(t, p.BlockedBy, "learning_freeze")
		msg := e.fails(CodeBlocked, "apply_change", map[string]any{"proposal_id": p.ProposalID})
		assert.Contains(t, msg, "learning_freeze: frozen by rule \"learning-freeze\"")
		assert.Equal(t, int64(4000), e.budget(lookalikeEU))
		// The paused campaign's ad set cannot be changed at all.
		assert.Contains(t, e.fails(CodeNotActionable, "propose_change", propose(map[string]any{"account": shop, "entity_id": "120300000000000016", "action": "scale_budget", "percent": 10})), "CAMPAIGN_PAUSED")
	})
}

// TestReadOnly: without Apply a change can be proposed (a dry run with
// its safeguards) but apply_change refuses, and the fake is untouched.
func TestReadOnly(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.Apply = false })
	assert.False(t, ok[AccountsOut](e, "list_accounts", nil).ApplyEnabled)
	p := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 10}))
	assert.True(t, p.Allowed)
	assert.False(t, p.ApplyEnabled)
	assert.Contains(t, p.Next, "read-only")
	assert.Contains(t, e.fails(CodeReadOnly, "apply_change", map[string]any{"proposal_id": p.ProposalID}), "--apply")
	assert.Zero(t, e.writes(siteVisitors))
	log, err := e.store.AuditLog(context.Background(), 0, 10)
	require.NoError(t, err)
	require.Len(t, log, 2)
	assert.Equal(t, CodeReadOnly, log[1].Outcome)

	// Adopting a rule decision of the pass: the rules' cut of the losing
	// ad set, with its own safeguards.
	rep := ok[ReportOut](e, "latest_report", map[string]any{"account": shop})
	var id string
	for _, d := range rep.Decisions {
		if d.EntityID == metaadstest.DemoLosingSet && d.Action == "scale_budget" {
			id = d.ID
		}
	}
	require.NotEmpty(t, id)
	ad := ok[ProposeOut](e, "propose_change", map[string]any{"account": shop, "decision_id": id, "reason": "the report's urgent finding"})
	assert.True(t, ad.Allowed, "%+v", ad.Safeguards)
	assert.Equal(t, int64(12000), ad.To)
	ex := ok[ExplainOut](e, "explain_decision", map[string]any{"account": shop, "decision_id": ad.ProposalID})
	assert.Equal(t, "proposal", ex.Source)
	assert.NotEqual(t, ruleBudget, ex.Rule.ID)
	_ = store.ErrNotFound
	e.secretsAbsent()
}

// TestSameDecisionAskedDifferently: raising by 50% (clamped by the step
// cap to the same 6000 a 20% raise writes, so the same decision id) and
// then by 20% gives an allowed proposal that applies; asking for 50%
// again afterwards is refused without spoiling it. Before, the refused
// request's proposal stood under the id: the 20% answer said allowed with
// requested_to 7500, and applying it was refused.
func TestSameDecisionAskedDifferently(t *testing.T) {
	e := newEnv(t)
	big := propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 50})
	p1 := ok[ProposeOut](e, "propose_change", big)
	require.False(t, p1.Allowed)
	p2 := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 20}))
	require.Equal(t, p1.ProposalID, p2.ProposalID, "the same decision: same rule, entity, value and data")
	assert.True(t, p2.Allowed)
	assert.Equal(t, int64(6000), p2.RequestedTo)
	p3 := ok[ProposeOut](e, "propose_change", big)
	assert.False(t, p3.Allowed)
	assert.Equal(t, int64(7500), p3.RequestedTo, "the answer is about this request")
	assert.True(t, p3.ExpiresAt.Equal(p2.ExpiresAt), "the allowed proposal stands")
	a := ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": p2.ProposalID})
	assert.Equal(t, "applied", a.Status)
	assert.Equal(t, int64(6000), e.budget(siteVisitors))
	assert.Equal(t, 1, e.writes(siteVisitors))
}

// TestStaleProposal: a proposal is judged on its data and the ledger up
// to then, so a change of the entity decided on newer data makes it
// stale. Here the rules' cut of the losing ad set (15000 -> 12000) is
// adopted; meanwhile a cut to 13500 and, past the cooldown, a raise back
// to 15000 are applied; the adopted cut then finds the budget it was
// decided on again, but it would be the entity's third change in a day
// (max_daily_changes 2 counted only the changes decided before its data):
// it is refused as stale and nothing more is written.
func TestStaleProposal(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.Safeguards.Cooldown = time.Minute })
	losing := metaadstest.DemoLosingSet
	var id string
	for _, d := range ok[ReportOut](e, "latest_report", map[string]any{"account": shop}).Decisions {
		if d.EntityID == losing && d.Action == "scale_budget" {
			id = d.ID
		}
	}
	require.NotEmpty(t, id)
	adopted := ok[ProposeOut](e, "propose_change", map[string]any{"account": shop, "decision_id": id, "reason": "the report's cut"})
	require.True(t, adopted.Allowed, "%+v", adopted.Safeguards)
	cut := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": losing, "action": "scale_budget", "percent": -10}))
	require.True(t, cut.Allowed, "%+v", cut.Safeguards)
	assert.Equal(t, "applied", ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": cut.ProposalID}).Status)
	e.clock.add(2 * time.Minute)
	back := ok[ProposeOut](e, "propose_change", propose(map[string]any{"account": shop, "entity_id": losing, "action": "set_budget", "amount": 15000}))
	require.True(t, back.Allowed, "%+v", back.Safeguards)
	assert.Equal(t, "applied", ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": back.ProposalID}).Status)
	require.Equal(t, int64(15000), e.budget(losing))

	msg := e.fails(CodeStale, "apply_change", map[string]any{"proposal_id": adopted.ProposalID})
	assert.Contains(t, msg, "was changed after the data of proposal")
	assert.Equal(t, int64(15000), e.budget(losing))
	assert.Equal(t, 2, e.writes(losing))
	e.secretsAbsent()
}
