package llm

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/analysistest"
	"github.com/adpilot/adpilot/analysis/llm/llmtest"
)

// scripted is a Model that answers with the texts in turn and records
// the requests.
type scripted struct {
	mu      sync.Mutex
	replies []string
	reqs    []*Request
}

func (s *scripted) Complete(ctx context.Context, req *Request) (*Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	text := s.replies[0]
	if len(s.replies) > 1 {
		s.replies = s.replies[1:]
	}
	return &Response{Text: text, Model: "scripted-1", Usage: analysis.TokenUsage{InputTokens: 1000, OutputTokens: 200, CachedTokens: 100, Calls: 1}}, nil
}

func TestAnalyzerRepair(t *testing.T) {
	m := &scripted{replies: []string{"Here you go: {not json", llmtest.GoodReply()}}
	a, err := New("scripted", m, WithModelName("fallback-name"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Analyze(t.Context(), llmtest.Input())
	if err != nil {
		t.Fatal(err)
	}
	llmtest.Check(t, res, llmtest.Cases()[0])
	if res.Analyzer != "scripted" || res.Model != "scripted-1" || res.Currency != "USD" {
		t.Errorf("result names %q %q %q", res.Analyzer, res.Model, res.Currency)
	}
	if *res.Usage != (analysis.TokenUsage{InputTokens: 2000, OutputTokens: 400, CachedTokens: 200, Calls: 2}) {
		t.Errorf("usage %+v", *res.Usage)
	}
	if len(m.reqs) != 2 || len(m.reqs[1].Messages) != 3 || m.reqs[1].Messages[1].Role != RoleAssistant ||
		!strings.Contains(m.reqs[1].Messages[2].Text, "does not start with '{'") {
		t.Fatalf("repair turn: %+v", m.reqs[len(m.reqs)-1].Messages)
	}
	if m.reqs[0].SchemaName == "" || m.reqs[0].Schema["type"] != "object" || m.reqs[0].MaxOutputTokens != 8000 {
		t.Errorf("request %+v", m.reqs[0])
	}
}

func TestAnalyzerBadReplyTwice(t *testing.T) {
	m := &scripted{replies: []string{`{"summary": "x"}`}}
	a, _ := New("scripted", m)
	_, err := a.Analyze(t.Context(), llmtest.Input())
	var re *ReplyError
	if !errors.Is(err, ErrBadReply) || !errors.As(err, &re) || re.Attempts != 2 || !strings.Contains(re.Problem, "recommendations") {
		t.Fatalf("err %v", err)
	}
	if errors.Is(err, analysis.ErrAnalyzerUnavailable) {
		t.Error("a bad reply claims the analyzer is unavailable")
	}
}

func TestAnalyzerProviderError(t *testing.T) {
	want := &ProviderError{Provider: "p", Kind: ErrRateLimited, StatusCode: 429}
	a, _ := New("p", ModelFunc(func(context.Context, *Request) (*Response, error) { return nil, want }))
	_, err := a.Analyze(t.Context(), llmtest.Input())
	if !errors.Is(err, ErrRateLimited) || !errors.Is(err, analysis.ErrAnalyzerUnavailable) {
		t.Fatalf("err %v", err)
	}
	if _, err := a.Analyze(t.Context(), &analysis.Input{}); !errors.Is(err, analysis.ErrInvalidInput) {
		t.Errorf("empty Input: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := a.Analyze(ctx, llmtest.Input()); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

func TestNewOptions(t *testing.T) {
	m := &scripted{replies: []string{"{}"}}
	for name, opt := range map[string]Option{
		"prompt tokens": WithMaxPromptTokens(10), "output tokens": WithMaxOutputTokens(1), "temperature": WithTemperature(3),
		"tolerance": WithTolerance(0.5), "max recs": WithMaxRecommendations(0),
	} {
		if _, err := New("x", m, opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := New("", m); err == nil {
		t.Error("empty provider accepted")
	}
	if _, err := New("x", nil); err == nil {
		t.Error("nil model accepted")
	}
	a, _ := New("x", m, WithModelName("m1"), WithFingerprint("base=http://h"))
	b, _ := New("x", m, WithModelName("m2"), WithFingerprint("base=http://h"))
	if a.Fingerprint() == b.Fingerprint() || !strings.Contains(a.Fingerprint(), "m1") {
		t.Errorf("fingerprints %q %q", a.Fingerprint(), b.Fingerprint())
	}
}

func TestProviderErrorText(t *testing.T) {
	e := &ProviderError{Provider: "openai", Kind: ErrAuth, StatusCode: 401, Message: "invalid key", RequestID: "req_1"}
	if got := e.Error(); got != "llm: openai: authentication refused (HTTP 401): invalid key [request req_1]" {
		t.Errorf("Error() = %q", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	if err := ContextError(ctx, "p"); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: %v", err)
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := ContextError(ctx2, "p"); !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) || errors.Is(err, analysis.ErrAnalyzerUnavailable) {
		t.Errorf("canceled: %v", err)
	}
	if ContextError(context.Background(), "p") != nil {
		t.Error("a live context is an error")
	}
}

func TestRetryAfterAndStatus(t *testing.T) {
	now := time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		h    http.Header
		want time.Duration
	}{
		{http.Header{"Retry-After-Ms": {"1500"}}, 1500 * time.Millisecond},
		{http.Header{"Retry-After": {"20"}}, 20 * time.Second},
		{http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, 0},
		{http.Header{}, 0},
	} {
		if got := RetryAfter(tc.h, now); got != tc.want {
			t.Errorf("RetryAfter(%v) = %v, want %v", tc.h, got, tc.want)
		}
	}
	for status, want := range map[int]error{429: ErrRateLimited, 401: ErrAuth, 403: ErrAuth, 408: ErrTimeout, 504: ErrTimeout,
		500: ErrUnavailable, 529: ErrUnavailable, 400: ErrBadRequest, 404: ErrBadRequest} {
		if got := KindOfStatus(status); got != want {
			t.Errorf("KindOfStatus(%d) = %v, want %v", status, got, want)
		}
	}
}

// TestConformance runs the analysistest suite on an Analyzer whose model
// is llmtest.Respond, a model that cites the facts of any Input.
func TestConformance(t *testing.T) {
	a, err := New("respond", ModelFunc(func(ctx context.Context, req *Request) (*Response, error) {
		if err := ctx.Err(); err != nil {
			return nil, ContextError(ctx, "respond")
		}
		return &Response{Text: llmtest.Respond(req.Messages[0].Text), Model: "respond-1", Usage: analysis.TokenUsage{Calls: 1}}, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	analysistest.Run(t, a, analysistest.Deterministic())
	// Respond is grounded: on the canned inputs nothing is dropped.
	for name, in := range analysistest.Inputs() {
		res, err := a.Analyze(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Dropped) > 0 {
			t.Errorf("%s: dropped %+v", name, res.Dropped)
		}
		if name != "empty" && len(res.Recommendations) == 0 {
			t.Errorf("%s: no recommendation", name)
		}
	}
}
