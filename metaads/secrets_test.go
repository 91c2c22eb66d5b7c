package metaads

import (
	"bytes"
	"context"
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
	// A transport error: the URL (with the proof) must not be in it.
	srv.Close()
	_, err = c.Do(context.Background(), &Request{Path: "me"}, nil)
	require.Error(t, err)
	outputs = append(outputs, err.Error(), fmt.Sprintf("%+v", err))
	outputs = append(outputs, c.String(), tokens.String(), fmt.Sprintf("%v %+v %#v", tokens, tokens, tokens), logs.String(), hookOut.String())

	all := strings.Join(outputs, "\n")
	require.NotEmpty(t, logs.String())
	assert.Contains(t, all, "graph error code 190", "the errors were produced")
	assert.NotContains(t, all, token)
	assert.NotContains(t, all, proof)
	assert.NotContains(t, all, "app-secret")
}
