package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/signals"
	"github.com/adpilot/adpilot/examples/agent/internal/creds"
	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// demoNow is the tests' start time (a Wednesday, 10:30 in Los Angeles).
var demoNow = time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)

const (
	shop  = "act_" + metaadstest.DemoAccountShop
	leads = "act_" + metaadstest.DemoAccountLeads
	tokyo = "act_" + metaadstest.DemoAccountTokyo
	// siteVisitors is the shop's healthy retargeting ad set (daily budget
	// 50.00 USD, out of learning).
	siteVisitors = "120300000000000015"
	// lookalikeEU is the lead account's paused ad set (40.00 EUR a day).
	lookalikeEU = "120300000000000018"
)

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

// clock is a settable clock shared by the fake and the server.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock { c := &clock{}; c.set(t); return c }
func (c *clock) now() time.Time   { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time)  { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) {
	c.ns.Add(int64(d))
}

// env is one MCP server on the demo business with a client connected to
// it in-process through the SDK's transports.
type env struct {
	t      testing.TB
	fake   *metaadstest.Server
	token  string
	clock  *clock
	store  *store.Store
	srv    *Server
	cs     *mcp.ClientSession
	wire   *syncBuffer // every JSON-RPC message the client sent and received
	logs   *syncBuffer // the server's log records
	kill   atomic.Bool
	killed func(context.Context) bool
}

// envConfig is what a test may change before the server starts: the
// server's Config and the runner's.
type envConfig struct {
	Config
	runner runner.Config
	// clientOpts are more options of the Graph client.
	clientOpts []metaads.Option
}

type envOption func(*envConfig)

// fullPass makes the passes read what the agent reads (60 days, the
// signals). Without it a test's passes read the last 14 days without
// signals: the change tools need the entities, their budgets and the
// last 7 days, and every pass costs a fraction of the time (the tests of
// the package made ~15 full passes; under -race on a loaded machine that
// was over a minute).
func fullPass(c *envConfig) {
	c.runner.Collect.LookbackDays = 0
	c.runner.Signals = signals.Func()
}

// newEnv starts the fake with the demo business, a legacy accounts file
// with the shop and the lead account (not the Tokyo one), the agent's
// store, runner and the MCP server (apply on unless an option turns it
// off), and connects a client.
func newEnv(t testing.TB, opts ...envOption) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(demoNow), wire: &syncBuffer{}, logs: &syncBuffer{}}
	e.fake = metaadstest.Start(t, metaadstest.WithDemoBusiness(), metaadstest.WithClock(e.clock.now),
		metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	tok, err := e.fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	require.NoError(t, err)
	e.token = tok
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "accounts.yaml")
	require.NoError(t, os.WriteFile(cfgPath, []byte("graph_url: "+e.fake.URL+"\nsystem_users:\n  - name: demo\n    token: "+tok+"\n    accounts: ["+shop+", "+leads+"]\n"), 0o600))
	src, err := creds.LoadFile(cfgPath)
	require.NoError(t, err)
	ctx := context.Background()
	e.store = migratedStore(t, dir)
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.killed = func(context.Context) bool { return e.kill.Load() }
	c := &envConfig{
		Config: Config{Source: src, Store: e.store, Apply: true, KillSwitch: e.killed, Now: e.clock.now, Logger: log, Version: "test"},
		runner: runner.Config{Source: src, Ledger: e.store.Ledger(), Now: e.clock.now, Logger: log,
			Goals: map[string]analysis.Goals{"*": {TargetCPA: 3000, GrossMargin: 0.5}}},
	}
	c.runner.Collect.LookbackDays = 14
	c.runner.Collect.Run.Poll = metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}
	for _, o := range opts {
		o(c)
	}
	c.runner.ClientOptions = append([]metaads.Option{metaads.WithRetryBackoff(time.Millisecond, 5*time.Millisecond)}, c.clientOpts...)
	c.Runner, err = runner.New(c.runner)
	require.NoError(t, err)
	e.srv, err = New(ctx, c.Config)
	require.NoError(t, err)
	st, ct := mcp.NewInMemoryTransports()
	ss, err := e.srv.MCP().Connect(ctx, st, nil)
	require.NoError(t, err)
	e.cs, err = mcp.NewClient(&mcp.Implementation{Name: "test-assistant", Version: "1.0"}, nil).
		Connect(ctx, &recorder{Transport: ct, w: e.wire}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { e.cs.Close(); ss.Wait() })
	return e
}

// template is an agent database migrated once for the package's tests
// (goose and River's migrations cost more than a test's own queries).
var template struct {
	once sync.Once
	dir  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if template.dir != "" {
		os.RemoveAll(template.dir)
	}
	os.Exit(code)
}

// migratedStore opens a copy of the migrated template database in dir.
func migratedStore(t testing.TB, dir string) *store.Store {
	t.Helper()
	ctx := context.Background()
	template.once.Do(func() {
		if template.dir, template.err = os.MkdirTemp("", "mcpserver-db-"); template.err != nil {
			return
		}
		st, err := store.Open(ctx, filepath.Join(template.dir, "agent.db"), nil)
		if err != nil {
			template.err = err
			return
		}
		template.err = st.Close()
	})
	require.NoError(t, template.err)
	data, err := os.ReadFile(filepath.Join(template.dir, "agent.db"))
	require.NoError(t, err)
	path := filepath.Join(dir, "agent.db")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	st, err := store.Open(ctx, path, nil)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st
}

// call calls a tool and returns its result (a tool error is a result
// with IsError, not a Go error).
func (e *env) call(name string, args map[string]any) *mcp.CallToolResult {
	e.t.Helper()
	res, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	require.NoError(e.t, err, "tools/call %s", name)
	return res
}

// ok calls a tool that must succeed and decodes its structured output.
func ok[T any](e *env, name string, args map[string]any) T {
	e.t.Helper()
	res := e.call(name, args)
	require.False(e.t, res.IsError, "%s: %s", name, text(res))
	var out T
	b, err := json.Marshal(res.StructuredContent)
	require.NoError(e.t, err)
	require.NoError(e.t, json.Unmarshal(b, &out), "%s: %s", name, b)
	// The text content is the same JSON, for clients that read only text.
	require.JSONEq(e.t, string(b), text(res))
	return out
}

// fails calls a tool that must answer with a tool error of code, and
// returns the message.
func (e *env) fails(code, name string, args map[string]any) string {
	e.t.Helper()
	res := e.call(name, args)
	require.True(e.t, res.IsError, "%s should fail with %s; got %s", name, code, text(res))
	msg := text(res)
	require.True(e.t, strings.HasPrefix(msg, code+": "), "%s: want code %s, got %q", name, code, msg)
	return msg
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// secretsAbsent checks that no token the test made appears in what the
// client received, in the server's logs or in the audit log.
func (e *env) secretsAbsent() {
	e.t.Helper()
	audit, err := e.store.AuditLog(context.Background(), 0, 1000)
	require.NoError(e.t, err)
	all, _ := json.Marshal(audit)
	for where, s := range map[string]string{"the JSON-RPC messages": e.wire.String(), "the logs": e.logs.String(), "the audit log": string(all)} {
		require.NotEmpty(e.t, s, where)
		require.NotContains(e.t, s, e.token, "the token leaked into %s", where)
		require.NotContains(e.t, s, e.token[:16], "part of the token leaked into %s", where)
		require.NotContains(e.t, s, "access_token", where)
	}
}

// recorder is a client transport that writes every message it sends
// ("write: ") before sending it and every message it receives ("read: ")
// once received, in the order they crossed (the SDK's LoggingTransport
// logs a write after the peer read it, so a fast answer can come first).
type recorder struct {
	mcp.Transport
	w *syncBuffer
}

func (r *recorder) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := r.Transport.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &recordedConn{Connection: c, w: r.w}, nil
}

type recordedConn struct {
	mcp.Connection
	w *syncBuffer
}

func (c *recordedConn) log(dir string, msg jsonrpc.Message) {
	b, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		b = []byte(err.Error())
	}
	c.w.Write([]byte(dir + ": " + string(b) + "\n"))
}

func (c *recordedConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	msg, err := c.Connection.Read(ctx)
	if err == nil {
		c.log("read", msg)
	}
	return msg, err
}

func (c *recordedConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	c.log("write", msg)
	return c.Connection.Write(ctx, msg)
}
