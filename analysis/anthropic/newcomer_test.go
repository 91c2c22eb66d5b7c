package anthropic_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/anthropic"
	"github.com/adpilot/adpilot/analysis/llm/llmtest"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// respondingServer speaks the Messages API like a well-behaved model: it
// answers each request with llmtest.Respond of its last user turn, as
// text or as the forced tool call, and counts the requests.
func respondingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		var body struct {
			Messages []struct {
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
			ToolChoice *struct{ Name string } `json:"tool_choice"`
		}
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path != "/v1/messages" || json.Unmarshal(b, &body) != nil || len(body.Messages) == 0 {
			http.Error(w, `{"type":"error","error":{"type":"invalid_request_error","message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		// The SDK sends content as a string or as blocks.
		var user string
		last := body.Messages[len(body.Messages)-1].Content
		if json.Unmarshal(last, &user) != nil {
			var blocks []struct{ Text string }
			_ = json.Unmarshal(last, &blocks)
			for _, bl := range blocks {
				user += bl.Text
			}
		}
		out := llmtest.Respond(user)
		if body.ToolChoice != nil && body.ToolChoice.Name != "" {
			message(`[{"type":"tool_use","id":"toolu_1","name":"`+body.ToolChoice.Name+`","input":`+out+`}]`, "tool_use")(w, r)
			return
		}
		text(out)(w, r)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// TestNewcomer wires the provider as its package doc and Example say,
// with the README's analysis.Run call: an analysis of the demo shop
// whose Result is the model's, grounded; the fallback and timeout
// decorators on a server that is overloaded or too slow; the cache,
// which keys on the output mode and not on the key.
func TestNewcomer(t *testing.T) {
	now := time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)
	srv, err := metaadstest.NewServer(metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return now }),
		metaadstest.WithReportRunPolls(0))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	tok, _ := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	client, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": tok}))
	if err != nil {
		t.Fatal(err)
	}
	llmSrv, calls := respondingServer(t)
	for _, out := range []anthropic.Output{anthropic.OutputJSONSchema, anthropic.OutputTool} {
		llmA, err := anthropic.New("claude-sonnet-4-5", anthropic.WithAPIKey(testKey), anthropic.WithBaseURL(llmSrv.URL), anthropic.WithOutput(out))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := analysis.Run(t.Context(), client, metaads.MustParseAccountID(metaadstest.DemoAccountShop),
			analysis.RunOptions{Analyzer: llmA, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if res := rep.Result; res.Analyzer != "anthropic" || len(res.Recommendations) == 0 || len(res.Dropped) != 0 || res.Usage == nil || res.Usage.Calls != 1 {
			t.Errorf("output %d: analyzer %q, %d recommendations, dropped %+v, usage %+v", out, res.Analyzer, len(res.Recommendations), res.Dropped, res.Usage)
		}
	}

	in := llmtest.Input()
	down := newServer(t, apiError(529, "overloaded_error", "Overloaded", nil))
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.ReadAll(r.Body); <-r.Context().Done() }))
	defer slow.Close()
	for name, base := range map[string]string{"529": down.URL, "slow": slow.URL} {
		llmA, err := anthropic.New("claude-sonnet-4-5", anthropic.WithAPIKey(testKey), anthropic.WithBaseURL(base), anthropic.WithRequestOptions(option.WithMaxRetries(0)))
		if err != nil {
			t.Fatal(err)
		}
		res, err := analysis.Fallback{Primary: analysis.Timeout{Analyzer: llmA, After: 200 * time.Millisecond}}.Analyze(t.Context(), in)
		if err != nil || res.Analyzer != analysis.AnalyzerName(analysis.Heuristic{}) || len(res.Failures) != 1 || res.Failures[0].Analyzer != "anthropic" {
			t.Errorf("%s: %v; result %+v", name, err, res)
		}
	}

	store := analysis.NewMemoryCache(10)
	before := calls.Load()
	for i, c := range []struct {
		opts  []anthropic.Option
		fresh bool
	}{
		{[]anthropic.Option{anthropic.WithAPIKey(testKey)}, true},
		{[]anthropic.Option{anthropic.WithAPIKey(testKey)}, false},
		{[]anthropic.Option{anthropic.WithAuthToken("another-credential")}, false},
		{[]anthropic.Option{anthropic.WithAPIKey(testKey), anthropic.WithOutput(anthropic.OutputTool)}, true},
	} {
		a, err := anthropic.New("claude-sonnet-4-5", append(c.opts, anthropic.WithBaseURL(llmSrv.URL))...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (analysis.Cache{Analyzer: a, Store: store}).Analyze(t.Context(), in); err != nil {
			t.Fatal(err)
		}
		if c.fresh {
			before++
		}
		if calls.Load() != before {
			t.Errorf("cache step %d: %d calls, expected %d", i, calls.Load(), before)
		}
	}
}
