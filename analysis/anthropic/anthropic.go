package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/llm"
)

// provider names the analyzer in Results and errors.
const provider = "anthropic"

// DefaultBaseURL is Anthropic's API.
const DefaultBaseURL = "https://api.anthropic.com/"

// Output is how the reply's JSON is asked for.
type Output int

// Output modes.
const (
	// OutputJSONSchema asks for structured output: output_config.format
	// with the reply's JSON schema, so the reply is the JSON object.
	OutputJSONSchema Output = iota
	// OutputTool forces a call of one tool whose input schema is the
	// reply's schema, for models without structured output; the tool's
	// input is the reply.
	OutputTool
)

// toolName is the tool of [OutputTool].
const toolName = "submit_analysis"

// Model is an [llm.Model] on Anthropic's Messages API. It is safe for
// concurrent use.
type Model struct {
	svc    sdk.MessageService
	model  string
	output Output
	// redact takes the credential out of what the server says back; a
	// func, so that no formatting of a Model prints it.
	redact func(string) string
}

type settings struct {
	apiKey    string
	authToken string
	baseURL   string
	http      *http.Client
	output    Output
	request   []option.RequestOption
	llm       []llm.Option
}

// Option configures a [Model] or an analyzer from [New].
type Option func(*settings) error

// WithAPIKey sets the API key, sent in the x-api-key header as
// Anthropic's API expects it. Keys come from the caller: nothing here
// reads the environment.
func WithAPIKey(key string) Option {
	return func(s *settings) error {
		if strings.ContainsAny(key, "\r\n") {
			return errors.New("anthropic: WithAPIKey: the key holds a line break")
		}
		s.apiKey = key
		return nil
	}
}

// WithAuthToken sets an OAuth access token instead of an API key, sent
// as "Authorization: Bearer" (for gateways and accounts that issue
// tokens). It cannot be combined with [WithAPIKey].
func WithAuthToken(token string) Option {
	return func(s *settings) error {
		if strings.ContainsAny(token, "\r\n") {
			return errors.New("anthropic: WithAuthToken: the token holds a line break")
		}
		s.authToken = token
		return nil
	}
}

// WithBaseURL sets the server; default [DefaultBaseURL].
func WithBaseURL(base string) Option {
	return func(s *settings) error {
		u, err := url.Parse(base)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("anthropic: WithBaseURL(%q): expected an http or https URL such as %q", base, DefaultBaseURL)
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
			return errors.New("anthropic: WithHTTPClient(nil)")
		}
		s.http = c
		return nil
	}
}

// WithOutput chooses how the JSON reply is asked for; default
// [OutputJSONSchema].
func WithOutput(o Output) Option {
	return func(s *settings) error {
		if o != OutputJSONSchema && o != OutputTool {
			return fmt.Errorf("anthropic: WithOutput(%d): expected OutputJSONSchema or OutputTool", o)
		}
		s.output = o
		return nil
	}
}

// WithRequestOptions passes options to the SDK (option.WithMaxRetries,
// headers, middleware). The SDK retries 408, 409, 429 and 5xx twice by
// default.
// They are not part of the analyzer's Fingerprint: when one changes
// the answer (a header that picks another model or feature), set
// analysis.Cache.Config to say so.
func WithRequestOptions(opts ...option.RequestOption) Option {
	return func(s *settings) error { s.request = append(s.request, opts...); return nil }
}

// WithAnalyzerOptions passes options to the analyzer [New] builds.
func WithAnalyzerOptions(opts ...llm.Option) Option {
	return func(s *settings) error { s.llm = append(s.llm, opts...); return nil }
}

func configure(model string, opts []Option) (*settings, error) {
	if strings.TrimSpace(model) == "" {
		return nil, errors.New("anthropic: empty model name; expected one such as \"claude-sonnet-4-5\"")
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
	if s.apiKey != "" && s.authToken != "" {
		return nil, errors.New("anthropic: both WithAPIKey and WithAuthToken; expected one credential")
	}
	return s, nil
}

// NewModel returns a Model for the named model. The messages service is
// built from the options alone: unlike anthropic.NewClient, no
// ANTHROPIC_* environment variable or profile file is read.
func NewModel(model string, opts ...Option) (*Model, error) {
	s, err := configure(model, opts)
	if err != nil {
		return nil, err
	}
	return newModel(model, s), nil
}

func newModel(model string, s *settings) *Model {
	ro := []option.RequestOption{option.WithBaseURL(s.baseURL), option.WithHTTPClient(s.http)}
	switch {
	case s.apiKey != "":
		// The SDK's option.WithAPIKey sends the key as a bearer token;
		// Anthropic's API takes API keys in x-api-key.
		ro = append(ro, option.WithHeader("x-api-key", s.apiKey))
	case s.authToken != "":
		ro = append(ro, option.WithAuthToken(s.authToken))
	}
	ro = append(ro, s.request...)
	return &Model{svc: sdk.NewMessageService(ro...), model: model, output: s.output, redact: llm.Redact(s.apiKey, s.authToken)}
}

// New returns an analyzer on the named model: the prompt, reply parsing
// with one repair turn and the grounding check of package llm, over this
// package's Model.
func New(model string, opts ...Option) (*llm.Analyzer, error) {
	s, err := configure(model, opts)
	if err != nil {
		return nil, err
	}
	lo := append([]llm.Option{llm.WithModelName(model), llm.WithFingerprint("base=" + s.baseURL + " output=" + strconv.Itoa(int(s.output)))}, s.llm...)
	return llm.New(provider, newModel(model, s), lo...)
}

// Complete implements [llm.Model].
func (m *Model) Complete(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	if req == nil {
		return nil, &llm.ProviderError{Provider: provider, Kind: llm.ErrBadRequest, Message: "nil request"}
	}
	p := sdk.MessageNewParams{Model: m.model, MaxTokens: max(req.MaxOutputTokens, 1024), System: []sdk.TextBlockParam{{Text: req.System}}}
	for _, msg := range req.Messages {
		if msg.Role == llm.RoleAssistant {
			p.Messages = append(p.Messages, sdk.NewAssistantMessage(sdk.NewTextBlock(msg.Text)))
		} else {
			p.Messages = append(p.Messages, sdk.NewUserMessage(sdk.NewTextBlock(msg.Text)))
		}
	}
	// Request.Temperature is not sent: the Messages API of this SDK
	// version has no temperature for current models.
	switch m.output {
	case OutputTool:
		props, _ := req.Schema["properties"].(map[string]any)
		required, _ := req.Schema["required"].([]string)
		p.Tools = []sdk.ToolUnionParam{{OfTool: &sdk.ToolParam{Name: toolName, Description: sdk.String("Submit the analysis as the JSON object of the schema."),
			InputSchema: sdk.ToolInputSchemaParam{Properties: props, Required: required, ExtraFields: map[string]any{"additionalProperties": false}}}}}
		p.ToolChoice = sdk.ToolChoiceUnionParam{OfTool: &sdk.ToolChoiceToolParam{Name: toolName}}
	default:
		p.OutputConfig = sdk.OutputConfigParam{Format: sdk.JSONOutputFormatParam{Schema: req.Schema}}
	}
	resp, err := m.svc.New(ctx, p)
	if err != nil {
		return nil, m.classify(ctx, err)
	}
	if resp.StopReason == sdk.StopReasonRefusal {
		return nil, &llm.ProviderError{Provider: provider, Kind: llm.ErrRefused, Message: "the model declined to answer (stop_reason refusal)"}
	}
	out := &llm.Response{Model: resp.Model, Truncated: resp.StopReason == sdk.StopReasonMaxTokens,
		Usage: analysis.TokenUsage{InputTokens: resp.Usage.InputTokens + resp.Usage.CacheReadInputTokens + resp.Usage.CacheCreationInputTokens,
			OutputTokens: resp.Usage.OutputTokens, CachedTokens: resp.Usage.CacheReadInputTokens, Calls: 1}}
	var text strings.Builder
	for _, b := range resp.Content {
		switch {
		case b.Type == "tool_use" && b.Name == toolName:
			out.Text = string(b.Input)
			if !json.Valid(b.Input) {
				out.Text = ""
			}
			return out, nil
		case b.Type == "text":
			text.WriteString(b.Text)
		}
	}
	out.Text = text.String()
	return out, nil
}

// classify turns an SDK error into an [*llm.ProviderError].
func (m *Model) classify(ctx context.Context, err error) error {
	if cerr := llm.ContextError(ctx, provider); cerr != nil {
		return cerr
	}
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		pe := &llm.ProviderError{Provider: provider, StatusCode: apiErr.StatusCode, Message: m.redact(apiErr.Message), RequestID: apiErr.RequestID,
			Kind: llm.KindOfStatus(apiErr.StatusCode), Err: llm.RedactError(err, m.redact)}
		if r := apiErr.Response; r != nil {
			pe.RetryAfter = llm.RetryAfter(r.Header, time.Now())
			if pe.RequestID == "" {
				pe.RequestID = r.Header.Get("request-id")
			}
		}
		return pe
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &llm.ProviderError{Provider: provider, Kind: llm.ErrTimeout, Message: "the connection timed out", Err: llm.RedactError(err, m.redact)}
	}
	return &llm.ProviderError{Provider: provider, Kind: llm.ErrUnavailable, Message: "the request failed", Err: llm.RedactError(err, m.redact)}
}
