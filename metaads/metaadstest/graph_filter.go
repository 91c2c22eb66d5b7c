package metaadstest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// edgeFilter implements filtering=[{field,operator,value}] and
// effective_status=[...] on object edges. Without an effective_status
// filter, DELETED and ARCHIVED objects are left out ([UNVERIFIED] default,
// matching what Ads Manager shows and what clients expect).
type edgeFilter struct {
	rules []filterRule
}

type filterRule struct {
	Field    string `json:"field"`
	Operator string `json:"operator"`
	Value    any    `json:"value"`
}

var filterOps = []string{"EQUAL", "NOT_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "LESS_THAN", "LESS_THAN_OR_EQUAL", "IN_RANGE", "NOT_IN_RANGE", "CONTAIN", "NOT_CONTAIN", "IN", "NOT_IN", "STARTS_WITH", "ENDS_WITH", "ANY", "ALL", "NONE"}

func parseFilterRules(raw string) ([]filterRule, *apiError) {
	if raw == "" {
		return nil, nil
	}
	var rules []filterRule
	if err := json.Unmarshal([]byte(raw), &rules); err != nil {
		return nil, errParam("Param filtering must be a JSON array of {field, operator, value} objects: %v", err)
	}
	for _, r := range rules {
		if r.Field == "" {
			return nil, errParam("Filtering field is required")
		}
		if !slices.Contains(filterOps, r.Operator) {
			return nil, errParam("Filtering operator %q for field %s must be one of %s", r.Operator, r.Field, strings.Join(filterOps, ", "))
		}
	}
	return rules, nil
}

// effectiveStatuses are the effective_status values of each edge's
// objects (reference §3.2-3.4); a filter on another value is error 100.
var effectiveStatuses = map[string][]string{
	"campaigns": {"ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "IN_PROCESS", "WITH_ISSUES"},
	"adsets":    {"ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "CAMPAIGN_PAUSED", "IN_PROCESS", "WITH_ISSUES"},
	"ads": {"ACTIVE", "PAUSED", "DELETED", "ARCHIVED", "ADSET_PAUSED", "CAMPAIGN_PAUSED", "PENDING_REVIEW",
		"DISAPPROVED", "PREAPPROVED", "PENDING_BILLING_INFO", "IN_PROCESS", "WITH_ISSUES"},
	"adcreatives": {"ACTIVE", "DELETED", "IN_PROCESS", "WITH_ISSUES"},
}

// checkEffectiveStatus refuses an effective_status value the edge's
// objects cannot have.
func checkEffectiveStatus(edge string, values []string) *apiError {
	allowed, ok := effectiveStatuses[edge]
	if !ok {
		return nil
	}
	for _, v := range values {
		if !slices.Contains(allowed, v) {
			return errParam("Param effective_status[%q] must be one of {%s}", v, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// ruleStrings is a filtering rule's value as strings (a string or a list
// of strings; other values are left to the matcher).
func ruleStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func parseEdgeFilters(c *call) (*edgeFilter, *apiError) {
	rules, e := parseFilterRules(c.param("filtering"))
	if e != nil {
		return nil, e
	}
	edge := c.r.PathValue("edge")
	for _, r := range rules {
		if _, f, _ := strings.Cut(r.Field, "."); f == "effective_status" || r.Field == "effective_status" {
			if e := checkEffectiveStatus(edge, ruleStrings(r.Value)); e != nil {
				return nil, e
			}
		}
	}
	for i := range rules {
		// "campaign.name" on the campaigns edge means the campaign itself.
		if _, f, ok := strings.Cut(rules[i].Field, "."); ok {
			rules[i].Field = f
		}
	}
	if es := c.param("effective_status"); es != "" {
		list := parseFields(es)
		if e := checkEffectiveStatus(edge, list); e != nil {
			return nil, e
		}
		rules = append(rules, filterRule{Field: "effective_status", Operator: "IN", Value: toAny(list)})
	}
	hasStatus := slices.ContainsFunc(rules, func(r filterRule) bool { return r.Field == "effective_status" })
	if !hasStatus {
		rules = append(rules, filterRule{Field: "effective_status", Operator: "NOT_IN", Value: []any{"DELETED", "ARCHIVED"}})
	}
	return &edgeFilter{rules: rules}, nil
}

func toAny(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

func (f *edgeFilter) withFields(fields []string) []string {
	out := slices.Clone(fields)
	if len(out) == 0 {
		out = []string{"id"}
	}
	for _, r := range f.rules {
		if !slices.Contains(out, r.Field) {
			out = append(out, r.Field)
		}
	}
	if len(fields) == 0 && len(out) == 1 {
		return fields
	}
	return out
}

func (f *edgeFilter) match(m map[string]any) bool {
	for _, r := range f.rules {
		if !matchRule(r, m[r.Field]) {
			return false
		}
	}
	return true
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

func asFloat(v any) (float64, bool) {
	f, err := strconv.ParseFloat(asString(v), 64)
	return f, err == nil
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// matchRule applies one filter rule to a rendered value.
func matchRule(r filterRule, got any) bool {
	gs := asString(got)
	switch r.Operator {
	case "EQUAL":
		return gs == asString(r.Value)
	case "NOT_EQUAL":
		return gs != asString(r.Value)
	case "IN", "ANY":
		return slices.ContainsFunc(asList(r.Value), func(v any) bool { return asString(v) == gs })
	case "NOT_IN", "NONE":
		return !slices.ContainsFunc(asList(r.Value), func(v any) bool { return asString(v) == gs })
	case "CONTAIN":
		return strings.Contains(strings.ToLower(gs), strings.ToLower(asString(r.Value)))
	case "NOT_CONTAIN":
		return !strings.Contains(strings.ToLower(gs), strings.ToLower(asString(r.Value)))
	case "STARTS_WITH":
		return strings.HasPrefix(gs, asString(r.Value))
	case "ENDS_WITH":
		return strings.HasSuffix(gs, asString(r.Value))
	case "ALL":
		return gs == asString(r.Value)
	}
	g, ok1 := asFloat(got)
	switch r.Operator {
	case "IN_RANGE", "NOT_IN_RANGE":
		l := asList(r.Value)
		if len(l) != 2 || !ok1 {
			return false
		}
		lo, _ := asFloat(l[0])
		hi, _ := asFloat(l[1])
		in := g >= lo && g <= hi
		return in == (r.Operator == "IN_RANGE")
	}
	v, ok2 := asFloat(r.Value)
	if !ok1 || !ok2 {
		return false
	}
	switch r.Operator {
	case "GREATER_THAN":
		return g > v
	case "GREATER_THAN_OR_EQUAL":
		return g >= v
	case "LESS_THAN":
		return g < v
	case "LESS_THAN_OR_EQUAL":
		return g <= v
	}
	return false
}
