package oauth_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// peekForm parses r's urlencoded body and puts the body back for the next
// handler.
func peekForm(r *http.Request) url.Values {
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return nil
	}
	form, _ := url.ParseQuery(string(body))
	return form
}

func connectCookie(t *testing.T, e *env, hooks oauth.HandlerHooks, path string) *http.Cookie {
	t.Helper()
	h, err := e.m.ConnectHandler(hooks)
	require.NoError(t, err)
	e.mux.Handle("POST "+path, h)
	b := e.browser(e.user)
	b.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := postConnect(b, e.app.URL+path, e.app.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	for _, c := range resp.Cookies() {
		if c.Name == oauth.DefaultSessionCookie {
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func TestSessionCookieSecure(t *testing.T) {
	e := newEnv(t, envOpt{})
	user := func(*http.Request) (string, error) { return "u1", nil }
	plain := connectCookie(t, e, oauth.HandlerHooks{CurrentUser: user}, "/plain/connect")
	assert.False(t, plain.Secure, "plain HTTP without the option: not Secure (the browser would drop it)")
	forced := connectCookie(t, e, oauth.HandlerHooks{CurrentUser: user, SecureCookie: true}, "/forced/connect")
	assert.True(t, forced.Secure, "SecureCookie forces Secure behind a TLS-terminating proxy")
	assert.True(t, forced.HttpOnly)
}

// TestStateBoundToUser: a state issued while user A was signed in is
// refused when the callback runs for user B (for example an attacker's
// login link opened in B's session), and A can still complete it.
func TestStateBoundToUser(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := t.Context()
	t.Run("handlers", func(t *testing.T) {
		b := e.browser("user-a")
		form, action := e.consent(b)
		cb := e.decide(b, form, action, "approve")
		u, _ := url.Parse(e.app.URL)
		b.Jar.SetCookies(u, []*http.Cookie{{Name: "crm_user", Value: "user-b", Path: "/"}})
		status, body := get(t, b, cb)
		assert.Equal(t, http.StatusBadRequest, status, body)
		assert.ErrorIs(t, e.lastErr, oauth.ErrStateInvalid)
		_, err := e.store.Load(ctx, oauth.Key{User: "user-b"})
		assert.ErrorIs(t, err, oauth.ErrNoToken, "nothing stored for B")
	})
	t.Run("manager", func(t *testing.T) {
		b := e.browser("user-a")
		dialog, err := e.m.AuthCodeURL("browser-1", "user-a")
		require.NoError(t, err)
		form, action := e.consentAt(b, dialog)
		q := mustQuery(t, e.decide(b, form, action, "approve"))
		_, err = e.m.Callback(ctx, "browser-1", "user-b", q)
		assert.ErrorIs(t, err, oauth.ErrStateInvalid)
		// The session id and the user do not run into each other.
		_, err = e.m.Callback(ctx, "browser-1u", "ser-a", q)
		assert.ErrorIs(t, err, oauth.ErrStateInvalid)
		c, err := e.m.Callback(ctx, "browser-1", "user-a", q)
		require.NoError(t, err, "the refused attempts did not use up A's state")
		assert.Equal(t, "user-a", c.User)
	})
	t.Run("empty user", func(t *testing.T) {
		_, err := e.m.AuthCodeURL("browser-1", "")
		assert.ErrorContains(t, err, "user")
	})
}

// TestRenewalSingleFlight: two token sources of one user (two ad accounts)
// reach the renew window at the same time; while the first exchange is in
// flight the second waits for it instead of sending its own, and both get
// the renewed token.
func TestRenewalSingleFlight(t *testing.T) {
	var exchanges atomic.Int32
	var armed atomic.Bool // gate the exchanges only after the connection
	entered := make(chan struct{}, 4)
	release := make(chan struct{})
	wrap := func(_ *env, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if armed.Load() && strings.HasSuffix(r.URL.Path, "/oauth/access_token") &&
				peekForm(r).Get("grant_type") == "fb_exchange_token" {
				exchanges.Add(1)
				entered <- struct{}{}
				<-release
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envOpt{wrap: wrap})
	e.connect()
	waiting := make(chan string, 4)
	oauth.SetRenewWaitHook(e.m, func(user string) { waiting <- user })
	p, err := oauth.NewProvider(e.m, e.user)
	require.NoError(t, err)
	ctx := t.Context()
	tsA, err := p.TokenSource(ctx, metaads.MustParseAccountID(acctA))
	require.NoError(t, err)
	tsB, err := p.TokenSource(ctx, metaads.MustParseAccountID(acctB))
	require.NoError(t, err)
	armed.Store(true)
	e.clk.Advance(55 * 24 * time.Hour)

	var wg sync.WaitGroup
	toks := make([]*oauth2.Token, 2)
	wg.Go(func() {
		var err error
		toks[0], err = tsA.Token()
		assert.NoError(t, err)
	})
	<-entered
	wg.Go(func() {
		var err error
		toks[1], err = tsB.Token()
		assert.NoError(t, err)
	})
	select {
	case u := <-waiting:
		assert.Equal(t, e.user, u)
	case <-entered:
		t.Error("a second fb_exchange_token was sent while the first was in flight")
	}
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), exchanges.Load(), "one exchange for the user")
	require.NotNil(t, toks[0])
	require.NotNil(t, toks[1])
	assert.Equal(t, toks[0].AccessToken, toks[1].AccessToken)
	assert.Equal(t, e.userToken(), toks[0].AccessToken, "the renewed token was saved")
	assert.WithinDuration(t, e.clk.Now().Add(60*24*time.Hour), toks[1].Expiry, time.Minute)

	// Manager.Renew after that renews again (the token is fresh, but an
	// explicit Renew asks Meta).
	_, _, err = e.m.Renew(ctx, e.user)
	require.NoError(t, err)
	assert.Equal(t, int32(2), exchanges.Load())
}
