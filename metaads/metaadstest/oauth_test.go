package metaadstest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

const redirect = "http://127.0.0.1:9999/oauth/callback"

func dialogURL(srv *Server, state string) string {
	q := url.Values{"client_id": {DefaultApp().ID}, "redirect_uri": {redirect}, "state": {state}, "scope": {"ads_read,ads_management"}, "response_type": {"code"}}
	return srv.URL + "/v26.0/dialog/oauth?" + q.Encode()
}

// consent loads the dialog and submits the decision, returning the redirect.
func consent(t *testing.T, srv *Server, decision string) *url.URL {
	t.Helper()
	res, err := noRedirect.Get(dialogURL(srv, "st8"))
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 200, res.StatusCode, string(page))
	require.Contains(t, string(page), `value="approve"`)
	require.Contains(t, string(page), `value="cancel"`)
	form := url.Values{"client_id": {DefaultApp().ID}, "redirect_uri": {redirect}, "state": {"st8"}, "scope": {"ads_read,ads_management"}, "decision": {decision}}
	res, err = noRedirect.PostForm(dialogURL(srv, "st8"), form)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode)
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	return loc
}

func exchange(t *testing.T, srv *Server, params url.Values) resp {
	t.Helper()
	params.Set("client_id", DefaultApp().ID)
	if params.Get("client_secret") == "" {
		params.Set("client_secret", DefaultApp().Secret)
	}
	return do(t, http.MethodGet, srv.URL+"/v26.0/oauth/access_token?"+params.Encode(), "", nil)
}

func TestOAuthFlow(t *testing.T) {
	clk := &fixedClock{t: testNow}
	srv := Start(t, WithDemoBusiness(), WithClock(clk.now))

	loc := consent(t, srv, "approve")
	assert.Equal(t, "127.0.0.1:9999", loc.Host)
	assert.Equal(t, "st8", loc.Query().Get("state"))
	code := loc.Query().Get("code")
	require.NotEmpty(t, code)

	// redirect_uri must match exactly.
	r := exchange(t, srv, url.Values{"code": {code}, "redirect_uri": {redirect + "/"}})
	c, sub := errCode(r)
	assert.Equal(t, [2]int{100, 36008}, [2]int{c, sub}, r.Raw)
	r = exchange(t, srv, url.Values{"code": {code}, "redirect_uri": {redirect}, "client_secret": {"wrong"}})
	c, _ = errCode(r)
	assert.Equal(t, 1, c)

	r = exchange(t, srv, url.Values{"code": {code}, "redirect_uri": {redirect}})
	require.Equal(t, 200, r.Status, r.Raw)
	short := r.Body["access_token"].(string)
	assert.Equal(t, "bearer", r.Body["token_type"])
	assert.Equal(t, float64(7200), r.Body["expires_in"])

	// Single use.
	r = exchange(t, srv, url.Values{"code": {code}, "redirect_uri": {redirect}})
	c, sub = errCode(r)
	assert.Equal(t, [2]int{100, 36009}, [2]int{c, sub})

	// Long-lived exchange.
	r = exchange(t, srv, url.Values{"grant_type": {"fb_exchange_token"}, "fb_exchange_token": {short}})
	require.Equal(t, 200, r.Status, r.Raw)
	long := r.Body["access_token"].(string)
	assert.Equal(t, float64(60*24*3600), r.Body["expires_in"])
	me := get(t, srv, "/me", long)
	assert.Equal(t, DemoUserID, me.Body["id"])

	// debug_token with the app token.
	r = get(t, srv, "/debug_token?input_token="+url.QueryEscape(long), srv.AppToken())
	require.Equal(t, 200, r.Status, r.Raw)
	d := r.Body["data"].(map[string]any)
	assert.Equal(t, true, d["is_valid"])
	assert.Equal(t, DemoUserID, d["user_id"])
	assert.Equal(t, DefaultApp().ID, d["app_id"])
	assert.Equal(t, float64(testNow.Add(60*24*time.Hour).Unix()), d["expires_at"])
	assert.ElementsMatch(t, []any{"ads_read", "ads_management", "public_profile"}, d["scopes"])
	gs := d["granular_scopes"].([]any)
	assert.Contains(t, gs[0].(map[string]any)["target_ids"], DemoAccountShop)

	// An expired short token cannot be exchanged; debug_token says invalid.
	clk.advance(3 * time.Hour)
	r = exchange(t, srv, url.Values{"grant_type": {"fb_exchange_token"}, "fb_exchange_token": {short}})
	c, sub = errCode(r)
	assert.Equal(t, [2]int{190, 463}, [2]int{c, sub})
	r = get(t, srv, "/debug_token?input_token="+url.QueryEscape(short), srv.AppToken())
	d = r.Body["data"].(map[string]any)
	assert.Equal(t, false, d["is_valid"])
	assert.Equal(t, float64(190), d["error"].(map[string]any)["code"])

	// client_credentials.
	r = exchange(t, srv, url.Values{"grant_type": {"client_credentials"}})
	require.Equal(t, 200, r.Status)
	appTok := r.Body["access_token"].(string)
	assert.True(t, strings.HasPrefix(appTok, DefaultApp().ID+"|"))
	r = get(t, srv, "/debug_token?input_token="+url.QueryEscape(long), appTok)
	assert.Equal(t, 200, r.Status, r.Raw)
	c, _ = errCode(get(t, srv, "/me", appTok))
	assert.Equal(t, 2500, c)

	// Revoke all permissions: the token dies with 190/458.
	r = do(t, http.MethodDelete, srv.URL+"/v26.0/me/permissions", long, nil)
	require.Equal(t, 200, r.Status, r.Raw)
	assert.Equal(t, true, r.Body["success"])
	c, sub = errCode(get(t, srv, "/me", long))
	assert.Equal(t, [2]int{190, 458}, [2]int{c, sub})
}

func TestOAuthCancelAndBadRequests(t *testing.T) {
	srv := Start(t, WithDemoBusiness())
	loc := consent(t, srv, "cancel")
	q := loc.Query()
	assert.Equal(t, "access_denied", q.Get("error"))
	assert.Equal(t, "user_denied", q.Get("error_reason"))
	assert.NotEmpty(t, q.Get("error_description"))
	assert.Equal(t, "st8", q.Get("state"))
	assert.Empty(t, q.Get("code"))

	bad := url.Values{"client_id": {"42"}, "redirect_uri": {redirect}}
	res, err := noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + bad.Encode())
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 400, res.StatusCode)
	bad = url.Values{"client_id": {DefaultApp().ID}, "redirect_uri": {"https://evil.example.com/cb"}}
	res, err = noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + bad.Encode())
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 400, res.StatusCode)

	r := exchange(t, srv, url.Values{"code": {"nope"}, "redirect_uri": {redirect}})
	c, _ := errCode(r)
	assert.Equal(t, 100, c)
	r = do(t, http.MethodGet, srv.URL+"/v26.0/oauth/access_token?client_id=1", "", nil)
	c, _ = errCode(r)
	assert.Equal(t, 101, c)
}

func TestOAuthAutoApproveAndRegisteredRedirects(t *testing.T) {
	app := DefaultApp()
	app.RedirectURIs = []string{"https://crm.example.com/callback"}
	srv := Start(t, WithDemoBusiness(), WithAutoApprove(), WithApp(app))
	q := url.Values{"client_id": {app.ID}, "redirect_uri": {"https://crm.example.com/callback"}, "state": {"x"}}
	res, err := noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode)
	loc, _ := url.Parse(res.Header.Get("Location"))
	assert.Equal(t, "crm.example.com", loc.Host)
	assert.NotEmpty(t, loc.Query().Get("code"))
	// A loopback URI is not accepted once URIs are registered.
	q.Set("redirect_uri", redirect)
	res, err = noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 400, res.StatusCode)
}

func TestOptionsValidate(t *testing.T) {
	for name, o := range map[string]Option{
		"app id":   WithApp(App{ID: "x", Secret: "s"}),
		"secret":   WithApp(App{ID: "1"}),
		"redirect": WithApp(App{ID: "1", Secret: "s", RedirectURIs: []string{"ftp://x"}}),
		"clock":    WithClock(nil),
		"versions": WithLiveVersions("26"),
		"none":     WithLiveVersions(),
		"limits":   WithRateLimits(RateLimits{App: -1}),
		"polls":    WithReportRunPolls(-1),
		"logger":   WithLogger(nil),
		"addr":     WithAddr("8.8.8.8:80"),
		"addr2":    WithAddr("nonsense"),
		"sleep":    WithSleep(nil),
		"ttl":      WithTokenLifetimes(0, time.Hour),
		"login":    WithLoginUser(""),
	} {
		_, err := NewServer(o)
		assert.Error(t, err, name)
	}
	_, err := NewServer(nil)
	assert.Error(t, err)
}

// TestSetLoginUser: the consent page approves as the user set last, so
// two people can connect their own accounts in one test.
func TestSetLoginUser(t *testing.T) {
	srv := Start(t, WithDemoBusiness())
	bob, err := srv.AddUser(User{Name: "Bob", AdAccounts: []string{DemoAccountTokyo}})
	require.NoError(t, err)
	me := func() (string, []any) {
		code := consent(t, srv, "approve").Query().Get("code")
		r := exchange(t, srv, url.Values{"code": {code}, "redirect_uri": {redirect}})
		require.Equal(t, 200, r.Status, r.Raw)
		tok := r.Body["access_token"].(string)
		u := do(t, http.MethodGet, srv.URL+"/v26.0/me?fields=id", tok, nil)
		accts := do(t, http.MethodGet, srv.URL+"/v26.0/me/adaccounts?fields=id", tok, nil)
		return u.Body["id"].(string), accts.Body["data"].([]any)
	}
	id, accts := me()
	assert.Equal(t, DemoUserID, id)
	assert.Len(t, accts, 3)
	require.NoError(t, srv.SetLoginUser(bob.ID))
	id, accts = me()
	assert.Equal(t, bob.ID, id)
	assert.Len(t, accts, 1)
	assert.Error(t, srv.SetLoginUser("nobody"))
}
