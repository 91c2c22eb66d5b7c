package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/crm/internal/testdb"
	"github.com/adpilot/adpilot/examples/crm/jobs"
	"github.com/adpilot/adpilot/examples/crm/store"
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

func (b *balancer) to(a *testApp) {
	u, _ := url.Parse("http://" + a.ln.Addr().String())
	b.target.Store(u)
}

// TestTwoReplicas runs two CRM processes' worth of App (each with its own
// pools, sessions and River client; nothing shared in memory) on one
// PostgreSQL behind a balancer, in real mode against one fake Graph API: a
// login started on one replica completes on the other, its state is
// accepted once across both, and the scheduled pass runs once per interval
// and account, not once per replica.
func TestTwoReplicas(t *testing.T) {
	testStart := time.Now()
	dsn := testdb.DSN(t, store.Postgres)
	fake := metaadstest.Start(t, metaadstest.WithDemoBusiness(), metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	lb := newBalancer(t)
	key := make([]byte, 32)
	rand.Read(key)
	env := map[string]string{
		"META_APP_ID": metaadstest.DefaultApp().ID, "META_APP_SECRET": metaadstest.DefaultApp().Secret,
		"META_GRAPH_URL": fake.URL, "META_DIALOG_URL": fake.URL, "CRM_BASE_URL": lb.srv.URL,
		"CRM_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(key),
	}
	const every = 4 * time.Second
	r1 := startApp(t, store.Postgres, startOpts{dsn: dsn, env: env, replicaID: "replica_1", every: every, quiet: true})
	r2 := startApp(t, store.Postgres, startOpts{dsn: dsn, env: env, replicaID: "replica_2", every: every, quiet: true})
	require.Nil(t, r1.Fake, "real mode: no embedded fake")
	t.Logf("replicas up after %s", time.Since(testStart))

	// The browser talks to the balancer only.
	lb.to(r1)
	br := r1.browser()
	br.app = &testApp{App: &App{URL: lb.srv.URL}, t: t}
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

	lb.to(r2) // the state issued by replica 1 is accepted by replica 2
	page := br.follow(br.get(callback))
	require.Contains(t, page.Body, "Meta account connected", "replica 2 completes replica 1's login")
	lb.to(r1) // ... once
	page = br.follow(br.get(callback))
	assert.Contains(t, page.Body, "already used once (replayed)", "replica 1 refuses the state replica 2 used")

	accts, err := r1.Store.ConnectedAccounts(t.Context())
	require.NoError(t, err)
	require.NotEmpty(t, accts)

	// The scheduled pass: both replicas run River with the same periodic
	// jobs; one leader enqueues. Wait for two complete slots after the
	// connection, then count.
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	start := time.Now()
	firstSlot := jobs.Period(start.Add(every), every)
	var slots map[string]int
	t.Logf("connected after %s; waiting for slots from %s", time.Since(testStart), firstSlot)
	for {
		slots = reportsPerSlot(t, r1.Store, accts)
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
	require.NoError(t, r1.DB.SQL.QueryRowContext(t.Context(),
		`SELECT COUNT(*), COUNT(*) - COUNT(DISTINCT args->>'period') FROM river_job WHERE kind = 'analyze_all'`).Scan(&fanouts, &dupes))
	assert.Zero(t, dupes, "each slot was fanned out once, by one leader")
	elapsed := time.Since(start) + every
	assert.LessOrEqual(t, fanouts, int(elapsed/every)+2, "no more fan-outs than slots (two leaders would double them)")
	var perAccount int
	require.NoError(t, r1.DB.SQL.QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM (SELECT args->>'account', args->>'period' FROM river_job WHERE kind = 'analyze_account'
		 GROUP BY 1, 2 HAVING COUNT(*) > 1) d`).Scan(&perAccount))
	assert.Zero(t, perAccount, "one pass job per account and slot")

	// Meta's rate-limit state is shared through the database (the default
	// on PostgreSQL): both replicas' Graph clients read the one table the
	// passes' calls wrote.
	require.IsType(t, &usagestore.Store{}, r1.Usage)
	for _, a := range accts {
		key := metaads.UsageKey{Scope: "ad_account", ID: a.ID.Number()}
		for _, r := range []*testApp{r1, r2} {
			st, ok, err := r.Usage.Load(t.Context(), key)
			require.NoError(t, err)
			assert.True(t, ok && !st.ObservedAt.IsZero(), "replica %s sees the usage of %s", r.cfg.ReplicaID, a.ID)
		}
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
