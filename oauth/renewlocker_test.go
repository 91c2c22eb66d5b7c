package oauth_test

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/oauth"
)

// chanLocker is a RenewLocker shared by two Managers, as a database lock is
// shared by two replicas.
type chanLocker struct {
	held  chan struct{}
	waits atomic.Int32
}

func (l *chanLocker) LockRenewal(ctx context.Context, user string) (func(), error) {
	select {
	case l.held <- struct{}{}:
	default:
		l.waits.Add(1)
		select {
		case l.held <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return func() { <-l.held }, nil
}

// TestRenewLockerAcrossManagers: two Managers over one store (two replicas)
// renew the same user at once; with a shared RenewLocker the second waits for
// the first and reuses the token it stored, so Meta sees one exchange.
func TestRenewLockerAcrossManagers(t *testing.T) {
	var exchanges atomic.Int32
	var armed atomic.Bool
	entered := make(chan struct{}, 4)
	release := make(chan struct{})
	wrap := func(_ *env, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if armed.Load() && strings.HasSuffix(r.URL.Path, "/oauth/access_token") &&
				peekForm(r).Get("grant_type") == "fb_exchange_token" {
				exchanges.Add(1)
				entered <- struct{}{}
				<-release
			}
			next.ServeHTTP(w, r)
		})
	}
	e := newEnv(t, envOpt{wrap: wrap})
	e.connect()
	locker := &chanLocker{held: make(chan struct{}, 1)}
	m1, err := oauth.NewManager(e.cfg, e.store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now), oauth.WithRenewLocker(locker))
	require.NoError(t, err)
	m2, err := oauth.NewManager(e.cfg, e.store, oauth.WithStateKeys(stateKey), oauth.WithClock(e.clk.Now), oauth.WithRenewLocker(locker))
	require.NoError(t, err)
	armed.Store(true)
	e.clk.Advance(55 * 24 * time.Hour)

	ctx := t.Context()
	var wg sync.WaitGroup
	conns := make([]*oauth.Connection, 2)
	wg.Go(func() {
		var err error
		conns[0], _, err = m1.Renew(ctx, e.user)
		assert.NoError(t, err)
	})
	<-entered
	wg.Go(func() {
		var err error
		conns[1], _, err = m2.Renew(ctx, e.user)
		assert.NoError(t, err)
	})
	for locker.waits.Load() == 0 {
		select {
		case <-entered:
			t.Fatal("the second replica exchanged while the first held the shared lock")
		default:
			runtime.Gosched()
		}
	}
	close(release)
	wg.Wait()
	assert.Equal(t, int32(1), exchanges.Load(), "one exchange across both managers")
	require.NotNil(t, conns[0])
	require.NotNil(t, conns[1])
	assert.Equal(t, conns[0].Token.AccessToken, conns[1].Token.AccessToken)

	_, err = oauth.NewManager(e.cfg, e.store, oauth.WithStateKeys(stateKey), oauth.WithRenewLocker(nil))
	require.ErrorContains(t, err, "WithRenewLocker(nil)")
}
