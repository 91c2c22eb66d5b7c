package metaads

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// DefaultAPIVersion is the Graph API version a Client uses unless
// WithAPIVersion says otherwise.
const DefaultAPIVersion = "v26.0"

// DefaultBaseURL is Meta's Graph API host.
const DefaultBaseURL = "https://graph.facebook.com"

// Option configures a Client. Options validate their arguments; NewClient
// returns the first error.
type Option func(*config) error

type config struct {
	baseURL              *url.URL
	httpClient           *http.Client
	version              string
	appSecret            *secret
	tokens               TokenProvider
	logger               *slog.Logger
	userAgent            string
	hooks                Hooks
	maxRetries           int
	backoffMin           time.Duration
	backoffMax           time.Duration
	maxThrottleRetryWait time.Duration
	retryBudget          int
	store                UsageStore
	threshold            float64
	quotaWait            time.Duration
	maxBodyBytes         int64
	window               time.Duration
}

func defaultConfig() config {
	u, _ := url.Parse(DefaultBaseURL)
	return config{
		baseURL:              u,
		httpClient:           &http.Client{Timeout: 2 * time.Minute},
		version:              DefaultAPIVersion,
		logger:               slog.New(slog.DiscardHandler),
		userAgent:            "adpilot-metaads/1",
		maxRetries:           4,
		backoffMin:           500 * time.Millisecond,
		backoffMax:           30 * time.Second,
		maxThrottleRetryWait: 30 * time.Second,
		retryBudget:          100,
		threshold:            DefaultUsageThreshold,
		quotaWait:            time.Minute,
		window:               DefaultUsageWindow,
		maxBodyBytes:         256 << 20,
	}
}

// WithBaseURL sets the Graph API root, without a version, for example
// "https://graph.facebook.com" (the default) or a metaadstest server's URL.
func WithBaseURL(raw string) Option {
	return func(c *config) error {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("metaads: WithBaseURL(%q): want an absolute http or https URL such as %q", raw, DefaultBaseURL)
		}
		if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("metaads: WithBaseURL(%q): the URL must not carry a query, fragment or user info", raw)
		}
		u.Path = strings.TrimSuffix(u.Path, "/")
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient sets the HTTP client used for every request. Its Transport
// is the place for tracing or metrics middleware.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("metaads: WithHTTPClient(nil): want a non-nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

var versionRE = regexp.MustCompile(`^v[1-9][0-9]*\.[0-9]+$`)

// WithAPIVersion pins the Graph API version, such as "v26.0".
func WithAPIVersion(v string) Option {
	return func(c *config) error {
		if !versionRE.MatchString(v) {
			return fmt.Errorf("metaads: WithAPIVersion(%q): want a version like %q", v, DefaultAPIVersion)
		}
		c.version = v
		return nil
	}
}

// WithAppSecret makes the client send appsecret_proof, the hex HMAC-SHA256
// of each request's access token keyed with the app secret.
func WithAppSecret(s string) Option {
	return func(c *config) error {
		if strings.TrimSpace(s) == "" {
			return errors.New("metaads: WithAppSecret: the app secret is empty")
		}
		c.appSecret = &secret{b: []byte(s)}
		return nil
	}
}

// secret holds the app secret. Every fmt verb prints "[redacted]", and a
// *secret nested in a struct prints as an address, so no %v, %+v or %#v of a
// Client or its configuration shows the secret.
type secret struct{ b []byte }

func (s *secret) String() string   { return "[redacted]" }
func (s *secret) GoString() string { return "[redacted]" }

// Format prints "[redacted]" for every verb.
func (s *secret) Format(f fmt.State, _ rune) { io.WriteString(f, "[redacted]") }

// proof returns the appsecret_proof for token, or "" without a secret.
func (s *secret) proof(token string) string {
	if s == nil || len(s.b) == 0 {
		return ""
	}
	return appSecretProof(s.b, token)
}

// WithTokenProvider sets how the client finds the token for each ad account.
// A nil provider, or a nil function or pointer in a non-nil interface (such
// as TokenProviderFunc(nil)), is an error rather than a panic on the first
// call.
func WithTokenProvider(p TokenProvider) Option {
	return func(c *config) error {
		if isNilValue(p) {
			return fmt.Errorf("metaads: WithTokenProvider(%s): want a TokenProvider such as StaticTokens", nilName(p))
		}
		// Held behind a pointer, so no way of printing a Client or its
		// configuration reaches the tokens a provider such as StaticTokens
		// holds.
		c.tokens = &heldProvider{p}
		return nil
	}
}

// heldProvider holds the configured TokenProvider (see WithTokenProvider).
type heldProvider struct{ p TokenProvider }

func (h *heldProvider) TokenSource(ctx context.Context, a AccountID) (oauth2.TokenSource, error) {
	return h.p.TokenSource(ctx, a)
}

// nilName names a nil value for an error: "nil" or "T(nil)".
func nilName(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("%T(nil)", v)
}

// isNilValue reports whether v is nil, or holds a nil function, pointer,
// channel or interface (a nil map or slice is a usable empty value).
func isNilValue(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Func, reflect.Pointer, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// WithLogger sets the structured logger. Requests are logged at Debug,
// retries and throttles at Info or Warn. Tokens, proofs and query strings are
// never logged. The default discards logs.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("metaads: WithLogger(nil): want a *slog.Logger (use slog.New(slog.DiscardHandler) to silence)")
		}
		c.logger = l
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.TrimSpace(ua) == "" || strings.ContainsAny(ua, "\r\n") {
			return fmt.Errorf("metaads: WithUserAgent(%q): want a non-empty single-line string", ua)
		}
		c.userAgent = ua
		return nil
	}
}

// WithMaxRetries sets how many times a retryable request is retried after
// its first attempt (default 4; 0 disables retries).
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 100 {
			return fmt.Errorf("metaads: WithMaxRetries(%d): want 0 to 100", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryBackoff sets the exponential backoff bounds (defaults 500ms and
// 30s). Each wait is min·2^attempt, capped at max, with jitter; a regain
// time announced by Meta takes precedence.
func WithRetryBackoff(minWait, maxWait time.Duration) Option {
	return func(c *config) error {
		if minWait <= 0 || maxWait < minWait {
			return fmt.Errorf("metaads: WithRetryBackoff(%s, %s): want 0 < min <= max", minWait, maxWait)
		}
		c.backoffMin, c.backoffMax = minWait, maxWait
		return nil
	}
}

// WithMaxThrottleRetryWait sets the longest throttle wait the client retries
// through by itself (default 30s). Longer throttles are returned as
// *RateLimitError.
func WithMaxThrottleRetryWait(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("metaads: WithMaxThrottleRetryWait(%s): want a duration >= 0", d)
		}
		c.maxThrottleRetryWait = d
		return nil
	}
}

// WithRetryBudget sets the client-wide retry budget: at most n retries can
// be in credit at once across all goroutines; each retry spends one unit and
// each success earns back a tenth. It stops retry storms when Meta is down.
// 0 disables retries.
func WithRetryBudget(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("metaads: WithRetryBudget(%d): want n >= 0", n)
		}
		c.retryBudget = n
		return nil
	}
}

// WithUsageStore sets where rate-limit usage is kept. The default is an
// in-memory store of the client's own. Clients given one SharedUsageStore
// (a MemoryUsageStore in one process, a database for several) pace their
// calls together; see the package documentation.
func WithUsageStore(s UsageStore) Option {
	return func(c *config) error {
		if isNilValue(s) {
			return fmt.Errorf("metaads: WithUsageStore(%s): want a UsageStore such as NewMemoryUsageStore()", nilName(s))
		}
		c.store = s
		return nil
	}
}

// WithUsageThreshold sets the usage percentage (of Meta's budget) at which
// the scheduler holds requests for a key (default DefaultUsageThreshold).
// Below it, requests are paced more slowly as usage rises.
func WithUsageThreshold(pct float64) Option {
	return func(c *config) error {
		if !(pct > 0 && pct <= 100) {
			return fmt.Errorf("metaads: WithUsageThreshold(%v): want a percentage in (0, 100]", pct)
		}
		c.threshold = pct
		return nil
	}
}

// WithQuotaWait sets how long a call may wait for rate-limit budget before
// it is refused with *RateLimitError (default one minute).
// Request.MaxQuotaWait and ContextWithQuotaWait override it per call.
func WithQuotaWait(maxWait time.Duration) Option {
	return func(c *config) error {
		if maxWait < 0 {
			return fmt.Errorf("metaads: WithQuotaWait(%s): want a duration >= 0", maxWait)
		}
		c.quotaWait = maxWait
		return nil
	}
}

// WithMaxResponseBytes caps the size of a response body (default 256 MiB).
// Any n from 1024 up to math.MaxInt64 works (the largest means no cap).
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error {
		if n < 1024 {
			return fmt.Errorf("metaads: WithMaxResponseBytes(%d): want at least 1024", n)
		}
		c.maxBodyBytes = n
		return nil
	}
}

// Hooks observe the client's traffic. Each field is optional and must be
// safe for concurrent use. Hooks receive descriptions without credentials.
type Hooks struct {
	// OnRequest runs before every attempt, retries included.
	OnRequest func(ctx context.Context, info RequestInfo)
	// OnResponse runs after every attempt that got a response or failed in transport.
	OnResponse func(ctx context.Context, info ResponseInfo)
	// OnRetry runs when the client decides to retry, with the wait.
	OnRetry func(ctx context.Context, info RetryInfo)
	// OnThrottle runs when the scheduler holds or refuses a request.
	OnThrottle func(ctx context.Context, info ThrottleInfo)
}

// RequestInfo describes one attempt of a request.
type RequestInfo struct {
	Method  string    // GET, POST or DELETE
	Path    string    // relative to the version root, no query string
	Account AccountID // the ad account whose token and budget the request uses; zero for none
	Attempt int       // 1 for the first attempt
}

// ResponseInfo describes the outcome of one attempt.
type ResponseInfo struct {
	RequestInfo
	StatusCode int           // 0 when the transport failed
	Usage      Usage         // parsed usage headers
	Err        error         // transport error or Graph error of this attempt, if any
	Duration   time.Duration // time from sending the attempt to reading its answer
}

// RetryInfo describes a retry decision.
type RetryInfo struct {
	RequestInfo
	Wait time.Duration // backoff before the retry is sent
	Err  error         // why the attempt failed
}

// ThrottleInfo describes a scheduler hold or refusal.
type ThrottleInfo struct {
	Account AccountID     // the ad account of the held request; zero for app-level budgets
	Scope   string        // "app", "ad_account" or a business use case type
	Usage   float64       // the usage percentage that caused the hold
	Wait    time.Duration // how long the request is (or would have been) held
	Refused bool          // true when the call was refused instead of waiting
}

// WithHooks adds observation hooks. It may be given several times; all
// hooks run, in order.
func WithHooks(h Hooks) Option {
	return func(c *config) error {
		c.hooks = chainHooks(c.hooks, h)
		return nil
	}
}

type hooksKey struct{}

// ContextWithHooks returns a context whose requests also run h, after the
// client's own hooks (WithHooks) and after hooks added by an outer
// ContextWithHooks. It observes one unit of work, such as the calls of
// one collection or of one customer's account, without a client of its
// own: count the requests, measure their time, report progress. A nil ctx
// is taken as context.Background().
func ContextWithHooks(ctx context.Context, h Hooks) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, hooksKey{}, chainHooks(hooksFromContext(ctx), h))
}

func hooksFromContext(ctx context.Context) Hooks {
	h, _ := ctx.Value(hooksKey{}).(Hooks)
	return h
}

// hooksFor returns the client's hooks followed by those of ctx.
func hooksFor(ctx context.Context, client Hooks) Hooks {
	h, ok := ctx.Value(hooksKey{}).(Hooks)
	if !ok {
		return client
	}
	return chainHooks(client, h)
}

func chainHooks(a, b Hooks) Hooks {
	return Hooks{
		OnRequest:  chain(a.OnRequest, b.OnRequest),
		OnResponse: chain(a.OnResponse, b.OnResponse),
		OnRetry:    chain(a.OnRetry, b.OnRetry),
		OnThrottle: chain(a.OnThrottle, b.OnThrottle),
	}
}

func chain[T any](a, b func(context.Context, T)) func(context.Context, T) {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(ctx context.Context, v T) { a(ctx, v); b(ctx, v) }
}

// WithUsageWindow sets the length of the rolling window over which Meta's
// usage decays (default DefaultUsageWindow, one hour). The scheduler uses it
// to predict when a held budget frees up.
func WithUsageWindow(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("metaads: WithUsageWindow(%s): want a positive duration", d)
		}
		c.window = d
		return nil
	}
}
