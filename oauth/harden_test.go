package oauth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// dialogRequests counts the requests that reached Meta's login dialog.
func dialogRequests(e *env) int {
	n := 0
	for _, r := range e.fake.Requests() {
		if strings.HasSuffix(r.Path, "dialog/oauth") {
			n++
		}
	}
	return n
}

// TestConnectNeedsSameOriginPOST: a link or a form on another site cannot
// start a login (Meta may skip its dialog for a person who already
// authorised the app, so one click elsewhere would reconnect their
// accounts). Only a POST from the app's own page is served.
func TestConnectNeedsSameOriginPOST(t *testing.T) {
	e := newEnv(t, envOpt{})
	h, err := e.m.ConnectHandler(oauth.HandlerHooks{CurrentUser: func(*http.Request) (string, error) { return e.user, nil },
		OnFailure: func(w http.ResponseWriter, r *http.Request, status int, err error) {
			e.lastErr = err
			http.Error(w, err.Error(), status)
		}})
	require.NoError(t, err)
	e.mux.Handle("/any/connect", h) // every method reaches the handler
	noRedirect := func(b *http.Client) *http.Client {
		b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		return b
	}

	t.Run("GET from a link", func(t *testing.T) {
		b := noRedirect(e.browser(e.user))
		req, _ := http.NewRequest(http.MethodGet, e.app.URL+"/any/connect", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := b.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		assert.Equal(t, http.MethodPost, resp.Header.Get("Allow"))
		assert.Empty(t, resp.Header.Get("Location"), "no redirect to the dialog")
		assert.Empty(t, resp.Cookies(), "no session cookie")
		assert.ErrorIs(t, e.lastErr, oauth.ErrBadRequest)
	})
	for name, hdr := range map[string][2]string{
		"cross-site form":   {"Sec-Fetch-Site", "cross-site"},
		"same-site sibling": {"Sec-Fetch-Site", "same-site"},
		"foreign Origin":    {"Origin", "https://evil.example"},
	} {
		t.Run(name, func(t *testing.T) {
			b := noRedirect(e.browser(e.user))
			req, _ := http.NewRequest(http.MethodPost, e.app.URL+"/any/connect", nil)
			req.Header.Set(hdr[0], hdr[1])
			resp, err := b.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusForbidden, resp.StatusCode)
			assert.Empty(t, resp.Header.Get("Location"))
			assert.ErrorIs(t, e.lastErr, oauth.ErrCrossOrigin)
		})
	}
	assert.Zero(t, dialogRequests(e), "no refused request reached Meta's dialog")

	t.Run("same-origin POST", func(t *testing.T) {
		b := noRedirect(e.browser(e.user))
		resp, err := postConnect(b, e.app.URL+"/any/connect", e.app.URL)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
		assert.Contains(t, resp.Header.Get("Location"), "/dialog/oauth")
	})
	t.Run("trusted origin", func(t *testing.T) {
		cop := http.NewCrossOriginProtection()
		require.NoError(t, cop.AddTrustedOrigin("https://app.example"))
		h, err := e.m.ConnectHandler(oauth.HandlerHooks{CrossOrigin: cop,
			CurrentUser: func(*http.Request) (string, error) { return e.user, nil }})
		require.NoError(t, err)
		e.mux.Handle("POST /trusted/connect", h)
		b := noRedirect(e.browser(e.user))
		req, _ := http.NewRequest(http.MethodPost, e.app.URL+"/trusted/connect", nil)
		req.Header.Set("Origin", "https://app.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := b.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	})
}

func cookieValue(b *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == oauth.DefaultSessionCookie {
			return c.Value
		}
	}
	return ""
}

// TestCallbackKeepsPendingLogin: a cross-site GET of the callback with a
// garbage (or another browser's) state leaves the session cookie alone, so
// the login in progress still completes; the cookie goes once the state
// verifies.
func TestCallbackKeepsPendingLogin(t *testing.T) {
	e := newEnv(t, envOpt{})
	b := e.browser(e.user)
	form, action := e.consent(b)
	cb := e.decide(b, form, action, "approve")
	before := cookieValue(b, e.app.URL)
	require.NotEmpty(t, before)

	for _, q := range []string{"?state=garbage&code=x", "?code=x", "?state=" + strings.Repeat("A", 76) + "&code=x",
		"?error=access_denied&state=forged"} {
		req, _ := http.NewRequest(http.MethodGet, e.cfg.RedirectURL+q, nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		resp, err := b.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, q)
		assert.ErrorIs(t, e.lastErr, oauth.ErrStateInvalid, q)
		assert.Equal(t, before, cookieValue(b, e.app.URL), "%s: the cookie of the pending login survives", q)
	}
	status, body := get(t, b, cb)
	require.Equal(t, http.StatusOK, status, body)
	assert.Empty(t, cookieValue(b, e.app.URL), "removed once the state verified")
}

// TestConnectInTwoTabs: a second connect in another tab of the same
// browser does not break the first; both complete, in either order, and
// the cookie goes after the last one.
func TestConnectInTwoTabs(t *testing.T) {
	for _, order := range []string{"first-first", "second-first"} {
		t.Run(order, func(t *testing.T) {
			e := newEnv(t, envOpt{})
			b := e.browser(e.user)
			form1, action1 := e.consent(b)
			sid1 := sessionCookie(t, b, e.app.URL)
			form2, action2 := e.consent(b)
			assert.Equal(t, sid1, sessionCookie(t, b, e.app.URL), "the second tab reuses the browser's session id")
			cb1 := e.decide(b, form1, action1, "approve")
			cb2 := e.decide(b, form2, action2, "approve")
			if order == "second-first" {
				cb1, cb2 = cb2, cb1
			}
			status, body := get(t, b, cb1)
			require.Equal(t, http.StatusOK, status, body)
			assert.NotEmpty(t, cookieValue(b, e.app.URL), "the other tab's login is still pending")
			status, body = get(t, b, cb2)
			require.Equal(t, http.StatusOK, status, body)
			assert.Empty(t, cookieValue(b, e.app.URL), "no login pending: cookie removed")
		})
	}
}

// TestCallbackRefusesUnusableTokens: what debug_token says about the new
// token decides the outcome: an expired token (or data access) is refused,
// not stored as needs_reauth and reported as success; a token of another
// app and an invalid token are named errors with a 4xx, not "Meta failed"
// (502); TestCallbackRejectsOtherTokenTypes covers page and app tokens.
func TestCallbackRefusesUnusableTokens(t *testing.T) {
	past := time.Now().Add(-time.Hour).Unix()
	cases := []struct {
		name   string
		set    map[string]any
		reason oauth.RejectReason
		text   string
	}{
		{"expired", map[string]any{"expires_at": past}, oauth.RejectExpired, "token expired at"},
		{"data access expired", map[string]any{"data_access_expires_at": past}, oauth.RejectExpired, "data access expired"},
		{"other app", map[string]any{"app_id": "999999"}, oauth.RejectOtherApp, `belongs to app "999999"`},
		{"no app", map[string]any{"app_id": ""}, oauth.RejectOtherApp, "(none reported)"},
		{"invalid", map[string]any{"is_valid": false, "error": map[string]any{"code": 190, "message": "Session has expired"}}, oauth.RejectInvalid, "Session has expired"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rw := &debugTokenRewriter{}
			for k, v := range c.set {
				rw.Set(k, v)
			}
			e := newEnv(t, envOpt{wrap: rw.wrap})
			b := e.browser(e.user)
			form, action := e.consent(b)
			status, body := get(t, b, e.decide(b, form, action, "approve"))
			assert.Equal(t, http.StatusForbidden, status, body)
			require.ErrorIs(t, e.lastErr, oauth.ErrTokenRejected)
			var te *oauth.TokenRejectedError
			require.ErrorAs(t, e.lastErr, &te)
			assert.Equal(t, c.reason, te.Reason)
			assert.Contains(t, body, c.text)
			_, err := e.store.Load(t.Context(), oauth.Key{User: e.user})
			assert.ErrorIs(t, err, oauth.ErrNoToken, "nothing stored")
		})
	}
}

// TestProviderScopedToUser: two tenants connect the same ad account with
// their own Meta logins. Each tenant's Provider acts with that tenant's
// token only, although the other row is newer; a tenant that never
// connected the account gets ErrNoToken. Serving every user's rows needs
// WithAnyUser.
func TestProviderScopedToUser(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := t.Context()
	e.user = "tenant-1"
	e.connect()
	tok1 := e.userToken()
	e.clk.Advance(time.Minute)
	e.user = "tenant-2"
	e.connect()
	tok2 := e.userToken()
	require.NotEqual(t, tok1, tok2)
	a := metaads.MustParseAccountID(acctA)

	token := func(p *oauth.Provider) (string, error) {
		ts, err := p.TokenSource(ctx, a)
		if err != nil {
			return "", err
		}
		tok, err := ts.Token()
		if err != nil {
			return "", err
		}
		return tok.AccessToken, nil
	}
	p1, err := oauth.NewProvider(e.m, "tenant-1")
	require.NoError(t, err)
	assert.Equal(t, "tenant-1", p1.User())
	got, err := token(p1)
	require.NoError(t, err)
	assert.Equal(t, tok1, got, "tenant-1 acts with its own token, not the newer row of tenant-2")
	p2, err := oauth.NewProvider(e.m, "tenant-2")
	require.NoError(t, err)
	got, err = token(p2)
	require.NoError(t, err)
	assert.Equal(t, tok2, got)

	p3, err := oauth.NewProvider(e.m, "tenant-3")
	require.NoError(t, err)
	_, err = token(p3)
	assert.ErrorIs(t, err, oauth.ErrNoToken)
	assert.Equal(t, `oauth: no stored token for ad account act_`+acctA+` of user "tenant-3"`, err.Error(), "said once")
	assert.ErrorIs(t, err, metaads.ErrNoToken)

	// Disconnecting tenant-2 does not disturb tenant-1's provider.
	require.NoError(t, e.m.Disconnect(ctx, "tenant-2"))
	_, err = token(p2)
	assert.ErrorIs(t, err, oauth.ErrNoToken)
	got, err = token(p1)
	require.NoError(t, err)
	assert.Equal(t, tok1, got)

	any, err := oauth.NewProvider(e.m, "", oauth.WithAnyUser())
	require.NoError(t, err)
	assert.Empty(t, any.User())
	got, err = token(any)
	require.NoError(t, err)
	assert.Equal(t, tok1, got, "the only usable row left")

	_, err = oauth.NewProvider(e.m, "")
	assert.ErrorContains(t, err, "WithAnyUser")
	_, err = oauth.NewProvider(e.m, "tenant-1", oauth.WithAnyUser())
	assert.ErrorContains(t, err, "empty user")
}

// TestExchangeLongLivedExpiresIn: through the public exchange, a reply
// whose expires_in is out of range or not a whole number is an error naming
// it (before: 9223372037 dated the expiry in 1734, and -5 or "1e3" meant
// "never expires").
func TestExchangeLongLivedExpiresIn(t *testing.T) {
	var reply atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"EAAnew","token_type":"bearer","expires_in":%s}`, reply.Load())
	}))
	defer srv.Close()
	cfg := oauth.Config{AppID: "1", AppSecret: "s", RedirectURL: "https://x.example/cb", GraphBaseURL: srv.URL}
	ctx := context.WithValue(t.Context(), oauth2.HTTPClient, srv.Client())
	for _, v := range []string{"9223372037", "9223372036854775807", "-5", `"-5"`, "1e3", `"1e3"`, "12.5", `"soon"`} {
		reply.Store(v)
		tok, err := cfg.ExchangeLongLived(ctx, &oauth2.Token{AccessToken: "EAAold"})
		require.Error(t, err, "expires_in %s gave %+v", v, tok)
		assert.ErrorContains(t, err, "expires_in")
		assert.NotContains(t, err.Error(), "EAAnew")
	}
	reply.Store("5183944")
	tok, err := cfg.ExchangeLongLived(ctx, &oauth2.Token{AccessToken: "EAAold"})
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(5183944*time.Second), tok.Expiry, time.Minute)
	reply.Store("null")
	tok, err = cfg.ExchangeLongLived(ctx, &oauth2.Token{AccessToken: "EAAold"})
	require.NoError(t, err)
	assert.True(t, tok.Expiry.IsZero(), "no expires_in: a non-expiring token")
}

// TestInspectEchoScrubbed: when Meta (or a proxy) quotes debug_token's
// input_token, or the app token, in its error, neither reaches the
// returned error, CallbackHandler's warning log or the failure page.
func TestInspectEchoScrubbed(t *testing.T) {
	wrap := func(_ *env, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/debug_token") {
				next.ServeHTTP(w, r)
				return
			}
			quoted := r.URL.Query().Get("input_token") + " " + r.Header.Get("Authorization") + " " + r.URL.RawQuery
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"error":{"message":"Invalid input_token %[1]s","type":"OAuthException","code":100,"error_user_msg":%[2]q,"fbtrace_id":%[2]q}}`,
				strings.ReplaceAll(quoted, `"`, ""), quoted)
		})
	}
	e := newEnv(t, envOpt{wrap: wrap})
	b := e.browser(e.user)
	form, action := e.consent(b)
	status, body := get(t, b, e.decide(b, form, action, "approve"))
	assert.Equal(t, http.StatusBadGateway, status, body)
	require.Error(t, e.lastErr)
	assert.Contains(t, e.lastErr.Error(), "[redacted]", "the error was produced from the echo")
	toks := e.wire.tokens()
	require.NotEmpty(t, toks)
	out := strings.Join([]string{body, e.lastErr.Error(), fmt.Sprintf("%+v", e.lastErr), e.logs.String()}, "\n")
	assert.Contains(t, e.logs.String(), "callback failed")
	for _, s := range append(toks, e.cfg.AppSecret, url.QueryEscape(e.cfg.AppID+"|"+e.cfg.AppSecret)) {
		assert.NotContains(t, out, s)
	}
}
