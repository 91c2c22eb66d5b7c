package usagestore

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/adpilot/adpilot/examples/internal/sqldb"
	"github.com/adpilot/adpilot/examples/internal/testdb"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// outage is how a test takes the store's database away and brings it
// back; behind reads the budget's row as stored, past the outage (on a
// connection of its own).
type outage struct {
	down, up func() error
	behind   func(metaads.UsageKey) (metaads.UsageState, bool)
}

// Pages of the pull at which the outage starts and ends.
const outageFrom, outageTo = 5, 20

var failedCallsRe = regexp.MustCompile(`usage store answers again.* failed_calls=(\d+)`)

// pullThroughOutage pulls an account's daily ad insights (39 pages)
// through a client on s while o takes the database away from page
// outageFrom to page outageTo, and checks what the issue asks of a store
// outage: the pull goes on and returns every row; the client paces on the
// state it saw itself meanwhile (its own newest headers, not the store's
// older ones, not nothing); the failure is logged once although every
// store call of the outage failed, and the recovery once; the newest state
// reaches the store after.
func pullThroughOutage(t *testing.T, s *Store, o outage) {
	fake := metaadstest.Start(t, metaadstest.WithDemoBusiness())
	tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	require.NoError(t, err)
	ctx := t.Context()
	acct := metaads.MustParseAccountID(metaadstest.DemoAccountShop)
	key := metaads.UsageKey{Scope: "ads_insights", ID: metaadstest.DemoAccountShop}
	var (
		logs              syncBuffer
		mu                sync.Mutex
		pages             int
		hookErr           error
		wentDown, cameUp  time.Time
		local, stored     metaads.UsageState
		storedOK, localOK bool
		c                 *metaads.Client
	)
	c, err = metaads.NewClient(metaads.WithBaseURL(fake.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": tok}),
		metaads.WithUsageStore(s), metaads.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
		metaads.WithHooks(metaads.Hooks{OnResponse: func(hctx context.Context, _ metaads.ResponseInfo) {
			mu.Lock()
			defer mu.Unlock()
			pages++
			switch pages {
			case outageFrom:
				hookErr = o.down()
				wentDown = time.Now()
			case outageTo - 1:
				// What the client paces on now, and what the store holds.
				u, err := c.Usage(context.WithoutCancel(hctx), acct)
				if err != nil {
					hookErr = err
					return
				}
				local, localOK = u.Budgets[key]
				stored, storedOK = o.behind(key)
			case outageTo:
				hookErr = o.up()
				cameUp = time.Now()
			}
		}}))
	require.NoError(t, err)
	p := metaads.InsightsParams{Level: metrics.LevelAd, TimeIncrement: metaads.IncrementDaily, DatePreset: metaads.DatePreset("last_30d"), Limit: 10}
	rows := 0
	for _, err := range c.Insights.List(ctx, acct, p) {
		require.NoError(t, err, "the pull goes on through the outage")
		rows++
	}
	mu.Lock() // the hook ran on the pull's goroutines
	require.NoError(t, hookErr)
	n := pages
	mu.Unlock()
	require.Greater(t, n, outageTo+5, "the pull spans the outage")

	require.True(t, localOK, "the client kept its own state during the outage")
	require.True(t, storedOK, "the store held a state from before the outage")
	assert.True(t, stored.ObservedAt.Before(wentDown), "nothing reached the store during the outage (%s)", stored.ObservedAt)
	assert.True(t, local.ObservedAt.After(wentDown), "the client paced on the headers it saw during the outage (%s > %s)", local.ObservedAt, wentDown)

	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, "usage store failed"), "logged once, not per call:\n%s", out)
	assert.Equal(t, 1, strings.Count(out, "usage store answers again"), out)
	m := failedCallsRe.FindStringSubmatch(out)
	require.NotNil(t, m, out)
	failed, _ := strconv.Atoi(m[1])
	// Each page is two loads and two updates of the store.
	assert.GreaterOrEqual(t, failed, 2*(outageTo-outageFrom), "every store call of the outage failed, and one line said so")

	st, ok, err := s.Load(ctx, key)
	require.NoError(t, err)
	require.True(t, ok)
	assert.True(t, st.ObservedAt.After(cameUp), "the newest state reached the store after the outage (%s > %s)", st.ObservedAt, cameUp)
	assert.Zero(t, st.InFlight, "no request left in flight")
	t.Logf("%d rows in %d pages; outage %s, %d store calls failed", rows, n, cameUp.Sub(wentDown).Round(time.Millisecond), failed)

	// A second pull of the same rows gives the same count.
	again := 0
	for _, err := range c.Insights.List(ctx, acct, p) {
		require.NoError(t, err)
		again++
	}
	assert.Equal(t, rows, again, "no row lost or doubled")
}

// loadRow reads a budget's stored state from table directly.
func loadRow(db *sqldb.DB, table string, k metaads.UsageKey) (metaads.UsageState, bool) {
	var st metaads.UsageState
	var observed int64
	err := db.SQL.QueryRowContext(context.Background(), "SELECT pct, observed_us FROM "+table+" WHERE scope = $1 AND object_id = $2", k.Scope, k.ID).Scan(&st.Pct, &observed)
	if err != nil {
		return st, false
	}
	st.ObservedAt = sqldb.FromUS(observed)
	return st, true
}

// TestOutageMidPull: the store's table vanishes in the middle of an
// insights pull through it (renamed away: every load and update fails)
// and comes back later.
func TestOutageMidPull(t *testing.T) {
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			db, _ := openDB(t, d)
			s, err := New(db)
			require.NoError(t, err)
			rename := func(from, to string) func() error {
				return func() error {
					_, err := db.SQL.ExecContext(context.Background(), "ALTER TABLE "+from+" RENAME TO "+to)
					return err
				}
			}
			pullThroughOutage(t, s, outage{
				down:   rename("metaads_usage", "metaads_usage_away"),
				up:     rename("metaads_usage_away", "metaads_usage"),
				behind: func(k metaads.UsageKey) (metaads.UsageState, bool) { return loadRow(db, "metaads_usage_away", k) },
			})
		})
	}
}

// proxy forwards TCP connections to a server: stop closes the listener
// and every connection (the database is unreachable), start listens again
// on the same address.
type proxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target, addr: "127.0.0.1:0", conns: map[net.Conn]bool{}}
	require.NoError(t, p.start())
	t.Cleanup(p.stop)
	return p
}

func (p *proxy) start() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln {
				// Stopped while this connection was being made.
				p.mu.Unlock()
				c.Close()
				s.Close()
				return
			}
			p.conns[c], p.conns[s] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	return nil
}

func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// TestPostgresUnreachableMidPull: the store's PostgreSQL becomes
// unreachable in the middle of a pull (its connections cut, new ones
// refused) and reachable again later.
func TestPostgresUnreachableMidPull(t *testing.T) {
	dsn := testdb.DSN(t, sqldb.Postgres)
	direct, err := sqldb.Open(t.Context(), dsn)
	require.NoError(t, err)
	defer direct.Close()
	require.NoError(t, direct.Migrate(t.Context(), Migrations, nil))
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	px := newProxy(t, u.Host)
	u.Host = px.addr
	db, err := sqldb.Open(t.Context(), u.String())
	require.NoError(t, err)
	defer db.Close()
	s, err := New(db)
	require.NoError(t, err)
	pullThroughOutage(t, s, outage{
		down:   func() error { px.stop(); return nil },
		up:     px.start,
		behind: func(k metaads.UsageKey) (metaads.UsageState, bool) { return loadRow(direct, "metaads_usage", k) },
	})
}
