package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/agent/internal/report"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// demoNow is the fixed clock of the tests (a Wednesday, 10:30 in Los Angeles).
var demoNow = time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type result struct {
	code           int
	stdout, stderr string
}

// agent runs the CLI in-process with a fixed clock and fast retries.
func agent(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb syncBuffer
	e := Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] },
		configure: func(o *options) {
			o.now = func() time.Time { return demoNow }
			o.poll = metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}
			o.clientOpts = append(o.clientOpts, metaads.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
		}}
	code := Main(context.Background(), args, e)
	return result{code, out.String(), errb.String()}
}

func demoFake(t testing.TB, opts ...metaadstest.Option) *metaadstest.Server {
	return metaadstest.Start(t, append([]metaadstest.Option{metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return demoNow }),
		metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits())}, opts...)...)
}

func readRun(t testing.TB, dir string) *report.Run {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "*", "run.json"))
	require.NoError(t, err)
	require.Len(t, matches, 1, "one run under %s", dir)
	data, err := os.ReadFile(matches[0])
	require.NoError(t, err)
	var r report.Run
	require.NoError(t, json.Unmarshal(data, &r))
	return &r
}

// TestRunConfigFile: the legacy file with the demo's three accounts runs
// each through the pass and writes their reports and the run summary.
func TestRunConfigFile(t *testing.T) {
	fake := demoFake(t)
	tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	require.NoError(t, err)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "accounts.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(`graph_url: `+fake.URL+`
system_users:
  - name: demo
    token: `+tok+`
    accounts: [act_`+metaadstest.DemoAccountShop+`, act_`+metaadstest.DemoAccountLeads+`, act_`+metaadstest.DemoAccountTokyo+`]
`), 0o600))
	out := filepath.Join(dir, "reports")
	r := agent(t, nil, "run", "--config", cfg, "--database-url", filepath.Join(dir, "agent.db"), "--out", out, "--format", "html")
	require.Equal(t, ExitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	sum := readRun(t, out)
	assert.Equal(t, 3, sum.OK)
	for _, o := range sum.Accounts {
		assert.Greater(t, o.GraphCalls, 3, o.Account)
	}
	assert.Greater(t, sum.Accounts[0].Recommendations, 0, "the shop has planted problems")
	assert.Contains(t, r.stdout, "3 accounts: 3 analyzed")
	assert.NotContains(t, r.stdout+r.stderr, tok)
	html, err := filepath.Glob(filepath.Join(out, "*", "act_"+metaadstest.DemoAccountShop+".html"))
	require.NoError(t, err)
	require.Len(t, html, 1)
	data, _ := os.ReadFile(html[0])
	assert.True(t, strings.HasPrefix(string(data), "<!doctype html>"))
	assert.Contains(t, string(data), "<table>")
}
