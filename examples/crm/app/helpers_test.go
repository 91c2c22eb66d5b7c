package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/examples/crm/internal/testdb"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// testCollect is what the tests' passes read: a month of daily rows and
// four weeks of hours (what the hour-of-day signal needs), synchronously (the pass itself is tested in package
// analysis; here it only has to produce a real report quickly).
var testCollect = analysis.CollectOptions{LookbackDays: 30, HourlyDays: 28, AsyncAfterDays: 31}

// testClock is a clock tests move forward.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *testClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// syncBuffer collects log output from several goroutines.
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

type testApp struct {
	*App
	t     testing.TB
	clock *testClock
	logs  *syncBuffer
	dsn   string
}

type startOpts struct {
	quiet bool // discard logs
}

// startApp runs a demo CRM on a fresh database of engine d at a loopback
// port, stopped when the test ends. (TestTwoReplicas runs the CRM as
// separate processes instead, see TestMain.)
func startApp(t testing.TB, d store.Dialect, o startOpts) *testApp {
	t.Helper()
	dsn := testdb.DSN(t, d)
	env := map[string]string{"CRM_ADDR": "127.0.0.1:0", "CRM_DATA_DIR": t.TempDir(), "DATABASE_URL": dsn, "CRM_LOG_LEVEL": "debug", "CRM_LOG_FORMAT": "json"}
	cfg, err := ParseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	require.NoError(t, err)
	logs := &syncBuffer{}
	var w io.Writer = logs
	if o.quiet {
		w = io.Discard
	}
	logger := slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clock := &testClock{}
	ctx, cancel := context.WithCancel(context.Background())
	app, err := New(ctx, cfg, logger, Options{BcryptCost: bcrypt.MinCost, Now: clock.Now, Collect: &testCollect})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- app.Run(ctx, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("app.Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("app did not stop within 30s")
		}
		app.Close()
	})
	return &testApp{App: app, t: t, clock: clock, logs: logs, dsn: dsn}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so each step can be checked.
type browser struct {
	t    testing.TB
	app  *testApp
	c    *http.Client
	last string // body of the last response
}

func (a *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: a.t, app: a, c: &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type resp struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (b *browser) do(method, target string, body io.Reader, hdr map[string]string) resp {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.app.URL + target
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(b.t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := b.c.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	b.last = string(data)
	return resp{Status: res.StatusCode, Body: string(data), Location: res.Header.Get("Location"), Header: res.Header}
}

func (b *browser) get(target string) resp { return b.do(http.MethodGet, target, nil, nil) }

func (b *browser) post(target string, form url.Values) resp {
	return b.do(http.MethodPost, target, strings.NewReader(form.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func (b *browser) postJSON(target string, v any) resp {
	var body io.Reader
	if v != nil {
		data, err := json.Marshal(v)
		require.NoError(b.t, err)
		body = bytes.NewReader(data)
	}
	return b.do(http.MethodPost, target, body, map[string]string{"Content-Type": "application/json"})
}

// follow GETs redirects (at most 10) and returns the final response.
func (b *browser) follow(r resp) resp {
	b.t.Helper()
	for i := 0; i < 10 && r.Status >= 300 && r.Status < 400; i++ {
		r = b.get(r.Location)
	}
	return r
}

// signup creates a user and leaves the browser signed in.
func (b *browser) signup(email string) {
	b.t.Helper()
	r := b.post("/signup", url.Values{"email": {email}, "password": {"correct horse battery"}})
	require.Equal(b.t, http.StatusSeeOther, r.Status, r.Body)
	require.Equal(b.t, "/settings", r.Location)
}

var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// connect presses Connect, answers the fake consent page with decision
// (approve or cancel) and follows the callback back to the CRM; it returns
// the callback URL (for replay tests) and the final page.
func (b *browser) connect(decision string) (callback string, page resp) {
	b.t.Helper()
	r := b.post("/settings/connect", nil)
	require.Equal(b.t, http.StatusSeeOther, r.Status, r.Body)
	require.True(b.t, strings.HasPrefix(r.Location, b.app.Fake.URL), "connect redirects to the dialog: %s", r.Location)
	dialog := b.get(r.Location)
	require.Equal(b.t, http.StatusOK, dialog.Status, dialog.Body)
	form := url.Values{"decision": {decision}}
	for _, m := range hiddenRE.FindAllStringSubmatch(dialog.Body, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	back := b.post(r.Location, form)
	require.Equal(b.t, http.StatusFound, back.Status, back.Body)
	callback = strings.TrimSuffix(back.Location, "#_=_")
	require.True(b.t, strings.HasPrefix(callback, b.app.URL+"/api/meta-oauth/callback?"), callback)
	return callback, b.follow(b.get(callback))
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`).Replace(s)
}

func decode[T any](t testing.TB, r resp) T {
	t.Helper()
	var v T
	require.NoError(t, json.Unmarshal([]byte(r.Body), &v), r.Body)
	return v
}

// apiError reads the one error shape of the JSON routes.
func apiError(t testing.TB, r resp) (code, msg string) {
	t.Helper()
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.Body), &e), "want the JSON error shape, got %d %q", r.Status, r.Body)
	require.NotEmpty(t, e.Error.Code, r.Body)
	return e.Error.Code, e.Error.Message
}

func shopAccount() string { return "act_" + metaadstest.DemoAccountShop }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func io_Copy(res *http.Response) (int64, error) {
	defer res.Body.Close()
	return io.Copy(io.Discard, res.Body)
}
