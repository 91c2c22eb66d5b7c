package metaadstest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"time"
)

// App is the configuration of the fake Meta app that clients authenticate as.
type App struct {
	// ID is the app id (client_id). Digits only.
	ID string
	// Secret is the app secret (client_secret), used for the code exchange,
	// app tokens and appsecret_proof.
	Secret string
	// Name is shown on the consent page and returned by debug_token.
	Name string
	// RequireAppSecretProof makes every call with a user or system-user token
	// fail unless it carries a valid appsecret_proof (the dashboard setting
	// "Require App Secret").
	RequireAppSecretProof bool
	// RedirectURIs are the valid OAuth redirect URIs. The dialog and the code
	// exchange compare them exactly (Strict Mode). Empty means any http(s) URL
	// on a loopback host is accepted.
	RedirectURIs []string
}

// DefaultApp is the app a server uses unless WithApp is given.
func DefaultApp() App {
	return App{ID: "100000000000001", Secret: "metaadstest-app-secret", Name: "adpilot fake app"}
}

// RateLimits configures the simulated usage quotas. Every budget is a number
// of points per Window (a GET costs 1 point, a POST or DELETE 3, as for the
// ad account score in reference §6.2); usage decays linearly over Window, so a
// budget that was just exceeded frees up again after part of a Window.
// A zero budget means unlimited, and no usage header is sent for that quota.
type RateLimits struct {
	// Window is the decay window; default one hour (the documented rolling hour).
	Window time.Duration
	// App is the app-level budget (X-App-Usage; error 4 when exceeded).
	App int
	// AccountScore is the per ad account score budget (X-Ad-Account-Usage;
	// error 17/2446079 when exceeded).
	AccountScore int
	// Management is the per ad account ads_management business-use-case
	// budget (X-Business-Use-Case-Usage; error 80004/2446079).
	Management int
	// Insights is the per ad account ads_insights budget (error 80000/2446079).
	Insights int
	// Tier is reported as ads_api_access_tier; default "standard_access".
	Tier string
	// AccountScoreCode picks the error for an exhausted ad account score:
	// 17 (subcode 2446079, the default) or 613 (subcode 1487742, "too many
	// calls from this ad-account"); both are documented (reference §6.2).
	AccountScoreCode int
}

// DefaultRateLimits are generous budgets that a test only reaches on purpose:
// headers are sent, throttling needs thousands of calls per hour.
func DefaultRateLimits() RateLimits {
	return RateLimits{Window: time.Hour, App: 100000, AccountScore: 9000, Management: 100000, Insights: 190000, Tier: "standard_access", AccountScoreCode: 17}
}

// Option configures a Server. Options validate their arguments; NewServer
// returns the first error.
type Option func(*config) error

type config struct {
	app          App
	seed         uint64
	now          func() time.Time
	live         map[string]bool
	oldestLive   string
	minLive      [2]int
	maxLive      [2]int
	demo         bool
	scale        *Scale
	autoApprove  bool
	limits       RateLimits
	reportPolls  int
	logger       *slog.Logger
	addr         string
	sleep        func(ctx context.Context, d time.Duration) error
	shortTTL     time.Duration
	longTTL      time.Duration
	loginUser    string
	maxPageLimit int
}

var versionRE = regexp.MustCompile(`^v(\d+)\.(\d+)$`)

func defaultConfig() *config {
	c := &config{
		app:          DefaultApp(),
		seed:         1,
		now:          time.Now,
		limits:       DefaultRateLimits(),
		reportPolls:  4,
		logger:       slog.New(slog.DiscardHandler),
		addr:         "127.0.0.1:0",
		sleep:        sleepCtx,
		shortTTL:     2 * time.Hour,
		longTTL:      60 * 24 * time.Hour,
		maxPageLimit: 5000,
	}
	_ = WithLiveVersions("v25.0", "v26.0", "v27.0")(c)
	return c
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WithApp sets the fake app. ID and Secret are required.
func WithApp(a App) Option {
	return func(c *config) error {
		if a.ID == "" || strings.Trim(a.ID, "0123456789") != "" {
			return fmt.Errorf("metaadstest: WithApp: app ID %q must be a non-empty string of digits", a.ID)
		}
		if a.Secret == "" {
			return errors.New("metaadstest: WithApp: app Secret is required")
		}
		for _, u := range a.RedirectURIs {
			if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
				return fmt.Errorf("metaadstest: WithApp: redirect URI %q must be an absolute http(s) URL", u)
			}
		}
		if a.Name == "" {
			a.Name = "adpilot fake app"
		}
		a.RedirectURIs = append([]string(nil), a.RedirectURIs...)
		c.app = a
		return nil
	}
}

// WithSeed sets the seed of the insights generator (default 1). The same seed
// and the same objects always give the same insights rows.
func WithSeed(seed uint64) Option {
	return func(c *config) error { c.seed = seed; return nil }
}

// WithClock sets the clock used for "today", date presets, token expiry,
// usage decay and report-run timestamps. Default time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("metaadstest: WithClock: clock function is nil")
		}
		c.now = now
		return nil
	}
}

// WithLiveVersions sets the Graph API versions the fake serves, like
// "v26.0". Requests with an older version get error 2635; newer unknown
// versions get error 100. Default v25.0, v26.0 and v27.0.
func WithLiveVersions(versions ...string) Option {
	return func(c *config) error {
		if len(versions) == 0 {
			return errors.New("metaadstest: WithLiveVersions: at least one version is required")
		}
		live := map[string]bool{}
		var lo, hi [2]int
		for i, v := range versions {
			n, ok := parseVersion(v)
			if !ok {
				return fmt.Errorf("metaadstest: WithLiveVersions: %q is not a version like v26.0", v)
			}
			live[v] = true
			if i == 0 || versionLess(n, lo) {
				lo = n
				c.oldestLive = v
			}
			if i == 0 || versionLess(hi, n) {
				hi = n
			}
		}
		c.live, c.minLive, c.maxLive = live, lo, hi
		return nil
	}
}

func parseVersion(v string) ([2]int, bool) {
	m := versionRE.FindStringSubmatch(v)
	if m == nil {
		return [2]int{}, false
	}
	var a, b int
	fmt.Sscan(m[1], &a)
	fmt.Sscan(m[2], &b)
	return [2]int{a, b}, true
}

func versionLess(a, b [2]int) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

// WithDemoBusiness seeds the server with the demo business: the Scenario
// [DemoBusiness] returns for the server's clock, whose fixed objects are
// named by the Demo* constants ([DemoUserID], [DemoAccountShop], ...). It
// cannot be combined with WithScaleBusiness.
func WithDemoBusiness() Option {
	return func(c *config) error { c.demo = true; return nil }
}

// WithAutoApprove makes the login dialog approve at once and redirect back
// without showing the consent page, for browser-less tests.
func WithAutoApprove() Option {
	return func(c *config) error { c.autoApprove = true; return nil }
}

// WithLoginUser sets the user who "logs in" on the consent page (default:
// the first user added, or the demo user).
func WithLoginUser(userID string) Option {
	return func(c *config) error {
		if userID == "" {
			return errors.New("metaadstest: WithLoginUser: user id is empty")
		}
		c.loginUser = userID
		return nil
	}
}

// WithRateLimits sets the usage budgets (see RateLimits).
func WithRateLimits(l RateLimits) Option {
	return func(c *config) error {
		if l.Window < 0 || l.App < 0 || l.AccountScore < 0 || l.Management < 0 || l.Insights < 0 {
			return errors.New("metaadstest: WithRateLimits: window and budgets must not be negative")
		}
		if l.Window == 0 {
			l.Window = time.Hour
		}
		if l.Tier == "" {
			l.Tier = "standard_access"
		}
		switch l.AccountScoreCode {
		case 0:
			l.AccountScoreCode = 17
		case 17, 613:
		default:
			return fmt.Errorf("metaadstest: WithRateLimits: AccountScoreCode %d must be 17 or 613", l.AccountScoreCode)
		}
		c.limits = l
		return nil
	}
}

// WithReportRunPolls sets how many status polls an async report run takes
// before it reports "Job Completed" (default 4: Job Not Started, Job
// Started, Job Running at a partial percentage, Job Running at 100%). Zero
// completes runs at once.
func WithReportRunPolls(n int) Option {
	return func(c *config) error {
		if n < 0 || n > 1000 {
			return fmt.Errorf("metaadstest: WithReportRunPolls: %d is outside 0..1000", n)
		}
		c.reportPolls = n
		return nil
	}
}

// WithLogger sets the logger for served requests (tokens are never logged).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("metaadstest: WithLogger: logger is nil")
		}
		c.logger = l
		return nil
	}
}

// WithAddr sets the listen address (default "127.0.0.1:0", a free loopback
// port). Only loopback addresses are accepted.
func WithAddr(addr string) Option {
	return func(c *config) error {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("metaadstest: WithAddr: %q is not host:port: %w", addr, err)
		}
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("metaadstest: WithAddr: %q is not a loopback address", addr)
		}
		c.addr = addr
		return nil
	}
}

// WithSleep replaces how the fake waits for slow-response faults (default: a
// timer that also stops when the request's context ends). Tests can pass a
// function that returns at once or advances a fake clock.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *config) error {
		if sleep == nil {
			return errors.New("metaadstest: WithSleep: function is nil")
		}
		c.sleep = sleep
		return nil
	}
}

// WithTokenLifetimes sets the lifetime of short-lived user tokens (from the
// code exchange; default 2 hours) and long-lived ones (from fb_exchange_token;
// default 60 days).
func WithTokenLifetimes(short, long time.Duration) Option {
	return func(c *config) error {
		if short <= 0 || long <= 0 {
			return errors.New("metaadstest: WithTokenLifetimes: lifetimes must be positive")
		}
		c.shortTTL, c.longTTL = short, long
		return nil
	}
}
