package app

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/crm/jobs"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// TestRefreshJob: the River job renews a token that entered the renew
// window (the oauth Refresher), and a connection Meta no longer accepts is
// marked for reconnection.
func TestRefreshJob(t *testing.T) {
	app := startApp(t, store.SQLite, startOpts{quiet: true})
	events, cancel := app.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	defer cancel()
	b := app.browser()
	b.signup("refresh@example.com")
	b.connect("approve")
	u, err := app.Store.UserByEmail(t.Context(), "refresh@example.com")
	require.NoError(t, err)
	// The connection queued the accounts' passes (2 workers): the refresh
	// jobs below go before the waiting ones (priority 1 against 2), so
	// under load they wait for one running pass at the most.
	var prio int
	require.NoError(t, app.DB.SQL.QueryRowContext(t.Context(), `SELECT MIN(priority) FROM river_job WHERE kind = 'analyze_account'`).Scan(&prio))
	assert.Equal(t, 2, prio, "passes queue behind token refreshes (priority 1)")
	key := oauth.Key{User: u.Key(), Account: metaads.MustParseAccountID(shopAccount())}
	before, err := app.OAuth.Store().Load(t.Context(), key)
	require.NoError(t, err)

	refresh := func() {
		t.Helper()
		res, err := app.Jobs.Insert(t.Context(), jobs.RefreshTokensArgs{}, nil)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		for {
			select {
			case ev := <-events:
				// Only this job: the periodic one inserted at start may
				// finish meanwhile.
				if ev.Job.ID == res.Job.ID {
					require.Equal(t, river.EventKindJobCompleted, ev.Kind, "refresh job: %v", ev.Job.Errors)
					return
				}
			case <-ctx.Done():
				t.Fatal("the refresh job did not complete")
			}
		}
	}
	app.clock.Advance(55 * 24 * time.Hour) // inside the 7-day renew window
	refresh()
	after, err := app.OAuth.Store().Load(t.Context(), key)
	require.NoError(t, err)
	assert.NotEqual(t, before.Token.AccessToken, after.Token.AccessToken, "the job renewed the token")
	assert.Equal(t, oauth.StatusConnected, after.Status)

	require.NoError(t, app.Fake.RevokeToken(after.Token.AccessToken))
	app.clock.Advance(55 * 24 * time.Hour)
	refresh()
	a, err := app.Store.Account(t.Context(), u.ID, key.Account)
	require.NoError(t, err)
	assert.Equal(t, oauth.StatusNeedsReauth, a.Status, "a revoked token is marked")
}
