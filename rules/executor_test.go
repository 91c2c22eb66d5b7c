package rules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metrics"
)

// recorder is an Actuator that records changes and fails on chosen entities.
type recorder struct {
	mu      sync.Mutex
	applied []Change
	failOn  map[string]error
}

func (r *recorder) Apply(_ context.Context, c Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.failOn[c.EntityID]; err != nil {
		return err
	}
	r.applied = append(r.applied, c)
	return nil
}

func (r *recorder) count(entity string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.applied {
		if c.EntityID == entity {
			n++
		}
	}
	return n
}

func liveFixture(t *testing.T) (*RuleSet, *Snapshot) {
	t.Helper()
	p := fixtureParams()
	p.Live = true
	return libraryFor(t, p), fixtureSnapshot()
}

var errBoom = errors.New("boom")

func TestRetriedExecutionNeverAppliesTwice(t *testing.T) {
	set, snap := liveFixture(t)
	ev, err := set.Evaluate(snap)
	if err != nil {
		t.Fatal(err)
	}
	act := &recorder{failOn: map[string]error{"102": errBoom, "301": errBoom}}
	x, err := NewExecutor(act)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := x.Execute(ctx, ev)
	if err == nil {
		t.Fatal("no error for the failed changes")
	}
	var ae *ActionError
	if !errors.As(err, &ae) || !errors.Is(err, errBoom) {
		t.Fatalf("err = %v; want *ActionError wrapping errBoom", err)
	}
	if rep.Count(OutcomeFailed) != 2 {
		t.Errorf("%d failed; want 2", rep.Count(OutcomeFailed))
	}
	firstApplied := rep.Count(OutcomeApplied)
	if firstApplied == 0 || act.count("101") != 1 || act.count("103") != 1 {
		t.Fatalf("first run applied %d (101: %d, 103: %d)", firstApplied, act.count("101"), act.count("103"))
	}
	// The failure of 102 did not stop entities after it.
	if act.count("302") != 1 {
		t.Error("entity 302 (after the failures) was not notified")
	}

	// Retry the same evaluation: the failed changes are applied, nothing else again.
	act.failOn = nil
	rep2, err := x.Execute(ctx, ev)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := rep2.Count(OutcomeApplied); got != 2 {
		t.Errorf("retry applied %d; want exactly the 2 that failed", got)
	}
	for _, id := range []string{"101", "102", "103", "301", "302"} {
		if n := act.count(id); n != 1 {
			t.Errorf("entity %s changed %d times; want 1", id, n)
		}
	}
	skipped := 0
	for _, r := range rep2.Results {
		if r.Skipped {
			skipped++
		}
	}
	if skipped != firstApplied {
		t.Errorf("retry skipped %d; want %d (the first run's applied)", skipped, firstApplied)
	}
	// The ledger shows the failed attempt and the successful second attempt of 102.
	e, ok, _ := x.Ledger().Lookup(ctx, decisionOf(t, ev, "cpa-bleeder", "102").ID)
	if !ok || e.Outcome != OutcomeApplied || e.Attempt != 2 {
		t.Errorf("ledger for 102: %+v, %v; want applied on attempt 2", e, ok)
	}
	// Re-evaluating the same snapshot gives the same ids: still nothing twice.
	ev2, _ := set.Evaluate(snap)
	if _, err := x.Execute(ctx, ev2); err != nil {
		t.Fatal(err)
	}
	if n := act.count("101"); n != 1 {
		t.Errorf("re-evaluation applied 101 again (%d)", n)
	}
}

func decisionOf(t *testing.T, ev *Evaluation, rule, entity string) Decision {
	t.Helper()
	for _, d := range ev.Decisions {
		if d.RuleID == rule && d.EntityID == entity {
			return d
		}
	}
	t.Fatalf("no decision of %s on %s", rule, entity)
	return Decision{}
}

func TestCooldownAndCapsAcrossRuns(t *testing.T) {
	doc := `{"rules": [{"id": "grow", "level": "adset", "live": true,
	  "conditions": {"metric": "spend", "window": "last_7d", "op": ">", "value": 0},
	  "action": {"type": "scale_budget", "percent": 10},
	  "safeguards": {"cooldown": "24h", "max_executions": 3, "execution_window": "7d", "max_week_percent": 50}}]}`
	set, err := CompileJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	act := &recorder{}
	x, _ := NewExecutor(act)
	ctx := context.Background()
	e := statsEntity(win(WindowLast7D, metrics.Counts{Spend: 100}))
	e.DailyBudget = 10000
	var budgets []int64
	// Run every 12 hours for 10 days, applying budget changes to the entity.
	for step := range 20 {
		now := fixtureNow.Add(time.Duration(step) * 12 * time.Hour)
		hist, err := History(ctx, x.Ledger(), now.Add(-8*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := set.Evaluate(&Snapshot{Now: now, Entities: []Entity{e}, History: hist})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.Execute(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if n := len(act.applied); n > 0 && act.applied[n-1].To != e.DailyBudget {
			e.DailyBudget = act.applied[n-1].To
			budgets = append(budgets, e.DailyBudget)
		}
	}
	// 24h cooldown: at most one change per two runs; 3 per 7 days.
	hist, _ := History(ctx, x.Ledger(), time.Time{})
	var times []time.Time
	for _, h := range hist {
		if h.Outcome == OutcomeApplied {
			times = append(times, h.At)
		}
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i].Sub(times[i-1]); gap < 24*time.Hour {
			t.Errorf("changes %v apart; cooldown is 24h", gap)
		}
	}
	for i := range times {
		n := 0
		for j := range times {
			if !times[j].After(times[i]) && times[i].Sub(times[j]) < 7*24*time.Hour {
				n++
			}
		}
		if n > 3 {
			t.Errorf("%d changes in the 7 days up to %v; cap is 3", n, times[i])
		}
	}
	if len(times) < 4 {
		t.Errorf("only %d changes over 10 days; want the cap to reopen after 7 days", len(times))
	}
	// 7-day increase never above +50% of the budget a week earlier.
	if len(budgets) == 0 || budgets[0] != 11000 {
		t.Fatalf("budgets %v; want the first step to 11000", budgets)
	}
	for _, b := range budgets[:min(3, len(budgets))] {
		if b > 15000 {
			t.Errorf("budget %d above the weekly cap 15000", b)
		}
	}
}

func TestExecutorDryRunAndKillSwitch(t *testing.T) {
	set, snap := liveFixture(t)
	ev, _ := set.Evaluate(snap)
	ctx := context.Background()

	act := &recorder{}
	x, _ := NewExecutor(act, WithDryRun(true))
	rep, err := x.Execute(ctx, ev)
	if err != nil || len(act.applied) != 0 || rep.Count(OutcomeDryRun) == 0 {
		t.Errorf("dry-run executor applied %d changes (err %v)", len(act.applied), err)
	}

	engaged := true
	x, _ = NewExecutor(act, WithKillSwitch(func(context.Context) bool { return engaged }))
	rep, _ = x.Execute(ctx, ev)
	for _, c := range act.applied {
		if c.Action.Mutates() {
			t.Errorf("kill switch let %s on %s through", c.Action, c.EntityID)
		}
	}
	if rep.Count(OutcomeBlocked) == 0 {
		t.Error("no blocked results under the kill switch")
	}
	// Releasing the switch lets the same decisions through.
	engaged = false
	if _, err := x.Execute(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if act.count("101") != 1 {
		t.Error("decision blocked by the kill switch was not applied after release")
	}

	// Rules that are not live are dry runs even on a live executor.
	spec, _ := DefaultLibrary(fixtureParams())
	dry, _ := Compile(spec)
	ev, _ = dry.Evaluate(fixtureSnapshot())
	act = &recorder{}
	x, _ = NewExecutor(act)
	if _, err := x.Execute(ctx, ev); err != nil || len(act.applied) != 0 {
		t.Errorf("dry-run rules applied %d changes", len(act.applied))
	}
}

func TestExecutorOptionsValidate(t *testing.T) {
	if _, err := NewExecutor(nil); err == nil {
		t.Error("NewExecutor(nil) accepted")
	}
	for _, o := range []ExecutorOption{WithLedger(nil), WithKillSwitch(nil), WithLogger(nil), nil} {
		if _, err := NewExecutor(&recorder{}, o); err == nil || !strings.Contains(err.Error(), "rules:") {
			t.Errorf("bad option accepted: %v", err)
		}
	}
}

func TestExecuteStopsOnCancelledContext(t *testing.T) {
	set, snap := liveFixture(t)
	ev, _ := set.Evaluate(snap)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	act := &recorder{}
	x, _ := NewExecutor(act)
	if _, err := x.Execute(ctx, ev); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v; want context.Canceled", err)
	}
	if len(act.applied) != 0 {
		t.Error("changes applied after cancel")
	}
}

// Two executors sharing a ledger cannot both apply one decision: the
// second one runs while the first is inside Apply (as a concurrent
// executor would) and finds the claim.
func TestSharedLedgerClaimsEachDecisionOnce(t *testing.T) {
	set, snap := liveFixture(t)
	ev, err := set.Evaluate(snap)
	if err != nil {
		t.Fatal(err)
	}
	ledger := NewMemoryLedger()
	var mu sync.Mutex
	applied := map[string]int{}
	var inner *Executor
	nested := false
	outer, err := NewExecutor(ActuatorFunc(func(ctx context.Context, c Change) error {
		mu.Lock()
		applied[c.DecisionID]++
		first := !nested
		nested = true
		mu.Unlock()
		if first {
			if _, err := inner.Execute(ctx, ev); err != nil {
				t.Errorf("inner executor: %v", err)
			}
		}
		return nil
	}), WithLedger(ledger))
	if err != nil {
		t.Fatal(err)
	}
	inner, err = NewExecutor(ActuatorFunc(func(_ context.Context, c Change) error {
		mu.Lock()
		defer mu.Unlock()
		applied[c.DecisionID]++
		return nil
	}), WithLedger(ledger))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outer.Execute(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 {
		t.Fatal("nothing applied")
	}
	for id, n := range applied {
		if n != 1 {
			t.Errorf("decision %s applied %d times; want 1", id, n)
		}
	}
}

// Many executors racing on one ledger still apply each decision once.
func TestConcurrentExecutorsApplyOnce(t *testing.T) {
	set, snap := liveFixture(t)
	ev, err := set.Evaluate(snap)
	if err != nil {
		t.Fatal(err)
	}
	ledger := NewMemoryLedger()
	act := &recorder{}
	var wg sync.WaitGroup
	for range 8 {
		x, err := NewExecutor(act, WithLedger(ledger))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if _, err := x.Execute(context.Background(), ev); err != nil {
				t.Errorf("execute: %v", err)
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, c := range act.applied {
		seen[c.DecisionID]++
	}
	if len(seen) == 0 {
		t.Fatal("nothing applied")
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("decision %s applied %d times; want 1", id, n)
		}
	}
}

// A change whose outcome is unknown (the Actuator wraps ErrOutcomeUnknown,
// or the context ended) is recorded as unknown, is not repeated by a
// retried run, and holds the rule's cooldown in the next evaluation.
func TestUnknownOutcomeIsNotRepeated(t *testing.T) {
	set, snap := liveFixture(t)
	ev, err := set.Evaluate(snap)
	if err != nil {
		t.Fatal(err)
	}
	d101 := decisionOf(t, ev, "stop-loss", "101")
	d102 := decisionOf(t, ev, "cpa-bleeder", "102")
	lost := fmt.Errorf("POST timed out after the request was sent: %w", ErrOutcomeUnknown)
	act := &recorder{failOn: map[string]error{"101": lost, "102": context.DeadlineExceeded, "103": errBoom}}
	x, err := NewExecutor(act)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rep, err := x.Execute(ctx, ev)
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, errBoom) {
		t.Fatalf("err = %v; want the unknown and the failed change", err)
	}
	if got := rep.Count(OutcomeUnknown); got != 2 {
		t.Errorf("%d unknown; want 2", got)
	}
	for _, d := range []Decision{d101, d102} {
		if e, ok, _ := x.Ledger().Lookup(ctx, d.ID); !ok || e.Outcome != OutcomeUnknown {
			t.Errorf("ledger for %s: %+v; want unknown", d.EntityID, e)
		}
	}

	// The retry applies the definite failure (103) and leaves the unknown ones.
	act.failOn = nil
	rep, err = x.Execute(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if act.count("101") != 0 || act.count("102") != 0 || act.count("103") != 1 {
		t.Errorf("retry applied 101 %d, 102 %d, 103 %d times; want 0, 0, 1", act.count("101"), act.count("102"), act.count("103"))
	}
	for _, r := range rep.Results {
		if r.DecisionID == d101.ID && (!r.Skipped || r.Outcome != OutcomeUnknown) {
			t.Errorf("retry result for 101: %+v; want skipped, unknown", r)
		}
	}

	// The next evaluation counts the unknown change: the cooldown holds.
	hist, err := History(ctx, x.Ledger(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	snap2 := fixtureSnapshot()
	snap2.Now = snap.Now.Add(time.Hour)
	snap2.History = hist
	ev2, err := set.Evaluate(snap2)
	if err != nil {
		t.Fatal(err)
	}
	if d := decisionOf(t, ev2, "stop-loss", "101"); !blockedBy(d, "cooldown") {
		t.Errorf("next evaluation ignored the unknown change\n%s", text(ev2))
	}
}

// A cancelled context during Apply still records the outcome (unknown),
// so the claim does not stay pending with a known answer lost.
func TestCancelDuringApplyRecordsUnknown(t *testing.T) {
	set, snap := liveFixture(t)
	ev, err := set.Evaluate(snap)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first string
	x, err := NewExecutor(ActuatorFunc(func(ctx context.Context, c Change) error {
		first = c.DecisionID
		cancel()
		return ctx.Err()
	}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Execute(ctx, ev); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v; want context.Canceled", err)
	}
	e, ok, err := x.Ledger().Lookup(context.Background(), first)
	if err != nil || !ok || e.Outcome != OutcomeUnknown {
		t.Errorf("ledger: %+v %v %v; want unknown", e, ok, err)
	}
}
