package oauth

import (
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
// never included: only Meta's code, type and message, with the given
// secrets removed from the message.
func tokenEndpointError(status int, body []byte, secrets ...string) *metaads.Error {
	e := &metaads.Error{HTTPStatus: status, Method: http.MethodPost, Path: tokenPath}
	var env graphErrorBody
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		code, _ := strconv.Atoi(env.Error.Code.String())
		sub, _ := strconv.Atoi(env.Error.Subcode.String())
		e.Code, e.Subcode, e.Type = code, sub, env.Error.Type
		e.Message = scrub(env.Error.Message, secrets...)
		e.FBTraceID = env.Error.FBTraceID
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

// scrub replaces each non-empty secret in s.
func scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

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
	var tj struct {
		AccessToken string      `json:"access_token"`
		TokenType   string      `json:"token_type"`
		ExpiresIn   json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tj); err != nil {
		return nil, fmt.Errorf("oauth: long-lived token exchange: response is not JSON (%d bytes)", len(body))
	}
	if tj.AccessToken == "" {
		return nil, errors.New("oauth: long-lived token exchange: response has no access_token")
	}
	out := &oauth2.Token{AccessToken: tj.AccessToken, TokenType: tj.TokenType}
	if n, err := tj.ExpiresIn.Int64(); err == nil && n > 0 {
		out.ExpiresIn = n
		out.Expiry = time.Now().Add(time.Duration(n) * time.Second)
	}
	return out, nil
}
