package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/adpilot/adpilot/analysis"
)

// Reply is the JSON object a model answers with ([ReplySchema]). Every
// field is data to check, never to trust: [ParseReply] only decodes it,
// and the grounding check decides what reaches the Result.
type Reply struct {
	// Summary is a few sentences on the account.
	Summary string `json:"summary"`
	// Recommendations are the model's, most important first.
	Recommendations []ReplyRecommendation `json:"recommendations"`
}

// ReplyRecommendation is one recommendation of a [Reply].
type ReplyRecommendation struct {
	Entity     ReplyEntity     `json:"entity"`
	Related    []ReplyEntity   `json:"related"`
	Kind       string          `json:"kind"`     // problem or opportunity
	Priority   string          `json:"priority"` // urgent, high, medium, low
	Action     ReplyAction     `json:"action"`
	Title      string          `json:"title"`
	Rationale  string          `json:"rationale"`
	Evidence   []ReplyEvidence `json:"evidence"`
	Impact     ReplyImpact     `json:"impact"`
	Confidence ReplyConfidence `json:"confidence"`
	// Sources are references of the facts: "rule:<decision id>" or
	// "signal:<n>".
	Sources []string `json:"sources"`
}

// ReplyEntity names an entity by level and id.
type ReplyEntity struct {
	Level string `json:"level"` // account, campaign, adset or ad
	ID    string `json:"id"`
}

// ReplyAction is the proposed action. Percent is the relative change of a
// budget or bid; To is the new budget or bid in major units of the
// currency (41.5 is 41.50 USD). Both are null when the action changes no
// amount.
type ReplyAction struct {
	Type    string   `json:"type"`
	Percent *float64 `json:"percent"`
	To      *float64 `json:"to"`
	Detail  string   `json:"detail"`
}

// ReplyEvidence cites one number of the facts: the entity ("" or the
// account id for the account totals), the metric, the window and the
// value as the facts write it ("41.20 USD").
type ReplyEvidence struct {
	EntityID string `json:"entity_id"`
	Metric   string `json:"metric"`
	Window   string `json:"window"`
	Value    string `json:"value"`
}

// ReplyImpact is the expected effect: words, and the predicted numbers.
type ReplyImpact struct {
	Summary   string          `json:"summary"`
	Estimates []ReplyEstimate `json:"estimates"`
}

// ReplyEstimate is a number the model predicts, with how it got it. Money
// is in major units of the currency, fractions in percent (12.5 is 12.5%).
type ReplyEstimate struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"` // money, percent, ratio, count, days
	Method string  `json:"method"`
}

// ReplyConfidence is the model's confidence in words.
type ReplyConfidence struct {
	Level string `json:"level"` // high, medium, low
	Basis string `json:"basis"`
}

// Limits of a reply, so that a runaway model cannot exhaust memory.
// maxReplyBytes holds eight default output caps (64,000 tokens) at up to
// 4 bytes a token; this package's prompts measured 2.78 to 3.20
// (testdata/prompt_tokens.tsv).
const (
	maxReplyBytes           = 256 << 10
	maxReplyRecommendations = 100
)

// ParseReply decodes a model's reply. It accepts the JSON object alone or
// inside one Markdown code fence (servers without structured output add
// them), refuses unknown fields, keys that differ from the schema's in
// case, a key twice in one object, nesting deeper than the schema's, a
// missing recommendations list, trailing data, more than 100
// recommendations and replies over 256 KiB, and says
// what was wrong in words a model can act on (the repair turn sends the
// error back). It never judges the content: that is the grounding check's.
func ParseReply(text string) (*Reply, error) {
	if len(text) > maxReplyBytes {
		return nil, fmt.Errorf("the reply is %d bytes; expected at most %d", len(text), maxReplyBytes)
	}
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, errors.New("the reply is empty; expected one JSON object")
	}
	if strings.HasPrefix(s, "```") {
		nl := strings.IndexByte(s, '\n')
		end := strings.LastIndex(s, "```")
		if nl < 0 || end <= nl {
			return nil, errors.New("the reply opens a code fence and never closes it; expected one JSON object")
		}
		s = strings.TrimSpace(s[nl+1 : end])
	}
	if !strings.HasPrefix(s, "{") {
		return nil, errors.New("the reply does not start with '{'; expected one JSON object and nothing else")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("the reply is not valid JSON: %v", err)
	}
	if err := checkKeys(s); err != nil {
		return nil, err
	}
	if _, ok := raw["recommendations"]; !ok {
		return nil, errors.New(`the reply has no "recommendations" field; expected {"summary": ..., "recommendations": [...]}`)
	}
	if _, ok := raw["summary"]; !ok {
		return nil, errors.New(`the reply has no "summary" field; expected {"summary": ..., "recommendations": [...]}`)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.DisallowUnknownFields()
	var r Reply
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("the reply does not follow the schema: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the reply has data after its JSON object; expected one object and nothing else")
	}
	if len(r.Recommendations) > maxReplyRecommendations {
		return nil, fmt.Errorf("the reply has %d recommendations; expected at most %d", len(r.Recommendations), maxReplyRecommendations)
	}
	return &r, nil
}

// The enumerations of the schema.
var (
	replyLevels     = []string{"account", "campaign", "adset", "ad"}
	replyKinds      = []string{string(analysis.KindProblem), string(analysis.KindOpportunity)}
	replyPriorities = []string{string(analysis.PriorityUrgent), string(analysis.PriorityHigh), string(analysis.PriorityMedium), string(analysis.PriorityLow)}
	replyConfidence = []string{string(analysis.ConfidenceHigh), string(analysis.ConfidenceMedium), string(analysis.ConfidenceLow)}
	replyUnits      = []string{"money", "percent", "ratio", "count", "days"}
	// replyActions are the action types a model may propose: the rules'
	// notify and freeze are the rule engine's own.
	replyActions = []analysis.ActionKind{analysis.ActionPause, analysis.ActionUnpause, analysis.ActionScaleBudget,
		analysis.ActionSetBudget, analysis.ActionChangeBid, analysis.ActionRefresh, analysis.ActionSchedule,
		analysis.ActionAudience, analysis.ActionConsolidate, analysis.ActionFixTracking, analysis.ActionReviewBudget,
		analysis.ActionInvestigate, analysis.ActionKeep, analysis.ActionMonitor, analysis.ActionOther}
)

// ReplySchema returns the JSON schema of [Reply]: the strict subset that
// OpenAI's and Anthropic's structured outputs accept (every property
// required, nullable numbers as ["number", "null"], no additional
// properties). Each call returns a new map.
func ReplySchema() map[string]any {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	enum := func(desc string, values []string) map[string]any {
		return map[string]any{"type": "string", "enum": values, "description": desc}
	}
	object := func(props map[string]any, order ...string) map[string]any {
		return map[string]any{"type": "object", "properties": props, "required": order, "additionalProperties": false}
	}
	array := func(items map[string]any) map[string]any { return map[string]any{"type": "array", "items": items} }
	nullable := func(desc string) map[string]any {
		return map[string]any{"type": []string{"number", "null"}, "description": desc}
	}
	actions := make([]string, len(replyActions))
	for i, a := range replyActions {
		actions[i] = string(a)
	}
	ref := func() map[string]any {
		return object(map[string]any{
			"level": enum("level of the entity", replyLevels),
			"id":    str("the entity's id as the facts give it"),
		}, "level", "id")
	}
	rec := object(map[string]any{
		"entity":   ref(),
		"related":  array(ref()),
		"kind":     enum("problem to fix or opportunity to take", replyKinds),
		"priority": enum("how soon to act", replyPriorities),
		"action": object(map[string]any{
			"type":    enum("what to do", actions),
			"percent": nullable("relative change of the budget or bid in percent (-20 cuts by 20%); null when none"),
			"to":      nullable("new budget or bid in major units of the currency; null when none"),
			"detail":  str("what the type alone does not say; may be empty"),
		}, "type", "percent", "to", "detail"),
		"title":     str("the recommendation in one line"),
		"rationale": str("why, citing numbers exactly as the facts write them"),
		"evidence": array(object(map[string]any{
			"entity_id": str("the entity the number is about; the account id for account totals"),
			"metric":    str("the metric name as the facts write it"),
			"window":    str("the window name (last_7d, previous_7d, last_30d, yesterday); empty for settings and goals"),
			"value":     str("the value exactly as the facts write it"),
		}, "entity_id", "metric", "window", "value")),
		"impact": object(map[string]any{
			"summary": str("the expected effect in words; its numbers must be estimates listed below or facts"),
			"estimates": array(object(map[string]any{
				"name":   str("what is estimated (daily_saving, extra_conversions_per_week, ...)"),
				"value":  map[string]any{"type": "number", "description": "the estimate"},
				"unit":   enum("unit of value: money in major units, percent as 12.5 for 12.5%", replyUnits),
				"method": str("how it was computed from the facts"),
			}, "name", "value", "unit", "method")),
		}, "summary", "estimates"),
		"confidence": object(map[string]any{
			"level": enum("how sure", replyConfidence),
			"basis": str("why, in words"),
		}, "level", "basis"),
		"sources": array(str(`references of the facts the recommendation rests on: "rule:<decision id>" or "signal:<n>"`)),
	}, "entity", "related", "kind", "priority", "action", "title", "rationale", "evidence", "impact", "confidence", "sources")
	return object(map[string]any{
		"summary":         str("a few sentences on the account's state and what matters most"),
		"recommendations": array(rec),
	}, "summary", "recommendations")
}

// replyKeys are the keys of the schema's objects.
var replyKeys = func() map[string]bool {
	keys := map[string]bool{}
	var walk func(m map[string]any)
	walk = func(m map[string]any) {
		if props, ok := m["properties"].(map[string]any); ok {
			for k, v := range props {
				keys[k] = true
				walk(v.(map[string]any))
			}
		}
		if items, ok := m["items"].(map[string]any); ok {
			walk(items)
		}
	}
	walk(ReplySchema())
	return keys
}()

// maxReplyDepth is deeper than the schema's objects and arrays nest.
const maxReplyDepth = 16

// checkKeys walks the JSON of s and refuses a key twice in one object
// (decoders disagree on which one wins), a key that is not exactly one
// of the schema's (encoding/json matches keys regardless of case, so
// "SUMMARY" or "ſummary" would decode as "summary"), and nesting deeper
// than the schema's.
func checkKeys(s string) error {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	type frame struct {
		obj     bool
		wantKey bool
		keys    map[string]bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the reply is not valid JSON: %v", err)
		}
		top := len(stack) - 1
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:top]
			if top > 0 && stack[top-1].obj {
				stack[top-1].wantKey = true
			}
			continue
		}
		if top >= 0 && stack[top].obj && stack[top].wantKey {
			key, _ := tok.(string)
			if !replyKeys[key] {
				return fmt.Errorf("the reply has an unknown field %q; expected only the schema's field names, exactly as the schema writes them", truncate(key, 40))
			}
			if stack[top].keys[key] {
				return fmt.Errorf("the reply has the field %q twice in one object; expected each field once", key)
			}
			stack[top].keys[key] = true
			stack[top].wantKey = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			if len(stack) >= maxReplyDepth {
				return fmt.Errorf("the reply nests deeper than %d levels; expected the schema's objects", maxReplyDepth)
			}
			stack = append(stack, frame{obj: true, wantKey: true, keys: map[string]bool{}})
		case json.Delim('['):
			if len(stack) >= maxReplyDepth {
				return fmt.Errorf("the reply nests deeper than %d levels; expected the schema's objects", maxReplyDepth)
			}
			stack = append(stack, frame{})
		default:
			if top >= 0 && stack[top].obj {
				stack[top].wantKey = true
			}
		}
	}
}
