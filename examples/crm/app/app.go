package app

import (
	"cmp"
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/riverqueue/river"
	"golang.org/x/crypto/bcrypt"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/analysis/signals"
	"github.com/adpilot/adpilot/examples/crm/jobs"
	"github.com/adpilot/adpilot/examples/crm/pass"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/examples/crm/web"
	"github.com/adpilot/adpilot/examples/internal/usagestore"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/oauth"
)

// DemoEmail is the demo login's address.
const DemoEmail = "demo@example.com"

// App is the whole CRM: it builds, starts and closes everything.
type App struct {
	cfg *Config
	log *slog.Logger

	// URL is where the web UI is served.
	URL string
	// DemoPassword is the demo login's password (demo mode only).
	DemoPassword string
	// Fake is the embedded fake Meta API (demo mode only).
	Fake *metaadstest.Server

	DB       *store.DB
	Store    *store.Store
	OAuth    *oauth.Manager
	Sessions *scs.SessionManager
	Jobs     *river.Client[*sql.Tx]
	Web      *web.Server
	// Usage is where every Graph client keeps Meta's rate-limit state
	// (-usage-store).
	Usage metaads.UsageStore

	ln          net.Listener
	srv         *http.Server
	stopCleanup func()
	closers     []func()
}

// Options tune New beyond the configuration; the zero value is what the
// command uses. Tests and embedding programs (the agent's end-to-end test)
// set them.
type Options struct {
	// BcryptCost is the password hashing cost (0: bcrypt.DefaultCost).
	BcryptCost int
	// FakeOptions are extra options of the demo's embedded fake Meta API.
	FakeOptions []metaadstest.Option
	// Now is the clock (nil: time.Now).
	Now func() time.Time
	// AnalysisEvery overrides the analysis interval (the flag's minimum is
	// a minute; tests use seconds).
	AnalysisEvery time.Duration
	// Collect, when set, replaces what the pass reads.
	Collect *analysis.CollectOptions
}

// New builds the CRM from cfg and listens on cfg.Addr; Run serves.
func New(ctx context.Context, cfg *Config, logger *slog.Logger, o Options) (_ *App, err error) {
	a := &App{cfg: cfg, log: logger}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if o.Now == nil {
		o.Now = time.Now
	}
	if a.ln, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	if _, port, _ := net.SplitHostPort(cfg.Addr); port == "0" && strings.HasSuffix(cfg.BaseURL, ":0") {
		// The port is known only now.
		cfg.BaseURL = "http://" + a.ln.Addr().String()
		if strings.HasSuffix(cfg.RedirectURL, "/api/meta-oauth/callback") {
			cfg.RedirectURL = cfg.BaseURL + "/api/meta-oauth/callback"
		}
	}
	a.URL = cfg.BaseURL

	oc := oauth.Config{AppID: cfg.AppID, AppSecret: cfg.AppSecret, RedirectURL: cfg.RedirectURL, GraphBaseURL: cfg.GraphURL, DialogBaseURL: cfg.DialogURL}
	var demoKeys *demoKeys
	if cfg.Demo {
		if demoKeys, err = loadDemoKeys(cfg.DataDir); err != nil {
			return nil, err
		}
		logger.Warn("DEMO MODE: tokens are sealed with a generated demo key kept beside the database; never use it for real accounts",
			"key_file", filepath.Join(cfg.DataDir, demoKeyFile))
		app := metaadstest.DefaultApp()
		app.RedirectURIs = []string{cfg.RedirectURL}
		fopts := append([]metaadstest.Option{
			metaadstest.WithDemoBusiness(), metaadstest.WithApp(app),
			metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()),
			metaadstest.WithLogger(logger.With("component", "fakemeta")),
		}, o.FakeOptions...)
		if a.Fake, err = metaadstest.NewServer(fopts...); err != nil {
			return nil, fmt.Errorf("starting the fake Meta API: %w", err)
		}
		a.closers = append(a.closers, a.Fake.Close)
		oc.AppID, oc.AppSecret, oc.GraphBaseURL, oc.DialogBaseURL = app.ID, app.Secret, a.Fake.URL, a.Fake.URL
		cfg.EncKey = demoKeys.EncryptionKey
	}

	dsn := cfg.DatabaseURL
	if dsn == "" {
		dsn = filepath.Join(cfg.DataDir, "crm.db")
	}
	if a.DB, err = store.Open(ctx, dsn); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { a.DB.Close() })
	if err := a.DB.Migrate(ctx, logger.With("component", "migrate")); err != nil {
		return nil, err
	}
	a.Store = store.New(a.DB, o.Now)

	encKey, _ := decodeKey(cfg.EncKey)
	keys := map[string][]byte{cfg.EncKeyID: encKey}
	if cfg.OldKeys != "" {
		for _, kv := range strings.Split(cfg.OldKeys, ",") {
			id, k, _ := strings.Cut(kv, "=")
			keys[id], _ = decodeKey(k)
		}
	}
	kr, err := oauth.NewKeyring(cfg.EncKeyID, keys)
	if err != nil {
		return nil, err
	}
	enc, err := oauth.NewEncryptedStore(a.Store.Tokens(), kr, oauth.WithClock(o.Now))
	if err != nil {
		return nil, err
	}
	// The state key is derived from the encryption key, so replicas that
	// share one share the other.
	stateKey, err := hkdf.Key(sha256.New, encKey, nil, "adpilot-crm oauth state", 32)
	if err != nil {
		return nil, err
	}
	httpClient := &http.Client{Timeout: 60 * time.Second}
	if a.OAuth, err = oauth.NewManager(oc, enc,
		oauth.WithStateKeys(stateKey), oauth.WithReplayStore(a.Store.Replay()), oauth.WithRenewLocker(a.DB.RenewLocker()),
		oauth.WithLogger(logger.With("component", "oauth")), oauth.WithHTTPClient(httpClient), oauth.WithClock(o.Now),
	); err != nil {
		return nil, err
	}
	graph := oc.GraphBaseURL
	if graph == "" {
		graph = oauth.DefaultGraphBaseURL
	}
	// One usage store for every user's Graph client: shared through the
	// database with the other replicas and the agent, or this process's.
	var mode usagestore.Mode
	if a.Usage, mode, err = usagestore.ForMode(a.DB.DB, usagestore.Mode(cfg.UsageStore)); err != nil {
		return nil, err
	}
	logger.Debug("Meta rate-limit usage", "store", mode)
	clients := web.NewMetaClients(a.OAuth, metaads.WithBaseURL(graph), metaads.WithAppSecret(oc.AppSecret),
		metaads.WithHTTPClient(httpClient), metaads.WithLogger(logger.With("component", "metaads")), metaads.WithUsageStore(a.Usage))
	runner := &pass.Runner{Store: a.Store, Clients: clients, Signals: signals.Func(), Logger: logger.With("component", "pass"), Now: o.Now}
	if cfg.Demo {
		// The embedded fake serves 60 days of synchronous pages at once;
		// asynchronous report runs (polled for seconds) are for Meta.
		runner.Collect.AsyncAfterDays = analysis.DefaultLookbackDays + 1
	}
	if o.Collect != nil {
		runner.Collect = *o.Collect
	}

	sessStore, stop := a.DB.SessionStore(5 * time.Minute)
	a.stopCleanup = stop
	a.Sessions = scs.New()
	a.Sessions.Store = sessStore
	a.Sessions.Lifetime = 24 * time.Hour
	a.Sessions.IdleTimeout = 4 * time.Hour
	a.Sessions.Cookie.Name = "crm_session"
	a.Sessions.Cookie.HttpOnly = true
	a.Sessions.Cookie.SameSite = http.SameSiteLaxMode // the OAuth callback is a cross-site top-level GET
	a.Sessions.Cookie.Secure = cfg.Secure
	a.Sessions.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		logger.Error("session store", "error", err)
		http.Error(w, "session store unavailable", http.StatusServiceUnavailable)
	}

	refresher, err := oauth.NewRefresher(a.OAuth)
	if err != nil {
		return nil, err
	}
	if a.Jobs, err = jobs.NewClient(a.DB, jobs.Deps{
		Refresh:  refresher.Run,
		Accounts: a.Store.ConnectedAccounts,
		Analyze:  runner.Analyze,
		Logger:   logger.With("component", "jobs"),
	}, jobs.Config{ID: cfg.ReplicaID, RefreshInterval: cfg.Refresh, AnalysisInterval: cmp.Or(o.AnalysisEvery, cfg.Analysis), Now: o.Now}); err != nil {
		return nil, err
	}

	wopt := web.Options{BcryptCost: o.BcryptCost, SecureCookies: cfg.Secure, TrustedOrigins: []string{cfg.BaseURL}, Now: o.Now}
	if cfg.Demo {
		wopt.DemoLogin = DemoEmail + " / " + demoKeys.DemoPassword
	}
	if a.Web, err = web.New(web.Deps{
		Store: a.Store, Sessions: a.Sessions, OAuth: a.OAuth, Meta: clients, Analyst: runner,
		Jobs: jobQueue{a.Jobs}, Logger: logger.With("component", "web"),
		Ready: func(ctx context.Context) error {
			if err := a.Store.Ping(ctx); err != nil {
				return errors.New("database unreachable")
			}
			return nil
		},
	}, wopt); err != nil {
		return nil, err
	}
	if cfg.Demo {
		a.DemoPassword = demoKeys.DemoPassword
		if err := a.ensureDemoUser(ctx, o.BcryptCost); err != nil {
			return nil, err
		}
	}
	a.srv = &http.Server{
		Handler:           a.Web.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      120 * time.Second, // rule runs read the account from Meta
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return a, nil
}

// jobQueue adapts the River client to web.Jobs.
type jobQueue struct{ c *river.Client[*sql.Tx] }

func (q jobQueue) EnqueuePass(ctx context.Context, userID int64, account metaads.AccountID) error {
	return jobs.Enqueue(ctx, q.c, userID, account, "manual-"+time.Now().UTC().Format("20060102T150405.000Z"))
}

func (a *App) ensureDemoUser(ctx context.Context, cost int) error {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	if _, err := a.Store.UserByEmail(ctx, DemoEmail); err == nil {
		return nil
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(a.DemoPassword), cost)
	if err != nil {
		return err
	}
	_, err = a.Store.CreateUser(ctx, DemoEmail, string(hash))
	if errors.Is(err, store.ErrConflict) {
		return nil // another replica created it
	}
	return err
}

// Run starts the jobs and serves until ctx ends, then shuts down.
func (a *App) Run(ctx context.Context, stdout io.Writer) error {
	if err := a.Jobs.Start(ctx); err != nil {
		return fmt.Errorf("starting the job engine: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- a.srv.Serve(a.ln) }()
	fmt.Fprintf(stdout, "adpilot CRM listening on %s\n", a.URL)
	if a.cfg.Demo {
		fmt.Fprintf(stdout, "  demo login: %s / %s\n", DemoEmail, a.DemoPassword)
		fmt.Fprintf(stdout, "  fake Meta API: %s (demo business; its consent page approves as the demo Meta user)\n", a.Fake.URL)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.shutdown()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}

func (a *App) shutdown() {
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.srv.Shutdown(sctx); err != nil {
		a.log.Warn("http shutdown", "error", err)
	}
	if err := a.Jobs.Stop(sctx); err != nil {
		a.log.Warn("job engine stop; cancelling running jobs", "error", err)
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Jobs.StopAndCancel(cctx)
	}
}

// Addr is the address the web server listens on.
func (a *App) Addr() net.Addr { return a.ln.Addr() }

// Close releases everything New opened (after Run returned).
func (a *App) Close() {
	if a.ln != nil && a.srv == nil {
		a.ln.Close()
	}
	if a.stopCleanup != nil {
		a.stopCleanup()
	}
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

const demoKeyFile = "demo-keys.json"

type demoKeys struct {
	Warning       string `json:"warning"`
	EncryptionKey string `json:"encryption_key"`
	DemoPassword  string `json:"demo_password"`
}

// loadDemoKeys reads or creates the demo key file (0600) in dir.
func loadDemoKeys(dir string) (*demoKeys, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the data directory: %w", err)
	}
	path := filepath.Join(dir, demoKeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		var k demoKeys
		if err := json.Unmarshal(b, &k); err != nil {
			return nil, fmt.Errorf("%s is not valid JSON; delete it to make new demo keys: %w", path, err)
		}
		if _, err := decodeKey(k.EncryptionKey); err != nil || k.DemoPassword == "" {
			return nil, fmt.Errorf("%s is incomplete; delete it (and the demo database) to start over", path)
		}
		return &k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	rand.Read(key)
	pw := make([]byte, 9)
	rand.Read(pw)
	k := &demoKeys{
		Warning:       "DEMO KEYS: generated for the local demo. Never use them for real Meta accounts; set CRM_ENCRYPTION_KEY instead.",
		EncryptionKey: base64.StdEncoding.EncodeToString(key),
		DemoPassword:  "demo-" + base64.RawURLEncoding.EncodeToString(pw),
	}
	b, _ = json.MarshalIndent(k, "", "  ")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return k, nil
}
