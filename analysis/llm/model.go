package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/adpilot/adpilot/analysis"
	redactpkg "github.com/adpilot/adpilot/internal/redact"
)

// Model is one call to a language model: a provider adapter (the modules
// analysis/openai and analysis/anthropic) implements it over its vendor's
// SDK, and [New] turns it into an [analysis.Analyzer]. Implementations
// send Request.System as the system prompt, Request.Messages in order,
// and ask for a reply that follows Request.Schema when the server
// supports structured output; they must be safe for concurrent use and
// return errors classified with the Err* values of this package.
type Model interface {
	Complete(ctx context.Context, req *Request) (*Response, error)
}

// ModelFunc adapts a function to the [Model] interface.
type ModelFunc func(ctx context.Context, req *Request) (*Response, error)

// Complete calls f(ctx, req).
func (f ModelFunc) Complete(ctx context.Context, req *Request) (*Response, error) { return f(ctx, req) }

// Request is what an analyzer asks a model.
type Request struct {
	// System is the system prompt: the task, the rules of the reply and
	// the reply's schema in words.
	System string
	// Messages are the conversation: the user turn with the facts, and,
	// when a reply is being repaired, the model's bad reply and a user
	// turn that says what was wrong with it.
	Messages []Message
	// SchemaName and Schema are the JSON schema the reply must follow
	// (the strict subset that OpenAI's and Anthropic's structured outputs
	// accept: every property required, no additional properties).
	SchemaName string
	Schema     map[string]any
	// MaxOutputTokens caps the reply.
	MaxOutputTokens int64
	// Temperature is the sampling temperature; negative leaves the
	// server's default.
	Temperature float64
}

// Role is who said a [Message].
type Role string

// Roles of a conversation.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of the conversation.
type Message struct {
	Role Role
	Text string
}

// Response is a model's answer.
type Response struct {
	// Text is the reply's text: the JSON object, possibly in a Markdown
	// fence when the server has no structured output.
	Text string
	// Model is the model that answered, as the server names it.
	Model string
	// Usage is the call's token usage (Calls is 1).
	Usage analysis.TokenUsage
	// Truncated is true when the reply stopped at MaxOutputTokens.
	Truncated bool
}

// Errors of a model call, for errors.Is. A provider wraps the SDK's error
// in a [*ProviderError] that matches one of them (and
// analysis.ErrAnalyzerUnavailable when the model could not be used at
// all), so a caller never needs the vendor's types.
var (
	// ErrRateLimited: the provider refused the call for its rate or
	// quota (HTTP 429); ProviderError.RetryAfter says when to retry when
	// the provider said.
	ErrRateLimited = errors.New("llm: rate limited")
	// ErrAuth: the key was refused (HTTP 401 or 403).
	ErrAuth = errors.New("llm: authentication refused")
	// ErrTimeout: the call did not finish in time (the context's deadline
	// or the provider's timeout).
	ErrTimeout = errors.New("llm: timed out")
	// ErrUnavailable: the provider failed (HTTP 5xx, overloaded, a
	// connection that broke).
	ErrUnavailable = errors.New("llm: provider unavailable")
	// ErrRefused: the model declined to answer (a structured-output
	// refusal, a content filter).
	ErrRefused = errors.New("llm: the model refused")
	// ErrBadRequest: the provider rejected the request (HTTP 400, 404,
	// 422: an unknown model, a prompt over the context window).
	ErrBadRequest = errors.New("llm: request rejected")
	// ErrBadReply: the reply was not the JSON object the schema asks for,
	// even after one repair attempt (see [*ReplyError]).
	ErrBadReply = errors.New("llm: bad reply")
)

// ProviderError is a failed model call, classified. It names the
// provider and carries the HTTP status and request id when there was a
// response; it never holds the key or the prompt.
type ProviderError struct {
	Provider   string        // "openai", "anthropic"
	Kind       error         // one of ErrRateLimited, ErrAuth, ErrTimeout, ErrUnavailable, ErrRefused, ErrBadRequest
	StatusCode int           // HTTP status; 0 without a response
	RequestID  string        // the provider's request id, when it sent one
	RetryAfter time.Duration // when to retry, when the provider said (429, 503)
	Message    string        // the provider's message (its error text, or the refusal)
	Err        error         // the SDK's error, or the context's
}

// Error describes the failure without secrets.
func (e *ProviderError) Error() string {
	kind := "failed"
	if e.Kind != nil {
		kind = strings.TrimPrefix(e.Kind.Error(), "llm: ")
	}
	s := fmt.Sprintf("llm: %s: %s", e.Provider, kind)
	if e.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

// MarshalJSON encodes the failure without its cause: the SDK's error
// holds the HTTP request, headers and all.
func (e *ProviderError) MarshalJSON() ([]byte, error) {
	kind := ""
	if e.Kind != nil {
		kind = strings.TrimPrefix(e.Kind.Error(), "llm: ")
	}
	return json.Marshal(struct {
		Provider   string `json:"provider"`
		Kind       string `json:"kind,omitempty"`
		StatusCode int    `json:"status_code,omitempty"`
		RequestID  string `json:"request_id,omitempty"`
		RetryAfter string `json:"retry_after,omitempty"`
		Message    string `json:"message,omitempty"`
	}{e.Provider, kind, e.StatusCode, e.RequestID, durationText(e.RetryAfter), e.Message})
}

// LogValue logs the failure as its Error text.
func (e *ProviderError) LogValue() slog.Value { return slog.StringValue(e.Error()) }

func durationText(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// Redact returns a function that replaces every non-empty secret in a
// text with "[redacted]". Providers apply it to what a server says back
// (an error message that echoes the key) before it reaches an error.
func Redact(secrets ...string) func(string) string {
	var olds []string
	for _, s := range secrets {
		if s != "" {
			olds = append(olds, s, "[redacted]")
		}
	}
	if len(olds) == 0 {
		return func(s string) string { return s }
	}
	return strings.NewReplacer(olds...).Replace
}

// RedactError wraps err so that its text passes through redact (see
// [Redact]); errors.Is and errors.As still reach err.
func RedactError(err error, redact func(string) string) error {
	if err == nil || redact == nil {
		return err
	}
	return &redactedError{err: redactpkg.Hide(err), redact: redact}
}

// redactedError holds its cause behind internal/redact.Hidden: printed by
// fmt's field walk (the struct rather than its Error), the cause's
// unredacted text would show.
type redactedError struct {
	err    redactpkg.Hidden[error]
	redact func(string) string
}

func (e *redactedError) Error() string { return e.redact((*e.err.Get()).Error()) }
func (e *redactedError) Unwrap() error { return *e.err.Get() }

// Unwrap returns the kind, the cause and, for failures that mean the
// model could not be used at all, analysis.ErrAnalyzerUnavailable.
func (e *ProviderError) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	switch e.Kind {
	case ErrRateLimited, ErrAuth, ErrTimeout, ErrUnavailable, ErrRefused:
		errs = append(errs, analysis.ErrAnalyzerUnavailable)
	}
	return errs
}

// ContextError classifies a call that ended because ctx is done: a
// [*ProviderError] of kind ErrTimeout (deadline) that also wraps
// ctx.Err(), so errors.Is(err, context.DeadlineExceeded) and
// errors.Is(err, context.Canceled) hold. It returns nil while ctx is not
// done. Providers call it before classifying an SDK error, because the
// SDKs return a transport error when the context ends mid-request.
func ContextError(ctx context.Context, provider string) error {
	err := ctx.Err()
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) && !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		return &canceledError{provider: provider, err: err}
	}
	return &ProviderError{Provider: provider, Kind: ErrTimeout, Message: "the context ended before the reply", Err: err}
}

// canceledError is a call the caller canceled: it wraps context.Canceled
// only, since nothing is wrong with the provider.
type canceledError struct {
	provider string
	err      error
}

func (e *canceledError) Error() string { return "llm: " + e.provider + ": canceled: " + e.err.Error() }
func (e *canceledError) Unwrap() error { return e.err }

// ReplyError is a reply that failed the schema after the repair attempt.
// It matches [ErrBadReply].
type ReplyError struct {
	Provider string
	// Problem says what was wrong with the last reply.
	Problem string
	// Attempts is the number of replies read (2 after a failed repair).
	Attempts int
}

// Error names the problem.
func (e *ReplyError) Error() string {
	return fmt.Sprintf("llm: %s: bad reply after %d attempts: %s", e.Provider, e.Attempts, e.Problem)
}

// Unwrap returns ErrBadReply.
func (e *ReplyError) Unwrap() error { return ErrBadReply }
