package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/adpilot/adpilot/internal/redact"
	"github.com/adpilot/adpilot/metaads"
)

// Provider implements metaads.TokenProvider over the tokens a Manager
// stores for one application user: it serves only the connections that
// user made, so in a multi-tenant application a request made for one user
// (or tenant) can never act with another's Meta token, even when both
// connected the same ad account. Create one Provider per user the
// application acts for (they are cheap, and the Manager tracks them only
// weakly), or, for a single-tenant tool that acts for every connection,
// one Provider with WithAnyUser.
//
// It keeps one cached token source per ad account; concurrent first
// calls for an account share one store load. A source hands out the cached
// token until it is within the renew window of its expiry, then renews it
// with fb_exchange_token and saves the new token for all of the user's
// rows. Renewals run on a context the Provider owns (bounded by
// WithCallTimeout), never on the context of the request that happened to
// trigger them.
//
// A source reads the store again once its connection was loaded longer ago
// than the cache TTL (WithCacheTTL, default one minute on the injected
// clock), so a Disconnect, reconnect or reauth mark made by another process
// or replica applies within that time. Changes made through the Manager
// the Provider was created from (Callback, Disconnect, a reauth mark) apply
// at once, also to token sources callers still hold.
//
// Errors from Token and TokenSource: when no usable row is stored for the
// account (never connected, disconnected, or a row without a token), an
// error matching ErrNoToken (and metaads.ErrNoToken); when the stored
// connection needs the user to log in again (StatusNeedsReauth, or the
// token or its data access has expired, or it cannot be renewed after code
// 190), a *ReauthError matching ErrReauthRequired that names the user and
// account. A still-valid token Meta will not extend keeps being served and
// the connection is marked StatusExpiring.
//
// Forget drops cached sources by hand; it is only needed for store changes
// made outside any Manager when waiting for the TTL will not do.
type Provider struct {
	m        *Manager
	user     string // "" with WithAnyUser
	window   time.Duration
	timeout  time.Duration
	cacheTTL time.Duration
	*providerCache
}

// providerCache is the mutable part of a Provider, behind a pointer so
// that printing a Provider value copies no lock and shows no token.
type providerCache struct {
	mu      sync.Mutex
	entries map[metaads.AccountID]*providerEntry
}

type providerEntry struct {
	ready   chan struct{}
	src     *accountSource
	err     error
	dropped bool // guarded by Provider.mu: dropped while loading, so the loaded source is stale
}

var _ metaads.TokenProvider = (*Provider)(nil)

// NewProvider returns a Provider over m's store serving the connections of
// the application user user (the Key.User they were stored under: the
// user, or tenant, id the application passed to Callback through
// HandlerHooks.CurrentUser). Options: WithRenewWindow (default: the
// manager's), WithCallTimeout, WithCacheTTL, and WithAnyUser, which makes
// a Provider serve every user's connections (user must then be empty):
// for an account connected by several users it uses the most recently
// updated usable row, whoever stored it. Use WithAnyUser only where every
// request may act for any connection, such as a single-tenant agent.
func NewProvider(m *Manager, user string, opts ...Option) (*Provider, error) {
	if m == nil {
		return nil, errors.New("oauth: NewProvider: nil Manager")
	}
	s, err := deriveSettings(m.set, opts)
	if err != nil {
		return nil, err
	}
	switch {
	case s.anyUser && user != "":
		return nil, fmt.Errorf("oauth: NewProvider(%q) with WithAnyUser: want an empty user (the provider serves every user)", user)
	case !s.anyUser && user == "":
		return nil, errors.New("oauth: NewProvider: empty user: want the application user (or tenant) whose connections the provider serves, or WithAnyUser() to serve every user's")
	}
	p := &Provider{m: m, user: user, window: s.renewWindow, timeout: s.callTimeout, cacheTTL: s.cacheTTL,
		providerCache: &providerCache{entries: make(map[metaads.AccountID]*providerEntry)}}
	m.register(p)
	return p, nil
}

// String describes the provider: the user it serves, never a token.
func (p Provider) String() string {
	if p.user == "" {
		return "oauth.Provider{any user}"
	}
	return fmt.Sprintf("oauth.Provider{user: %q}", p.user)
}

// Format prints String for every verb.
func (p Provider) Format(f fmt.State, verb rune) { redact.Format(f, verb, p.String(), p.String()) }

// LogValue logs the user the provider serves.
func (p Provider) LogValue() slog.Value { return slog.GroupValue(slog.String("user", p.user)) }

// MarshalJSON writes the user the provider serves.
func (p Provider) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		User string `json:"user"`
	}{p.user})
}

// User returns the application user the provider serves, or "" for a
// provider made WithAnyUser.
func (p *Provider) User() string { return p.user }

// TokenSource returns the cached source for account, loading it from the
// store on first use. ctx bounds only that load. An account the provider's
// user has not connected gives an error matching ErrNoToken (and
// metaads.ErrNoToken), even when another user connected it.
func (p *Provider) TokenSource(ctx context.Context, account metaads.AccountID) (oauth2.TokenSource, error) {
	if ctx == nil {
		return nil, errors.New("oauth: Provider.TokenSource: nil context")
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("oauth: token for %s: %w", account, err)
	}
	if account.IsZero() {
		return nil, fmt.Errorf("%w: oauth.Provider needs an ad account (requests without one have no user to act for)", ErrNoToken)
	}
	p.mu.Lock()
	e, ok := p.entries[account]
	if !ok {
		e = &providerEntry{ready: make(chan struct{})}
		p.entries[account] = e
		p.mu.Unlock()
		// The load is shared by every waiter, so it must not die with the
		// first caller's context; each caller still stops waiting on its own.
		go p.load(context.WithoutCancel(ctx), account, e)
	} else {
		p.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("oauth: loading token for %s: %w", account, ctx.Err())
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.src, nil
}

func (p *Provider) load(ctx context.Context, account metaads.AccountID, e *providerEntry) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	c, err := p.best(ctx, account)
	p.mu.Lock()
	if err == nil {
		e.src = &accountSource{p: p, account: account, conn: c, loadedAt: p.m.now(), user: c.User}
		e.src.stale.Store(e.dropped)
	}
	e.err = err
	if err != nil && p.entries[account] == e {
		// Failures are not cached: a later call retries (the user may
		// connect in the meantime).
		delete(p.entries, account)
	}
	p.mu.Unlock()
	close(e.ready)
}

// best picks the provider user's usable connection for the account (with
// WithAnyUser, the most recently updated one of any user).
func (p *Provider) best(ctx context.Context, account metaads.AccountID) (*Connection, error) {
	var best *Connection
	var reauth *Connection
	var errs []error
	for c, err := range p.m.store.List(ctx, Query{User: p.user, Account: account}) {
		if err == nil && p.user != "" && c.User != p.user {
			continue // a Store that ignores Query.User must not widen the scope
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch {
		case c.Token == nil || c.Status == StatusDisconnected:
		case c.Status == StatusNeedsReauth:
			reauth = c
		case best == nil || c.UpdatedAt.After(best.UpdatedAt):
			best = c
		}
	}
	switch {
	case best != nil:
		return best, nil
	case reauth != nil:
		return nil, &ReauthError{User: reauth.User, Account: account, Reason: "the stored connection needs the user to log in again"}
	case len(errs) > 0:
		return nil, fmt.Errorf("oauth: loading token for %s: %w", account, errors.Join(errs...))
	case p.user != "":
		return nil, fmt.Errorf("%w for ad account %s of user %q", ErrNoToken, account, p.user)
	}
	return nil, fmt.Errorf("%w for ad account %s", ErrNoToken, account)
}

// Forget drops cached sources for the accounts given, or for every account
// when none are given.
func (p *Provider) Forget(accounts ...metaads.AccountID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(accounts) == 0 {
		clear(p.entries)
		return
	}
	for _, a := range accounts {
		delete(p.entries, a)
	}
}

// dropUser drops the cached sources serving user, and those still loading,
// and marks them stale so that sources callers still hold read the store
// on their next Token call.
func (p *Provider) dropUser(user string) {
	if p.user != "" && p.user != user {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for a, e := range p.entries {
		select {
		case <-e.ready:
			if e.src == nil || e.src.user != user {
				continue
			}
			e.src.stale.Store(true)
		default:
			e.dropped = true
		}
		delete(p.entries, a)
	}
}

// OnResponse is a metaads.Hooks.OnResponse function. When Meta rejects an
// ad account's token (code 190: expired, revoked, password changed, data
// access lapsed), it marks the user's connection StatusNeedsReauth and drops
// the cached source, so the account's next request fails at once with an
// error matching ErrReauthRequired that names the account. Install it with
// metaads.WithHooks(metaads.Hooks{OnResponse: provider.OnResponse}).
func (p *Provider) OnResponse(ctx context.Context, info metaads.ResponseInfo) {
	if info.Account.IsZero() || info.Err == nil || !errors.Is(info.Err, metaads.ErrTokenInvalid) {
		return
	}
	p.mu.Lock()
	e := p.entries[info.Account]
	delete(p.entries, info.Account)
	p.mu.Unlock()
	if e == nil {
		return // not a token this provider handed out; nothing to attribute
	}
	select {
	case <-e.ready:
	default:
		return // still loading: the failed request did not use this source
	}
	if e.src == nil {
		return
	}
	e.src.mu.Lock()
	conn := e.src.conn
	e.src.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.timeout)
	defer cancel()
	// If the user reconnected meanwhile, the store has a different token:
	// dropping the cached source is enough.
	if cur, err := p.m.store.Load(ctx, conn.Key); err == nil && cur.Token != nil && cur.Token.AccessToken != conn.Token.AccessToken {
		return
	}
	_ = p.m.reauth(ctx, conn.User, info.Account, "Meta rejected the token", info.Err)
}

// accountSource is the cached token source of one ad account.
type accountSource struct {
	p       *Provider
	account metaads.AccountID
	stale   atomic.Bool // read the store before the next use
	user    string      // guarded by p.mu: whose connection conn is

	mu        sync.Mutex
	conn      *Connection
	loadedAt  time.Time // when conn was read from the store
	nextRenew time.Time // no renewal attempt before this (after a refusal to extend)
}

// reload reads the account's connection from the store again. On failure
// the source stays stale and leaves the provider's cache, so both it and a
// fresh TokenSource call retry. s.mu must be held.
func (s *accountSource) reload(now time.Time) error {
	p := s.p
	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	s.stale.Store(false) // a drop during the load marks it again
	c, err := p.best(ctx, s.account)
	if err != nil {
		s.stale.Store(true)
		p.mu.Lock()
		if e := p.entries[s.account]; e != nil && e.src == s {
			delete(p.entries, s.account)
		}
		p.mu.Unlock()
		return err
	}
	if c.Token.AccessToken != s.conn.Token.AccessToken {
		s.nextRenew = time.Time{}
	}
	s.conn, s.loadedAt = c, now
	p.mu.Lock()
	s.user = c.User
	p.mu.Unlock()
	return nil
}

const renewRetryDelay = time.Hour

// Token returns the account's token, renewing it when it is within the
// renew window of its expiry.
func (s *accountSource) Token() (*oauth2.Token, error) {
	m := s.p.m
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now()
	if s.stale.Load() || now.Sub(s.loadedAt) >= s.p.cacheTTL {
		if err := s.reload(now); err != nil {
			return nil, err
		}
	}
	tok := s.conn.Token
	if da := s.conn.DataAccessExpiry; !da.IsZero() && !now.Before(da) {
		return nil, &ReauthError{User: s.conn.User, Account: s.conn.Account,
			Reason: "data access expired at " + da.UTC().Format(time.RFC3339) + "; the user must log in again"}
	}
	if tok.Expiry.IsZero() || now.Add(s.p.window).Before(tok.Expiry) || (now.Before(s.nextRenew) && now.Before(tok.Expiry)) {
		return cloneToken(tok), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.p.timeout)
	defer cancel()
	// Another source or replica may have renewed the user's token already.
	if c, err := m.store.Load(ctx, s.conn.Key); err == nil && c.Token != nil && c.Token.Expiry.After(tok.Expiry) {
		s.conn = c
		if now.Add(s.p.window).Before(c.Token.Expiry) {
			return cloneToken(c.Token), nil
		}
		tok = c.Token
	}
	nt, extended, saveErr, err := m.renewShared(ctx, s.conn)
	if err != nil {
		if !errors.Is(err, ErrReauthRequired) && now.Before(tok.Expiry) {
			// A transient failure with a still-valid token: keep serving it
			// and try again later.
			m.log().LogAttrs(ctx, slog.LevelWarn, "oauth: token renewal failed; using the current token",
				slog.String("user", s.conn.User), slog.String("account", s.conn.Account.String()),
				slog.String("error", err.Error()))
			s.nextRenew = now.Add(renewRetryDelay / 4)
			return cloneToken(tok), nil
		}
		return nil, err
	}
	if saveErr != nil {
		m.log().LogAttrs(ctx, slog.LevelError, "oauth: saving the renewed token failed",
			slog.String("user", s.conn.User), slog.String("error", saveErr.Error()))
	}
	if !extended {
		s.nextRenew = now.Add(renewRetryDelay)
		if err := m.setStatus(ctx, s.conn.User, StatusExpiring); err != nil {
			m.log().LogAttrs(ctx, slog.LevelWarn, "oauth: marking connection expiring failed",
				slog.String("user", s.conn.User), slog.String("error", err.Error()))
		}
	}
	c := *s.conn
	c.Token = nt
	s.conn = &c
	return cloneToken(nt), nil
}

func cloneToken(t *oauth2.Token) *oauth2.Token {
	return &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, Expiry: t.Expiry}
}
