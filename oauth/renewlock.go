package oauth

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/oauth2"
)

// userLocks serializes token renewals per application user, so that one
// fb_exchange_token is in flight per user token however many token
// sources, Renew calls and Refresher runs of one process reach the renew
// window together. Waiting respects the caller's context.
type userLocks struct {
	mu sync.Mutex
	m  map[string]*userLock
}

type userLock struct {
	held chan struct{} // capacity 1: full while someone renews
	refs int           // holders and waiters; the entry goes at zero
}

// lock takes user's lock, calling onWait (when not nil) if it has to wait.
func (l *userLocks) lock(ctx context.Context, user string, onWait func(string)) (unlock func(), err error) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*userLock)
	}
	u := l.m[user]
	if u == nil {
		u = &userLock{held: make(chan struct{}, 1)}
		l.m[user] = u
	}
	u.refs++
	l.mu.Unlock()
	done := func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if u.refs--; u.refs == 0 {
			delete(l.m, user)
		}
	}
	select {
	case u.held <- struct{}{}:
	default:
		if onWait != nil {
			onWait(user)
		}
		select {
		case u.held <- struct{}{}:
		case <-ctx.Done():
			done()
			return nil, ctx.Err()
		}
	}
	return func() { <-u.held; done() }, nil
}

// renewShared renews c's token (the token of user c.User) and saves it on
// all of the user's rows, one renewal per user at a time. A caller that
// waited for another renewal gets the token that one stored instead of
// exchanging again. saveErr reports a failed save of a renewed token.
func (m *Manager) renewShared(ctx context.Context, c *Connection) (tok *oauth2.Token, extended bool, saveErr, err error) {
	unlock, err := m.renewals.lock(ctx, c.User, m.renewWaitHook)
	if err != nil {
		return nil, false, nil, fmt.Errorf("oauth: waiting for another renewal of user %q: %w", c.User, err)
	}
	defer unlock()
	if l := m.set.renewLocker; l != nil {
		unlockShared, err := l.LockRenewal(ctx, c.User)
		if err != nil {
			return nil, false, nil, fmt.Errorf("oauth: waiting for the shared renewal lock of user %q: %w", c.User, err)
		}
		defer unlockShared()
	}
	old := c.Token
	if cur, err := m.store.Load(ctx, Key{User: c.User}); err == nil && cur.Token != nil &&
		cur.Status != StatusDisconnected && cur.Status != StatusNeedsReauth &&
		cur.Token.AccessToken != old.AccessToken && !old.Expiry.IsZero() &&
		(cur.Token.Expiry.IsZero() || cur.Token.Expiry.After(old.Expiry)) {
		return cloneToken(cur.Token), true, nil, nil // renewed while we waited
	}
	tok, extended, err = m.renewToken(ctx, c)
	if err != nil {
		return nil, false, nil, err
	}
	if tok.AccessToken != old.AccessToken || !tok.Expiry.Equal(old.Expiry) {
		var saved int
		saved, saveErr = m.saveUserToken(ctx, c.User, tok)
		if saved == 0 && saveErr == nil {
			// Every row changed while Meta answered: the user disconnected
			// or connected again. The store says which.
			cur, err := m.store.Load(ctx, Key{User: c.User})
			switch {
			case err != nil && !errors.Is(err, ErrNoToken):
				return nil, false, nil, err
			case err != nil || cur.Token == nil || cur.Status == StatusDisconnected:
				return nil, false, nil, fmt.Errorf("%w for user %q: disconnected during the renewal", ErrNoToken, c.User)
			case cur.Status == StatusNeedsReauth:
				return nil, false, nil, &ReauthError{User: c.User, Account: c.Account, Reason: "the connection was marked for reconnecting during the renewal"}
			}
			return cloneToken(cur.Token), true, nil, nil
		}
	}
	return tok, extended, saveErr, nil
}
