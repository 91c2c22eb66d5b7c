package signals

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/adpilot/adpilot/analysis"
	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
	"github.com/stretchr/testify/require"
)

// The test data: Datasets pulled from metaadstest through the metaads
// client. analysis.Collect was not on main when these tests were written;
// pullDataset reads the same rows Collect documents (objects, daily rows
// at campaign, ad set and ad level, hourly rows at ad set level) with the
// client's public calls, so the signals meet data that went through the
// fake's wire format and the client's decoding.

// memTransport serves requests in memory with the fake's handler: no
// sockets, so a few hundred pulls stay cheap.
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

// pull describes one pull.
type pull struct {
	lookback   int  // complete days of daily rows before today (today is included too)
	hourlyDays int  // complete days of hourly rows before today; 0 for none
	rows       bool // read insights with Server.Rows instead of over HTTP
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
	ctx := context.Background()
	c := testClient(tb, srv)
	id := metaads.MustParseAccountID(acct)
	ds := &analysis.Dataset{}
	a, err := c.Accounts.Get(ctx, id, metaads.GetOptions{})
	require.NoError(tb, err)
	ds.Account = *a
	loc, err := time.LoadLocation(a.TimezoneName)
	require.NoError(tb, err)
	now = now.In(loc)
	ds.CollectedAt = now
	for x, err := range c.Campaigns.List(ctx, id, metaads.ListOptions{}) {
		require.NoError(tb, err)
		ds.Campaigns = append(ds.Campaigns, x)
	}
	for x, err := range c.AdSets.List(ctx, id, metaads.ListOptions{}) {
		require.NoError(tb, err)
		ds.AdSets = append(ds.AdSets, x)
	}
	for x, err := range c.Ads.List(ctx, id, metaads.ListOptions{}) {
		require.NoError(tb, err)
		ds.Ads = append(ds.Ads, x)
	}
	slices.SortFunc(ds.Campaigns, func(a, b metaads.Campaign) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(ds.AdSets, func(a, b metaads.AdSet) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(ds.Ads, func(a, b metaads.Ad) int { return cmp.Compare(a.ID, b.ID) })

	// The conversion event of each campaign, from its objective (Collect
	// also reads promoted objects; the fake's follow the objective).
	for _, camp := range ds.Campaigns {
		ev := analysis.ConversionEvent{CampaignID: camp.ID, Source: analysis.SourceObjective}
		switch camp.Objective {
		case metaads.ObjectiveSales:
			ev.ActionType, ev.Reason = "omni_purchase", "objective OUTCOME_SALES"
		case metaads.ObjectiveLeads:
			ev.ActionType, ev.Reason = "lead", "objective OUTCOME_LEADS"
		default:
			ev.Source, ev.Reason = analysis.SourceNone, fmt.Sprintf("objective %s optimises for no conversion", camp.Objective)
		}
		ds.ConversionEvents = append(ds.ConversionEvents, ev)
	}
	today := metaads.DateOf(now)
	ds.Range = metaads.TimeRange{Since: today.AddDays(-p.lookback), Until: today}
	if p.hourlyDays > 0 {
		ds.HourlyRange = metaads.TimeRange{Since: today.AddDays(-p.hourlyDays), Until: today.AddDays(-1)}
	}
	if p.rows {
		readRows(tb, srv, acct, ds, eventCounts(ds))
	} else {
		readInsights(tb, c, id, ds, eventCounts(ds))
	}
	sortRows(ds)
	return ds
}

// rowsLike reads srv's rows in process into a copy of template's objects:
// for many seeds of one scenario the objects are the same, only the rows
// change.
func rowsLike(tb testing.TB, srv *metaadstest.Server, template *analysis.Dataset) *analysis.Dataset {
	tb.Helper()
	ds := &analysis.Dataset{Account: template.Account, Campaigns: template.Campaigns, AdSets: template.AdSets, Ads: template.Ads,
		ConversionEvents: template.ConversionEvents, Range: template.Range, HourlyRange: template.HourlyRange, CollectedAt: template.CollectedAt}
	readRows(tb, srv, ds.Account.ID.Number(), ds, eventCounts(ds))
	sortRows(ds)
	return ds
}

// eventCounts sets a row's conversions from its campaign's event, as
// metaads CountsOptions would for the same action type.
func eventCounts(ds *analysis.Dataset) countsFunc {
	event := map[string]string{}
	for _, e := range ds.ConversionEvents {
		event[e.CampaignID] = e.ActionType
	}
	return func(campaign string, c metrics.Counts) metrics.Counts {
		switch event[campaign] {
		case "omni_purchase":
			c.Conversions, c.ConversionValue = c.Purchases, c.PurchaseValue
		case "lead":
			c.Conversions = c.Leads
		}
		return c
	}
}

// sortRows orders the rows as the Dataset documents.
func sortRows(ds *analysis.Dataset) {
	order := map[metrics.Level]int{metrics.LevelCampaign: 0, metrics.LevelAdSet: 1, metrics.LevelAd: 2}
	slices.SortFunc(ds.Daily, func(a, b analysis.DailyRow) int {
		return cmp.Or(cmp.Compare(order[a.Level], order[b.Level]), cmp.Compare(a.ID, b.ID), dateCmp(a.Date, b.Date))
	})
	slices.SortFunc(ds.Hourly, func(a, b analysis.HourlyRow) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), dateCmp(a.Date, b.Date), cmp.Compare(a.Hour, b.Hour))
	})
}

// countsFunc sets a row's conversions from its campaign's event.
type countsFunc func(campaign string, c metrics.Counts) metrics.Counts

// readInsights reads the daily and hourly rows over HTTP through the client.
func readInsights(tb testing.TB, c *metaads.Client, id metaads.AccountID, ds *analysis.Dataset, counts countsFunc) {
	ctx := context.Background()
	// The client counts the event itself; the omni_purchase / lead choice
	// above is what CountsOptions would give, so read the families and
	// set Conversions the same way as readRows.
	for _, lvl := range []metrics.Level{metrics.LevelCampaign, metrics.LevelAdSet, metrics.LevelAd} {
		q := metaads.InsightsParams{Level: lvl, TimeRange: ds.Range, TimeIncrement: metaads.IncrementDaily, Limit: 5000}
		for r, err := range c.Insights.List(ctx, id, q) {
			require.NoError(tb, err)
			ds.Daily = append(ds.Daily, analysis.DailyRow{Level: lvl, ID: entityID(&r, lvl), Date: r.DateStart, Counts: counts(r.CampaignID, r.Counts(metaads.CountsOptions{}))})
		}
	}
	if ds.HourlyRange.IsZero() {
		return
	}
	q := metaads.InsightsParams{Level: metrics.LevelAdSet, TimeRange: ds.HourlyRange, TimeIncrement: metaads.IncrementDaily,
		Breakdowns: []metaads.Breakdown{metaads.BreakdownHourlyAdvertiserTZ}, Limit: 5000}
	for r, err := range c.Insights.List(ctx, id, q) {
		require.NoError(tb, err)
		v, ok := r.Breakdown(metaads.BreakdownHourlyAdvertiserTZ)
		require.True(tb, ok)
		var h int
		_, err := fmt.Sscanf(v, "%d", &h)
		require.NoError(tb, err)
		ds.Hourly = append(ds.Hourly, analysis.HourlyRow{Level: metrics.LevelAdSet, ID: r.AdSetID, Date: r.DateStart, Hour: h, Counts: counts(r.CampaignID, r.Counts(metaads.CountsOptions{}))})
	}
}

// readRows reads the same rows in process with Server.Rows, without the
// wire format: ad-level daily rows, summed into ad set and campaign rows
// (counts are additive; reach, unique clicks and watch time above ad
// level are then sums where the HTTP pull has the fake's own figures),
// and hourly rows at ad set level. TestRowsMatchHTTP checks both pulls
// agree.
func readRows(tb testing.TB, srv *metaadstest.Server, acct string, ds *analysis.Dataset, counts countsFunc) {
	rng := func(r metaads.TimeRange) string { return fmt.Sprintf(`{"since":%q,"until":%q}`, r.Since, r.Until) }
	rows, err := srv.Rows("act_"+acct, url.Values{"level": {"ad"}, "time_range": {rng(ds.Range)}, "time_increment": {"1"}})
	require.NoError(tb, err)
	type key struct {
		lvl metrics.Level
		id  string
		d   metaads.Date
	}
	adSet, adCamp, setCamp := map[string]string{}, map[string]string{}, map[string]string{}
	for _, a := range ds.Ads {
		adSet[a.ID], adCamp[a.ID] = a.AdSetID, a.CampaignID
	}
	for _, a := range ds.AdSets {
		setCamp[a.ID] = a.CampaignID
	}
	dates := map[string]metaads.Date{}
	parse := func(s string) metaads.Date {
		d, ok := dates[s]
		if !ok {
			var err error
			d, err = metaads.ParseDate(s)
			require.NoError(tb, err)
			dates[s] = d
		}
		return d
	}
	sums := map[key]*metrics.Counts{}
	var keys []key
	add := func(k key, c metrics.Counts) {
		if sums[k] == nil {
			sums[k] = &metrics.Counts{}
			keys = append(keys, k)
		}
		sums[k].Add(c)
	}
	for _, r := range rows {
		d := parse(r.DateStart)
		camp := adCamp[r.ID]
		c := counts(camp, r.Counts)
		add(key{metrics.LevelAd, r.ID, d}, c)
		add(key{metrics.LevelAdSet, adSet[r.ID], d}, c)
		add(key{metrics.LevelCampaign, camp, d}, c)
	}
	for _, k := range keys {
		ds.Daily = append(ds.Daily, analysis.DailyRow{Level: k.lvl, ID: k.id, Date: k.d, Counts: *sums[k]})
	}
	if ds.HourlyRange.IsZero() {
		return
	}
	rows, err = srv.Rows("act_"+acct, url.Values{"level": {"adset"}, "time_range": {rng(ds.HourlyRange)}, "time_increment": {"1"},
		"breakdowns": {string(metaads.BreakdownHourlyAdvertiserTZ)}})
	require.NoError(tb, err)
	for _, r := range rows {
		ds.Hourly = append(ds.Hourly, analysis.HourlyRow{Level: metrics.LevelAdSet, ID: r.ID, Date: parse(r.DateStart), Hour: r.Hour, Counts: counts(setCamp[r.ID], r.Counts)})
	}
}

func entityID(r *metaads.Insight, lvl metrics.Level) string {
	switch lvl {
	case metrics.LevelCampaign:
		return r.CampaignID
	case metrics.LevelAdSet:
		return r.AdSetID
	}
	return r.AdID
}

func dateCmp(a, b metaads.Date) int {
	return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month), cmp.Compare(a.Day, b.Day))
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

// demoShop pulls the demo shop account.
func demoShop(tb testing.TB) *analysis.Dataset {
	tb.Helper()
	return pullDataset(tb, demoServer(tb), metaadstest.DemoAccountShop, testNow, defaultPull)
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


// TestRowsMatchHTTP checks the in-process rows against the HTTP pull on
// the demo business (the shop and the lead account): every daily and
// hourly row, every count.
func TestRowsMatchHTTP(t *testing.T) {
	srv := demoServer(t)
	for _, acct := range []string{metaadstest.DemoAccountShop, metaadstest.DemoAccountLeads} {
		viaHTTP := pullDataset(t, srv, acct, testNow, pull{lookback: 8, hourlyDays: 2})
		inProc := pullDataset(t, srv, acct, testNow, pull{lookback: 8, hourlyDays: 2, rows: true})
		require.NotEmpty(t, viaHTTP.Hourly)
		require.Len(t, inProc.Daily, len(viaHTTP.Daily), acct)
		require.Len(t, inProc.Hourly, len(viaHTTP.Hourly), acct)
		for i := range viaHTTP.Daily {
			want, got := viaHTTP.Daily[i], inProc.Daily[i]
			if want.Level != "ad" {
				// Above ad level the in-process pull sums ad rows: reach,
				// unique clicks and watch time (an average per row times
				// plays) are not additive.
				want.Counts.Reach, got.Counts.Reach, got.Counts.ReachSummed = 0, 0, false
				want.Counts.UniqueClicks, got.Counts.UniqueClicks = 0, 0
				want.Counts.VideoWatchTimeMillis, got.Counts.VideoWatchTimeMillis = 0, 0
			}
			require.Equal(t, want, got, "%s daily row %d", acct, i)
		}
		for i := range viaHTTP.Hourly {
			require.Equal(t, viaHTTP.Hourly[i], inProc.Hourly[i], "%s hourly row %d", acct, i)
		}
	}
}
