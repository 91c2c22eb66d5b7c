package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/adpilot/adpilot/examples/crm/internal/testdb"
	"github.com/adpilot/adpilot/examples/crm/jobs"
	"github.com/adpilot/adpilot/examples/crm/store"
	"github.com/adpilot/adpilot/examples/internal/proctest"
	"github.com/adpilot/adpilot/examples/internal/usagestore"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
)

// balancer is a load balancer in front of replicas: each request goes to
// the replica the test chose.
type balancer struct {
	srv     *httptest.Server
	target  atomic.Pointer[url.URL]
	proxies map[string]*httputil.ReverseProxy
}

func newBalancer(t *testing.T) *balancer {
	b := &balancer{proxies: map[string]*httputil.ReverseProxy{}}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := b.target.Load()
		p := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host // the public host, as a balancer keeps it
		}}
		p.ServeHTTP(w, r)
	}))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *balancer) to(target string) {
	u, _ := url.Parse(target)
	b.target.Store(u)
}

// TestMain lets the test binary be a CRM process: started with
// ADPILOT_CRM_PROCESS=1 it runs the CRM on its arguments and environment
// (ParseConfig, New, Run, as the command does, with the tests' short
// collection and ADPILOT_CRM_TEST_EVERY as the analysis interval) until
// SIGTERM, so TestTwoReplicas starts real CRM processes without a build
// step.
func TestMain(m *testing.M) {
	if os.Getenv("ADPILOT_CRM_PROCESS") == "1" {
		os.Exit(crmProcess())
	}
	os.Exit(m.Run())
}

func crmProcess() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := ParseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crm:", err)
		return 1
	}
	every, err := time.ParseDuration(os.Getenv("ADPILOT_CRM_TEST_EVERY"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "crm: ADPILOT_CRM_TEST_EVERY:", err)
		return 1
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	a, err := New(ctx, cfg, logger, Options{BcryptCost: bcrypt.MinCost, AnalysisEvery: every, Collect: &testCollect})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crm:", err)
		return 1
	}
	defer a.Close()
	if err := a.Run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "crm:", err)
		return 1
	}
	return 0
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// TestTwoReplicas runs two CRM processes (this test binary as the CRM, see
// TestMain; nothing shared but the database) on one PostgreSQL behind a
// balancer, in real mode against one fake Graph API: a login started on
// one replica completes on the other, its state is accepted once across
// both, and the scheduled pass runs once per interval and account, not
// once per replica.
func TestTwoReplicas(t *testing.T) {
	testStart := time.Now()
	dsn := testdb.DSN(t, store.Postgres)
	fake := metaadstest.Start(t, metaadstest.WithDemoBusiness(), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	lb := newBalancer(t)
	key := make([]byte, 32)
	rand.Read(key)
	const every = 4 * time.Second
	env := []string{"ADPILOT_CRM_PROCESS=1", "ADPILOT_CRM_TEST_EVERY=" + every.String(), "DATABASE_URL=" + dsn,
		"META_APP_ID=" + metaadstest.DefaultApp().ID, "META_APP_SECRET=" + metaadstest.DefaultApp().Secret,
		"META_GRAPH_URL=" + fake.URL, "META_DIALOG_URL=" + fake.URL, "CRM_BASE_URL=" + lb.srv.URL,
		"CRM_ENCRYPTION_KEY=" + base64.StdEncoding.EncodeToString(key), "CRM_LOG_FORMAT=json"}
	bin, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	var replicas []string
	for _, id := range []string{"replica_1", "replica_2"} {
		addr := freeAddr(t)
		proctest.Start(t, bin, id, dir, append(env, "CRM_ADDR="+addr, "CRM_REPLICA_ID="+id))
		replicas = append(replicas, "http://"+addr)
	}
	for _, u := range replicas {
		proctest.WaitFor(t, 60*time.Second, u+" to be ready", func() bool {
			res, err := http.Get(u + "/readyz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == http.StatusOK
		})
	}
	t.Logf("two CRM processes up after %s", time.Since(testStart))
	db, err := store.Open(t.Context(), dsn)
	require.NoError(t, err)
	defer db.Close()
	s := store.New(db, nil)

	// The browser talks to the balancer only.
	lb.to(replicas[0])
	br := (&testApp{App: &App{URL: lb.srv.URL}, t: t}).browser()
	br.signup("replicas@example.com")
	r := br.post("/settings/connect", nil)
	require.Equal(t, http.StatusSeeOther, r.Status, r.Body)
	require.True(t, strings.HasPrefix(r.Location, fake.URL), r.Location)
	dialog := br.get(r.Location)
	form := url.Values{"decision": {"approve"}}
	for _, m := range hiddenRE.FindAllStringSubmatch(dialog.Body, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	back := br.post(r.Location, form)
	callback := strings.TrimSuffix(back.Location, "#_=_")
	require.True(t, strings.HasPrefix(callback, lb.srv.URL+"/api/meta-oauth/callback?"), callback)

	lb.to(replicas[1]) // the state issued by replica 1 is accepted by replica 2
	page := br.follow(br.get(callback))
	require.Contains(t, page.Body, "Meta account connected", "replica 2 completes replica 1's login")
	lb.to(replicas[0]) // ... once
	page = br.follow(br.get(callback))
	assert.Contains(t, page.Body, "already used once (replayed)", "replica 1 refuses the state replica 2 used")

	accts, err := s.ConnectedAccounts(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, accts)

	// The scheduled pass: both processes run River with the same periodic
	// jobs; one leader enqueues. Wait for two complete slots after the
	// connection, then count.
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	start := time.Now()
	firstSlot := jobs.Period(start.Add(every), every)
	var slots map[string]int
	t.Logf("connected after %s; waiting for slots from %s", time.Since(testStart), firstSlot)
	for {
		slots = reportsPerSlot(t, s, accts)
		done := 0
		for p, n := range slots {
			if p >= firstSlot && n == len(accts) {
				done++
			}
		}
		if done >= 2 {
			t.Logf("two slots complete after %s: %v", time.Since(testStart), slots)
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the scheduled passes did not complete two slots: %v", slots)
		case <-time.After(200 * time.Millisecond): // polling the database for the jobs' results
		}
	}
	for p, n := range slots {
		assert.LessOrEqual(t, n, len(accts), "slot %s: at most one report per account", p)
	}
	var fanouts, dupes int
	require.NoError(t, db.SQL.QueryRowContext(t.Context(),
		`SELECT COUNT(*), COUNT(*) - COUNT(DISTINCT args->>'period') FROM river_job WHERE kind = 'analyze_all'`).Scan(&fanouts, &dupes))
	assert.Zero(t, dupes, "each slot was fanned out once, by one leader")
	elapsed := time.Since(start) + every
	assert.LessOrEqual(t, fanouts, int(elapsed/every)+2, "no more fan-outs than slots (two leaders would double them)")
	var perAccount int
	require.NoError(t, db.SQL.QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM (SELECT args->>'account', args->>'period' FROM river_job WHERE kind = 'analyze_account'
		 GROUP BY 1, 2 HAVING COUNT(*) > 1) d`).Scan(&perAccount))
	assert.Zero(t, perAccount, "one pass job per account and slot")
	// Both processes worked: the jobs were attempted by both River clients.
	var workers int
	require.NoError(t, db.SQL.QueryRowContext(t.Context(),
		`SELECT COUNT(DISTINCT attempted_by[1]) FROM river_job WHERE kind = 'analyze_account'`).Scan(&workers))
	t.Logf("pass jobs worked by %d process(es)", workers)

	// Meta's rate-limit state is shared through the database (the default
	// on PostgreSQL): the usage the processes' passes saw is in the one
	// table every replica's Graph client reads.
	usage, err := usagestore.New(db.DB)
	require.NoError(t, err)
	defer usage.Close()
	for _, a := range accts {
		st, ok, err := usage.Load(t.Context(), metaads.UsageKey{Scope: "ad_account", ID: a.ID.Number()})
		require.NoError(t, err)
		assert.True(t, ok && !st.ObservedAt.IsZero(), "the usage of %s is in the shared store", a.ID)
	}
}

// reportsPerSlot counts the scheduled reports per slot (manual passes are
// named "manual-...").
func reportsPerSlot(t *testing.T, s *store.Store, accts []*store.Account) map[string]int {
	out := map[string]int{}
	for _, a := range accts {
		reps, err := s.Reports(t.Context(), a.UserID, a.ID, 500)
		require.NoError(t, err)
		for _, r := range reps {
			if !strings.HasPrefix(r.Period, "manual-") {
				out[r.Period]++
			}
		}
	}
	return out
}
