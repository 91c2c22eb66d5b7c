package mcpserver

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// TestErrors: Meta's throttle is rate_limited with the wait it gave; a
// token Meta refuses mid-pass is needs_reconnect saying who must do what;
// neither error, nor anything else sent, holds the token.
func TestErrors(t *testing.T) {
	// Answer at once rather than wait for the budget or retry the throttle.
	e := newEnv(t, func(c *envConfig) {
		c.clientOpts = []metaads.Option{metaads.WithMaxThrottleRetryWait(time.Millisecond)}
		c.QuotaWait = time.Millisecond
	})
	require.NoError(t, e.fake.InjectFault(metaadstest.Fault{Path: "/" + shop + "*", Kind: metaadstest.FaultThrottle, RegainMinutes: 30, Count: 100}))
	msg := e.fails(CodeRateLimited, "account_summary", map[string]any{"account": shop})
	assert.Regexp(t, `retry in [0-9hms]+, not before`, msg, "the wait the client knows")
	e.fake.ClearFaults()

	require.NoError(t, e.fake.InjectFault(metaadstest.Fault{Path: "/" + leads + "/insights", Kind: metaadstest.FaultExpireToken}))
	msg = e.fails(CodeNeedsReconnect, "latest_report", map[string]any{"account": leads})
	assert.Contains(t, msg, "must be replaced by the operator", "a file's token: the operator replaces it")
	e.secretsAbsent()
}
