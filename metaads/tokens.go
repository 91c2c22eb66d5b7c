package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"golang.org/x/oauth2"

	redactpkg "github.com/adpilot/adpilot/internal/redact"
)

// TokenProvider chooses the access token for an ad account. The client asks
// it on every request, so one client can serve many customers' accounts.
//
// TokenSource may be called concurrently. The returned oauth2.TokenSource
// must be safe for concurrent use; wrap it in oauth2.ReuseTokenSource when
// producing a token is expensive. A token may carry its appsecret_proof
// (ExtraAppSecretProof) for a client that has no app secret.
type TokenProvider interface {
	TokenSource(ctx context.Context, account AccountID) (oauth2.TokenSource, error)
}

// TokenProviderFunc adapts a function to a [TokenProvider].
type TokenProviderFunc func(ctx context.Context, account AccountID) (oauth2.TokenSource, error)

// TokenSource calls f.
func (f TokenProviderFunc) TokenSource(ctx context.Context, account AccountID) (oauth2.TokenSource, error) {
	return f(ctx, account)
}

// StaticTokens is a [TokenProvider] over fixed tokens, for configuration
// files and system-user tokens (which do not expire). Keys are ad account ids
// in either "123" or "act_123" form; the key "*" (or "") is the fallback
// token for accounts not listed and for requests that name no account (such
// as /me).
//
// Its String method never prints the tokens.
//
// One way of printing StaticTokens is beyond any method: in an unexported
// field of another struct, fmt cannot call its methods and prints the map
// by reflection, tokens included. Keep StaticTokens in exported fields,
// slices or maps, where every fmt verb, slog handler and encoding/json use
// its redacting methods.
type StaticTokens map[string]string

// TokenSource returns a static source for the account's token, or an error
// wrapping [ErrNoToken] when neither the account nor a fallback is listed.
func (s StaticTokens) TokenSource(_ context.Context, account AccountID) (oauth2.TokenSource, error) {
	if !account.IsZero() {
		if t, ok := s[account.String()]; ok && t != "" {
			return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: t, TokenType: "Bearer"}), nil
		}
		if t, ok := s[account.Number()]; ok && t != "" {
			return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: t, TokenType: "Bearer"}), nil
		}
	}
	for _, k := range []string{"*", ""} {
		if t, ok := s[k]; ok && t != "" {
			return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: t, TokenType: "Bearer"}), nil
		}
	}
	if account.IsZero() {
		return nil, fmt.Errorf("%w for a request without an ad account: StaticTokens has no fallback (key \"*\")", ErrNoToken)
	}
	return nil, fmt.Errorf("%w for ad account %s: StaticTokens lists neither it nor a fallback (key \"*\")", ErrNoToken, account)
}

// String lists the configured accounts and redacts the tokens.
func (s StaticTokens) String() string {
	return fmt.Sprintf("metaads.StaticTokens(%d accounts, tokens redacted)", len(s))
}

// GoString is like String, so %#v does not print tokens either.
func (s StaticTokens) GoString() string { return s.String() }

// Format prints String for every verb, so no verb shows a token.
func (s StaticTokens) Format(f fmt.State, verb rune) {
	redactpkg.Format(f, verb, s.String(), s.GoString())
}

// LogValue logs the number of accounts, never the tokens.
func (s StaticTokens) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes the account keys with every token replaced by
// "[redacted]": the result keeps the shape of a token file but cannot be
// used as one.
func (s StaticTokens) MarshalJSON() ([]byte, error) {
	out := make(map[string]string, len(s))
	for k := range s {
		out[k] = redactpkg.Mark
	}
	return json.Marshal(out)
}
