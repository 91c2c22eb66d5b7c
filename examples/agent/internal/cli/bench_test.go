package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// BenchmarkRun100Accounts runs the agent (run, River on SQLite, the pass
// with the heuristic, reports written) over 100 accounts of the fake's
// scale business (20 active ads in 2 ad sets each, 60 days of history),
// and reports accounts per minute and Graph calls per account:
//
//	go test -run '^$' -bench Run100Accounts -benchtime 1x ./examples/agent/internal/cli
func BenchmarkRun100Accounts(b *testing.B) {
	const n = 100
	now := demoNow
	fake := metaadstest.Start(b, metaadstest.WithScaleBusiness(metaadstest.Scale{Accounts: n, AdsPerAccount: 20, Days: 60}),
		metaadstest.WithClock(func() time.Time { return now }), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var ids []string
	for i := 1; i <= n; i++ {
		ids = append(ids, "act_"+metaadstest.ScaleAccountID(i))
	}
	data, _ := json.Marshal(map[string]any{"graph_url": fake.URL, "system_users": []any{map[string]any{"name": "scale", "token": tok, "accounts": ids}}})
	cfg := filepath.Join(dir, "accounts.json")
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		b.Fatal(err)
	}
	var accounts, calls int
	var elapsed time.Duration
	b.ResetTimer()
	for b.Loop() {
		fake.ResetRequests()
		start := time.Now()
		r := agentAt(b, now, nil, "run", "--config", cfg, "--database-url", filepath.Join(dir, "agent.db"), "--out", filepath.Join(dir, "out"),
			"--concurrency", "8", "--log-level", "warn")
		elapsed += time.Since(start)
		if r.code != ExitOK {
			b.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		accounts += n
		calls += len(fake.Requests())
	}
	b.ReportMetric(float64(accounts)/elapsed.Minutes(), "accounts/min")
	b.ReportMetric(float64(calls)/float64(accounts), "calls/account")
}
