package mcpserver

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/transcript.md from this run")

// TestTranscript records one exchange as the SDK's client sees it on the
// wire (initialize, a proposal, its apply, the apply retried) into
// testdata/transcript.md, and checks that examples/agent/README.md shows
// exactly that transcript: the README's JSON-RPC messages are the ones
// this test sent and received (go test -run TestTranscript -update
// rewrites the file; paste it into the README).
func TestTranscript(t *testing.T) {
	e := newEnv(t)
	p := ok[ProposeOut](e, "propose_change", map[string]any{"account": shop, "entity_id": siteVisitors, "action": "scale_budget", "percent": 20,
		"reason": "best CPA of the account over the last 7 days"})
	require.True(t, p.Allowed)
	ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": p.ProposalID})
	ok[ApplyOut](e, "apply_change", map[string]any{"proposal_id": p.ProposalID})
	e.cs.Close()

	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(e.wire.String()), "\n") {
		dir, msg, found := strings.Cut(line, ": ")
		require.True(t, found, line)
		var pretty bytes.Buffer
		require.NoError(t, json.Indent(&pretty, []byte(msg), "", "  "))
		switch dir {
		case "write":
			b.WriteString("--> client sends\n")
		case "read":
			b.WriteString("<-- client receives\n")
		default:
			t.Fatalf("unexpected log line %q", line)
		}
		b.WriteString(pretty.String() + "\n")
	}
	got := b.String()
	assert.NotContains(t, got, e.token)
	golden := filepath.Join("testdata", "transcript.md")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test -run TestTranscript -update")
	assert.Equal(t, string(want), got, "the exchange changed: go test -run TestTranscript -update, then update the README")
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "```text\n"+got+"```", "examples/agent/README.md shows testdata/transcript.md")
}
