package metaads

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/adpilot/adpilot/internal/wire"
)

// AdRulesService creates, reads, previews, updates and deletes Meta's
// automated rules (act_<id>/adrules_library): rules Meta evaluates itself,
// on its own schedule.
type AdRulesService struct{ c *Client }

// AdRuleStatus is the status of an automated rule.
type AdRuleStatus string

// Rule statuses. A caller sets ENABLED or DISABLED; Meta sets HAS_ISSUES
// (with disable_error_code) on a rule it stopped running.
const (
	AdRuleEnabled   AdRuleStatus = "ENABLED"
	AdRuleDisabled  AdRuleStatus = "DISABLED"
	AdRuleDeleted   AdRuleStatus = "DELETED"
	AdRuleHasIssues AdRuleStatus = "HAS_ISSUES"
)

// AdRuleFilter is one {field, value, operator} entry of an evaluation
// spec's filters or an execution spec's options. Value is any JSON value;
// decoded values keep numbers as [json.Number], so ids and amounts read
// back exactly.
type AdRuleFilter struct {
	Field    string `json:"field"`
	Value    any    `json:"value"`
	Operator string `json:"operator"`
}

// UnmarshalJSON decodes a filter, keeping numbers as json.Number.
func (f *AdRuleFilter) UnmarshalJSON(b []byte) error {
	var w struct {
		Field    string `json:"field"`
		Value    any    `json:"value"`
		Operator string `json:"operator"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&w); err != nil {
		return fmt.Errorf("metaads: rule filter: %w", err)
	}
	*f = AdRuleFilter(w)
	return nil
}

// AdRuleEvaluationSpec selects the objects a rule acts on: filters
// combined with AND, evaluated on a schedule (SCHEDULE) or on a trigger.
type AdRuleEvaluationSpec struct {
	EvaluationType string         `json:"evaluation_type"` // SCHEDULE or TRIGGER
	Filters        []AdRuleFilter `json:"filters"`
	Trigger        *AdRuleTrigger `json:"trigger,omitempty"` // TRIGGER rules only
}

// AdRuleTrigger is the trigger of a TRIGGER rule (STATS_CHANGE,
// STATS_MILESTONE, METADATA_CREATION, METADATA_UPDATE).
type AdRuleTrigger struct {
	Type     string `json:"type"`
	Field    string `json:"field,omitempty"`
	Value    any    `json:"value,omitempty"`
	Operator string `json:"operator,omitempty"`
}

// AdRuleExecutionSpec is what a rule does to the objects that pass:
// NOTIFICATION, PAUSE, UNPAUSE, CHANGE_BUDGET, CHANGE_CAMPAIGN_BUDGET,
// CHANGE_BID, ... with options such as change_spec and user_ids (their
// operator is always EQUAL).
type AdRuleExecutionSpec struct {
	ExecutionType    string         `json:"execution_type"`
	ExecutionOptions []AdRuleFilter `json:"execution_options,omitempty"`
}

// AdRuleScheduleSpec says when a SCHEDULE rule runs: DAILY, HOURLY,
// SEMI_HOURLY, or CUSTOM at the times in Schedule.
type AdRuleScheduleSpec struct {
	ScheduleType string           `json:"schedule_type"`
	Schedule     []AdRuleSchedule `json:"schedule,omitempty"`
}

// AdRuleSchedule is one entry of a CUSTOM schedule: minutes after midnight
// in the account's time zone (multiples of 30) and days (0 is Sunday).
type AdRuleSchedule struct {
	StartMinute *int  `json:"start_minute,omitempty"`
	EndMinute   *int  `json:"end_minute,omitempty"`
	Days        []int `json:"days,omitempty"`
}

// AdRuleSpec is a rule to create.
type AdRuleSpec struct {
	Name           string
	EvaluationSpec AdRuleEvaluationSpec
	ExecutionSpec  AdRuleExecutionSpec
	ScheduleSpec   *AdRuleScheduleSpec // required for SCHEDULE rules, absent for TRIGGER rules
	Status         AdRuleStatus        // AdRuleEnabled (when empty) or AdRuleDisabled
}

// AdRule is an automated rule as read back.
type AdRule struct {
	ID               string                `json:"id"`
	AccountID        string                `json:"account_id,omitempty"`
	Name             string                `json:"name,omitempty"`
	Status           AdRuleStatus          `json:"status,omitempty"`
	EvaluationSpec   *AdRuleEvaluationSpec `json:"evaluation_spec,omitempty"`
	ExecutionSpec    *AdRuleExecutionSpec  `json:"execution_spec,omitempty"`
	ScheduleSpec     *AdRuleScheduleSpec   `json:"schedule_spec,omitempty"`
	CreatedBy        *IDName               `json:"created_by,omitempty"`
	DisableErrorCode int                   `json:"disable_error_code,omitempty"` // why Meta stopped the rule (status HAS_ISSUES)
	CreatedTime      Time                  `json:"created_time,omitzero"`
	UpdatedTime      Time                  `json:"updated_time,omitzero"`
	// Raw is the rule as Meta sent it, with fields this type does not model.
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON decodes a rule and keeps the JSON in Raw. disable_error_code
// may arrive as a number or a numeric string.
func (r *AdRule) UnmarshalJSON(b []byte) error {
	type plain AdRule
	w := struct {
		*plain
		DisableErrorCode wire.Int64 `json:"disable_error_code"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("metaads: decoding ad rule: %w", err)
	}
	r.DisableErrorCode = int(w.DisableErrorCode)
	r.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// AdRulePreview is an object that passes a rule's filters now.
type AdRulePreview struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	EntityType string `json:"entity_type,omitempty"` // AD, ADSET or CAMPAIGN
}

// adRuleFields are the fields requested for rules when none are given.
var adRuleFields = []string{"id", "account_id", "name", "status", "evaluation_spec", "execution_spec", "schedule_spec", "created_by", "disable_error_code", "created_time", "updated_time"}

var adRuleEdge = edge{kind: "ad rule", name: "adrules_library", fields: adRuleFields}

func (r *AdRuleSpec) form() (url.Values, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("metaads: AdRuleSpec."+format, args...))
	}
	if strings.TrimSpace(r.Name) == "" {
		bad("Name is empty; want the rule's name")
	}
	switch r.Status {
	case "", AdRuleEnabled, AdRuleDisabled:
	default:
		bad("Status %q; want ENABLED, DISABLED or empty", r.Status)
	}
	switch r.EvaluationSpec.EvaluationType {
	case "SCHEDULE":
		if r.ScheduleSpec == nil {
			bad("ScheduleSpec is nil; a SCHEDULE rule needs one (DAILY, HOURLY, SEMI_HOURLY or CUSTOM)")
		}
	case "TRIGGER":
		if r.ScheduleSpec != nil {
			bad("ScheduleSpec is set; a TRIGGER rule takes none")
		}
		if r.EvaluationSpec.Trigger == nil {
			bad("EvaluationSpec.Trigger is nil; a TRIGGER rule needs one")
		}
	default:
		bad("EvaluationSpec.EvaluationType %q; want SCHEDULE or TRIGGER", r.EvaluationSpec.EvaluationType)
	}
	if len(r.EvaluationSpec.Filters) == 0 {
		bad("EvaluationSpec.Filters is empty; want at least an entity_type or id filter")
	}
	for i, f := range append(append([]AdRuleFilter(nil), r.EvaluationSpec.Filters...), r.ExecutionSpec.ExecutionOptions...) {
		if f.Field == "" || f.Operator == "" || f.Value == nil {
			bad("filter or option %d %+v: want field, value and operator", i, f)
		}
	}
	if r.ExecutionSpec.ExecutionType == "" {
		bad("ExecutionSpec.ExecutionType is empty; want NOTIFICATION, PAUSE, CHANGE_BUDGET, ...")
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	v := url.Values{"name": {r.Name}, "status": {string(AdRuleEnabled)}}
	if r.Status != "" {
		v.Set("status", string(r.Status))
	}
	for key, spec := range map[string]any{"evaluation_spec": r.EvaluationSpec, "execution_spec": r.ExecutionSpec} {
		b, err := json.Marshal(spec)
		if err != nil {
			return nil, fmt.Errorf("metaads: encoding %s: %w", key, err)
		}
		v.Set(key, string(b))
	}
	if r.ScheduleSpec != nil {
		b, err := json.Marshal(r.ScheduleSpec)
		if err != nil {
			return nil, fmt.Errorf("metaads: encoding schedule_spec: %w", err)
		}
		v.Set("schedule_spec", string(b))
	}
	return v, nil
}

// Create adds a rule to the account's rules library and returns its id.
// Meta validates the rule and refuses what it cannot run (error 100 naming
// the field; 2703 for cost conditions on ad set or ad pause rules). Like
// every write it is retried only when marked [Idempotent] or when the
// failure proves Meta did not process it: a resent create makes a second
// rule.
func (s *AdRulesService) Create(ctx context.Context, acct AccountID, spec AdRuleSpec, opts ...WriteOption) (string, error) {
	if err := requireAccount("creating an ad rule", acct); err != nil {
		return "", err
	}
	form, err := spec.form()
	if err != nil {
		return "", err
	}
	var wo writeOptions
	for _, o := range opts {
		if o != nil {
			o(&wo)
		}
	}
	var out struct {
		ID string `json:"id"`
	}
	req := &Request{Method: http.MethodPost, Path: acct.String() + "/adrules_library", Account: acct, Form: form, Idempotent: wo.idempotent}
	if _, err := s.c.Do(ctx, req, &out); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", fmt.Errorf("metaads: creating ad rule %q: Meta answered without an id", spec.Name)
	}
	return out.ID, nil
}

// Get reads a rule.
func (s *AdRulesService) Get(ctx context.Context, acct AccountID, id string, o GetOptions) (*AdRule, error) {
	return getObject[AdRule](ctx, s.c, "ad rule", acct, id, o, adRuleFields)
}

// List iterates over the account's rules library.
func (s *AdRulesService) List(ctx context.Context, acct AccountID, o ListOptions) iter.Seq2[AdRule, error] {
	return listAll[AdRule](ctx, s.c, adRuleEdge, acct, o)
}

// ListPage returns one page of the account's rules library.
func (s *AdRulesService) ListPage(ctx context.Context, acct AccountID, o ListOptions, after string) (*Page[AdRule], error) {
	return listPage[AdRule](ctx, s.c, adRuleEdge, acct, o, after)
}

// UpdateStatus enables or disables a rule.
func (s *AdRulesService) UpdateStatus(ctx context.Context, acct AccountID, id string, status AdRuleStatus, opts ...WriteOption) error {
	if status != AdRuleEnabled && status != AdRuleDisabled {
		return fmt.Errorf("metaads: ad rule %s: status %q: want ENABLED or DISABLED (use Delete to delete)", id, status)
	}
	return s.c.write(ctx, "ad rule", acct, id, url.Values{"status": {string(status)}}, opts)
}

// Delete deletes a rule.
func (s *AdRulesService) Delete(ctx context.Context, acct AccountID, id string, opts ...WriteOption) error {
	if err := requireAccount("deleting an ad rule", acct); err != nil {
		return err
	}
	if err := objectID("ad rule", id); err != nil {
		return err
	}
	var wo writeOptions
	for _, o := range opts {
		if o != nil {
			o(&wo)
		}
	}
	var out struct {
		Success *bool `json:"success"`
	}
	if _, err := s.c.Do(ctx, &Request{Method: http.MethodDelete, Path: id, Account: acct, Idempotent: wo.idempotent}, &out); err != nil {
		return err
	}
	if out.Success != nil && !*out.Success {
		return fmt.Errorf("metaads: DELETE %s: Meta answered success=false", id)
	}
	return nil
}

// Preview returns the objects that pass a schedule rule's filters now
// (POST /<rule-id>/preview), without acting on them. It changes nothing,
// so it is retried like a read.
func (s *AdRulesService) Preview(ctx context.Context, acct AccountID, id string) ([]AdRulePreview, error) {
	if err := requireAccount("previewing an ad rule", acct); err != nil {
		return nil, err
	}
	if err := objectID("ad rule", id); err != nil {
		return nil, err
	}
	var out []AdRulePreview
	seen := map[string]bool{}
	after := ""
	for {
		form := url.Values{}
		if after != "" {
			form.Set("after", after)
		}
		var wp wirePage[AdRulePreview]
		req := &Request{Method: http.MethodPost, Path: id + "/preview", Account: acct, Form: form, Idempotent: true}
		if _, err := s.c.Do(ctx, req, &wp); err != nil {
			return nil, err
		}
		out = append(out, wp.Data...)
		next := wp.Paging.Cursors.After
		if wp.Paging.Next == "" || next == "" || seen[next] {
			return out, nil
		}
		seen[next] = true
		after = next
	}
}
