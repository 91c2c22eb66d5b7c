package signals

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/require"
)

// The test data: Datasets of metaadstest businesses, read with
// analysis.Collect over the fake's HTTP API (the real path), or, where
// hundreds of seeds are needed, built with analysis.FromRows from the
// fake's in-process rows (metaadstest.Server.Rows): TestRowsMatchHTTP
// checks that both give the same rows.

// memTransport serves requests in memory with the fake's handler: no
// sockets.
type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	in := r.Clone(r.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = r.URL.RequestURI()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

// pull describes one read.
type pull struct {
	lookback   int  // complete days of daily rows before today (today is included too)
	hourlyDays int  // complete days of hourly rows before today; 0 for none
	rows       bool // build with FromRows from Server.Rows instead of Collect
}

var defaultPull = pull{lookback: 60, hourlyDays: 28}

// testClient returns a client of srv's demo user, served in memory.
func testClient(tb testing.TB, srv *metaadstest.Server) *metaads.Client {
	tb.Helper()
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: metaadstest.DemoUserID})
	require.NoError(tb, err)
	c, err := metaads.NewClient(metaads.WithBaseURL("http://graph.test"), metaads.WithHTTPClient(&http.Client{Transport: memTransport{srv.Handler()}}),
		metaads.WithTokenProvider(metaads.StaticTokens{"*": tok}))
	require.NoError(tb, err)
	return c
}

// pullDataset reads account acct of srv into a Dataset as of now.
func pullDataset(tb testing.TB, srv *metaadstest.Server, acct string, now time.Time, p pull) *analysis.Dataset {
	tb.Helper()
	o := analysis.CollectOptions{LookbackDays: p.lookback, HourlyDays: p.hourlyDays, NoHourly: p.hourlyDays == 0, Now: func() time.Time { return now }}
	ds, err := analysis.Collect(context.Background(), testClient(tb, srv), metaads.MustParseAccountID(acct), o)
	require.NoError(tb, err)
	if p.rows {
		return rowsLike(tb, srv, ds)
	}
	return ds
}

// rowsLike builds, with analysis.FromRows, a Dataset of template's
// objects and range from srv's rows generated in process: ad-level daily
// rows over template.Range and hourly rows over template.HourlyRange at
// the template's hourly level (Collect's default is the account). For many seeds of one scenario the objects are
// the same and only the rows change, so they are read once.
func rowsLike(tb testing.TB, srv *metaadstest.Server, template *analysis.Dataset) *analysis.Dataset {
	tb.Helper()
	acct := "act_" + template.Account.ID.Number()
	rng := func(r metaads.TimeRange) string { return fmt.Sprintf(`{"since":%q,"until":%q}`, r.Since, r.Until) }
	adSet := map[string]*metaads.AdSet{}
	for i := range template.AdSets {
		adSet[template.AdSets[i].ID] = &template.AdSets[i]
	}
	ad := map[string]*metaads.Ad{}
	for i := range template.Ads {
		ad[template.Ads[i].ID] = &template.Ads[i]
	}
	dates := map[string]metaads.Date{}
	date := func(s string) metaads.Date {
		d, ok := dates[s]
		if !ok {
			var err error
			d, err = metaads.ParseDate(s)
			require.NoError(tb, err)
			dates[s] = d
		}
		return d
	}
	in := analysis.Rows{Account: template.Account, Campaigns: template.Campaigns, AdSets: template.AdSets, Ads: template.Ads, CollectedAt: template.CollectedAt}
	daily, err := srv.Rows(acct, url.Values{"level": {"ad"}, "time_range": {rng(template.Range)}, "time_increment": {"1"}})
	require.NoError(tb, err)
	for _, r := range daily {
		a := ad[r.ID]
		require.NotNil(tb, a, r.ID)
		d := date(r.DateStart)
		in.Insights = append(in.Insights, analysis.Row{CampaignID: a.CampaignID, AdSetID: a.AdSetID, AdID: a.ID, Since: d, Until: d, Counts: r.Counts})
	}
	if !template.HourlyRange.IsZero() {
		level := metrics.LevelAccount
		if len(template.Hourly) > 0 {
			level = template.Hourly[0].Level
		}
		hourly, err := srv.Rows(acct, url.Values{"level": {string(level)}, "time_range": {rng(template.HourlyRange)}, "time_increment": {"1"},
			"breakdowns": {string(metaads.BreakdownHourlyAdvertiserTZ)}})
		require.NoError(tb, err)
		for _, r := range hourly {
			row := analysis.Row{Since: date(r.DateStart), Hourly: true, Hour: r.Hour, Counts: r.Counts}
			row.Until = row.Since
			if level == metrics.LevelAccount {
				// Account rows count the event every campaign shares, as
				// Collect's do.
				switch row.Event = sharedEvent(template); row.Event {
				case analysis.EventPurchase:
					row.Counts.Conversions, row.Counts.ConversionValue = r.Counts.Purchases, r.Counts.PurchaseValue
				case analysis.EventLead:
					row.Counts.Conversions = r.Counts.Leads
				}
			}
			switch level {
			case metrics.LevelAdSet:
				s := adSet[r.ID]
				require.NotNil(tb, s, r.ID)
				row.CampaignID, row.AdSetID = s.CampaignID, s.ID
			case metrics.LevelCampaign:
				row.CampaignID = r.ID
			}
			in.Insights = append(in.Insights, row)
		}
	}
	ds, err := analysis.FromRows(in)
	require.NoError(tb, err)
	ds.Range, ds.HourlyRange = template.Range, template.HourlyRange
	return ds
}

// testNow is the clock of every test: a Wednesday afternoon in Los
// Angeles (the demo shop's zone), well away from a DST change.
var testNow = time.Date(2026, 3, 18, 15, 30, 0, 0, time.UTC).Add(7 * time.Hour)

// demoServer starts the fake with the demo business at testNow.
func demoServer(tb testing.TB, opts ...metaadstest.Option) *metaadstest.Server {
	tb.Helper()
	base := []metaadstest.Option{metaadstest.WithClock(func() time.Time { return testNow }), metaadstest.WithDemoBusiness(),
		metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits())}
	return metaadstest.Start(tb, append(base, opts...)...)
}

// demoShop returns the demo shop account as Collect reads it at testNow,
// read once for all the tests of the package (the signal functions and
// the heuristic never modify a Dataset).
func demoShop(tb testing.TB) *analysis.Dataset {
	tb.Helper()
	demo.once.Do(func() {
		srv, err := metaadstest.NewServer(metaadstest.WithClock(func() time.Time { return testNow }), metaadstest.WithDemoBusiness(),
			metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
		if err != nil {
			demo.err = err
			return
		}
		defer srv.Close()
		o := analysis.CollectOptions{LookbackDays: defaultPull.lookback, HourlyDays: defaultPull.hourlyDays, Now: func() time.Time { return testNow }}
		demo.ds, demo.err = analysis.Collect(context.Background(), testClient(tb, srv), metaads.MustParseAccountID(metaadstest.DemoAccountShop), o)
	})
	require.NoError(tb, demo.err)
	return demo.ds
}

var demo struct {
	once sync.Once
	ds   *analysis.Dataset
	err  error
}

// quietAccount is the account of quietBusiness.
const quietAccount = "1000000000000090"

// quietBusiness is a business with no planted pattern: one sales account
// (USD, Los Angeles) with no hour, weekday or seasonal effect, two
// campaigns of two ad sets with two ads each, all running for 90 days
// at 85-99% of their budgets, no fatigue. Every ad set targets the United
// States, 18-65, with two interests of its own: their audiences do not
// overlap beyond the people who happen to share interests (under 30% of
// the smaller audience in the fake's population model). Its only
// randomness is the fake's seed. hourEffect plants an hour-of-day effect
// of that amplitude (0 for none; see metaadstest.Account).
func quietBusiness(now time.Time, hourEffect float64) metaadstest.Scenario {
	start := now.Truncate(24*time.Hour).AddDate(0, 0, -90)
	sc := metaadstest.Scenario{
		Users: []metaadstest.User{{ID: metaadstest.DemoUserID, Name: "Quinn Quiet", AdAccounts: []string{quietAccount}}},
		Accounts: []metaadstest.Account{{ID: quietAccount, Name: "Quiet Shop", Currency: "USD", TimezoneName: "America/Los_Angeles", CreatedTime: start,
			HourOfDayEffect: hourEffect}},
	}
	budgets := []int64{12000, 8000, 6000, 10000}
	for c := range 2 {
		cid := fmt.Sprintf("12029000000000%02d", c)
		sc.Campaigns = append(sc.Campaigns, metaadstest.Campaign{ID: cid, AccountID: quietAccount, Name: fmt.Sprintf("Quiet campaign %d", c+1), Objective: "OUTCOME_SALES", StartTime: start})
		for s := range 2 {
			i := 2*c + s
			sid := fmt.Sprintf("12039000000000%02d", i)
			tg := fmt.Sprintf(`{"geo_locations":{"countries":["US"]},"age_min":18,"age_max":65,"flexible_spec":[{"interests":[{"id":"60090000000%02d1"},{"id":"60090000000%02d2"}]}]}`, i, i)
			sc.AdSets = append(sc.AdSets, metaadstest.AdSet{ID: sid, CampaignID: cid, Name: fmt.Sprintf("Quiet %d", i+1), DailyBudget: budgets[i], Targeting: tg, StartTime: start})
			for a := range 2 {
				sc.Ads = append(sc.Ads, metaadstest.Ad{ID: fmt.Sprintf("12049000000000%02d%d", i, a), AdSetID: sid, Name: fmt.Sprintf("Quiet %d - Ad %d", i+1, a+1), Quality: 1})
			}
		}
	}
	return sc
}

// quietServer starts the fake seeded with seed and the quiet business.
func quietServer(tb testing.TB, seed uint64, hourEffect float64) *metaadstest.Server {
	tb.Helper()
	srv := metaadstest.Start(tb, metaadstest.WithClock(func() time.Time { return testNow }), metaadstest.WithSeed(seed),
		metaadstest.WithRateLimits(metaadstest.UnthrottledRateLimits()))
	_, err := srv.Seed(quietBusiness(testNow, hourEffect))
	require.NoError(tb, err)
	return srv
}

// quietPull is what the false-alarm tests read, in process: 7 weeks of
// daily rows (6 whole weeks of history before the last, as the benchmark
// signal needs) and 4 weeks of hourly rows.
var quietPull = pull{lookback: 49, hourlyDays: 28, rows: true}

// quietDataset pulls the quiet business generated with seed.
func quietDataset(tb testing.TB, seed uint64) *analysis.Dataset {
	tb.Helper()
	return pullDataset(tb, quietServer(tb, seed, 0), quietAccount, testNow, quietPull)
}

// sharedEvent is the conversion event every campaign of ds shares, or "".
func sharedEvent(ds *analysis.Dataset) string {
	ev := ""
	for i, e := range ds.ConversionEvents {
		if i == 0 {
			ev = e.ActionType
		} else if e.ActionType != ev {
			return ""
		}
	}
	return ev
}

// TestRowsMatchHTTP checks the in-process rows against Collect's HTTP
// pull on the demo business (the shop and the lead account): every
// daily row at ad level and every hourly row, every count. (Above ad
// level FromRows sums the ads, so reach there is a marked sum where
// Collect has Meta's daily reach.)
func TestRowsMatchHTTP(t *testing.T) {
	t.Parallel()
	srv := demoServer(t)
	for _, acct := range []string{metaadstest.DemoAccountShop, metaadstest.DemoAccountLeads} {
		viaHTTP := pullDataset(t, srv, acct, testNow, pull{lookback: 8, hourlyDays: 2})
		inProc := rowsLike(t, srv, viaHTTP)
		require.NotEmpty(t, viaHTTP.Hourly)
		require.Equal(t, viaHTTP.ConversionEvents, inProc.ConversionEvents)
		level := func(ds *analysis.Dataset, l metrics.Level) []analysis.DailyRow {
			var out []analysis.DailyRow
			for _, r := range ds.Daily {
				if r.Level == l {
					out = append(out, r)
				}
			}
			return out
		}
		for _, l := range []metrics.Level{metrics.LevelAd, metrics.LevelAdSet, metrics.LevelCampaign} {
			want, got := level(viaHTTP, l), level(inProc, l)
			require.Equal(t, len(want), len(got), "%s %s rows", acct, l)
			for i := range want {
				w, g := want[i], got[i]
				if l != metrics.LevelAd {
					w.Counts.Reach, g.Counts.Reach, g.Counts.ReachSummed = 0, 0, false
					w.Counts.UniqueClicks, g.Counts.UniqueClicks = 0, 0
					w.Counts.VideoWatchTimeMillis, g.Counts.VideoWatchTimeMillis = 0, 0
				}
				require.Equal(t, w, g, "%s %s daily row %d", acct, l, i)
			}
		}
		require.Equal(t, len(viaHTTP.Hourly), len(inProc.Hourly), acct)
		for i := range viaHTTP.Hourly {
			require.Equal(t, viaHTTP.Hourly[i], inProc.Hourly[i], "%s hourly row %d", acct, i)
		}
	}
}
