package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/adpilot/adpilot/metaads"
)

// GranularScope is a permission limited to specific assets (for ads
// permissions, ad account numbers).
type GranularScope struct {
	// Scope is the permission name, like "ads_management".
	Scope string `json:"scope"`
	// TargetIDs are the asset ids the permission is limited to; empty when
	// it is not limited.
	TargetIDs []string `json:"target_ids,omitempty"`
}

// TokenInfo is what /debug_token says about a token. It holds no token.
type TokenInfo struct {
	// Valid is debug_token's is_valid.
	Valid bool
	// AppID is the app the token was issued for; Inspect requires it to be
	// Config.AppID when Valid.
	AppID string
	// Type is TokenTypeUser, TokenTypeSystemUser, TokenTypePage or
	// TokenTypeApp.
	Type string
	// Application is the app's name.
	Application string
	// UserID is the Meta (app-scoped) user id the token acts for.
	UserID string
	// IssuedAt is when the token was issued; zero when Meta did not say.
	IssuedAt time.Time
	// ExpiresAt is when the token expires; zero means never.
	ExpiresAt time.Time
	// DataAccessExpiresAt is when data access ends unless the user logs in
	// again; zero when not applicable.
	DataAccessExpiresAt time.Time
	// Scopes are the granted permissions, sorted.
	Scopes []string
	// GranularScopes are the permissions limited to specific assets (see
	// GrantedAdAccounts).
	GranularScopes []GranularScope
	// ErrorCode and ErrorMessage are set when Valid is false and Meta said why.
	ErrorCode    int
	ErrorSubcode int
	ErrorMessage string
}

// GrantedAdAccounts returns the ad accounts named in the granular
// ads_management or ads_read scopes, or nil when the grant is not limited
// to specific accounts.
func (t *TokenInfo) GrantedAdAccounts() []metaads.AccountID {
	var out []metaads.AccountID
	for _, g := range t.GranularScopes {
		if g.Scope != "ads_management" && g.Scope != "ads_read" {
			continue
		}
		for _, id := range g.TargetIDs {
			a, err := metaads.ParseAccountID(id)
			if err == nil && !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return out
}

// Token types debug_token reports in TokenInfo.Type. Callback accepts only
// TokenTypeUser and TokenTypeSystemUser.
const (
	TokenTypeUser       = "USER"
	TokenTypeSystemUser = "SYSTEM_USER"
	TokenTypePage       = "PAGE"
	TokenTypeApp        = "APP"
)

type debugTokenResponse struct {
	Data debugTokenData `json:"data"`
}

// debugTokenData is the "data" object of a /debug_token reply.
type debugTokenData struct {
	AppID               string          `json:"app_id"`
	Type                string          `json:"type"`
	Application         string          `json:"application"`
	DataAccessExpiresAt int64           `json:"data_access_expires_at"`
	ExpiresAt           int64           `json:"expires_at"`
	IsValid             bool            `json:"is_valid"`
	IssuedAt            int64           `json:"issued_at"`
	Scopes              []string        `json:"scopes"`
	GranularScopes      []GranularScope `json:"granular_scopes"`
	UserID              string          `json:"user_id"`
	Error               *struct {
		Code    int    `json:"code"`
		Subcode int    `json:"subcode"`
		Message string `json:"message"`
	} `json:"error"`
}

func unixOrZero(s int64) time.Time {
	if s <= 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// Inspect asks /debug_token about token, authenticating with the app token.
// Meta defines this endpoint as a GET with the inspected token in the
// input_token query parameter; the metaads client never logs or reports
// query strings, this package never logs the URL, and the inspected token
// is scrubbed (as a Request secret) from every error Meta or a proxy may
// echo it in.
//
// A valid token must belong to the manager's app: a valid token whose
// app_id is another app's, or empty, gives a *TokenRejectedError
// (ErrTokenRejected, RejectOtherApp). A negative time field is an error. An invalid
// token is not an error; Valid is false and ErrorCode and ErrorMessage say
// why when Meta did.
func (m *Manager) Inspect(ctx context.Context, token string) (*TokenInfo, error) {
	if token == "" {
		return nil, errors.New("oauth: Inspect: empty token")
	}
	var resp debugTokenResponse
	// Secrets: Meta's errors may quote the input_token they got in the URL;
	// the client then scrubs it (with the app token and secret) from the
	// error, its logs and hooks.
	_, err := m.graph.Do(ctx, &metaads.Request{Path: "debug_token",
		Query: url.Values{"input_token": {token}}, TokenSource: m.appToken(), Secrets: []string{token}}, &resp)
	if err != nil {
		return nil, fmt.Errorf("oauth: debug_token: %w", err)
	}
	return tokenInfo(resp.Data, token, m.cfg.Get().AppID)
}

// tokenInfo checks and converts a debug_token reply about token for the
// app appID (see Inspect).
func tokenInfo(d debugTokenData, token, appID string) (*TokenInfo, error) {
	for _, f := range []struct {
		name string
		v    int64
	}{{"issued_at", d.IssuedAt}, {"expires_at", d.ExpiresAt}, {"data_access_expires_at", d.DataAccessExpiresAt}} {
		if f.v < 0 {
			return nil, fmt.Errorf("oauth: debug_token: %s is %d: want unix seconds, or 0 for none", f.name, f.v)
		}
	}
	// The reply is untrusted: a token echoed in any text field goes.
	d.AppID, d.Type, d.Application, d.UserID = scrub(d.AppID, token), scrub(d.Type, token), scrub(d.Application, token), scrub(d.UserID, token)
	for i, s := range d.Scopes {
		d.Scopes[i] = scrub(s, token)
	}
	info := &TokenInfo{
		Valid: d.IsValid, AppID: d.AppID, Type: d.Type, Application: d.Application, UserID: d.UserID,
		IssuedAt: unixOrZero(d.IssuedAt), ExpiresAt: unixOrZero(d.ExpiresAt),
		DataAccessExpiresAt: unixOrZero(d.DataAccessExpiresAt),
		Scopes:              slices.Sorted(slices.Values(d.Scopes)), GranularScopes: d.GranularScopes,
	}
	if d.Error != nil {
		info.ErrorCode, info.ErrorSubcode = d.Error.Code, d.Error.Subcode
		info.ErrorMessage = scrub(d.Error.Message, token)
	}
	if info.Valid && info.AppID != appID {
		got := strconv.Quote(truncate(info.AppID, 64))
		if info.AppID == "" {
			got = "(none reported)"
		}
		return nil, &TokenRejectedError{Reason: RejectOtherApp,
			Detail: fmt.Sprintf("debug_token says the token belongs to app %s: want app %s", got, appID)}
	}
	return info, nil
}
