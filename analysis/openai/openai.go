package openai

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	sdk "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/llm"
)

// provider names the analyzer in Results and errors.
const provider = "openai"

// DefaultBaseURL is OpenAI's API.
const DefaultBaseURL = "https://api.openai.com/v1/"

// Output is how the reply's JSON is asked for.
type Output int

// Output modes.
const (
	// OutputJSONSchema sends the reply's schema as a strict json_schema
	// response format (OpenAI, vLLM, recent Ollama and llama.cpp servers).
	OutputJSONSchema Output = iota
	// OutputJSONObject asks for a JSON object (response_format
	// json_object) and relies on the schema in the prompt, for servers
	// without JSON-schema output.
	OutputJSONObject
	// OutputText sends no response format: the model is asked for JSON in
	// the prompt alone.
	OutputText
)

// Model is an [llm.Model] on OpenAI's chat-completions API, and on every
// server that speaks it (Ollama, vLLM, llama.cpp). It is safe for
// concurrent use.
type Model struct {
	svc    sdk.ChatCompletionService
	model  string
	output Output
	base   string
	// redact takes the key out of what the server says back; a func,
	// so that no formatting of a Model prints the key.
	redact func(string) string
}

type settings struct {
	apiKey  string
	baseURL string
	http    *http.Client
	output  Output
	request []option.RequestOption
	llm     []llm.Option
}

// Option configures a [Model] or an analyzer from [New].
type Option func(*settings) error

// WithAPIKey sets the API key, sent as a bearer token. Keys come from
// the caller: nothing here reads the environment. Servers without keys
// (a local Ollama) need none.
func WithAPIKey(key string) Option {
	return func(s *settings) error {
		if strings.ContainsAny(key, "\r\n") {
			return errors.New("openai: WithAPIKey: the key holds a line break")
		}
		s.apiKey = key
		return nil
	}
}

// WithBaseURL sets the server, such as "http://localhost:11434/v1/" for
// Ollama; default [DefaultBaseURL].
func WithBaseURL(base string) Option {
	return func(s *settings) error {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("openai: WithBaseURL(%q): expected an http or https URL such as %q", base, DefaultBaseURL)
		}
		if !strings.HasSuffix(base, "/") {
			base += "/"
		}
		s.baseURL = base
		return nil
	}
}

// WithHTTPClient sets the HTTP client (default http.DefaultClient).
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) error {
		if c == nil {
			return errors.New("openai: WithHTTPClient(nil)")
		}
		s.http = c
		return nil
	}
}

// WithOutput chooses how the JSON reply is asked for; default
// [OutputJSONSchema].
func WithOutput(o Output) Option {
	return func(s *settings) error {
		if o < OutputJSONSchema || o > OutputText {
			return fmt.Errorf("openai: WithOutput(%d): expected OutputJSONSchema, OutputJSONObject or OutputText", o)
		}
		s.output = o
		return nil
	}
}

// WithRequestOptions passes options to the SDK (retries with
// option.WithMaxRetries, headers, middleware). The SDK retries 408, 409,
// 429 and 5xx twice by default.
// They are not part of the analyzer's Fingerprint: when one changes
// the answer (a header that picks another model or feature), set
// analysis.Cache.Config to say so.
func WithRequestOptions(opts ...option.RequestOption) Option {
	return func(s *settings) error { s.request = append(s.request, opts...); return nil }
}

// WithAnalyzerOptions passes options to the analyzer [New] builds
// (prompt budget, tolerance, temperature).
func WithAnalyzerOptions(opts ...llm.Option) Option {
	return func(s *settings) error { s.llm = append(s.llm, opts...); return nil }
}

func configure(model string, opts []Option) (*settings, error) {
	if strings.TrimSpace(model) == "" {
		return nil, errors.New("openai: empty model name; expected one such as \"gpt-5.2\" or, for Ollama, \"llama3.1\"")
	}
	s := &settings{baseURL: DefaultBaseURL, http: http.DefaultClient}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// NewModel returns a Model for the named model. The SDK client is built
// from the options alone: unlike openai.NewClient, no OPENAI_*
// environment variable is read.
func NewModel(model string, opts ...Option) (*Model, error) {
	s, err := configure(model, opts)
	if err != nil {
		return nil, err
	}
	return newModel(model, s), nil
}

func newModel(model string, s *settings) *Model {
	ro := []option.RequestOption{option.WithBaseURL(s.baseURL), option.WithHTTPClient(s.http)}
	if s.apiKey != "" {
		ro = append(ro, option.WithAPIKey(s.apiKey))
	}
	ro = append(ro, s.request...)
	return &Model{svc: sdk.NewChatCompletionService(ro...), model: model, output: s.output, base: s.baseURL, redact: llm.Redact(s.apiKey)}
}

// New returns an analyzer on the named model: the prompt, reply parsing
// with one repair turn and the grounding check of package llm, over this
// package's Model.
func New(model string, opts ...Option) (*llm.Analyzer, error) {
	s, err := configure(model, opts)
	if err != nil {
		return nil, err
	}
	m := newModel(model, s)
	lo := append([]llm.Option{llm.WithModelName(model), llm.WithFingerprint("base=" + s.baseURL + " output=" + strconv.Itoa(int(s.output)))}, s.llm...)
	return llm.New(provider, m, lo...)
}

// Complete implements [llm.Model].
func (m *Model) Complete(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if req == nil {
		return nil, &llm.ProviderError{Provider: provider, Kind: llm.ErrBadRequest, Message: "nil request"}
	}
	p := sdk.ChatCompletionNewParams{Model: shared.ChatModel(m.model)}
	p.Messages = append(p.Messages, sdk.SystemMessage(req.System))
	for _, msg := range req.Messages {
		switch msg.Role {
		case llm.RoleAssistant:
			p.Messages = append(p.Messages, sdk.AssistantMessage(msg.Text))
		default:
			p.Messages = append(p.Messages, sdk.UserMessage(msg.Text))
		}
	}
	if req.Temperature >= 0 {
		p.Temperature = sdk.Float(req.Temperature)
	}
	switch m.output {
	case OutputJSONSchema:
		if req.MaxOutputTokens > 0 {
			p.MaxCompletionTokens = sdk.Int(req.MaxOutputTokens)
		}
		p.ResponseFormat = sdk.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: req.SchemaName, Schema: req.Schema, Strict: sdk.Bool(true)}}}
	default:
		if req.MaxOutputTokens > 0 {
			p.MaxTokens = sdk.Int(req.MaxOutputTokens) // the field servers other than OpenAI's know
		}
		if m.output == OutputJSONObject {
			p.ResponseFormat = sdk.ChatCompletionNewParamsResponseFormatUnion{OfJSONObject: &shared.ResponseFormatJSONObjectParam{}}
		}
	}
	resp, err := m.svc.New(ctx, p)
	if err != nil {
		return nil, m.classify(ctx, err)
	}
	if len(resp.Choices) == 0 {
		return nil, &llm.ProviderError{Provider: provider, Kind: llm.ErrUnavailable, Message: "the response has no choices"}
	}
	c := resp.Choices[0]
	if c.Message.Refusal != "" {
		return nil, &llm.ProviderError{Provider: provider, Kind: llm.ErrRefused, Message: c.Message.Refusal}
	}
	if c.FinishReason == "content_filter" {
		return nil, &llm.ProviderError{Provider: provider, Kind: llm.ErrRefused, Message: "the content filter stopped the reply"}
	}
	return &llm.Response{Text: c.Message.Content, Model: resp.Model, Truncated: c.FinishReason == "length",
		Usage: analysis.TokenUsage{InputTokens: resp.Usage.PromptTokens, OutputTokens: resp.Usage.CompletionTokens,
			CachedTokens: resp.Usage.PromptTokensDetails.CachedTokens, Calls: 1}}, nil
}

// classify turns an SDK error into an [*llm.ProviderError].
func (m *Model) classify(ctx context.Context, err error) error {
	if cerr := llm.ContextError(ctx, provider); cerr != nil {
		return cerr
	}
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		pe := &llm.ProviderError{Provider: provider, StatusCode: apiErr.StatusCode, Message: m.redact(apiErr.Message), Err: llm.RedactError(err, m.redact)}
		if r := apiErr.Response; r != nil {
			pe.RequestID = r.Header.Get("x-request-id")
			pe.RetryAfter = llm.RetryAfter(r.Header, time.Now())
		}
		pe.Kind = llm.KindOfStatus(apiErr.StatusCode)
		return pe
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &llm.ProviderError{Provider: provider, Kind: llm.ErrTimeout, Message: "the connection timed out", Err: llm.RedactError(err, m.redact)}
	}
	return &llm.ProviderError{Provider: provider, Kind: llm.ErrUnavailable, Message: "the request failed", Err: llm.RedactError(err, m.redact)}
}
