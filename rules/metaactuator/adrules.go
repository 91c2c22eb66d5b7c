package metaactuator

import (
	"context"
	"fmt"
	"strings"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/rules"
)

// AdRuleSpec converts a rule exported by [rules.RuleSet.ExportMeta] to the
// spec [metaads.AdRulesService.Create] sends. The two packages cannot see
// each other (rules stays pure), so this is where they meet.
func AdRuleSpec(m rules.MetaRule) metaads.AdRuleSpec {
	filters := func(fs []rules.MetaFilter) []metaads.AdRuleFilter {
		out := make([]metaads.AdRuleFilter, len(fs))
		for i, f := range fs {
			out[i] = metaads.AdRuleFilter{Field: f.Field, Value: f.Value, Operator: f.Operator}
		}
		return out
	}
	spec := metaads.AdRuleSpec{
		Name:           m.Name,
		EvaluationSpec: metaads.AdRuleEvaluationSpec{EvaluationType: m.EvaluationSpec.EvaluationType, Filters: filters(m.EvaluationSpec.Filters)},
		ExecutionSpec:  metaads.AdRuleExecutionSpec{ExecutionType: m.ExecutionSpec.ExecutionType, ExecutionOptions: filters(m.ExecutionSpec.ExecutionOptions)},
		Status:         metaads.AdRuleStatus(m.Status),
	}
	if s := m.ScheduleSpec; s != nil {
		spec.ScheduleSpec = &metaads.AdRuleScheduleSpec{ScheduleType: s.ScheduleType}
		for _, e := range s.Schedule {
			spec.ScheduleSpec.Schedule = append(spec.ScheduleSpec.Schedule, metaads.AdRuleSchedule{StartMinute: e.StartMinute, EndMinute: e.EndMinute, Days: e.Days})
		}
	}
	return spec
}

// CreatedAdRule pairs an exported rule with the Meta rule created for it.
type CreatedAdRule struct {
	RuleID   string // the rule's id in the rule document
	AdRuleID string // the id of Meta's rule
}

// CreateAdRules creates every rule of the export in the account's rules
// library, in order. When the export names a currency (Spec.Currency) it
// first reads the account's and refuses a different one with an error
// matching [rules.ErrCurrencyMismatch], creating nothing: the rules' money
// values are minor units of their currency. It stops at the first failure
// and returns the rules created before it with the error, which names the
// rule; creates are not retried unless Meta certainly did not process
// them, so a failure never leaves a duplicate behind.
func CreateAdRules(ctx context.Context, client *metaads.Client, acct metaads.AccountID, exp *rules.MetaExport) ([]CreatedAdRule, error) {
	if client == nil {
		return nil, fmt.Errorf("metaactuator: CreateAdRules: nil client")
	}
	if exp == nil {
		return nil, fmt.Errorf("metaactuator: CreateAdRules: nil export")
	}
	if exp.Currency != "" {
		a, err := client.Accounts.Get(ctx, acct, metaads.GetOptions{Fields: []string{"id", "currency"}})
		if err != nil {
			return nil, fmt.Errorf("metaactuator: reading the currency of %s: %w", acct, err)
		}
		if !strings.EqualFold(a.Currency, exp.Currency) {
			return nil, fmt.Errorf("metaactuator: %w: the rules' money is in %s, account %s is in %s", rules.ErrCurrencyMismatch, exp.Currency, acct, a.Currency)
		}
	}
	var out []CreatedAdRule
	for _, r := range exp.Rules {
		id, err := client.AdRules.Create(ctx, acct, AdRuleSpec(r.Meta))
		if err != nil {
			return out, fmt.Errorf("metaactuator: creating Meta rule for %q: %w", r.RuleID, err)
		}
		out = append(out, CreatedAdRule{RuleID: r.RuleID, AdRuleID: id})
	}
	return out, nil
}
