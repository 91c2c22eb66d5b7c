package rules

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestEvaluationJSONRoundTrip: a stored Evaluation (the CRM keeps one in
// every analysis report) decodes to the same value, classes and budget
// kinds included.
func TestEvaluationJSONRoundTrip(t *testing.T) {
	ev := fixtureEvaluation(t)
	if len(ev.Decisions) == 0 {
		t.Fatal("the fixture has no decisions")
	}
	var classes, budgets int
	for _, d := range ev.Decisions {
		if d.Class != 0 {
			classes++
		}
		if d.Budget != 0 {
			budgets++
		}
	}
	if classes == 0 || budgets == 0 {
		t.Fatalf("the fixture should exercise classes (%d) and budget kinds (%d)", classes, budgets)
	}
	js, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var back Evaluation
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("decoding an encoded Evaluation: %v", err)
	}
	js2, err := json.Marshal(&back)
	if err != nil {
		t.Fatal(err)
	}
	if string(js) != string(js2) {
		t.Error("an Evaluation changes through a JSON round trip")
	}
	if !reflect.DeepEqual(ev.Decisions[0].Class, back.Decisions[0].Class) {
		t.Errorf("class %v came back as %v", ev.Decisions[0].Class, back.Decisions[0].Class)
	}
	var c Class
	if err := c.UnmarshalText([]byte("nonsense")); err == nil {
		t.Error("an unknown class decodes")
	}
	var k BudgetKind
	if err := k.UnmarshalText([]byte("weekly")); err == nil {
		t.Error("an unknown budget kind decodes")
	}
}
