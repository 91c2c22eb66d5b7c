package usagestore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/metaads"
)

// TestClockSkewBetweenProcesses: processes on several machines share one
// PostgreSQL, and their clocks differ. The store keeps every time in the
// database server's clock, so a process whose clock is ahead does not make
// its older headers "newer" than another's, and one whose clock is behind
// by more than the in-flight TTL (or Meta's window) is not forgotten. Each
// process reads the times back in its own clock. (On SQLite every process
// is on one machine, with one clock.)
func TestClockSkewBetweenProcesses(t *testing.T) {
	_, more := openDB(t, sqldb.Postgres)
	skewed := func(d time.Duration) (*Store, func() time.Time) {
		now := func() time.Time { return time.Now().Add(d) }
		s, err := New(more(), WithClock(now))
		require.NoError(t, err)
		return s, now
	}
	ahead, aheadNow := skewed(30 * time.Second)
	behind, behindNow := skewed(-10 * time.Minute)
	right, rightNow := skewed(0)
	ctx := t.Context()

	// The process ahead answers first, the right one a moment later: the
	// right one's headers are the newest.
	require.NoError(t, ahead.UpdateShared(ctx, "ahead", metaads.UsageUpdate{States: map[metaads.UsageKey]metaads.UsageState{appKey: {Pct: 50, ObservedAt: aheadNow()}}}))
	observed := rightNow()
	require.NoError(t, right.UpdateShared(ctx, "right", metaads.UsageUpdate{States: map[metaads.UsageKey]metaads.UsageState{appKey: {Pct: 80, ObservedAt: observed}}}))
	// The process behind has a request in flight, and saw the account
	// blocked for two minutes.
	require.NoError(t, behind.UpdateShared(ctx, "behind", metaads.UsageUpdate{Seq: 1, InFlight: map[metaads.UsageKey]int{appKey: 2},
		States: map[metaads.UsageKey]metaads.UsageState{acctKey: {Pct: 100, ObservedAt: behindNow(), BlockedUntil: behindNow().Add(2 * time.Minute)}}}))

	for name, s := range map[string]*Store{"ahead": ahead, "right": right, "behind": behind} {
		got, err := s.LoadShared(ctx, "reader", []metaads.UsageKey{appKey, acctKey})
		require.NoError(t, err, name)
		clock := map[string]time.Duration{"ahead": 30 * time.Second, "right": 0, "behind": -10 * time.Minute}[name]
		app, acct := got[appKey], got[acctKey]
		assert.Equal(t, 80.0, app.Pct, "%s: the newest headers win, whatever the writers' clocks say", name)
		assert.WithinDuration(t, observed.Add(clock), app.ObservedAt, time.Second, "%s reads the time in its own clock", name)
		assert.Equal(t, 2, app.InFlight, "%s: the calls in flight of a process whose clock is behind count", name)
		require.Contains(t, got, acctKey, "%s: a state from a process whose clock is behind has not expired", name)
		assert.WithinDuration(t, time.Now().Add(clock).Add(2*time.Minute), acct.BlockedUntil, time.Second, "%s: the block ends when Meta said, in the reader's clock", name)
	}
}
