package metaadstest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// batchItems posts one batch and decodes its per-item results.
func batchItems(t *testing.T, srv *Server, tok string, items []map[string]any) []*batchResult {
	t.Helper()
	r := batchCall(t, srv, tok, items, url.Values{"include_headers": {"false"}})
	require.Equal(t, 200, r.Status, r.Raw)
	var out []*batchResult
	require.NoError(t, json.Unmarshal([]byte(r.Raw), &out))
	require.Len(t, out, len(items))
	return out
}

func TestBatchRejectsBadMethodsAndURLs(t *testing.T) {
	srv, _, tok := newDemo(t)
	for _, tc := range []struct {
		name, method, rel string
		wantCode          int
	}{
		{"space in method", "G ET", "me", 400},
		{"newline", "GET\n", "me", 400},
		{"nul", "\x00", "me", 400},
		{"unsupported method", "PUT", "me", 400},
		{"patch", "PATCH", "me", 400},
		{"head", "HEAD", "me", 400},
		{"lower case get", "get", "me", 200},
		{"empty means GET", "", "me", 200},
		{"scheme", "GET", "https://graph.facebook.com/me", 400},
		{"scheme without slashes", "GET", "http:me", 400},
		{"network path", "GET", "//evil.example/me", 400},
		{"versioned ok", "GET", "v26.0/me", 200},
		{"leading slash ok", "GET", "/me", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := batchItems(t, srv, tok, []map[string]any{
				{"method": tc.method, "relative_url": tc.rel},
				{"method": "GET", "relative_url": "me"},
			})
			require.NotNil(t, out[0])
			assert.Equal(t, tc.wantCode, out[0].Code, out[0].Body)
			if tc.wantCode == 400 {
				var body struct {
					Error struct {
						Code    int    `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				require.NoError(t, json.Unmarshal([]byte(out[0].Body), &body), out[0].Body)
				assert.Equal(t, 100, body.Error.Code)
				assert.NotEmpty(t, body.Error.Message)
			}
			require.NotNil(t, out[1])
			assert.Equal(t, 200, out[1].Code, "the other items are served")
		})
	}
}

// FuzzBatchItem posts one batch operation with arbitrary method, relative
// URL and body: the server must not panic and must answer valid JSON.
func FuzzBatchItem(f *testing.F) {
	srv := Start(f, WithDemoBusiness(), WithClock(func() time.Time { return testNow }))
	tok, err := srv.IssueToken(TokenSpec{UserID: DemoUserID})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][3]string{
		{"GET", "me?fields=id", ""},
		{"G ET", "me", ""},
		{"GET\n", "me", ""},
		{"\x00", "me", ""},
		{"PUT", "me", ""},
		{"POST", DemoOverpacingSet, "status=PAUSED"},
		{"DELETE", "me/permissions/ads_read", ""},
		{"GET", "https://graph.facebook.com/me", ""},
		{"GET", "//evil.example/me", ""},
		{"GET", "http:me", ""},
		{"GET", "v26.0/%zz", ""},
		{"GET", "me\x7f", ""},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, method, rel, body string) {
		b, err := json.Marshal([]map[string]string{{"method": method, "relative_url": rel, "body": body}})
		if err != nil {
			return
		}
		r := httptest.NewRequest(http.MethodPost, "/v26.0/", strings.NewReader(url.Values{"batch": {string(b)}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%q %q: invalid JSON %q", method, rel, w.Body.String())
		}
	})
}
