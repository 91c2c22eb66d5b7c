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
	"github.com/adpilot/adpilot/rules"
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

// A pass evaluates the data at the time it was collected: a clock that
// moves on while Collect runs (here across midnight in Los Angeles) must
// not make the snapshot's "today" a day the Dataset does not hold, nor
// turn the partial day of the collection into a complete one.
func TestRunSnapshotsAtCollectionTime(t *testing.T) {
	collected := time.Date(2026, 3, 11, 6, 30, 0, 0, time.UTC) // 23:30 on 10 March in Los Angeles
	e := newDemo(t, collected, metaadstest.WithReportRunPolls(0))
	clock := []time.Time{collected, collected.Add(2 * time.Hour)} // 01:30 on 11 March
	now := func() time.Time {
		t := clock[0]
		if len(clock) > 1 {
			clock = clock[1:]
		}
		return t
	}
	var phases []Phase
	o := RunOptions{Goals: shopGoals, Collect: CollectOptions{NoHourly: true}, Now: now, Progress: func(p Progress) { phases = append(phases, p.Phase) }}
	o.Collect.Run.Poll = metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}
	rep, err := Run(context.Background(), e.c, metaads.MustParseAccountID(metaadstest.DemoAccountShop), o)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Now.Equal(collected) || metaads.DateOf(rep.Now) != rep.Range.Until {
		t.Errorf("the pass evaluated at %v over days up to %v; want the collection's time %v", rep.Now, rep.Range.Until, collected)
	}
	for _, s := range rep.Statistics {
		if s.Window == rules.WindowLast7D && s.Range.Until != rep.Range.Until.AddDays(-1) {
			t.Errorf("last_7d of the report ends %v; the last complete day collected is %v", s.Range.Until, rep.Range.Until.AddDays(-1))
		}
	}
	for i, p := range phases {
		if p == PhaseDone && i != len(phases)-1 {
			t.Errorf("progress said done before the pass was: %v", phases)
			break
		}
	}
}

// The Tokyo account runs a traffic campaign: it optimises for no
// conversion, so its zero conversions are not a failure. With a target
// CPA, no rule that reads conversions may judge it (the zero-conversion
// stop-loss paused its healthy ad set), and the heuristic does not either.
func TestRunTrafficAccountNotJudgedOnConversions(t *testing.T) {
	e := newDemo(t, demoNow)
	ds := e.collect(t, metaadstest.DemoAccountTokyo, CollectOptions{NoHourly: true}, demoNow)
	if len(ds.ConversionEvents) != 1 || ds.ConversionEvents[0].Source != SourceNone {
		t.Fatalf("conversion events %+v; want none for a traffic campaign", ds.ConversionEvents)
	}
	for _, g := range []Goals{{TargetCPA: 3000, GrossMargin: 0.5}, {TargetROAS: 2}} {
		rep, err := RunDataset(context.Background(), ds, RunOptions{Goals: g, Now: func() time.Time { return demoNow }})
		if err != nil {
			t.Fatal(err)
		}
		set, _ := defaultRules(rep.Goals, false)
		for _, r := range set.Rules() {
			if r.ReadsConversions() {
				t.Errorf("goals %+v: rule %s reads conversions on an account that counts none", g, r.ID())
			}
		}
		for _, d := range rep.Evaluation.Decisions {
			if d.Class == rules.ClassSafety || d.Class == rules.ClassProtect {
				t.Errorf("goals %+v: %s", g, d.Summary())
			}
		}
		for _, r := range rep.Result.Recommendations {
			if r.Priority == PriorityUrgent || r.Action.Type == ActionPause {
				t.Errorf("goals %+v: %s %s: %s", g, r.Priority, r.Action.Type, r.Title)
			}
		}
	}
}
