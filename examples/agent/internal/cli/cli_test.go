package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
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

// agent runs the CLI in-process with a fixed clock (demoNow) and fast
// retries.
func agent(t testing.TB, env map[string]string, args ...string) result {
	t.Helper()
	return agentAt(t, demoNow, env, args...)
}

// agentAt runs the CLI with its clock fixed at now.
func agentAt(t testing.TB, now time.Time, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb syncBuffer
	e := Env{Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return env[k] },
		configure: func(o *options) {
			o.now = func() time.Time { return now }
			o.poll = metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}
			o.clientOpts = append(o.clientOpts, metaads.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
		}}
	code := Main(context.Background(), args, e)
	return result{code, out.String(), errb.String()}
}

func demoFake(t testing.TB, opts ...metaadstest.Option) *metaadstest.Server {
	return demoFakeAt(t, demoNow, opts...)
}

func demoFakeAt(t testing.TB, now time.Time, opts ...metaadstest.Option) *metaadstest.Server {
	return metaadstest.Start(t, append([]metaadstest.Option{metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return now }),
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

	// The passes compute the signals: the shop's report names its planted
	// problems (the over-pacing ad set, the overlapping pair, the fatiguing
	// creative, the hour-of-day and seasonal patterns) on the right entities.
	js, err := filepath.Glob(filepath.Join(out, "*", "act_"+metaadstest.DemoAccountShop+".json"))
	require.NoError(t, err)
	require.Len(t, js, 1)
	raw, err := os.ReadFile(js[0])
	require.NoError(t, err)
	var doc report.Account
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.NotNil(t, doc.Report)
	about := map[string][]string{}
	for _, sg := range doc.Report.Signals {
		for _, e := range sg.Entities {
			about[string(sg.Kind)] = append(about[string(sg.Kind)], e.ID)
		}
		if len(sg.Entities) == 0 {
			about[string(sg.Kind)] = append(about[string(sg.Kind)], "account")
		}
		assert.Contains(t, string(data), "<strong>"+string(sg.Kind)+"</strong>", "the HTML report shows the %s signal", sg.Kind)
	}
	assert.Equal(t, []string{metaadstest.DemoOverpacingSet}, about["pacing"])
	assert.ElementsMatch(t, []string{metaadstest.DemoOverlapSetA, metaadstest.DemoOverlapSetB}, about["audience_overlap"])
	assert.Contains(t, about["creative_fatigue"], metaadstest.DemoFatiguedAd)
	assert.Contains(t, about, "hour_of_day")
	assert.Contains(t, about, "seasonality")
}

// accountsFile writes a legacy file with one token per demo account (so a
// 190 on one leaves the others working) and returns its path and tokens.
func accountsFile(t testing.TB, fake *metaadstest.Server, dir string, accts ...string) (string, map[string]string) {
	t.Helper()
	return accountsFileWith(t, fake, dir, "", accts...)
}

// accountsFileWith is accountsFile with an app_secret (for proofs).
func accountsFileWith(t testing.TB, fake *metaadstest.Server, dir, appSecret string, accts ...string) (string, map[string]string) {
	t.Helper()
	toks := map[string]string{}
	var b strings.Builder
	b.WriteString("graph_url: " + fake.URL + "\n")
	if appSecret != "" {
		b.WriteString("app_secret: " + appSecret + "\n")
	}
	b.WriteString("accounts:\n")
	for _, a := range accts {
		tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID, AdAccounts: []string{a}, TTL: 24 * time.Hour})
		require.NoError(t, err)
		toks[a] = tok
		b.WriteString("  - id: act_" + a + "\n    token: " + tok + "\n")
	}
	p := filepath.Join(dir, "accounts.yaml")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o600))
	return p, toks
}

// budgetWrites are the accepted writes of a daily budget to an ad set.
func budgetWrites(fake *metaadstest.Server, adset string) []string {
	var out []string
	for _, r := range fake.Requests() {
		if r.Method == "POST" && r.Path == "/"+adset && r.Succeeded() && r.Params.Has("daily_budget") {
			out = append(out, r.Params.Get("daily_budget"))
		}
	}
	return out
}

// TestApplyOnce: --apply cuts the demo's money-losing ad set's budget
// once, through a River retry of the account (a transient Meta failure in
// its first attempt), a second run in the same slot, and a new run of its
// own (the ledger's history holds the rule in its cooldown).
func TestApplyOnce(t *testing.T) {
	fake := demoFake(t)
	dir := t.TempDir()
	cfg, _ := accountsFile(t, fake, dir, metaadstest.DemoAccountShop)
	// The first attempt fails: Meta answers 500 more often than the
	// client retries, on the account's first read.
	require.NoError(t, fake.InjectFault(metaadstest.Fault{Method: "GET", Path: "/act_" + metaadstest.DemoAccountShop, Kind: metaadstest.FaultHTTP500, Count: 5}))
	args := []string{"run", "--config", cfg, "--database-url", filepath.Join(dir, "agent.db"), "--out", filepath.Join(dir, "r"),
		"--apply", "--target-cpa", "3000", "--gross-margin", "0.5"}
	r := agent(t, nil, append(args, "--every", "1h")...)
	require.Equal(t, ExitOK, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	assert.Equal(t, []string{"12000"}, budgetWrites(fake, metaadstest.DemoLosingSet), "15000 cut by 20%, once")
	as, _ := fake.AdSet(metaadstest.DemoLosingSet)
	assert.EqualValues(t, 12000, as.DailyBudget)
	assert.Contains(t, r.stdout, "1 analyzed")
	assert.Contains(t, r.stderr, `msg="pass failed"`, "the first attempt failed and River retried it")

	// The same slot again: the account's job is done, nothing runs.
	fake.ResetRequests()
	r = agent(t, nil, append(args, "--every", "1h")...)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Empty(t, fake.Requests(), "the slot's account is not run twice")

	// A run of its own: the pass runs, the rule is cooling down.
	r = agent(t, nil, args...)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.NotEmpty(t, fake.Requests())
	assert.Empty(t, budgetWrites(fake, metaadstest.DemoLosingSet), "applied once across runs")
	as, _ = fake.AdSet(metaadstest.DemoLosingSet)
	assert.EqualValues(t, 12000, as.DailyBudget)
}

// TestTokenRefusedMidRun: Meta refuses one account's token in the middle
// of its pass (190, expired); that account ends needs_reconnect (a file
// cannot be told, so the message names the file's line), the others
// finish, and the run exits 3 (partial).
func TestTokenRefusedMidRun(t *testing.T) {
	fake := demoFake(t)
	dir := t.TempDir()
	cfg, toks := accountsFile(t, fake, dir, metaadstest.DemoAccountShop, metaadstest.DemoAccountLeads, metaadstest.DemoAccountTokyo)
	require.NoError(t, fake.InjectFault(metaadstest.Fault{Path: "/act_" + metaadstest.DemoAccountLeads + "/insights", Kind: metaadstest.FaultExpireToken, Skip: 1}))
	r := agent(t, nil, "run", "--config", cfg, "--database-url", filepath.Join(dir, "agent.db"), "--out", filepath.Join(dir, "r"))
	require.Equal(t, ExitPartial, r.code, "stdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	sum := readRun(t, filepath.Join(dir, "r"))
	assert.Equal(t, 2, sum.OK)
	assert.Equal(t, 1, sum.NeedsReconnect)
	for _, o := range sum.Accounts {
		if o.Account != "act_"+metaadstest.DemoAccountLeads {
			assert.Equal(t, "ok", string(o.Status), o.Account)
			continue
		}
		assert.Equal(t, "needs_reconnect", string(o.Status))
		require.NotNil(t, o.Reconnect)
		assert.Contains(t, o.Reconnect.Message, "accounts.yaml (line")
	}
	for _, tok := range toks {
		assert.NotContains(t, r.stdout+r.stderr, tok)
	}
}

// TestUsage: help texts, and bad input exits 2 with a message naming it.
func TestUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("accounts:\n  - id: act_1\n    tokn: SECRET\n"), 0o600))
	good := filepath.Join(dir, "good.yaml")
	require.NoError(t, os.WriteFile(good, []byte("accounts:\n  act_1: SECRET\n"), 0o600))
	badRules := filepath.Join(dir, "rules.json")
	require.NoError(t, os.WriteFile(badRules, []byte(`{"rules": [{"id": "x", "level": "adset", "action": {"type": "explode"}}]}`), 0o600))
	for _, c := range []struct {
		args []string
		env  map[string]string
		code int
		want string
	}{
		{[]string{"-h"}, nil, ExitOK, "Exit codes:"},
		{[]string{"help"}, nil, ExitOK, "serve"},
		{[]string{"run", "-h"}, nil, ExitOK, "-apply"},
		{[]string{"serve", "-h"}, nil, ExitOK, "-cron"},
		{nil, nil, ExitUsage, "usage: agent"},
		{[]string{"frobnicate"}, nil, ExitUsage, `unknown command "frobnicate"`},
		{[]string{"run", "--database-url", filepath.Join(dir, "a.db")}, nil, ExitUsage, "no credentials"},
		{[]string{"run", "--crm-url", "http://127.0.0.1:1"}, nil, ExitUsage, "AGENT_SERVICE_TOKEN"},
		{[]string{"run", "--config", bad}, nil, ExitUsage, "bad.yaml:3: accounts[0].tokn: unknown key"},
		{[]string{"run", "--config", bad, "--concurrency", "0"}, nil, ExitUsage, "unknown key"},
		{[]string{"run", "--bogus"}, nil, ExitUsage, "flag provided but not defined: -bogus"},
		{[]string{"serve", "--config", bad}, nil, ExitUsage, "no schedule"},
		{[]string{"serve", "--cron", "every day", "--config", bad}, nil, ExitUsage, `--cron "every day"`},
		{[]string{"report"}, nil, ExitUsage, "--run is required"},
		{[]string{"run", "--config", good, "--database-url", filepath.Join(dir, "b.db"), "--rules", badRules}, nil, ExitUsage, "--rules " + badRules},
		{[]string{"run", "--config", good, "--database-url", filepath.Join(dir, "b.db"), "--gross-margin", "2"}, nil, ExitUsage, "--gross-margin 2"},
		{[]string{"run", "--config", good, "--database-url", filepath.Join(dir, "b.db"), "--format", "pdf"}, nil, ExitUsage, "want markdown or html"},
		{[]string{"run", "extra"}, nil, ExitUsage, "unexpected arguments"},
		{[]string{"run", "-h"}, nil, ExitOK, "-usage-store"},
		{[]string{"run", "--config", good, "--database-url", filepath.Join(dir, "b.db"), "--usage-store", "redis"}, nil, ExitUsage, `--usage-store: usage store "redis": want auto, database or memory`},
		{[]string{"run", "--config", good, "--database-url", filepath.Join(dir, "b.db"), "--usage-window", "0s"}, nil, ExitUsage, "--usage-window 0s: want a positive duration"},
	} {
		r := agent(t, c.env, c.args...)
		assert.Equal(t, c.code, r.code, "%v: %s%s", c.args, r.stdout, r.stderr)
		assert.Contains(t, r.stdout+r.stderr, c.want, "%v", c.args)
		assert.NotContains(t, r.stdout+r.stderr, "SECRET")
	}
}

// TestProgressOnTerminal: on a terminal the run draws a bar per account
// and a total; off one (every other test) it draws nothing.
func TestProgressOnTerminal(t *testing.T) {
	fake := demoFake(t)
	dir := t.TempDir()
	cfg, _ := accountsFile(t, fake, dir, metaadstest.DemoAccountShop, metaadstest.DemoAccountLeads)
	var out, errb syncBuffer
	code := Main(context.Background(), []string{"run", "--config", cfg, "--database-url", filepath.Join(dir, "a.db"), "--out", filepath.Join(dir, "r")},
		Env{Stdout: &out, Stderr: &errb, IsTerminal: func(io.Writer) bool { return true }, configure: func(o *options) {
			o.now = func() time.Time { return demoNow }
			o.poll = metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}
		}})
	require.Equal(t, ExitOK, code, errb.String())
	assert.Contains(t, out.String(), "all accounts")
	assert.Contains(t, out.String(), "act_"+metaadstest.DemoAccountShop+": completed")
	assert.Contains(t, out.String(), "2 accounts: 2 analyzed")
}

// TestAccountsAndReport: accounts lists what the file allows; report
// prints a stored run and exits as the run did.
func TestAccountsAndReport(t *testing.T) {
	fake := demoFake(t)
	dir := t.TempDir()
	cfg, _ := accountsFile(t, fake, dir, metaadstest.DemoAccountShop, metaadstest.DemoAccountTokyo)
	r := agent(t, nil, "accounts", "--config", cfg)
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "act_"+metaadstest.DemoAccountTokyo)
	assert.Contains(t, r.stdout, "2 accounts from accounts file")
	r = agent(t, nil, "accounts", "--config", cfg, "--accounts", "act_42")
	assert.Equal(t, ExitUsage, r.code)
	assert.Contains(t, r.stderr, "act_42 is not among the 2 accounts")

	db := filepath.Join(dir, "a.db")
	r = agent(t, nil, "run", "--config", cfg, "--database-url", db, "--out", filepath.Join(dir, "r"), "--every", "1h")
	require.Equal(t, ExitOK, r.code, r.stderr)
	key := "slot-20260311T1800Z"
	r = agent(t, nil, "report", "--database-url", db, "--run", key, "--out", filepath.Join(dir, "again"), "--format", "html")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "2 accounts: 2 analyzed")
	_, err := os.Stat(filepath.Join(dir, "again", key, "act_"+metaadstest.DemoAccountShop+".html"))
	assert.NoError(t, err)
	r = agent(t, nil, "report", "--database-url", db, "--run", "slot-nope")
	assert.Equal(t, ExitUsage, r.code)
}

// TestServeSQLite: serve on SQLite enqueues the current slot at start,
// works every account once, and stops cleanly on its context.
func TestServeSQLite(t *testing.T) {
	fake := demoFake(t)
	dir := t.TempDir()
	cfg, _ := accountsFile(t, fake, dir, metaadstest.DemoAccountShop, metaadstest.DemoAccountLeads)
	db := filepath.Join(dir, "a.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--config", cfg, "--database-url", db, "--out", filepath.Join(dir, "r"), "--every", "1h"},
			Env{Stdout: &out, Stderr: &errb, configure: func(o *options) {
				o.now = func() time.Time { return demoNow }
				o.poll = metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}
			}})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(errb.String(), `msg="account done"`) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not run both accounts:\n%s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, ExitOK, code, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	// The slot's stored run: both accounts, once.
	r := agent(t, nil, "report", "--database-url", db, "--run", "slot-"+time.Now().UTC().Truncate(time.Hour).Format("20060102T1504Z"), "--out", filepath.Join(dir, "rep"))
	assert.Equal(t, ExitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "2 accounts: 2 analyzed")
}

// TestLLMFallsBack: an LLM analyzer that fails (its server answers 500)
// gives the heuristic's result, with the failure recorded; bad LLM flags
// are usage errors.
func TestLLMFallsBack(t *testing.T) {
	var asked atomic.Int64
	llm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		http.Error(w, `{"error":{"message":"overloaded","type":"server_error"}}`, http.StatusInternalServerError)
	}))
	defer llm.Close()
	fake := demoFake(t)
	dir := t.TempDir()
	cfg, _ := accountsFile(t, fake, dir, metaadstest.DemoAccountShop)
	out := filepath.Join(dir, "r")
	r := agent(t, nil, "run", "--config", cfg, "--database-url", filepath.Join(dir, "a.db"), "--out", out,
		"--analyzer", "openai", "--model", "test-model", "--llm-base-url", llm.URL+"/v1/")
	require.Equal(t, ExitOK, r.code, r.stderr)
	assert.Greater(t, asked.Load(), int64(0), "the LLM was asked")
	m, _ := filepath.Glob(filepath.Join(out, "*", "act_"+metaadstest.DemoAccountShop+".json"))
	require.Len(t, m, 1)
	data, _ := os.ReadFile(m[0])
	var doc struct {
		Report struct {
			Result struct {
				Analyzer        string            `json:"analyzer"`
				Recommendations []json.RawMessage `json:"recommendations"`
				Failures        []json.RawMessage `json:"failures"`
			} `json:"result"`
		} `json:"report"`
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.Equal(t, "heuristic", doc.Report.Result.Analyzer)
	assert.NotEmpty(t, doc.Report.Result.Recommendations)
	assert.Len(t, doc.Report.Result.Failures, 1, "the LLM's failure is recorded")

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--analyzer", "openai"}, "needs --model"},
		{[]string{"--analyzer", "openai", "--model", "m"}, "OPENAI_API_KEY"},
		{[]string{"--analyzer", "anthropic", "--model", "m"}, "ANTHROPIC_API_KEY"},
		{[]string{"--analyzer", "gemini", "--model", "m"}, "want heuristic, openai or anthropic"},
		{[]string{"--model", "m"}, "are for --analyzer openai or anthropic"},
	} {
		r := agent(t, nil, append([]string{"run", "--config", cfg, "--database-url", filepath.Join(dir, "a.db")}, c.args...)...)
		assert.Equal(t, ExitUsage, r.code, c.args)
		assert.Contains(t, r.stderr, c.want, c.args)
	}
}
