package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Option configures NewStates, NewManager, NewProvider and NewRefresher.
// Each constructor documents the options it uses and ignores the others.
// An option returns an error for an invalid value, which the constructor
// returns.
type Option func(*settings) error

type settings struct {
	now         func() time.Time
	logger      *slog.Logger
	httpClient  *http.Client
	stateTTL    time.Duration
	stateKeys   [][]byte
	replay      ReplayStore
	renewWindow time.Duration
	callTimeout time.Duration
	cacheTTL    time.Duration
	anyUser     bool
	renewLocker RenewLocker
}

func newSettings(opts []Option) (*settings, error) {
	return deriveSettings(&settings{
		now:         time.Now,
		stateTTL:    DefaultStateTTL,
		renewWindow: DefaultRenewWindow,
		callTimeout: 30 * time.Second,
		cacheTTL:    DefaultCacheTTL,
	}, opts)
}

// deriveSettings applies opts to a copy of base.
func deriveSettings(base *settings, opts []Option) (*settings, error) {
	c := *base
	s := &c
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("oauth: option %d is nil", i)
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.httpClient == nil {
		s.httpClient = &http.Client{Timeout: s.callTimeout}
	}
	return s, nil
}

// WithClock sets the clock used for state expiry, token expiry and renewal
// windows (tests pass a fake clock). Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *settings) error {
		if now == nil {
			return errors.New("oauth: WithClock(nil): want a clock function")
		}
		s.now = now
		return nil
	}
}

// WithLogger sets the structured logger. Tokens, codes, proofs and the app
// secret are never logged. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("oauth: WithLogger(nil): want a logger")
		}
		s.logger = l
		return nil
	}
}

// WithHTTPClient sets the HTTP client for the token endpoint and Graph
// calls. Default: a client with a 30 second timeout.
func WithHTTPClient(c *http.Client) Option {
	return func(s *settings) error {
		if c == nil {
			return errors.New("oauth: WithHTTPClient(nil): want an HTTP client")
		}
		s.httpClient = c
		return nil
	}
}

// WithStateTTL sets how long a state value is valid (default 10 minutes,
// at least 30 seconds, at most 1 hour).
func WithStateTTL(d time.Duration) Option {
	return func(s *settings) error {
		if d < 30*time.Second || d > time.Hour {
			return fmt.Errorf("oauth: WithStateTTL(%s): want between 30s and 1h", d)
		}
		s.stateTTL = d
		return nil
	}
}

// WithStateKeys sets the state signing keys for NewManager: keys[0] signs,
// all verify. Replicas must share them. Each must be at least 32 random
// bytes. Required by NewManager.
func WithStateKeys(keys ...[]byte) Option {
	return func(s *settings) error {
		if len(keys) == 0 {
			return errors.New("oauth: WithStateKeys(): want at least one key")
		}
		s.stateKeys = keys
		return nil
	}
}

// WithReplayStore sets where used state values are remembered. Default: an
// in-process MemoryReplayStore (fine for one process; replicas need a shared
// one).
func WithReplayStore(r ReplayStore) Option {
	return func(s *settings) error {
		if r == nil {
			return errors.New("oauth: WithReplayStore(nil): want a replay store")
		}
		s.replay = r
		return nil
	}
}

// RenewLocker serializes the token renewals of one application user across
// processes, for replicas that share a Store: while one replica trades the
// user's token with fb_exchange_token, the others wait, then find the renewed
// token in the store and use it instead of exchanging again. A PostgreSQL
// advisory lock keyed by the user is a typical implementation. Renewals are
// always serialized within a process; the RenewLocker is taken after that
// in-process lock.
type RenewLocker interface {
	// LockRenewal blocks until the caller holds user's renewal lock or ctx
	// ends, and returns the function that releases it.
	LockRenewal(ctx context.Context, user string) (unlock func(), err error)
}

// WithRenewLocker sets a lock that serializes renewals of one user's token
// across processes (see RenewLocker), for NewManager. Default: renewals are
// serialized within the process only.
func WithRenewLocker(l RenewLocker) Option {
	return func(s *settings) error {
		if l == nil {
			return errors.New("oauth: WithRenewLocker(nil): want a renew locker")
		}
		s.renewLocker = l
		return nil
	}
}

// DefaultRenewWindow is how long before expiry a token is renewed or
// flagged as expiring.
const DefaultRenewWindow = 7 * 24 * time.Hour

// WithRenewWindow sets how long before expiry tokens are renewed (Provider,
// Refresher) or flagged as expiring. Default 7 days; at least 1 minute.
func WithRenewWindow(d time.Duration) Option {
	return func(s *settings) error {
		if d < time.Minute {
			return fmt.Errorf("oauth: WithRenewWindow(%s): want at least 1m", d)
		}
		s.renewWindow = d
		return nil
	}
}

// WithCallTimeout bounds the Graph calls a Provider makes to renew tokens in
// the background (such calls cannot use a request's context). Default 30s.
func WithCallTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("oauth: WithCallTimeout(%s): want a positive duration", d)
		}
		s.callTimeout = d
		return nil
	}
}

// DefaultCacheTTL is how long a Provider serves a connection it loaded
// before reading the store again.
const DefaultCacheTTL = time.Minute

// WithCacheTTL sets how long a Provider serves a loaded connection before
// it reads the store again (measured with the WithClock clock), so that a
// Disconnect, a reconnect or a reauth mark made by another process or
// replica takes effect within d. Changes made through the Provider's own
// Manager apply at once. Default 1 minute; it must be positive.
func WithCacheTTL(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return fmt.Errorf("oauth: WithCacheTTL(%s): want a positive duration", d)
		}
		s.cacheTTL = d
		return nil
	}
}

// WithAnyUser makes NewProvider serve the connections of every application
// user instead of one: for an ad account several users connected, it acts
// with the most recently updated usable row. In a multi-tenant application
// that lets one tenant's request use another tenant's Meta token; use it
// only where any request may act for any connection (a single-tenant
// agent, an operator tool). Other constructors ignore it.
func WithAnyUser() Option {
	return func(s *settings) error {
		s.anyUser = true
		return nil
	}
}
