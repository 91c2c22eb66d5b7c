package oauth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/oauth"
	"github.com/stretchr/testify/require"
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
	r.record(rec)
	return r.MemoryStore.Put(ctx, rec)
}

func (r *recordingStore) CompareAndSwap(ctx context.Context, old, rec *oauth.Record) (bool, error) {
	r.record(rec)
	return r.MemoryStore.CompareAndSwap(ctx, old, rec)
}

func (r *recordingStore) record(rec *oauth.Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := *rec
	c.Ciphertext = bytes.Clone(rec.Ciphertext)
	r.puts = append(r.puts, c)
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
	e.mux.Handle("POST /meta/connect", connect)
	e.mux.Handle("GET /meta/callback", callback)
	return e
}

// managerOn returns a second Manager like e.m on another Store (usually
// one wrapping e.inner), with e's key, clock and HTTP client.
func (e *env) managerOn(inner oauth.Store) *oauth.Manager {
	e.t.Helper()
	kr, err := oauth.NewKeyring("k1", map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32)})
	require.NoError(e.t, err)
	store, err := oauth.NewEncryptedStore(inner, kr, oauth.WithClock(e.clk.Now))
	require.NoError(e.t, err)
	m, err := oauth.NewManager(e.cfg, store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now),
		oauth.WithHTTPClient(&http.Client{Transport: e.wire}))
	require.NoError(e.t, err)
	return m
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

// consentAt is consent starting from start (a connect route, which is
// POSTed to, or a dialog URL).
func (e *env) consentAt(b *http.Client, start string) (url.Values, string) {
	e.t.Helper()
	var resp *http.Response
	var err error
	if strings.HasPrefix(start, e.app.URL) {
		resp, err = postConnect(b, start, e.app.URL)
	} else {
		resp, err = b.Get(start)
	}
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

// postConnect submits the connect form at u as a browser would from the
// app's own page at origin: a POST with Origin and Sec-Fetch-Site.
func postConnect(b *http.Client, u, origin string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(""))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.Do(req)
}

// postStatus is postConnect returning status and body.
func postStatus(t *testing.T, b *http.Client, u, origin string) (int, string) {
	t.Helper()
	resp, err := postConnect(b, u, origin)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
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
			sid, _, _ := strings.Cut(c.Value, ".") // the value is "{session id}.{pending logins}"
			return sid
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
