package main

import (
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/proctest"
	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/examples/internal/testdb"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// usageRun is what one run of TestSharedUsageAcrossProcesses measured.
type usageRun struct {
	store string
	// points is what the fake charged to the app budget (a GET costs 1, a
	// POST 3), calls the requests it answered, throttles those it refused
	// for the budget.
	points, calls, throttles int
	// elapsed is from the first request to the last.
	elapsed time.Duration
	// used is points over what the budget allowed in elapsed: the budget
	// itself (the bucket starts empty) plus what the window regains.
	used float64
	// retried counts the accounts whose pass needed more than one attempt
	// or did not end ok: a throttle that reached the pass.
	retried int
}

// TestSharedUsageAcrossProcesses: four agent processes (separate OS
// processes: this test binary as the agent, see TestMain) on one
// PostgreSQL analyze 20 accounts of a fake whose app budget is low, 20
// points per 2-second window (one call is 5% of it), with answers that
// take 300 ms. Two start; the other two join once the budget is in use.
// Run with the default flags (--usage-store auto: the rate-limit state
// shared through the database on PostgreSQL; the test checks that the
// usage tables were written) and with each process's own (--usage-store
// memory: nothing written there), each against a fresh fake and database,
// at the same time. Shared: at least 90% of the allowed call
// rate used, no throttle from the fake and none reaching a pass. Not
// shared: the joiners know nothing of the budget and each process counts
// only its own calls in flight, so the fake throttles them.
func TestSharedUsageAcrossProcesses(t *testing.T) {
	testdb.PostgresURL(t)
	const (
		accounts  = 20
		processes = 4
		budget    = 20
		window    = 2 * time.Second
		latency   = 300 * time.Millisecond
		conc      = 5 // passes at once per process
		days      = 7
	)
	bin, err := os.Executable()
	require.NoError(t, err)
	run := func(t *testing.T, store string) usageRun {
		dsn := testdb.DSN(t, sqldb.Postgres)
		fake := metaadstest.Start(t, metaadstest.WithScaleBusiness(metaadstest.Scale{Accounts: accounts, AdsPerAccount: 1, Days: days}),
			metaadstest.WithRateLimits(metaadstest.RateLimits{Window: window, App: budget}))
		require.NoError(t, fake.InjectFault(metaadstest.Fault{Kind: metaadstest.FaultSlow, Delay: latency, Count: -1}))
		dir := t.TempDir()
		cfg, _ := scaleAccountsFile(t, fake, dir, accounts)
		// All four join the run of the current slot: each account is one
		// job, worked by one of them.
		args := []string{"run", "--config", cfg, "--database-url", dsn, "--every", "24h", "--concurrency", strconv.Itoa(conc),
			"--lookback-days", strconv.Itoa(days), "--usage-window", window.String(), "--no-progress"}
		if store != "auto" {
			args = append(args, "--usage-store", store)
		}
		// Two start; the other two join once the first two have made
		// three budgets' worth of calls (the budget is in use), as a
		// process that starts or restarts while others work does.
		var procs []*proctest.Process
		for i := range processes {
			if i == processes/2 {
				proctest.WaitFor(t, 30*time.Second, "the first calls", func() bool { return len(fake.Requests()) >= 3*budget })
			}
			procs = append(procs, startAgent(t, bin, fmt.Sprintf("%s_%d", store, i+1), dir, args...))
		}
		for _, p := range procs {
			err := p.Cmd.Wait()
			if err != nil {
				out := p.Output()
				t.Errorf("%s: %v\n%s", p.ID, err, out)
			}
		}
		r := usageRun{store: store}
		var first, last time.Time
		for _, q := range fake.Requests() {
			if first.IsZero() {
				first = q.Time
			}
			last = q.Time
			switch q.ErrorCode {
			case 4, 17, 80000, 80004:
				r.throttles++
				continue
			}
			r.calls++
			r.points++
			if q.Method != "GET" {
				r.points += 2
			}
		}
		r.elapsed = last.Sub(first)
		r.used = float64(r.points) / (float64(budget) * (1 + r.elapsed.Seconds()/window.Seconds()))
		conn, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		defer conn.Close()
		var ok int
		require.NoError(t, conn.QueryRowContext(t.Context(),
			`SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status <> 'ok' OR attempt > 1) FROM account_runs`).Scan(&ok, &r.retried))
		assert.Equal(t, accounts, ok, "%s: every account analyzed", store)
		var states int
		require.NoError(t, conn.QueryRowContext(t.Context(), `SELECT count(*) FROM metaads_usage`).Scan(&states))
		if store == "memory" {
			assert.Zero(t, states, "memory: nothing shared through the database")
		} else {
			assert.Positive(t, states, "%s: the usage is shared through the database by default on PostgreSQL", store)
		}
		t.Logf("%s: %d calls (%d points) in %s, %.1f%% of the allowed rate, %d throttles from the fake, %d accounts retried",
			store, r.calls, r.points, r.elapsed.Round(time.Millisecond), 100*r.used, r.throttles, r.retried)
		return r
	}
	var shared, separate usageRun
	t.Run("runs", func(t *testing.T) {
		t.Run("auto", func(t *testing.T) { t.Parallel(); shared = run(t, "auto") })
		t.Run("memory", func(t *testing.T) { t.Parallel(); separate = run(t, "memory") })
	})
	assert.Zero(t, shared.throttles, "shared: the fake throttles nothing")
	assert.Zero(t, shared.retried, "shared: no throttle reaches a pass")
	assert.GreaterOrEqual(t, shared.used, 0.90, "shared: at least 90%% of the allowed rate used")
	assert.Positive(t, separate.throttles, "not shared: the processes overrun the budget")
}
