package analysistest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
)

func TestHeuristicConforms(t *testing.T) { Run(t, analysis.Heuristic{}, Deterministic()) }

func TestFakeConforms(t *testing.T) { Run(t, &Fake{}, Deterministic()) }

// The canned shop is judged as planted: the loser first, the over-pacing
// ad set and the overlap among the findings.
func TestCannedShop(t *testing.T) {
	res, err := analysis.Heuristic{}.Analyze(context.Background(), Inputs()["shop"])
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Recommendations) < 3 || res.Recommendations[0].Entity.ID != "8002" || res.Recommendations[0].Priority != analysis.PriorityUrgent {
		t.Fatalf("%s", res.Markdown())
	}
	seen := map[string]bool{}
	for _, r := range res.Recommendations {
		seen[r.Entity.ID+" "+string(r.Action.Type)] = true
	}
	for _, want := range []string{"8003 review_budget", "8001 adjust_audience"} {
		if !seen[want] {
			t.Errorf("no %s in %v", want, seen)
		}
	}
}

// The checks find what they are for: a broken analyzer fails them.
func TestChecksCatchBrokenAnalyzers(t *testing.T) {
	in := Inputs()["shop"]
	good, _ := analysis.Heuristic{}.Analyze(context.Background(), in)
	mangle := func(f func(*analysis.Result)) analysis.Analyzer {
		return analysis.AnalyzerFunc(func(ctx context.Context, in *analysis.Input) (*analysis.Result, error) {
			r, err := analysis.Heuristic{}.Analyze(ctx, in)
			if err == nil {
				f(r)
			}
			return r, err
		})
	}
	for name, tc := range map[string]struct {
		errs []error
		want string
	}{
		"ranks":          {checkResult(mangle(func(r *analysis.Result) { r.Recommendations[0].Rank = 7 }), in, time.Minute), "rank 7"},
		"unknown entity": {checkResult(mangle(func(r *analysis.Result) { r.Recommendations[0].Entity.ID = "42" }), in, time.Minute), `entity "42"`},
		"measured without days": {checkResult(mangle(func(r *analysis.Result) {
			r.Recommendations[0].Evidence[0].Period, r.Recommendations[0].Evidence[0].Scope = nil, ""
		}), in, time.Minute), "over which days"},
		"estimate without method": {checkResult(mangle(func(r *analysis.Result) { r.Recommendations[0].Impact.Estimates[0].Method = "" }), in, time.Minute), "without its method"},
		"mutates": {checkUnchanged(analysis.AnalyzerFunc(func(ctx context.Context, in *analysis.Input) (*analysis.Result, error) {
			in.Goals.TargetCPA++
			return good, nil
		}), in, time.Minute), "modified its Input"},
		"ignores ctx": {checkCancel(analysis.AnalyzerFunc(func(ctx context.Context, in *analysis.Input) (*analysis.Result, error) { return good, nil }), in, time.Minute), "context.Canceled"},
		"untyped errors": {checkInvalid(analysis.AnalyzerFunc(func(ctx context.Context, in *analysis.Input) (*analysis.Result, error) {
			return nil, errors.New("no")
		}), time.Minute), "ErrInvalidInput"},
	} {
		if len(tc.errs) == 0 || !strings.Contains(tc.errs[0].Error(), tc.want) {
			t.Errorf("%s: %v; want an error mentioning %q", name, tc.errs, tc.want)
		}
	}
}

// The cancellation and concurrency checks run on the input with the most
// entities: on the empty account (the first by name) an analyzer whose
// result changes from call to call only when there is something to
// analyze passed.
func TestConcurrencyCheckedOnTheBusiestInput(t *testing.T) {
	inputs := Inputs()
	names := []string{"empty", "leads", "shop"}
	if got := busiest(inputs, names); got != inputs["shop"] {
		t.Fatalf("busiest input has %d entities; want the shop", len(got.Snapshot.Entities))
	}
	var calls atomic.Int64
	drifting := analysis.AnalyzerFunc(func(ctx context.Context, in *analysis.Input) (*analysis.Result, error) {
		r, err := analysis.Heuristic{}.Analyze(ctx, in)
		if err == nil && len(r.Recommendations) > 0 {
			r.Summary = fmt.Sprint("call ", calls.Add(1)) // differs every call
		}
		return r, err
	})
	if errs := checkConcurrent(drifting, inputs["empty"], true, time.Minute); len(errs) != 0 {
		t.Fatalf("on the empty input the drift is invisible, yet: %v", errs)
	}
	if errs := checkConcurrent(drifting, busiest(inputs, names), true, time.Minute); len(errs) == 0 {
		t.Error("a Result that changes every call passed the concurrency check on the busiest input")
	}
}

func TestFake(t *testing.T) {
	in := Inputs()["shop"]
	f := &Fake{Result: &analysis.Result{Analyzer: "canned", Summary: "x"}}
	r, err := f.Analyze(context.Background(), in)
	if err != nil || r.Analyzer != "canned" || r == f.Result || len(f.Calls()) != 1 || f.Calls()[0] != in {
		t.Fatalf("%+v, %v, calls %d", r, err, len(f.Calls()))
	}
	want := errors.New("provider down")
	f = &Fake{Err: want}
	if _, err := f.Analyze(context.Background(), in); err != want {
		t.Errorf("err = %v", err)
	}
	f = &Fake{Delay: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if _, err := f.Analyze(ctx, in); !errors.Is(err, context.Canceled) {
		t.Errorf("delay with cancel: %v", err)
	}
}

// Every canned Input encodes to JSON, as Dataset promises, its Dataset
// decodes to one that encodes the same, and the Report of a pass on it
// encodes: the "empty" account (no rows, so a zero Range) too, which
// failed with "cannot encode invalid date 0-0-0".
func TestInputsEncode(t *testing.T) {
	for name, in := range Inputs() {
		if _, err := json.Marshal(in); err != nil {
			t.Errorf("%s: Input: %v", name, err)
			continue
		}
		b, err := json.Marshal(in.Dataset)
		if err != nil {
			t.Errorf("%s: Dataset: %v", name, err)
			continue
		}
		var back analysis.Dataset
		if err := json.Unmarshal(b, &back); err != nil {
			t.Errorf("%s: decoding the Dataset: %v", name, err)
			continue
		}
		if b2, _ := json.Marshal(&back); string(b2) != string(b) {
			t.Errorf("%s: the Dataset changed in a round trip:\n%.300s\n%.300s", name, b, b2)
		}
		if back.Range != in.Dataset.Range {
			t.Errorf("%s: Range %v, decoded %v", name, in.Dataset.Range, back.Range)
		}
		rep, err := analysis.RunDataset(context.Background(), in.Dataset, analysis.RunOptions{Goals: in.Goals, Now: func() time.Time { return Now }})
		if err != nil {
			t.Errorf("%s: RunDataset: %v", name, err)
			continue
		}
		if _, err := json.Marshal(rep); err != nil {
			t.Errorf("%s: Report: %v", name, err)
		}
	}
}
