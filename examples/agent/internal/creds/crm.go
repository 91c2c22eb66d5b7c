package creds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/adpilot/adpilot/metaads"
)

// Defaults of the CRM source.
const (
	// DefaultRefreshMargin is how long before its expiry a cached token is
	// fetched again.
	DefaultRefreshMargin = 5 * time.Minute
	// DefaultMaxAge bounds how long a token is cached even when it does
	// not expire (system-user tokens), so a disconnect in the CRM reaches
	// the agent within it.
	DefaultMaxAge = time.Hour
)

// CRM is a Source on the example CRM's credentials API:
//
//	GET  {base}/api/agent/v1/accounts                       the accounts the service token may use
//	POST {base}/api/agent/v1/accounts/{account}/token       a usable token (renewed by the CRM if due)
//	POST {base}/api/agent/v1/accounts/{account}/report-190  Meta refused the token
//
// authenticated by "Authorization: Bearer adp_..." (a service token a user
// creates in the CRM, limited to some of their accounts). Tokens are
// fetched when an account first needs one and cached per account until
// RefreshMargin before they expire (at most MaxAge); concurrent requests for
// one account share a single fetch.
type CRM struct {
	base    *url.URL
	service string
	hc      *retryablehttp.Client
	margin  time.Duration
	maxAge  time.Duration
	now     func() time.Time
	log     *slog.Logger

	sf    singleflight.Group
	mu    sync.Mutex
	cache map[metaads.AccountID]*cached
}

type cached struct {
	token    *oauth2.Token // with its appsecret_proof extra
	endpoint Endpoint
	until    time.Time // use before this
}

// CRMOption configures a CRM source.
type CRMOption func(*CRM) error

// WithHTTPClient sets the HTTP client for the credentials API (default: a
// client with a 30-second timeout). Requests are retried on transport
// errors and 5xx answers (three retries).
func WithHTTPClient(hc *http.Client) CRMOption {
	return func(c *CRM) error {
		if hc == nil {
			return errors.New("creds: WithHTTPClient: nil client")
		}
		c.hc.HTTPClient = hc
		return nil
	}
}

// WithRefreshMargin sets how long before its expiry a token is fetched
// again (default DefaultRefreshMargin).
func WithRefreshMargin(d time.Duration) CRMOption {
	return func(c *CRM) error {
		if d < 0 {
			return fmt.Errorf("creds: WithRefreshMargin(%s): want a duration of zero or more", d)
		}
		c.margin = d
		return nil
	}
}

// WithMaxAge bounds how long a token is cached (default DefaultMaxAge).
func WithMaxAge(d time.Duration) CRMOption {
	return func(c *CRM) error {
		if d <= 0 {
			return fmt.Errorf("creds: WithMaxAge(%s): want a positive duration", d)
		}
		c.maxAge = d
		return nil
	}
}

// WithClock replaces the clock that decides expiry (default time.Now).
func WithClock(now func() time.Time) CRMOption {
	return func(c *CRM) error {
		if now == nil {
			return errors.New("creds: WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithLogger sets the logger (default: discard). Records never hold a token.
func WithLogger(l *slog.Logger) CRMOption {
	return func(c *CRM) error {
		if l == nil {
			return errors.New("creds: WithLogger: nil logger")
		}
		c.log = l
		return nil
	}
}

// NewCRM returns a source on the CRM at baseURL (like
// https://crm.example.com) with a service token ("adp_...").
func NewCRM(baseURL, serviceToken string, opts ...CRMOption) (*CRM, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("creds: CRM URL %q: want an absolute http(s) URL without query, like https://crm.example.com", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	serviceToken = strings.TrimSpace(serviceToken)
	if serviceToken == "" {
		return nil, errors.New("creds: empty CRM service token; create one on the CRM's settings page (it looks like adp_...)")
	}
	if !strings.HasPrefix(serviceToken, "adp_") || strings.ContainsAny(serviceToken, " \t\r\n") {
		return nil, errors.New("creds: the CRM service token is malformed; want the adp_... value the CRM showed once")
	}
	hc := retryablehttp.NewClient()
	hc.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	hc.RetryMax = 3
	hc.RetryWaitMin, hc.RetryWaitMax = 200*time.Millisecond, 2*time.Second
	hc.Logger = nil
	hc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	c := &CRM{base: u, service: serviceToken, hc: hc, margin: DefaultRefreshMargin, maxAge: DefaultMaxAge,
		now: time.Now, log: slog.New(slog.DiscardHandler), cache: map[metaads.AccountID]*cached{}}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("creds: nil CRMOption")
		}
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// String names the source without its service token.
func (c *CRM) String() string { return "CRM credentials API at " + c.base.Redacted() }

// GoString is String, so %#v prints no secret either.
func (c *CRM) GoString() string { return c.String() }

// crmAccount is an account of GET /api/agent/v1/accounts.
type crmAccount struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Currency       string `json:"currency"`
	Timezone       string `json:"timezone"`
	State          string `json:"state"`
	NeedsReconnect bool   `json:"needs_reconnect"`
}

// Accounts lists the accounts the service token may use.
func (c *CRM) Accounts(ctx context.Context) ([]Account, error) {
	var out struct {
		Accounts []crmAccount `json:"accounts"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/agent/v1/accounts", "", nil, &out); err != nil {
		return nil, err
	}
	accts := make([]Account, 0, len(out.Accounts))
	for _, a := range out.Accounts {
		id, err := metaads.ParseAccountID(a.ID)
		if err != nil {
			return nil, fmt.Errorf("creds: the CRM listed an account id %q: %w", a.ID, err)
		}
		accts = append(accts, Account{ID: id, Name: a.Name, Currency: a.Currency, TimeZone: a.Timezone, State: a.State, NeedsReconnect: a.NeedsReconnect})
	}
	return accts, nil
}

// crmToken is the answer of POST .../token.
type crmToken struct {
	Account        string     `json:"account"`
	AccessToken    string     `json:"access_token"`
	TokenType      string     `json:"token_type"`
	ExpiresAt      *time.Time `json:"expires_at"`
	AppSecretProof string     `json:"appsecret_proof"`
	GraphBaseURL   string     `json:"graph_base_url"`
	APIVersion     string     `json:"api_version"`
}

// entry returns the cached credentials of account, fetching them when
// missing or due.
func (c *CRM) entry(ctx context.Context, account metaads.AccountID) (*cached, error) {
	if account.IsZero() {
		return nil, fmt.Errorf("creds: the CRM gives tokens per ad account; the request names none: %w", ErrForbidden)
	}
	c.mu.Lock()
	e := c.cache[account]
	c.mu.Unlock()
	if e != nil && c.now().Before(e.until) {
		return e, nil
	}
	v, err, _ := c.sf.Do(account.String(), func() (any, error) {
		c.mu.Lock()
		e := c.cache[account]
		c.mu.Unlock()
		if e != nil && c.now().Before(e.until) {
			return e, nil // another caller fetched it meanwhile
		}
		return c.fetch(ctx, account)
	})
	if err != nil {
		return nil, err
	}
	return v.(*cached), nil
}

func (c *CRM) fetch(ctx context.Context, account metaads.AccountID) (*cached, error) {
	var t crmToken
	if err := c.call(ctx, http.MethodPost, "/api/agent/v1/accounts/"+account.String()+"/token", account.String(), nil, &t); err != nil {
		return nil, err
	}
	if t.AccessToken == "" {
		return nil, fmt.Errorf("creds: the CRM answered no access token for %s: %w", account, ErrUnavailable)
	}
	now := c.now()
	tok := &oauth2.Token{AccessToken: t.AccessToken, TokenType: "Bearer"}
	until := now.Add(c.maxAge)
	if t.ExpiresAt != nil && !t.ExpiresAt.IsZero() {
		tok.Expiry = *t.ExpiresAt
		if !tok.Expiry.After(now) {
			return nil, fmt.Errorf("creds: the CRM gave an expired token for %s (expired %s): %w", account, tok.Expiry.UTC().Format(time.RFC3339), ErrNeedsReconnect)
		}
		if exp := tok.Expiry.Add(-c.margin); exp.Before(until) {
			until = exp
		}
	}
	if t.AppSecretProof != "" {
		tok = tok.WithExtra(map[string]any{metaads.ExtraAppSecretProof: t.AppSecretProof})
	}
	e := &cached{token: tok, endpoint: Endpoint{BaseURL: t.GraphBaseURL, APIVersion: t.APIVersion}, until: until}
	c.mu.Lock()
	c.cache[account] = e
	c.mu.Unlock()
	c.log.DebugContext(ctx, "creds: token fetched from the CRM", "account", account.String(), "cached_until", until)
	return e, nil
}

// TokenSource implements metaads.TokenProvider.
func (c *CRM) TokenSource(ctx context.Context, account metaads.AccountID) (oauth2.TokenSource, error) {
	e, err := c.entry(ctx, account)
	if err != nil {
		return nil, err
	}
	return oauth2.StaticTokenSource(e.token), nil
}

// Endpoint returns the Graph base URL and version the CRM named with the
// account's token.
func (c *CRM) Endpoint(ctx context.Context, account metaads.AccountID) (Endpoint, error) {
	e, err := c.entry(ctx, account)
	if err != nil {
		return Endpoint{}, err
	}
	return e.endpoint, nil
}

// Forget drops the cached token of account (the next use fetches again).
func (c *CRM) Forget(account metaads.AccountID) {
	c.mu.Lock()
	delete(c.cache, account)
	c.mu.Unlock()
}

// Invalid drops the cached token and reports the 190 to the CRM, which
// asks Meta and, when Meta confirms (or cannot be asked), marks the
// account needs_reconnect for its owner.
func (c *CRM) Invalid(ctx context.Context, account metaads.AccountID, cause *metaads.Error) (Invalidation, error) {
	c.Forget(account)
	body := map[string]any{"code": 190}
	if cause != nil {
		if cause.Code != 0 {
			body["code"] = cause.Code
		}
		if cause.Subcode != 0 {
			body["subcode"] = cause.Subcode
		}
		if cause.FBTraceID != "" {
			body["fbtrace_id"] = cause.FBTraceID
		}
	}
	if body["code"] != 190 {
		body["code"] = 190 // the CRM's route is for 190; 102 and 2500 are token errors of the same kind
	}
	var out struct {
		State     string `json:"state"`
		Confirmed bool   `json:"confirmed"`
		Message   string `json:"message"`
	}
	if err := c.call(ctx, http.MethodPost, "/api/agent/v1/accounts/"+account.String()+"/report-190", account.String(), body, &out); err != nil {
		return Invalidation{}, err
	}
	c.log.InfoContext(ctx, "creds: 190 reported to the CRM", "account", account.String(), "state", out.State, "confirmed", out.Confirmed)
	return Invalidation{Reported: true, Confirmed: out.Confirmed, State: out.State, Message: out.Message}, nil
}

// call makes one credentials-API request and decodes the answer or the
// CRM's error envelope.
func (c *CRM) call(ctx context.Context, method, path, account string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u := *c.base
	u.Path += path
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return fmt.Errorf("creds: %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.service)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		// url.Error carries the URL, which holds no secret; the service
		// token is in a header and never printed.
		return fmt.Errorf("creds: %s %s at %s: %w: %w", method, path, c.base.Host, ErrUnavailable, unwrapURL(err))
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("creds: reading the CRM's answer to %s %s: %w: %w", method, path, ErrUnavailable, err)
	}
	if res.StatusCode/100 != 2 {
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(data, &env)
		msg := env.Error.Message
		if msg == "" {
			msg = http.StatusText(res.StatusCode)
		}
		return &APIError{Status: res.StatusCode, Code: env.Error.Code, Message: msg, Account: account}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("creds: the CRM's answer to %s %s is not the documented JSON: %w", method, path, err)
	}
	return nil
}

// unwrapURL drops *url.Error's wrapping (method and URL are said already).
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
