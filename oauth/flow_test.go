package oauth_test

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/oauth"
)

func TestConnectHappyPath(t *testing.T) {
	seen := &meta{}
	e := newEnv(t, envOpt{wrap: seen.wrap})
	ctx := t.Context()
	// A row from an earlier connection for an account no longer granted is
	// removed by the new connection.
	stale := oauth.Key{User: e.user, Account: metaads.MustParseAccountID("act_999")}
	require.NoError(t, e.store.Save(ctx, &oauth.Connection{Key: stale, Token: &oauth2.Token{AccessToken: "old"}}))
	body := e.connect()
	assert.Equal(t, "connected "+metaUser+": act_"+acctA+",act_"+acctB, body)

	var keys []string
	for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
		require.NoError(t, err)
		keys = append(keys, c.Account.String())
		assert.Equal(t, oauth.StatusConnected, c.Status)
		assert.Equal(t, metaUser, c.MetaUserID)
		assert.Equal(t, []string{"ads_management", "ads_read", "business_management", "public_profile"}, c.Scopes)
		// Long-lived: about 60 days, dated with the injected clock.
		assert.WithinDuration(t, e.clk.Now().Add(60*24*time.Hour), c.Token.Expiry, time.Minute)
		assert.WithinDuration(t, e.clk.Now().Add(90*24*time.Hour), c.DataAccessExpiry, time.Minute)
	}
	assert.Equal(t, []string{"", "act_" + acctA, "act_" + acctB}, keys)

	// The dialog got the PKCE challenge and the code exchange its verifier.
	dialog, code := seen.get()
	require.Len(t, dialog, 1, "one dialog request")
	require.Len(t, code, 1, "one authorization_code exchange")
	assert.Equal(t, "S256", dialog[0].Get("code_challenge_method"))
	verifier := code[0].Get("code_verifier")
	require.Len(t, verifier, 43)
	assert.Equal(t, oauth2.S256ChallengeFromVerifier(verifier), dialog[0].Get("code_challenge"))
	assert.Equal(t, e.cfg.RedirectURL, dialog[0].Get("redirect_uri"))
	assert.Equal(t, e.cfg.RedirectURL, code[0].Get("redirect_uri"))
	assert.Empty(t, dialog[0].Get("code_verifier"), "the verifier never travels in a URL")

	// The exchanges used POST, and no secret travelled in a URL.
	var sawLongLived bool
	for _, u := range e.wire.urls {
		assert.NotContains(t, u, "client_secret", "the app secret never travels in a URL")
		assert.NotContains(t, u, "fb_exchange_token")
	}
	for _, r := range e.fake.Requests() {
		if strings.HasSuffix(r.Path, "oauth/access_token") && r.Params.Get("grant_type") == "fb_exchange_token" {
			sawLongLived = true
			assert.Equal(t, http.MethodPost, r.Method)
		}
	}
	assert.True(t, sawLongLived, "a long-lived exchange was made")

	// The stored token works through the Provider for a granted account,
	// and an account that was not granted has no token.
	p, err := oauth.NewProvider(e.m, e.user)
	require.NoError(t, err)
	client, err := metaads.NewClient(metaads.WithBaseURL(e.fake.URL), metaads.WithTokenProvider(p),
		metaads.WithAppSecret(e.cfg.AppSecret))
	require.NoError(t, err)
	var acct struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	_, err = client.Do(ctx, &metaads.Request{Path: "act_" + acctA, Account: metaads.MustParseAccountID(acctA),
		Query: url.Values{"fields": {"id,name"}}}, &acct)
	require.NoError(t, err)
	assert.Equal(t, "act_"+acctA, acct.ID)
	_, err = p.TokenSource(ctx, metaads.MustParseAccountID(acctC))
	assert.ErrorIs(t, err, oauth.ErrNoToken)
	assert.ErrorIs(t, err, metaads.ErrNoToken)
}

func TestConnectWithoutPKCE(t *testing.T) {
	seen := &meta{}
	e := newEnv(t, envOpt{wrap: seen.wrap, disablePKCE: true})
	e.connect()
	dialog, code := seen.get()
	require.Len(t, dialog, 1)
	require.Len(t, code, 1)
	assert.Empty(t, dialog[0].Get("code_challenge"))
	assert.Empty(t, dialog[0].Get("code_challenge_method"))
	assert.Empty(t, code[0].Get("code_verifier"))
}

func TestConnectPKCEInDialogURL(t *testing.T) {
	e := newEnv(t, envOpt{})
	b := e.browser(e.user)
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := postConnect(b, e.app.URL+"/meta/connect", e.app.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	u, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "/"+oauth.DefaultAPIVersion+"/dialog/oauth", u.Path)
	q := u.Query()
	assert.Equal(t, "S256", q.Get("code_challenge_method"))
	assert.Len(t, q.Get("code_challenge"), 43)
	assert.Equal(t, e.cfg.RedirectURL, q.Get("redirect_uri"))
	assert.Equal(t, "ads_read,ads_management,business_management", q.Get("scope"))
	assert.Equal(t, "code", q.Get("response_type"))
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == oauth.DefaultSessionCookie {
			sc = c
		}
	}
	require.NotNil(t, sc, "connect sets the session cookie")
	assert.True(t, sc.HttpOnly)
	assert.Equal(t, http.SameSiteLaxMode, sc.SameSite)
	assert.NotContains(t, u.RawQuery, sc.Value, "the session id is not in the URL")
}

func TestCallbackStateAttacks(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := t.Context()

	t.Run("tampered", func(t *testing.T) {
		b := e.browser(e.user)
		form, action := e.consent(b)
		st := form.Get("state")
		form.Set("state", st[:10]+flip(st[10])+st[11:])
		status, body := get(t, b, e.decide(b, form, action, "approve"))
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.ErrorIs(t, e.lastErr, oauth.ErrStateInvalid)
	})
	t.Run("cross-session", func(t *testing.T) {
		victim, attacker := e.browser(e.user), e.browser(e.user)
		// The attacker starts a login in their own browser, then gets the
		// victim's browser to open the callback URL.
		form, action := e.consent(attacker)
		cb := e.decide(attacker, form, action, "approve")
		status, _ := get(t, victim, cb)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.ErrorIs(t, e.lastErr, oauth.ErrStateInvalid)
		// Even when the victim has a login session of their own.
		_, _ = e.consent(victim)
		status, _ = get(t, victim, cb)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.ErrorIs(t, e.lastErr, oauth.ErrStateInvalid)
	})
	t.Run("expired", func(t *testing.T) {
		b := e.browser(e.user)
		form, action := e.consent(b)
		cb := e.decide(b, form, action, "approve")
		e.clk.Advance(oauth.DefaultStateTTL + time.Second)
		status, _ := get(t, b, cb)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.ErrorIs(t, e.lastErr, oauth.ErrStateExpired)
	})
	t.Run("replayed", func(t *testing.T) {
		b := e.browser(e.user)
		form, action := e.consent(b)
		cb := e.decide(b, form, action, "approve")
		sid := sessionCookie(t, b, e.app.URL)
		q := mustQuery(t, cb)
		_, err := e.m.Callback(ctx, sid, e.user, q)
		require.NoError(t, err)
		_, err = e.m.Callback(ctx, sid, e.user, q)
		assert.ErrorIs(t, err, oauth.ErrStateReused)
	})
	t.Run("missing", func(t *testing.T) {
		_, err := e.m.Callback(ctx, "sid", e.user, url.Values{"code": {"x"}})
		assert.ErrorIs(t, err, oauth.ErrStateInvalid)
	})
	t.Run("not signed in", func(t *testing.T) {
		status, _ := postStatus(t, &http.Client{}, e.app.URL+"/meta/connect", e.app.URL)
		assert.Equal(t, http.StatusUnauthorized, status)
	})
}

func TestCancelledConsent(t *testing.T) {
	e := newEnv(t, envOpt{})
	b := e.browser(e.user)
	form, action := e.consent(b)
	status, body := get(t, b, e.decide(b, form, action, "cancel"))
	assert.Equal(t, http.StatusForbidden, status, body)
	assert.ErrorIs(t, e.lastErr, oauth.ErrConsentDenied)
	var de *oauth.DialogError
	require.ErrorAs(t, e.lastErr, &de)
	assert.Equal(t, "access_denied", de.Code)
	assert.Equal(t, "user_denied", de.Reason)
	assert.Equal(t, "200", de.ErrorCode)
	_, err := e.store.Load(t.Context(), oauth.Key{User: e.user})
	assert.ErrorIs(t, err, oauth.ErrNoToken, "nothing stored")
}

func TestMissingScopes(t *testing.T) {
	e := newEnv(t, envOpt{scopes: []string{"ads_read"}, required: []string{"ads_read", "ads_management", "business_management"}})
	b := e.browser(e.user)
	form, action := e.consent(b)
	status, body := get(t, b, e.decide(b, form, action, "approve"))
	assert.Equal(t, http.StatusForbidden, status)
	assert.ErrorIs(t, e.lastErr, oauth.ErrMissingScopes)
	var ms *oauth.MissingScopesError
	require.ErrorAs(t, e.lastErr, &ms)
	assert.Equal(t, []string{"ads_management", "business_management"}, ms.Missing)
	assert.Contains(t, body, "ads_management, business_management")
	_, err := e.store.Load(t.Context(), oauth.Key{User: e.user})
	assert.ErrorIs(t, err, oauth.ErrNoToken, "nothing stored")
}

func TestWrongRedirect(t *testing.T) {
	t.Run("not registered", func(t *testing.T) {
		app := metaadstest.DefaultApp()
		app.RedirectURIs = []string{"https://crm.example.com/meta/callback"}
		e := newEnv(t, envOpt{fakeOpts: []metaadstest.Option{metaadstest.WithApp(app)}})
		status, body := postStatus(t, e.browser(e.user), e.app.URL+"/meta/connect", e.app.URL)
		assert.Equal(t, http.StatusBadRequest, status)
		assert.Contains(t, body, "URL Blocked")
	})
	t.Run("exchange with another redirect", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		b := e.browser(e.user)
		form, action := e.consent(b)
		cb := e.decide(b, form, action, "approve")
		other := e.cfg
		other.RedirectURL = e.app.URL + "/other/callback"
		m2, err := oauth.NewManager(other, e.store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now))
		require.NoError(t, err)
		_, err = m2.Callback(t.Context(), sessionCookie(t, b, e.app.URL), e.user, mustQuery(t, cb))
		require.Error(t, err)
		var me *metaads.Error
		require.ErrorAs(t, err, &me)
		assert.Equal(t, 100, me.Code)
		assert.Equal(t, 36008, me.Subcode)
		assert.ErrorIs(t, err, metaads.ErrInvalidParameter)
	})
}

// TestNoSecretsAnywhere runs the flows (connect, failures, renewal,
// revocation, disconnect) and scans every log line, every error string and
// every byte handed to the inner store for the tokens Meta issued, the
// authorization codes and the app secret.
func TestNoSecretsAnywhere(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := t.Context()
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		}
	}
	var codes []string
	// Connect, replay the callback (fails), renew, verify, revoke, renew
	// (fails), reconnect, disconnect.
	b := e.browser(e.user)
	form, action := e.consent(b)
	cb := e.decide(b, form, action, "approve")
	codes = append(codes, mustQuery(t, cb).Get("code"))
	status, _ := get(t, b, cb)
	require.Equal(t, http.StatusOK, status)
	_, err := e.m.Callback(ctx, "sid", e.user, mustQuery(t, cb))
	note(err)
	e.clk.Advance(55 * 24 * time.Hour)
	c, _, err := e.m.Renew(ctx, e.user)
	require.NoError(t, err)
	errs = append(errs, c.String(), fmt.Sprintf("%v %+v %#v", c, c, c))
	_, err = e.m.Verify(ctx, e.user)
	note(err)
	require.NoError(t, e.fake.RevokeToken(e.userToken()))
	_, _, err = e.m.Renew(ctx, e.user)
	note(err)
	_, err = e.m.Verify(ctx, e.user)
	note(err)
	p, err := oauth.NewProvider(e.m, e.user)
	require.NoError(t, err)
	_, err = p.TokenSource(ctx, metaads.MustParseAccountID(acctA))
	note(err)
	e.connect()
	// A code used twice at the token endpoint.
	mcfg := e.m.Config()
	_, err = mcfg.Exchange(ctx, codes[0], "")
	note(err)
	note(e.m.Disconnect(ctx, e.user))
	note(e.m.Disconnect(ctx, e.user))
	cfg := e.m.Config()
	errs = append(errs, cfg.String(), fmt.Sprintf("%v %+v %#v", &cfg, &cfg, &cfg))
	errs = append(errs, e.errs...)

	secrets := append(e.wire.tokens(), codes...)
	require.GreaterOrEqual(t, len(secrets), 5, "short, long, renewed, reconnect tokens and a code were captured")
	secrets = append(secrets, e.cfg.AppSecret)
	logs := e.logs.String()
	require.NotEmpty(t, logs)
	var stored bytes.Buffer
	e.inner.mu.Lock()
	for _, r := range e.inner.puts {
		fmt.Fprintf(&stored, "%s|%s|%s|%v|%s\n", r.User, r.MetaUserID, r.KeyID, r.Scopes, r.Ciphertext)
	}
	e.inner.mu.Unlock()
	require.NotZero(t, stored.Len())
	for i, s := range secrets {
		require.NotEmpty(t, s)
		assert.Falsef(t, strings.Contains(logs, s), "secret #%d reached the logs", i)
		assert.Falsef(t, strings.Contains(stored.String(), s), "secret #%d reached the store", i)
		for _, es := range errs {
			assert.Falsef(t, strings.Contains(es, s), "secret #%d reached an error string: %.80s", i, es)
		}
		// On the wire, tokens only travel in headers and POST bodies;
		// debug_token's input_token is the one query parameter Meta defines
		// for a token.
		for _, u := range e.wire.urls {
			if !strings.Contains(u, "/debug_token?") {
				assert.Falsef(t, strings.Contains(u, s), "secret #%d reached a URL", i)
			}
		}
	}
}

func TestHandlersSessionHookAndDefaults(t *testing.T) {
	e := newEnv(t, envOpt{})
	_, err := e.m.ConnectHandler(oauth.HandlerHooks{})
	assert.ErrorContains(t, err, "CurrentUser")
	_, err = e.m.CallbackHandler(oauth.HandlerHooks{})
	assert.ErrorContains(t, err, "CurrentUser")

	// An application that has its own session passes its id instead of
	// the default cookie; default success and failure responses apply.
	hooks := oauth.HandlerHooks{
		CurrentUser: func(*http.Request) (string, error) { return "app-user", nil },
		SessionID: func(r *http.Request) (string, error) {
			ck, err := r.Cookie("app_session")
			if err != nil {
				return "", err
			}
			return ck.Value, nil
		},
	}
	connect, err := e.m.ConnectHandler(hooks)
	require.NoError(t, err)
	callback, err := e.m.CallbackHandler(hooks)
	require.NoError(t, err)
	e.mux.Handle("POST /alt/connect", connect)
	e.mux.Handle("GET /meta/callback2", callback)

	b := e.browser("ignored")
	u, _ := url.Parse(e.app.URL)
	b.Jar.SetCookies(u, []*http.Cookie{{Name: "app_session", Value: "sess-123", Path: "/"}})
	resp, err := postConnect(b, e.app.URL+"/alt/connect", e.app.URL)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	for _, c := range b.Jar.Cookies(u) {
		assert.NotEqual(t, oauth.DefaultSessionCookie, c.Name, "no default cookie with a SessionID hook")
	}
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(body), -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	cb := e.decide(b, form, resp.Request.URL.String(), "approve")
	cb = strings.Replace(cb, "/meta/callback?", "/meta/callback2?", 1)
	nb := *b
	nb.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = nb.Get(cb)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode, "default success redirects")
	assert.Equal(t, "/", resp.Header.Get("Location"))
	c, err := e.store.Load(t.Context(), oauth.Key{User: "app-user"})
	require.NoError(t, err)
	assert.Equal(t, oauth.StatusConnected, c.Status)

	// Replaying it fails with the default plain-text error page.
	status, text := get(t, b, cb)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.Contains(t, text, "state parameter already used")
}
