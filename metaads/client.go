package metaads

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"

	redactpkg "github.com/adpilot/adpilot/internal/redact"
)

// Client calls the Graph / Marketing API. One Client serves any number of ad
// accounts and goroutines: it picks the token for each request from its
// TokenProvider, paces requests with its rate-limit scheduler and retries
// what is safe to retry. Create it with NewClient.
type Client struct {
	cfg    *config // a pointer, so printing a Client value shows no option
	sched  *scheduler
	budget *retryBudget

	// Accounts reads ad accounts.
	Accounts *AccountsService
	// Campaigns reads and updates campaigns.
	Campaigns *CampaignsService
	// AdSets reads and updates ad sets.
	AdSets *AdSetsService
	// Ads reads ads.
	Ads *AdsService
	// Creatives reads ad creatives.
	Creatives *CreativesService
	// Insights reads performance data: pages, async report runs, the runner.
	Insights *InsightsService
	// AdRules manages Meta's automated rules (adrules_library).
	AdRules *AdRulesService

	// sleep replaces the timer of the client's own waits (batch resends)
	// in tests; nil uses a timer.
	sleep func(ctx context.Context, d time.Duration) error
}

// wait sleeps for d or until ctx ends.
func (c *Client) wait(ctx context.Context, d time.Duration) error {
	if c.sleep != nil {
		return c.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// NewClient returns a Client configured by opts, or the first option error.
func NewClient(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("metaads: NewClient: option %d is nil", i)
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.store == nil {
		cfg.store = NewMemoryUsageStore()
	}
	c := &Client{cfg: &cfg}
	c.sched = newScheduler(cfg)
	c.budget = newRetryBudget(cfg.retryBudget)
	c.Accounts = &AccountsService{c: c}
	c.Campaigns = &CampaignsService{c: c}
	c.AdSets = &AdSetsService{c: c}
	c.Ads = &AdsService{c: c}
	c.Creatives = &CreativesService{c: c}
	c.Insights = &InsightsService{c: c}
	c.AdRules = &AdRulesService{c: c}
	return c, nil
}

// APIVersion returns the Graph API version the client uses.
func (c *Client) APIVersion() string { return c.cfg.version }

// String describes the client without credentials. It and the other
// printing methods have value receivers, so a Client prints the same as a
// value or through a pointer.
func (c Client) String() string {
	if c.cfg == nil {
		return "metaads.Client(not created with NewClient)"
	}
	return fmt.Sprintf("metaads.Client(%s/%s, app secret set: %t)", c.cfg.baseURL.Redacted(), c.cfg.version, c.cfg.appSecret != nil)
}

// GoString is like String, so %#v prints no credentials either.
func (c Client) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Client) Format(f fmt.State, verb rune) { redactpkg.Format(f, verb, c.String(), c.GoString()) }

// LogValue logs the base URL, version and whether an app secret is set.
func (c Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON writes String as a JSON string.
func (c Client) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

// Request is one Graph API call for Client.Do. Its printing methods show
// the method, path, account and parameter names, never values, Secrets or
// the token. In an unexported field of another struct fmt cannot call them
// and prints the fields by reflection, values included.
type Request struct {
	// Method is "GET" (the default when empty), "POST" or "DELETE".
	Method string
	// Path is relative to the version root, such as "me/adaccounts",
	// "act_1/insights" or "1234". It carries no query string.
	Path string
	// Account selects the token via the client's TokenProvider and the
	// rate-limit budget the request counts against. Zero uses the fallback token.
	Account AccountID
	// TokenSource, when non-nil, overrides the TokenProvider.
	TokenSource oauth2.TokenSource
	// Query holds non-secret query parameters. It must not contain
	// access_token or appsecret_proof: the client adds credentials itself.
	Query url.Values
	// Form is the body of a POST (form-encoded); for DELETE it is sent in the query.
	Form url.Values
	// Idempotent marks a write as safe to retry. GETs are always retryable.
	Idempotent bool
	// MaxQuotaWait caps how long the scheduler may hold this request when a
	// rate-limit budget is spent: 0 uses the client default (WithQuotaWait or
	// ContextWithQuotaWait), a negative value refuses at once.
	MaxQuotaWait time.Duration
	// BusinessUseCase names the rate-limit budget the call counts against
	// ("ads_management", "ads_insights", ...). Empty infers it from the path.
	BusinessUseCase string
	// Secrets are further secret values the request carries, such as the
	// inspected token in debug_token's input_token query parameter. Like the
	// access token, the appsecret_proof and the app secret (always
	// removed), each is replaced by "[redacted]" in every error, log line,
	// hook payload and batch result of the call, wherever Meta or a proxy
	// echoes it. A Request prints (fmt, slog, JSON) without its secrets,
	// its token source, or its query and form values.
	Secrets []string

	root bool // the version root itself (batch calls)
}

// String describes the request by method, path, account and the names of
// its query and form parameters; never their values, its token source or
// its secrets. The printing methods have value receivers, so a Request
// prints the same as a value, through a pointer or as a field.
func (r Request) String() string {
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	s := "metaads.Request{" + method + " " + r.Path
	if !r.Account.IsZero() {
		s += ", account " + r.Account.String()
	}
	if len(r.Query) > 0 {
		s += ", query " + strings.Join(sortedParamNames(r.Query), ",")
	}
	if len(r.Form) > 0 {
		s += ", form " + strings.Join(sortedParamNames(r.Form), ",")
	}
	return s + "}"
}

// Format prints String for every verb.
func (r Request) Format(f fmt.State, verb rune) { redactpkg.Format(f, verb, r.String(), r.String()) }

// LogValue logs the method, path, account and parameter names.
func (r Request) LogValue() slog.Value {
	return slog.GroupValue(slog.String("method", r.Method), slog.String("path", r.Path),
		slog.String("account", r.Account.String()), slog.Any("query", sortedParamNames(r.Query)),
		slog.Any("form", sortedParamNames(r.Form)))
}

// MarshalJSON writes the method, path, account and parameter names.
func (r Request) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Method  string   `json:"method,omitempty"`
		Path    string   `json:"path"`
		Account string   `json:"account,omitempty"`
		Query   []string `json:"query,omitempty"`
		Form    []string `json:"form,omitempty"`
	}{r.Method, r.Path, accountString(r.Account), sortedParamNames(r.Query), sortedParamNames(r.Form)})
}

func sortedParamNames(v url.Values) []string {
	if len(v) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(v))
}

func accountString(a AccountID) string {
	if a.IsZero() {
		return ""
	}
	return a.String()
}

// Response describes a completed HTTP exchange.
type Response struct {
	StatusCode int         // HTTP status of the final attempt
	Header     http.Header // response headers of the final attempt
	// Usage is the rate-limit usage parsed from the response headers.
	Usage Usage
	// Attempts is how many HTTP attempts the call took.
	Attempts int
	// APIVersionWarning is the X-Ad-Api-Version-Warning header: Meta sends
	// it when it served a call to a deprecated version by upgrading it.
	// Empty when absent; the client also logs it at Warn.
	APIVersionWarning string
}

type quotaWaitKey struct{}

// ContextWithQuotaWait returns a context under which calls may wait up to
// maxWait for rate-limit budget (a negative maxWait refuses at once). It is
// how service methods, which take no Request, choose wait-or-refuse per call.
// A nil ctx is taken as context.Background().
func ContextWithQuotaWait(ctx context.Context, maxWait time.Duration) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, quotaWaitKey{}, maxWait)
}

var forbiddenParams = []string{"access_token", "appsecret_proof", "appsecret_time"}

// validate checks req and returns the normalized method and path.
func (req *Request) validate() (method, path string, err error) {
	method = strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodDelete:
	default:
		return "", "", fmt.Errorf("metaads: request method %q: want GET, POST or DELETE", req.Method)
	}
	path = strings.TrimPrefix(req.Path, "/")
	if req.root {
		return method, "", nil
	}
	if path == "" {
		return "", "", errors.New("metaads: request path is empty: want a path relative to the version root such as \"me/adaccounts\"")
	}
	if strings.ContainsAny(path, "?#") || strings.Contains(path, "://") || strings.Contains(path, "..") {
		return "", "", fmt.Errorf("metaads: request path %q: want a relative path without query, fragment or \"..\"; put parameters in Query", req.Path)
	}
	for _, k := range forbiddenParams {
		if req.Query.Has(k) || req.Form.Has(k) {
			return "", "", fmt.Errorf("metaads: request %s %s: parameter %q is not allowed; the client adds credentials itself", method, path, k)
		}
	}
	if method == http.MethodGet && len(req.Form) > 0 {
		return "", "", fmt.Errorf("metaads: request GET %s: Form is only for POST and DELETE; use Query", path)
	}
	return method, path, nil
}

// ExtraAppSecretProof is the oauth2.Token extra (Token.WithExtra) that
// carries a precomputed appsecret_proof for the token. A client without an
// app secret (WithAppSecret) sends it as appsecret_proof, so a program that
// gets tokens and their proofs from a credentials service (the example
// CRM's credentials API) calls Meta with "Require App Secret" on without
// ever holding the app secret. A client with an app secret computes the
// proof itself and ignores the extra.
const ExtraAppSecretProof = "appsecret_proof"

// token returns the access token for req and its appsecret_proof ("" when
// the client has no app secret and the token carries no proof).
func (c *Client) token(ctx context.Context, req *Request) (token, proof string, err error) {
	t, err := c.oauthToken(ctx, req)
	if err != nil {
		return "", "", err
	}
	if proof = c.cfg.appSecret.proof(t.AccessToken); proof == "" {
		proof, _ = t.Extra(ExtraAppSecretProof).(string)
	}
	return t.AccessToken, proof, nil
}

func (c *Client) oauthToken(ctx context.Context, req *Request) (*oauth2.Token, error) {
	ts := req.TokenSource
	if ts == nil {
		if c.cfg.tokens == nil {
			return nil, fmt.Errorf("%w: no TokenProvider configured (use WithTokenProvider) and the request has no TokenSource", ErrNoToken)
		}
		var err error
		ts, err = c.cfg.tokens.TokenSource(ctx, req.Account)
		if err != nil {
			return nil, err
		}
		if ts == nil {
			return nil, fmt.Errorf("%w for %s: the TokenProvider returned a nil token source", ErrNoToken, accountLabel(req.Account))
		}
	}
	t, err := ts.Token()
	if err != nil {
		return nil, fmt.Errorf("metaads: getting token for %s: %w", accountLabel(req.Account), err)
	}
	if t == nil || t.AccessToken == "" {
		return nil, fmt.Errorf("%w for %s: the token source returned an empty token", ErrNoToken, accountLabel(req.Account))
	}
	if !t.Expiry.IsZero() && !t.Expiry.After(time.Now()) {
		return nil, fmt.Errorf("metaads: token for %s expired at %s: %w", accountLabel(req.Account), t.Expiry.UTC().Format(time.RFC3339), ErrTokenExpired)
	}
	return t, nil
}

func accountLabel(a AccountID) string {
	if a.IsZero() {
		return "requests without an ad account"
	}
	return "ad account " + a.String()
}

// appSecretProof returns hex(HMAC-SHA256(key=secret, msg=token)).
func appSecretProof(secret []byte, token string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(token))
	return hex.EncodeToString(m.Sum(nil))
}

// Do sends req and decodes a successful JSON response into out (which may be
// nil). Graph errors, error bodies sent with HTTP 200 and non-JSON bodies
// come back as *Error (or *RateLimitError for throttles); the *Response is
// returned whenever a response arrived, errors included.
//
// Do applies the token for req.Account in the Authorization header, adds
// appsecret_proof when the client has an app secret, waits for or refuses on
// rate-limit budget, and retries GETs (and writes marked Idempotent) on
// transient failures.
func (c *Client) Do(ctx context.Context, req *Request, out any) (*Response, error) {
	if ctx == nil {
		return nil, errNilContext("Do")
	}
	if req == nil {
		return nil, errors.New("metaads: Do: nil request")
	}
	method, path, err := req.validate()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("metaads: %s %s: %w", method, path, err)
	}
	token, proof, err := c.token(ctx, req)
	if err != nil {
		return nil, err
	}
	cl := &call{ctx: ctx, c: c, req: req, method: method, path: path, token: token, proof: proof}
	cl.secrets = c.callSecrets(token, cl.proof, req.Secrets)
	cl.key = c.sched.keyFor(req, path)
	cl.maxWait = c.quotaWaitFor(ctx, req)
	if err := c.sched.acquire(ctx, cl.key, cl.maxWait); err != nil {
		return nil, cl.wrap(err)
	}
	cl.out = out
	return cl.run(ctx)
}

func (c *Client) quotaWaitFor(ctx context.Context, req *Request) time.Duration {
	if req.MaxQuotaWait != 0 {
		return req.MaxQuotaWait
	}
	if d, ok := ctx.Value(quotaWaitKey{}).(time.Duration); ok {
		return d
	}
	return c.cfg.quotaWait
}

// errNilContext is the error of a call given a nil context: every exported
// method that takes a context returns (or yields) it instead of panicking.
func errNilContext(op string) error {
	return fmt.Errorf("metaads: %s: nil context: want a context.Context such as context.Background()", op)
}

// call is the state of one Do across its attempts.
type call struct {
	ctx     context.Context // the caller's context
	c       *Client
	req     *Request
	method  string
	path    string
	token   string
	proof   string
	secrets []string // everything to scrub: token, proof, app secret, Request.Secrets
	key     schedKey
	maxWait time.Duration

	out       any   // where a successful body is decoded
	decodeErr error // decoding the last body into out failed (not retried)

	attempt int
	started time.Time
	body    []byte // body of the last response
	apiErr  *Error // decoded error of the last response
	usage   Usage
	readErr error
}

func (cl *call) info() RequestInfo {
	return RequestInfo{Method: cl.method, Path: cl.path, Account: cl.req.Account, Attempt: cl.attempt}
}

// wrap prefixes err with the operation unless it already is one of ours.
func (cl *call) wrap(err error) error {
	var apiErr *Error
	var rl *RateLimitError
	if errors.As(err, &apiErr) || errors.As(err, &rl) {
		return err
	}
	return fmt.Errorf("metaads: %s %s: %w", cl.method, cl.path, err)
}

func (cl *call) buildRequest(ctx context.Context) (*retryablehttp.Request, error) {
	c := cl.c
	u := *c.cfg.baseURL
	u.Path = u.Path + "/" + c.cfg.version + "/" + cl.path
	q := url.Values{}
	for k, v := range cl.req.Query {
		q[k] = v
	}
	var body any
	switch cl.method {
	case http.MethodPost:
		f := url.Values{}
		for k, v := range cl.req.Form {
			f[k] = v
		}
		if cl.proof != "" {
			f.Set("appsecret_proof", cl.proof)
		}
		body = []byte(f.Encode())
	case http.MethodDelete:
		for k, v := range cl.req.Form {
			q[k] = v
		}
		fallthrough
	default:
		if cl.proof != "" {
			q.Set("appsecret_proof", cl.proof)
		}
	}
	u.RawQuery = q.Encode()
	rr, err := retryablehttp.NewRequestWithContext(ctx, cl.method, u.String(), body)
	if err != nil {
		return nil, errors.New("metaads: building the HTTP request failed")
	}
	rr.Header.Set("Authorization", "Bearer "+cl.token)
	rr.Header.Set("Accept", "application/json")
	rr.Header.Set("User-Agent", c.cfg.userAgent)
	if cl.method == http.MethodPost {
		rr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return rr, nil
}

func (cl *call) run(ctx context.Context) (*Response, error) {
	c := cl.c
	rr, err := cl.buildRequest(ctx)
	if err != nil {
		c.sched.observe(ctx, cl.key, Usage{}, nil)
		return nil, err
	}
	rc := &retryablehttp.Client{
		HTTPClient:     c.callHTTPClient(),
		RetryWaitMin:   c.cfg.backoffMin,
		RetryWaitMax:   c.cfg.backoffMax,
		RetryMax:       c.cfg.maxRetries,
		RequestLogHook: cl.beforeAttempt,
		CheckRetry:     cl.checkRetry,
		Backoff:        cl.backoff,
		ErrorHandler:   retryablehttp.PassthroughErrorHandler,
		PrepareRetry:   cl.prepareRetry,
	}
	resp, err := rc.Do(rr)
	if resp != nil && resp.Body != nil {
		defer resp.Body.Close()
	}
	if err != nil || resp == nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("metaads: %s %s: %w", cl.method, cl.path, ctxErr)
		}
		if err == nil {
			err = errors.New("no response")
		}
		return nil, cl.wrap(cl.sanitize(err))
	}
	if cl.readErr != nil {
		return nil, cl.wrap(cl.sanitize(cl.readErr))
	}
	r := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Usage: cl.usage, Attempts: cl.attempt,
		APIVersionWarning: resp.Header.Get("X-Ad-Api-Version-Warning")}
	if r.APIVersionWarning != "" {
		c.cfg.logger.LogAttrs(ctx, slog.LevelWarn, "metaads API version warning", slog.String("method", cl.method),
			slog.String("path", cl.path), slog.String("version", c.cfg.version), slog.String("warning", r.APIVersionWarning))
	}
	if cl.apiErr != nil {
		return r, cl.finalError(cl.apiErr)
	}
	c.budget.success(cl.attempt == 1)
	if cl.decodeErr != nil {
		return r, fmt.Errorf("metaads: %s %s: decoding the response into %T: %w", cl.method, cl.path, cl.out, cl.decodeErr)
	}
	return r, nil
}

// decode decodes a successful body into cl.out (checkRetry calls it, so a
// body cut off in transit can be retried). A body that is not complete JSON
// on a request safe to repeat becomes a transient *Error, like a dropped
// connection, and out is reset for the next attempt; any other decoding
// failure is kept in decodeErr and returned without a retry.
func (cl *call) decode(status int) {
	if cl.out == nil || len(bytes.TrimSpace(cl.body)) == 0 {
		return
	}
	var err error
	if d, ok := cl.out.(bodyDecoder); ok {
		err = d.decodeBody(cl.body) // insights pages: one pass, no reflection
	} else {
		err = json.Unmarshal(cl.body, cl.out)
	}
	if err == nil {
		return
	}
	if cl.safeToRepeat() && !json.Valid(cl.body) {
		if v := reflect.ValueOf(cl.out); v.Kind() == reflect.Pointer && !v.IsNil() {
			v.Elem().SetZero()
		}
		cl.apiErr = &Error{HTTPStatus: status, Type: "IncompleteResponse", IsTransient: true,
			Message: "the response body (" + strconv.Itoa(len(cl.body)) + " bytes) is not complete JSON; it was cut off or corrupted in transit"}
		return
	}
	cl.decodeErr = err
}

// callHTTPClient returns a copy of the configured *http.Client for one call
// whose Transport hides CloseIdleConnections: retryablehttp closes the idle
// connections of its client whenever a call fails, and the configured
// client is the caller's, shared with every other request in flight.
func (c *Client) callHTTPClient() *http.Client {
	hc := *c.cfg.httpClient
	rt := hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	hc.Transport = keepIdleTransport{rt}
	return &hc
}

// keepIdleTransport forwards requests and, having no CloseIdleConnections
// method, keeps http.Client.CloseIdleConnections from reaching rt.
type keepIdleTransport struct{ rt http.RoundTripper }

func (t keepIdleTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.rt.RoundTrip(r)
}

// finalError returns e, or a *RateLimitError wrapping it for throttles.
func (cl *call) finalError(e *Error) error {
	if e.Is(ErrRateLimited) {
		scope, wait := cl.c.sched.throttleScope(cl.ctx, cl.key, e)
		return &RateLimitError{Account: cl.req.Account, Scope: scope, RetryAfter: wait, Usage: e.Usage, Err: e,
			maxWait: cl.c.cfg.maxThrottleRetryWait}
	}
	return e
}

// readLimit is how many bytes to read to tell whether a body exceeds max:
// one more, without overflowing at math.MaxInt64.
func readLimit(max int64) int64 {
	if max >= math.MaxInt64-1 {
		return math.MaxInt64
	}
	return max + 1
}

// callSecrets lists what a call must never show: its token, its proof,
// the app secret and the request's own Secrets.
func (c *Client) callSecrets(token, proof string, extra []string) []string {
	out := make([]string, 0, 3+len(extra))
	out = append(out, token, proof)
	if c.cfg.appSecret != nil {
		out = append(out, string(c.cfg.appSecret.b))
	}
	return append(out, extra...)
}

// sanitize removes the URL (which may carry appsecret_proof) and any secret
// from a transport error while keeping it inspectable.
func (cl *call) sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = cl.path
	}
	if msg := redact(err.Error(), cl.secrets...); msg != err.Error() {
		return &redactedError{msg: msg, err: err}
	}
	return err
}

// redactedError hides its wrapped error's text but keeps it for errors.Is/As.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (cl *call) beforeAttempt(_ retryablehttp.Logger, r *http.Request, _ int) {
	cl.attempt++
	cl.started = time.Now()
	cl.apiErr, cl.body, cl.readErr, cl.decodeErr = nil, nil, nil, nil
	info := cl.info()
	cl.c.cfg.logger.LogAttrs(r.Context(), slog.LevelDebug, "metaads request",
		slog.String("method", info.Method), slog.String("path", info.Path),
		slog.String("account", info.Account.String()), slog.Int("attempt", info.Attempt))
	if h := hooksFor(r.Context(), cl.c.cfg.hooks).OnRequest; h != nil {
		h(r.Context(), info)
	}
}

// checkRetry reads and classifies every response (so usage is recorded for
// errors too) and decides whether to retry.
func (cl *call) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	c := cl.c
	ri := ResponseInfo{RequestInfo: cl.info(), Duration: time.Since(cl.started)}
	observed := false
	defer func() {
		if !observed {
			// Release the attempt's admission even without usage to record.
			c.sched.observe(ctx, cl.key, Usage{}, nil)
		}
		if h := hooksFor(ctx, c.cfg.hooks).OnResponse; h != nil {
			h(ctx, ri)
		}
	}()
	if ctx.Err() != nil {
		ri.Err = ctx.Err()
		return false, nil
	}
	if err != nil {
		ri.Err = cl.sanitize(err)
		cl.logAttempt(ctx, 0, ri.Err)
		return cl.retryTransport(err), nil
	}
	ri.StatusCode = resp.StatusCode
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, readLimit(c.cfg.maxBodyBytes)))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	cl.usage = ParseUsage(resp.Header, time.Now())
	ri.Usage = cl.usage
	if rerr != nil {
		cl.readErr = cl.sanitize(fmt.Errorf("reading the response body: %w", rerr))
		ri.Err = cl.readErr
		return cl.retryTransport(rerr), nil
	}
	if int64(len(body)) > c.cfg.maxBodyBytes {
		cl.readErr = fmt.Errorf("response body exceeds %d bytes (see WithMaxResponseBytes)", c.cfg.maxBodyBytes)
		ri.Err = cl.readErr
		return false, nil
	}
	cl.body = body
	cl.apiErr = parseErrorBody(resp.StatusCode, resp.Header, body)
	if cl.apiErr == nil {
		cl.decode(resp.StatusCode)
	}
	if cl.apiErr != nil {
		cl.apiErr.Method, cl.apiErr.Path, cl.apiErr.Usage = cl.method, cl.path, cl.usage
		cl.apiErr.redact(cl.secrets...)
		ri.Err = cl.apiErr
	}
	observed = true
	c.sched.observe(ctx, cl.key, cl.usage, cl.apiErr)
	cl.logAttempt(ctx, resp.StatusCode, ri.Err)
	if cl.apiErr == nil {
		return false, nil
	}
	return cl.retryAPIError(cl.apiErr), nil
}

func (cl *call) logAttempt(ctx context.Context, status int, err error) {
	attrs := []slog.Attr{slog.String("method", cl.method), slog.String("path", cl.path),
		slog.String("account", cl.req.Account.String()), slog.Int("attempt", cl.attempt),
		slog.Int("status", status), slog.Duration("duration", time.Since(cl.started))}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	cl.c.cfg.logger.LogAttrs(ctx, slog.LevelDebug, "metaads response", attrs...)
}

// safeToRepeat reports whether the request may be sent again after an
// outcome that does not prove it was not processed.
func (cl *call) safeToRepeat() bool {
	return cl.method == http.MethodGet || cl.req.Idempotent
}

// retryTransport decides on a transport error.
func (cl *call) retryTransport(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := ue.Err.Error()
		if strings.Contains(msg, "unsupported protocol scheme") || strings.Contains(msg, "certificate") ||
			strings.Contains(msg, "stopped after") || strings.Contains(msg, "invalid header") {
			return false
		}
	}
	if !cl.safeToRepeat() && !notSent(err) {
		return false
	}
	return cl.takeRetry()
}

// notSent reports whether a transport error proves the request never left:
// the connection could not be made.
func notSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// retryAPIError decides on a Graph error.
func (cl *call) retryAPIError(e *Error) bool {
	c := cl.c
	switch {
	case e.Is(ErrQuotaBlocked) || e.Is(ErrDataLimit):
		return false
	case e.Is(ErrRateLimited):
		// A throttle proves the request was not processed, so writes may retry too.
		_, wait := c.sched.throttleScope(cl.ctx, cl.key, e)
		if wait > c.cfg.maxThrottleRetryWait {
			return false
		}
	case e.Is(ErrTransient):
		if !cl.safeToRepeat() {
			return false
		}
	default:
		return false
	}
	return cl.takeRetry()
}

// takeRetry spends a unit of the retry budget for a retry that will be
// sent: after the last allowed attempt none follows, and nothing is spent.
func (cl *call) takeRetry() bool {
	return cl.attempt <= cl.c.cfg.maxRetries && cl.c.budget.take()
}

// backoff honours Meta's regain time for throttles, then exponential backoff
// with jitter.
func (cl *call) backoff(minWait, maxWait time.Duration, attemptNum int, _ *http.Response) time.Duration {
	var wait time.Duration
	// cause stays a nil interface (not a typed nil *Error) when no API
	// error was read, so hooks can test RetryInfo.Err against nil.
	cause := cl.readErr
	if cl.apiErr != nil {
		cause = cl.apiErr
		if cl.apiErr.Is(ErrRateLimited) {
			_, wait = cl.c.sched.throttleScope(cl.ctx, cl.key, cl.apiErr)
		}
	}
	if wait <= 0 {
		wait = expBackoff(minWait, maxWait, attemptNum)
	}
	info := RetryInfo{RequestInfo: cl.info(), Wait: wait, Err: cause}
	cl.c.cfg.logger.LogAttrs(cl.ctx, slog.LevelInfo, "metaads retry",
		slog.String("method", cl.method), slog.String("path", cl.path),
		slog.String("account", cl.req.Account.String()), slog.Int("attempt", cl.attempt),
		slog.Duration("wait", wait))
	if h := hooksFor(cl.ctx, cl.c.cfg.hooks).OnRetry; h != nil {
		h(cl.ctx, info)
	}
	return wait
}

// expBackoff returns min·2^n capped at max, with "equal jitter": a uniform
// value in [d/2, d].
func expBackoff(minWait, maxWait time.Duration, n int) time.Duration {
	d := minWait
	for i := 0; i < n && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// prepareRetry runs after the backoff wait, before the retry is sent: the
// retry must pass the scheduler like any request.
func (cl *call) prepareRetry(r *http.Request) error {
	return cl.c.sched.acquire(r.Context(), cl.key, cl.maxWait)
}

// retryBudget is a client-wide token bucket for retries (AWS style): each
// retry spends a unit, each success refunds a tenth.
type retryBudget struct {
	mu     sync.Mutex
	tokens float64
	max    float64
}

func newRetryBudget(n int) *retryBudget { return &retryBudget{tokens: float64(n), max: float64(n)} }

func (b *retryBudget) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (b *retryBudget) success(firstTry bool) {
	refund := 0.1
	if !firstTry {
		refund = 0.05
	}
	b.mu.Lock()
	b.tokens = min(b.max, b.tokens+refund)
	b.mu.Unlock()
}
