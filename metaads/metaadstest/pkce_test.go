package metaadstest

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pkceCode runs the auto-approved dialog with extra parameters and returns
// the code.
func pkceCode(t *testing.T, srv *Server, extra url.Values) string {
	t.Helper()
	q := url.Values{"client_id": {DefaultApp().ID}, "redirect_uri": {redirect}, "state": {"s"}, "scope": {"ads_read"}}
	for k, v := range extra {
		q[k] = v
	}
	res, err := noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, 302, res.StatusCode, string(body))
	loc, err := url.Parse(res.Header.Get("Location"))
	require.NoError(t, err)
	code := loc.Query().Get("code")
	require.NotEmpty(t, code)
	return code
}

func TestPKCE(t *testing.T) {
	srv := Start(t, WithDemoBusiness(), WithClock(func() time.Time { return testNow }), WithAutoApprove())
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	sum := sha256.Sum256([]byte(verifier))
	s256 := base64.RawURLEncoding.EncodeToString(sum[:])
	ex := func(code string, v string) resp {
		p := url.Values{"redirect_uri": {redirect}, "code": {code}}
		if v != "" {
			p.Set("code_verifier", v)
		}
		return exchange(t, srv, p)
	}
	for _, tc := range []struct {
		name     string
		dialog   url.Values
		verifier string
		ok       bool
	}{
		{"S256 right verifier", url.Values{"code_challenge": {s256}, "code_challenge_method": {"S256"}}, verifier, true},
		{"S256 wrong verifier", url.Values{"code_challenge": {s256}, "code_challenge_method": {"S256"}}, verifier + "x", false},
		{"S256 missing verifier", url.Values{"code_challenge": {s256}, "code_challenge_method": {"S256"}}, "", false},
		{"S256 challenge sent as verifier", url.Values{"code_challenge": {s256}, "code_challenge_method": {"S256"}}, s256, false},
		{"plain", url.Values{"code_challenge": {verifier}, "code_challenge_method": {"plain"}}, verifier, true},
		{"no method means plain", url.Values{"code_challenge": {verifier}}, verifier, true},
		{"no challenge, verifier ignored", nil, "anything", true},
		{"no challenge, no verifier", nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code := pkceCode(t, srv, tc.dialog)
			r := ex(code, tc.verifier)
			if tc.ok {
				assert.Equal(t, 200, r.Status, r.Raw)
				assert.NotEmpty(t, r.Body["access_token"])
				return
			}
			c, msg := graphErr(t, r)
			assert.Equal(t, 100, c)
			assert.Equal(t, "(#100) Invalid code verifier", msg)
			// The code is still good for the right verifier.
			assert.Equal(t, 200, ex(code, verifier).Status)
		})
	}
	// An unknown method is refused at the dialog.
	q := url.Values{"client_id": {DefaultApp().ID}, "redirect_uri": {redirect}, "code_challenge": {s256}, "code_challenge_method": {"S512"}}
	res, err := noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	res.Body.Close()
	assert.NotEqual(t, 302, res.StatusCode)
}

// TestPKCEConsentPageCarriesChallenge checks the consent form keeps the
// challenge, so the code it issues is bound to it.
func TestPKCEConsentPageCarriesChallenge(t *testing.T) {
	srv := Start(t, WithDemoBusiness(), WithClock(func() time.Time { return testNow }))
	q := url.Values{"client_id": {DefaultApp().ID}, "redirect_uri": {redirect}, "code_challenge": {"abc-challenge"}, "code_challenge_method": {"plain"}}
	res, err := noRedirect.Get(srv.URL + "/v26.0/dialog/oauth?" + q.Encode())
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Contains(t, string(page), `value="abc-challenge"`)
	assert.Contains(t, string(page), `name="code_challenge_method"`)
}
