// Command fakemeta serves a seeded fake of Meta's Graph and Marketing API on
// a loopback port, so that any client, in any language, can be pointed at it:
//
//	go run ./examples/fakemeta -addr 127.0.0.1:8089 -seed 1
//
// It binds loopback addresses only (127.0.0.0/8, ::1, localhost): any other
// -addr is refused, so the fake is never reachable from the network.
//
// It prints the base URL, the app credentials and a ready access token for
// the demo user, then serves until interrupted. With -ads it serves a
// business big enough to benchmark any client instead of the demo: 1,000,000
// ad-level daily insights rows in one account are
//
//	go run ./examples/fakemeta -ads 5000 -days 200 -rate-limits unthrottled
//
// (rows are derived from the seed when a query asks for them, so startup
// stays fast). Graph routes are under
// {URL}/v26.0/, the login dialog is {URL}/v26.0/dialog/oauth.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// defaultVersions are the live Graph API versions: metaadstest's default
// (v25.0-v27.0) and v24.0, which Meta's latest Node SDK (24.0.1) sends, so
// that Meta's own SDKs work against fakemeta unchanged.
var defaultVersions = []string{"v24.0", "v25.0", "v26.0", "v27.0"}

// ready tells a test where the server listens.
type ready struct{ url, token string }

// usageScale ends fakemeta -h: how to serve a business big enough to
// benchmark a client.
const usageScale = `
Serving 1,000,000 insights rows (for benchmarks):

  fakemeta -ads 5000 -days 200 -rate-limits unthrottled

serves one ad account, act_2000000000000001, of 5,000 active ads over 200
days: 1,000,000 ad-level daily rows from
act_2000000000000001/insights?level=ad&time_increment=1 over the 200 days
before today. Rows are generated as pages ask for them, so startup and the
first page take milliseconds; "unthrottled" still sends the usage headers.
-accounts N serves N such accounts (act_2000000000000001, ...2, ...).
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "fakemeta:", err)
		os.Exit(1)
	}
}

// run parses flags, starts the fake and serves until ctx ends or a signal
// arrives. When readyc is not nil it receives the server once it serves.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, readyc chan<- ready) error {
	fs := flag.NewFlagSet("fakemeta", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: fakemeta [flags]\n\nServes a seeded fake of Meta's Graph API on a loopback address only (127.0.0.1, ::1 or localhost).\n\nFlags:")
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), usageScale)
	}
	addr := fs.String("addr", "127.0.0.1:8089", "`host:port` to listen on; loopback only, other hosts are refused")
	seed := fs.Uint64("seed", 1, "seed of the insights generator")
	appID := fs.String("app-id", metaadstest.DefaultApp().ID, "fake app id (client_id)")
	appSecret := fs.String("app-secret", metaadstest.DefaultApp().Secret, "fake app secret (client_secret)")
	redirects := fs.String("redirect-uris", "", "comma-separated valid OAuth redirect URIs (default: any loopback URL)")
	requireProof := fs.Bool("require-proof", false, "require appsecret_proof on user-token calls")
	autoApprove := fs.Bool("auto-approve", false, "approve the login dialog without showing the consent page")
	verbose := fs.Bool("v", false, "log every request (tokens are never logged)")
	versions := fs.String("versions", strings.Join(defaultVersions, ","), "comma-separated live Graph API `versions`; older ones get error 2635 (v24.0 is what Meta's Node SDK 24.0.1 sends)")
	accounts := fs.Int("accounts", 1, "ad accounts of the scale business (with -ads)")
	ads := fs.Int("ads", 0, "serve a scale business of this many active `ads per account` instead of the demo business (0: the demo business)")
	days := fs.Int("days", 90, "days of history of the scale business (with -ads)")
	limits := fs.String("rate-limits", "realistic", "`mode` of the usage budgets: realistic (Meta's full-access budgets; large pulls get throttled) or unthrottled (usage headers still sent, nothing throttles)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see -h", fs.Args())
	}
	var rl metaadstest.RateLimits
	switch *limits {
	case "realistic":
		rl = metaadstest.DefaultRateLimits()
	case "unthrottled":
		rl = metaadstest.UnthrottledRateLimits()
	default:
		return fmt.Errorf("-rate-limits %q: want realistic or unthrottled", *limits)
	}
	if *accounts < 1 {
		return fmt.Errorf("-accounts %d: want at least 1", *accounts)
	}
	business := metaadstest.WithDemoBusiness()
	if *ads != 0 {
		business = metaadstest.WithScaleBusiness(metaadstest.Scale{Accounts: *accounts, AdsPerAccount: *ads, Days: *days})
	}
	app := metaadstest.App{ID: *appID, Secret: *appSecret, Name: "adpilot fake app", RequireAppSecretProof: *requireProof}
	if *redirects != "" {
		app.RedirectURIs = strings.Split(*redirects, ",")
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	opts := []metaadstest.Option{
		metaadstest.WithAddr(*addr), metaadstest.WithSeed(*seed), metaadstest.WithApp(app), business,
		metaadstest.WithLiveVersions(strings.Split(*versions, ",")...), metaadstest.WithRateLimits(rl),
		metaadstest.WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))),
	}
	if *autoApprove {
		opts = append(opts, metaadstest.WithAutoApprove())
	}
	srv, err := metaadstest.NewServer(opts...)
	if err != nil {
		return err
	}
	defer srv.Close()
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID, TTL: 60 * 24 * time.Hour})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "fake Meta Graph API listening on %s\n", srv.URL)
	fmt.Fprintf(stdout, "  graph:     %s/v26.0/\n", srv.URL)
	fmt.Fprintf(stdout, "  login:     %s/v26.0/dialog/oauth\n", srv.URL)
	fmt.Fprintf(stdout, "  app id:    %s\n  app secret: %s\n", app.ID, app.Secret)
	if *ads == 0 {
		fmt.Fprintf(stdout, "  demo user: %s (ad accounts act_%s, act_%s, act_%s)\n", metaadstest.DemoUserID,
			metaadstest.DemoAccountShop, metaadstest.DemoAccountLeads, metaadstest.DemoAccountTokyo)
	} else {
		last := ""
		if *accounts > 1 {
			last = " ... act_" + metaadstest.ScaleAccountID(*accounts)
		}
		fmt.Fprintf(stdout, "  demo user: %s (scale business: ad accounts act_%s%s, %d ads each, %d days)\n", metaadstest.DemoUserID,
			metaadstest.ScaleAccountID(1), last, *ads, *days)
	}
	// The token is printed once, for pasting into a client; it is a fake
	// token that only this process accepts.
	fmt.Fprintf(stdout, "  token:     %s\n", tok)
	fmt.Fprintf(stdout, "try: curl -H 'Authorization: Bearer <token>' '%s/v26.0/me/adaccounts?fields=name,currency'\n", srv.URL)

	if readyc != nil {
		readyc <- ready{url: srv.URL, token: tok}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
