// Package analysistest tests code that implements or uses an
// analysis.Analyzer: [Run] is a conformance suite every Analyzer should
// pass (the heuristic passes it, and so should each LLM provider, run
// against a fake of its API), [Inputs] are the canned inputs it uses, and
// [Fake] is an Analyzer for tests of code that calls one.
//
//	func TestConformance(t *testing.T) {
//		analysistest.Run(t, myAnalyzer, analysistest.Deterministic())
//	}
//
// The suite checks that an analyzer:
//   - returns a structured Result for each canned input: a name, ranks 1 to
//     n, known priorities, kinds and actions, entities that exist in the
//     input, figures with a unit and a basis, measured figures with the
//     days they cover, estimates with their method, a readable confidence,
//     and a Result that survives a JSON round trip and renders to Markdown;
//   - returns an error wrapping analysis.ErrInvalidInput for a nil or empty
//     Input;
//   - honours cancellation and deadlines: a done context gives an error
//     wrapping its cause, promptly;
//   - does not modify its Input;
//   - is safe for concurrent use (run the tests with -race), and with
//     [Deterministic], gives the same Result every time (both checked on
//     the input with the most entities).
package analysistest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metrics"
)

// Option adjusts [Run].
type Option func(*config)

type config struct {
	deterministic bool
	inputs        map[string]*analysis.Input
	timeout       time.Duration
}

// Deterministic makes the suite require the same Result for the same
// Input (the heuristic; not an LLM at a non-zero temperature).
func Deterministic() Option { return func(c *config) { c.deterministic = true } }

// WithInputs adds inputs to the canned ones, by name.
func WithInputs(in map[string]*analysis.Input) Option {
	return func(c *config) {
		for k, v := range in {
			c.inputs[k] = v
		}
	}
}

// WithTimeout sets how long one Analyze call may take before the suite
// fails it (default 30 seconds; a cancelled call must return well within).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// Run runs the conformance suite against a, as subtests of t.
func Run(t *testing.T, a analysis.Analyzer, opts ...Option) {
	t.Helper()
	c := &config{inputs: Inputs(), timeout: 30 * time.Second}
	for _, o := range opts {
		o(c)
	}
	names := make([]string, 0, len(c.inputs))
	for n := range c.inputs {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		in := c.inputs[n]
		t.Run("result/"+n, func(t *testing.T) { report(t, checkResult(a, in, c.timeout)) })
		t.Run("unchanged/"+n, func(t *testing.T) { report(t, checkUnchanged(a, in, c.timeout)) })
	}
	big := busiest(c.inputs, names)
	t.Run("invalid", func(t *testing.T) { report(t, checkInvalid(a, c.timeout)) })
	t.Run("cancel", func(t *testing.T) { report(t, checkCancel(a, big, c.timeout)) })
	t.Run("concurrent", func(t *testing.T) { report(t, checkConcurrent(a, big, c.deterministic, c.timeout)) })
}

// busiest returns the input with the most entities (the first by name on
// a tie): concurrent calls on an empty account prove little.
func busiest(inputs map[string]*analysis.Input, names []string) *analysis.Input {
	var best *analysis.Input
	most := -1
	for _, n := range names {
		in := inputs[n]
		k := 0
		switch {
		case in == nil:
			continue
		case in.Snapshot != nil:
			k = len(in.Snapshot.Entities)
		case in.Dataset != nil:
			k = len(in.Dataset.Campaigns) + len(in.Dataset.AdSets) + len(in.Dataset.Ads)
		}
		if k > most {
			best, most = in, k
		}
	}
	return best
}

func report(t *testing.T, errs []error) {
	t.Helper()
	for _, err := range errs {
		t.Error(err)
	}
}

// call runs Analyze with a guard against analyzers that never return.
func call(ctx context.Context, a analysis.Analyzer, in *analysis.Input, timeout time.Duration) (*analysis.Result, error, bool) {
	type out struct {
		r   *analysis.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		r, err := a.Analyze(ctx, in)
		done <- out{r, err}
	}()
	select {
	case o := <-done:
		return o.r, o.err, true
	case <-time.After(timeout):
		return nil, nil, false
	}
}

var (
	priorities = []analysis.Priority{analysis.PriorityUrgent, analysis.PriorityHigh, analysis.PriorityMedium, analysis.PriorityLow}
	kinds      = []analysis.RecommendationKind{analysis.KindProblem, analysis.KindOpportunity}
	bases      = []analysis.Basis{analysis.BasisMeasured, analysis.BasisEstimate, analysis.BasisSetting, analysis.BasisGoal}
	levels     = []analysis.ConfidenceLevel{analysis.ConfidenceHigh, analysis.ConfidenceMedium, analysis.ConfidenceLow}
)

// checkResult checks the structure of a's Result on in.
func checkResult(a analysis.Analyzer, in *analysis.Input, timeout time.Duration) []error {
	res, err, ok := call(context.Background(), a, in, timeout)
	switch {
	case !ok:
		return []error{fmt.Errorf("Analyze did not return within %v", timeout)}
	case err != nil:
		return []error{fmt.Errorf("Analyze: %w", err)}
	case res == nil:
		return []error{errors.New("Analyze returned a nil Result and no error")}
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if res.Analyzer == "" {
		bad("Result.Analyzer is empty; expected the analyzer's name")
	}
	if res.Summary == "" {
		bad("Result.Summary is empty")
	}
	if in.Snapshot != nil && res.Currency != in.Snapshot.Currency {
		bad("Result.Currency %q; the account's is %q", res.Currency, in.Snapshot.Currency)
	}
	known := map[string]bool{}
	if in.Snapshot != nil {
		known[in.Snapshot.Account] = true
		for _, e := range in.Snapshot.Entities {
			known[e.ID] = true
		}
	}
	for i, r := range res.Recommendations {
		at := fmt.Sprintf("recommendation %d", i)
		if r.Rank != i+1 {
			bad("%s has rank %d; expected %d (ranks run 1 to n in order)", at, r.Rank, i+1)
		}
		if !slices.Contains(priorities, r.Priority) {
			bad("%s: priority %q", at, r.Priority)
		}
		if !slices.Contains(kinds, r.Kind) {
			bad("%s: kind %q", at, r.Kind)
		}
		if r.Action.Type == "" || r.Title == "" || r.Rationale == "" {
			bad("%s: an action type, a title and a rationale are required", at)
		}
		for _, e := range append([]analysis.EntityRef{r.Entity}, r.Related...) {
			if len(known) > 0 && !known[e.ID] {
				bad("%s names entity %q, which is not in the input", at, e.ID)
			}
			if !slices.Contains(metrics.Levels(), e.Level) {
				bad("%s: entity %q has level %q", at, e.ID, e.Level)
			}
		}
		if !slices.Contains(levels, r.Confidence.Level) || r.Confidence.Basis == "" {
			bad("%s: confidence %+v; expected high, medium or low with its basis in words", at, r.Confidence)
		}
		for _, f := range append(append([]analysis.Figure(nil), r.Evidence...), r.Impact.Estimates...) {
			errs = append(errs, checkFigure(at, f)...)
		}
		for _, f := range r.Impact.Estimates {
			if f.Basis != analysis.BasisEstimate {
				bad("%s: impact figure %q has basis %q; expected %q", at, f.Name, f.Basis, analysis.BasisEstimate)
			}
		}
	}
	js, err := json.Marshal(res)
	if err != nil {
		return append(errs, fmt.Errorf("the Result does not encode to JSON: %w", err))
	}
	var back analysis.Result
	if err := json.Unmarshal(js, &back); err != nil {
		return append(errs, fmt.Errorf("the Result's JSON does not decode: %w", err))
	}
	if js2, _ := json.Marshal(&back); !bytes.Equal(js, js2) {
		bad("the Result changes in a JSON round trip")
	}
	if md := res.Markdown(); len(md) == 0 {
		bad("Markdown is empty")
	}
	return errs
}

func checkFigure(at string, f analysis.Figure) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(at+": figure %q: "+format, append([]any{f.Name}, args...)...))
	}
	if f.Name == "" {
		bad("no name")
	}
	if !f.Unit.Valid() {
		bad("unit %q; expected one of %v", f.Unit, metrics.Units())
	}
	if !slices.Contains(bases, f.Basis) {
		bad("basis %q; expected measured, estimate, setting or goal", f.Basis)
	}
	switch {
	case f.Basis == analysis.BasisMeasured && f.Period == nil && f.Scope == "":
		bad("is measured but says over which days (Period) or what (Scope)")
	case f.Basis == analysis.BasisMeasured && f.Period != nil && (!f.Period.Since.Valid() || !f.Period.Until.Valid() || f.Period.Until.Before(f.Period.Since)):
		bad("period %+v is not a range of days", *f.Period)
	case f.Basis == analysis.BasisEstimate && f.Method == "":
		bad("is an estimate without its method")
	}
	return errs
}

// inputJSON encodes what an analyzer must not change.
func inputJSON(in *analysis.Input) []byte {
	b, err := json.Marshal(in)
	if err != nil {
		return []byte("unencodable: " + err.Error())
	}
	return b
}

func checkUnchanged(a analysis.Analyzer, in *analysis.Input, timeout time.Duration) []error {
	before := inputJSON(in)
	if _, _, ok := call(context.Background(), a, in, timeout); !ok {
		return []error{fmt.Errorf("Analyze did not return within %v", timeout)}
	}
	if !bytes.Equal(before, inputJSON(in)) {
		return []error{errors.New("Analyze modified its Input")}
	}
	return nil
}

func checkInvalid(a analysis.Analyzer, timeout time.Duration) []error {
	var errs []error
	for name, in := range map[string]*analysis.Input{"nil Input": nil, "empty Input": {}} {
		_, err, ok := call(context.Background(), a, in, timeout)
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: Analyze did not return within %v", name, timeout))
		case !errors.Is(err, analysis.ErrInvalidInput):
			errs = append(errs, fmt.Errorf("%s: err = %v; expected an error wrapping analysis.ErrInvalidInput", name, err))
		}
	}
	return errs
}

func checkCancel(a analysis.Analyzer, in *analysis.Input, timeout time.Duration) []error {
	var errs []error
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err, ok := call(ctx, a, in, timeout); !ok || !errors.Is(err, context.Canceled) {
		errs = append(errs, fmt.Errorf("cancelled context: returned %v (in time: %v); expected an error wrapping context.Canceled", err, ok))
	}
	dctx, dcancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer dcancel()
	if _, err, ok := call(dctx, a, in, timeout); !ok || !errors.Is(err, context.DeadlineExceeded) {
		errs = append(errs, fmt.Errorf("expired deadline: returned %v (in time: %v); expected an error wrapping context.DeadlineExceeded", err, ok))
	}
	return errs
}

func checkConcurrent(a analysis.Analyzer, in *analysis.Input, deterministic bool, timeout time.Duration) []error {
	const n = 8
	results := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err, ok := call(context.Background(), a, in, timeout)
			switch {
			case !ok:
				errs[i] = fmt.Errorf("call %d did not return within %v", i, timeout)
			case err != nil:
				errs[i] = fmt.Errorf("call %d: %w", i, err)
			default:
				results[i], _ = json.Marshal(res)
			}
		})
	}
	wg.Wait()
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	if deterministic && len(out) == 0 {
		for i := 1; i < n; i++ {
			if !bytes.Equal(results[0], results[i]) {
				out = append(out, fmt.Errorf("concurrent call %d gave a different Result than call 0", i))
			}
		}
	}
	return out
}
