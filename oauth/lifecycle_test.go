package oauth_test

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/oauth"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestRevocationMidLife(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	ctx := t.Context()
	tok := e.userToken()
	p, err := oauth.NewProvider(e.m, e.user)
	require.NoError(t, err)
	client, err := metaads.NewClient(metaads.WithBaseURL(e.fake.URL), metaads.WithTokenProvider(p),
		metaads.WithHooks(metaads.Hooks{OnResponse: p.OnResponse}))
	require.NoError(t, err)
	a := metaads.MustParseAccountID(acctA)
	_, err = client.Do(ctx, &metaads.Request{Path: a.String(), Account: a}, nil)
	require.NoError(t, err)

	require.NoError(t, e.fake.RevokeToken(tok))
	_, err = client.Do(ctx, &metaads.Request{Path: a.String(), Account: a}, nil)
	assert.ErrorIs(t, err, metaads.ErrTokenInvalid, "Meta answers 190")
	// The hook saw the 190: the next request fails before reaching Meta,
	// naming the account, and the connection is marked.
	_, err = client.Do(ctx, &metaads.Request{Path: a.String(), Account: a}, nil)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	var hookErr *oauth.ReauthError
	require.ErrorAs(t, err, &hookErr)
	assert.Equal(t, a, hookErr.Account)
	c, err := e.store.Load(ctx, oauth.Key{User: e.user, Account: metaads.MustParseAccountID(acctB)})
	require.NoError(t, err)
	assert.Equal(t, oauth.StatusNeedsReauth, c.Status)

	_, err = e.m.Verify(ctx, e.user)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	var re *oauth.ReauthError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, e.user, re.User)
	for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
		require.NoError(t, err)
		assert.Equal(t, oauth.StatusNeedsReauth, c.Status, "%s", c.Key)
	}
	_, _, err = e.m.Renew(ctx, e.user)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	require.ErrorAs(t, err, &re)
	assert.ErrorIs(t, err, metaads.ErrTokenInvalid, "the cause is Meta's 190")

	// A fresh provider refuses the account until the user reconnects.
	p.Forget()
	_, err = p.TokenSource(ctx, a)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	require.ErrorAs(t, err, &re)
	assert.Equal(t, a, re.Account)

	e.connect()
	_, err = client.Do(ctx, &metaads.Request{Path: a.String(), Account: a}, nil)
	assert.NoError(t, err, "reconnecting restores access (failed loads are not cached)")
}

func TestExpiryAndRenewal(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	ctx := t.Context()
	first := e.userToken()
	p, err := oauth.NewProvider(e.m, e.user)
	require.NoError(t, err)
	a := metaads.MustParseAccountID(acctA)
	ts, err := p.TokenSource(ctx, a)
	require.NoError(t, err)
	tok, err := ts.Token()
	require.NoError(t, err)
	assert.Equal(t, first, tok.AccessToken, "far from expiry: the cached token")

	// 55 days later the token is inside the 7-day window: the source renews.
	e.clk.Advance(55 * 24 * time.Hour)
	tok, err = ts.Token()
	require.NoError(t, err)
	assert.NotEqual(t, first, tok.AccessToken, "renewed")
	assert.WithinDuration(t, e.clk.Now().Add(60*24*time.Hour), tok.Expiry, time.Minute)
	// Saved for every row of the user, and the other account's source
	// picks it up from the store instead of renewing again.
	for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
		require.NoError(t, err)
		assert.Equal(t, tok.AccessToken, c.Token.AccessToken, "%s", c.Key)
	}
	tsB, err := p.TokenSource(ctx, metaads.MustParseAccountID(acctB))
	require.NoError(t, err)
	tokB, err := tsB.Token()
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, tokB.AccessToken)

	// Past expiry without renewal: reauth, named with the account.
	e.clk.Advance(61 * 24 * time.Hour)
	p.Forget()
	ts, err = p.TokenSource(ctx, a)
	require.NoError(t, err)
	_, err = ts.Token()
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	var re *oauth.ReauthError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, a, re.Account)
}

func TestExpiredAtMetaBeforeRenewal(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	require.NoError(t, e.fake.ExpireToken(e.userToken()))
	_, _, err := e.m.Renew(t.Context(), e.user)
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
	assert.ErrorIs(t, err, metaads.ErrTokenExpired)
}

func TestRefresher(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	ctx := t.Context()
	r, err := oauth.NewRefresher(e.m)
	require.NoError(t, err)

	rep, err := r.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Checked)
	assert.Empty(t, rep.Results, "nothing to do far from expiry")

	e.clk.Advance(55 * 24 * time.Hour)
	rep, err = r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, oauth.ActionRenewed, rep.Results[0].Action)
	assert.WithinDuration(t, e.clk.Now().Add(60*24*time.Hour), rep.Results[0].Expiry, time.Minute)

	// Day 85: the token is fresh but data access lapses on day 90; only a
	// new login helps, so the connection is flagged.
	e.clk.Advance(30 * 24 * time.Hour)
	rep, err = r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1, rep.String())
	assert.Equal(t, oauth.ActionFlagged, rep.Results[0].Action)
	c, err := e.store.Load(ctx, oauth.Key{User: e.user, Account: metaads.MustParseAccountID(acctB)})
	require.NoError(t, err)
	assert.Equal(t, oauth.StatusExpiring, c.Status)

	e.clk.Advance(6 * 24 * time.Hour)
	rep, err = r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, oauth.ActionReauth, rep.Results[0].Action)
	assert.ErrorIs(t, rep.Results[0].Err, oauth.ErrReauthRequired)
	assert.Equal(t, "checked=1 renewed=0 flagged_expiring=0 needs_reauth=1 failed=0", rep.String())

	rep, err = r.Run(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, rep.Checked, "connections needing reauth are left for the user")
}

func TestDisconnect(t *testing.T) {
	ctx := context.Background()
	t.Run("revokes and deletes", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		e.connect()
		tok := e.userToken()
		require.NoError(t, e.m.Disconnect(ctx, e.user))
		c, err := e.store.Load(ctx, oauth.Key{User: e.user})
		require.NoError(t, err)
		assert.Nil(t, c.Token)
		assert.Equal(t, oauth.StatusDisconnected, c.Status)
		for rec, err := range e.inner.List(ctx, oauth.Query{User: e.user}) {
			require.NoError(t, err)
			assert.Empty(t, rec.Ciphertext, "no token left for %s", rec.Key)
		}
		info, err := e.m.Inspect(ctx, tok)
		require.NoError(t, err)
		assert.False(t, info.Valid, "revoked at Meta")
		assert.ErrorIs(t, e.m.Disconnect(ctx, e.user), oauth.ErrNoToken, "already disconnected")
		err = e.m.Disconnect(ctx, "nobody")
		assert.ErrorIs(t, err, oauth.ErrNoToken)
	})
	t.Run("revocation fails", func(t *testing.T) {
		e := newEnv(t, envOpt{})
		e.connect()
		require.NoError(t, e.fake.InjectFault(metaadstest.Fault{Method: http.MethodDelete, Path: "/me/permissions",
			Kind: metaadstest.FaultCode2, Count: -1}))
		err := e.m.Disconnect(ctx, e.user)
		assert.ErrorIs(t, err, oauth.ErrRevocationFailed)
		var re *oauth.RevocationError
		require.ErrorAs(t, err, &re)
		assert.Equal(t, 3, re.Deleted)
		assert.Contains(t, err.Error(), "deleted 3 stored token(s)")
		for rec, err := range e.inner.List(ctx, oauth.Query{User: e.user}) {
			require.NoError(t, err)
			assert.Empty(t, rec.Ciphertext, "local tokens removed anyway")
		}
	})
}

// countingStore counts List calls on a real MemoryStore.
type countingStore struct {
	*recordingStore
	mu    sync.Mutex
	lists int
}

func (c *countingStore) List(ctx context.Context, q oauth.Query) iter.Seq2[*oauth.Record, error] {
	c.mu.Lock()
	c.lists++
	c.mu.Unlock()
	return c.recordingStore.List(ctx, q)
}

func TestProviderSingleFlightAndOwnContext(t *testing.T) {
	e := newEnv(t, envOpt{})
	e.connect()
	counting := &countingStore{recordingStore: e.inner}
	m := e.managerOn(counting)
	p, err := oauth.NewProvider(m, e.user, oauth.WithCallTimeout(10*time.Second))
	require.NoError(t, err)

	a := metaads.MustParseAccountID(acctA)
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	sources := make([]oauth2.TokenSource, 32)
	for i := range sources {
		wg.Go(func() {
			ts, err := p.TokenSource(ctx, a)
			assert.NoError(t, err)
			sources[i] = ts
		})
	}
	wg.Wait()
	for _, ts := range sources {
		assert.Same(t, sources[0], ts, "one source per account")
	}
	counting.mu.Lock()
	assert.Equal(t, 1, counting.lists, "concurrent first calls share one load")
	counting.mu.Unlock()

	// The request that created the source is gone; a renewal later still
	// works because it runs on the provider's own context.
	cancel()
	e.clk.Advance(55 * 24 * time.Hour)
	tok, err := sources[0].Token()
	require.NoError(t, err)
	assert.WithinDuration(t, e.clk.Now().Add(60*24*time.Hour), tok.Expiry, time.Minute)

	// A caller whose context is already done gets its context error.
	p.Forget()
	_, err = p.TokenSource(ctx, a)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = p.TokenSource(t.Context(), metaads.AccountID{})
	assert.ErrorIs(t, err, oauth.ErrNoToken)
}

// TestRenewalNotExtended covers a Meta that answers fb_exchange_token with
// the same token and expiry (renewal is not possible): the connection is
// flagged as expiring, the valid token keeps being served, and once it
// expires the user must reconnect.
func TestRenewalNotExtended(t *testing.T) {
	var refuse atomic.Bool
	var exchanges atomic.Int32
	wrap := func(e *env, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !refuse.Load() || !strings.HasSuffix(r.URL.Path, "/oauth/access_token") {
				next.ServeHTTP(w, r)
				return
			}
			exchanges.Add(1)
			c, err := e.store.Load(r.Context(), oauth.Key{User: e.user})
			if err != nil || r.ParseForm() != nil {
				http.Error(w, `{"error":{"message":"test proxy failed","code":1}}`, http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": r.PostForm.Get("fb_exchange_token"),
				"token_type": "bearer", "expires_in": int64(c.Token.Expiry.Sub(e.clk.Now()) / time.Second)})
		})
	}
	e := newEnv(t, envOpt{wrap: wrap})
	e.connect()
	ctx := t.Context()
	tok := e.userToken()
	refuse.Store(true)
	e.clk.Advance(55 * 24 * time.Hour)

	r, err := oauth.NewRefresher(e.m)
	require.NoError(t, err)
	rep, err := r.Run(ctx)
	require.NoError(t, err)
	require.Len(t, rep.Results, 1)
	assert.Equal(t, oauth.ActionFlagged, rep.Results[0].Action)
	for c, err := range e.store.List(ctx, oauth.Query{User: e.user}) {
		require.NoError(t, err)
		assert.Equal(t, oauth.StatusExpiring, c.Status, "%s", c.Key)
		assert.Equal(t, tok, c.Token.AccessToken)
	}

	p, err := oauth.NewProvider(e.m, e.user)
	require.NoError(t, err)
	ts, err := p.TokenSource(ctx, metaads.MustParseAccountID(acctA))
	require.NoError(t, err)
	before := exchanges.Load()
	for range 3 {
		got, err := ts.Token()
		require.NoError(t, err, "a valid token keeps being served")
		assert.Equal(t, tok, got.AccessToken)
	}
	assert.Equal(t, before+1, exchanges.Load(), "one renewal attempt, then a pause")

	e.clk.Advance(6 * 24 * time.Hour)
	_, err = ts.Token()
	assert.ErrorIs(t, err, oauth.ErrReauthRequired)
}

// TestReplicasShareLogin: the login starts on one replica and completes on
// another that shares the state key, the token store and the replay store;
// replaying the callback on the first replica is refused.
func TestReplicasShareLogin(t *testing.T) {
	e := newEnv(t, envOpt{})
	ctx := t.Context()
	replay := oauth.NewMemoryReplayStore(e.clk.Now) // stands in for a shared table
	replica := func() *oauth.Manager {
		m, err := oauth.NewManager(e.cfg, e.store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now),
			oauth.WithReplayStore(replay))
		require.NoError(t, err)
		return m
	}
	m1, m2 := replica(), replica()
	b := e.browser(e.user)
	dialog, err := m1.AuthCodeURL("browser-7", e.user)
	require.NoError(t, err)
	form, action := e.consentAt(b, dialog)
	q := mustQuery(t, e.decide(b, form, action, "approve"))
	c, err := m2.Callback(ctx, "browser-7", e.user, q)
	require.NoError(t, err)
	assert.Len(t, c.AdAccounts, 2)
	_, err = m1.Callback(ctx, "browser-7", e.user, q)
	assert.ErrorIs(t, err, oauth.ErrStateReused)
}
