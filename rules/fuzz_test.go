package rules

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func FuzzCompileJSON(f *testing.F) {
	spec, err := DefaultLibrary(fixtureParams())
	if err != nil {
		f.Fatal(err)
	}
	lib, _ := json.Marshal(spec)
	for _, seed := range []string{
		string(lib),
		`{}`, `[]`, `null`, `{"rules": null}`, `{"rules": [{}]}`,
		`{"rules": [{"id": "a", "level": "ad", "conditions": {"not": {"not": {"all": []}}}, "action": {"type": "pause"}}]}`,
		`{"rules": [{"id": "a", "level": "adset", "conditions": {"metric": "cpa", "window": "last_7d", "op": ">", "than": {"metric": "cpa", "window": "last_14d", "factor": 1.3}, "confidence": 0.9}, "action": {"type": "scale_budget", "percent": -20}, "safeguards": {"cooldown": "3d", "min_budget": 100}}]}`,
		`{"rules": [{"id": "a", "level": "adset", "conditions": {"hours": {"from": 30, "to": -1}}, "action": {"type": "notify", "message": "{{.Nope"}}]}`,
		`{"rules": [{"id": "a", "level": "adset", "conditions": {"min_data": {"window": "x", "spend": -1}}, "action": {"type": "change_bid", "percent": 1e308}}]}`,
		`{"rules": [{"id": "a", "level": "adset", "conditions": {"recent_action": {"within": "1e400d"}}, "action": {"type": "unpause"}, "safeguards": {"cooldown": "-5h", "max_executions": -1}}]}`,
		`{"rules": [{"id": "a"}]} trailing`,
		`{"kill_switch": true, "rules": [{"id": "a", "live": false, "live": true, "level": "ad", "conditions": {"hours": {"from": 1, "to": 2}}, "action": {"type": "pause"}}], "kill_switch": false}`,
		`{"rules": [{"id": "a", "level": "adset", "conditions": {"metric": "cpa", "window": "last_7d", "op": ">", "value": 1, "confidence": 1e-400}, "action": {"type": "pause"}}]}`,
		`{"rules": [{"id": "a", "level": "adset", "conditions": {"metric": "spend", "window": "today", "op": ">", "value": 1}, "action": {"type": "notify", "message": "{{range 100000000}}{{range 100000000}}x{{end}}{{end}}"}}]}`,
		`{"rules": [{"id": "a", "level": "adset", "class": "safety", "conditions": {"hours": {"from": 1, "to": 2}}, "action": {"type": "scale_budget", "percent": 100}}]}`,
		`{"rules": [{"id": "a", "level": "adset", "class": "protect", "conditions": {"hours": {"from": 1, "to": 2}}, "action": {"type": "set_budget", "amount": 100000}}]}`,
		`{"rules": [{"id": "a", "level": "adset", "conditions": {"hours": {"from": 1, "to": 2}}, "action": {"type": "change_bid", "percent": 20}, "safeguards": {"max_week_percent": 20}}]}`,
	} {
		f.Add([]byte(seed))
	}
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1, 200, 9990} {
		f.Add([]byte(nestedNots(depth)))
	}
	f.Add([]byte(`{"rules": [{"id": "a", "level": "ad", "conditions": {"any": [` + strings.Repeat(`{"hours": {"from": 1, "to": 2}},`, maxNodes) + `{"hours": {"from": 1, "to": 2}}]}, "action": {"type": "pause"}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := CompileJSON(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("error %v is not ErrInvalidSpec", err)
			}
			var ce *CompileError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error %v carries no problems", err)
			}
			for _, p := range ce.Problems {
				if p.Path == "" || p.Message == "" {
					t.Fatalf("problem without path or message: %+v", p)
				}
			}
			return
		}
		if d := duplicateKeys(data); len(d) > 0 {
			t.Fatalf("compiled a document with a repeated key: %+v", d)
		}
		// A compiled set evaluates the fixture without panicking.
		if _, err := set.Evaluate(fixtureSnapshot()); err != nil {
			t.Fatalf("evaluate: %v", err)
		}
		if _, err := set.ExportMeta(); err != nil {
			t.Fatalf("export: %v", err)
		}
	})
}
