package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/proctest"
	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/examples/internal/testdb"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// TestMain lets the test binary be the agent: started with
// ADPILOT_AGENT_PROCESS=1 it runs the agent's main on its arguments, so the
// multi-process test starts real agent processes without a build step.
func TestMain(m *testing.M) {
	if os.Getenv("ADPILOT_AGENT_PROCESS") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func startAgent(t *testing.T, bin, id, dir string, args ...string) *proctest.Process {
	t.Helper()
	return proctest.Start(t, bin, id, dir, []string{"ADPILOT_AGENT_PROCESS=1"},
		append(args, "--id", id, "--out", filepath.Join(dir, id), "--log-format", "json")...)
}

// scaleAccountsFile writes an accounts file into dir giving one token for
// the first n accounts of the fake's scale business, and returns its path
// and the account ids.
func scaleAccountsFile(t *testing.T, fake *metaadstest.Server, dir string, n int) (path string, ids []string) {
	t.Helper()
	tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	require.NoError(t, err)
	for i := 1; i <= n; i++ {
		ids = append(ids, "act_"+metaadstest.ScaleAccountID(i))
	}
	path = filepath.Join(dir, "accounts.json")
	data, _ := json.Marshal(map[string]any{"graph_url": fake.URL, "system_users": []any{map[string]any{"name": "scale", "token": tok, "accounts": ids}}})
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path, ids
}

// TestTwoProcessesOnPostgres: two agent processes (this test binary as the
// agent, see TestMain) serve
// one schedule on one PostgreSQL and split 20 accounts; the first, the
// River leader, is killed (SIGKILL) in the middle of its passes; the
// other is elected, River rescues the killed process's running jobs, and
// every account ends with exactly one stored outcome. The only accounts
// whose pass started twice are the ones the killed process was working.
func TestTwoProcessesOnPostgres(t *testing.T) {
	dsn := testdb.DSN(t, sqldb.Postgres)
	const n = 20
	fake := metaadstest.Start(t, metaadstest.WithScaleBusiness(metaadstest.Scale{Accounts: n, AdsPerAccount: 10, Days: 40}),
		metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	// Each insights page takes a while, so passes overlap the kill.
	require.NoError(t, fake.InjectFault(metaadstest.Fault{Path: "*/insights", Kind: metaadstest.FaultSlow, Delay: 50 * time.Millisecond, Count: -1}))
	dir := t.TempDir()
	cfg, ids := scaleAccountsFile(t, fake, dir, n)
	t0 := time.Now()
	bin, err := os.Executable()
	require.NoError(t, err)
	args := []string{"serve", "--config", cfg, "--database-url", dsn, "--every", "24h", "--concurrency", "2",
		"--job-timeout", "10s", "--rescue-after", "10s", "--lookback-days", "30"}

	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer db.Close()
	ctx := context.Background()
	count := func(q string, args ...any) int {
		var c int
		if err := db.QueryRowContext(ctx, q, args...).Scan(&c); err != nil {
			return -1 // the tables are not there yet
		}
		return c
	}
	a := startAgent(t, bin, "agent_a", dir, args...)
	proctest.WaitFor(t, 20*time.Second, "agent_a to lead", func() bool {
		return count(`SELECT count(*) FROM river_leader WHERE leader_id = 'agent_a'`) == 1
	})
	startAgent(t, bin, "agent_b", dir, args...)
	proctest.WaitFor(t, 20*time.Second, "both processes to work and agent_a to finish an account", func() bool {
		return count(`SELECT count(*) FROM account_runs WHERE worker = 'agent_a'`) >= 1 &&
			count(`SELECT count(*) FROM river_job WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = 'agent_a'`) >= 1 &&
			count(`SELECT count(*) FROM river_job WHERE kind = 'agent_account_pass' AND attempted_by[1] = 'agent_b'`) >= 1
	})
	require.NoError(t, a.Cmd.Process.Kill()) // SIGKILL: no cleanup, its jobs stay "running"
	_ = a.Cmd.Wait()
	killedAt := time.Now()
	// Counted once the process is gone (counted before the kill, a job it
	// finished or fetched in between made the count wrong under load).
	held := count(`SELECT count(*) FROM river_job WHERE state = 'running' AND attempted_by[array_length(attempted_by, 1)] = 'agent_a'`)
	t.Logf("killed agent_a holding %d running jobs, %s after the start", held, time.Since(t0).Round(100*time.Millisecond))

	proctest.WaitFor(t, 60*time.Second, "all 20 accounts to have an outcome", func() bool {
		return count(`SELECT count(*) FROM account_runs WHERE status = 'ok'`) == n
	})
	t.Logf("recovered %s after the kill", time.Since(killedAt).Round(100*time.Millisecond))

	// One outcome per account, from one slot; both processes worked.
	rows, err := db.QueryContext(ctx, `SELECT account, worker, attempt, run_key FROM account_runs ORDER BY account`)
	require.NoError(t, err)
	byWorker := map[string]int{}
	slots := map[string]bool{}
	var got []string
	for rows.Next() {
		var acct, worker, key string
		var attempt int
		require.NoError(t, rows.Scan(&acct, &worker, &attempt, &key))
		got = append(got, acct)
		byWorker[worker]++
		slots[key] = true
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, ids, got, "every account, once")
	assert.Len(t, slots, 1)
	assert.Greater(t, byWorker["agent_a"], 0)
	assert.Greater(t, byWorker["agent_b"], 0)

	// The jobs: each account's job completed once; the rescued ones were
	// attempted by agent_a, then agent_b.
	rescued := map[string]bool{}
	jr, err := db.QueryContext(ctx, `SELECT args->>'account', state, attempted_by FROM river_job WHERE kind = 'agent_account_pass'`)
	require.NoError(t, err)
	jobs := 0
	for jr.Next() {
		var acct, state, by string
		require.NoError(t, jr.Scan(&acct, &state, &by))
		jobs++
		assert.Equal(t, "completed", state, acct)
		if strings.Count(by, ",") > 0 {
			rescued[acct] = true
			assert.Equal(t, "{agent_a,agent_b}", by, "a second attempt only after the kill: %s", acct)
		}
	}
	require.NoError(t, jr.Err())
	assert.Equal(t, n, jobs, "one job per account for the slot")
	assert.Len(t, rescued, held, "the jobs agent_a held when killed were rescued, no other")

	// Passes started (each reads its account first): once per account,
	// twice only for rescued ones (a job agent_a held may have been
	// killed before its first request: then it started once).
	starts := map[string]int{}
	for _, r := range fake.Requests() {
		if r.Method == "GET" && strings.HasPrefix(r.Path, "/act_") && strings.Count(r.Path, "/") == 1 {
			starts[strings.TrimPrefix(r.Path, "/")]++
		}
	}
	for _, id := range ids {
		assert.Contains(t, []int{1, 2}, starts[id], id)
		if starts[id] == 2 {
			assert.True(t, rescued[id], "%s started twice but was not rescued: %v", id, starts)
		}
	}
}
