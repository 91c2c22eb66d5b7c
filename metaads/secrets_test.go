package metaads

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
