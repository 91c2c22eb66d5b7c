package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestHelpAndBadValues(t *testing.T) {
	var out strings.Builder
	err := run(t.Context(), []string{"-h"}, env(nil), io.Discard, &out)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, v := range []string{"META_APP_ID", "META_APP_SECRET", "META_REDIRECT_URL", "CRM_ENCRYPTION_KEY", "DATABASE_URL", "CRM_ADDR", "CRM_ANALYSIS_INTERVAL", "CRM_SECURE_COOKIES", "CRM_USAGE_STORE"} {
		assert.Contains(t, out.String(), v, "-h documents %s", v)
	}
	for name, c := range map[string]struct {
		env  map[string]string
		args []string
		want []string
	}{
		"bad duration":    {env: map[string]string{"CRM_ANALYSIS_INTERVAL": "often"}, want: []string{"CRM_ANALYSIS_INTERVAL", `"often"`}},
		"too short":       {args: []string{"-refresh-interval", "5s"}, want: []string{"-refresh-interval", "at least 1m"}},
		"real, no key":    {env: map[string]string{"META_APP_ID": "123"}, want: []string{"META_APP_SECRET", "CRM_ENCRYPTION_KEY"}},
		"bad key":         {env: map[string]string{"META_APP_ID": "123", "META_APP_SECRET": "s", "CRM_ENCRYPTION_KEY": "c2hvcnQ="}, want: []string{"CRM_ENCRYPTION_KEY", "want 32 bytes, got 5"}},
		"demo exposed":    {args: []string{"-addr", "0.0.0.0:8080"}, want: []string{"loopback only"}},
		"bad base url":    {env: map[string]string{"CRM_BASE_URL": "crm.example.com"}, want: []string{"CRM_BASE_URL", "absolute http(s) URL"}},
		"bad log level":   {env: map[string]string{"CRM_LOG_LEVEL": "loud"}, want: []string{"CRM_LOG_LEVEL"}},
		"stray argument":  {args: []string{"serve"}, want: []string{"unexpected arguments"}},
		"bad usage store": {env: map[string]string{"CRM_USAGE_STORE": "redis"}, want: []string{"CRM_USAGE_STORE", `"redis"`, "auto, database or memory"}},
	} {
		err := run(t.Context(), c.args, env(c.env), io.Discard, io.Discard)
		require.Error(t, err, name)
		for _, w := range c.want {
			assert.Contains(t, err.Error(), w, name)
		}
	}
	// A secret's value is never echoed.
	err = run(t.Context(), nil, env(map[string]string{"META_APP_ID": "123", "META_APP_SECRET": "s", "CRM_ENCRYPTION_KEY": "not-base64-SECRETVALUE"}), io.Discard, io.Discard)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SECRETVALUE")
}

// signalWriter reports the first write that matches.
type signalWriter struct {
	re   *regexp.Regexp
	buf  strings.Builder
	seen chan string
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if m := w.re.FindStringSubmatch(w.buf.String()); m != nil && w.seen != nil {
		w.seen <- m[1]
		w.seen = nil
	}
	return len(p), nil
}

// TestDemoStartsAndStops is `go run ./examples/crm` with no configuration:
// it starts the demo, prints the URL and a demo login, serves /healthz and
// /readyz, and shuts down when its context ends.
func TestDemoStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &signalWriter{re: regexp.MustCompile(`listening on (http://\S+)\n(?s:.*)demo login: demo@example.com / \S+`), seen: make(chan string, 1)}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, env(map[string]string{"CRM_ADDR": "127.0.0.1:0", "CRM_DATA_DIR": t.TempDir(), "CRM_LOG_LEVEL": "warn"}), out, io.Discard)
	}()
	var url string
	select {
	case url = <-out.seen:
	case err := <-done:
		t.Fatalf("run returned early: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not print its URL within 60s")
	}
	for _, path := range []string{"/healthz", "/readyz", "/login"} {
		res, err := http.Get(url + path)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, path)
	}
	cancel()
	select {
	case err := <-done:
		require.False(t, err != nil && !errors.Is(err, context.Canceled), "run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the demo did not shut down within 30s")
	}
}
