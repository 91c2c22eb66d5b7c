package oauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/oauth"
)

// clock is a settable clock shared by the manager and the fake server. It
// starts at the real time so that tokens it dates are not "expired" to code
// that checks against the wall clock (the metaads client).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const (
	acctA    = "1000000000000101"
	acctB    = "1000000000000102"
	acctC    = "1000000000000103" // the user has it, but not granted below
	metaUser = "100000000000777"
)

// recordingStore is a real MemoryStore that also keeps a copy of every
// record handed to it, so tests can scan what reached storage.
type recordingStore struct {
	*oauth.MemoryStore
	mu   sync.Mutex
	puts []oauth.Record
}

func (r *recordingStore) Put(ctx context.Context, rec *oauth.Record) error {
	r.mu.Lock()
	c := *rec
	c.Ciphertext = bytes.Clone(rec.Ciphertext)
	r.puts = append(r.puts, c)
	r.mu.Unlock()
	return r.MemoryStore.Put(ctx, rec)
}

// capture records every request URL and every token-endpoint response
// body passing through the HTTP client (the "wire"), to learn the tokens
// Meta issued.
type capture struct {
	base http.RoundTripper
	mu   sync.Mutex
	urls []string
	toks []string
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.urls = append(c.urls, r.URL.String())
	c.mu.Unlock()
	resp, err := c.base.RoundTrip(r)
	if err != nil || !strings.HasSuffix(r.URL.Path, "/oauth/access_token") {
		return resp, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var tj struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(body, &tj) == nil && tj.AccessToken != "" {
		c.mu.Lock()
		c.toks = append(c.toks, tj.AccessToken)
		c.mu.Unlock()
	}
	return resp, nil
}

func (c *capture) tokens() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.toks...)
}

type env struct {
	t       *testing.T
	clk     *clock
	fake    *metaadstest.Server
	app     *httptest.Server
	mux     *http.ServeMux
	inner   *recordingStore
	store   *oauth.EncryptedStore
	m       *oauth.Manager
	cfg     oauth.Config
	wire    *capture
	logs    *syncBuffer
	user    string
	errs    []string // every error seen by the hooks
	errsMu  sync.Mutex
	lastErr error
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type envOpt struct {
	scopes, required []string
	fakeOpts         []metaadstest.Option
	granted          []string // ad accounts the login grants; default A and B
	// wrap, when set, puts a handler in front of the fake's (both the
	// dialog and the Graph API are then served through it).
	wrap func(e *env, next http.Handler) http.Handler
	// disablePKCE sets Config.DisablePKCE.
	disablePKCE bool
}

var stateKey = bytes.Repeat([]byte{7}, 32)

func newEnv(t *testing.T, o envOpt) *env {
	t.Helper()
	e := &env{t: t, clk: &clock{t: time.Now().Truncate(time.Second)}, user: "crm-user-1", logs: &syncBuffer{}}
	fopts := append([]metaadstest.Option{metaadstest.WithClock(e.clk.Now), metaadstest.WithLoginUser(metaUser)}, o.fakeOpts...)
	e.fake = metaadstest.Start(t, fopts...)
	for _, id := range []string{acctA, acctB, acctC} {
		_, err := e.fake.AddAccount(metaadstest.Account{ID: id, Name: "Account " + id[len(id)-3:], Currency: "USD"})
		require.NoError(t, err)
	}
	granted := o.granted
	if granted == nil {
		granted = []string{acctA, acctB}
	}
	_, err := e.fake.AddUser(metaadstest.User{ID: metaUser, Name: "Pat Tester", AdAccounts: granted})
	require.NoError(t, err)

	e.mux = http.NewServeMux()
	e.app = httptest.NewServer(e.mux)
	t.Cleanup(e.app.Close)

	metaURL := e.fake.URL
	if o.wrap != nil {
		front := httptest.NewServer(o.wrap(e, e.fake.Handler()))
		t.Cleanup(front.Close)
		metaURL = front.URL
	}
	e.cfg = oauth.Config{
		AppID: metaadstest.DefaultApp().ID, AppSecret: metaadstest.DefaultApp().Secret,
		RedirectURL: e.app.URL + "/meta/callback", Scopes: o.scopes, RequiredScopes: o.required,
		DialogBaseURL: metaURL, GraphBaseURL: metaURL, DisablePKCE: o.disablePKCE,
	}
	e.wire = &capture{base: http.DefaultTransport}
	e.inner = &recordingStore{MemoryStore: oauth.NewMemoryStore()}
	kr, err := oauth.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)})
	require.NoError(t, err)
	e.store, err = oauth.NewEncryptedStore(e.inner, kr, oauth.WithClock(e.clk.Now))
	require.NoError(t, err)
	logger := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.m, err = oauth.NewManager(e.cfg, e.store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now),
		oauth.WithLogger(logger), oauth.WithHTTPClient(&http.Client{Transport: e.wire}))
	require.NoError(t, err)

	hooks := oauth.HandlerHooks{
		CurrentUser: func(r *http.Request) (string, error) {
			ck, err := r.Cookie("crm_user")
			if err != nil {
				return "", errors.New("not signed in")
			}
			return ck.Value, nil
		},
		OnSuccess: func(w http.ResponseWriter, r *http.Request, c *oauth.Connected) {
			var ids []string
			for _, a := range c.AdAccounts {
				ids = append(ids, a.ID.String())
			}
			fmt.Fprintf(w, "connected %s: %s", c.MetaUserID, strings.Join(ids, ","))
		},
		OnFailure: func(w http.ResponseWriter, r *http.Request, status int, err error) {
			e.errsMu.Lock()
			e.errs = append(e.errs, err.Error())
			e.lastErr = err
			e.errsMu.Unlock()
			http.Error(w, err.Error(), status)
		},
	}
	connect, err := e.m.ConnectHandler(hooks)
	require.NoError(t, err)
	callback, err := e.m.CallbackHandler(hooks)
	require.NoError(t, err)
	e.mux.Handle("GET /meta/connect", connect)
	e.mux.Handle("GET /meta/callback", callback)
	return e
}

// browser is a browser-less HTTP client with its own cookie jar, signed in
// to the app as user.
func (e *env) browser(user string) *http.Client {
	jar, err := cookiejar.New(nil)
	require.NoError(e.t, err)
	u, _ := url.Parse(e.app.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "crm_user", Value: user, Path: "/"}})
	return &http.Client{Jar: jar}
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// consent opens /meta/connect in b, which redirects to the fake's consent
// page, and returns the page's form fields and URL.
func (e *env) consent(b *http.Client) (url.Values, string) {
	e.t.Helper()
	return e.consentAt(b, e.app.URL+"/meta/connect")
}

// consentAt is consent starting from start (a connect route or a dialog URL).
func (e *env) consentAt(b *http.Client, start string) (url.Values, string) {
	e.t.Helper()
	resp, err := b.Get(start)
	require.NoError(e.t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(e.t, http.StatusOK, resp.StatusCode, "consent page: %s", body)
	require.Contains(e.t, string(body), `id="approve"`)
	form := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(string(body), -1) {
		form.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	require.NotEmpty(e.t, form.Get("state"))
	return form, resp.Request.URL.String()
}

// decide submits the consent form with decision and stops at the redirect
// back to the app, returning the callback URL.
func (e *env) decide(b *http.Client, form url.Values, action, decision string) string {
	e.t.Helper()
	form.Set("decision", decision)
	nb := *b
	nb.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := nb.PostForm(action, form)
	require.NoError(e.t, err)
	resp.Body.Close()
	require.Equal(e.t, http.StatusFound, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.True(e.t, strings.HasPrefix(loc, e.cfg.RedirectURL), "redirect to %s", loc)
	return loc
}

// get fetches u with b and returns status and body.
func get(t *testing.T, b *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := b.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// connect runs the whole happy path in a fresh browser.
func (e *env) connect() string {
	e.t.Helper()
	b := e.browser(e.user)
	form, action := e.consent(b)
	status, body := get(e.t, b, e.decide(b, form, action, "approve"))
	require.Equal(e.t, http.StatusOK, status, body)
	return body
}

func (e *env) userToken() string {
	e.t.Helper()
	c, err := e.store.Load(e.t.Context(), oauth.Key{User: e.user})
	require.NoError(e.t, err)
	require.NotNil(e.t, c.Token)
	return c.Token.AccessToken
}

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
	p, err := oauth.NewProvider(e.m)
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

// meta records, in front of the fake, the dialog requests' query and the
// authorization_code exchanges' form.
type meta struct {
	mu     sync.Mutex
	dialog []url.Values
	code   []url.Values
}

func (m *meta) get() (dialog, code []url.Values) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.dialog), slices.Clone(m.code)
}

func (m *meta) wrap(_ *env, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/dialog/oauth") && r.Method == http.MethodGet:
			m.mu.Lock()
			m.dialog = append(m.dialog, r.URL.Query())
			m.mu.Unlock()
		case strings.HasSuffix(r.URL.Path, "/oauth/access_token"):
			if form := peekForm(r); form.Get("grant_type") == "authorization_code" {
				m.mu.Lock()
				m.code = append(m.code, form)
				m.mu.Unlock()
			}
		}
		next.ServeHTTP(w, r)
	})
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
	resp, err := b.Get(e.app.URL + "/meta/connect")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusFound, resp.StatusCode)
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
		status, _ := get(t, &http.Client{}, e.app.URL+"/meta/connect")
		assert.Equal(t, http.StatusUnauthorized, status)
	})
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func sessionCookie(t *testing.T, b *http.Client, base string) string {
	t.Helper()
	u, _ := url.Parse(base)
	for _, c := range b.Jar.Cookies(u) {
		if c.Name == oauth.DefaultSessionCookie {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.Query()
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
		status, body := get(t, e.browser(e.user), e.app.URL+"/meta/connect")
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

func TestRevocationMidLife(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	ctx := t.Context()
	tok := e.userToken()
	p, err := oauth.NewProvider(e.m)
	require.NoError(t, err)
	client, err := metaads.NewClient(metaads.WithBaseURL(e.fake.URL), metaads.WithTokenProvider(p),
		metaads.WithHooks(metaads.Hooks{OnResponse: p.OnResponse}))
	require.NoError(t, err)
	a := metaads.MustParseAccountID(acctA)
	_, err = client.Do(ctx, &metaads.Request{Path: a.String(), Account: a}, nil)
	require.NoError(t, err)

	require.NoError(t, e.fake.RevokeToken(tok))
	_, err = client.Do(ctx, &metaads.Request{Path: a.String(), Account: a}, nil)
	assert.ErrorIs(t, err, metaads.ErrTokenInvalid, "Meta answers 190")
	// The hook saw the 190: the next request fails before reaching Meta,
	// naming the account, and the connection is marked.
	_, err = client.Do(ctx, &metaads.Request{Path: a.String(), Account: a}, nil)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	var hookErr *oauth.ReauthError
	require.ErrorAs(t, err, &hookErr)
	assert.Equal(t, a, hookErr.Account)
	c, err := e.store.Load(ctx, oauth.Key{User: e.user, Account: metaads.MustParseAccountID(acctB)})
	require.NoError(t, err)
	assert.Equal(t, oauth.StatusNeedsReauth, c.Status)

	_, err = e.m.Verify(ctx, e.user)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	var re *oauth.ReauthError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, e.user, re.User)
	for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
		require.NoError(t, err)
		assert.Equal(t, oauth.StatusNeedsReauth, c.Status, "%s", c.Key)
	}
	_, _, err = e.m.Renew(ctx, e.user)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, metaads.ErrTokenInvalid, "the cause is Meta's 190")

	// A fresh provider refuses the account until the user reconnects.
	p.Forget()
	_, err = p.TokenSource(ctx, a)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, a, re.Account)

	e.connect()
	_, err = client.Do(ctx, &metaads.Request{Path: a.String(), Account: a}, nil)
	assert.NoError(t, err, "reconnecting restores access (failed loads are not cached)")
}

func TestExpiryAndRenewal(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	ctx := t.Context()
	first := e.userToken()
	p, err := oauth.NewProvider(e.m)
	require.NoError(t, err)
	a := metaads.MustParseAccountID(acctA)
	ts, err := p.TokenSource(ctx, a)
	require.NoError(t, err)
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, first, tok.AccessToken, "far from expiry: the cached token")

	// 55 days later the token is inside the 7-day window: the source renews.
	e.clk.Advance(55 * 24 * time.Hour)
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, first, tok.AccessToken, "renewed")
	assert.WithinDuration(t, e.clk.Now().Add(60*24*time.Hour), tok.Expiry, time.Minute)
	// Saved for every row of the user, and the other account's source
	// picks it up from the store instead of renewing again.
	for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
		require.NoError(t, err)
		assert.Equal(t, tok.AccessToken, c.Token.AccessToken, "%s", c.Key)
	}
	tsB, err := p.TokenSource(ctx, metaads.MustParseAccountID(acctB))
	require.NoError(t, err)
	tokB, err := tsB.Token()
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, tokB.AccessToken)

	// Past expiry without renewal: reauth, named with the account.
	e.clk.Advance(61 * 24 * time.Hour)
	p.Forget()
	ts, err = p.TokenSource(ctx, a)
	require.NoError(t, err)
	_, err = ts.Token()
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	var re *oauth.ReauthError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, a, re.Account)
}

func TestExpiredAtMetaBeforeRenewal(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	require.NoError(t, e.fake.ExpireToken(e.userToken()))
	_, _, err := e.m.Renew(t.Context(), e.user)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	assert.ErrorIs(t, err, metaads.ErrTokenExpired)
}

func TestRefresher(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	ctx := t.Context()
	r, err := oauth.NewRefresher(e.m)
	require.NoError(t, err)

	rep, err := r.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Checked)
	assert.Empty(t, rep.Results, "nothing to do far from expiry")

	e.clk.Advance(55 * 24 * time.Hour)
	rep, err = r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, oauth.ActionRenewed, rep.Results[0].Action)
	assert.WithinDuration(t, e.clk.Now().Add(60*24*time.Hour), rep.Results[0].Expiry, time.Minute)

	// Day 85: the token is fresh but data access lapses on day 90; only a
	// new login helps, so the connection is flagged.
	e.clk.Advance(30 * 24 * time.Hour)
	rep, err = r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1, rep.String())
	assert.Equal(t, oauth.ActionFlagged, rep.Results[0].Action)
	c, err := e.store.Load(ctx, oauth.Key{User: e.user, Account: metaads.MustParseAccountID(acctB)})
	require.NoError(t, err)
	assert.Equal(t, oauth.StatusExpiring, c.Status)

	e.clk.Advance(6 * 24 * time.Hour)
	rep, err = r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, oauth.ActionReauth, rep.Results[0].Action)
	assert.ErrorIs(t, rep.Results[0].Err, oauth.ErrReauthRequired)
	assert.Equal(t, "checked=1 renewed=0 flagged_expiring=0 needs_reauth=1 failed=0", rep.String())

	rep, err = r.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Checked, "connections needing reauth are left for the user")
}

func TestDisconnect(t *testing.T) {
	ctx := context.Background()
	t.Run("revokes and deletes", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		e.connect()
		tok := e.userToken()
		require.NoError(t, e.m.Disconnect(ctx, e.user))
		c, err := e.store.Load(ctx, oauth.Key{User: e.user})
		require.NoError(t, err)
		assert.Nil(t, c.Token)
		assert.Equal(t, oauth.StatusDisconnected, c.Status)
		for rec, err := range e.inner.List(ctx, oauth.Query{User: e.user}) {
			require.NoError(t, err)
			assert.Empty(t, rec.Ciphertext, "no token left for %s", rec.Key)
		}
		info, err := e.m.Inspect(ctx, tok)
		require.NoError(t, err)
		assert.False(t, info.Valid, "revoked at Meta")
		assert.ErrorIs(t, e.m.Disconnect(ctx, e.user), oauth.ErrNoToken, "already disconnected")
		err = e.m.Disconnect(ctx, "nobody")
		assert.ErrorIs(t, err, oauth.ErrNoToken)
	})
	t.Run("revocation fails", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		e.connect()
		require.NoError(t, e.fake.InjectFault(metaadstest.Fault{Method: http.MethodDelete, Path: "/me/permissions",
			Kind: metaadstest.FaultCode2, Count: -1}))
		err := e.m.Disconnect(ctx, e.user)
		assert.ErrorIs(t, err, oauth.ErrRevocationFailed)
		var re *oauth.RevocationError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 3, re.Deleted)
		assert.Contains(t, err.Error(), "deleted 3 stored token(s)")
		for rec, err := range e.inner.List(ctx, oauth.Query{User: e.user}) {
			require.NoError(t, err)
			assert.Empty(t, rec.Ciphertext, "local tokens removed anyway")
		}
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
	p, err := oauth.NewProvider(e.m)
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

// countingStore counts List calls on a real MemoryStore.
type countingStore struct {
	*recordingStore
	mu    sync.Mutex
	lists int
}

func (c *countingStore) List(ctx context.Context, q oauth.Query) iter.Seq2[*oauth.Record, error] {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.recordingStore.List(ctx, q)
}

func TestProviderSingleFlightAndOwnContext(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	counting := &countingStore{recordingStore: e.inner}
	kr, err := oauth.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)})
	require.NoError(t, err)
	store, err := oauth.NewEncryptedStore(counting, kr, oauth.WithClock(e.clk.Now))
	require.NoError(t, err)
	m, err := oauth.NewManager(e.cfg, store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now),
		oauth.WithHTTPClient(&http.Client{Transport: e.wire}))
	require.NoError(t, err)
	p, err := oauth.NewProvider(m, oauth.WithCallTimeout(10*time.Second))
	require.NoError(t, err)

	a := metaads.MustParseAccountID(acctA)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	sources := make([]oauth2.TokenSource, 32)
	for i := range sources {
		wg.Go(func() {
			ts, err := p.TokenSource(ctx, a)
			assert.NoError(t, err)
			sources[i] = ts
		})
	}
	wg.Wait()
	for _, ts := range sources {
		assert.Same(t, sources[0], ts, "one source per account")
	}
	counting.mu.Lock()
	assert.Equal(t, 1, counting.lists, "concurrent first calls share one load")
	counting.mu.Unlock()

	// The request that created the source is gone; a renewal later still
	// works because it runs on the provider's own context.
	cancel()
	e.clk.Advance(55 * 24 * time.Hour)
	tok, err := sources[0].Token()
	require.NoError(t, err)
	assert.WithinDuration(t, e.clk.Now().Add(60*24*time.Hour), tok.Expiry, time.Minute)

	// A caller whose context is already done gets its context error.
	p.Forget()
	_, err = p.TokenSource(ctx, a)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = p.TokenSource(t.Context(), metaads.AccountID{})
	assert.ErrorIs(t, err, oauth.ErrNoToken)
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
	e.mux.Handle("GET /alt/connect", connect)
	e.mux.Handle("GET /meta/callback2", callback)

	b := e.browser("ignored")
	u, _ := url.Parse(e.app.URL)
	b.Jar.SetCookies(u, []*http.Cookie{{Name: "app_session", Value: "sess-123", Path: "/"}})
	resp, err := b.Get(e.app.URL + "/alt/connect")
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

// TestRenewalNotExtended covers a Meta that answers fb_exchange_token with
// the same token and expiry (renewal is not possible): the connection is
// flagged as expiring, the valid token keeps being served, and once it
// expires the user must reconnect.
func TestRenewalNotExtended(t *testing.T) {
	var refuse atomic.Bool
	var exchanges atomic.Int32
	wrap := func(e *env, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !refuse.Load() || !strings.HasSuffix(r.URL.Path, "/oauth/access_token") {
				next.ServeHTTP(w, r)
				return
			}
			exchanges.Add(1)
			c, err := e.store.Load(r.Context(), oauth.Key{User: e.user})
			if err != nil || r.ParseForm() != nil {
				http.Error(w, `{"error":{"message":"test proxy failed","code":1}}`, http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": r.PostForm.Get("fb_exchange_token"),
				"token_type": "bearer", "expires_in": int64(c.Token.Expiry.Sub(e.clk.Now()) / time.Second)})
		})
	}
	e := newEnv(t, envOpt{wrap: wrap})
	e.connect()
	ctx := t.Context()
	tok := e.userToken()
	refuse.Store(true)
	e.clk.Advance(55 * 24 * time.Hour)

	r, err := oauth.NewRefresher(e.m)
	require.NoError(t, err)
	rep, err := r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, oauth.ActionFlagged, rep.Results[0].Action)
	for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
		require.NoError(t, err)
		assert.Equal(t, oauth.StatusExpiring, c.Status, "%s", c.Key)
		assert.Equal(t, tok, c.Token.AccessToken)
	}

	p, err := oauth.NewProvider(e.m)
	require.NoError(t, err)
	ts, err := p.TokenSource(ctx, metaads.MustParseAccountID(acctA))
	require.NoError(t, err)
	before := exchanges.Load()
	for range 3 {
		got, err := ts.Token()
		require.NoError(t, err, "a valid token keeps being served")
		assert.Equal(t, tok, got.AccessToken)
	}
	assert.Equal(t, before+1, exchanges.Load(), "one renewal attempt, then a pause")

	e.clk.Advance(6 * 24 * time.Hour)
	_, err = ts.Token()
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
}

// TestReplicasShareLogin: the login starts on one replica and completes on
// another that shares the state key, the token store and the replay store;
// replaying the callback on the first replica is refused.
func TestReplicasShareLogin(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := t.Context()
	replay := oauth.NewMemoryReplayStore(e.clk.Now) // stands in for a shared table
	replica := func() *oauth.Manager {
		m, err := oauth.NewManager(e.cfg, e.store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now),
			oauth.WithReplayStore(replay))
		require.NoError(t, err)
		return m
	}
	m1, m2 := replica(), replica()
	b := e.browser(e.user)
	dialog, err := m1.AuthCodeURL("browser-7", e.user)
	require.NoError(t, err)
	form, action := e.consentAt(b, dialog)
	q := mustQuery(t, e.decide(b, form, action, "approve"))
	c, err := m2.Callback(ctx, "browser-7", e.user, q)
	require.NoError(t, err)
	assert.Len(t, c.AdAccounts, 2)
	_, err = m1.Callback(ctx, "browser-7", e.user, q)
	assert.ErrorIs(t, err, oauth.ErrStateReused)
}
