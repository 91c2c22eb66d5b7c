package analysis

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
)

var csvHeader = []string{"Campaign name", "Campaign ID", "Ad set name", "Ad set ID", "Ad name", "Ad ID", "Reporting starts", "Reporting ends",
	"Impressions", "Reach", "Frequency", "Clicks (all)", "Link clicks", "Unique clicks (all)", "CTR (all)", "Amount spent (USD)",
	"Post engagements", "Page engagement", "Video plays", "3-second video plays", "Video plays at 25%", "Video plays at 50%",
	"Video plays at 75%", "Video plays at 95%", "Video plays at 100%", "ThruPlays", "Video average play time", "Landing page views",
	"Leads", "Purchases", "Purchases conversion value (USD)", "Quality ranking", "Engagement rate ranking", "Conversion rate ranking"}

var rankingWords = map[metrics.Ranking]string{metrics.RankingUnknown: "-", metrics.RankingAboveAverage: "Above average", metrics.RankingAverage: "Average",
	metrics.RankingBelowAverage35: "Below average - Bottom 35% of ads", metrics.RankingBelowAverage20: "Below average - Bottom 20% of ads",
	metrics.RankingBelowAverage10: "Below average - Bottom 10% of ads"}

// exportCSV writes insights rows as Ads Manager exports them.
func exportCSV(t *testing.T, w *csv.Writer, rows []metaads.Insight) {
	t.Helper()
	usd, _ := metrics.LookupCurrency("USD")
	for _, r := range rows {
		c := r.Counts(metaads.CountsOptions{})
		n := func(v int64) string { return strconv.FormatInt(v, 10) }
		avg := ""
		if len(r.VideoAvgTimeWatched) > 0 {
			avg = strconv.FormatFloat(r.VideoAvgTimeWatched[0].Value, 'g', -1, 64)
		}
		rec := []string{r.CampaignName, r.CampaignID, r.AdSetName, r.AdSetID, r.AdName, r.AdID, r.DateStart.String(), r.DateStop.String(),
			n(c.Impressions), n(c.Reach), "1.23", n(c.Clicks), n(c.LinkClicks), n(c.UniqueClicks), "0.5", usd.Format(c.Spend),
			n(c.PostEngagements), n(c.PageEngagements), n(c.VideoPlays), n(c.VideoViews3s), n(c.VideoP25), n(c.VideoP50),
			n(c.VideoP75), n(c.VideoP95), n(c.VideoP100), n(c.ThruPlays), avg, n(c.LandingPageViews),
			n(c.Leads), n(c.Purchases), usd.Format(c.PurchaseValue),
			rankingWords[r.QualityRanking], rankingWords[r.EngagementRateRanking], rankingWords[r.ConversionRateRanking]}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCSVGivesCollectsSnapshot exports the demo shop's rows as Ads Manager
// CSV (daily rows per level and the window totals), reads them back with
// the objects Collect listed, and gets the very Snapshot Collect gives.
func TestCSVGivesCollectsSnapshot(t *testing.T) {
	e := newDemo(t, demoNow)
	ds := e.collect(t, metaadstest.DemoAccountShop, CollectOptions{NoHourly: true}, demoNow)
	acct := metaads.MustParseAccountID(metaadstest.DemoAccountShop)
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(csvHeader); err != nil {
		t.Fatal(err)
	}
	col := &collector{ds: ds, today: ds.Range.Until, loc: mustLoc(t, ds.Account.TimezoneName)}
	ranges, _ := col.windowRanges()
	for _, l := range ds.Levels {
		for _, p := range []metaads.InsightsParams{
			{Level: l, TimeRange: ds.Range, TimeIncrement: metaads.IncrementDaily, Limit: 500},
			{Level: l, TimeRanges: ranges, Limit: 500, Fields: append(metaads.DefaultInsightsFields(l, false), "quality_ranking", "engagement_rate_ranking", "conversion_rate_ranking")},
		} {
			if l != metrics.LevelAd && len(p.TimeRanges) > 0 {
				p.Fields = nil
			}
			rows, err := collectAll(e.c.Insights.List(context.Background(), acct, p))
			if err != nil {
				t.Fatal(err)
			}
			exportCSV(t, w, rows)
		}
	}
	w.Flush()
	rows, err := ReadCSV(&buf, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	fromCSV, err := FromRows(Rows{Account: ds.Account, Campaigns: ds.Campaigns, AdSets: ds.AdSets, Ads: ds.Ads, Insights: rows, CollectedAt: ds.CollectedAt})
	if err != nil {
		t.Fatal(err)
	}
	a, err := ds.Snapshot(demoNow)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fromCSV.Snapshot(demoNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d CSV rows; %d windows per campaign, %d window totals", len(rows), len(b.Entities[0].Stats), len(fromCSV.Windows))
	if len(b.Entities[0].Stats) < 15 || len(fromCSV.Windows) != len(ds.Windows)-6 {
		t.Errorf("%d windows of the first entity and %d window totals (Collect %d with 6 account-level)", len(b.Entities[0].Stats), len(fromCSV.Windows), len(ds.Windows))
	}
	if len(a.Entities) != len(b.Entities) {
		t.Fatalf("%d entities from Collect, %d from CSV", len(a.Entities), len(b.Entities))
	}
	for i := range a.Entities {
		if !reflect.DeepEqual(a.Entities[i], b.Entities[i]) {
			x, y := a.Entities[i], b.Entities[i]
			for j := range min(len(x.Stats), len(y.Stats)) {
				if x.Stats[j] != y.Stats[j] {
					t.Errorf("%s %s: Collect %+v\nCSV %+v", x.ID, x.Stats[j].Window, x.Stats[j].Counts, y.Stats[j].Counts)
				}
			}
			t.Fatalf("entity %s differs (%d and %d windows)", x.ID, len(x.Stats), len(y.Stats))
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("the snapshots differ outside the entities")
	}
}

func TestReadCSVErrors(t *testing.T) {
	head := "Campaign ID,Ad set ID,Ad ID,Reporting starts,Reporting ends,Impressions,Amount spent (USD)\n"
	for name, tc := range map[string]struct {
		csv, opts  string
		row        int
		col, words string
	}{
		"unknown column": {"Campaign ID,Impresions\n1,2\n", "", 1, "Impresions", "unknown column"},
		"wrong currency": {head, "EUR", 1, "Amount spent (USD)", "money in USD; expected EUR"},
		"not a number":   {head + "1,2,3,2026-03-01,2026-03-01,12x,1.00\n", "", 2, "Impressions", `"12x"`},
		"bad money":      {head + "1,2,3,2026-03-01,2026-03-01,12,1.005\n", "", 2, "Amount spent (USD)", "1.005"},
		"bad day":        {head + "1,2,3,2026-02-30,2026-03-01,12,1.00\n", "", 2, "Reporting starts", "not a day"},
		"no currency":    {"Campaign ID,Impressions\n1,2\n", "", 1, "", "no currency"},
		"short row":      {head + "1,2\n", "", 2, "", "2 fields"},
		"twice":          {"Ad ID,Impressions,Amount spent (USD),Impressions\n1,2,3.00,4\n", "", 1, "Impressions", "column 4 repeats column 2"},
	} {
		_, err := ReadCSV(strings.NewReader(tc.csv), CSVOptions{Currency: tc.opts})
		var re *RowError
		if !errors.As(err, &re) || !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v; want a *RowError", name, err)
			continue
		}
		if re.Row != tc.row || re.Column != tc.col || !strings.Contains(re.Error(), tc.words) {
			t.Errorf("%s: row %d column %q: %v; want row %d column %q mentioning %q", name, re.Row, re.Column, re, tc.row, tc.col, tc.words)
		}
	}
}

// An export broken down by day carries the report's range and each row's
// day: the row is that day's, whatever the order of the columns.
func TestReadCSVDayWinsOverReportingRange(t *testing.T) {
	for _, csvText := range []string{
		"Ad ID,Reporting starts,Reporting ends,Day,Impressions,Amount spent (USD)\n3,2026-03-01,2026-03-10,2026-03-08,100,1.00\n3,2026-03-01,2026-03-10,2026-03-09,100,1.00\n",
		"Ad ID,Day,Reporting starts,Reporting ends,Impressions,Amount spent (USD)\n3,2026-03-08,2026-03-01,2026-03-10,100,1.00\n3,2026-03-09,2026-03-01,2026-03-10,100,1.00\n",
	} {
		rows, err := ReadCSV(strings.NewReader(csvText), CSVOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if want := (metaads.Date{Year: 2026, Month: 3, Day: 8 + i}); r.Since != want || r.Until != want {
				t.Errorf("%.40q: row %d covers %v to %v; want the day %v", csvText, i+2, r.Since, r.Until, want)
			}
		}
	}
}

func TestFromRowsErrors(t *testing.T) {
	acct := metaads.AdAccount{ID: metaads.MustParseAccountID("act_5"), Currency: "USD", TimezoneName: "America/Los_Angeles"}
	day, _ := metaads.ParseDate("2026-03-01")
	ok := Row{CampaignID: "1", AdSetID: "2", AdID: "3", Since: day, Until: day, Counts: metrics.Counts{Impressions: 10}}
	with := func(f func(*Row)) Row { r := ok; f(&r); return r }
	for name, tc := range map[string]struct {
		in       Rows
		row      int
		col, msg string
	}{
		"other currency": {Rows{Account: acct, Insights: []Row{with(func(r *Row) { r.Currency = "EUR" })}}, 1, "Currency", "EUR"},
		"unknown ad":     {Rows{Account: acct, Ads: []metaads.Ad{{ID: "9", AdSetID: "2"}}, Insights: []Row{ok}}, 1, "Ad ID", "ad 3 does not exist"},
		"wrong parent":   {Rows{Account: acct, Ads: []metaads.Ad{{ID: "3", AdSetID: "8"}}, Insights: []Row{ok}}, 1, "Ad set ID", "belongs to ad set 8"},
		"overlap":        {Rows{Account: acct, Insights: []Row{ok, with(func(r *Row) { r.Line = 7 })}}, 7, "Reporting starts", "overlaps row 1"},
		"backwards":      {Rows{Account: acct, Insights: []Row{with(func(r *Row) { r.Until = day.AddDays(-1) })}}, 1, "Reporting ends", "before the start"},
		"negative":       {Rows{Account: acct, Insights: []Row{with(func(r *Row) { r.Counts.Spend = -1 })}}, 1, "counts", "Spend"},
		"hour":           {Rows{Account: acct, Insights: []Row{with(func(r *Row) { r.Hourly, r.Hour = true, 24 })}}, 1, "Time of day (ad account time zone)", "hour 24"},
		"no zone":        {Rows{Account: metaads.AdAccount{ID: acct.ID, Currency: "USD"}}, 0, "time zone", "TimezoneName"},
		"event":          {Rows{Account: acct, Campaigns: []metaads.Campaign{{ID: "1", Objective: metaads.ObjectiveSales}}, Insights: []Row{with(func(r *Row) { r.Event = EventLead })}}, 1, "Result indicator", `counts conversions of "lead"`},
		"totals only": {Rows{Account: acct, Insights: []Row{with(func(r *Row) { r.Until = day.AddDays(6) })}}, 0, "Day",
			"no daily rows"},
		// Ads Manager exports names only unless the ID columns are added:
		// such a row must not be summed into its parent or the account.
		"names only": {Rows{Account: acct, Insights: []Row{with(func(r *Row) { r.AdID, r.AdSetID, r.CampaignID, r.AdName, r.AdSetName = "", "", "", "Ad 1", "Set" })}}, 1, "Ad ID",
			`names ad "Ad 1" but has no Ad ID`},
		"ad without its ad set":       {Rows{Account: acct, Insights: []Row{with(func(r *Row) { r.AdSetID = "" })}}, 1, "Ad set ID", "ad 3 is not among Rows.Ads"},
		"ad set without its campaign": {Rows{Account: acct, Insights: []Row{with(func(r *Row) { r.AdID, r.CampaignID = "", "" })}}, 1, "Campaign ID", "ad set 2 is not among Rows.AdSets"},
	} {
		_, err := FromRows(tc.in)
		var re *RowError
		if !errors.As(err, &re) || !errors.Is(err, ErrInvalidInput) {
			t.Errorf("%s: err = %v; want a *RowError", name, err)
			continue
		}
		if re.Row != tc.row || re.Column != tc.col || !strings.Contains(re.Error(), tc.msg) {
			t.Errorf("%s: %v (row %d, column %q); want row %d, column %q, %q", name, re, re.Row, re.Column, tc.row, tc.col, tc.msg)
		}
	}
	// Ads alone: ad sets and campaigns are summed from them, reach marked.
	two := []Row{ok, with(func(r *Row) { r.AdID, r.Counts.Reach = "4", 5 }), with(func(r *Row) { r.AdID, r.Counts.Reach = "5", 6 })}
	ds, err := FromRows(Rows{Account: acct, Insights: two})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ds.Levels, []metrics.Level{metrics.LevelCampaign, metrics.LevelAdSet, metrics.LevelAd}) || len(ds.Daily) != 5 {
		t.Fatalf("levels %v, %d daily rows", ds.Levels, len(ds.Daily))
	}
	if r := ds.Daily[0]; r.Level != metrics.LevelCampaign || r.Counts.Impressions != 30 || !r.Counts.ReachSummed {
		t.Errorf("campaign row %+v; want the sum of its ads with reach marked summed", r)
	}
	if ds.Stats.Rows != 3 || ds.Stats.Requests != 0 {
		t.Errorf("stats %+v; want the 3 rows read and no requests", ds.Stats)
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Add("Campaign ID,Ad ID,Day,Impressions,Amount spent (USD)\n1,2,2026-03-01,10,1.50\n")
	f.Add("Campaign ID,Reporting starts,Reporting ends,Reach,Quality ranking\n1,2026-03-01,2026-03-07,9,Below average - Bottom 20% of ads\n")
	f.Add("\ufeffAd ID,Time of day (ad account time zone),Clicks (all),Currency\n3,09:00:00 - 09:59:59,4,USD\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := ReadCSV(strings.NewReader(s), CSVOptions{Currency: "USD"})
		if err != nil {
			var re *RowError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RowError", err)
			}
			return
		}
		acct := metaads.AdAccount{ID: metaads.MustParseAccountID("act_5"), Currency: "USD", TimezoneName: "UTC"}
		ds, err := FromRows(Rows{Account: acct, Insights: rows})
		if err != nil {
			if !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("FromRows: %v", err)
			}
			return
		}
		// What FromRows accepts, the rest of the pass takes.
		now := ds.CollectedAt
		if now.IsZero() { // no rows: an account without delivery
			now = demoNow
		}
		if _, err := RunDataset(context.Background(), ds, RunOptions{Goals: Goals{TargetCPA: 1000, GrossMargin: 0.5},
			Now: func() time.Time { return now }}); err != nil {
			t.Fatalf("RunDataset on a Dataset FromRows accepted: %v", err)
		}
	})
}
