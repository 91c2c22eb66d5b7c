package oauth

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func validConfig() Config {
	return Config{AppID: "123", AppSecret: "s3cret", RedirectURL: "https://app.example.com/cb"}
}

func TestConfigEndpointsAndLoginForBusiness(t *testing.T) {
	c := validConfig()
	c.APIVersion = "v25.0"
	c.GraphBaseURL = "http://127.0.0.1:9/"
	c.DialogBaseURL = "http://127.0.0.1:9"
	require.NoError(t, c.Validate())
	ep := c.Endpoint()
	assert.Equal(t, "http://127.0.0.1:9/v25.0/dialog/oauth", ep.AuthURL)
	assert.Equal(t, "http://127.0.0.1:9/v25.0/oauth/access_token", ep.TokenURL)
	assert.Equal(t, oauth2.AuthStyleInParams, ep.AuthStyle)

	c = validConfig()
	c.ConfigID = "987"
	c.SystemUserToken = true
	c.DisablePKCE = true
	u, err := url.Parse(c.AuthCodeURL("st", oauth2.GenerateVerifier(), oauth2.SetAuthURLParam("auth_type", "rerequest")))
	require.NoError(t, err)
	q := u.Query()
	assert.Equal(t, "https://www.facebook.com/v26.0/dialog/oauth", u.Scheme+"://"+u.Host+u.Path)
	assert.Equal(t, "987", q.Get("config_id"))
	assert.Equal(t, "true", q.Get("override_default_response_type"))
	assert.False(t, q.Has("scope"), "a Login for Business configuration lists the permissions")
	assert.False(t, q.Has("code_challenge"), "PKCE disabled")
	assert.Equal(t, "rerequest", q.Get("auth_type"))
	assert.Equal(t, DefaultScopes(), c.Required(), "required scopes default to the requested ones")

	c = validConfig()
	c.RequiredScopes = []string{}
	assert.Empty(t, c.Required())
	assert.NotContains(t, c.String(), "s3cret")
}

func TestConfigValidate(t *testing.T) {
	var nilCfg *Config
	assert.ErrorContains(t, nilCfg.Validate(), "nil Config")
	for name, mut := range map[string]func(*Config){
		"AppID is empty":           func(c *Config) { c.AppID = "" },
		"AppSecret is empty":       func(c *Config) { c.AppSecret = "" },
		"RedirectURL is empty":     func(c *Config) { c.RedirectURL = "" },
		"must not carry":           func(c *Config) { c.RedirectURL = "https://x/cb#frag" },
		"scope \"ads read\"":       func(c *Config) { c.Scopes = []string{"ads read"} },
		"ConfigID \"abc\"":         func(c *Config) { c.ConfigID = "abc" },
		"SystemUserToken needs":    func(c *Config) { c.SystemUserToken = true },
		"GraphBaseURL \"ftp://x\"": func(c *Config) { c.GraphBaseURL = "ftp://x" },
		"DialogBaseURL":            func(c *Config) { c.DialogBaseURL = "nohost" },
	} {
		c := validConfig()
		mut(&c)
		assert.ErrorContains(t, c.Validate(), name)
	}
}

// TestConfigValidateReportsEveryProblem pins the documented contract:
// every problem is reported, not just the first.
func TestConfigValidateReportsEveryProblem(t *testing.T) {
	c := Config{AppID: "abc", APIVersion: "26", Scopes: []string{"Bad Scope"}}
	err := c.Validate()
	require.Error(t, err)
	for _, want := range []string{"AppID", "AppSecret", "RedirectURL", "APIVersion", `"Bad Scope"`} {
		assert.ErrorContains(t, err, want)
	}
	var joined interface{ Unwrap() []error }
	require.ErrorAs(t, err, &joined)
	assert.Len(t, joined.Unwrap(), 5)
}
