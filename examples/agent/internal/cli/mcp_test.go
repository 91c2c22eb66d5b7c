package cli

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// TestMCPCommand: "agent mcp" serves the SDK's client on stdio (the
// agent's stdin and stdout) and over streamable HTTP on loopback, with
// the legacy accounts file; a non-loopback --http is a usage error, and
// a request naming a foreign Host is refused (DNS rebinding).
func TestMCPCommand(t *testing.T) {
	fake := demoFake(t)
	dir := t.TempDir()
	cfg, toks := accountsFile(t, fake, dir, metaadstest.DemoAccountShop)
	base := []string{"mcp", "--config", cfg, "--database-url", filepath.Join(dir, "agent.db"), "--target-cpa", "3000"}

	r := agent(t, nil, append(base, "--http", "0.0.0.0:8765")...)
	assert.Equal(t, ExitUsage, r.code)
	assert.Contains(t, r.stderr, "loopback only")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	run := func(args []string, e Env) chan int {
		done := make(chan int, 1)
		e.Stderr = &stderr
		e.configure = func(o *options) {
			o.now = func() time.Time { return demoNow }
			o.poll = metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}
		}
		go func() { done <- Main(ctx, args, e) }()
		return done
	}

	// stdio
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := run(base, Env{Stdin: inR, Stdout: outW})
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "cli-test", Version: "1"}, nil).Connect(ctx, &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	require.NoError(t, err)
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "list_accounts", Arguments: map[string]any{}})
	require.NoError(t, err)
	require.False(t, res.IsError)
	b, _ := json.Marshal(res.StructuredContent)
	assert.Contains(t, string(b), `"id":"act_`+metaadstest.DemoAccountShop+`"`)
	assert.Contains(t, string(b), `"apply_enabled":false`)
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "apply_change", Arguments: map[string]any{"proposal_id": "x"}})
	require.NoError(t, err)
	assert.True(t, res.IsError, "read-only without --apply")
	cs.Close()
	inW.Close()
	select {
	case code := <-done:
		assert.Equal(t, ExitOK, code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("agent mcp did not end when stdin closed")
	}

	// HTTP on loopback.
	addr := make(chan string, 1)
	hctx, hcancel := context.WithCancel(ctx)
	hdone := make(chan int, 1)
	go func() {
		hdone <- Main(hctx, append(base, "--http", "127.0.0.1:0", "--apply"), Env{Stdout: io.Discard, Stderr: &stderr,
			listening: func(a string) { addr <- a },
			configure: func(o *options) { o.now = func() time.Time { return demoNow } }})
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a + "/"
	case code := <-hdone:
		t.Fatalf("agent mcp --http ended with %d: %s", code, stderr.String())
	}
	hs, err := mcp.NewClient(&mcp.Implementation{Name: "http-test", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: url, DisableStandaloneSSE: true}, nil)
	require.NoError(t, err)
	res, err = hs.CallTool(ctx, &mcp.CallToolParams{Name: "list_accounts", Arguments: map[string]any{}})
	require.NoError(t, err)
	b, _ = json.Marshal(res.StructuredContent)
	assert.Contains(t, string(b), `"apply_enabled":true`)
	hs.Close()
	req, _ := http.NewRequest("POST", url, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	req.Host = "attacker.example"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a loopback server refuses a foreign Host")
	hcancel()
	assert.Equal(t, ExitOK, <-hdone, stderr.String())
	for _, tok := range toks {
		assert.NotContains(t, stderr.String(), tok)
	}
}

// TestBoundLoopback: the address the HTTP listener got is checked too,
// since localhost is whatever the system resolves it to.
func TestBoundLoopback(t *testing.T) {
	assert.NoError(t, boundLoopback("localhost:8765", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8765}))
	assert.NoError(t, boundLoopback("localhost:8765", &net.TCPAddr{IP: net.IPv6loopback, Port: 8765}))
	err := boundLoopback("localhost:8765", &net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 8765})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "10.0.0.7:8765")
	assert.Contains(t, err.Error(), "loopback only")
	assert.Error(t, boundLoopback("localhost:8765", &net.UnixAddr{Name: "/tmp/x", Net: "unix"}))
}
