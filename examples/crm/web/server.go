package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/alexedwards/scs/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/oauth"
	"github.com/adpilot/adpilot/rules"
)

// Analyst is the analysis work the web layer asks for: the pass runs in jobs,
// dry runs and applies need a fresh rules snapshot of an account. Both come
// from package analysis (the CRM never builds snapshots itself).
type Analyst interface {
	// Snapshot collects the user's account and returns its rules snapshot
	// at the current time.
	Snapshot(ctx context.Context, user *store.User, account metaads.AccountID) (*rules.Snapshot, error)
}

// Jobs enqueues background work.
type Jobs interface {
	// EnqueuePass queues the analysis pass of one account now.
	EnqueuePass(ctx context.Context, userID int64, account metaads.AccountID) error
}

// Deps are the server's collaborators.
type Deps struct {
	Store    *store.Store
	Sessions *scs.SessionManager
	OAuth    *oauth.Manager
	// Meta returns the Graph client acting for one user (a client whose
	// oauth.Provider serves only that user's connections).
	Meta    *MetaClients
	Analyst Analyst
	Jobs    Jobs
	Logger  *slog.Logger
	// Ready reports whether the server can take traffic (/readyz).
	Ready func(ctx context.Context) error
}

// Options tune the server.
type Options struct {
	// BcryptCost is the password hashing cost (default bcrypt.DefaultCost;
	// tests use bcrypt.MinCost).
	BcryptCost int
	// SecureCookies marks cookies Secure (serve over HTTPS, or behind a
	// proxy that terminates TLS).
	SecureCookies bool
	// TrustedOrigins are extra origins allowed to POST (the public URL
	// when a proxy rewrites Host).
	TrustedOrigins []string
	// LoginLimit is how many failed sign-ins per address (and 4x per
	// client address) are allowed within LoginWindow (default 5 in 15m).
	LoginLimit  int
	LoginWindow time.Duration
	// ExpiringWithin marks an account "expiring soon" when its token or data
	// access ends within it (default 7 days, the oauth renew window).
	ExpiringWithin time.Duration
	// DemoLogin is shown on the sign-in page in demo mode.
	DemoLogin string
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Server serves the CRM.
type Server struct {
	Deps
	opt Options
	tpl *templates
	cop *http.CrossOriginProtection

	connect   http.Handler
	callback  http.Handler
	dummyHash []byte    // compared against for unknown addresses
	reports   bodyCache // decoded report bodies by id
}

// New builds a Server.
func New(d Deps, o Options) (*Server, error) {
	if d.Store == nil || d.Sessions == nil || d.OAuth == nil || d.Meta == nil || d.Analyst == nil || d.Jobs == nil {
		return nil, errors.New("web: Deps needs Store, Sessions, OAuth, Meta, Analyst and Jobs")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Ready == nil {
		d.Ready = d.Store.Ping
	}
	if o.BcryptCost == 0 {
		o.BcryptCost = 10
	}
	if o.LoginLimit == 0 {
		o.LoginLimit = 5
	}
	if o.LoginWindow == 0 {
		o.LoginWindow = 15 * time.Minute
	}
	if o.ExpiringWithin == 0 {
		o.ExpiringWithin = oauth.DefaultRenewWindow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	tpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("not anyone's password"), o.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("web: bcrypt cost %d: %w", o.BcryptCost, err)
	}
	s := &Server{Deps: d, opt: o, tpl: tpl, cop: http.NewCrossOriginProtection(), dummyHash: dummy, reports: bodyCache{max: 256}}
	for _, origin := range o.TrustedOrigins {
		if err := s.cop.AddTrustedOrigin(origin); err != nil {
			return nil, fmt.Errorf("web: trusted origin %q: %w", origin, err)
		}
	}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusForbidden, "cross_origin", "cross-origin request refused: state-changing requests must come from the CRM's own pages")
	}))
	hooks := oauth.HandlerHooks{
		CurrentUser:  func(r *http.Request) (string, error) { return s.oauthUser(r) },
		SessionID:    func(r *http.Request) (string, error) { return s.bindingID(r.Context()) },
		SecureCookie: o.SecureCookies,
		CrossOrigin:  s.cop,
		OnSuccess:    s.connected,
		OnFailure:    s.connectFailed,
	}
	if s.connect, err = d.OAuth.ConnectHandler(hooks); err != nil {
		return nil, err
	}
	if s.callback, err = d.OAuth.CallbackHandler(hooks); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the server's handler with its middleware.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.routes(mux)
	var h http.Handler = mux
	h = s.Sessions.LoadAndSave(h)
	h = s.cop.Handler(h)
	h = securityHeaders(h)
	h = s.logRequests(h)
	h = s.recoverPanics(h)
	return h
}

// MetaClients hands out one Graph client per application user, each with a
// user-scoped oauth.Provider: a request made for one user can never act with
// another user's token, even for an ad account both connected.
type MetaClients struct {
	m    *oauth.Manager
	opts []metaads.Option

	mu      sync.Mutex
	clients map[string]*userClient
}

type userClient struct {
	client   *metaads.Client
	provider *oauth.Provider
}

// NewMetaClients returns the per-user client factory; opts configure every
// client (base URL, app secret, logger, HTTP client).
func NewMetaClients(m *oauth.Manager, opts ...metaads.Option) *MetaClients {
	return &MetaClients{m: m, opts: opts, clients: map[string]*userClient{}}
}

func (mc *MetaClients) get(user string) (*userClient, error) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	if c, ok := mc.clients[user]; ok {
		return c, nil
	}
	p, err := oauth.NewProvider(mc.m, user)
	if err != nil {
		return nil, err
	}
	opts := append([]metaads.Option{
		metaads.WithTokenProvider(p),
		// A 190 from Meta marks the connection needs_reauth at once.
		metaads.WithHooks(metaads.Hooks{OnResponse: p.OnResponse}),
	}, mc.opts...)
	c, err := metaads.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	if len(mc.clients) >= 10000 {
		clear(mc.clients) // bounded: clients are cheap to rebuild
	}
	uc := &userClient{client: c, provider: p}
	mc.clients[user] = uc
	return uc, nil
}

// For returns the client acting for the user key (store.UserKey).
func (mc *MetaClients) For(user string) (*metaads.Client, error) {
	uc, err := mc.get(user)
	if err != nil {
		return nil, err
	}
	return uc.client, nil
}

// Provider returns the user-scoped token provider of the user key.
func (mc *MetaClients) Provider(user string) (*oauth.Provider, error) {
	uc, err := mc.get(user)
	if err != nil {
		return nil, err
	}
	return uc.provider, nil
}
