package usagestore

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// TestOutageMidPull: the store's tables vanish in the middle of an
// insights pull through it (renamed away: every query fails) and come back
// later. The pull goes on and returns every row; the client logs the
// failure once and the recovery once; the state the client saw is in the
// store again after the outage.
func TestOutageMidPull(t *testing.T) {
	for _, d := range testdb.Engines {
		t.Run(string(d), func(t *testing.T) {
			db, _ := openDB(t, d)
			s, err := New(db)
			require.NoError(t, err)
			fake := metaadstest.Start(t, metaadstest.WithDemoBusiness())
			tok, err := fake.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
			require.NoError(t, err)
			ctx := t.Context()
			rename := func(from, to string) {
				// On the hook's goroutine, between two requests of the pull.
				_, err := db.SQL.ExecContext(context.WithoutCancel(ctx), "ALTER TABLE "+from+" RENAME TO "+to)
				require.NoError(t, err)
			}
			var logs syncBuffer
			pages := 0
			var outageFrom, outageTo time.Time
			c, err := metaads.NewClient(metaads.WithBaseURL(fake.URL), metaads.WithTokenProvider(metaads.StaticTokens{"*": tok}),
				metaads.WithUsageStore(s), metaads.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				metaads.WithHooks(metaads.Hooks{OnResponse: func(context.Context, metaads.ResponseInfo) {
					pages++
					switch pages {
					case 5:
						rename("metaads_usage", "metaads_usage_away")
						outageFrom = time.Now()
					case 20:
						rename("metaads_usage_away", "metaads_usage")
						outageTo = time.Now()
					}
				}}))
			require.NoError(t, err)
			acct := metaads.MustParseAccountID(metaadstest.DemoAccountShop)
			p := metaads.InsightsParams{Level: metrics.LevelAd, TimeIncrement: metaads.IncrementDaily, DatePreset: metaads.DatePreset("last_30d"), Limit: 10}
			rows := 0
			for _, err := range c.Insights.List(ctx, acct, p) {
				require.NoError(t, err, "the pull goes on through the outage")
				rows++
			}
			require.Greater(t, pages, 25, "the pull spans the outage")
			out := logs.String()
			assert.Equal(t, 1, strings.Count(out, "usage store failed"), "logged once, not per call:\n%s", out)
			assert.Equal(t, 1, strings.Count(out, "usage store answers again"), out)
			st, ok, err := s.Load(ctx, metaads.UsageKey{Scope: "ads_insights", ID: metaadstest.DemoAccountShop})
			require.NoError(t, err)
			require.True(t, ok)
			assert.True(t, st.ObservedAt.After(outageTo), "the newest state reached the store after the outage (%s > %s)", st.ObservedAt, outageTo)
			assert.Zero(t, st.InFlight, "no request left in flight")
			t.Logf("%d rows in %d pages; outage %s", rows, pages, outageTo.Sub(outageFrom).Round(time.Millisecond))

			// A second pull of the same rows gives the same count.
			again := 0
			for _, err := range c.Insights.List(ctx, acct, p) {
				require.NoError(t, err)
				again++
			}
			assert.Equal(t, again, rows, "no row lost or doubled")
		})
	}
}
