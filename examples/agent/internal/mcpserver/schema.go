package mcpserver

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metrics"
	"github.com/adpilot/adpilot/rules"
)

// textTypes are the types of the tools' outputs that encode as JSON
// strings through MarshalText while their Go kind is a number or a struct:
// their schema is the string's, not the one inferred from the Go type.
// (And the recursive condition tree of the rules format, which inference
// cannot follow.)
var textTypes = map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[metaads.Date]():      {Type: "string", Description: "a day in the account's time zone, YYYY-MM-DD"},
	reflect.TypeFor[metaads.AccountID](): {Type: "string", Description: "an ad account id, act_123"},
	reflect.TypeFor[rules.Window]():      {Type: "string", Description: "a rules window: today, yesterday, last_3d, last_7d, last_14d, last_30d, previous_7d, launch_7d, baseline_7d, lifetime, day_2 ... day_7"},
	reflect.TypeFor[rules.ActionType]():  {Type: "string", Description: "pause, unpause, scale_budget, set_budget, change_bid, notify or freeze"},
	reflect.TypeFor[rules.Class]():       {Type: "string", Description: "safety, protect, scale or notify"},
	reflect.TypeFor[rules.BudgetKind]():  {Type: "string", Description: "daily or lifetime (empty: no budget)"},
	reflect.TypeFor[metrics.Ranking]():   {Type: "string"},
	reflect.TypeFor[json.RawMessage]():   {Description: "the producer's own JSON"},
	// A condition tree nests itself; its schema is the rules format's.
	reflect.TypeFor[rules.ConditionSpec](): {Type: "object", Description: "a condition of the rules format: all, any, not, metric or field with op and value, hours, weekdays, min_data or recent_action"},
}

// schemaFor infers the JSON schema of T as the SDK would, with the
// string schemas of textTypes, and arrays that may also be null (a Go nil
// slice encodes as null; the SDK validates every output against its
// schema). enums, when given, restrict string properties of the top-level
// object to the listed values.
func schemaFor[T any](enums map[string][]string) *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: textTypes})
	if err != nil {
		panic(fmt.Sprintf("mcpserver: schema of %T: %v", *new(T), err)) // a programming error, found by every test
	}
	nullableArrays(s, map[*jsonschema.Schema]bool{})
	for name, vals := range enums {
		p := s.Properties[name]
		if p == nil {
			panic(fmt.Sprintf("mcpserver: schema of %T has no property %q", *new(T), name))
		}
		for _, v := range vals {
			p.Enum = append(p.Enum, v)
		}
	}
	return s
}

func nullableArrays(s *jsonschema.Schema, seen map[*jsonschema.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	if s.Type == "array" {
		s.Type, s.Types = "", []string{"null", "array"}
	}
	for _, p := range s.Properties {
		nullableArrays(p, seen)
	}
	for _, d := range s.Defs {
		nullableArrays(d, seen)
	}
	nullableArrays(s.Items, seen)
	nullableArrays(s.AdditionalProperties, seen)
	for _, sub := range s.AnyOf {
		nullableArrays(sub, seen)
	}
	for _, sub := range s.OneOf {
		nullableArrays(sub, seen)
	}
}
