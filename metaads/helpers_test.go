package metaads

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// handlerTransport serves requests in memory with h, so tests can run
// inside a synctest bubble (no network goroutines) with fake time.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = r.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// memClient returns a client whose requests h serves in memory.
func memClient(t *testing.T, h http.Handler, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL("http://graph.test"), WithHTTPClient(&http.Client{Transport: handlerTransport{h}}),
		WithTokenProvider(StaticTokens{"*": "tok-secret-123"}), WithRetryBackoff(10*time.Millisecond, time.Second)}
	c, err := NewClient(append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
