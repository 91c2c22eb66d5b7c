package analysis

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// Run reports its phases in order from the calling goroutine, with the
// requests and rows counted so far, and returns a Report that encodes
// with its field names and a dry-run evaluation.
func TestRunProgressAndReport(t *testing.T) {
	e := newDemo(t, demoNow)
	var seen []Progress
	rep, err := Run(context.Background(), e.c, metaads.MustParseAccountID(metaadstest.DemoAccountShop), RunOptions{Goals: shopGoals,
		Collect: fastPolls(CollectOptions{}, demoNow), Now: func() time.Time { return demoNow },
		Progress: func(p Progress) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	last := seen[len(seen)-1]
	if last.Phase != PhaseDone || last.Requests != rep.Collect.Requests || last.Rows != rep.Collect.Rows {
		t.Errorf("last progress %+v; collect stats %+v", last, rep.Collect)
	}
	phases := map[Phase]bool{}
	for i, p := range seen {
		phases[p.Phase] = true
		if i > 0 && p.Requests < seen[i-1].Requests {
			t.Errorf("requests went down: %+v after %+v", p, seen[i-1])
		}
	}
	for _, p := range []Phase{PhaseObjects, PhaseDaily, PhaseHourly, PhaseWindows, PhaseSnapshot, PhaseRules, PhaseAnalyze, PhaseDone} {
		if !phases[p] {
			t.Errorf("no %s progress in %v", p, seen)
		}
	}
	for _, d := range rep.Evaluation.Decisions {
		if !d.DryRun {
			t.Errorf("a decision of the pass is not a dry run: %s", d.Summary())
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"account":{"level":"account","id":"act_1000000000000001"`, `"currency":"USD"`, `"time_zone":"America/Los_Angeles"`,
		`"goals":{"currency":"USD","target_cpa":3000,"gross_margin":0.5,"conversion_event":"purchase","priority":"profit"}`,
		`"collect":{"requests":32`, `"entities":{"campaigns":5,"adsets":7,"ads":14}`, `"statistics":[`, `"evaluation":{`, `"result":{"analyzer":"heuristic"`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("report JSON lacks %s", k)
		}
	}
	if strings.Contains(string(b), `"daily":`) {
		t.Error("the report encodes its Dataset")
	}
}

func TestRunDatasetBadInput(t *testing.T) {
	e := newDemo(t, demoNow)
	ds := e.collect(t, metaadstest.DemoAccountTokyo, CollectOptions{NoHourly: true}, demoNow)
	now := func() time.Time { return demoNow }
	if _, err := RunDataset(context.Background(), ds, RunOptions{Goals: Goals{Currency: "USD", TargetCPA: 3000}, Now: now}); !errors.Is(err, ErrCurrencyMismatch) {
		t.Errorf("goals in USD for a JPY account: %v", err)
	}
	if _, err := RunDataset(context.Background(), nil, RunOptions{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("nil dataset: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := RunDataset(ctx, ds, RunOptions{Now: now}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Without targets the library keeps the rules that read no conversions.
	rep, err := RunDataset(context.Background(), ds, RunOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Evaluation.Coverage {
		switch c.RuleID {
		case "stop-loss", "cpa-bleeder", "scale-winner", "roas-below-break-even":
			t.Errorf("rule %s evaluated without a target", c.RuleID)
		}
	}
	if len(rep.Evaluation.Coverage) < 5 {
		t.Errorf("only %d rules without a target", len(rep.Evaluation.Coverage))
	}
	wantErr := errors.New("signals down")
	_, err = RunDataset(context.Background(), ds, RunOptions{Now: now, Signals: func(context.Context, *Dataset, time.Time) ([]Signal, error) { return nil, wantErr }})
	if !errors.Is(err, wantErr) {
		t.Errorf("signal error: %v", err)
	}
}
