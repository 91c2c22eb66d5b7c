package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/internal/redact"
	"github.com/adpilot/adpilot/metaads"
)

const tokenPath = "oauth/access_token"

// graphErrorBody is the Graph error envelope.
type graphErrorBody struct {
	Error *struct {
		Message   string          `json:"message"`
		Type      string          `json:"type"`
		Code      json.Number     `json:"code"`
		Subcode   json.Number     `json:"error_subcode"`
		FBTraceID string          `json:"fbtrace_id"`
		Transient bool            `json:"is_transient"`
		Extra     json.RawMessage `json:"error_data"`
	} `json:"error"`
}

// tokenEndpointError turns a failed token-endpoint response into a
// *metaads.Error, so that callers classify it with the metaads kinds
// (code 190 matches metaads.ErrTokenInvalid, and so on). The raw body is
// never included: only Meta's code, type, message and trace id, with the
// given secrets removed from each.
func tokenEndpointError(status int, body []byte, secrets ...string) *metaads.Error {
	e := &metaads.Error{HTTPStatus: status, Method: http.MethodPost, Path: tokenPath}
	var env graphErrorBody
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		code, _ := strconv.Atoi(env.Error.Code.String())
		sub, _ := strconv.Atoi(env.Error.Subcode.String())
		e.Code, e.Subcode = code, sub
		e.Type = scrub(env.Error.Type, secrets...)
		e.Message = scrub(env.Error.Message, secrets...)
		e.FBTraceID = scrub(env.Error.FBTraceID, secrets...)
		e.IsTransient = env.Error.Transient
		return e
	}
	// RFC 6749 style {"error": "invalid_grant", "error_description": "..."}.
	var rfc struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(body, &rfc) == nil && rfc.Error != "" {
		e.Type = scrub(rfc.Error, secrets...)
		e.Message = scrub(rfc.Description, secrets...)
		return e
	}
	e.Type = "UnexpectedResponse"
	e.Message = fmt.Sprintf("token endpoint answered HTTP %d with %d bytes that are not a Graph error", status, len(body))
	e.IsTransient = status >= 500
	return e
}

// scrub replaces each non-empty secret in s (see redact.Scrub).
func scrub(s string, secrets ...string) string { return redact.Scrub(s, secrets...) }

// wrapTokenEndpointError maps an error from oauth2.Config.Exchange. A
// *oauth2.RetrieveError is replaced by a *metaads.Error built from Meta's
// error body (x/oauth2's own message would quote the whole body).
func (c *Config) wrapTokenEndpointError(op string, err error, secrets ...string) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		return fmt.Errorf("oauth: %s: %w", op, tokenEndpointError(status, re.Body, append(secrets, c.AppSecret)...))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// Do not print the URL; the error itself (timeout, refused) is enough.
		return fmt.Errorf("oauth: %s: %s %s: %w", op, ue.Op, c.Endpoint().TokenURL, ue.Err)
	}
	return fmt.Errorf("oauth: %s: %s", op, scrub(err.Error(), append(secrets, c.AppSecret)...))
}

// ExchangeLongLived trades a valid user token for a long-lived one (about
// 60 days) with grant_type=fb_exchange_token. Credentials and the token go
// in the POST body, never in the URL. The HTTP client is taken from the
// oauth2.HTTPClient context value, like Exchange. The returned token's
// Expiry is computed from expires_in with time.Now; flows in this package
// recompute it with their own clock.
func (c *Config) ExchangeLongLived(ctx context.Context, tok *oauth2.Token) (*oauth2.Token, error) {
	if tok == nil || tok.AccessToken == "" {
		return nil, errors.New("oauth: ExchangeLongLived: empty token")
	}
	form := url.Values{
		"grant_type":        {"fb_exchange_token"},
		"client_id":         {c.AppID},
		"client_secret":     {c.AppSecret},
		"fb_exchange_token": {tok.AccessToken},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint().TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("oauth: building long-lived exchange request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := http.DefaultClient
	if v, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && v != nil {
		hc = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, c.wrapTokenEndpointError("long-lived token exchange", err, tok.AccessToken)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("oauth: long-lived token exchange: reading response: %w", err)
	}
	var probe struct {
		Error json.RawMessage `json:"error"`
	}
	hasErr := json.Unmarshal(body, &probe) == nil && len(probe.Error) > 0 && string(probe.Error) != "null"
	if resp.StatusCode < 200 || resp.StatusCode > 299 || hasErr {
		return nil, fmt.Errorf("oauth: long-lived token exchange: %w", tokenEndpointError(resp.StatusCode, body, tok.AccessToken, c.AppSecret))
	}
	out, err := parseTokenReply(body)
	if err != nil {
		return nil, fmt.Errorf("oauth: long-lived token exchange: %w", err)
	}
	if out.ExpiresIn > 0 {
		out.Expiry = time.Now().Add(time.Duration(out.ExpiresIn) * time.Second)
	}
	return out, nil
}

// MaxExpiresIn is the largest expires_in a token-endpoint reply may give:
// ten years, far beyond the 60 days of a long-lived token. A larger value
// is refused rather than trusted.
const MaxExpiresIn = 10 * 365 * 24 * 60 * 60

// parseTokenReply reads a successful token-endpoint reply: access_token
// is required; expires_in, when present and not 0, must be a whole number
// of seconds from 1 to MaxExpiresIn, given as a JSON number or a numeric
// string. Absent, null or 0 means the token does not expire (system-user
// tokens). Expiry is left for the caller to compute with its clock.
func parseTokenReply(body []byte) (*oauth2.Token, error) {
	var tj struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tj); err != nil {
		return nil, fmt.Errorf("response is not a JSON token object (%d bytes)", len(body))
	}
	if tj.AccessToken == "" {
		return nil, errors.New("response has no access_token")
	}
	n, err := parseExpiresIn(tj.ExpiresIn)
	if err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: tj.AccessToken, TokenType: tj.TokenType, ExpiresIn: n}, nil
}

// parseExpiresIn reads expires_in; see parseTokenReply.
func parseExpiresIn(raw json.RawMessage) (int64, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "" || s == "null" {
		return 0, nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	bad := func() error {
		shown := s
		if len(shown) > 24 {
			shown = shown[:24] + "…"
		}
		return fmt.Errorf("expires_in %q is not a whole number of seconds from 0 to %d", strings.ToValidUTF8(shown, "?"), MaxExpiresIn)
	}
	if s == "" || len(s) > 12 || strings.Trim(s, "0123456789") != "" {
		return 0, bad()
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > MaxExpiresIn {
		return 0, bad()
	}
	return n, nil
}
