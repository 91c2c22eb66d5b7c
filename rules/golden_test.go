package rules

import (
	"bytes"
	"encoding/json"
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"github.com/adpilot/adpilot/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func compareGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Compare(t, filepath.Join("testdata", name), got, *update)
}

func fixtureEvaluation(t *testing.T) *Evaluation {
	t.Helper()
	spec, err := DefaultLibrary(fixtureParams())
	if err != nil {
		t.Fatal(err)
	}
	set, err := Compile(spec)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := set.Evaluate(fixtureSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestGoldenDefaultLibrary(t *testing.T) {
	ev := fixtureEvaluation(t)
	var text bytes.Buffer
	if err := ev.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "default_library.txt.golden", text.Bytes())
	js, err := json.MarshalIndent(ev, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "default_library.json.golden", append(js, '\n'))
}

// The library survives a JSON round trip (the CRM stores rules as JSON)
// and evaluates the same.
func TestLibraryJSONRoundTrip(t *testing.T) {
	spec, err := DefaultLibrary(fixtureParams())
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	set, err := CompileJSON(js)
	if err != nil {
		t.Fatalf("library JSON does not compile: %v", err)
	}
	ev, err := set.Evaluate(fixtureSnapshot())
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(ev)
	b, _ := json.Marshal(fixtureEvaluation(t))
	if !bytes.Equal(a, b) {
		t.Error("the library evaluates differently after a JSON round trip")
	}
}

func TestDefaultLibraryParams(t *testing.T) {
	for name, p := range map[string]Params{
		"no target":       {},
		"negative cpa":    {TargetCPA: -1},
		"margin above 1":  {TargetCPA: 1000, GrossMargin: 1.5},
		"audience":        {TargetCPA: 1000, AudienceType: "everyone"},
		"allowance":       {TargetCPA: 1000, OverspendAllowance: 50},
		"week below step": {TargetCPA: 1000, MaxStepPercent: 50, MaxWeekPercent: 20},
		"max below min":   {TargetCPA: 1000, MinBudget: 5000, MaxBudget: 100},
	} {
		if _, err := DefaultLibrary(p); err == nil || !strings.Contains(err.Error(), "rules: Params.") {
			t.Errorf("%s: err = %v; want a Params error", name, err)
		}
	}
	// ROAS only: no CPA rules, scale-winner on ROAS; retargeting raises the frequency limit.
	spec, err := DefaultLibrary(Params{TargetROAS: 3, AudienceType: "retargeting"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, r := range spec.Rules {
		ids[r.ID] = true
		if r.ID == "frequency-saturation" && *r.Conditions.All[0].Value != 6 {
			t.Errorf("retargeting frequency limit %v; want 6", *r.Conditions.All[0].Value)
		}
		if r.ID == "scale-winner" && r.Conditions.All[0].Metric != "roas" {
			t.Errorf("scale-winner without TargetCPA uses %s", r.Conditions.All[0].Metric)
		}
	}
	for _, id := range []string{"stop-loss", "cpa-bleeder", "revive", "creative-fatigue"} {
		if ids[id] {
			t.Errorf("rule %s present without TargetCPA", id)
		}
	}
	if _, err := Compile(spec); err != nil {
		t.Error(err)
	}
}
