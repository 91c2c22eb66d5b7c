package web

import (
	"testing"

	"github.com/adpilot/adpilot/rules"
)

func TestActionText(t *testing.T) {
	for _, tc := range []struct {
		d    rules.Decision
		want string
	}{
		{rules.Decision{Action: rules.ActionPause}, "pause"},
		{rules.Decision{Action: rules.ActionUnpause}, "unpause"},
		{rules.Decision{Action: rules.ActionNotify}, "notify"},
		{rules.Decision{Action: rules.ActionFreeze}, "freeze"},
		{rules.Decision{Action: rules.ActionScaleBudget, Budget: rules.BudgetDaily, From: 15000, To: 12000}, "daily budget 150.00 → 120.00 USD (-20%)"},
		{rules.Decision{Action: rules.ActionSetBudget, Budget: rules.BudgetLifetime, From: 100000, To: 150000}, "lifetime budget 1000.00 → 1500.00 USD (+50%)"},
		{rules.Decision{Action: rules.ActionChangeBid, From: 250, To: 300}, "bid 2.50 → 3.00 USD (+20%)"},
		{rules.Decision{Action: rules.ActionScaleBudget}, "scale budget"}, // no amounts: the action's name
	} {
		if got := actionText(tc.d, "USD"); got != tc.want {
			t.Errorf("actionText(%v %d -> %d) = %q, want %q", tc.d.Action, tc.d.From, tc.d.To, got, tc.want)
		}
	}
}
