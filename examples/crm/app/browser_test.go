package app

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/riverqueue/river"

	"github.com/adpilot/adpilot/examples/crm/jobs"
	"github.com/adpilot/adpilot/examples/crm/store"
)

// artifactDir is where the browser test keeps its screenshots:
// $CRM_ARTIFACTS, or adpilot-crm-artifacts in the temporary directory.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("CRM_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "adpilot-crm-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// findChromium returns Debian's chromium; without one the test skips,
// except in CI, where .ci/run installs it.
func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium in PATH in CI: .ci/run must install Debian's chromium")
	}
	t.Skip("SKIPPING the browser test: no chromium in PATH (apt-get install chromium)")
	return ""
}

// waitPasses returns a function that waits until the analysis pass of
// each account completed (River's completion events).
func waitPasses(t *testing.T, app *testApp) func(ctx context.Context, accounts ...string) {
	events, cancel := app.Jobs.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed)
	t.Cleanup(cancel)
	return func(ctx context.Context, accounts ...string) {
		t.Helper()
		want := map[string]bool{}
		for _, a := range accounts {
			want[a] = true
		}
		for len(want) > 0 {
			select {
			case ev := <-events:
				if ev.Job.Kind != (jobs.AnalyzeAccountArgs{}).Kind() {
					continue
				}
				var args jobs.AnalyzeAccountArgs
				_ = json.Unmarshal(ev.Job.EncodedArgs, &args)
				if ev.Kind == river.EventKindJobFailed {
					t.Fatalf("the pass of %s failed: %v", args.Account, ev.Job.Errors)
				}
				delete(want, args.Account)
			case <-ctx.Done():
				t.Fatalf("waiting for the passes of %v: %v", want, ctx.Err())
			}
		}
	}
}

// TestBrowser drives the demo in headless Chromium: sign up, connect on the
// fake consent page, see the account connected, open the dashboard with its
// pictures, disconnect; then the cancel path.
func TestBrowser(t *testing.T) {
	chromium := findChromium(t)
	app := startApp(t, store.SQLite, startOpts{quiet: true})
	waitPass := waitPasses(t, app)
	arts := artifactDir(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 1600),
		chromedp.WSURLReadTimeout(45 * time.Second),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	// The first action starts the browser, on a context without a timeout
	// (a timeout there would stop the browser); the steps get a deadline.
	if err := chromedp.Do(tab, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()

	shot := func(name string) {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Logf("screenshot %s: %v", name, err)
			return
		}
		path := filepath.Join(arts, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Logf("screenshot %s: %v", name, err)
			return
		}
		t.Logf("screenshot: %s", path)
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			shot("failure-" + strings.ReplaceAll(name, " ", "-") + ".png")
			dctx, dcancel := context.WithTimeout(tab, 5*time.Second)
			if body, derr := chromedp.Run(dctx, chromedp.Text(chromedp.CSS("body"))); derr == nil {
				t.Logf("page text at the failure:\n%s", body)
			}
			dcancel()
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			shot("failure-read.png")
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}

	step("sign up",
		chromedp.Navigate(app.URL+"/signup"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), "browser@example.com"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long enough password"),
		chromedp.Click(chromedp.CSS("#signup")),
		chromedp.WaitVisible(chromedp.CSS("#connect")),
	)
	step("connect and approve",
		chromedp.Click(chromedp.CSS("#connect")),
		chromedp.WaitVisible(chromedp.CSS("#approve")),
		chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
		chromedp.WaitVisible(chromedp.CSS("#accounts .state-connected")),
	)
	if got := text("#flash"); !strings.Contains(got, "Meta account connected") {
		shot("failure-connect.png")
		t.Fatalf("success message: %q", got)
	}
	pctx, pcancel := context.WithTimeout(ctx, 60*time.Second)
	waitPass(pctx, shopAccount())
	pcancel()
	step("dashboard",
		chromedp.Navigate(app.URL+"/accounts/"+shopAccount()),
		chromedp.WaitVisible(chromedp.CSS("#trend")),
		chromedp.WaitVisible(chromedp.CSS("#campaign-stats")),
	)
	dashboardPictures(t, step)
	shot("dashboard.png")
	step("disconnect",
		chromedp.Navigate(app.URL+"/settings"),
		chromedp.WaitVisible(chromedp.CSS("#disconnect")),
		chromedp.Click(chromedp.CSS("#disconnect")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
		chromedp.WaitVisible(chromedp.CSS("#accounts .state-disconnected")),
	)
	if got := text("#flash"); !strings.Contains(got, "Disconnected") {
		t.Fatalf("disconnect message: %q", got)
	}
	step("cancel on the dialog",
		chromedp.Click(chromedp.CSS("#connect")),
		chromedp.WaitVisible(chromedp.CSS("#cancel")),
		chromedp.Click(chromedp.CSS("#cancel")),
		chromedp.WaitVisible(chromedp.CSS("#flash-error")),
	)
	if got := text("#flash-error"); !strings.Contains(got, "You cancelled") {
		shot("failure-cancel.png")
		t.Fatalf("cancel message: %q", got)
	}
}
