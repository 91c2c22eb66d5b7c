package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/internal/redact"
)

// Default hosts of Meta's login dialog and Graph API.
const (
	DefaultDialogBaseURL = "https://www.facebook.com"
	DefaultGraphBaseURL  = "https://graph.facebook.com"
	// DefaultAPIVersion is the Graph API version used when Config.APIVersion
	// is empty. It matches the metaads client's default.
	DefaultAPIVersion = "v26.0"
)

// defaultScopes are the permissions requested when Config.Scopes is empty:
// reading and managing ad accounts and the Business Manager assets they
// belong to. DefaultScopes hands out copies.
var defaultScopes = [...]string{"ads_read", "ads_management", "business_management"}

// DefaultScopes returns a fresh copy of the permissions requested when
// Config.Scopes is empty.
func DefaultScopes() []string { return slices.Clone(defaultScopes[:]) }

var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)
var scopeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Config describes a Meta app and the login it asks for. It is a plain
// struct; Validate reports what is missing or malformed, and every
// constructor in this package calls it.
//
// Config is never modified by this package. Its String method redacts the
// app secret.
//
// One way of printing a Config is beyond any method: in an unexported
// field of another struct, fmt cannot call the Config's methods and prints
// its fields by reflection, secret included. Keep a Config in exported
// fields, slices or maps, where every fmt verb, slog handler and
// encoding/json use its redacting methods.
type Config struct {
	// AppID is the Meta app id (the OAuth client_id). Required.
	AppID string
	// AppSecret is the app secret (the OAuth client_secret). Required. It is
	// sent only in token-endpoint request bodies and used as the
	// appsecret_proof key; it never appears in URLs, logs or errors.
	AppSecret string
	// RedirectURL is the callback URL registered as a "Valid OAuth Redirect
	// URI" in the app dashboard. Required, absolute http(s). It is fixed by
	// configuration and never taken from a request.
	RedirectURL string
	// Scopes are the permissions to request. Empty means DefaultScopes.
	// Ignored in the dialog when ConfigID is set (the configuration lists
	// the permissions), but still used as the default RequiredScopes.
	Scopes []string
	// RequiredScopes must all be granted for a connection to succeed;
	// missing ones give a *MissingScopesError. Nil means Scopes (or
	// DefaultScopes); use an empty non-nil slice to require nothing.
	RequiredScopes []string
	// APIVersion is the Graph API version, like "v26.0". Empty means
	// DefaultAPIVersion.
	APIVersion string
	// ConfigID is a Facebook Login for Business configuration id. When set,
	// the dialog gets config_id instead of scope.
	ConfigID string
	// SystemUserToken marks a Facebook Login for Business configuration
	// that issues system-user tokens: the dialog then also gets
	// override_default_response_type=true so that it returns a code.
	SystemUserToken bool
	// DisablePKCE turns off the PKCE (S256) challenge. PKCE is on by
	// default; the state parameter is checked either way.
	DisablePKCE bool
	// DialogBaseURL replaces https://www.facebook.com (the host of the
	// login dialog), for example with a metaadstest server's URL.
	DialogBaseURL string
	// GraphBaseURL replaces https://graph.facebook.com (the host of the
	// token endpoint and the Graph API).
	GraphBaseURL string
}

// Validate reports every problem with c, each naming the field and what was
// expected, joined with errors.Join; nil means c is usable.
func (c *Config) Validate() error {
	if c == nil {
		return errors.New("oauth: nil Config")
	}
	var errs []error
	if c.AppID == "" {
		errs = append(errs, errors.New("oauth: Config.AppID is empty: want the Meta app id"))
	} else if strings.Trim(c.AppID, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("oauth: Config.AppID %q is not numeric: want the Meta app id (digits)", c.AppID))
	}
	if c.AppSecret == "" {
		errs = append(errs, errors.New("oauth: Config.AppSecret is empty: want the app secret from the app dashboard"))
	}
	if err := checkAbsURL("RedirectURL", c.RedirectURL, true); err != nil {
		errs = append(errs, err)
	}
	if c.APIVersion != "" && !versionRE.MatchString(c.APIVersion) {
		errs = append(errs, fmt.Errorf("oauth: Config.APIVersion %q is malformed: want a version like %q", c.APIVersion, DefaultAPIVersion))
	}
	for _, list := range [][]string{c.Scopes, c.RequiredScopes} {
		for _, s := range list {
			if !scopeRE.MatchString(s) {
				errs = append(errs, fmt.Errorf("oauth: scope %q is malformed: want a permission name like \"ads_read\"", s))
			}
		}
	}
	if c.ConfigID != "" && strings.Trim(c.ConfigID, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("oauth: Config.ConfigID %q is not numeric: want a Facebook Login for Business configuration id", c.ConfigID))
	}
	if c.SystemUserToken && c.ConfigID == "" {
		errs = append(errs, errors.New("oauth: Config.SystemUserToken needs Config.ConfigID"))
	}
	if c.DialogBaseURL != "" {
		if err := checkAbsURL("DialogBaseURL", c.DialogBaseURL, false); err != nil {
			errs = append(errs, err)
		}
	}
	if c.GraphBaseURL != "" {
		if err := checkAbsURL("GraphBaseURL", c.GraphBaseURL, false); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func checkAbsURL(field, s string, required bool) error {
	if s == "" {
		if required {
			return fmt.Errorf("oauth: Config.%s is empty: want an absolute http(s) URL", field)
		}
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("oauth: Config.%s %q is not an absolute http(s) URL", field, s)
	}
	if u.Fragment != "" || u.User != nil {
		return fmt.Errorf("oauth: Config.%s %q must not carry a fragment or user info", field, s)
	}
	return nil
}

// Version returns the Graph API version in use.
func (c *Config) Version() string {
	if c.APIVersion == "" {
		return DefaultAPIVersion
	}
	return c.APIVersion
}

// scopes returns the permissions the dialog asks for.
func (c *Config) scopes() []string {
	if len(c.Scopes) == 0 {
		return DefaultScopes()
	}
	return slices.Clone(c.Scopes)
}

// Required returns the permissions a connection must be granted:
// RequiredScopes, or the requested scopes when RequiredScopes is nil.
func (c *Config) Required() []string {
	if c.RequiredScopes != nil {
		return slices.Clone(c.RequiredScopes)
	}
	return c.scopes()
}

func (c *Config) dialogBase() string {
	if c.DialogBaseURL == "" {
		return DefaultDialogBaseURL
	}
	return strings.TrimRight(c.DialogBaseURL, "/")
}

func (c *Config) graphBase() string {
	if c.GraphBaseURL == "" {
		return DefaultGraphBaseURL
	}
	return strings.TrimRight(c.GraphBaseURL, "/")
}

// Endpoint returns Meta's versioned OAuth endpoints: the login dialog
// {dialog}/{v}/dialog/oauth and the token endpoint
// {graph}/{v}/oauth/access_token, with client credentials sent in the
// request body (Meta's convention; no auth-style probing).
func (c *Config) Endpoint() oauth2.Endpoint {
	v := c.Version()
	return oauth2.Endpoint{
		AuthURL:   c.dialogBase() + "/" + v + "/dialog/oauth",
		TokenURL:  c.graphBase() + "/" + v + "/oauth/access_token",
		AuthStyle: oauth2.AuthStyleInParams,
	}
}

// OAuth2 returns the equivalent golang.org/x/oauth2 configuration. Scopes
// are left out when ConfigID is set.
func (c *Config) OAuth2() *oauth2.Config {
	oc := &oauth2.Config{
		ClientID:     c.AppID,
		ClientSecret: c.AppSecret,
		Endpoint:     c.Endpoint(),
		RedirectURL:  c.RedirectURL,
	}
	if c.ConfigID == "" {
		// Meta accepts comma-separated permission lists.
		oc.Scopes = []string{strings.Join(c.scopes(), ",")}
	}
	return oc
}

// AuthCodeURL returns the login dialog URL for state. When verifier is not
// empty and PKCE is enabled, the URL carries its S256 challenge (make one
// with oauth2.GenerateVerifier and pass the same verifier to Exchange).
// Extra options such as oauth2.SetAuthURLParam("auth_type", "rerequest") are
// appended.
func (c *Config) AuthCodeURL(state, verifier string, opts ...oauth2.AuthCodeOption) string {
	all := make([]oauth2.AuthCodeOption, 0, len(opts)+3)
	if verifier != "" && !c.DisablePKCE {
		all = append(all, oauth2.S256ChallengeOption(verifier))
	}
	if c.ConfigID != "" {
		all = append(all, oauth2.SetAuthURLParam("config_id", c.ConfigID))
		if c.SystemUserToken {
			all = append(all, oauth2.SetAuthURLParam("override_default_response_type", "true"))
		}
	}
	all = append(all, opts...)
	return c.OAuth2().AuthCodeURL(state, all...)
}

// Exchange trades an authorization code for a (short-lived) user token at
// the token endpoint, sending the PKCE verifier when PKCE is enabled and
// verifier is not empty. The HTTP client may be set with the oauth2.HTTPClient
// context value. Errors never contain the code's token.
func (c *Config) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	if code == "" {
		return nil, errors.New("oauth: empty authorization code")
	}
	var opts []oauth2.AuthCodeOption
	if verifier != "" && !c.DisablePKCE {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	tok, err := c.OAuth2().Exchange(ctx, code, opts...)
	if err != nil {
		return nil, c.wrapTokenEndpointError("exchange authorization code", err, code)
	}
	return tok, nil
}

// String describes the app without its secret. It and the other printing
// methods have value receivers, so a Config prints without its secret
// whether it is printed as a value, through a pointer, or as a field of
// another struct.
func (c Config) String() string {
	return fmt.Sprintf("oauth.Config{AppID: %q, RedirectURL: %q, APIVersion: %q, AppSecret: %s}", c.AppID, c.RedirectURL, c.Version(), secretMark(c.AppSecret))
}

// GoString is String, so %#v does not print the secret either.
func (c Config) GoString() string { return c.String() }

// Format prints String for every verb (GoString for %#v), so no verb shows
// the secret.
func (c Config) Format(f fmt.State, verb rune) { redact.Format(f, verb, c.String(), c.GoString()) }

// LogValue logs the app id, redirect URL and API version; never the secret.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("app_id", c.AppID), slog.String("redirect_url", c.RedirectURL),
		slog.String("api_version", c.Version()), slog.String("app_secret", secretMark(c.AppSecret)))
}

// MarshalJSON writes the configuration with AppSecret replaced by
// "redacted" (empty when unset). It is for logs and diagnostics: the
// result does not configure an app.
func (c Config) MarshalJSON() ([]byte, error) {
	type plain Config // no methods: marshals field by field
	p := plain(c)
	p.AppSecret = secretMark(c.AppSecret)
	if c.AppSecret == "" {
		p.AppSecret = ""
	}
	return json.Marshal(p)
}

// secretMark says whether a secret is set without showing it.
func secretMark(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "redacted"
}
