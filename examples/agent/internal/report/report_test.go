package report

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/agent/internal/runner"
	"github.com/adpilot/adpilot/examples/agent/internal/store"
)

// TestHTMLLeavesOutRawHTML: names are data; markup in them never reaches
// the page, and the title is escaped.
func TestHTMLLeavesOutRawHTML(t *testing.T) {
	o := &runner.Outcome{Account: "act_1", Name: `Shop <script>alert(1)</script>`, Status: store.StatusFailed,
		Error: "boom | <img src=x onerror=alert(1)>", Started: time.Unix(0, 0)}
	page, err := ToHTML(`<b>act_1</b>`, AccountMarkdown(o))
	require.NoError(t, err)
	s := string(page)
	assert.NotContains(t, s, "<script>")
	assert.NotContains(t, s, "<img")
	assert.NotContains(t, s, "<b>act_1")
	assert.Contains(t, s, "<h1>")
	run := &Run{Key: "run-1", Accounts: []*runner.Outcome{o}}
	run.Tally()
	assert.Equal(t, 1, run.Failed)
	md := run.Markdown()
	assert.Contains(t, md, `boom \| <img`, "a pipe in a cell is escaped")
	page, err = ToHTML("run", md)
	require.NoError(t, err)
	assert.NotContains(t, string(page), "<img")
	assert.Equal(t, 1, strings.Count(string(page), "<table>"))
}

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"markdown": Markdown, "MD": Markdown, "html": HTML} {
		f, err := ParseFormat(in)
		require.NoError(t, err)
		assert.Equal(t, want, f)
	}
	_, err := ParseFormat("pdf")
	assert.ErrorContains(t, err, "want markdown or html")
}
