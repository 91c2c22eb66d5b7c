package oauth_test

import (
	"bytes"
	"context"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
)

// interleavingStore runs a function once, the next time List has read its
// rows and before it yields them: what another request does between a
// flow's read of the rows and its write.
type interleavingStore struct {
	oauth.Store
	mu   sync.Mutex
	then func()
}

func (s *interleavingStore) between(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.then = f
}

func (s *interleavingStore) List(ctx context.Context, q oauth.Query) iter.Seq2[*oauth.Record, error] {
	return func(yield func(*oauth.Record, error) bool) {
		type row struct {
			r   *oauth.Record
			err error
		}
		var rows []row
		for r, err := range s.Store.List(ctx, q) {
			rows = append(rows, row{r, err})
		}
		s.mu.Lock()
		f := s.then
		s.then = nil
		s.mu.Unlock()
		if f != nil {
			f()
		}
		for _, r := range rows {
			if !yield(r.r, r.err) {
				return
			}
		}
	}
}

// noCiphertext asserts no row of the store holds a sealed token.
func noCiphertext(t *testing.T, s oauth.Store) {
	t.Helper()
	n := 0
	for rec, err := range s.List(t.Context(), oauth.Query{}) {
		require.NoError(t, err)
		n++
		assert.Empty(t, rec.Ciphertext, "a token came back for %s (status %s)", rec.Key, rec.Status)
		assert.Equal(t, oauth.StatusDisconnected, rec.Status, "%s", rec.Key)
	}
	assert.Equal(t, 1, n, "only the user's tombstone is left")
}

// TestLateWritesDuringDisconnect: a 190 mark, a renewal and a re-seal that
// read the rows before a Disconnect and write after it leave the deleted
// tokens deleted (they wrote them back as needs_reauth, renewed or
// re-sealed rows before Store.CompareAndSwap); a mark after a reconnect
// leaves the new token's row alone.
func TestLateWritesDuringDisconnect(t *testing.T) {
	setup := func(t *testing.T) (*env, *interleavingStore, *oauth.Manager) {
		e := newEnv(t, envOpt{})
		e.connect()
		is := &interleavingStore{Store: e.inner}
		return e, is, e.managerOn(is)
	}
	disconnect := func(t *testing.T, m *oauth.Manager, user string) func() {
		return func() { assert.NoError(t, m.Disconnect(context.WithoutCancel(t.Context()), user)) }
	}

	t.Run("190 from a request in flight", func(t *testing.T) {
		e, is, m := setup(t)
		p, err := oauth.NewProvider(m, e.user)
		require.NoError(t, err)
		client, err := metaads.NewClient(metaads.WithBaseURL(e.fake.URL), metaads.WithTokenProvider(p),
			metaads.WithHooks(metaads.Hooks{OnResponse: p.OnResponse}))
		require.NoError(t, err)
		a := metaads.MustParseAccountID(acctA)
		_, err = client.Do(t.Context(), &metaads.Request{Path: a.String(), Account: a}, nil)
		require.NoError(t, err)
		require.NoError(t, e.fake.RevokeToken(e.userToken()))
		is.between(disconnect(t, m, e.user)) // while OnResponse marks the rows
		_, err = client.Do(t.Context(), &metaads.Request{Path: a.String(), Account: a}, nil)
		require.ErrorIs(t, err, metaads.ErrTokenInvalid)
		noCiphertext(t, e.inner)
	})

	t.Run("verify", func(t *testing.T) {
		e, is, m := setup(t)
		require.NoError(t, e.fake.RevokeToken(e.userToken()))
		is.between(disconnect(t, m, e.user))
		_, err := m.Verify(t.Context(), e.user)
		require.ErrorIs(t, err, oauth.ErrReauthRequired)
		noCiphertext(t, e.inner)
	})

	t.Run("renewal", func(t *testing.T) {
		e, is, m := setup(t)
		is.between(disconnect(t, m, e.user)) // while Meta exchanges the token
		_, _, err := m.Renew(t.Context(), e.user)
		require.ErrorIs(t, err, oauth.ErrNoToken, "the renewed token is not handed out either")
		noCiphertext(t, e.inner)
	})

	t.Run("rekey", func(t *testing.T) {
		e, is, m := setup(t)
		kr, err := oauth.NewKeyring("k2", map[string][]byte{"k1": bytes.Repeat([]byte{9}, 32), "k2": bytes.Repeat([]byte{3}, 32)})
		require.NoError(t, err)
		es, err := oauth.NewEncryptedStore(is, kr)
		require.NoError(t, err)
		is.between(disconnect(t, m, e.user))
		n, err := es.Rekey(t.Context())
		require.NoError(t, err)
		assert.Zero(t, n)
		noCiphertext(t, e.inner)
	})

	t.Run("mark after a reconnect", func(t *testing.T) {
		e, is, m := setup(t)
		require.NoError(t, e.fake.RevokeToken(e.userToken()))
		fresh := &oauth2.Token{AccessToken: "EAAG-fresh-login", Expiry: e.clk.Now().Add(60 * 24 * time.Hour)}
		is.between(func() {
			// The user connects again while the old token is being marked.
			for c, err := range e.store.List(t.Context(), oauth.Query{User: e.user}) {
				require.NoError(t, err)
				c.Token = fresh
				require.NoError(t, e.store.Save(t.Context(), c))
			}
		})
		_, err := m.Verify(t.Context(), e.user)
		require.ErrorIs(t, err, oauth.ErrReauthRequired, "the old token is invalid")
		n := 0
		for c, err := range e.store.List(t.Context(), oauth.Query{User: e.user}) {
			require.NoError(t, err)
			n++
			assert.Equal(t, fresh.AccessToken, c.Token.AccessToken)
			assert.Equal(t, oauth.StatusConnected, c.Status, "the new connection is not marked for the old token's 190")
		}
		assert.Equal(t, 3, n)
	})
}
