package analysis

import (
	"context"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// demoNow is the fixed clock of the demo tests: a Wednesday, 18:30 UTC
// (10:30 in Los Angeles).
var demoNow = time.Date(2026, 3, 11, 18, 30, 0, 0, time.UTC)

type demoEnv struct {
	srv *metaadstest.Server
	c   *metaads.Client
}

func newDemo(t testing.TB, now time.Time, opts ...metaadstest.Option) *demoEnv {
	t.Helper()
	srv := metaadstest.Start(t, append([]metaadstest.Option{metaadstest.WithDemoBusiness(), metaadstest.WithClock(func() time.Time { return now })}, opts...)...)
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	if err != nil {
		t.Fatal(err)
	}
	c, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": tok}),
		metaads.WithRetryBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return &demoEnv{srv: srv, c: c}
}

// fastPolls keeps report-run polling quick in tests.
func fastPolls(o CollectOptions, now time.Time) CollectOptions {
	o.Run.Poll = metaads.PollOptions{Initial: time.Millisecond, Max: 2 * time.Millisecond}
	o.Now = func() time.Time { return now }
	return o
}

func (e *demoEnv) collect(t testing.TB, acct string, o CollectOptions, now time.Time) *Dataset {
	t.Helper()
	ds, err := Collect(context.Background(), e.c, metaads.MustParseAccountID(acct), fastPolls(o, now))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}
