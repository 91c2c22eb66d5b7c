package metaads

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newTestClient returns a client against an httptest server running h.
func newTestClient(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := []Option{WithBaseURL(srv.URL), WithTokenProvider(StaticTokens{"*": "tok-secret-123"}),
		WithRetryBackoff(time.Millisecond, 2*time.Millisecond)}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func TestDoSendsTokenInHeaderAndProof(t *testing.T) {
	var got *http.Request
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"id":"1","name":"x"}`))
	}, WithAppSecret("shh"))
	var out struct{ ID, Name string }
	resp, err := c.Do(context.Background(), &Request{Path: "/1", Query: map[string][]string{"fields": {"id,name"}}}, &out)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "x", out.Name)
	assert.Equal(t, "Bearer tok-secret-123", got.Header.Get("Authorization"))
	assert.Equal(t, "/v26.0/1", got.URL.Path)
	assert.NotContains(t, got.URL.RawQuery, "tok-secret-123")
	assert.Empty(t, got.URL.Query().Get("access_token"))
	assert.Equal(t, appSecretProof([]byte("shh"), "tok-secret-123"), got.URL.Query().Get("appsecret_proof"))
}

func TestDoErrorBodies(t *testing.T) {
	cases := []struct {
		name   string
		status int
		ctype  string
		body   string
		kinds  []error
		code   int
	}{
		{"200 with error body", 200, "application/json", `{"error":{"message":"bad","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"T1"}}`, []error{ErrTokenExpired, ErrTokenInvalid}, 190},
		{"html 200", 200, "text/html", `<html>oops</html>`, nil, 0},
		{"html 502", 502, "text/html", `<html>bad gateway</html>`, []error{ErrTransient}, 0},
		{"permission", 403, "application/json", `{"error":{"code":200,"message":"no"}}`, []error{ErrPermission}, 200},
		{"not found", 400, "application/json", `{"error":{"code":100,"error_subcode":33,"message":"no"}}`, []error{ErrNotFound}, 100},
		{"data limit", 400, "application/json", `{"error":{"code":100,"error_subcode":1487534,"message":"too much"}}`, []error{ErrDataLimit}, 100},
		{"deprecated", 400, "application/json", `{"error":{"code":2635,"message":"old"}}`, []error{ErrDeprecatedVersion}, 2635},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}, WithMaxRetries(0))
			var out map[string]any
			_, err := c.Do(context.Background(), &Request{Path: "1"}, &out)
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.status, apiErr.HTTPStatus)
			for _, k := range tc.kinds {
				assert.ErrorIs(t, err, k)
			}
			assert.NotContains(t, err.Error(), "tok-secret-123")
			assert.True(t, strings.HasPrefix(err.Error(), "metaads: GET 1"), err.Error())
		})
	}
}

func TestDoRejectsBadRequests(t *testing.T) {
	c := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { t.Error("no request expected") })
	for _, req := range []*Request{
		nil, {}, {Path: "a?b=1"}, {Path: "http://evil/x"}, {Method: "PUT", Path: "1"},
		{Path: "1", Query: map[string][]string{"access_token": {"x"}}},
	} {
		_, err := c.Do(context.Background(), req, nil)
		assert.Error(t, err)
		assert.False(t, errors.Is(err, ErrTransient))
	}
}
