package openai_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openai/openai-go/v3/option"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/llm"
	"github.com/adpilot/adpilot/analysis/llm/llmtest"
	"github.com/adpilot/adpilot/analysis/openai"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// respondingServer speaks chat completions like a well-behaved model:
// it answers each request with llmtest.Respond of its user turn, and
// counts the requests.
func respondingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var body struct {
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil || len(body.Messages) < 2 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		reply(llmtest.Respond(body.Messages[len(body.Messages)-1].Content))(w, r)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// demoClient is a metaads client on the fake Graph API's demo business.
func demoClient(t *testing.T, now time.Time) *metaads.Client {
	srv, err := metaadstest.NewServer(metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return now }),
		metaadstest.WithReportRunPolls(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	tok, _ := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	c, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": tok}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReadmeFlow does what the README's LLM section shows, as written:
// openai.New with a key (and a base URL, here the fake server's), then
// analysis.Run on an account of the demo business with the analyzer. The
// pass's Result is the LLM's, grounded: every recommendation names an
// entity of the account and cites the data.
func TestReadmeFlow(t *testing.T) {
	now := time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)
	llmSrv, calls := respondingServer(t)
	llmA, err := openai.New("gpt-5.2", openai.WithAPIKey(testKey), openai.WithBaseURL(llmSrv.URL+"/v1/"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := analysis.Run(t.Context(), demoClient(t, now), metaads.MustParseAccountID(metaadstest.DemoAccountShop),
		analysis.RunOptions{Analyzer: llmA, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	res := rep.Result
	if res.Analyzer != "openai" || calls.Load() != 1 || len(res.Recommendations) == 0 || res.Usage == nil || res.Usage.Calls != 1 {
		t.Fatalf("analyzer %q, %d calls, %d recommendations, usage %+v, dropped %+v", res.Analyzer, calls.Load(), len(res.Recommendations), res.Usage, res.Dropped)
	}
	ids := map[string]bool{}
	for _, c := range rep.Dataset.Campaigns {
		ids[c.ID] = true
	}
	for _, s := range rep.Dataset.AdSets {
		ids[s.ID] = true
	}
	for _, a := range rep.Dataset.Ads {
		ids[a.ID] = true
	}
	for _, r := range res.Recommendations {
		if !ids[r.Entity.ID] || len(r.Evidence) == 0 {
			t.Errorf("recommendation %q on %s %q with %d evidence", r.Title, r.Entity.Level, r.Entity.ID, len(r.Evidence))
		}
	}
	if len(res.Dropped) != 0 {
		t.Errorf("a well-behaved model's reply lost parts: %+v", res.Dropped)
	}
}

// TestDecoratorsAsDocumented wires the decorators as the package docs
// and the coordinator's notes say: Fallback{Primary: Timeout{...}} gives
// the heuristic's Result with the failure when the server fails or is
// too slow, Cache answers a second identical call without the server
// and keys on every setting that changes the answer, and Logged logs no
// key, prompt or data at Info and Warn.
func TestDecoratorsAsDocumented(t *testing.T) {
	in := llmtest.Input()
	t.Run("fallback", func(t *testing.T) {
		down := newServer(t, apiError(503, "server_error", "overloaded", nil))
		// The body is read first: the server notices a client that went
		// away only once it has read the request.
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.ReadAll(r.Body); <-r.Context().Done() }))
		defer slow.Close()
		for name, base := range map[string]string{"503": down.URL + "/v1/", "slow": slow.URL + "/v1/"} {
			llmA, err := openai.New("gpt-5.2", openai.WithAPIKey(testKey), openai.WithBaseURL(base), openai.WithRequestOptions(option.WithMaxRetries(0)))
			if err != nil {
				t.Fatal(err)
			}
			res, err := analysis.Fallback{Primary: analysis.Timeout{Analyzer: llmA, After: 200 * time.Millisecond}}.Analyze(t.Context(), in)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if res.Analyzer != analysis.AnalyzerName(analysis.Heuristic{}) || len(res.Failures) != 1 || res.Failures[0].Analyzer != "openai" ||
				strings.Contains(res.Failures[0].Error, testKey) {
				t.Errorf("%s: analyzer %q, failures %+v", name, res.Analyzer, res.Failures)
			}
		}
	})
	t.Run("cache", func(t *testing.T) {
		srv, calls := respondingServer(t)
		store := analysis.NewMemoryCache(100)
		analyze := func(model string, opts ...openai.Option) {
			t.Helper()
			a, err := openai.New(model, append([]openai.Option{openai.WithAPIKey(testKey), openai.WithBaseURL(srv.URL + "/v1/")}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := (analysis.Cache{Analyzer: a, Store: store}).Analyze(t.Context(), in); err != nil {
				t.Fatal(err)
			}
		}
		want := int64(0)
		step := func(what string, model string, fresh bool, opts ...openai.Option) {
			t.Helper()
			analyze(model, opts...)
			if fresh {
				want++
			}
			if calls.Load() != want {
				t.Errorf("%s: %d calls to the server, expected %d", what, calls.Load(), want)
			}
		}
		step("first call", "gpt-5.2", true)
		step("same call", "gpt-5.2", false)
		step("another key, same answer", "gpt-5.2", false, openai.WithAPIKey("sk-other"))
		step("another model", "gpt-5.2-mini", true)
		step("another output mode", "gpt-5.2", true, openai.WithOutput(openai.OutputJSONObject))
		step("another temperature", "gpt-5.2", true, openai.WithAnalyzerOptions(llm.WithTemperature(0.7)))
		step("another prompt budget", "gpt-5.2", true, openai.WithAnalyzerOptions(llm.WithMaxPromptTokens(8000)))
		step("another tolerance", "gpt-5.2", true, openai.WithAnalyzerOptions(llm.WithTolerance(0.01)))
		step("another output cap", "gpt-5.2", true, openai.WithAnalyzerOptions(llm.WithMaxOutputTokens(4000)))
		step("another recommendation cap", "gpt-5.2", true, openai.WithAnalyzerOptions(llm.WithMaxRecommendations(2)))
		other := llmtest.Input()
		other.Goals.TargetCPA++
		a, _ := openai.New("gpt-5.2", openai.WithAPIKey(testKey), openai.WithBaseURL(srv.URL+"/v1/"))
		if _, err := (analysis.Cache{Analyzer: a, Store: store}).Analyze(t.Context(), other); err != nil || calls.Load() != want+1 {
			t.Errorf("another goal: %d calls, expected %d (%v)", calls.Load(), want+1, err)
		}
	})
	t.Run("logged", func(t *testing.T) {
		var buf strings.Builder
		log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
		srv, _ := respondingServer(t)
		good, _ := openai.New("gpt-5.2", openai.WithAPIKey(testKey), openai.WithBaseURL(srv.URL+"/v1/"))
		bad := newServer(t, reply(llmtest.Cases()[5].Reply)) // the injection case: parts dropped, with reasons that quote names
		for _, a := range []*llm.Analyzer{good, analyzer(t, bad)} {
			if _, err := (analysis.Logged{Analyzer: a, Logger: log}).Analyze(t.Context(), in); err != nil {
				t.Fatal(err)
			}
		}
		failing := newServer(t, apiError(401, "invalid_request_error", "Incorrect API key provided", nil))
		_, _ = analysis.Logged{Analyzer: analyzer(t, failing), Logger: log}.Analyze(t.Context(), in)
		out := buf.String()
		if strings.Count(out, `"msg":"analysis done"`) != 2 || !strings.Contains(out, `"msg":"analysis failed"`) || !strings.Contains(out, `"input_tokens":1200`) {
			t.Errorf("log:\n%s", out)
		}
		var names []string
		for _, c := range in.Dataset.Campaigns {
			names = append(names, c.Name)
		}
		for _, s := range in.Dataset.AdSets {
			names = append(names, s.Name)
		}
		for _, secret := range append(names, testKey, "<facts>", `\u003cfacts`, in.Dataset.Account.Name, "29.17", "0.54") {
			if secret != "" && strings.Contains(out, secret) {
				t.Errorf("the Info log holds %q:\n%s", secret, out)
			}
		}
	})
}
