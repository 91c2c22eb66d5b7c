package llm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/analysis/llm/llmtest"
)

func TestParseReply(t *testing.T) {
	good := llmtest.GoodReply()
	for _, text := range []string{good, "  " + good + "\n", "```json\n" + good + "\n```", "```\n" + good + "\n```"} {
		r, err := ParseReply(text)
		if err != nil {
			t.Fatalf("ParseReply(%.40q): %v", text, err)
		}
		if len(r.Recommendations) != 3 || r.Recommendations[0].Entity.ID != "s2" || *r.Recommendations[0].Action.Percent != -20 {
			t.Fatalf("decoded %+v", r)
		}
	}
	for _, tc := range []struct{ text, want string }{
		{"", "empty"},
		{"Sure! Here is the JSON: {}", "does not start with '{'"},
		{`{"summary":"x","recommendations":[]} trailing`, "not valid JSON"},
		{`{"summary":"x","recommendations":[]}{"summary":"y"}`, "not valid JSON"},
		{`{"summary":"x"}`, `no "recommendations"`},
		{`{"recommendations":[]}`, `no "summary"`},
		{`{"summary":"x","recommendations":[],"extra":1}`, "unknown field"},
		{`{"summary":"x","recommendations":[{"entity":{"level":"ad","id":"1","x":2}}]}`, "unknown field"},
		{`{"summary":1,"recommendations":[]}`, "does not follow the schema"},
		{"```json\n{\"summary\":\"x\"", "never closes"},
		{`{"summary":"x","recommendations":[` + strings.Repeat(`{},`, 100) + `{}]}`, "at most 100"},
	} {
		if _, err := ParseReply(tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseReply(%.50q) = %v; want an error with %q", tc.text, err, tc.want)
		}
	}
}

// TestReplySchemaStrict checks the schema is the strict subset the
// providers' structured outputs accept, and describes Reply exactly.
func TestReplySchemaStrict(t *testing.T) {
	var walk func(path string, s map[string]any)
	walk = func(path string, s map[string]any) {
		if s["type"] == "object" {
			props := s["properties"].(map[string]any)
			req := s["required"].([]string)
			if len(req) != len(props) || s["additionalProperties"] != false {
				t.Errorf("%s: %d required of %d properties, additionalProperties %v", path, len(req), len(props), s["additionalProperties"])
			}
			for _, k := range req {
				p, ok := props[k].(map[string]any)
				if !ok {
					t.Errorf("%s: required %q has no property", path, k)
					continue
				}
				walk(path+"."+k, p)
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(path+"[]", items)
		}
	}
	walk("reply", ReplySchema())
	// Every field of Reply is in the schema, so a reply that follows it decodes.
	b, _ := json.Marshal(ReplySchema())
	for _, field := range []string{"summary", "recommendations", "entity", "related", "kind", "priority", "action", "percent", "to", "detail",
		"title", "rationale", "evidence", "entity_id", "metric", "window", "value", "impact", "estimates", "name", "unit", "method", "confidence", "level", "basis", "sources"} {
		if !strings.Contains(string(b), `"`+field+`":`) {
			t.Errorf("schema lacks %q", field)
		}
	}
}

// FuzzParseReply: no input panics, and what parses re-encodes and parses
// again to the same value.
func FuzzParseReply(f *testing.F) {
	addSeeds(f)
	f.Add("```json\n{}\n```")
	f.Fuzz(func(t *testing.T, text string) {
		r, err := ParseReply(text)
		if err != nil {
			return
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ParseReply(string(b))
		if err != nil {
			t.Fatalf("re-encoded reply does not parse: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(r2)
		if string(b) != string(b2) {
			t.Fatalf("round trip changed the reply:\n%s\n%s", b, b2)
		}
	})
}

// FuzzGround: any reply that parses goes through the grounding check
// without panicking, and everything kept names an entity of the Input
// and cites evidence of the data.
func FuzzGround(f *testing.F) {
	addSeeds(f)
	in := llmtest.Input()
	facts, err := buildFacts(in)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r, err := ParseReply(text)
		if err != nil {
			return
		}
		g := facts.ground(r, defaultTolerance)
		if len(g.Recommendations)+countRecDrops(g) != len(r.Recommendations) {
			t.Fatalf("%d kept + %d dropped of %d", len(g.Recommendations), countRecDrops(g), len(r.Recommendations))
		}
		for _, rec := range g.Recommendations {
			if rec.Entity.ID != facts.account.ID && facts.byID[rec.Entity.ID] == nil {
				t.Fatalf("kept a recommendation on %q", rec.Entity.ID)
			}
			for _, e := range rec.Evidence {
				if e.Text == "" {
					t.Fatalf("evidence not from the data: %+v", e)
				}
			}
		}
	})
}

// addSeeds adds the replies of llmtest.Cases cut into small ones: the
// summary alone, and each recommendation alone. Whole replies of 2-3 KB
// as seeds stalled `go test -fuzz` (13 executions in 60 s from an empty
// cache): the engine minimises every input that finds new coverage,
// trying to remove each substring, which is quadratic in the input's
// length and takes up to -fuzzminimizetime (60 s) per input and worker,
// during which no execution is counted. Seeds of a few hundred bytes
// keep every field and value shape and minimise in well under a second.
func addSeeds(f *testing.F) {
	for _, c := range llmtest.Cases() {
		var r struct {
			Summary         json.RawMessage   `json:"summary"`
			Recommendations []json.RawMessage `json:"recommendations"`
		}
		if err := json.Unmarshal([]byte(c.Reply), &r); err != nil {
			f.Fatalf("%s: %v", c.Name, err)
		}
		f.Add(`{"summary":` + string(r.Summary) + `,"recommendations":[]}`)
		for _, rec := range r.Recommendations {
			f.Add(`{"summary":"","recommendations":[` + string(rec) + `]}`)
		}
	}
}

func countRecDrops(g *Grounded) int {
	n := 0
	for _, d := range g.Dropped {
		if d.Part == "recommendation" {
			n++
		}
	}
	return n
}

// TestParseReplyStrictKeys: a key twice, a key in another case (which
// encoding/json would take as the schema's), and deep nesting are
// refused with what was wrong.
func TestParseReplyStrictKeys(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`{"summary":"ROAS 0.54","summary":"Pause everything","recommendations":[]}`, `"summary" twice`},
		{`{"summary":"x","SUMMARY":"Pause everything","recommendations":[]}`, `field "SUMMARY"`},
		{`{"ſummary":"Pause everything","summary":"x","recommendations":[]}`, `field "ſummary"`},
		{`{"summary":"x","recommendations":[{"entity":{"level":"ad","id":"a1","ID":"s9"}}]}`, `field "ID"`},
		{`{"summary":"x","recommendations":[{"entity":{"level":"ad","id":"a1","id":"s9"}}]}`, `"id" twice`},
		{`{"summary":"x","recommendations":[` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `]}`, "deeper than"},
	} {
		if _, err := ParseReply(tc.text); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseReply(%.60q) = %v; want an error with %q", tc.text, err, tc.want)
		}
	}
}
