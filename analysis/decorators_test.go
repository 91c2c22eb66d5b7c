package analysis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/analysistest"
)

// named is an Analyzer with a name and a fingerprint that counts its calls.
type named struct {
	name  string
	calls atomic.Int32
	f     func(ctx context.Context, in *analysis.Input) (*analysis.Result, error)
}

func (n *named) Name() string        { return n.name }
func (n *named) Fingerprint() string { return "named:" + n.name }
func (n *named) Analyze(ctx context.Context, in *analysis.Input) (*analysis.Result, error) {
	n.calls.Add(1)
	return n.f(ctx, in)
}

func shop() *analysis.Input { return analysistest.Inputs()["shop"] }

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFallbackToHeuristic(t *testing.T) {
	failing := &named{name: "openai", f: func(context.Context, *analysis.Input) (*analysis.Result, error) {
		return nil, fmt.Errorf("llm: openai: rate limited (HTTP 429): %w", analysis.ErrAnalyzerUnavailable)
	}}
	res, err := analysis.Fallback{Primary: failing}.Analyze(t.Context(), shop())
	if err != nil {
		t.Fatal(err)
	}
	want, err := analysis.Heuristic{}.Analyze(t.Context(), shop())
	if err != nil {
		t.Fatal(err)
	}
	if res.Analyzer != "heuristic" || jsonOf(t, res.Recommendations) != jsonOf(t, want.Recommendations) || res.Summary != want.Summary {
		t.Errorf("the fallback's result is not the heuristic's")
	}
	if len(res.Failures) != 1 || res.Failures[0].Analyzer != "openai" || !strings.Contains(res.Failures[0].Error, "rate limited (HTTP 429)") {
		t.Errorf("failures %+v", res.Failures)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "openai failed") {
		t.Errorf("notes %q", res.Notes)
	}
	// A primary that answers is used as it is.
	ok := &named{name: "ok", f: func(context.Context, *analysis.Input) (*analysis.Result, error) {
		return &analysis.Result{Analyzer: "ok"}, nil
	}}
	if res, err := (analysis.Fallback{Primary: ok}).Analyze(t.Context(), shop()); err != nil || res.Analyzer != "ok" || len(res.Failures) != 0 {
		t.Errorf("primary result %+v, %v", res, err)
	}
	// The caller's cancellation is not a reason to fall back.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	cancelled := &named{name: "c", f: func(ctx context.Context, _ *analysis.Input) (*analysis.Result, error) { return nil, ctx.Err() }}
	second := &named{name: "second", f: ok.f}
	if _, err := (analysis.Fallback{Primary: cancelled, Secondary: second}).Analyze(ctx, shop()); !errors.Is(err, context.Canceled) || second.calls.Load() != 0 {
		t.Errorf("canceled: %v, second called %d times", err, second.calls.Load())
	}
	// Both failing: both errors.
	bad := &named{name: "bad", f: func(context.Context, *analysis.Input) (*analysis.Result, error) {
		return nil, errors.New("second broke")
	}}
	_, err = analysis.Fallback{Primary: failing, Secondary: bad}.Analyze(t.Context(), shop())
	if !errors.Is(err, analysis.ErrAnalyzerUnavailable) || !strings.Contains(err.Error(), "second broke") {
		t.Errorf("both failing: %v", err)
	}
	if _, err := (analysis.Fallback{}).Analyze(t.Context(), shop()); err == nil {
		t.Error("a Fallback without Primary ran")
	}
}

func TestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		honest := &named{name: "slow", f: func(ctx context.Context, _ *analysis.Input) (*analysis.Result, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}
		start := time.Now()
		_, err := analysis.Timeout{Analyzer: honest, After: 30 * time.Second}.Analyze(t.Context(), shop())
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, analysis.ErrAnalyzerUnavailable) || time.Since(start) != 30*time.Second {
			t.Errorf("after %v: %v", time.Since(start), err)
		}
		// An analyzer that ignores its context still gives way at the deadline.
		release := make(chan struct{})
		deaf := &named{name: "deaf", f: func(context.Context, *analysis.Input) (*analysis.Result, error) {
			<-release
			return &analysis.Result{}, nil
		}}
		start = time.Now()
		_, err = analysis.Timeout{Analyzer: deaf, After: time.Minute}.Analyze(t.Context(), shop())
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != time.Minute || !strings.Contains(err.Error(), "deaf did not finish within 1m0s") {
			t.Errorf("after %v: %v", time.Since(start), err)
		}
		close(release)
		synctest.Wait()
		// In time: the result passes through.
		quick := &named{name: "quick", f: func(context.Context, *analysis.Input) (*analysis.Result, error) {
			return &analysis.Result{Analyzer: "quick"}, nil
		}}
		if res, err := (analysis.Timeout{Analyzer: quick, After: time.Second}).Analyze(t.Context(), shop()); err != nil || res.Analyzer != "quick" {
			t.Errorf("quick: %+v %v", res, err)
		}
	})
	if _, err := (analysis.Timeout{Analyzer: analysis.Heuristic{}}).Analyze(t.Context(), shop()); err == nil {
		t.Error("a zero After was accepted")
	}
}

func TestCache(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := &named{name: "llm", f: func(context.Context, *analysis.Input) (*analysis.Result, error) {
			return &analysis.Result{Analyzer: "llm", Summary: "fresh", Recommendations: []analysis.Recommendation{}}, nil
		}}
		store := analysis.NewMemoryCache(10)
		c := analysis.Cache{Analyzer: a, Store: store, TTL: time.Hour}
		r1, err := c.Analyze(t.Context(), shop())
		if err != nil {
			t.Fatal(err)
		}
		r1.Summary = "changed by the caller"
		r2, _ := c.Analyze(t.Context(), shop())
		if a.calls.Load() != 1 || r2.Summary != "fresh" {
			t.Errorf("calls %d, summary %q", a.calls.Load(), r2.Summary)
		}
		other := shop()
		other.Goals.TargetCPA++
		if _, err := c.Analyze(t.Context(), other); err != nil || a.calls.Load() != 2 {
			t.Errorf("other goals: calls %d, %v", a.calls.Load(), err)
		}
		// Another configuration is another key.
		b := &named{name: "other-model", f: a.f}
		if _, err := (analysis.Cache{Analyzer: b, Store: store}).Analyze(t.Context(), shop()); err != nil || b.calls.Load() != 1 {
			t.Errorf("other analyzer: calls %d, %v", b.calls.Load(), err)
		}
		time.Sleep(time.Hour)
		if _, err := c.Analyze(t.Context(), shop()); err != nil || a.calls.Load() != 3 {
			t.Errorf("after the TTL: calls %d, %v", a.calls.Load(), err)
		}
	})
	// Errors are not cached.
	n := 0
	flaky := analysis.AnalyzerFunc(func(context.Context, *analysis.Input) (*analysis.Result, error) {
		n++
		if n == 1 {
			return nil, errors.New("down")
		}
		return &analysis.Result{Analyzer: "flaky"}, nil
	})
	c := analysis.Cache{Analyzer: flaky, Store: analysis.NewMemoryCache(1), Config: "flaky v1"}
	if _, err := c.Analyze(t.Context(), shop()); err == nil {
		t.Fatal("no error")
	}
	if res, err := c.Analyze(t.Context(), shop()); err != nil || res.Analyzer != "flaky" || n != 2 {
		t.Errorf("after an error: %v, %d calls", err, n)
	}
	// An analyzer without a fingerprint needs Config; the heuristic has one.
	if _, err := (analysis.Cache{Analyzer: flaky, Store: analysis.NewMemoryCache(1)}).Analyze(t.Context(), shop()); err == nil || !strings.Contains(err.Error(), "Config") {
		t.Errorf("no fingerprint: %v", err)
	}
	k1, err1 := analysis.Cache{Analyzer: analysis.Heuristic{}}.Key(shop())
	k2, err2 := analysis.Cache{Analyzer: analysis.Heuristic{MaxRecommendations: 3}}.Key(shop())
	if err1 != nil || err2 != nil || k1 == k2 || len(k1) != 64 {
		t.Errorf("heuristic keys %q %q %v %v", k1, k2, err1, err2)
	}
	if _, err := (analysis.Cache{Analyzer: analysis.Heuristic{}}).Analyze(t.Context(), shop()); err == nil {
		t.Error("a Cache without Store ran")
	}
}

func TestMemoryCacheEvicts(t *testing.T) {
	m := analysis.NewMemoryCache(2)
	ctx := t.Context()
	for _, k := range []string{"a", "b"} {
		m.Set(ctx, k, []byte(k), time.Time{})
	}
	m.Get(ctx, "a") // a is now the most recent
	m.Set(ctx, "c", []byte("c"), time.Time{})
	if _, ok, _ := m.Get(ctx, "b"); ok || m.Len() != 2 {
		t.Errorf("b kept, len %d", m.Len())
	}
	if v, ok, _ := m.Get(ctx, "a"); !ok || string(v) != "a" {
		t.Errorf("a: %q %v", v, ok)
	}
}

func TestLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a := &named{name: "openai", f: func(context.Context, *analysis.Input) (*analysis.Result, error) {
		return &analysis.Result{Analyzer: "openai", Model: "gpt-test", Recommendations: []analysis.Recommendation{{Rank: 1}},
			Usage: &analysis.TokenUsage{InputTokens: 9000, OutputTokens: 800, Calls: 1},
			Dropped: []analysis.Dropped{{Part: "recommendation", Index: 1, Entity: analysis.EntityRef{ID: "s9"},
				Reasons: []analysis.DropReason{{Check: analysis.CheckEntity, Detail: "adset s9 is not in the data"}}}}}, nil
	}}
	if _, err := (analysis.Logged{Analyzer: a, Logger: log}).Analyze(t.Context(), shop()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"level":"INFO","msg":"analysis done","analyzer":"openai"`, `"model":"gpt-test","recommendations":1,"dropped":1,"failures":0,"input_tokens":9000,"output_tokens":800,"calls":1`,
		`"level":"DEBUG","msg":"reply part dropped","part":"recommendation","index":1,"entity":"s9","check":"entity"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	buf.Reset()
	failing := &named{name: "openai", f: func(context.Context, *analysis.Input) (*analysis.Result, error) { return nil, errors.New("HTTP 503") }}
	if _, err := (analysis.Logged{Analyzer: failing, Logger: log}).Analyze(t.Context(), shop()); err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(buf.String(), `"level":"WARN","msg":"analysis failed","analyzer":"openai"`) || !strings.Contains(buf.String(), `"error":"HTTP 503"`) {
		t.Errorf("failure log:\n%s", buf.String())
	}
	if _, err := (analysis.Logged{Analyzer: a}).Analyze(t.Context(), shop()); err == nil {
		t.Error("a Logged without Logger ran")
	}
}

// TestDecoratorsConform: decorated analyzers still pass the suite.
func TestDecoratorsConform(t *testing.T) {
	a := analysis.Cache{Store: analysis.NewMemoryCache(100), Analyzer: analysis.Logged{Logger: slog.New(slog.DiscardHandler),
		Analyzer: analysis.Fallback{Primary: analysis.Timeout{Analyzer: analysis.Heuristic{}, After: time.Minute}}}}
	analysistest.Run(t, a, analysistest.Deterministic())
}

// An LLM analyzer (here one that fails) behind a timeout, with the
// heuristic as the fallback: the pass still gets ranked recommendations,
// and the Result says why the LLM's are missing.
func ExampleFallback() {
	llm := analysis.AnalyzerFunc(func(context.Context, *analysis.Input) (*analysis.Result, error) {
		return nil, fmt.Errorf("llm: openai: rate limited (HTTP 429): %w", analysis.ErrAnalyzerUnavailable)
	})
	a := analysis.Fallback{Primary: analysis.Timeout{Analyzer: llm, After: 2 * time.Minute}} // Secondary: Heuristic{}
	res, err := a.Analyze(context.Background(), analysistest.Inputs()["shop"])
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Analyzer, len(res.Recommendations) > 0)
	fmt.Println(res.Failures[0].Error)
	// Output:
	// heuristic true
	// llm: openai: rate limited (HTTP 429): analysis: analyzer unavailable
}
