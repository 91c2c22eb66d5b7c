package openai_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3/option"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/analysistest"
	"github.com/adpilot/adpilot/analysis/llm"
	"github.com/adpilot/adpilot/analysis/llm/llmtest"
	"github.com/adpilot/adpilot/analysis/openai"
	"github.com/adpilot/adpilot/internal/leaktest"
)

const testKey = "sk-test-secret-1234"

// server is an httptest server that speaks OpenAI's chat-completions API
// as the SDK expects it: each request is answered by the next handler.
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
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
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

// reply answers with content as the assistant's message.
func reply(content string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, _ := json.Marshal(content)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1767225600,"model":"gpt-test-2026-01",
"choices":[{"index":0,"message":{"role":"assistant","content":`+string(c)+`,"refusal":null},"finish_reason":"stop","logprobs":null}],
"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":100}}}`)
	}
}

func apiError(status int, typ, msg string, header map[string]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("x-request-id", "req_abc")
		w.WriteHeader(status)
		io.WriteString(w, `{"error":{"message":"`+msg+`","type":"`+typ+`","param":null,"code":null}}`)
	}
}

func analyzer(t *testing.T, s *server, opts ...openai.Option) *llm.Analyzer {
	t.Helper()
	a, err := openai.New("gpt-test", append([]openai.Option{openai.WithBaseURL(s.URL + "/v1/"), openai.WithAPIKey(testKey),
		openai.WithRequestOptions(option.WithMaxRetries(0))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestCases serves every reply of llmtest.Cases, adversarial ones
// included, and checks what reached the Result and what was dropped.
func TestCases(t *testing.T) {
	t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/never")
	t.Setenv("OPENAI_API_KEY", "sk-from-the-environment")
	t.Setenv("OPENAI_CUSTOM_HEADERS", "X-From-Env: 1")
	t.Setenv("OPENAI_ORG_ID", "org-from-the-environment")
	for _, c := range llmtest.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			s := newServer(t, reply(c.Reply))
			res, err := analyzer(t, s).Analyze(t.Context(), llmtest.Input())
			if err != nil {
				t.Fatal(err)
			}
			llmtest.Check(t, res, c)
			if res.Analyzer != "openai" || res.Model != "gpt-test-2026-01" || res.Usage == nil ||
				*res.Usage != (analysis.TokenUsage{InputTokens: 1200, OutputTokens: 300, CachedTokens: 100, Calls: 1}) {
				t.Errorf("result %q %q usage %+v", res.Analyzer, res.Model, res.Usage)
			}
			if h := s.headers[0]; h.Get("Authorization") != "Bearer "+testKey || h.Get("X-From-Env") != "" || h.Get("OpenAI-Organization") != "" {
				t.Errorf("Authorization %q, X-From-Env %q, OpenAI-Organization %q: the key from the options, nothing from the environment",
					h.Get("Authorization"), h.Get("X-From-Env"), h.Get("OpenAI-Organization"))
			}
		})
	}
}

func TestRequestShape(t *testing.T) {
	s := newServer(t, reply(llmtest.GoodReply()))
	if _, err := analyzer(t, s).Analyze(t.Context(), llmtest.Input()); err != nil {
		t.Fatal(err)
	}
	body := s.requests()[0]
	rf := body["response_format"].(map[string]any)
	js := rf["json_schema"].(map[string]any)
	if body["model"] != "gpt-test" || rf["type"] != "json_schema" || js["strict"] != true || js["name"] != "adpilot_analysis" ||
		js["schema"].(map[string]any)["type"] != "object" || body["max_completion_tokens"] != 8000.0 || body["temperature"] != 0.2 {
		t.Errorf("request %v", body)
	}
	msgs := body["messages"].([]any)
	if len(msgs) != 2 || msgs[0].(map[string]any)["role"] != "system" || msgs[1].(map[string]any)["role"] != "user" ||
		!strings.Contains(msgs[1].(map[string]any)["content"].(string), "<facts>") {
		t.Errorf("messages %v", msgs)
	}
	// A server without JSON-schema output: json_object and max_tokens.
	s2 := newServer(t, reply(llmtest.GoodReply()))
	if _, err := analyzer(t, s2, openai.WithOutput(openai.OutputJSONObject)).Analyze(t.Context(), llmtest.Input()); err != nil {
		t.Fatal(err)
	}
	b2 := s2.requests()[0]
	if b2["response_format"].(map[string]any)["type"] != "json_object" || b2["max_tokens"] != 8000.0 || b2["max_completion_tokens"] != nil {
		t.Errorf("json_object request %v", b2)
	}
	s3 := newServer(t, reply("```json\n"+llmtest.GoodReply()+"\n```"))
	res, err := analyzer(t, s3, openai.WithOutput(openai.OutputText)).Analyze(t.Context(), llmtest.Input())
	if err != nil || len(res.Recommendations) != 3 || s3.requests()[0]["response_format"] != nil {
		t.Errorf("text mode: %v %v", err, s3.requests()[0]["response_format"])
	}
}

func TestRepair(t *testing.T) {
	s := newServer(t, reply(`{"summary": "ok", "recommendations": [`), reply(llmtest.GoodReply()))
	res, err := analyzer(t, s).Analyze(t.Context(), llmtest.Input())
	if err != nil {
		t.Fatal(err)
	}
	llmtest.Check(t, res, llmtest.Cases()[0])
	if res.Usage.Calls != 2 || res.Usage.InputTokens != 2400 {
		t.Errorf("usage %+v", res.Usage)
	}
	msgs := s.requests()[1]["messages"].([]any)
	if len(msgs) != 4 || msgs[2].(map[string]any)["role"] != "assistant" || !strings.Contains(msgs[3].(map[string]any)["content"].(string), "not valid JSON") {
		t.Errorf("repair messages %v", msgs)
	}
	// Two bad replies: a typed error.
	s2 := newServer(t, reply("no JSON here"))
	_, err = analyzer(t, s2).Analyze(t.Context(), llmtest.Input())
	var re *llm.ReplyError
	if !errors.Is(err, llm.ErrBadReply) || !errors.As(err, &re) || len(s2.requests()) != 2 {
		t.Errorf("err %v after %d requests", err, len(s2.requests()))
	}
}

func TestErrors(t *testing.T) {
	refusal := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"c","object":"chat.completion","created":1,"model":"gpt-test","choices":[{"index":0,
"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop","logprobs":null}],
"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`)
	}
	for _, tc := range []struct {
		name    string
		h       http.HandlerFunc
		kind    error
		status  int
		unavail bool
		retry   time.Duration
	}{
		{"refusal", refusal, llm.ErrRefused, 0, true, 0},
		{"rate limit", apiError(429, "rate_limit_exceeded", "Rate limit reached", map[string]string{"Retry-After": "20"}), llm.ErrRateLimited, 429, true, 20 * time.Second},
		{"auth", apiError(401, "invalid_request_error", "Incorrect API key provided", nil), llm.ErrAuth, 401, true, 0},
		{"5xx", apiError(503, "server_error", "The server is overloaded", map[string]string{"Retry-After-Ms": "1500"}), llm.ErrUnavailable, 503, true, 1500 * time.Millisecond},
		{"bad model", apiError(404, "invalid_request_error", "The model does not exist", nil), llm.ErrBadRequest, 404, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.h)
			_, err := analyzer(t, s).Analyze(t.Context(), llmtest.Input())
			var pe *llm.ProviderError
			if !errors.Is(err, tc.kind) || !errors.As(err, &pe) || pe.StatusCode != tc.status || pe.RetryAfter != tc.retry ||
				errors.Is(err, analysis.ErrAnalyzerUnavailable) != tc.unavail || pe.Provider != "openai" {
				t.Fatalf("err %v (%+v)", err, pe)
			}
			if tc.status != 0 && pe.RequestID != "req_abc" {
				t.Errorf("request id %q", pe.RequestID)
			}
			if strings.Contains(err.Error(), testKey) || strings.Contains(err.Error(), "<facts>") {
				t.Errorf("the error shows the key or the prompt: %v", err)
			}
		})
	}
}

// TestSlowReplyCancel: the server holds the reply until the client goes
// away; canceling the context returns at once with context.Canceled, and
// a deadline gives ErrTimeout.
func TestSlowReplyCancel(t *testing.T) {
	arrived := make(chan struct{}, 2)
	hold := func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	}
	s := newServer(t, hold)
	a := analyzer(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	go func() { <-arrived; cancel() }()
	_, err := a.Analyze(ctx, llmtest.Input())
	if !errors.Is(err, context.Canceled) || errors.Is(err, llm.ErrTimeout) {
		t.Fatalf("canceled: %v", err)
	}
	ctx2, cancel2 := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel2()
	_, err = a.Analyze(ctx2, llmtest.Input())
	if !errors.Is(err, llm.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, analysis.ErrAnalyzerUnavailable) {
		t.Fatalf("deadline: %v", err)
	}
}

func TestOptions(t *testing.T) {
	for name, opts := range map[string][]openai.Option{
		"base url": {openai.WithBaseURL("ftp://x")}, "key": {openai.WithAPIKey("a\nb")},
		"output": {openai.WithOutput(7)}, "client": {openai.WithHTTPClient(nil)},
		"analyzer": {openai.WithAnalyzerOptions(llm.WithTolerance(1))},
	} {
		if _, err := openai.New("m", opts...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := openai.New(""); err == nil {
		t.Error("empty model accepted")
	}
	a, _ := openai.New("m", openai.WithBaseURL("http://localhost:11434/v1"))
	b, _ := openai.New("m")
	if a.Fingerprint() == b.Fingerprint() || strings.Contains(a.Fingerprint(), testKey) {
		t.Errorf("fingerprints %q %q", a.Fingerprint(), b.Fingerprint())
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
		user := msgs[len(msgs)-1].(map[string]any)["content"].(string)
		reply(llmtest.Respond(user))(w, r)
	})
	analysistest.Run(t, analyzer(t, s), analysistest.Deterministic())
}

// TestFallbackOnFailingProvider: a provider that fails (503, the SDK's
// retries off) gives the heuristic's Result with the failure recorded.
func TestFallbackOnFailingProvider(t *testing.T) {
	s := newServer(t, apiError(503, "server_error", "The server is overloaded", nil))
	in := analysistest.Inputs()["shop"]
	res, err := analysis.Fallback{Primary: analyzer(t, s)}.Analyze(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := analysis.Heuristic{}.Analyze(t.Context(), analysistest.Inputs()["shop"])
	got, _ := json.Marshal(res.Recommendations)
	exp, _ := json.Marshal(want.Recommendations)
	if res.Analyzer != "heuristic" || string(got) != string(exp) || len(res.Recommendations) == 0 {
		t.Errorf("not the heuristic's result: %s", res.Analyzer)
	}
	if len(res.Failures) != 1 || res.Failures[0].Analyzer != "openai" || !strings.Contains(res.Failures[0].Error, "provider unavailable (HTTP 503): The server is overloaded") {
		t.Errorf("failures %+v", res.Failures)
	}
	if strings.Contains(res.Failures[0].Error, testKey) {
		t.Error("the recorded failure shows the key")
	}
}

// TestLoggedKeepsSecrets: the logging decorator on the provider logs
// what happened; no level shows the key or the prompt, and Info and Warn
// show none of the account's data (the Debug lines of dropped parts
// quote the names their reasons are about).
func TestLoggedKeepsSecrets(t *testing.T) {
	var buf strings.Builder
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, c := range []*server{newServer(t, reply(llmtest.Cases()[5].Reply)), newServer(t, apiError(401, "invalid_request_error", "Incorrect API key provided", nil))} {
		_, _ = analysis.Logged{Analyzer: analyzer(t, c), Logger: log}.Analyze(t.Context(), llmtest.Input())
	}
	out := buf.String()
	if !strings.Contains(out, `"msg":"analysis done"`) || !strings.Contains(out, `"dropped":5`) || !strings.Contains(out, `"msg":"analysis failed"`) ||
		!strings.Contains(out, `"msg":"reply part dropped"`) {
		t.Errorf("log:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		secrets := []string{testKey, "<facts>", `\u003cfacts`}
		if !strings.Contains(line, `"level":"DEBUG"`) {
			secrets = append(secrets, "Shop - Prospecting", "Demo Shop", "Spring Sale")
		}
		for _, secret := range secrets {
			if strings.Contains(line, secret) {
				t.Errorf("a log line holds %q: %s", secret, line)
			}
		}
	}
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
	m, err2 := openai.NewModel("m", openai.WithAPIKey(testKey))
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
// reply(content) and records where it went, so that a Model on its
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
	reply(r.content)(w, req)
	return w.Result(), nil
}

// TestNoEnvironment: with every OPENAI_* variable the SDK reads set
// (base URL, key, admin key, organization, project, custom headers), a
// Model without a key and on the default base URL still sends its
// request to api.openai.com with no credential and none of those
// headers, and a Model with a key sends that key alone.
func TestNoEnvironment(t *testing.T) {
	env := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request reached OPENAI_BASE_URL: %s %s", r.Method, r.URL)
	}))
	defer env.Close()
	t.Setenv("OPENAI_BASE_URL", env.URL+"/v1/")
	t.Setenv("OPENAI_API_KEY", "sk-from-the-environment")
	t.Setenv("OPENAI_ADMIN_KEY", "sk-admin-from-the-environment")
	t.Setenv("OPENAI_ORG_ID", "org-from-the-environment")
	t.Setenv("OPENAI_PROJECT_ID", "proj-from-the-environment")
	t.Setenv("OPENAI_WEBHOOK_SECRET", "whsec-from-the-environment")
	t.Setenv("OPENAI_CUSTOM_HEADERS", "X-From-Env: 1")
	for _, key := range []string{"", testKey} {
		rec := &recorder{content: llmtest.GoodReply()}
		opts := []openai.Option{openai.WithHTTPClient(&http.Client{Transport: rec}), openai.WithRequestOptions(option.WithMaxRetries(0))}
		if key != "" {
			opts = append(opts, openai.WithAPIKey(key))
		}
		a, err := openai.New("gpt-test", opts...)
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
		if got := r.URL.String(); got != "https://api.openai.com/v1/chat/completions" {
			t.Errorf("key %q: request to %s; expected the default base URL", key, got)
		}
		wantAuth := ""
		if key != "" {
			wantAuth = "Bearer " + key
		}
		if got := r.Header.Get("Authorization"); got != wantAuth {
			t.Errorf("key %q: Authorization %q", key, got)
		}
		for name, v := range r.Header {
			if strings.Contains(strings.Join(v, " "), "from-the-environment") || strings.EqualFold(name, "X-From-Env") ||
				strings.EqualFold(name, "OpenAI-Organization") || strings.EqualFold(name, "OpenAI-Project") {
				t.Errorf("key %q: header %s: %q comes from the environment", key, name, v)
			}
		}
	}
}
