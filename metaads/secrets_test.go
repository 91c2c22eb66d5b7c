package metaads

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// TestSecretsNeverLeak runs failing and succeeding calls with debug logging
// and every hook, then greps errors, logs, hook payloads and String() output
// for the token and the appsecret_proof.
func TestSecretsNeverLeak(t *testing.T) {
	const token = "EAAGsecretTOKENvalue0123456789"
	proof := appSecretProof([]byte("app-secret"), token)
	var n int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v26.0/" { // batch: every item error echoes the token and proof
			echo := r.Header.Get("Authorization") + " " + r.FormValue("appsecret_proof")
			item := func(code int, body string) map[string]any {
				return map[string]any{"code": code, "headers": []map[string]string{{"name": "X-Echo", "value": echo}}, "body": body}
			}
			out := []any{
				item(400, fmt.Sprintf(`{"error":{"message":"Malformed access token %s","error_user_msg":%q,"code":190}}`, token, echo)),
				item(200, fmt.Sprintf(`{"id":"1","echo":%q}`, echo)),
			}
			b, _ := json.Marshal(out)
			writeJSON(w, 200, string(b))
			return
		}
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		echo := r.Header.Get("Authorization") + " " + r.URL.RawQuery
		switch i % 4 {
		case 0:
			writeJSON(w, 400, fmt.Sprintf(`{"error":{"message":"Malformed access token %s","error_user_msg":%q,"code":190}}`, token, echo))
		case 1:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprintf(w, "<html>%s</html>", echo)
		case 2:
			writeJSON(w, 500, fmt.Sprintf(`{"error":{"message":"oops %s","code":2,"is_transient":true}}`, echo))
		default:
			writeJSON(w, 200, `{"id":"1"}`)
		}
	}))
	defer srv.Close()
	var logs bytes.Buffer
	var hookOut bytes.Buffer
	record := func(_ context.Context, v any) { mu.Lock(); fmt.Fprintf(&hookOut, "%+v\n", v); mu.Unlock() }
	tokens := StaticTokens{"*": token}
	c, err := NewClient(WithBaseURL(srv.URL), WithAppSecret("app-secret"), WithTokenProvider(tokens),
		WithRetryBackoff(time.Millisecond, time.Millisecond), WithMaxRetries(1),
		WithLogger(slog.New(slog.NewTextHandler(&lockedWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithHooks(Hooks{
			OnRequest:  func(ctx context.Context, i RequestInfo) { record(ctx, i) },
			OnResponse: func(ctx context.Context, i ResponseInfo) { record(ctx, i) },
			OnRetry:    func(ctx context.Context, i RetryInfo) { record(ctx, i) },
			OnThrottle: func(ctx context.Context, i ThrottleInfo) { record(ctx, i) },
		}))
	require.NoError(t, err)

	var outputs []string
	for range 8 {
		_, err := c.Do(context.Background(), &Request{Path: "act_1/campaigns", Account: MustParseAccountID("1")}, nil)
		if err != nil {
			outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}
	// Batch items: Meta's per-item 190 errors echo the token.
	b := c.NewBatch(MustParseAccountID("1"))
	require.NoError(t, b.Add(Request{Path: "1"}, nil))
	require.NoError(t, b.Add(Request{Path: "2"}, nil))
	res, err := b.Do(context.Background())
	require.NoError(t, err)
	require.Len(t, res, 2)
	require.ErrorIs(t, res[0].Err, ErrTokenInvalid)
	require.NoError(t, res[1].Err)
	for _, r := range res {
		outputs = append(outputs, fmt.Sprintf("%v %+v %#v", r.Err, r.Err, r.Err), string(r.Body), fmt.Sprint(r.Header))
	}
	assert.Contains(t, string(res[1].Body), "[redacted]")

	// A transport error: the URL (with the proof) must not be in it.
	srv.Close()
	_, err = c.Do(context.Background(), &Request{Path: "me"}, nil)
	require.Error(t, err)
	outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", err))
	outputs = append(outputs, c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), fmt.Sprintf("%v %+v %#v", *c, *c, *c),
		fmt.Sprintf("%v %+v %#v %s %x", c.cfg.appSecret, c.cfg.appSecret, c.cfg.appSecret, c.cfg.appSecret, c.cfg.appSecret), tokens.String(), fmt.Sprintf("%v %+v %#v", tokens, tokens, tokens), logs.String(), hookOut.String())

	all := strings.Join(outputs, "\n")
	require.NotEmpty(t, logs.String())
	assert.Contains(t, all, "graph error code 190", "the errors were produced")
	assert.NotContains(t, all, token)
	assert.NotContains(t, all, proof)
	assert.NotContains(t, all, "app-secret")
	assert.NotContains(t, all, fmt.Sprint([]byte("app-secret")), "the secret's bytes")
	assert.NotContains(t, all, fmt.Sprintf("%#v", []byte("app-secret")), "the secret's bytes")
}

// TestEchoedSecretsScrubbed: Meta (or a proxy) may quote what a request
// carried, in the URL or otherwise, in any field of its error: the user
// token, the app token, the proof, the app secret, or a value the request
// names in Secrets (debug_token's input_token). None of them reaches the
// returned error, its fields, the debug log or the hook payloads.
func TestEchoedSecretsScrubbed(t *testing.T) {
	const (
		appID     = "123456"
		appSecret = "APPsecretECHO0123"
		userToken = "EAAuserTOKENecho0123456789"
	)
	appToken := appID + "|" + appSecret
	input := "EAAinspectedTOKEN0123456789"
	var echo atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Everything the request carried, as a proxy or Meta might quote it.
		all := r.Header.Get("Authorization") + " " + r.URL.RawQuery + " " + r.URL.Query().Get("input_token") + " " +
			strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + " " + appSecret
		echo.Store(all)
		body, _ := json.Marshal(map[string]any{"error": map[string]any{
			"message": "Invalid OAuth access token - Cannot parse access token: " + all, "type": "OAuthException " + all, "code": 190,
			"error_user_title": "Token " + all, "error_user_msg": "Bad " + all, "fbtrace_id": "Trace" + all,
			"error_data": map[string]any{"blame_field_specs": [][]string{{"input_token", all}}},
		}})
		writeJSON(w, 400, string(body))
	}))
	defer srv.Close()
	var logs bytes.Buffer
	var hooks bytes.Buffer
	var mu sync.Mutex
	record := func(v any) { mu.Lock(); fmt.Fprintf(&hooks, "%+v %v\n", v, v); mu.Unlock() }
	c, err := NewClient(WithBaseURL(srv.URL), WithAppSecret(appSecret), WithTokenProvider(StaticTokens{"*": userToken}),
		WithMaxRetries(0),
		WithLogger(slog.New(slog.NewJSONHandler(&lockedWriter{w: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithHooks(Hooks{OnResponse: func(_ context.Context, i ResponseInfo) { record(i) }, OnRetry: func(_ context.Context, i RetryInfo) { record(i) }}))
	require.NoError(t, err)
	ctx := context.Background()
	var outputs []string
	for _, req := range []*Request{
		{Path: "debug_token", Query: url.Values{"input_token": {input}}, Secrets: []string{input},
			TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: appToken})},
		{Path: "me"},
	} {
		_, err := c.Do(ctx, req, nil)
		require.Error(t, err)
		var e *Error
		require.ErrorAs(t, err, &e)
		outputs = append(outputs, err.Error(), fmt.Sprintf("%+v %#v", err, err), e.Type, e.Message, e.UserTitle, e.UserMessage, e.FBTraceID, fmt.Sprint(e.BlameFields))
		assert.Contains(t, e.Message, "[redacted]")
		assert.Contains(t, e.FBTraceID, "Trace", "the rest of the field stays")
		assert.ErrorIs(t, err, ErrTokenInvalid)
	}
	outputs = append(outputs, logs.String(), hooks.String())
	all := strings.Join(outputs, "\n")
	require.NotEmpty(t, echo.Load())
	proofUser := appSecretProof([]byte(appSecret), userToken)
	proofApp := appSecretProof([]byte(appSecret), appToken)
	for _, s := range []string{userToken, appToken, appSecret, input, proofUser, proofApp, url.QueryEscape(appToken)} {
		assert.NotContains(t, all, s)
	}
}

// TestNoTokenErrorReadsOnce: the error used to say it twice ("metaads: no
// token for ad account act_…: metaads: no access token for account").
func TestNoTokenErrorReadsOnce(t *testing.T) {
	ctx := context.Background()
	_, err1 := StaticTokens{}.TokenSource(ctx, MustParseAccountID("42"))
	_, err2 := StaticTokens{}.TokenSource(ctx, AccountID{})
	c, err := NewClient(WithTokenProvider(StaticTokens{"act_1": "x"}))
	require.NoError(t, err)
	_, err3 := c.Do(ctx, &Request{Path: "act_42", Account: MustParseAccountID("42")}, nil)
	c2, err := NewClient()
	require.NoError(t, err)
	_, err4 := c2.Do(ctx, &Request{Path: "me"}, nil)
	for _, err := range []error{err1, err2, err3, err4} {
		require.ErrorIs(t, err, ErrNoToken)
		msg := err.Error()
		assert.Equal(t, 1, strings.Count(msg, "metaads:"), msg)
		assert.Equal(t, 1, strings.Count(msg, "token for")+strings.Count(msg, "access token:"), msg)
	}
	assert.Equal(t, `metaads: no access token for ad account act_42: StaticTokens lists neither it nor a fallback (key "*")`, err1.Error())
}
