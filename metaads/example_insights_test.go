package metaads_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/adpilot/adpilot/metaads"
	"github.com/adpilot/adpilot/metaads/metaadstest"
	"github.com/adpilot/adpilot/metrics"
)

// insightsExampleClient starts a fake with one USD account (3 ads since
// 2026-01-01, the fake's clock at 2026-06-01) and a client for it.
func insightsExampleClient() (*metaadstest.Server, *metaads.Client) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	srv, err := metaadstest.NewServer(metaadstest.WithClock(func() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }))
	if err != nil {
		log.Fatal(err)
	}
	_, err = srv.Seed(metaadstest.Scenario{
		Users:     []metaadstest.User{{ID: "7", AdAccounts: []string{"123"}}},
		Accounts:  []metaadstest.Account{{ID: "123", Currency: "USD", TimezoneName: "UTC", CreatedTime: start}},
		Campaigns: []metaadstest.Campaign{{ID: "501", AccountID: "123", Name: "Spring sale", StartTime: start}},
		AdSets:    []metaadstest.AdSet{{ID: "601", CampaignID: "501", DailyBudget: 5000, StartTime: start}},
		Ads:       []metaadstest.Ad{{ID: "701", AdSetID: "601"}, {ID: "702", AdSetID: "601"}, {ID: "703", AdSetID: "601"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := srv.IssueToken(metaadstest.TokenSpec{UserID: "7"})
	if err != nil {
		log.Fatal(err)
	}
	c, err := metaads.NewClient(metaads.WithBaseURL(srv.URL), metaads.WithTokenProvider(metaads.StaticTokens{"act_123": tok}))
	if err != nil {
		log.Fatal(err)
	}
	return srv, c
}

var exampleWeek = metaads.TimeRange{Since: metaads.Date{Year: 2026, Month: 2, Day: 1}, Until: metaads.Date{Year: 2026, Month: 2, Day: 7}}

func ExampleInsightsService_List() {
	srv, c := insightsExampleClient()
	defer srv.Close()
	acct := metaads.MustParseAccountID("123")

	p := metaads.InsightsParams{
		Level:         metrics.LevelAd,
		TimeRange:     exampleWeek,
		TimeIncrement: metaads.IncrementDaily,
		Limit:         5, // small pages: the iterator follows the cursors
	}
	rows, days := 0, map[string]bool{}
	var spend, impressions int64
	for row, err := range c.Insights.List(context.Background(), acct, p) {
		if err != nil {
			log.Fatal(err)
		}
		rows++
		days[row.DateStart.String()] = true
		counts := row.Counts(metaads.CountsOptions{})
		spend += counts.Spend // minor units (cents)
		impressions += counts.Impressions
	}
	fmt.Println("rows:", rows, "days:", len(days))
	fmt.Println("spend and impressions decoded as numbers:", spend > 0, impressions > 0)
	// Output:
	// rows: 21 days: 7
	// spend and impressions decoded as numbers: true true
}

func ExampleInsightsService_StartReport() {
	srv, c := insightsExampleClient()
	defer srv.Close()
	ctx := context.Background()
	acct := metaads.MustParseAccountID("123")

	run, err := c.Insights.StartReport(ctx, acct, metaads.InsightsParams{Level: metrics.LevelAd, TimeRange: exampleWeek, TimeIncrement: metaads.IncrementDaily})
	if err != nil {
		log.Fatal(err)
	}
	id := run.ID // persist this: after a restart, ResumeReport(acct, id) picks the run up again

	resumed, err := c.Insights.ResumeReport(acct, id)
	if err != nil {
		log.Fatal(err)
	}
	// Wait polls with backoff until "Job Completed" (100% alone is not done).
	if err := resumed.Wait(ctx, metaads.PollOptions{Initial: time.Millisecond, Max: 5 * time.Millisecond}); err != nil {
		var failed *metaads.ReportRunError
		if errors.As(err, &failed) {
			log.Fatalf("run %s ended %s", failed.ID, failed.Status)
		}
		log.Fatal(err)
	}
	n := 0
	for _, err := range resumed.List(ctx, 0) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(resumed.Status, n, "rows")
	// Output:
	// Job Completed 21 rows
}

func ExampleInsightsService_Run() {
	srv, c := insightsExampleClient()
	defer srv.Close()
	acct := metaads.MustParseAccountID("123")

	p := metaads.InsightsParams{
		Level:         metrics.LevelAd,
		TimeRange:     metaads.TimeRange{Since: metaads.Date{Year: 2026, Month: 1, Day: 1}, Until: metaads.Date{Year: 2026, Month: 3, Day: 31}},
		TimeIncrement: metaads.IncrementDaily,
	}
	opts := metaads.RunOptions{
		ChunkDays:         30, // three report runs of 30 days
		MaxConcurrentJobs: 2,  // at most two runs in flight for the account
		Poll:              metaads.PollOptions{Initial: time.Millisecond, Max: 5 * time.Millisecond},
	}
	rows := 0
	for _, err := range c.Insights.Run(context.Background(), acct, p, opts) {
		if err != nil {
			log.Fatal(err)
		}
		rows++
	}
	fmt.Println(rows, "rows (3 ads × 90 days), none repeated")
	// Output:
	// 270 rows (3 ads × 90 days), none repeated
}

func ExampleInsight_Counts() {
	row := []byte(`{"ad_id":"701","account_currency":"USD","impressions":"18841","clicks":"412","inline_link_clicks":"301",
	  "spend":"123.45","ctr":"2.186721",
	  "actions":[{"action_type":"offsite_conversion.fb_pixel_purchase","value":"7"},{"action_type":"omni_purchase","value":"7"}],
	  "action_values":[{"action_type":"omni_purchase","value":"845.10"}],
	  "date_start":"2026-11-01","date_stop":"2026-11-01"}`)
	var in metaads.Insight
	if err := json.Unmarshal(row, &in); err != nil {
		log.Fatal(err)
	}
	c := in.Counts(metaads.CountsOptions{})
	fmt.Println("spend (cents):", c.Spend)
	fmt.Println("ctr (fraction):", in.CTR)
	fmt.Println("purchases (one name, never summed):", c.Purchases, "value (cents):", c.PurchaseValue)
	// Output:
	// spend (cents): 12345
	// ctr (fraction): 0.02186721
	// purchases (one name, never summed): 7 value (cents): 84510
}

func ExampleInsightsParams_Validate() {
	p := metaads.InsightsParams{
		Fields:     []string{"impressions", "reach"},
		Breakdowns: []metaads.Breakdown{metaads.BreakdownHourlyAdvertiserTZ},
	}
	err := p.Validate()
	fmt.Println(errors.Is(err, metaads.ErrInvalidParameter))
	fmt.Println(err)
	// Output:
	// true
	// metaads: invalid parameter: insights field "reach" counts unique people and is not available with hourly breakdowns (Meta returns 0): remove it or the hourly breakdown
}
