package anthropic_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/analysistest"
	"github.com/adpilot/adpilot/analysis/anthropic"
	"github.com/adpilot/adpilot/analysis/llm"
	"github.com/adpilot/adpilot/analysis/llm/llmtest"
	"github.com/adpilot/adpilot/internal/leaktest"
)

const testKey = "sk-ant-test-secret-5678"

// server is an httptest server that speaks Anthropic's Messages API as
// the SDK expects it: each request is answered by the next handler.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   []map[string]any
	headers  []http.Header
	handlers []http.HandlerFunc
}

func newServer(t *testing.T, handlers ...http.HandlerFunc) *server {
	s := &server{handlers: handlers}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/messages", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var body map[string]any
		if err := json.Unmarshal(b, &body); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.bodies = append(s.bodies, body)
		s.headers = append(s.headers, r.Header.Clone())
		h := s.handlers[0]
		if len(s.handlers) > 1 {
			s.handlers = s.handlers[1:]
		}
		s.mu.Unlock()
		h(w, r)
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies
}

func message(content, stop string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "req_ant_1")
		io.WriteString(w, `{"id":"msg_1","type":"message","role":"assistant","model":"claude-test-2026","content":`+content+`,
"stop_reason":"`+stop+`","stop_sequence":null,"usage":{"input_tokens":1100,"output_tokens":250,"cache_read_input_tokens":100,"cache_creation_input_tokens":0}}`)
	}
}

// text answers with a text block.
func text(s string) http.HandlerFunc {
	c, _ := json.Marshal(s)
	return message(`[{"type":"text","text":`+string(c)+`}]`, "end_turn")
}

func apiError(status int, typ, msg string, header map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "req_ant_err")
		w.WriteHeader(status)
		io.WriteString(w, `{"type":"error","error":{"type":"`+typ+`","message":"`+msg+`"}}`)
	}
}

func analyzer(t *testing.T, s *server, opts ...anthropic.Option) *llm.Analyzer {
	t.Helper()
	a, err := anthropic.New("claude-test", append([]anthropic.Option{anthropic.WithBaseURL(s.URL), anthropic.WithAPIKey(testKey),
		anthropic.WithRequestOptions(option.WithMaxRetries(0))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCases serves every reply of llmtest.Cases, adversarial ones
// included, as structured output and as a tool call.
func TestCases(t *testing.T) {
	t.Setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1/never")
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-from-the-environment")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "token-from-the-environment")
	t.Setenv("ANTHROPIC_CUSTOM_HEADERS", "X-From-Env: 1")
	t.Setenv("ANTHROPIC_PROFILE", "profile-from-the-environment")
	for _, c := range llmtest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			s := newServer(t, text(c.Reply))
			res, err := analyzer(t, s).Analyze(t.Context(), llmtest.Input())
			if err != nil {
				t.Fatal(err)
			}
			llmtest.Check(t, res, c)
			if res.Analyzer != "anthropic" || res.Model != "claude-test-2026" ||
				*res.Usage != (analysis.TokenUsage{InputTokens: 1200, OutputTokens: 250, CachedTokens: 100, Calls: 1}) {
				t.Errorf("result %q %q usage %+v", res.Analyzer, res.Model, res.Usage)
			}
			if h := s.headers[0]; h.Get("X-Api-Key") != testKey || h.Get("Authorization") != "" || h.Get("Anthropic-Version") == "" || h.Get("X-From-Env") != "" {
				t.Errorf("x-api-key %q, authorization %q, anthropic-version %q: the key from the options in x-api-key, not the environment",
					h.Get("X-Api-Key"), h.Get("Authorization"), h.Get("Anthropic-Version"))
			}
			tool := newServer(t, message(`[{"type":"tool_use","id":"toolu_1","name":"submit_analysis","input":`+c.Reply+`}]`, "tool_use"))
			res, err = analyzer(t, tool, anthropic.WithOutput(anthropic.OutputTool)).Analyze(t.Context(), llmtest.Input())
			if err != nil {
				t.Fatal(err)
			}
			llmtest.Check(t, res, c)
		})
	}
}

// TestAuthToken: an OAuth token goes as a bearer token, never in
// x-api-key; a key and a token together are refused.
func TestAuthToken(t *testing.T) {
	s := newServer(t, text(llmtest.GoodReply()))
	a, err := anthropic.New("claude-test", anthropic.WithBaseURL(s.URL), anthropic.WithAuthToken("oauth-token-1"),
		anthropic.WithRequestOptions(option.WithMaxRetries(0)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Analyze(t.Context(), llmtest.Input()); err != nil {
		t.Fatal(err)
	}
	if h := s.headers[0]; h.Get("Authorization") != "Bearer oauth-token-1" || h.Get("X-Api-Key") != "" {
		t.Errorf("authorization %q, x-api-key %q", h.Get("Authorization"), h.Get("X-Api-Key"))
	}
	if _, err := anthropic.New("m", anthropic.WithAPIKey("k"), anthropic.WithAuthToken("t")); err == nil {
		t.Error("a key and a token were accepted together")
	}
}

func TestRequestShape(t *testing.T) {
	s := newServer(t, text(llmtest.GoodReply()))
	if _, err := analyzer(t, s).Analyze(t.Context(), llmtest.Input()); err != nil {
		t.Fatal(err)
	}
	body := s.requests()[0]
	format := body["output_config"].(map[string]any)["format"].(map[string]any)
	if body["model"] != "claude-test" || body["max_tokens"] != 8000.0 || format["type"] != "json_schema" ||
		format["schema"].(map[string]any)["type"] != "object" || body["tools"] != nil {
		t.Errorf("request %v", body)
	}
	sys := body["system"].([]any)[0].(map[string]any)["text"].(string)
	msgs := body["messages"].([]any)
	if !strings.Contains(sys, "<facts>") || len(msgs) != 1 || msgs[0].(map[string]any)["role"] != "user" {
		t.Errorf("system %.60q, messages %v", sys, msgs)
	}
	tool := newServer(t, message(`[{"type":"tool_use","id":"toolu_1","name":"submit_analysis","input":`+llmtest.GoodReply()+`}]`, "tool_use"))
	if _, err := analyzer(t, tool, anthropic.WithOutput(anthropic.OutputTool)).Analyze(t.Context(), llmtest.Input()); err != nil {
		t.Fatal(err)
	}
	tb := tool.requests()[0]
	tools := tb["tools"].([]any)
	if len(tools) != 1 || tools[0].(map[string]any)["name"] != "submit_analysis" || tb["tool_choice"].(map[string]any)["name"] != "submit_analysis" ||
		tools[0].(map[string]any)["input_schema"].(map[string]any)["properties"].(map[string]any)["recommendations"] == nil || tb["output_config"] != nil {
		t.Errorf("tool request %v", tb)
	}
}

func TestRepair(t *testing.T) {
	s := newServer(t, text("I think the account is fine."), text(llmtest.GoodReply()))
	res, err := analyzer(t, s).Analyze(t.Context(), llmtest.Input())
	if err != nil {
		t.Fatal(err)
	}
	llmtest.Check(t, res, llmtest.Cases()[0])
	if res.Usage.Calls != 2 || res.Usage.OutputTokens != 500 {
		t.Errorf("usage %+v", res.Usage)
	}
	msgs := s.requests()[1]["messages"].([]any)
	if len(msgs) != 3 || msgs[1].(map[string]any)["role"] != "assistant" {
		t.Errorf("repair messages %v", msgs)
	}
	s2 := newServer(t, text(`{"summary": 3}`))
	if _, err := analyzer(t, s2).Analyze(t.Context(), llmtest.Input()); !errors.Is(err, llm.ErrBadReply) || len(s2.requests()) != 2 {
		t.Errorf("err %v after %d requests", err, len(s2.requests()))
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		h       http.HandlerFunc
		kind    error
		status  int
		unavail bool
		retry   time.Duration
	}{
		{"refusal", message(`[{"type":"text","text":""}]`, "refusal"), llm.ErrRefused, 0, true, 0},
		{"rate limit", apiError(429, "rate_limit_error", "Number of request tokens has exceeded your rate limit", map[string]string{"retry-after": "30"}), llm.ErrRateLimited, 429, true, 30 * time.Second},
		{"auth", apiError(401, "authentication_error", "invalid x-api-key", nil), llm.ErrAuth, 401, true, 0},
		{"overloaded", apiError(529, "overloaded_error", "Overloaded", nil), llm.ErrUnavailable, 529, true, 0},
		{"5xx", apiError(500, "api_error", "Internal server error", nil), llm.ErrUnavailable, 500, true, 0},
		{"too long", apiError(400, "invalid_request_error", "prompt is too long", nil), llm.ErrBadRequest, 400, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.h)
			_, err := analyzer(t, s).Analyze(t.Context(), llmtest.Input())
			var pe *llm.ProviderError
			if !errors.Is(err, tc.kind) || !errors.As(err, &pe) || pe.StatusCode != tc.status || pe.RetryAfter != tc.retry ||
				errors.Is(err, analysis.ErrAnalyzerUnavailable) != tc.unavail || pe.Provider != "anthropic" {
				t.Fatalf("err %v (%+v)", err, pe)
			}
			if tc.status != 0 && pe.RequestID != "req_ant_err" {
				t.Errorf("request id %q", pe.RequestID)
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), "<facts>") {
				t.Errorf("the error shows the key or the prompt: %v", err)
			}
		})
	}
}

// TestSlowReplyCancel: the server holds the reply until the client goes
// away; canceling returns context.Canceled, a deadline ErrTimeout.
func TestSlowReplyCancel(t *testing.T) {
	arrived := make(chan struct{}, 2)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	a := analyzer(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	if _, err := a.Analyze(ctx, llmtest.Input()); !errors.Is(err, context.Canceled) || errors.Is(err, llm.ErrTimeout) {
		t.Fatalf("canceled: %v", err)
	}
	ctx2, cancel2 := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel2()
	if _, err := a.Analyze(ctx2, llmtest.Input()); !errors.Is(err, llm.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}
}

func TestOptions(t *testing.T) {
	for name, opts := range map[string][]anthropic.Option{
		"base url": {anthropic.WithBaseURL("://x")}, "key": {anthropic.WithAPIKey("a\rb")},
		"output": {anthropic.WithOutput(5)}, "client": {anthropic.WithHTTPClient(nil)},
		"analyzer": {anthropic.WithAnalyzerOptions(llm.WithMaxRecommendations(0))},
	} {
		if _, err := anthropic.New("m", opts...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := anthropic.New(" "); err == nil {
		t.Error("empty model accepted")
	}
	if _, err := anthropic.NewModel("claude-test"); err != nil {
		t.Error(err)
	}
}

// TestConformance runs the analysistest suite against the fake API, the
// model being llmtest.Respond (a reply that cites the facts it is sent).
func TestConformance(t *testing.T) {
	var s *server
	s = newServer(t, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		body := s.bodies[len(s.bodies)-1]
		s.mu.Unlock()
		msgs := body["messages"].([]any)
		content := msgs[len(msgs)-1].(map[string]any)["content"].([]any)
		text(llmtest.Respond(content[0].(map[string]any)["text"].(string)))(w, r)
	})
	analysistest.Run(t, analyzer(t, s), analysistest.Deterministic())
}

// TestSecretsNowhere: a server whose error echoes the key; neither the
// error, its ProviderError and cause, nor the Model or the Analyzer shows
// the key in any rendering leaktest.Check makes (fmt's verbs, slog's text
// and JSON handlers, JSON, the error's text; the key as text, hex or
// base64).
func TestSecretsNowhere(t *testing.T) {
	s := newServer(t, apiError(401, "authentication_error", "Incorrect API key provided: "+testKey, nil))
	a := analyzer(t, s)
	_, err := a.Analyze(t.Context(), llmtest.Input())
	if err == nil {
		t.Fatal("no error")
	}
	var pe *llm.ProviderError
	if !errors.As(err, &pe) || !errors.Is(err, llm.ErrAuth) {
		t.Fatalf("err %v", err)
	}
	m, err2 := anthropic.NewModel("m", anthropic.WithAPIKey(testKey))
	if err2 != nil {
		t.Fatal(err2)
	}
	leaktest.Check(t, "the error", err, testKey)
	leaktest.Check(t, "the ProviderError", pe, testKey)
	leaktest.Check(t, "the ProviderError's cause", pe.Err, testKey)
	leaktest.Check(t, "the Model", m, testKey)
	leaktest.Check(t, "the Analyzer", a, testKey)
	if !strings.Contains(pe.Message, "[redacted]") {
		t.Errorf("message %q", pe.Message)
	}
}

// recorder is an http.RoundTripper that answers every request with
// text(content) and records where it went, so that a Model on its
// default base URL can be tested without reaching the internet.
type recorder struct {
	mu      sync.Mutex
	content string
	reqs    []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(context.Background()))
	r.mu.Unlock()
	w := httptest.NewRecorder()
	text(r.content)(w, req)
	return w.Result(), nil
}

// TestNoEnvironment: with the ANTHROPIC_* variables of the SDK's
// credential chain set (base URL, key, auth token, custom headers, a
// profile and its config directory holding a profile, workload
// federation), a Model without a credential and on the default base URL
// still sends its request to api.anthropic.com with no credential and
// none of those headers, and a Model with a key sends that key alone.
func TestNoEnvironment(t *testing.T) {
	env := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request reached ANTHROPIC_BASE_URL: %s %s", r.Method, r.URL)
	}))
	defer env.Close()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "configs"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "configs", "envprofile.json"),
		[]byte(`{"authentication":{"type":"user_oauth"},"base_url":"`+env.URL+`"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "token"), []byte("identity-from-the-environment"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ANTHROPIC_BASE_URL", env.URL)
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-from-the-environment")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "token-from-the-environment")
	t.Setenv("ANTHROPIC_CUSTOM_HEADERS", "X-From-Env: 1")
	t.Setenv("ANTHROPIC_CONFIG_DIR", dir)
	t.Setenv("ANTHROPIC_PROFILE", "envprofile")
	t.Setenv("ANTHROPIC_FEDERATION_RULE_ID", "fdrl_from-the-environment")
	t.Setenv("ANTHROPIC_ORGANIZATION_ID", "org-from-the-environment")
	t.Setenv("ANTHROPIC_IDENTITY_TOKEN_FILE", filepath.Join(dir, "token"))
	for _, key := range []string{"", testKey} {
		rec := &recorder{content: llmtest.GoodReply()}
		opts := []anthropic.Option{anthropic.WithHTTPClient(&http.Client{Transport: rec}), anthropic.WithRequestOptions(option.WithMaxRetries(0))}
		if key != "" {
			opts = append(opts, anthropic.WithAPIKey(key))
		}
		a, err := anthropic.New("claude-test", opts...)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Analyze(t.Context(), llmtest.Input()); err != nil {
			t.Fatal(err)
		}
		if len(rec.reqs) != 1 {
			t.Fatalf("key %q: %d requests", key, len(rec.reqs))
		}
		r := rec.reqs[0]
		if got := r.URL.String(); got != "https://api.anthropic.com/v1/messages" {
			t.Errorf("key %q: request to %s; expected the default base URL", key, got)
		}
		if got := r.Header.Get("X-Api-Key"); got != key {
			t.Errorf("key %q: x-api-key %q", key, got)
		}
		if got := r.Header.Get("Authorization"); got != "" {
			t.Errorf("key %q: Authorization %q", key, got)
		}
		for name, v := range r.Header {
			if strings.Contains(strings.Join(v, " "), "from-the-environment") || strings.EqualFold(name, "X-From-Env") {
				t.Errorf("key %q: header %s: %q comes from the environment", key, name, v)
			}
		}
	}
}
