package oauth_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/oauth"
)

// TestProviderStopsAfterDisconnect: a Disconnect through the provider's own
// Manager applies at once, even when revocation at Meta failed and even to
// a token source a caller still holds.
func TestProviderStopsAfterDisconnect(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	ctx := t.Context()
	p, err := oauth.NewProvider(e.m, e.user)
	require.NoError(t, err)
	a := metaads.MustParseAccountID(acctA)
	ts, err := p.TokenSource(ctx, a)
	require.NoError(t, err)
	_, err = ts.Token()
	require.NoError(t, err)

	require.NoError(t, e.fake.InjectFault(metaadstest.Fault{Method: http.MethodDelete, Path: "/me/permissions",
		Kind: metaadstest.FaultCode2, Count: -1}))
	require.ErrorIs(t, e.m.Disconnect(ctx, e.user), oauth.ErrRevocationFailed)

	_, err = ts.Token()
	assert.ErrorIs(t, err, oauth.ErrNoToken, "a held source stops at once")
	assert.ErrorIs(t, err, metaads.ErrNoToken)
	_, err = p.TokenSource(ctx, a)
	assert.ErrorIs(t, err, metaads.ErrNoToken, "the provider reloads")

	// Reconnecting through the Manager makes the held source usable again.
	e.connect()
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, e.userToken(), tok.AccessToken)
}

// TestProviderReloadsAfterTTL: a change made by another replica (another
// Manager over the same store) reaches the provider once its cache TTL has
// passed on the injected clock, and not before.
func TestProviderReloadsAfterTTL(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	ctx := t.Context()
	p, err := oauth.NewProvider(e.m, e.user, oauth.WithCacheTTL(30*time.Second))
	require.NoError(t, err)
	a := metaads.MustParseAccountID(acctA)
	ts, err := p.TokenSource(ctx, a)
	require.NoError(t, err)
	first, err := ts.Token()
	require.NoError(t, err)

	other, err := oauth.NewManager(e.cfg, e.store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now))
	require.NoError(t, err)

	t.Run("needs reauth", func(t *testing.T) {
		for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
			require.NoError(t, err)
			c.Status = oauth.StatusNeedsReauth
			require.NoError(t, e.store.Save(ctx, c))
		}
		tok, err := ts.Token()
		require.NoError(t, err, "within the TTL the cached token is served")
		assert.Equal(t, first.AccessToken, tok.AccessToken)
		e.clk.Advance(30 * time.Second)
		_, err = ts.Token()
		assert.ErrorIs(t, err, oauth.ErrReauthRequired)
		var re *oauth.ReauthError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, a, re.Account)
		for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
			require.NoError(t, err)
			c.Status = oauth.StatusConnected
			require.NoError(t, e.store.Save(ctx, c))
		}
		e.clk.Advance(time.Second)
		_, err = ts.Token()
		assert.NoError(t, err, "a failed reload is not cached")
	})
	t.Run("disconnected elsewhere", func(t *testing.T) {
		require.NoError(t, other.Disconnect(ctx, e.user))
		_, err := ts.Token()
		require.NoError(t, err, "another process's change is not seen within the TTL")
		e.clk.Advance(30 * time.Second)
		_, err = ts.Token()
		assert.ErrorIs(t, err, oauth.ErrNoToken)
		_, err = p.TokenSource(ctx, a)
		assert.ErrorIs(t, err, oauth.ErrNoToken)
	})
}

func TestWithCacheTTLValidates(t *testing.T) {
	e := newEnv(t, envOpt{})
	_, err := oauth.NewProvider(e.m, e.user, oauth.WithCacheTTL(0))
	assert.ErrorContains(t, err, "WithCacheTTL")
}
